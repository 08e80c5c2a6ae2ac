"""What changed in a project since a coder's app last looked, in words a screen can act
on: which transcripts' codings, the codebook, review comments, memos (read by
``services/live.py`` from the audit log; acted on by the app's screens)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class LiveToken:
    """Where the last look ended: the newest audit entry and review entry seen, and
    the recent ids below them not seen yet (see services/live.py)."""

    audit_id: int = 0
    review_entry_id: int = 0
    audit_gaps: frozenset[int] = frozenset()
    review_gaps: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Activity:
    """``coder`` did ``action`` (an audit action such as "coding.add") ``count`` times;
    ``coder`` is "" for changes no coder made (a merge)."""

    coder: str
    action: str
    count: int


@dataclass(frozen=True, slots=True)
class ProjectChanges:
    """What to refresh. ``coded_sources`` names transcripts whose codings changed;
    ``codings_anywhere`` is set when a change's transcript cannot be told cheaply (a
    removal, an undo, a merge), so every shown transcript's codings are re-read."""

    codings: bool = False
    coded_sources: frozenset[str] = frozenset()
    codings_anywhere: bool = False
    codebook: bool = False
    review: bool = False
    review_sources: frozenset[str] = frozenset()
    memos: bool = False
    sources: bool = False
    identifiers: bool = False
    activity: tuple[Activity, ...] = field(default=())

    @property
    def anything(self) -> bool:
        return any(
            (
                self.codings,
                self.codebook,
                self.review,
                self.memos,
                self.sources,
                self.identifiers,
            )
        )

    def codings_in(self, source: str) -> bool:
        """Whether the codings of ``source`` may have changed."""
        return self.codings and (self.codings_anywhere or source in self.coded_sources)


NO_CHANGES = ProjectChanges()


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else f"{count} {many}"


def _what(action: str, count: int) -> str:
    if action == "coding.add":
        return f"added {_plural(count, 'a coding', 'codings')}"
    if action == "coding.remove":
        return f"removed {_plural(count, 'a coding', 'codings')}"
    if action == "coding.memo":
        return f"edited {_plural(count, 'a coding memo', 'coding memos')}"
    if action.startswith("code.") or action == "import.codebook":
        return "changed the codebook"
    if action.startswith("memo."):
        return f"changed {_plural(count, 'a memo', 'memos')}"
    if action == "review.entry":
        return f"added {_plural(count, 'a review comment', 'review comments')}"
    if action.startswith("consensus."):
        return "changed the agreed version"
    if action in ("undo", "redo"):
        return f"{action.replace('do', 'did')} {_plural(count, 'a change', 'changes')}"
    if action == "import.sources":
        return "imported transcripts"
    if action.startswith("identifier."):
        return "changed the identifier register"
    return "merged in other work"


def summary(activity: Iterable[Activity]) -> str:
    """One plain sentence: "Ben added 2 codings; Cleo changed the codebook"."""
    by_coder: dict[str, dict[str, None]] = {}
    for item in activity:
        by_coder.setdefault(item.coder, {})[_what(item.action, item.count)] = None
    parts = [f"{coder or 'Someone'} {' and '.join(whats)}" for coder, whats in by_coder.items()]
    return "; ".join(parts) + "."
