"""Coded extracts: every passage coded with a code, placed by speaker and participant."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict

from sqlalchemy import select

from qualcode.domain.records import AttributeValue, ExtractRecord
from qualcode.services.base import Service
from qualcode.services.coding import CodingService
from qualcode.store.models import Attribute, Case, CaseAttributeValue, Source, SpeakerTurn


class ExtractService(Service):
    def extracts(
        self, code: str, *, include_subcodes: bool = True, coder: str | None = None
    ) -> list[ExtractRecord]:
        codings = CodingService(self.session).list(
            code=code, coder=coder, include_subcodes=include_subcodes
        )
        names = {c.source for c in codings}
        source_ids = dict(
            self.session.execute(select(Source.name, Source.id).where(Source.name.in_(names))).all()
        )
        turns: dict[int, list[tuple[int, int, str | None, int | None, float | None]]] = defaultdict(
            list
        )
        for row in self.session.execute(
            select(
                SpeakerTurn.source_id,
                SpeakerTurn.start,
                SpeakerTurn.end,
                SpeakerTurn.speaker,
                SpeakerTurn.case_id,
                SpeakerTurn.start_time,
            )
            .where(SpeakerTurn.source_id.in_(source_ids.values()))
            .order_by(SpeakerTurn.source_id, SpeakerTurn.start)
        ):
            turns[row[0]].append(tuple(row[1:]))  # type: ignore[arg-type]
        case_names = dict(self.session.execute(select(Case.id, Case.name)).all())
        attributes: dict[int, dict[str, AttributeValue]] = defaultdict(dict)
        for case_id, name, value in self.session.execute(
            select(CaseAttributeValue.case_id, Attribute.name, CaseAttributeValue.value).join(
                Attribute
            )
        ):
            attributes[case_id][name] = value
        self._end_read()

        ends = {source_id: [r[1] for r in rows] for source_id, rows in turns.items()}
        out = []
        for coding in codings:
            source_id = source_ids[coding.source]
            rows = turns.get(source_id, [])
            # the turn the coding starts in (or the first after it): turns are ordered
            index = bisect_right(ends.get(source_id, []), coding.start)
            turn = rows[index] if index < len(rows) and rows[index][0] < coding.end else None
            case_id = turn[3] if turn else None
            out.append(
                ExtractRecord(
                    coding=coding,
                    speaker=turn[2] if turn else None,
                    case=case_names.get(case_id) if case_id else None,
                    attributes=dict(attributes.get(case_id, {})) if case_id else {},
                    start_time=turn[4] if turn else None,
                )
            )
        return out
