"""Discussing coding in a peer review (issue 6): comment threads with a status.

A thread is about one coding or about one code in a stretch of a source (a
disagreement). Its entries are only ever appended, each by the acting coder at the
time of acting, so a thread is its own history and merges by union. Commenting and
changing a status are undoable like any coding action (see ``changes.py``).

A disagreement is paired with the span thread of the same source and code that
overlaps it most (ties: the newest), so a thread stays with its disagreement when a
coder later widens or narrows a coding a little.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import select

from qualcode.domain.consensus import overlap
from qualcode.domain.errors import NotFoundError, StaleEditError, ValidationError
from qualcode.domain.review import (
    Anchor,
    CodingAnchor,
    EntryKind,
    ReviewItem,
    ReviewStatus,
    Thread,
    ThreadEntry,
)
from qualcode.domain.roles import Action
from qualcode.domain.spans import checked_span
from qualcode.services.base import Service
from qualcode.services.changes import Payload, thread_dict
from qualcode.services.code_tree import CodeTree
from qualcode.services.disagreement_finding import find_disagreements
from qualcode.services.sources import find_source
from qualcode.store.models import (
    Code,
    Coder,
    Coding,
    ReviewEntry,
    ReviewThread,
    Source,
    new_uuid,
    utcnow,
)


def parse_status(value: str | ReviewStatus) -> ReviewStatus:
    """A status from its words, accepting ``needs-discussion`` for the command line."""
    if isinstance(value, ReviewStatus):
        return value
    words = " ".join(value.strip().lower().replace("-", " ").replace("_", " ").split())
    try:
        return ReviewStatus(words)
    except ValueError:
        known = ", ".join(s.value.replace(" ", "-") for s in ReviewStatus)
        raise ValidationError(f"unknown status '{value}' (choose from {known})") from None


def _statuses(
    status: ReviewStatus | str | Sequence[ReviewStatus | str] | None,
) -> set[ReviewStatus] | None:
    if status is None:
        return None
    if isinstance(status, str):  # ReviewStatus is a str too
        return {parse_status(status)}
    return {parse_status(s) for s in status} or None


class ReviewService(Service):
    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A read that ends (and lets go of the file) even when it fails."""
        try:
            yield
        finally:
            self._end_read()

    # -- reading -----------------------------------------------------------------------

    def items(
        self,
        *,
        coders: Sequence[str] | None = None,
        codes: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
        status: Sequence[ReviewStatus | str] | ReviewStatus | str | None = None,
    ) -> list[ReviewItem]:
        """The disagreements (as :func:`find_disagreements` finds them), numbered from
        1 and each with its thread; ``status`` filters without renumbering."""
        wanted = _statuses(status)
        with self._reading():  # one read: the numbers and the threads from one moment
            found = find_disagreements(self.session, coders=coders, codes=codes, sources=sources)
            by_anchor = self._span_threads()
        out: list[ReviewItem] = []
        for number, disagreement in enumerate(found, start=1):
            candidates = by_anchor.get((disagreement.source, disagreement.code_uuid), [])
            thread = best_thread(candidates, disagreement.start, disagreement.end)
            item = ReviewItem(number, disagreement, disagreement.code_uuid, thread)
            if wanted is None or item.status in wanted:
                out.append(item)
        return out

    def thread_for(self, anchor: Anchor) -> Thread | None:
        """The thread about ``anchor``, or None if nobody has written about it yet."""
        with self._reading():
            row = self._find_thread(anchor)
            return self._records([row])[0] if row is not None else None

    def thread(self, uuid: str) -> Thread:
        with self._reading():
            row = self.session.scalar(
                select(ReviewThread).where(ReviewThread.uuid == uuid.strip().lower())
            )
            if row is None:
                raise NotFoundError(f"no review thread {uuid}")
            return self._records([row])[0]

    def threads(
        self,
        *,
        source: str | None = None,
        status: Sequence[ReviewStatus | str] | ReviewStatus | str | None = None,
    ) -> list[Thread]:
        """Every thread (about codings and about stretches), by source and position."""
        query = select(ReviewThread)
        with self._reading():
            if source:
                query = query.where(ReviewThread.source_id == find_source(self.session, source).id)
            records = self._records(list(self.session.scalars(query)))
        wanted = _statuses(status)
        if wanted is not None:
            records = [t for t in records if t.status in wanted]
        records.sort(key=lambda t: (t.source.casefold(), t.start, t.end, t.code_path))
        return records

    # -- writing -----------------------------------------------------------------------

    def comment(self, anchor: Anchor, text: str, *, expected_version: int | None = None) -> Thread:
        """Add the acting coder's comment, starting the thread if there is none.

        ``expected_version`` is ``Thread.version`` as the person read the talk (0: no
        thread yet). If someone has written in it since, the comment is not added and
        :class:`StaleEditError` hands it back with the newest entry, to read first."""
        if not text or not text.strip():
            raise ValidationError("a comment needs some text")
        return self._append(
            anchor, EntryKind.COMMENT, text.strip(), None, "comment", expected_version
        )

    def set_status(self, anchor: Anchor, status: ReviewStatus | str) -> Thread:
        """Record the acting coder's status for the thread (e.g. "needs discussion")."""
        value = parse_status(status)
        if value is ReviewStatus.RESOLVED:  # closing a discussion is a review decision
            self._require(Action.DECIDE_CONSENSUS)
        return self._append(
            anchor, EntryKind.STATUS, f"marked {value.value}", value, f"mark {value.value}"
        )

    def _append(
        self,
        anchor: Anchor,
        kind: EntryKind,
        text: str,
        status: ReviewStatus | None,
        verb: str,
        expected_version: int | None = None,
    ) -> Thread:
        with self._transaction():
            # Locked (on PostgreSQL) so the version read is the one the reply follows.
            row = self._find_thread(anchor, lock=expected_version is not None)
            self._refuse_stale(row, text, expected_version)
            data = self._new_thread(anchor) if row is None else thread_dict(self.session, row)
            thread_uuid, code_uuid, source_uuid = data["uuid"], data["code"], data["source"]
            entry = self.entry_dict(thread_uuid, kind, text, status)
            code = self.session.scalar(select(Code).where(Code.uuid == code_uuid))
            source = self.session.scalar(select(Source).where(Source.uuid == source_uuid))
            where = f"'{code.name if code else '?'}' in {source.name if source else '?'}"
            self._perform(
                "review.entry",
                {"threads": [data], "entries": [entry]},
                f"{verb} on {where}",
            )
            thread = self.session.scalar(
                select(ReviewThread).where(ReviewThread.uuid == thread_uuid)
            )
            assert thread is not None
            record = self._records([thread])[0]
        return record

    # -- shared with the consensus service -----------------------------------------------

    def entry_dict(
        self, thread_uuid: str, kind: EntryKind, text: str, status: ReviewStatus | None
    ) -> Payload:
        return {
            "uuid": new_uuid(),
            "thread": thread_uuid,
            "coder": self._coder().uuid,
            "kind": kind.value,
            "text": text,
            "status": status.value if status else None,
            "created_at": utcnow().isoformat(),
        }

    def _refuse_stale(self, row: ReviewThread | None, text: str, expected: int | None) -> None:
        current = 0 if row is None else row.version
        if expected is None or current == expected:
            return
        newest = ""
        if row is not None:
            latest = self.session.scalar(
                select(ReviewEntry)
                .where(ReviewEntry.thread_id == row.id)
                .order_by(ReviewEntry.created_at.desc(), ReviewEntry.id.desc())
                .limit(1)
            )
            if latest is not None:
                author = self.session.get_one(Coder, latest.coder_id).name
                newest = f"{author}: {latest.text}"
        raise StaleEditError("this discussion", text, newest, current)

    def _find_thread(self, anchor: Anchor, *, lock: bool = False) -> ReviewThread | None:
        session = self.session
        if isinstance(anchor, CodingAnchor):
            query = (
                select(ReviewThread)
                .where(ReviewThread.coding_uuid == anchor.coding_uuid.strip().lower())
                .order_by(ReviewThread.created_at.desc(), ReviewThread.id.desc())
                .limit(1)
            )
            return session.scalar(query.with_for_update() if lock else query)
        source = find_source(session, anchor.source)
        code = CodeTree.load(session).resolve(anchor.code)
        found = self.span_thread(source.id, code.id, anchor.start, anchor.end)
        if found is not None and lock:
            session.refresh(found, with_for_update=True)
        return found

    def span_thread(
        self, source_id: int, code_id: int, start: int, end: int
    ) -> ReviewThread | None:
        """The span thread of this source and code overlapping ``[start, end)`` most."""
        rows = self.session.scalars(
            select(ReviewThread).where(
                ReviewThread.source_id == source_id,
                ReviewThread.code_id == code_id,
                ReviewThread.coding_uuid.is_(None),
                ReviewThread.start < end,
                ReviewThread.end > start,
            )
        ).all()
        if not rows:
            return None
        return max(
            rows,
            key=lambda r: (overlap((r.start, r.end), (start, end)), r.created_at, r.id),
        )

    def _new_thread(self, anchor: Anchor) -> Payload:
        """The payload of a new thread about ``anchor``, after checking it is real."""
        session = self.session
        if isinstance(anchor, CodingAnchor):
            coding = session.scalar(
                select(Coding).where(Coding.uuid == anchor.coding_uuid.strip().lower())
            )
            if coding is None:
                raise NotFoundError(f"no coding {anchor.coding_uuid}")
            return {
                "uuid": new_uuid(),
                "source": session.get_one(Source, coding.source_id).uuid,
                "code": session.get_one(Code, coding.code_id).uuid,
                "start": coding.start,
                "end": coding.end,
                "coding_uuid": coding.uuid,
                "created_at": utcnow().isoformat(),
            }
        source = find_source(session, anchor.source)
        code = CodeTree.load(session).resolve(anchor.code)
        return self.span_thread_dict(source, code, anchor.start, anchor.end)

    def span_thread_dict(self, source: Source, code: Code, start: int, end: int) -> Payload:
        span = checked_span(start, end, source.characters)
        return {
            "uuid": new_uuid(),
            "source": source.uuid,
            "code": code.uuid,
            "start": span.start,
            "end": span.end,
            "coding_uuid": None,
            "created_at": utcnow().isoformat(),
        }

    def _span_threads(self) -> dict[tuple[str, str], list[tuple[Thread, datetime, int]]]:
        rows = list(
            self.session.scalars(select(ReviewThread).where(ReviewThread.coding_uuid.is_(None)))
        )
        grouped: dict[tuple[str, str], list[tuple[Thread, datetime, int]]] = defaultdict(list)
        for row, thread in zip(rows, self._records(rows), strict=True):
            grouped[(thread.source, thread.code_uuid)].append((thread, row.created_at, row.id))
        return grouped

    def _records(self, rows: Sequence[ReviewThread]) -> list[Thread]:
        if not rows:
            return []
        session = self.session
        tree = CodeTree.load(session)
        names = dict(session.execute(select(Coder.id, Coder.name)).all())
        sources = dict(
            session.execute(
                select(Source.id, Source.name).where(Source.id.in_({r.source_id for r in rows}))
            ).all()
        )
        entries: dict[int, list[ThreadEntry]] = defaultdict(list)
        for entry in session.scalars(
            select(ReviewEntry)
            .where(ReviewEntry.thread_id.in_([r.id for r in rows]))
            .order_by(ReviewEntry.created_at, ReviewEntry.id)
        ):
            entries[entry.thread_id].append(
                ThreadEntry(
                    uuid=entry.uuid,
                    author=names[entry.coder_id],
                    kind=EntryKind(entry.kind),
                    text=entry.text,
                    status=ReviewStatus(entry.status) if entry.status else None,
                    created_at=entry.created_at,
                )
            )
        out: list[Thread] = []
        for row in rows:
            code = tree.by_id[row.code_id]
            out.append(
                Thread(
                    uuid=row.uuid,
                    source=sources[row.source_id],
                    code_uuid=code.uuid,
                    code_path=tree.path(code),
                    start=row.start,
                    end=row.end,
                    coding_uuid=row.coding_uuid,
                    entries=tuple(entries[row.id]),
                    version=row.version,
                )
            )
        return out


def best_thread(
    candidates: Sequence[tuple[Thread, datetime, int]], start: int, end: int
) -> Thread | None:
    """Of span threads of one source and code (with when each was begun and its row
    id), the one overlapping ``[start, end)`` most (ties: the newest)."""
    best: tuple[int, datetime, int] | None = None
    found: Thread | None = None
    for thread, began, row_id in candidates:
        shared = overlap((thread.start, thread.end), (start, end))
        if shared <= 0:
            continue
        key = (shared, began, row_id)
        if best is None or key > best:
            best, found = key, thread
    return found
