"""The last net under everything the app draws: no control character reaches the
terminal, whichever widget rendered it.

Text from the project comes through the backend already made printable, with
controls shown as visible pictures (domain/terminal.py). Some text never passes
there: what is typed or pasted into an input, a file path, a message from a
library. This filter sees every line of every widget after it is rendered and
removes any control, C1 or bidi code point still in it. It removes rather than
replaces because the line has already been laid out, and those code points take no
cells, so removing them keeps every column where it was.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from qualcode.domain.terminal import UNSAFE


class ControlCharacterFilter(LineFilter):
    """Removes terminal controls from rendered lines (see the module docstring)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if not any(UNSAFE.search(segment.text) for segment in segments):
            return segments
        cleaned = []
        for segment in segments:
            if segment.control is None and UNSAFE.search(segment.text):
                segment = Segment(UNSAFE.sub("", segment.text), segment.style)
                if not segment.text:
                    continue
            cleaned.append(segment)
        return cleaned
