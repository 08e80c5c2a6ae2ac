"""What a merge of projects (or of one coder's work) did, or would do.

Rows are matched by UUID, never by name; anything that cannot be matched safely is a
``MergeConflict`` that the researcher resolves by naming a choice for its UUID.
"""

from __future__ import annotations

from dataclasses import dataclass

from qualcode.domain.text import counted

KEEP_TARGET = "keep-target"
TAKE_INCOMING = "take-incoming"
KEEP_BOTH = "keep-both"
SAME_CODER = "same-coder"
SKIP = "skip"

# The kinds of row a merge counts, in the order a report shows them.
MERGE_KINDS = (
    "coders",
    "codes",
    "cases",
    "attributes",
    "sources",
    "speaker turns",
    "codings",
    "memos",
    "suggestion decisions",
    "identifiers",
    "review threads",
    "review entries",
)


@dataclass(frozen=True, slots=True)
class MergeConflict:
    """Something the merge will not decide alone. ``uuid`` is the incoming row's UUID;
    pass ``--resolve UUID=CHOICE`` with one of ``choices``."""

    kind: str
    uuid: str
    description: str
    choices: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MergeCount:
    kind: str
    added: int = 0
    existing: int = 0
    renamed: int = 0
    conflicts: int = 0
    skipped: int = 0
    removed: int = 0  # removed here because they were removed in the incoming file


@dataclass(frozen=True, slots=True)
class MergeReport:
    """``written`` is true only when the target was changed (no unresolved conflicts,
    not a dry run). ``backup`` is the copy of the target taken before writing."""

    target: str
    sources: tuple[str, ...]
    counts: tuple[MergeCount, ...]
    conflicts: tuple[MergeConflict, ...]
    notes: tuple[str, ...]
    backup: str | None
    dry_run: bool
    written: bool

    def lines(self) -> list[str]:
        """What the merge did, in words, one fact a line (for the app; the command line
        prints a table)."""
        said = {
            "added": [counted(c.added, c.kind) for c in self.counts if c.added],
            "already there": [counted(c.existing, c.kind) for c in self.counts if c.existing],
            "removed (removed in the file)": [
                counted(c.removed, c.kind) for c in self.counts if c.removed
            ],
            "skipped": [counted(c.skipped, c.kind) for c in self.counts if c.skipped],
        }
        out = [f"{what.capitalize()}: {', '.join(items)}." for what, items in said.items() if items]
        out.extend(f"Note: {note}" for note in self.notes)
        if self.conflicts:
            out.append(
                f"{len(self.conflicts)} conflict(s), so nothing was written. Settle each "
                f"with qualcode merge ... --resolve UUID=CHOICE:"
            )
            out.extend(
                f"  {c.uuid}: {c.description} ({' or '.join(c.choices)})" for c in self.conflicts
            )
        elif self.written:
            out.append(f"Merged. A backup of the project was taken first: {self.backup}")
        else:
            out.append("Nothing new: the project already held all of it and was not changed.")
        return out

    def count(self, kind: str) -> MergeCount:
        for count in self.counts:
            if count.kind == kind:
                return count
        return MergeCount(kind)
