"""Discussing and agreeing coding in a peer review (issue 6): the records.

A *thread* is anchored either to one coding (by its UUID) or to a stretch of one
code in one source (a disagreement). A thread is a list of *entries*, each by one
coder at one time: a comment, a change of status, or a consensus decision. Entries
are never edited or deleted, so the thread is its own history, and two laptops'
threads merge by taking the union of their entries: the status shown is the latest
status entry, the decision the latest decision entry.

The agreed version itself is stored as codings by the coder named
:data:`qualcode.domain.reports.CONSENSUS_CODER`; everybody's original codings stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from qualcode.domain.disagreements import Disagreement


class ReviewStatus(StrEnum):
    OPEN = "open"
    AGREE = "agree"
    DISAGREE = "disagree"
    NEEDS_DISCUSSION = "needs discussion"
    RESOLVED = "resolved"


class EntryKind(StrEnum):
    COMMENT = "comment"
    STATUS = "status"
    DECISION = "decision"


class ChoiceKind(StrEnum):
    """What the group agreed for a disagreement."""

    CODER = "coder"  # accept one coder's version (a coder who did not code: nothing)
    ALL = "all"  # accept everyone's coding there (the union; "both" for two coders)
    NONE = "none"  # nothing is coded there ("neither")
    SPAN = "span"  # an edited span, given as start and end


@dataclass(frozen=True, slots=True)
class CodingAnchor:
    """A thread about one coding."""

    coding_uuid: str


@dataclass(frozen=True, slots=True)
class SpanAnchor:
    """A thread about one code in ``[start, end)`` of a source (name or UUID): a
    disagreement. Code is any code reference (UUID or path)."""

    source: str
    code: str
    start: int
    end: int


Anchor = CodingAnchor | SpanAnchor


@dataclass(frozen=True, slots=True)
class ConsensusChoice:
    kind: ChoiceKind
    coder: str | None = None  # for CODER
    start: int | None = None  # for SPAN
    end: int | None = None

    def describe(self) -> str:
        """Plain words for a thread and the CLI: "accepted Bo's version"."""
        if self.kind is ChoiceKind.CODER:
            return f"accepted {self.coder}'s version"
        if self.kind is ChoiceKind.ALL:
            return "accepted everyone's coding"
        if self.kind is ChoiceKind.NONE:
            return "agreed it is not coded here"
        return f"agreed an edited span {self.start}-{self.end}"


@dataclass(frozen=True, slots=True)
class ThreadEntry:
    uuid: str
    author: str
    kind: EntryKind
    text: str  # the comment, or plain words for a status change or decision
    status: ReviewStatus | None  # for STATUS (and DECISION, which resolves)
    created_at: datetime


def entry_words(entry: ThreadEntry) -> str:
    """One entry as a line of a meeting's notes: "Asha, 23 Nov 2026 14:05: text"."""
    when = entry.created_at.strftime("%d %b %Y %H:%M")
    prefix = {EntryKind.DECISION: "decided: ", EntryKind.STATUS: ""}.get(entry.kind, "")
    return f"{entry.author}, {when}: {prefix}{entry.text}"


@dataclass(frozen=True, slots=True)
class Thread:
    uuid: str
    source: str  # source name
    code_uuid: str
    code_path: str
    start: int
    end: int
    coding_uuid: str | None  # set when the thread is about one coding
    entries: tuple[ThreadEntry, ...]  # oldest first
    version: int = 0  # entries appended so far (0: no thread yet); a reply names it

    @property
    def status(self) -> ReviewStatus:
        for entry in reversed(self.entries):
            if entry.status is not None:
                return entry.status
        return ReviewStatus.OPEN

    @property
    def comments(self) -> tuple[ThreadEntry, ...]:
        return tuple(e for e in self.entries if e.kind is EntryKind.COMMENT)

    @property
    def decision(self) -> ThreadEntry | None:
        for entry in reversed(self.entries):
            if entry.kind is EntryKind.DECISION:
                return entry
        return None


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A disagreement as the review walks through it, with its thread if any."""

    number: int  # 1-based position in this listing, for the CLI
    disagreement: Disagreement
    code_uuid: str
    thread: Thread | None

    @property
    def status(self) -> ReviewStatus:
        return self.thread.status if self.thread else ReviewStatus.OPEN

    @property
    def anchor(self) -> SpanAnchor:
        d = self.disagreement
        return SpanAnchor(d.source, self.code_uuid, d.start, d.end)


@dataclass(frozen=True, slots=True)
class ConsensusProgress:
    """How far a review has got: disagreements, and how many have a decision."""

    disagreements: int
    decided: int
    by_status: dict[ReviewStatus, int]
    consensus_codings: int
