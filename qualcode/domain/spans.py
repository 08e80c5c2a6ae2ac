"""Spans of stored text: code point offsets, end exclusive.

This is the one place where positions are validated and where other units are
converted to code points (see ``from_utf16``); nothing else does offset arithmetic
on foreign units.
"""

from __future__ import annotations

import re
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

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

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


def from_utf16(text: str, utf16_offset: int) -> int:
    """Code point index for a UTF-16 code unit offset (as REFI-QDA and Word count)."""
    units = 0
    for index, char in enumerate(text):
        if units >= utf16_offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text)


def to_utf16(text: str, offset: int) -> int:
    """UTF-16 code unit offset for a code point index."""
    return offset + sum(1 for char in text[:offset] if ord(char) > 0xFFFF)


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
