"""Turning a text file's bytes into normalised text, whatever Windows saved it as.

Transcripts reach researchers from many hands: UTF-8 from a transcription
service, UTF-16 from Notepad's "Unicode" option, Windows-1252 from an older
Word's "Save as plain text". We try those in that order, and refuse clearly
when the bytes are not text at all (a PNG or a zip renamed .txt) rather than
importing gibberish that someone would then code.

The result has been through :func:`qualcode.domain.text.clean_text`, the only
normalisation, so offsets computed on it are final. Control characters are judged
over the whole file, not a sample: a file where any 4 kB stretch is more than 2%
control characters is binary and refused; scattered ones (a stray form feed, an
escape sequence pasted into a line) are removed, and the caller is told how many.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

from qualcode.domain.errors import InputFileError
from qualcode.domain.text import CleanText, clean_text, removed_controls_note

EMPTY = "the file is empty"
BINARY = "binary file, not text"
UNDECODABLE = "cannot decode text (tried UTF-8, UTF-16, Windows-1252)"

_SAMPLE = 4096
_WINDOW = 4096
# Controls that never occur in real text (tab, line endings, vertical tab and form feed
# do, and NEL is a line ending), as bytes before decoding and as characters after.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_MAX_CONTROL_SHARE = 0.02
# Windows-1252 decodes nearly any byte string; if more than this share of the
# characters are non-ASCII, the file was almost certainly in some other encoding.
_MAX_CP1252_NON_ASCII_SHARE = 0.3


def decode_text(path: Path, data: bytes) -> str:
    """Decode ``data`` (the bytes of ``path``) to normalised text without control characters.

    Raises :class:`InputFileError` with "the file is empty", "binary file, not
    text" or "cannot decode text (...)" as the reason.
    """
    return decode_clean_text(path, data).text


def decode_clean_text(path: Path, data: bytes) -> CleanText:
    """:func:`decode_text`, also saying how many control characters were removed."""
    if not data.strip():
        raise InputFileError(path, EMPTY)
    raw = _decode(path, data)
    if _mostly_controls(_CONTROL_CHARS, raw):
        raise InputFileError(path, BINARY)
    cleaned = clean_text(raw)
    if not cleaned.text.strip():
        raise InputFileError(path, EMPTY)
    return cleaned


def cleaning_notes(removed: int) -> tuple[str, ...]:
    """The import summary's notes about a file from which ``removed`` controls were taken."""
    return (removed_controls_note(removed),) if removed else ()


def _decode(path: Path, data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return _strict(path, data, "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(path, data, "utf-16")
    bomless = _bomless_utf16(data)
    if bomless is not None:
        try:
            return data.decode(bomless)
        except UnicodeDecodeError:
            pass  # NULs but not UTF-16 after all: judged as binary below
    # Only the start is judged here, to say "binary" rather than "cannot decode";
    # the whole text is judged once decoded.
    if b"\x00" in data or _mostly_controls(_CONTROL_BYTES, data[:_SAMPLE]):
        raise InputFileError(path, BINARY)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise InputFileError(path, UNDECODABLE) from None
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    if non_ascii > _MAX_CP1252_NON_ASCII_SHARE * len(text):
        raise InputFileError(path, UNDECODABLE)
    return text


def _strict(path: Path, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise InputFileError(path, UNDECODABLE) from None


def _bomless_utf16(data: bytes) -> str | None:
    """The UTF-16 codec to use if NULs sit in the pattern of mostly-Latin UTF-16, else None.

    In UTF-16 text that is mostly ASCII, every other byte is NUL: the odd ones
    for little-endian, the even ones for big-endian. Binary files have NULs too,
    but not in such a regular pattern.
    """
    sample = data[:_SAMPLE]
    if len(sample) < 2 or len(data) % 2:
        return None
    pairs = len(sample) // 2
    even_nuls = sample[0 : pairs * 2 : 2].count(0)
    odd_nuls = sample[1 : pairs * 2 : 2].count(0)
    if odd_nuls >= 0.4 * pairs and even_nuls <= 0.05 * pairs:
        return "utf-16-le"
    if even_nuls >= 0.4 * pairs and odd_nuls <= 0.05 * pairs:
        return "utf-16-be"
    return None


def _mostly_controls(pattern: re.Pattern[Any], data: str | bytes) -> bool:
    """True if some 4 kB stretch of ``data`` is more than 2% control characters.

    Stretches rather than the whole file, so that a binary blob inside a long text
    is still caught; the whole file rather than its start, so that nothing hides
    past the first stretch. Stops at the first stretch found.
    """
    limit = _MAX_CONTROL_SHARE * min(_WINDOW, len(data))
    counts: dict[int, int] = {}
    for match in pattern.finditer(data):
        window = match.start() // _WINDOW
        counts[window] = counts.get(window, 0) + 1
        if counts[window] > limit:
            return True
    return False
