"""The transcript view: read a transcript, move a cursor, select passages to code.

Built on Textual's Line API (``ScrollView.render_line``) rather than ``TextArea`` or
``Static``: on a 100,000-word transcript those took ~35 ms per frame and ~3 s per
change, while wrapping once per width and caching one strip per row keeps a key press
to a few milliseconds. Only rows whose content changed are repainted.

Helpers beside this module: ``transcript_model`` (spans, visible text, word, sentence
and turn steps, highlight index), ``transcript_layout`` (wrapping, offset <-> row and
cell) and ``transcript_render`` (painting a row).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import events
from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from qualcode.tui.widgets.transcript_layout import TranscriptLayout
from qualcode.tui.widgets.transcript_model import (
    HighlightIndex,
    HighlightSpan,
    TranscriptDocument,
    TurnSpan,
)
from qualcode.tui.widgets.transcript_render import (
    RowPainter,
    RowState,
    RowStyles,
    geometry,
    row_state,
)

__all__ = ["HighlightSpan", "TranscriptView", "TurnSpan"]

# Past this many changed highlights a full repaint is cheaper than working out rows.
_MANY_CHANGES = 200
# Cached strips are cheap, but a reader scrolling a whole day's interviews should
# not keep every row of every one alive.
_MAX_CACHED_ROWS = 4096

_GUTTER, _SPEAKER, _TIMESTAMP = (
    "transcript-view--gutter",
    "transcript-view--speaker",
    "transcript-view--timestamp",
)
_TEXT, _HEADER, _MARGIN = (
    "transcript-view--text",
    "transcript-view--header",
    "transcript-view--margin",
)
_SELECTION, _CURSOR = "transcript-view--selection", "transcript-view--cursor"


class TranscriptView(ScrollView, can_focus=True):
    """A transcript with speaker gutter, coded highlights and a code margin.

    Researchers move a cursor and select passages to code; the app feeds it text,
    turns and highlights (attributes down) and hears about the cursor and the
    selection through ``CursorMoved`` and ``SelectionChanged`` (messages up). Codes
    are drawn as a background tint plus a labelled marker in the right margin, and an
    underline where codes overlap, so nothing depends on seeing colour.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        _GUTTER,
        _SPEAKER,
        _TIMESTAMP,
        _TEXT,
        _HEADER,
        _MARGIN,
        _SELECTION,
        _CURSOR,
    }

    DEFAULT_CSS = """
    TranscriptView {
        width: 1fr;
        height: 1fr;
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: scroll;
        scrollbar-size-vertical: 1;
        & > .transcript-view--gutter { color: $text-muted; }
        & > .transcript-view--speaker { color: $text-accent; text-style: bold; }
        & > .transcript-view--timestamp { color: $text-muted; }
        & > .transcript-view--header { color: $text-muted; text-style: italic; }
        & > .transcript-view--margin { color: $text-muted; }
        & > .transcript-view--selection {
            background: $input-selection-background;
            color: $input-selection-foreground;
        }
        & > .transcript-view--cursor { text-style: reverse; }
        /* Without theme colours the selection is reversed, so the cursor needs more. */
        &:ansi > .transcript-view--selection { background: transparent; text-style: reverse; }
        &:ansi > .transcript-view--cursor { text-style: reverse bold underline; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "cursor_left", "Left", show=False, id="transcript-view.cursor_left"),
        Binding("right", "cursor_right", "Right", show=False, id="transcript-view.cursor_right"),
        Binding("up", "cursor_up", "Up", show=False, id="transcript-view.cursor_up"),
        Binding("down", "cursor_down", "Down", show=False, id="transcript-view.cursor_down"),
        Binding("home", "row_start", "Row start", show=False, id="transcript-view.row_start"),
        Binding("end", "row_end", "Row end", show=False, id="transcript-view.row_end"),
        Binding("pageup", "page_up", "Page up", show=False, id="transcript-view.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="transcript-view.page_down"),
        Binding(
            "ctrl+home",
            "text_start",
            "Start of transcript",
            show=False,
            id="transcript-view.text_start",
        ),
        Binding(
            "ctrl+end", "text_end", "End of transcript", show=False, id="transcript-view.text_end"
        ),
        Binding("ctrl+left", "word_left", "Word left", show=False, id="transcript-view.word_left"),
        Binding(
            "ctrl+right", "word_right", "Word right", show=False, id="transcript-view.word_right"
        ),
        Binding(
            "shift+left",
            "cursor_left(True)",
            "Select left",
            show=False,
            id="transcript-view.cursor_left-select",
        ),
        Binding(
            "shift+right",
            "cursor_right(True)",
            "Select right",
            show=False,
            id="transcript-view.cursor_right-select",
        ),
        Binding(
            "shift+up",
            "cursor_up(True)",
            "Select up",
            show=False,
            id="transcript-view.cursor_up-select",
        ),
        Binding(
            "shift+down",
            "cursor_down(True)",
            "Select down",
            show=False,
            id="transcript-view.cursor_down-select",
        ),
        Binding(
            "shift+home",
            "row_start(True)",
            "Select to row start",
            show=False,
            id="transcript-view.row_start-select",
        ),
        Binding(
            "shift+end",
            "row_end(True)",
            "Select to row end",
            show=False,
            id="transcript-view.row_end-select",
        ),
        Binding(
            "shift+pageup",
            "page_up(True)",
            "Select page up",
            show=False,
            id="transcript-view.page_up-select",
        ),
        Binding(
            "shift+pagedown",
            "page_down(True)",
            "Select page down",
            show=False,
            id="transcript-view.page_down-select",
        ),
        Binding(
            "ctrl+shift+home",
            "text_start(True)",
            "Select to start",
            show=False,
            id="transcript-view.text_start-select",
        ),
        Binding(
            "ctrl+shift+end",
            "text_end(True)",
            "Select to end",
            show=False,
            id="transcript-view.text_end-select",
        ),
        Binding(
            "ctrl+shift+left",
            "word_left(True)",
            "Select word left",
            show=False,
            id="transcript-view.word_left-select",
        ),
        Binding(
            "ctrl+shift+right",
            "word_right(True)",
            "Select word right",
            show=False,
            id="transcript-view.word_right-select",
        ),
        Binding("w", "extend_word", "Select word", show=False, id="transcript-view.extend_word"),
        Binding(
            "s",
            "extend_sentence",
            "Select sentence",
            show=False,
            id="transcript-view.extend_sentence",
        ),
        Binding("t", "select_turn", "Select turn", show=False, id="transcript-view.select_turn"),
        Binding(
            "escape",
            "clear_selection",
            "Clear selection",
            show=False,
            id="transcript-view.clear_selection",
        ),
        Binding(
            "left_square_bracket",
            "previous_turn",
            "Previous turn",
            show=False,
            id="transcript-view.previous_turn",
        ),
        Binding(
            "right_square_bracket",
            "next_turn",
            "Next turn",
            show=False,
            id="transcript-view.next_turn",
        ),
    ]

    class CursorMoved(Message):
        """The cursor moved to ``offset`` (a code point index into the text)."""

        def __init__(self, transcript_view: TranscriptView, offset: int) -> None:
            super().__init__()
            self.transcript_view = transcript_view
            self.offset = offset

        @property
        def control(self) -> TranscriptView:
            return self.transcript_view

    class SelectionChanged(Message):
        """The selection became ``(start, end)`` (end exclusive), or ``None`` if empty."""

        def __init__(
            self, transcript_view: TranscriptView, selection: tuple[int, int] | None
        ) -> None:
            super().__init__()
            self.transcript_view = transcript_view
            self.selection = selection

        @property
        def control(self) -> TranscriptView:
            return self.transcript_view

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._document = TranscriptDocument("", ())
        self._highlights = HighlightIndex()
        self._layout: TranscriptLayout | None = None
        self._geometry = geometry(0)
        self._cursor = 0
        self._anchor: int | None = None
        self._goal_column: int | None = None
        self._dragging = False
        self._strips: dict[int, tuple[RowState, Strip]] = {}
        self._painter: RowPainter | None = None

    # --- data in ----------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self._document.text

    @property
    def turns(self) -> tuple[TurnSpan, ...]:
        """The turns as shown: sorted, clipped to the text, without overlaps."""
        return self._document.turns

    @property
    def highlights(self) -> list[HighlightSpan]:
        return list(self._highlights.by_key.values())

    def load(
        self, text: str, turns: Sequence[TurnSpan], highlights: Sequence[HighlightSpan]
    ) -> None:
        """Show a new transcript; the cursor goes to its start, the selection is cleared."""
        old_cursor, old_selection = self._cursor, self.selection
        self._document = TranscriptDocument(text, turns)
        self._highlights = HighlightIndex(highlights)
        self._layout = None
        self._strips.clear()
        self._cursor = self._document.first_position
        self._anchor = None
        self._goal_column = None
        if self.is_mounted:
            self._ensure_layout()
            self.scroll_to(y=0, animate=False)
        self.refresh()
        self._announce(old_cursor, old_selection)

    def set_highlights(self, highlights: Sequence[HighlightSpan]) -> None:
        """Replace every highlight, repainting only rows whose highlights changed."""
        new = {h.key: h for h in highlights}
        old = self._highlights.by_key
        changed = [key for key in old.keys() | new.keys() if old.get(key) != new.get(key)]
        if not changed:
            return
        spans = [(h.start, h.end) for key in changed for h in (old.get(key), new.get(key)) if h]
        self._highlights = HighlightIndex(new.values())
        if len(changed) > _MANY_CHANGES:
            self._strips.clear()
            self.refresh()
        else:
            for start, end in spans:
                self._invalidate(start, end)

    def add_highlight(self, highlight: HighlightSpan) -> None:
        """Add (or replace, by key) one highlight; repaints only the rows it touches."""
        old = self._highlights.add(highlight)
        if old is not None:
            self._invalidate(old.start, old.end)
        self._invalidate(highlight.start, highlight.end)

    def remove_highlight(self, key: str) -> None:
        old = self._highlights.remove(key)
        if old is not None:
            self._invalidate(old.start, old.end)

    # --- cursor and selection -----------------------------------------------------------

    @property
    def cursor(self) -> int:
        """The cursor's offset (code point index into the text)."""
        return self._cursor

    @property
    def selection(self) -> tuple[int, int] | None:
        """``(start, end)`` with ``start < end`` (end exclusive), or ``None``."""
        anchor, cursor = self._anchor, self._cursor
        if anchor is None or anchor == cursor:
            return None
        return (anchor, cursor) if anchor < cursor else (cursor, anchor)

    def select(self, start: int, end: int) -> None:
        """Select ``[start, end)``; the cursor goes to ``end`` (it moves when extending)."""
        length = len(self.text)
        start, end = max(0, min(start, length)), max(0, min(end, length))
        self._move(end, start, scroll=True)

    def move_cursor_to(self, offset: int, scroll: bool = True) -> None:
        """Move the cursor (clearing the selection); if ``scroll`` and it is off screen,
        scroll it to the middle of the view."""
        self._move(self._snap(offset), None, scroll="center" if scroll else False)

    def clear_selection(self) -> None:
        self._move(self._cursor, None, scroll=False)

    def codes_at(self, offset: int) -> list[HighlightSpan]:
        """Highlights covering ``offset``, shortest (most specific) first."""
        found = self._highlights.overlapping(offset, offset + 1)
        return sorted(found, key=lambda h: (h.end - h.start, h.start, h.key))

    def visible_range(self) -> tuple[int, int]:
        """``(start, end)`` offsets of the text rows now on screen."""
        layout = self._rows()
        if layout is None:
            return (self._cursor, self._cursor)
        top = round(self.scroll_offset.y)
        bottom = top + max(1, self.scrollable_content_region.height) - 1
        first = layout.text_row_at_or_after(top)
        last = layout.text_row_at_or_before(bottom)
        if first is None or last is None or last < first:
            return (self._cursor, self._cursor)
        return (layout.starts[first], layout.ends[last])

    # --- state changes: repaint what changed, tell the app --------------------------------

    def _move(
        self,
        cursor: int,
        anchor: int | None,
        *,
        scroll: bool | str = True,
        keep_goal: bool = False,
    ) -> None:
        old_cursor, old_selection = self._cursor, self.selection
        self._cursor, self._anchor = cursor, anchor
        if not keep_goal:
            self._goal_column = None
        self._refresh_changes(old_cursor, old_selection)
        if scroll:
            self._scroll_to_offset(cursor, center=scroll == "center")
        self._announce(old_cursor, old_selection)

    def _announce(self, old_cursor: int, old_selection: tuple[int, int] | None) -> None:
        if self._cursor != old_cursor:
            self.post_message(self.CursorMoved(self, self._cursor))
        selection = self.selection
        if selection != old_selection:
            self.post_message(self.SelectionChanged(self, selection))

    def _refresh_changes(self, old_cursor: int, old_selection: tuple[int, int] | None) -> None:
        layout = self._layout
        if layout is None:
            return
        rows = [
            layout.row_span(old_cursor, old_cursor + 1),
            layout.row_span(self._cursor, self._cursor + 1),
        ]
        new_selection = self.selection
        if old_selection != new_selection:
            if old_selection is None or new_selection is None:
                either = old_selection or new_selection
                assert either is not None  # they differ, so one of them is a selection
                start, end = either
                rows.append(layout.row_span(start, end + 1))
            else:
                # Only the ends moved: repaint between old and new start, old and new end.
                for a, b in zip(old_selection, new_selection, strict=True):
                    if a != b:
                        rows.append(layout.row_span(min(a, b), max(a, b) + 1))
        for first, last in rows:
            self._refresh_rows(first, last)

    def _invalidate(self, start: int, end: int) -> None:
        """Forget cached strips for rows touching ``[start, end)`` and repaint them."""
        layout = self._layout
        if layout is None:
            return
        first, last = layout.row_span(start, max(end, start + 1))
        if last - first < len(self._strips):
            for row in range(first, last + 1):
                self._strips.pop(row, None)
        else:
            for row in [r for r in self._strips if first <= r <= last]:
                del self._strips[row]
        self._refresh_rows(first, last)

    def _refresh_rows(self, first: int, last: int) -> None:
        """Ask Textual to repaint rows ``first..last`` (inclusive) that are on screen."""
        top = round(self.scroll_offset.y)
        bottom = top + self.scrollable_content_region.height - 1
        first, last = max(first, top), min(last, bottom)
        if first <= last:
            self.refresh_lines(first, last - first + 1)

    def _scroll_to_offset(self, offset: int, *, center: bool = False) -> None:
        layout = self._ensure_layout()
        if layout is None:
            return
        row = layout.row_of(offset)
        top = round(self.scroll_offset.y)
        height = max(1, self.scrollable_content_region.height)
        if top <= row < top + height:
            return
        if center:
            target = row - height // 2
        elif row < top:
            target = row
        else:
            target = row - height + 1
        self.scroll_to(y=max(0, target), animate=False)

    # --- layout -------------------------------------------------------------------------

    def _ensure_layout(self) -> TranscriptLayout | None:
        """The layout for the current width, rewrapped only when the width changed."""
        width = self.scrollable_content_region.width
        if width <= 0:
            return None
        layout = self._layout
        if layout is not None and self._geometry == self._geometry_for(width):
            return layout
        top_offset = None
        if layout is not None and len(layout):
            top = min(round(self.scroll_offset.y), len(layout) - 1)
            top_offset = layout.starts[top]
        self._geometry = self._geometry_for(width)
        layout = self._layout = TranscriptLayout(self._document, self._geometry[1])
        self._strips.clear()
        self.virtual_size = Size(width, len(layout))
        if top_offset is not None:
            # Keep the reader's place when the terminal is resized.
            self.scroll_to(y=layout.row_of(top_offset), animate=False)
        return layout

    def _geometry_for(self, width: int) -> tuple[int, int, int]:
        """(gutter, text, margin) cells for a content ``width``; a subclass that draws
        more beside each row (the compare view's coder lanes) narrows it."""
        return geometry(width)

    def on_resize(self, event: events.Resize) -> None:
        self._ensure_layout()

    def _snap(self, offset: int) -> int:
        layout = self._rows()
        if layout is None:
            return self._document.clamp(offset)
        return layout.snap(offset)

    def _rows(self) -> TranscriptLayout | None:
        """The layout if there is one with at least one row (an empty text has none)."""
        layout = self._ensure_layout()
        return layout if layout is not None and len(layout) else None

    # --- rendering ------------------------------------------------------------------------

    def _current_painter(self) -> RowPainter:
        # Component styles are cached by Textual until the next refresh; comparing them
        # catches theme changes and :focus without listening for each.
        get = self.get_component_rich_style
        gutter = get(_GUTTER)
        styles = RowStyles(
            text=get(_TEXT),
            header=get(_HEADER),
            gutter=gutter,
            speaker=gutter + get(_SPEAKER, partial=True),
            timestamp=gutter + get(_TIMESTAMP, partial=True),
            margin=get(_MARGIN),
            selection=get(_SELECTION),
            cursor=get(_CURSOR, partial=True),
        )
        painter = self._painter
        if painter is None or painter.styles != styles or painter.widths != self._geometry:
            painter = self._painter = RowPainter(styles, self._geometry)
            self._strips.clear()
        return painter

    def render_line(self, y: int) -> Strip:
        layout = self._ensure_layout()
        painter = self._current_painter()
        row = y + round(self.scroll_offset.y)
        if layout is None or row >= len(layout):
            return Strip.blank(self.scrollable_content_region.width, painter.styles.text)
        state = row_state(layout, row, self._cursor, self.selection)
        cached = self._strips.get(row)
        if cached is not None and cached[0] == state:
            return cached[1]
        strip = self._render_row(painter, layout, row, state)
        if len(self._strips) >= _MAX_CACHED_ROWS:
            self._strips.clear()
        self._strips[row] = (state, strip)
        return strip

    def _render_row(
        self, painter: RowPainter, layout: TranscriptLayout, row: int, state: RowState
    ) -> Strip:
        start, end = layout.starts[row], layout.ends[row]
        # An empty row inside a coded passage still shows its codes: look at its "\n".
        highlights = self._highlights.overlapping(start, max(end, start + 1))
        return painter.paint(layout, row, state, highlights)

    # --- keyboard ---------------------------------------------------------------------------

    def _anchor_for(self, select: bool) -> int | None:
        if not select:
            return None
        return self._cursor if self._anchor is None else self._anchor

    def action_cursor_left(self, select: bool = False) -> None:
        layout = self._rows()
        if layout is not None:
            self._move(layout.previous_position(self._cursor), self._anchor_for(select))

    def action_cursor_right(self, select: bool = False) -> None:
        layout = self._rows()
        if layout is not None:
            self._move(layout.next_position(self._cursor), self._anchor_for(select))

    def action_cursor_up(self, select: bool = False) -> None:
        self._move_rows(-1, select)

    def action_cursor_down(self, select: bool = False) -> None:
        self._move_rows(1, select)

    def action_page_up(self, select: bool = False) -> None:
        self._move_rows(-self._page(), select, scroll_page=True)

    def action_page_down(self, select: bool = False) -> None:
        self._move_rows(self._page(), select, scroll_page=True)

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _move_rows(self, delta: int, select: bool, scroll_page: bool = False) -> None:
        layout = self._rows()
        if layout is None:
            return
        row = layout.row_of(self._cursor)
        column = self._goal_column
        if column is None:
            column = layout.column_of(row, self._cursor)
        target = min(max(row + delta, 0), len(layout) - 1)
        if delta > 0:
            found = layout.text_row_at_or_after(target)
            found = layout.text_row_at_or_before(target) if found is None else found
        else:
            found = layout.text_row_at_or_before(target)
            found = layout.text_row_at_or_after(target) if found is None else found
        if found is None:
            return
        if found == row:
            # Up on the first row goes to its start, down on the last row to its end.
            offset = layout.starts[row] if delta < 0 else layout.last_position(row)
        else:
            offset = layout.offset_at_column(found, column)
        if scroll_page:
            self.scroll_to(y=max(0, round(self.scroll_offset.y) + delta), animate=False)
        self._move(offset, self._anchor_for(select), keep_goal=True)
        self._goal_column = column

    def action_row_start(self, select: bool = False) -> None:
        layout = self._rows()
        if layout is not None:
            self._move(layout.starts[layout.row_of(self._cursor)], self._anchor_for(select))

    def action_row_end(self, select: bool = False) -> None:
        layout = self._rows()
        if layout is not None:
            row = layout.row_of(self._cursor)
            self._move(layout.last_position(row), self._anchor_for(select))

    def action_text_start(self, select: bool = False) -> None:
        self._move(self._snap(self._document.first_position), self._anchor_for(select))

    def action_text_end(self, select: bool = False) -> None:
        self._move(self._snap(self._document.last_position), self._anchor_for(select))

    def action_word_left(self, select: bool = False) -> None:
        start = self._document.previous_word_start(self._cursor)
        if start is not None:
            self._move(start, self._anchor_for(select))

    def action_word_right(self, select: bool = False) -> None:
        word = self._document.next_word(self._cursor)
        if word is not None:
            self._move(word[1], self._anchor_for(select))

    def action_extend_word(self) -> None:
        """Select the whole word at the cursor; again to add the next word."""
        self._step(self._document.word_step(self._cursor, self.selection))

    def action_extend_sentence(self) -> None:
        """Select the whole sentence the cursor is in; again to add the next sentence."""
        self._step(self._document.sentence_step(self._cursor, self.selection))

    def action_select_turn(self) -> None:
        """Select the speaker turn at the cursor; again to add the following turn."""
        self._step(self._document.turn_step(self._cursor, self.selection))

    def _step(self, step: tuple[int, int] | None) -> None:
        if step is not None:
            anchor, cursor = step
            self._move(cursor, anchor)

    def action_clear_selection(self) -> None:
        if self.selection is None:
            raise SkipAction()  # let Escape reach the screen (e.g. to close a panel)
        self.clear_selection()

    def action_previous_turn(self) -> None:
        index = self._document.previous_turn_before(self._cursor)
        if index is not None:
            self._move(self._snap(self._document.turns[index].start), None)

    def action_next_turn(self) -> None:
        index = self._document.next_turn_after(self._cursor)
        if index is not None:
            self._move(self._snap(self._document.turns[index].start), None)

    # --- mouse ------------------------------------------------------------------------------

    def _offset_at(self, x: int, y: int) -> int | None:
        layout = self._rows()
        if layout is None:
            return None
        row = min(max(y + round(self.scroll_offset.y), 0), len(layout) - 1)
        found = layout.text_row_at_or_before(row)
        if found is None:
            found = layout.text_row_at_or_after(row)
        if found is None:
            return None
        if found != row:
            return layout.last_position(found)  # a blank row: the end of the text above
        return layout.offset_at_column(found, x - self._geometry[0])

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1:
            return
        point = event.get_content_offset(self)
        if point is None:
            return
        offset = self._offset_at(point.x, point.y)
        if offset is None:
            return
        event.stop()
        self._dragging = True
        self.capture_mouse()
        # Shift+click extends the selection, as in word processors.
        anchor = self._anchor_for(True) if event.shift else offset
        self._move(offset, anchor, scroll=False)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if not self._dragging:
            return
        point = event.get_content_offset_capture(self)
        height = self.scrollable_content_region.height
        if point.y < 0 or point.y >= height:
            # Dragging past an edge scrolls, so a selection can run past the screen.
            step = -1 if point.y < 0 else 1
            self.scroll_to(y=max(0, round(self.scroll_offset.y) + step), animate=False)
        offset = self._offset_at(point.x, min(max(point.y, 0), height - 1))
        if offset is not None:
            self._move(offset, self._anchor, scroll=False)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging:
            self._dragging = False
            self.release_mouse()

    def on_click(self, event: events.Click) -> None:
        point = event.get_content_offset(self)
        if point is None or event.chain < 2:
            return
        offset = self._offset_at(point.x, point.y)
        if offset is None:
            return
        if event.chain == 2:
            word = self._document.word_at(offset)
            if word is not None:
                self._move(word[1], word[0], scroll=False)
        else:
            index = self._document.turn_at(offset)
            if index is not None:
                turn = self._document.turns[index]
                self._move(turn.end, turn.start, scroll=False)
