"""Spans of stored text: code point offsets, end exclusive.

This is the one place where positions are validated.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from qualcode.domain.errors import ValidationError


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """Half-open range ``[start, end)`` of code points in a source's stored text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0 or self.end <= self.start:
            raise ValidationError(
                f"a span needs 0 <= start < end, got start={self.start}, end={self.end}"
            )

    def within(self, length: int) -> bool:
        return self.end <= length

    def __len__(self) -> int:
        return self.end - self.start


def checked_span(start: int, end: int, text_length: int) -> Span:
    """A span, refused with a clear message if it does not fit the text."""
    span = Span(start, end)
    if not span.within(text_length):
        raise ValidationError(
            f"span {start}-{end} runs past the end of the text ({text_length} characters)"
        )
    return span


_SPACE = re.compile(r"\s+")
_QUOTE_FOLD = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)


def _fold(text: str) -> tuple[str, list[int]]:
    """Collapse whitespace runs to one space and unify typographic quotes.

    Returns the folded text and, for each folded character, its index in ``text``.
    """
    out: list[str] = []
    index: list[int] = []
    previous_space = False
    for i, char in enumerate(text):
        if char.isspace():
            if previous_space:
                continue
            previous_space = True
            out.append(" ")
        else:
            previous_space = False
            out.append(char.translate(_QUOTE_FOLD))
        index.append(i)
    return "".join(out), index


def find_passage(text: str, passage: str) -> list[Span]:
    """Every place ``passage`` occurs in ``text``.

    Matching forgives differences of whitespace and typographic quotes, as a passage
    copied from a Word document or a terminal rarely matches byte for byte. An exact
    case match is preferred; only if there is none is case ignored.
    """
    needle = _SPACE.sub(" ", passage.strip()).translate(_QUOTE_FOLD)
    if not needle:
        raise ValidationError("the passage to find is empty")
    folded, index = _fold(text)
    for haystack, probe in ((folded, needle), (folded.casefold(), needle.casefold())):
        if len(haystack) != len(folded):  # casefold changed lengths (e.g. ß): skip
            continue
        spans = []
        at = haystack.find(probe)
        while at != -1:
            last = at + len(probe) - 1
            spans.append(Span(index[at], index[last] + 1))
            at = haystack.find(probe, at + 1)
        if spans:
            return spans
    return []


# -- positions written by other tools ---------------------------------------------------
#
# REFI-QDA tools disagree on what a position counts: code points or UTF-16 code units
# (.NET, Java and Qt count an emoji as two), and a "\r\n" line ending as one character
# or two. qualcode stores text with "\n" line endings and without control characters,
# so every foreign position is converted here, once, from the file's reading to a code
# point index into the stored text.

_CRLF = re.compile(r"\r\n")
_ASTRAL = re.compile(r"[\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True)
class PositionReading:
    """What a tool's positions count: UTF-16 units or code points; "\\r\\n" as two or one."""

    utf16: bool
    crlf_as_two: bool

    def describe(self, *, units: bool = True, line_endings: bool = True) -> str:
        """The reading in words; ``units``/``line_endings`` say whether the texts hold
        anything (an emoji, a "\\r\\n") that makes that half of the reading matter."""
        if not units and not line_endings:
            return "code points; the texts hold nothing that tools count differently"
        parts = ["UTF-16 code units" if self.utf16 else "code points"] if units else ["characters"]
        if line_endings:
            crlf = "two characters" if self.crlf_as_two else "one character"
            parts.append(f"a Windows line ending (\\r\\n) counted as {crlf}")
        return ", ".join(parts)


# In order of preference when the evidence is even: code points first (the standard's
# own example reads so), then line endings counted as the file holds them.
POSITION_READINGS = (
    PositionReading(utf16=False, crlf_as_two=True),
    PositionReading(utf16=False, crlf_as_two=False),
    PositionReading(utf16=True, crlf_as_two=True),
    PositionReading(utf16=True, crlf_as_two=False),
)


class ForeignText:
    """A source's text as another tool's file holds it (``raw``, BOM removed, line
    endings as written) and as qualcode stores it (``stored``). ``removed`` are the
    indices into ``raw`` of the characters storing took out (the "\\r" of each "\\r\\n",
    control characters), in order; every other character of ``raw`` is one of ``stored``."""

    def __init__(self, raw: str, stored: str, removed: list[int]) -> None:
        if len(raw) - len(removed) != len(stored):
            raise ValueError("removed characters do not account for the stored text")
        self.stored = stored
        self._removed = removed
        self.has_crlf = "\r\n" in raw
        self.has_astral = _ASTRAL.search(raw) is not None
        crlf_raw = [m.start() + 1 for m in _CRLF.finditer(raw)]  # each pair's "\n"
        # Where each pair's "\n" sits once "\r\n" counts as one character.
        self._crlf = [index - k - 1 for k, index in enumerate(crlf_raw)]
        astral = [m.start() for m in _ASTRAL.finditer(raw)]
        # UTF-16 offsets of the astral characters, as each line-ending reading counts.
        self._astral = {
            True: [index + k for k, index in enumerate(astral)],
            False: [index - bisect_left(crlf_raw, index) + k for k, index in enumerate(astral)],
        }
        self._lengths = {
            (utf16, two): len(raw) - (0 if two else len(crlf_raw)) + (len(astral) if utf16 else 0)
            for utf16 in (False, True)
            for two in (False, True)
        }

    def to_stored(self, reading: PositionReading, position: int) -> int | None:
        """The stored code point index for a position in ``reading``, or None when the
        position is not in the text (past its end, or inside a UTF-16 surrogate pair)."""
        if position < 0 or position > self._lengths[(reading.utf16, reading.crlf_as_two)]:
            return None
        index = position
        if reading.utf16:
            starts = self._astral[reading.crlf_as_two]
            if _contains(starts, position - 1):
                return None
            index -= bisect_right(starts, position - 2)
        if not reading.crlf_as_two:
            index += bisect_left(self._crlf, index)
        return index - bisect_left(self._removed, index)

    def span(self, reading: PositionReading, start: int, end: int) -> tuple[int, int] | None:
        """A selection's stored ``(start, end)``, or None when it does not fit the text."""
        first = self.to_stored(reading, start)
        last = self.to_stored(reading, end)
        if first is None or last is None or last <= first:
            return None
        return first, last


def choose_reading(
    selections: Iterable[tuple[ForeignText, int, int]],
) -> tuple[PositionReading, int]:
    """The reading under which most selection boundaries fall between words (a person
    selects words, not halves of them), and how many selections were weighed. A
    selection that does not fit the text under a reading counts against it. Even
    evidence goes to the earlier reading of ``POSITION_READINGS``."""
    scores = dict.fromkeys(POSITION_READINGS, 0)
    checked = 0
    for text, start, end in selections:
        checked += 1
        for reading in POSITION_READINGS:
            span = text.span(reading, start, end)
            if span is None:
                scores[reading] -= 2
            else:
                scores[reading] += on_word_boundary(text.stored, span[0])
                scores[reading] += on_word_boundary(text.stored, span[1])
    best = max(POSITION_READINGS, key=lambda r: (scores[r], -POSITION_READINGS.index(r)))
    return best, checked


def _contains(ordered: list[int], value: int) -> bool:
    at = bisect_left(ordered, value)
    return at < len(ordered) and ordered[at] == value


def on_word_boundary(text: str, index: int) -> bool:
    """Whether ``index`` falls between words rather than inside one."""
    if index <= 0 or index >= len(text):
        return True
    return not (text[index - 1].isalnum() and text[index].isalnum())
