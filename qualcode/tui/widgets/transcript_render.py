"""Painting one row of the transcript view into a Textual ``Strip``.

Kept apart from the widget so the look (gutter, tints, margin markers) can change
without touching cursor and selection logic. A row is painted from its layout slice,
the highlights touching it and its ``RowState``; the widget caches the strip until
that state or the row's highlights change.
"""

from __future__ import annotations

from itertools import pairwise
from typing import NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.color import Color, ColorParseError
from textual.strip import Strip

from qualcode.tui.widgets.transcript_layout import (
    BLANK,
    HARD,
    SIMPLE,
    TranscriptLayout,
    display_text,
)
from qualcode.tui.widgets.transcript_model import HighlightSpan

__all__ = ["RowPainter", "RowState", "RowStyles", "clock", "fit", "geometry", "marker_plan"]

# How much of a code's colour tints the background: enough to see, little enough that
# the text keeps its contrast on dark and light themes alike.
TINT = 0.35
_FALLBACK_COLOUR = Color(136, 136, 136)

# (selection clipped to the row or None, cursor offset if on the row else -1)
RowState = tuple[tuple[int, int] | None, int]


# A suggested (not applied) code: italic, so it reads as tentative without hiding text.
_SUGGESTED = Style(italic=True)


class RowStyles(NamedTuple):
    """Rich styles for each part of a row, resolved from the widget's component classes."""

    text: Style
    header: Style
    gutter: Style
    speaker: Style
    timestamp: Style
    margin: Style
    selection: Style
    cursor: Style


def geometry(width: int) -> tuple[int, int, int]:
    """(gutter, text, margin) widths in cells for a content ``width``.

    The margin's first cell is a spacer where an end-of-line cursor can sit.
    """
    if width >= 60:
        gutter, margin = 16, 12
    elif width >= 36:
        gutter, margin = 10, 6
    else:
        gutter, margin = 0, 4
    return gutter, max(4, width - gutter - margin), margin


def clock(seconds: float) -> str:
    whole = max(0, int(seconds))
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def fit(label: str, cells: int) -> str:
    """``label`` cut to ``cells`` with an ellipsis, or padded to exactly ``cells``."""
    if cells <= 0:
        return ""
    if cell_len(label) > cells:
        return set_cell_size(label, cells - 1) + "…"
    return set_cell_size(label, cells)


def marker_plan(count: int, cells: int) -> tuple[int, int]:
    """(markers shown, letters per marker) for ``count`` codes in ``cells`` cells.

    All markers are shown with as many letters as fit (up to 10, at least 2 where the
    margin allows, since one letter rarely tells codes apart); otherwise the first few
    are shown and the rest summed up as "+N".
    """
    fewest = 2 if cells >= 9 else 1
    for letters in range(10, fewest - 1, -1):
        if count * (1 + letters) <= cells:
            return count, letters
    shown = count
    while shown > 0 and shown * (1 + fewest) + 1 + len(str(count - shown)) > cells:
        shown -= 1
    return shown, fewest


def row_state(
    layout: TranscriptLayout, row: int, cursor: int, selection: tuple[int, int] | None
) -> RowState:
    """What of the cursor and selection shows on ``row``: the strip cache's key."""
    if layout.flags[row] & BLANK:
        return (None, -1)
    start, end = layout.starts[row], layout.ends[row]
    if not start <= cursor <= end or (cursor == end and cursor > layout.last_position(row)):
        cursor = -1
    if selection is not None:
        # A hard row's end counts: a selected line break is drawn as a selected cell.
        reach = end + 1 if layout.flags[row] & HARD else end
        lo, hi = max(selection[0], start), min(selection[1], reach)
        selection = (lo, hi) if lo < hi else None
    return (selection, cursor)


def _parse(colour: str) -> Color:
    try:
        return Color.parse(colour)
    except ColorParseError:
        return _FALLBACK_COLOUR


