"""Turning a text file's bytes into normalised text, whatever Windows saved it as.

Transcripts reach researchers from many hands: UTF-8 from a transcription
service, UTF-16 from Notepad's "Unicode" option, Windows-1252 from an older
Word's "Save as plain text". We try those in that order, and refuse clearly
when the bytes are not text at all (a PNG or a zip renamed .txt) rather than
importing gibberish that someone would then code.

The result has been through :func:`qualcode.domain.text.normalise_text`, the
only normalisation, so offsets computed on it are final.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from qualcode.domain.errors import InputFileError
from qualcode.domain.text import normalise_text

EMPTY = "the file is empty"
BINARY = "binary file, not text"
UNDECODABLE = "cannot decode text (tried UTF-8, UTF-16, Windows-1252)"

_SAMPLE = 4096
# C0 control characters that never occur in real text (tab, newlines and form feed do).
_CONTROL_BYTES = frozenset(range(32)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D} | {0x7F}
_CONTROL_CHARS = frozenset(chr(b) for b in _CONTROL_BYTES)
_MAX_CONTROL_SHARE = 0.02
# Windows-1252 decodes nearly any byte string; if more than this share of the
# characters are non-ASCII, the file was almost certainly in some other encoding.
_MAX_CP1252_NON_ASCII_SHARE = 0.3


def decode_text(path: Path, data: bytes) -> str:
    """Decode ``data`` (the bytes of ``path``) to normalised text.

    Raises :class:`InputFileError` with "the file is empty", "binary file, not
    text" or "cannot decode text (...)" as the reason.
    """
    if not data.strip():
        raise InputFileError(path, EMPTY)
    text = _decode(path, data)
    text = normalise_text(text)
    if not text.strip():
        raise InputFileError(path, EMPTY)
    if _control_share(text) > _MAX_CONTROL_SHARE:
        raise InputFileError(path, BINARY)
    return text


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
    if b"\x00" in data or _control_byte_share(data) > _MAX_CONTROL_SHARE:
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


def _control_byte_share(data: bytes) -> float:
    sample = data[:_SAMPLE]
    return sum(1 for b in sample if b in _CONTROL_BYTES) / len(sample)


def _control_share(text: str) -> float:
    sample = text[:_SAMPLE]
    return sum(1 for ch in sample if ch in _CONTROL_CHARS) / max(len(sample), 1)
