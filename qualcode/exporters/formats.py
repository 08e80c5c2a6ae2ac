"""The file formats qualcode writes, each with the suffix it must carry and how its text
is read back.

An export names the formats it can write; the file name a person gives must carry one
of their suffixes (or none, and the default is added). Nothing is inferred from a
suffix after writing: a Word file named ``report.doc`` is refused before it is
written, instead of being read back as CSV.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from qualcode.domain.errors import ValidationError
from qualcode.exporters.readback import text_locations


@dataclass(frozen=True, slots=True)
class FileFormat:
    name: str
    suffix: str
    label: str
    reads_as: str = ""  # the reader, when not the format's own name (a .qcc is JSON)

    def read(self, path: Path) -> Iterator[tuple[str, str]]:
        """Every piece of text in ``path``, read as this format whatever it is called."""
        return text_locations(path, self.reads_as or self.name)


FORMATS: dict[str, FileFormat] = {
    f.name: f
    for f in (
        FileFormat("docx", ".docx", "Word document"),
        FileFormat("xlsx", ".xlsx", "Excel workbook"),
        FileFormat("csv", ".csv", "CSV file"),
        FileFormat("json", ".json", "JSON file"),
        FileFormat("yaml", ".yaml", "YAML file"),
        FileFormat("qcc", ".qcc", "qualcode coder file", reads_as="json"),
        FileFormat("qdc", ".qdc", "REFI-QDA codebook"),
        FileFormat("qdpx", ".qdpx", "REFI-QDA project"),
    )
}
# Other spellings of a suffix that mean the same format.
_ALIASES = {".yml": "yaml"}


def format_for(path: Path, allowed: Sequence[str], what: str) -> tuple[Path, FileFormat]:
    """The path to write and its format, for an export that can be any of ``allowed``.

    No suffix: the first allowed format's suffix is added. A suffix of an allowed format
    (in any case) chooses it. Any other suffix is refused, naming what would work.
    """
    suffix = path.suffix.lower()
    if not suffix:
        chosen = FORMATS[allowed[0]]
        return path.with_name(path.name + chosen.suffix), chosen
    name = _ALIASES.get(suffix, suffix.lstrip("."))
    if name in allowed:
        return path, FORMATS[name]
    wanted = " or ".join(FORMATS[a].suffix for a in allowed)
    raise ValidationError(
        f"{path}: {what} is written as {wanted}, not {path.suffix}; "
        f"name the file {path.stem}{FORMATS[allowed[0]].suffix}"
    )
