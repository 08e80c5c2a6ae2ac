"""Text normalisation applied once, on import, before any offset exists.

Every offset in qualcode is a Unicode code point index into the text this module
returns; nothing downstream normalises again, so offsets never drift.

Normalising also takes out control characters. A transcript may carry a stray one
from the tool that exported it (a form feed at a page break), or a hostile one (an
escape sequence that clears a terminal or writes to the clipboard when the text is
printed). Tab and line break are kept; vertical tab and form feed are line breaks;
every other C0 control, DEL and every C1 control is removed, so the stored text
never holds one and offsets are computed on the cleaned text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass

_BOM = "\ufeff"
# Line endings of every platform, and vertical tab / form feed, which also end a line.
_LINE_ENDS = "\r\x0b\x0c\x85\u2028\u2029"
_NEWLINES = re.compile(rf"\r\n|[{_LINE_ENDS}]")
# Controls left once line endings are "\n": all of C0 but tab and newline, DEL, all of C1.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_WORD = re.compile(r"\w+(?:['\u2019\-]\w+)*")


@dataclass(frozen=True, slots=True)
class CleanText:
    """Normalised text, and how many control characters were taken out of it."""

    text: str
    removed: int


def clean_text(raw: str) -> CleanText:
    """Strip a leading BOM, turn every line ending into ``\\n``, remove control characters."""
    if raw.startswith(_BOM):
        raw = raw[1:]
    # Most files have "\n" line endings only; finding that out is much faster than a sub.
    text = _NEWLINES.sub("\n", raw) if any(ch in raw for ch in _LINE_ENDS) else raw
    text, removed = CONTROL_CHARACTERS.subn("", text)
    return CleanText(text, removed)


def normalise_text(raw: str) -> str:
    """:func:`clean_text` when the count of removed characters is not needed."""
    return clean_text(raw).text


def one_line(text: str) -> str:
    """``text`` as a name: tab and line feed become spaces, other controls are removed."""
    return CONTROL_CHARACTERS.sub("", text.replace("\t", " ").replace("\n", " "))


def removed_controls_note(removed: int) -> str:
    """What an import summary says when :func:`clean_text` removed characters."""
    plural = "s" if removed != 1 else ""
    return (
        f"removed {removed:,} control character{plural} (invisible codes such as escape "
        "sequences, which are not part of the text)"
    )


def content_hash(text: str) -> str:
    """SHA-256 of the normalised text: the identity used to skip exact duplicates."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def word_count(text: str) -> int:
    return sum(1 for _ in _WORD.finditer(text))


def counted(n: int, kinds: str) -> str:
    """ "1 coding", "2 codings", "1 review entry": ``kinds`` is given in the plural."""
    if n != 1:
        return f"{n:,} {kinds}"
    return f"1 {kinds[:-3] + 'y' if kinds.endswith('ies') else kinds.removesuffix('s')}"


def numbered_name(name: str, taken: Collection[str], *, fold: bool = False) -> str:
    """``name``, or ``name (2)``, ``name (3)``... the first not in ``taken`` (whose
    names are case-folded when ``fold``): how a second transcript, case, coder or
    sibling code of the same name is told apart."""

    def used(candidate: str) -> bool:
        return (candidate.casefold() if fold else candidate) in taken

    number = 2
    candidate = name
    while used(candidate):
        candidate = f"{name} ({number})"
        number += 1
    return candidate
