"""The compare view: one transcript with a narrow lane per coder beside every row.

A ``TranscriptView`` (same wrapping, cursor, selection and speaker gutter) whose rows
end in one lane per coder: a coloured bar and the coder's name (or, where the screen is
too narrow for names, their initial) where that coder coded the code in question (the
filtered code, or the current disagreement's) somewhere on the row; a ring where they
coded only other codes there (when every code is compared); a faint dot where they
coded nothing. Bar, ring and dot carry the difference, so lanes never depend on colour
alone (colour-blind readers, the high-contrast theme, a terminal without colour), and
:meth:`CompareView.lane_header` names every lane above its column.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.strip import Strip

from qualcode.tui.widgets.transcript_layout import BLANK, TranscriptLayout
from qualcode.tui.widgets.transcript_render import RowPainter, RowState, fit, geometry
from qualcode.tui.widgets.transcript_view import TranscriptView

__all__ = ["LANE_COLOURS", "OTHER_MARK", "CompareView", "Lane", "lane_letters"]

# Paul Tol's "bright" palette: told apart by colour-blind readers too.
LANE_COLOURS = ("#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb")
CONSENSUS_COLOUR = "#ffffff"
LANE_CELLS = 3  # "▌A " per lane, with initials
NAME_CELLS = 8  # the most of a name a lane shows (longer ones end in "…")
TEXT_ROOM = 72  # names only while the transcript keeps at least this many cells
OTHER_MARK = "○"  # coded another code here


@dataclass(frozen=True, slots=True)
class Lane:
    """One coder's column: who, how it is marked, and the stretches they coded."""

    coder: str
    letter: str  # the initial (or lane number) shown where names do not fit
    colour: str
    spans: tuple[tuple[int, int], ...] = ()  # the code in question, merged
    other: tuple[tuple[int, int], ...] = ()  # other codes, merged
    title: str = ""  # what to call the lane, if not the coder's name

    @classmethod
    def build(
        cls,
        coder: str,
        letter: str,
        colour: str,
        spans: Iterable[tuple[int, int]],
        other: Iterable[tuple[int, int]] = (),
        title: str = "",
    ) -> Lane:
        return cls(coder, letter, colour, _merged(spans), _merged(other), title)

    @property
    def name(self) -> str:
        """The label the lane shows where there is room for names."""
        return self.title or self.coder

    def covers(self, start: int, end: int) -> bool:
        """Whether this coder coded the code in question in any of ``[start, end)``."""
        return _touches(self.spans, start, end)

    def covers_other(self, start: int, end: int) -> bool:
        """Whether this coder coded another code in any of ``[start, end)``."""
        return _touches(self.other, start, end)


