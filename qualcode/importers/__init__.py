"""Importers: files in, domain records out. No database here.

``read_transcript`` turns a .txt, .md, .docx, .vtt or .srt file into a
:class:`~qualcode.domain.records.ParsedTranscript` whose offsets index its
normalised text; ``read_participants`` turns a .csv or .xlsx participants sheet
into a :class:`~qualcode.domain.records.ParticipantSheet`. Every problem with a
file is an :class:`~qualcode.domain.errors.InputFileError` whose one-line
message names the file and the reason, ready to show a researcher.

Module map: ``limits`` (sizes and counts), ``decoding`` (bytes to text, control
characters judged over the whole file), ``zip_safety`` (checks before
python-docx/openpyxl), ``speakers`` (label rules), ``turns`` (cutting text into
turns), ``plain_text``, ``word``, ``captions`` (one per format), ``participants``
and ``sheet_values`` (participant sheets), ``codebook_yaml`` (codebook files) and
``safe_yaml`` (hand-edited YAML read as text, linearly, refusing hostile constructs).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from qualcode.domain.errors import InputFileError
from qualcode.domain.records import ParsedTranscript
from qualcode.importers.captions import read_captions
from qualcode.importers.limits import DEFAULT_MAX_BYTES, file_size
from qualcode.importers.participants import PARTICIPANT_SUFFIXES, read_participants
from qualcode.importers.plain_text import read_plain_text
from qualcode.importers.word import read_word

__all__ = [
    "DEFAULT_MAX_BYTES",
    "PARTICIPANT_SUFFIXES",
    "TRANSCRIPT_SUFFIXES",
    "read_participants",
    "read_transcript",
]

_READERS: dict[str, Callable[..., ParsedTranscript]] = {
    ".txt": read_plain_text,
    ".md": read_plain_text,
    ".docx": read_word,
    ".vtt": read_captions,
    ".srt": read_captions,
}

TRANSCRIPT_SUFFIXES: frozenset[str] = frozenset(_READERS)


def read_transcript(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedTranscript:
    """Read one transcript file, choosing the reader by its suffix (any case).

    Raises :class:`InputFileError` for every problem: unsupported type, missing,
    too large, empty, binary, undecodable, damaged or unsafe.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        known = ", ".join(sorted(TRANSCRIPT_SUFFIXES))
        if not suffix:
            raise InputFileError(path, f"no file extension (qualcode imports {known})")
        raise InputFileError(path, f"unsupported file type '{suffix}' (qualcode imports {known})")
    file_size(path)  # "file not found" before any format-specific message
    return reader(path, max_bytes=max_bytes)
