"""Other coders' work as it happens: what changed in the project since we last looked.

Every change a person makes goes through ``Service._perform`` (or a merge), which writes
an audit entry in the change's own transaction, so the audit log, read from the last id
seen, says what changed, by whom, in order, without reading any other table whole.
Review comments say which transcript they are in through their own table (their audit
entries carry no UUID), read the same way from the last entry seen.

On PostgreSQL an id is taken when a row is written, not when it is committed: a
change that took id 7 can commit after one that took id 8 was read. Ids skipped
below the newest one read are read again at later looks, until they come or are
too far behind to be waited for (a rolled-back change leaves its id unused for good).

A poll first asks the store's watcher (store/watch.py) whether anyone committed at
all; only then are the two short range reads made.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from threading import Lock
from typing import TYPE_CHECKING, TypedDict

from sqlalchemy import ColumnElement, Engine, SQLColumnExpression, func, or_, select
from sqlalchemy.orm import Session

from qualcode.domain.project_changes import (
    NO_CHANGES,
    Activity,
    LiveToken,
    ProjectChanges,
)
from qualcode.store.models import AuditEntry, Coder, Coding, ReviewEntry, ReviewThread, Source
from qualcode.store.watch import ChangeWatcher, watcher_for

if TYPE_CHECKING:
    from qualcode.services.project import Project

# More new audit entries than this in one poll (a merge, a long absence): refresh
# everything rather than read them all.
MOST_ENTRIES = 1_000
# How far below the newest id read a skipped one is still looked for: a change that
# is this many commits behind the others was rolled back, not slow.
GAP_WINDOW = 200


class _Touched(TypedDict, total=False):
    """ProjectChanges' flags, as keywords: typed, so a misspelt one fails mypy, not a poll."""

    codings: bool
    codings_anywhere: bool
    codebook: bool
    review: bool
    memos: bool
    sources: bool
    identifiers: bool


_EVERYTHING: _Touched = {
    "codings": True,
    "codings_anywhere": True,
    "codebook": True,
    "review": True,
    "memos": True,
    "sources": True,
    "identifiers": True,
}
# What each kind of audited change may have touched (keys of ProjectChanges).
_TOUCHES: dict[str, _Touched] = {
    "coding.add": {"codings": True},
    "coding.remove": {"codings": True},
    "coding.memo": {"codings": True},
    "code.add": {"codebook": True},
    "code.update": {"codebook": True},
    # Merging or deleting a code moves or removes its codings, wherever they are.
    "code.merge": {"codebook": True, "codings": True, "codings_anywhere": True},
    "code.delete": {"codebook": True, "codings": True, "codings_anywhere": True},
    "memo.add": {"memos": True},
    "memo.edit": {"memos": True},
    "memo.remove": {"memos": True},
    "review.entry": {"review": True},
    "consensus.decide": {"codings": True, "codings_anywhere": True, "review": True},
    "consensus.seed": {"codings": True, "codings_anywhere": True, "review": True},
    "identifier.add": {"identifiers": True},
    "identifier.update": {"identifiers": True},
    "identifier.remove": {"identifiers": True},
    "identifier.places": {"identifiers": True},
    "identifier.reviewed": {"identifiers": True},
    "coder.blind": {},  # one coder's own view, nothing shared changed
}
_IMPORTS: dict[str, _Touched] = {
    "codebook": {"codebook": True},
    "sources": {"sources": True, "codings": True},
}


@dataclass(frozen=True, slots=True)
class _Entry:
    action: str
    entity: str
    entity_uuid: str | None
    details: str
    coder: str