class RowPainter:
    """Paints rows for one set of styles and one width; replaced when either changes."""

    def __init__(self, styles: RowStyles, widths: tuple[int, int, int]) -> None:
        self.styles = styles
        self.widths = widths
        background = styles.text.bgcolor
        self._background = (
            Color.from_rich_color(background)
            if background is not None and background.triplet is not None
            else Color(0, 0, 0)  # an ANSI theme's default background: assume dark
        )
        self._tints: dict[tuple[str, bool], Style] = {}
        self._bars: dict[str, Style] = {}

    def tint(self, colour: str, underline: bool) -> Style:
        """Background for coded text: the code's colour blended into the background;
        underlined where codes overlap, so overlap shows without colour."""
        style = self._tints.get((colour, underline))
        if style is None:
            tinted = self._background.blend(_parse(colour), TINT)
            style = Style(bgcolor=tinted.rich_color, underline=True if underline else None)
            self._tints[(colour, underline)] = style
        return style

    def paint(
        self,
        layout: TranscriptLayout,
        row: int,
        state: RowState,
        highlights: list[HighlightSpan],
    ) -> Strip:
        gutter_width, text_width, margin_width = self.widths
        parts = [self._gutter(layout, row)] if gutter_width else []
        if layout.flags[row] & BLANK:
            parts.append(Strip.blank(text_width + margin_width, self.styles.text))
        else:
            parts.append(self._text(layout, row, state, highlights))
            parts.append(self._markers(highlights, margin_width - 1))
        return Strip.join(parts)

    def _gutter(self, layout: TranscriptLayout, row: int) -> Strip:
        styles, width = self.styles, self.widths[0]
        label, style = "", styles.gutter
        turn_index = layout.turns[row]
        if turn_index >= 0:
            turn = layout.document.turns[turn_index]
            lines: list[tuple[str, Style]] = []
            if turn.speaker is not None:
                lines.append((turn.speaker, styles.speaker))
            if turn.start_time is not None:
                lines.append((clock(turn.start_time), styles.timestamp))
            line = row - layout.turn_first_row[turn_index]
            if line < len(lines):
                label, style = lines[line]
        return Strip([Segment(fit(label, width - 1), style), Segment(" ", styles.gutter)], width)

    def _text(
        self,
        layout: TranscriptLayout,
        row: int,
        state: RowState,
        highlights: list[HighlightSpan],
    ) -> Strip:
        styles = self.styles
        start, end, flags = layout.starts[row], layout.ends[row], layout.flags[row]
        selection, cursor = state
        base = styles.text if layout.turns[row] >= 0 else styles.header
        # Cut the row wherever its look changes, then style each piece once.
        cuts = {start, end}
        for highlight in highlights:
            cuts.add(min(max(highlight.start, start), end))
            cuts.add(min(max(highlight.end, start), end))
        if selection is not None:
            cuts.update((selection[0], min(selection[1], end)))
        if start <= cursor < end:
            cuts.update((cursor, layout.next_position(cursor)))
        if not flags & SIMPLE:
            # Never split a grapheme between segments: Rich would measure it wrongly.
            bounds, _ = layout.cells(row)
            cuts = {start + max(b for b in bounds if b <= c - start) for c in cuts} | {end}
        points = sorted(c for c in cuts if start <= c <= end)
        shown = display_text(layout.document.text[start:end])
        segments: list[Segment] = []
        for a, b in pairwise(points):
            style = base
            covering = [h for h in highlights if h.start <= a and h.end >= b and not h.suggested]
            if any(h.suggested and h.start <= a and h.end >= b for h in highlights):
                style = style + _SUGGESTED
            if covering:
                # The most specific (shortest) code gives the colour.
                shortest = min(covering, key=lambda h: h.end - h.start)
                style = style + self.tint(shortest.colour, len(covering) > 1)
            if selection is not None and selection[0] <= a and b <= selection[1]:
                style = style + styles.selection
            if a == cursor:
                style = style + styles.cursor
            segments.append(Segment(shown[a - start : b - start], style))
        line_break_selected = (
            selection is not None and flags & HARD and selection[0] <= end < selection[1]
        )
        if cursor == end or line_break_selected:
            style = base + styles.selection if line_break_selected else base
            segments.append(Segment(" ", style + styles.cursor if cursor == end else style))
        # One spare cell beyond the text holds a cursor standing after a full row.
        return Strip(segments).adjust_cell_length(self.widths[1] + 1, base)

    def _markers(self, highlights: list[HighlightSpan], cells: int) -> Strip:
        margin = self.styles.margin
        if not highlights or cells <= 0:
            return Strip.blank(max(cells, 0), margin)
        shown, letters = marker_plan(len(highlights), cells)
        segments = []
        for highlight in highlights[:shown]:
            bar = self._bars.get(highlight.colour)
            if bar is None:
                bar = self._bars[highlight.colour] = margin + Style(
                    color=_parse(highlight.colour).rich_color
                )
            segments.append(Segment("┊" if highlight.suggested else "▌", bar))
            initials = set_cell_size(highlight.label.strip(), letters).rstrip()
            segments.append(Segment(initials, margin))
        if shown < len(highlights):
            segments.append(Segment(f"+{len(highlights) - shown}", margin))
        return Strip(segments).adjust_cell_length(cells, margin)
