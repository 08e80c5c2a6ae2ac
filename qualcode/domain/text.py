"""Text normalisation applied once, on import, before any offset exists.

Every offset in qualcode is a Unicode code point index into the text this module
returns; nothing downstream normalises again, so offsets never drift.
"""

from __future__ import annotations

import hashlib
import re

_BOM = "\ufeff"
_NEWLINES = re.compile(r"\r\n|\r|\u2028|\u2029|\x85")
_WORD = re.compile(r"\w+(?:['\u2019\-]\w+)*")


def normalise_text(raw: str) -> str:
    """Strip a leading BOM and turn every line ending into ``\\n``."""
    if raw.startswith(_BOM):
        raw = raw[1:]
    return _NEWLINES.sub("\n", raw)


def content_hash(text: str) -> str:
    """SHA-256 of the normalised text: the identity used to skip exact duplicates."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def word_count(text: str) -> int:
    return sum(1 for _ in _WORD.finditer(text))
