"""Reading .txt and .md transcripts.

The text is stored exactly as decoded and normalised: nothing is stripped, not
even Markdown, so what the researcher opened in their editor is what they code.
Speaker labels are recognised by the rules in :mod:`qualcode.importers.speakers`;
a Markdown file may also bold its labels (``**Name:**`` or ``**Name**:``).
"""

from __future__ import annotations

from pathlib import Path

from qualcode.domain.records import ParsedTranscript
from qualcode.importers.decoding import cleaning_notes, decode_clean_text
from qualcode.importers.limits import read_bytes
from qualcode.importers.speakers import find_marks, select_speakers
from qualcode.importers.turns import first_block_end, paragraph_turns, turns_from_marks


def parse_plain_text(
    text: str, *, name: str, fmt: str, notes: tuple[str, ...] = ()
) -> ParsedTranscript:
    """Find the speaker turns in already-normalised ``text``."""
    marks = select_speakers(text, find_marks(text), first_block_end(text))
    turns = turns_from_marks(text, marks) if marks else []
    if not turns:
        turns = paragraph_turns(text)
    return ParsedTranscript(
        text=text, turns=tuple(turns), original_name=name, format=fmt, notes=notes
    )


def read_plain_text(path: Path, *, max_bytes: int) -> ParsedTranscript:
    """Read a .txt or .md transcript (``path.suffix`` says which)."""
    cleaned = decode_clean_text(path, read_bytes(path, max_bytes))
    return parse_plain_text(
        cleaned.text,
        name=path.name,
        fmt=path.suffix.lower().lstrip("."),
        notes=cleaning_notes(cleaned.removed),
    )