def _merged(spans: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _touches(spans: tuple[tuple[int, int], ...], start: int, end: int) -> bool:
    # Spans are merged, so their ends are sorted too: the first one ending after
    # start is the only candidate.
    i = bisect_left(spans, start + 1, key=lambda s: s[1])
    return i < len(spans) and spans[i][0] < max(end, start + 1)


def lane_letters(coders: Sequence[str]) -> list[str]:
    """A single letter per coder: their initial, or a digit where initials clash."""
    initials = [(c.strip()[:1] or "?").upper() for c in coders]
    return [
        letter if initials.count(letter) == 1 else str(i + 1) for i, letter in enumerate(initials)
    ]


class CompareView(TranscriptView):
    """The transcript with coder lanes on the right of each row."""

    # In the compare screen n/p and ]/[ walk disagreements and s sets a status, so the
    # reading view gives those keys up (w, t, shift+arrows and the mouse still select).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "right_square_bracket",
            "screen.next",
            "Next disagreement",
            show=False,
            id="compare-view.next",
        ),
        Binding(
            "left_square_bracket",
            "screen.previous",
            "Previous disagreement",
            show=False,
            id="compare-view.previous",
        ),
        Binding("s", "screen.set_status", "Status", id="compare-view.set_status"),
        Binding("escape", "clear_selection", "Back", id="compare-view.clear_selection"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lanes: tuple[Lane, ...] = ()
        self._lane_styles: dict[str, tuple[Style, Style]] = {}

    @property
    def lanes(self) -> tuple[Lane, ...]:
        return self._lanes

    def set_lanes(self, lanes: Sequence[Lane]) -> None:
        """Show these lanes (left to right); rewraps if they need other room."""
        lanes = tuple(lanes)
        if lanes == self._lanes:
            return
        width = self.scrollable_content_region.width
        before = self._lanes_width(width)
        self._lanes = lanes
        self._strips.clear()
        if self._lanes_width(width) != before:
            self._layout = None
            if self.is_mounted:
                self._ensure_layout()
        self.refresh()

    def lane_marks(self, start: int, end: int) -> list[bool]:
        """Which lanes coded the code in question in ``[start, end)``."""
        return [lane.covers(start, end) for lane in self._lanes]

    def other_marks(self, start: int, end: int) -> list[bool]:
        """Which lanes coded another code (only) in ``[start, end)``."""
        return [
            not lane.covers(start, end) and lane.covers_other(start, end) for lane in self._lanes
        ]

    def row_marks(self, offset: int) -> list[bool]:
        """Which lanes show a mark on the row holding ``offset``."""
        layout = self._ensure_layout()
        if layout is None or not len(layout):
            return [False] * len(self._lanes)
        row = layout.row_of(offset)
        return self.lane_marks(layout.starts[row], layout.ends[row])

    def lane_cells(self, width: int | None = None) -> int:
        """Cells per lane at ``width`` (the view's own by default): room for the
        longest name if the transcript keeps ``TEXT_ROOM`` cells beside them, else
        room for an initial."""
        if width is None:
            width = self.scrollable_content_region.width
        named = min(NAME_CELLS, max((len(lane.name) for lane in self._lanes), default=0)) + 2
        if width - named * len(self._lanes) - 1 >= TEXT_ROOM:
            return max(LANE_CELLS, named)
        return LANE_CELLS

    def lane_label(self, lane: Lane, width: int | None = None) -> str:
        """What the lane shows: the name where it fits, else the initial."""
        return lane.name if self.lane_cells(width) > LANE_CELLS else lane.letter

    def _lanes_width(self, width: int) -> int:
        return self.lane_cells(width) * len(self._lanes) + (1 if self._lanes else 0)

    def _geometry_for(self, width: int) -> tuple[int, int, int]:
        return geometry(max(8, width - self._lanes_width(width)))

    def lane_header(self, title: str = "") -> Text:
        """A line to show above the view: ``title`` over the transcript, and each
        lane's name (or initial) over its column, so no lane needs a legend to read."""
        width = self.scrollable_content_region.width
        text = Text(no_wrap=True, overflow="crop")
        if not self._lanes or width <= 0:
            return text
        cells = self.lane_cells(width)
        left = max(0, width - self._lanes_width(width))
        text.append(fit(title, left), style="bold")
        text.append("│", style="dim")
        for lane in self._lanes:
            text.append(fit(" " + self.lane_label(lane, width), cells), style=f"bold {lane.colour}")
        return text

    def _styles_for(self, lane: Lane) -> tuple[Style, Style]:
        styles = self._lane_styles.get(lane.colour)
        if styles is None:
            bar = Style(color=lane.colour)
            letter = Style(color=lane.colour, bold=True)
            styles = self._lane_styles[lane.colour] = (bar, letter)
        return styles

    def _render_row(
        self, painter: RowPainter, layout: TranscriptLayout, row: int, state: RowState
    ) -> Strip:
        strip = super()._render_row(painter, layout, row, state)
        if not self._lanes:
            return strip
        base = painter.styles.margin
        faint = base + Style(dim=True)
        segments = [Segment("│", faint)]
        start, end = layout.starts[row], layout.ends[row]
        blank = bool(layout.flags[row] & BLANK)
        width = self.scrollable_content_region.width
        cells = self.lane_cells(width)
        for lane in self._lanes:
            if not blank and lane.covers(start, end):
                bar, letter = self._styles_for(lane)
                label = fit(self.lane_label(lane, width), cells - 1)
                segments += [Segment("▌", base + bar), Segment(label, base + letter)]
            elif not blank and lane.covers_other(start, end):
                bar, _ = self._styles_for(lane)
                segments.append(Segment(fit(f" {OTHER_MARK}", cells), base + bar))
            else:
                segments.append(Segment(fit(" ·" if not blank else "", cells), faint))
        return Strip.join([strip, Strip(segments)]).adjust_cell_length(width, base)
