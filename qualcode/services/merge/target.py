"""What the target project already holds, looked up by UUID (or name) while merging.

Read once at the start of a merge and kept current as rows are added, so that each
incoming record is matched with a set or dictionary lookup, not a query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.domain.codebook import join_path
from qualcode.services.changes import CODE_DESCRIPTION
from qualcode.store.models import (
    Attribute,
    Case,
    CaseAttributeValue,
    Code,
    Coder,
    Coding,
    Identifier,
    Memo,
    ProjectSetting,
    RemovedCoding,
    ReviewEntry,
    ReviewThread,
    Source,
    SourceCase,
    SuggestionDecision,
)

# (source id, code UUID, start, end, coding UUID): the passage a review thread is about.
ThreadAnchor = tuple[int, str, int, int, str | None]


@dataclass
class TargetCode:
    id: int
    parent: str | None
    name: str


class Target:
    """What the target already holds, kept current as rows are added (set lookups)."""

    def __init__(self, session: Session) -> None:
        self._coders(session)
        self._codes(session)
        self.sources: dict[str, tuple[int, str]] = {
            u: (i, h)
            for i, u, h in session.execute(select(Source.id, Source.uuid, Source.content_hash))
        }
        self.source_names = set(session.scalars(select(Source.name)))
        self.cases = {u: i for i, u in session.execute(select(Case.id, Case.uuid))}
        self.case_names = set(session.scalars(select(Case.name)))
        self.attributes = {n: i for i, n in session.execute(select(Attribute.id, Attribute.name))}
        self.values = {
            (c, a): v
            for c, a, v in session.execute(
                select(
                    CaseAttributeValue.case_id,
                    CaseAttributeValue.attribute_id,
                    CaseAttributeValue.value,
                )
            )
        }
        self.links = {
            (s, c) for s, c in session.execute(select(SourceCase.source_id, SourceCase.case_id))
        }
        self.codings = set(session.scalars(select(Coding.uuid)))
        self.removed = set(session.scalars(select(RemovedCoding.uuid)))
        self.memos = set(session.scalars(select(Memo.uuid)))
        self.decisions = set(session.scalars(select(SuggestionDecision.uuid)))
        self.identifiers = {
            k: r for k, r in session.execute(select(Identifier.key, Identifier.replacement))
        }
        self.identifier_uuids = set(session.scalars(select(Identifier.uuid)))
        self.settings = set(session.scalars(select(ProjectSetting.key)))
        self._threads(session)
        self.entries = set(session.scalars(select(ReviewEntry.uuid)))

    def _coders(self, session: Session) -> None:
        self.coders: dict[str, int] = {}
        self.coder_names: dict[str, str] = {}  # uuid -> name
        self.coder_by_name: dict[str, str] = {}  # name -> uuid
        for i, u, n in session.execute(select(Coder.id, Coder.uuid, Coder.name)):
            self.coders[u] = i
            self.coder_names[u] = n
            self.coder_by_name[n] = u

    def _codes(self, session: Session) -> None:
        id_to_uuid = {i: u for i, u in session.execute(select(Code.id, Code.uuid))}
        self.codes: dict[str, TargetCode] = {}
        for i, u, p, n in session.execute(select(Code.id, Code.uuid, Code.parent_id, Code.name)):
            self.codes[u] = TargetCode(i, id_to_uuid[p] if p is not None else None, n)
        self.code_fields: dict[str, tuple[Any, ...]] = {
            row[0]: tuple(row[1:])
            for row in session.execute(
                select(Code.uuid, *(getattr(Code, f) for f in CODE_DESCRIPTION))
            )
        }
        self.children: dict[tuple[str | None, str], str] = {
            (c.parent, c.name.casefold()): u for u, c in self.codes.items()
        }

    def _threads(self, session: Session) -> None:
        self.threads: dict[str, int] = {}
        self.thread_anchors: dict[ThreadAnchor, int] = {}
        code_uuid = {c.id: u for u, c in self.codes.items()}
        for row in session.execute(
            select(
                ReviewThread.id,
                ReviewThread.uuid,
                ReviewThread.source_id,
                ReviewThread.code_id,
                ReviewThread.start,
                ReviewThread.end,
                ReviewThread.coding_uuid,
            )
        ):
            self.threads[row.uuid] = row.id
            key = (row.source_id, code_uuid[row.code_id], row.start, row.end, row.coding_uuid)
            self.thread_anchors.setdefault(key, row.id)

    def code_path(self, uuid: str | None) -> str:
        names: list[str] = []
        seen: set[str] = set()
        while uuid is not None and uuid in self.codes and uuid not in seen:
            seen.add(uuid)
            names.append(self.codes[uuid].name)
            uuid = self.codes[uuid].parent
        return join_path(reversed(names)) if names else "(top level)"