class LiveService:
    """Reads of what changed after a token; a service bound to one read session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def token(self) -> LiveToken:
        """Where "now" is: later changes are news."""
        audit = self.session.scalar(select(func.max(AuditEntry.id)))
        review = self.session.scalar(select(func.max(ReviewEntry.id)))
        return LiveToken(audit or 0, review or 0)

    def changes(self, token: LiveToken) -> tuple[LiveToken, ProjectChanges]:
        """What changed after ``token``, and the token to ask from next time."""
        rows = self.session.execute(
            select(
                AuditEntry.id,
                AuditEntry.action,
                AuditEntry.entity,
                AuditEntry.entity_uuid,
                AuditEntry.details,
                Coder.name,
            )
            .outerjoin(Coder, Coder.id == AuditEntry.coder_id)
            .where(_after(AuditEntry.id, token.audit_id, token.audit_gaps))
            .order_by(AuditEntry.id)
            .limit(MOST_ENTRIES + 1)
        ).all()
        review_rows = self.session.execute(
            select(ReviewEntry.id, Source.name)
            .join(ReviewThread, ReviewThread.id == ReviewEntry.thread_id)
            .join(Source, Source.id == ReviewThread.source_id)
            .where(_after(ReviewEntry.id, token.review_entry_id, token.review_gaps))
            .order_by(ReviewEntry.id)
            .limit(MOST_ENTRIES + 1)
        ).all()
        if len(rows) > MOST_ENTRIES or len(review_rows) > MOST_ENTRIES:
            return self.token(), ProjectChanges(**_EVERYTHING)
        audit_id = max([token.audit_id, *(r.id for r in rows)])
        review_id = max([token.review_entry_id, *(r.id for r in review_rows)])
        new_token = LiveToken(
            audit_id,
            review_id,
            _unseen(token.audit_id, audit_id, token.audit_gaps, (r.id for r in rows)),
            _unseen(
                token.review_entry_id,
                review_id,
                token.review_gaps,
                (r.id for r in review_rows),
            ),
        )
        entries = [_Entry(r.action, r.entity, r.entity_uuid, r.details, r.name or "") for r in rows]
        changes = self._describe(entries, frozenset(name for _, name in review_rows))
        return new_token, changes

    def _describe(self, entries: list[_Entry], review_sources: frozenset[str]) -> ProjectChanges:
        touched: _Touched = {}
        coding_uuids: list[str] = []
        for entry in entries:
            touched.update(_touches(entry))
            if entry.action.startswith("coding.") and entry.entity_uuid:
                coding_uuids.append(entry.entity_uuid)
        if review_sources:
            touched["review"] = True
        found = self._sources_of(coding_uuids)
        if len(found) < len(set(coding_uuids)):
            touched["codings_anywhere"] = True  # a removed coding: its source is gone too
        activity = Counter((e.coder, _kind(e)) for e in entries if _kind(e))
        return ProjectChanges(
            coded_sources=frozenset(found.values()),
            review_sources=review_sources,
            activity=tuple(Activity(coder, action, n) for (coder, action), n in activity.items()),
            **touched,
        )

    def _sources_of(self, coding_uuids: Iterable[str]) -> dict[str, str]:
        wanted = sorted(set(coding_uuids))
        if not wanted:
            return {}
        rows = self.session.execute(
            select(Coding.uuid, Source.name)
            .join(Source, Source.id == Coding.source_id)
            .where(Coding.uuid.in_(wanted))
        ).all()
        return {uuid: name for uuid, name in rows}


def _after(
    column: SQLColumnExpression[int], last: int, gaps: frozenset[int]
) -> ColumnElement[bool]:
    """Ids after ``last``, and the skipped ones below it still awaited."""
    if not gaps:
        return column > last
    return or_(column > last, column.in_(sorted(gaps)))


def _unseen(last: int, newest: int, gaps: frozenset[int], read: Iterable[int]) -> frozenset[int]:
    """Ids at most ``GAP_WINDOW`` below ``newest`` not read yet: skipped between ``last``
    and ``newest`` this time, or still awaited from before."""
    seen = set(read)
    lowest = newest - GAP_WINDOW
    skipped = range(max(last, lowest) + 1, newest)
    return frozenset(i for i in (*skipped, *gaps) if i > lowest and i not in seen)


def _touches(entry: _Entry) -> _Touched:
    if entry.action in ("undo", "redo"):
        inner = _inner_action(entry.details)
        # An undo names no row: which transcript it touched cannot be told cheaply.
        return {**_TOUCHES.get(inner, _EVERYTHING), "codings_anywhere": True}
    if entry.action == "import":
        return _IMPORTS.get(entry.entity, _EVERYTHING)
    return _TOUCHES.get(entry.action, _EVERYTHING)


def _kind(entry: _Entry) -> str:
    """The action to report to the person ("" for nothing worth telling)."""
    if entry.action == "coder.blind":
        return ""
    if entry.action in ("undo", "redo"):
        return entry.action
    if entry.action == "import":
        return f"import.{entry.entity}"
    return entry.action


def _inner_action(details: str) -> str:
    try:
        value = json.loads(details).get("change", "")
    except (ValueError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""


class LiveWatch:
    """One poller's view of a project: a watcher, and the token it last answered with.

    ``changes_since`` reads nothing when the watcher says no one committed and the
    token is the one it last handed out. One per poller: the watcher's state is "since
    my last poll", so two pollers sharing one would hide changes from each other.
    """

    def __init__(self, project: Project) -> None:
        self._project = project
        with project.read_session() as session:
            engine = session.get_bind()
            # A project binds its sessions to an engine, never to one connection.
            assert isinstance(engine, Engine)
            self._watcher: ChangeWatcher = watcher_for(engine)
        self._watcher.poll()  # the baseline: only commits after this are news
        self._answered: LiveToken | None = None
        self._lock = Lock()

    def current(self) -> LiveToken:
        with self._project.read_session() as session:
            token = LiveService(session).token()
        with self._lock:
            self._answered = token
        return token

    def changes_since(self, token: LiveToken) -> tuple[LiveToken, ProjectChanges]:
        # Poll before reading: a commit between the two is read now and polled again
        # next time (a harmless empty look), never missed.
        moved = self._watcher.poll()
        with self._lock:
            if not moved and token == self._answered:
                return token, NO_CHANGES
        with self._project.read_session() as session:
            new_token, changes = LiveService(session).changes(token)
        with self._lock:
            self._answered = new_token
        return new_token, changes

    def close(self) -> None:
        self._watcher.close()
