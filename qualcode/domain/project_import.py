"""What reading another tool's project file (a REFI-QDA ``.qdpx``) brought in and left out.

The researcher must be able to trust an import without opening every transcript: the
summary says how many of each thing were read, how positions were read (and on how
many selections that was judged), and every thing that was not imported, by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from qualcode.domain.text import counted


@dataclass(frozen=True, slots=True)
class ProjectImportSummary:
    """``counts`` are (kind, number) in a fixed order; ``skipped`` names each thing left
    out and why; ``notes`` say what was changed on the way in (a renamed source...)."""

    file: str
    project_name: str
    origin: str
    counts: tuple[tuple[str, int], ...]
    reading: str
    reading_evidence: str
    selections_checked: int
    skipped: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def count(self, kind: str) -> int:
        return next((n for k, n in self.counts if k == kind), 0)

    def lines(self) -> list[str]:
        """The summary as a researcher reads it, one fact a line."""
        read = ", ".join(counted(n, kind) for kind, n in self.counts)
        out = [f"Read {self.file} (written by {self.origin or 'an unnamed tool'}): {read}."]
        out.append(
            f"Positions read as {self.reading}. Chosen {self.reading_evidence}"
            + (
                f", over {self.selections_checked:,} selection"
                f"{'s' if self.selections_checked != 1 else ''}."
                if self.selections_checked
                else "."
            )
        )
        if self.skipped:
            out.append("Not imported:")
            out.extend(f"  - {item}" for item in self.skipped)
        else:
            out.append("Nothing was skipped.")
        out.extend(f"Note: {note}" for note in self.notes)
        return out
