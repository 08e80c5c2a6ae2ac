"""Counts per code: codings, sources, cases and stakeholder groups.

A coding counts for the cases whose speaker turns it touches; in a source where no
turn is linked to a case (a whole-file participant), for the source's cases. That
is how "raised by N participants across M stakeholder groups" is meant in reports.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from qualcode.domain.errors import NotFoundError
from qualcode.domain.records import CodeStats
from qualcode.services.base import Service
from qualcode.services.code_tree import CodeTree
from qualcode.store.engine import fetch_rows
from qualcode.store.models import (
    Attribute,
    CaseAttributeValue,
    Coder,
    SourceCase,
    SpeakerTurn,
)

STAKEHOLDER_GROUP = "stakeholder_group"


@dataclass
class _Tally:
    codings: int = 0
    sources: set[int] = field(default_factory=set)
    cases: set[int] = field(default_factory=set)

    def add(self, other: _Tally) -> None:
        self.codings += other.codings
        self.sources |= other.sources
        self.cases |= other.cases


class _CaseLocator:
    """Finds the cases behind a span of a source, from its speaker turns."""

    def __init__(
        self, turns: list[tuple[int, int, int, int | None]], source_cases: dict[int, set[int]]
    ) -> None:
        by_source: dict[int, list[tuple[int, int, int | None]]] = defaultdict(list)
        for source_id, start, end, case_id in turns:
            by_source[source_id].append((start, end, case_id))
        # Only sources where some turn names a case are looked up turn by turn.
        self.turns: dict[int, tuple[list[int], list[int], list[int | None]]] = {}
        for source_id, rows in by_source.items():
            if any(row[2] is not None for row in rows):
                rows.sort()
                self.turns[source_id] = (
                    [r[0] for r in rows],
                    [r[1] for r in rows],
                    [r[2] for r in rows],
                )
        self.source_cases = source_cases


class StatsService(Service):
    def code_stats(self, coder: str | None = None) -> list[CodeStats]:
        session = self.session
        sql = 'SELECT code_id, source_id, start, "end" FROM codings'
        params: tuple[int, ...] = ()
        if coder:
            coder_id = session.scalar(select(Coder.id).where(Coder.name == coder))
            if coder_id is None:
                raise NotFoundError(f"no coder '{coder}' in this project")
            sql, params = sql + " WHERE coder_id = ?", (coder_id,)
        connection = session.connection()
        # The one query that returns a row per coding goes straight to the DB-API
        # cursor: building 100,000 Row objects costs more than the counting itself.
        codings = fetch_rows(connection, sql, params)
        turns = connection.execute(
            select(SpeakerTurn.source_id, SpeakerTurn.start, SpeakerTurn.end, SpeakerTurn.case_id)
        ).all()
        source_cases: dict[int, set[int]] = defaultdict(set)
        for source_id, case_id in connection.execute(
            select(SourceCase.source_id, SourceCase.case_id)
        ).all():
            source_cases[source_id].add(case_id)
        groups = dict(
            connection.execute(
                select(CaseAttributeValue.case_id, CaseAttributeValue.value)
                .join(Attribute)
                .where(Attribute.name == STAKEHOLDER_GROUP)
            ).all()
        )
        tree = CodeTree.load(session)

        locator = _CaseLocator(list(turns), source_cases)
        own: dict[int, _Tally] = defaultdict(_Tally)
        # The hot loop of `stats` (100,000 codings must count well inside a second):
        # locals and an inlined turn lookup instead of a method call per coding.
        located_turns, whole_source = locator.turns, locator.source_cases
        for code_id, source_id, start, end in codings:
            tally = own[code_id]
            tally.codings += 1
            tally.sources.add(source_id)
            located = located_turns.get(source_id)
            if located is None:
                tally.cases.update(whole_source.get(source_id, ()))
                continue
            starts, ends, cases = located
            index = bisect_right(ends, start)
            while index < len(starts) and starts[index] < end:
                case = cases[index]
                if case is not None:
                    tally.cases.add(case)
                index += 1

        def group_count(cases: set[int]) -> int:
            return len({groups[c] for c in cases if c in groups})

        out: list[CodeStats] = []
        for depth, code in tree.in_order():
            mine = own.get(code.id, _Tally())
            total = _Tally()
            total.add(mine)
            for child in tree.descendants(code):
                if child.id in own:
                    total.add(own[child.id])
            out.append(
                CodeStats(
                    code_uuid=code.uuid,
                    path=tree.path(code),
                    depth=depth,
                    codings=mine.codings,
                    sources=len(mine.sources),
                    cases=len(mine.cases),
                    stakeholder_groups=group_count(mine.cases),
                    total_codings=total.codings,
                    total_sources=len(total.sources),
                    total_cases=len(total.cases),
                    total_stakeholder_groups=group_count(total.cases),
                )
            )
        self._end_read()  # only now: the tree's rows would reload one by one after it
        return out
