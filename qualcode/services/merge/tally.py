"""What a merge did and what it needs decided: counts, conflicts and notes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

from qualcode.domain.errors import ValidationError
from qualcode.domain.merge import MERGE_KINDS, MergeConflict, MergeCount, MergeReport

_KIND_OF_CONFLICT = {
    "coder-name": "coders",
    "code-name": "codes",
    "code-parent": "codes",
    "source-text": "sources",
    "source-missing": "sources",
}


class Tally:
    """Counts per kind of record, the conflicts met (once each) and notes for people."""

    def __init__(self, resolutions: Mapping[str, str]) -> None:
        self.resolutions = dict(resolutions)
        self.counts: dict[str, dict[str, int]] = {k: defaultdict(int) for k in MERGE_KINDS}
        self.conflicts: dict[tuple[str, str], MergeConflict] = {}
        self.notes: list[str] = []

    def count(self, kind: str, what: str, n: int = 1) -> None:
        self.counts[kind][what] += n

    def decide(
        self, kind: str, uuid: str, description: str, choices: tuple[str, ...]
    ) -> str | None:
        """The researcher's resolution for this conflict, or None (and remember it)."""
        self.count(_KIND_OF_CONFLICT[kind], "conflicts")
        choice = self.resolutions.get(uuid)
        if choice is None:
            self.conflicts.setdefault((kind, uuid), MergeConflict(kind, uuid, description, choices))
            return None
        if choice not in choices:
            raise ValidationError(
                f"--resolve {uuid}={choice}: choose one of {', '.join(choices)} ({description})"
            )
        return choice

    def report(
        self, target: Path, labels: Sequence[str], backup: Path | None, dry_run: bool
    ) -> MergeReport:
        counts = tuple(
            MergeCount(
                kind,
                added=c["added"],
                existing=c["existing"],
                renamed=c["renamed"],
                conflicts=c["conflicts"],
                skipped=c["skipped"],
                removed=c["removed"],
            )
            for kind, c in self.counts.items()
        )
        written = not self.conflicts and not dry_run
        return MergeReport(
            target=str(target),
            sources=tuple(labels),
            counts=counts,
            conflicts=tuple(self.conflicts.values()),
            notes=tuple(self.notes),
            backup=str(backup) if backup and written else None,
            dry_run=dry_run,
            written=written,
        )
