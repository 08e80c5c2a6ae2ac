"""Cutting normalised text into speaker turns, shared by the plain-text and Word readers.

A turn runs from just after its label to the start of the next accepted label,
trimmed of surrounding whitespace, so continuation paragraphs belong to it and
``text[turn.start:turn.end]`` is exactly what was said. Text before the first
label (a title, a metadata block) belongs to no turn.

Text without any speaker label becomes **one turn per paragraph** (blocks
separated by blank lines), each with speaker ``None``: a written answer or a
field note is then navigable and codable paragraph by paragraph, and a single
paragraph is simply one turn.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from qualcode.domain.records import ParsedTurn
from qualcode.importers.speakers import Mark, speaker_names

_BLANK_LINES = re.compile(r"\n[ \t\f\v\u00a0]*\n(?:[ \t\f\v\u00a0]*\n)*")


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` moved inwards past whitespace; ``start == end`` if nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def turns_from_marks(text: str, marks: list[Mark]) -> list[ParsedTurn]:
    """One turn per accepted label; labels with no words after them give no turn."""
    names = speaker_names(marks)
    turns: list[ParsedTurn] = []
    for index, mark in enumerate(marks):
        stop = marks[index + 1].line_start if index + 1 < len(marks) else len(text)
        start, end = trim(text, mark.words_start, stop)
        if start < end:
            turns.append(ParsedTurn(names[mark.key], start, end, mark.start_time))
    return turns


def paragraph_spans(text: str) -> Iterator[tuple[int, int]]:
    """Trimmed ``(start, end)`` of each blank-line-separated paragraph."""
    position = 0
    for gap in _BLANK_LINES.finditer(text):
        start, end = trim(text, position, gap.start())
        if start < end:
            yield start, end
        position = gap.end()
    start, end = trim(text, position, len(text))
    if start < end:
        yield start, end


def paragraph_turns(text: str) -> list[ParsedTurn]:
    """Speakerless text: one turn per paragraph (see the module docstring)."""
    return [ParsedTurn(None, start, end) for start, end in paragraph_spans(text)]


def first_block_end(text: str) -> int:
    """Where the first paragraph ends (its first blank line), or the end of the text."""
    start, _ = trim(text, 0, len(text))
    gap = _BLANK_LINES.search(text, start)
    return gap.start() if gap else len(text)
