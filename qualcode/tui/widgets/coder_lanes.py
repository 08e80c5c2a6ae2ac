"""The compare view: one transcript with a narrow lane per coder beside every row.

A ``TranscriptView`` (same wrapping, cursor, selection and speaker gutter) whose rows
end in one lane per coder: a coloured bar and the coder's capital letter where that
coder coded the code in question (the filtered code, or the current disagreement's)
somewhere on the row; a small letter where they coded only other codes there (when
every code is compared); a faint dot where they coded nothing. Bar, case and letter
carry the difference, so lanes never depend on colour alone (colour-blind readers,
the high-contrast theme, a terminal without colour).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.strip import Strip

from qualcode.tui.widgets.transcript_layout import BLANK, TranscriptLayout
from qualcode.tui.widgets.transcript_render import RowPainter, RowState, geometry
from qualcode.tui.widgets.transcript_view import TranscriptView

__all__ = ["LANE_COLOURS", "CompareView", "Lane", "lane_letters"]

# Paul Tol's "bright" palette: told apart by colour-blind readers too.
LANE_COLOURS = ("#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb")
CONSENSUS_COLOUR = "#ffffff"
LANE_CELLS = 3  # "▌A " per lane


@dataclass(frozen=True, slots=True)
class Lane:
    """One coder's column: who, how it is marked, and the stretches they coded."""

    coder: str
    letter: str
    colour: str
    spans: tuple[tuple[int, int], ...] = ()  # the code in question, merged
    other: tuple[tuple[int, int], ...] = ()  # other codes, merged

    @classmethod
    def build(
        cls,
        coder: str,
        letter: str,
        colour: str,
        spans: Iterable[tuple[int, int]],
        other: Iterable[tuple[int, int]] = (),
    ) -> Lane:
        return cls(coder, letter, colour, _merged(spans), _merged(other))

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
        Binding("right_square_bracket", "screen.next", "Next disagreement", show=False),
        Binding("left_square_bracket", "screen.previous", "Previous disagreement", show=False),
        Binding("s", "screen.set_status", "Status"),
        Binding("escape", "clear_selection", "Back"),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._lanes: tuple[Lane, ...] = ()
        self._lane_styles: dict[str, tuple[Style, Style]] = {}

    @property
    def lanes(self) -> tuple[Lane, ...]:
        return self._lanes

    def set_lanes(self, lanes: Sequence[Lane]) -> None:
        """Show these lanes (left to right); rewraps if their number changed."""
        lanes = tuple(lanes)
        if lanes == self._lanes:
            return
        count_changed = len(lanes) != len(self._lanes)
        self._lanes = lanes
        self._strips.clear()
        if count_changed:
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

    def _lanes_width(self) -> int:
        return LANE_CELLS * len(self._lanes) + (1 if self._lanes else 0)

    def _geometry_for(self, width: int) -> tuple[int, int, int]:
        return geometry(max(8, width - self._lanes_width()))

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
        for lane in self._lanes:
            if not blank and lane.covers(start, end):
                bar, letter = self._styles_for(lane)
                segments += [Segment("▌", base + bar), Segment(lane.letter, base + letter)]
                segments.append(Segment(" ", base))
            elif not blank and lane.covers_other(start, end):
                bar, _ = self._styles_for(lane)
                segments.append(Segment(f" {lane.letter.lower()} ", base + bar))
            else:
                segments.append(Segment(" · " if not blank else "   ", faint))
        width = self.scrollable_content_region.width
        return Strip.join([strip, Strip(segments)]).adjust_cell_length(width, base)
