"""Finding the passages where coders differ: the one query under both the disagreements
list (:mod:`qualcode.services.disagreements`) and the review that numbers and discusses
them (:mod:`qualcode.services.review`), so the review need not import the list's
service, nor the list the review's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.domain.disagreements import Disagreement, InvolvedCoding, disagreeing_stretches
from qualcode.services.agreement import compared_coders
from qualcode.services.code_tree import CodeTree
from qualcode.services.sources import find_source
from qualcode.store.models import Coder, Coding, Source


def find_disagreements(
    session: Session,
    *,
    coders: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    sources: Sequence[str] | None = None,
) -> list[Disagreement]:
    """Per source and code, the maximal stretches some present coders coded and others
    did not (see :meth:`DisagreementService.disagreements`). Leaves the read open: the
    caller ends it."""
    tree = CodeTree.load(session)
    names = dict(session.execute(select(Coder.id, Coder.name)).all())
    if sources:
        source_ids = list(dict.fromkeys(find_source(session, s).id for s in sources))
    else:
        source_ids = list(session.scalars(select(Source.id)))
    wanted_codes = {tree.resolve(c).id for c in codes} if codes else None

    rows = session.execute(
        select(
            Coding.source_id,
            Coding.code_id,
            Coding.coder_id,
            Coding.start,
            Coding.end,
            Coding.memo,
        ).where(Coding.source_id.in_(source_ids))
    ).all()
    compared = {c: names[c] for c in compared_coders(coders, names, {row.coder_id for row in rows})}

    present: dict[int, set[str]] = defaultdict(set)
    grouped: dict[tuple[int, int], list[tuple[str, int, int, str]]] = defaultdict(list)
    for source_id, code_id, coder_id, start, end, memo in rows:
        name = compared.get(coder_id)
        if name is None:
            continue
        present[source_id].add(name)
        if wanted_codes is None or code_id in wanted_codes:
            grouped[(source_id, code_id)].append((name, start, end, memo or ""))

    order = {code.id: i for i, (_, code) in enumerate(tree.in_order())}
    found: list[tuple[int, int, int, int, tuple[str, ...]]] = []
    for (source_id, code_id), codings in grouped.items():
        here = sorted(present[source_id], key=str.casefold)
        for start, end, coded_by in disagreeing_stretches(
            ((c, s, e) for c, s, e, _ in codings), here
        ):
            found.append((source_id, code_id, start, end, coded_by))

    sources_ = {
        row.id: row
        for row in session.execute(
            select(Source.id, Source.name, Source.text).where(Source.id.in_({f[0] for f in found}))
        )
    }
    found.sort(key=lambda f: (sources_[f[0]].name.casefold(), f[0], f[2], f[3], order.get(f[1], 0)))
    out: list[Disagreement] = []
    for source_id, code_id, start, end, coded_by in found:
        here = sorted(present[source_id], key=str.casefold)
        involved = sorted(
            (
                InvolvedCoding(coder, s, e, memo)
                for coder, s, e, memo in grouped[(source_id, code_id)]
                if s < end and e > start and e > s
            ),
            key=lambda c: (c.coder.casefold(), c.start, c.end),
        )
        out.append(
            Disagreement(
                source=sources_[source_id].name,
                code_path=tree.path(tree.by_id[code_id]),
                start=start,
                end=end,
                text=sources_[source_id].text[start:end],
                coded_by=coded_by,
                not_coded_by=tuple(n for n in here if n not in coded_by),
                codings=tuple(involved),
                code_uuid=tree.by_id[code_id].uuid,
            )
        )
    return out
