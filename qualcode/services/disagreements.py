"""Every passage where coders differ, with both codings and memos (issue 6).

The companion of :mod:`qualcode.services.agreement`: the same coders (default: everyone
with codings except the consensus coder), the same idea of a *present* coder (one
with any coding in the source; elsewhere they are missing, not disagreeing), and the
stretches themselves from :func:`qualcode.domain.disagreements.disagreeing_stretches`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select

from qualcode.domain.disagreements import Disagreement, InvolvedCoding, disagreeing_stretches
from qualcode.services.agreement import compared_coders
from qualcode.services.base import Service
from qualcode.services.code_tree import CodeTree
from qualcode.services.export_gate import ALL_CHECKS, ExportChecks, ExportGate
from qualcode.services.sources import find_source
from qualcode.store.models import Coder, Coding, Source


class DisagreementService(Service):
    def disagreements(
        self,
        *,
        coders: Sequence[str] | None = None,
        codes: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
    ) -> list[Disagreement]:
        """Per source and code, the maximal stretches some present coders coded and
        others did not, ordered by source name, then position, then codebook order.

        ``coders``: names to compare (default: all with codings but the consensus
        coder). ``codes``: references (default: every code; sub-codes are separate
        codes). ``sources``: names or UUIDs (default: all).
        """
        session = self.session
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
        compared = {
            c: names[c] for c in compared_coders(coders, names, {row.coder_id for row in rows})
        }

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
                select(Source.id, Source.name, Source.text).where(
                    Source.id.in_({f[0] for f in found})
                )
            )
        }
        found.sort(
            key=lambda f: (sources_[f[0]].name.casefold(), f[0], f[2], f[3], order.get(f[1], 0))
        )
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
        self._end_read()
        return out

    def export(
        self,
        path: Path,
        *,
        coders: Sequence[str] | None = None,
        codes: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
        checks: ExportChecks = ALL_CHECKS,
    ) -> tuple[Path, int]:
        """Write the disagreements to ``path`` (.xlsx, .csv or .docx) through the export
        gate, numbered as `qualcode review list` numbers them and each with its status
        and discussion. Returns the path written and how many were written."""
        from qualcode.exporters.disagreements import FORMATS, disagreements_bytes
        from qualcode.services.review import ReviewService  # it builds on this module

        gate = ExportGate(self.session, checks)
        path, file_format = gate.target(path, FORMATS, "the disagreements list")
        reviewed = ReviewService(self.session).items(coders=coders, codes=codes, sources=sources)
        items, threads = gate.redact(
            (tuple(r.disagreement for r in reviewed), tuple(r.thread for r in reviewed))
        )
        data = disagreements_bytes(items, file_format.name, threads)
        return gate.write({path: data}, file_format).paths[0], len(items)
