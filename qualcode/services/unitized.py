"""Krippendorff's unitized alpha family over a project's codings (issue 16).

The maths is :mod:`qualcode.domain.unitized_alpha`; this module chooses the material.
Each transcript is one continuum of its code points, and each coding one segment
labelled with its code's path. A transcript is compared when every compared coder
coded something in it: a reliability sample is the material all coders coded, and a
transcript one coder never opened would otherwise count as their disagreeing with
everything the others found. With ``absent_is_uncoded`` every selected transcript is
compared, a coder's silence counting as "nothing here".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select

from qualcode.domain.unitized_alpha import (
    BINARY,
    CODING,
    PER_CODE,
    UNITIZING,
    Confidence,
    Continuum,
    Segment,
    UnitizedReport,
    bootstrap,
    unitized_family,
)
from qualcode.services.agreement import compared_coders
from qualcode.services.base import Service
from qualcode.services.code_tree import CodeTree
from qualcode.services.sources import chosen_source_ids
from qualcode.store.models import Coder, Coding, Source


class UnitizedService(Service):
    def family(
        self,
        *,
        coders: Sequence[str] | None = None,
        codes: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
        absent_is_uncoded: bool = False,
        include_subcodes: bool = False,
        confidence: bool = False,
        draws: int = 1000,
        seed: int = 20161,
    ) -> UnitizedReport:
        """|uα, uα, cuα overall and (k)uα per code between ``coders`` (default: everyone
        who coded, but the consensus coder), over ``codes`` (default: every code, in the
        codebook's order) and ``sources`` (default: all). With ``include_subcodes`` a
        subcode's codings count as the chosen code's. With ``confidence``, bootstrap
        intervals (``draws``, ``seed``) for every defined coefficient."""
        session = self.session
        tree = CodeTree.load(session)
        names = dict(session.execute(select(Coder.id, Coder.name)).all())
        source_ids = chosen_source_ids(session, sources)
        source_rows = {
            row.id: row
            for row in session.execute(
                select(Source.id, Source.name, Source.characters).where(Source.id.in_(source_ids))
            )
        }
        rows = session.execute(
            select(Coding.source_id, Coding.code_id, Coding.coder_id, Coding.start, Coding.end)
            .where(Coding.source_id.in_(source_ids))
            .order_by(Coding.source_id, Coding.start)
        ).all()
        compared = compared_coders(coders, names, {row.coder_id for row in rows})
        wanted = [tree.resolve(c) for c in codes] if codes else [c for _, c in tree.in_order()]
        label_of = {code.id: tree.path(code) for code in wanted}
        if include_subcodes:
            for code in wanted:
                for child in tree.descendants(code):
                    label_of.setdefault(child.id, tree.path(code))
        coder_names = [names[c] for c in compared]
        segments: dict[int, list[Segment]] = defaultdict(list)
        coded_by: dict[int, set[int]] = defaultdict(set)
        for source_id, code_id, coder_id, start, end in rows:
            if coder_id not in compared:
                continue
            coded_by[source_id].add(coder_id)
            label = label_of.get(code_id)
            if label is not None:
                segments[source_id].append(Segment(names[coder_id], label, start, end))
        everyone = set(compared)
        chosen = [
            s for s in source_ids if absent_is_uncoded or (everyone and coded_by[s] >= everyone)
        ]
        continua = [
            Continuum(source_rows[s].name, source_rows[s].characters, tuple(segments[s]))
            for s in chosen
        ]
        self._end_read()
        labels = tuple(dict.fromkeys(label_of[c.id] for c in wanted))
        family = unitized_family(continua, coder_names, labels)
        intervals: list[tuple[str, Confidence]] = []
        if confidence:
            for which, label, coefficient in (
                (BINARY, BINARY, family.binary),
                (UNITIZING, UNITIZING, family.unitizing),
                (CODING, CODING, family.coding),
                *((PER_CODE, c.code or "", c) for c in family.per_code),
            ):
                if coefficient.value is None:
                    continue
                per_code = label if which == PER_CODE else None
                intervals.append(
                    (
                        label,
                        bootstrap(
                            continua, coder_names, labels, which, per_code, draws=draws, seed=seed
                        ),
                    )
                )
        return UnitizedReport(
            family=family,
            codes=labels,
            sources=tuple(source_rows[s].name for s in chosen),
            left_out=tuple(source_rows[s].name for s in source_ids if s not in chosen),
            uncoded_by=tuple(
                (source_rows[s].name, tuple(names[c] for c in compared if c not in coded_by[s]))
                for s in source_ids
                if s not in chosen
            ),
            characters=sum(source_rows[s].characters for s in chosen),
            all_characters=sum(source_rows[s].characters for s in source_ids),
            absent_is_uncoded=absent_is_uncoded,
            confidence=tuple(intervals),
        )
