"""One screen's live reloads (app.changes_seen calls a screen's ``live_refresh``): read
again in a worker when others changed what the screen shows, one read at a time.

A screen in sight (on top, or under dialogs only) reads now; a screen under another
screen reads when it comes back, so a stack of screens costs one read, not one each.
News that comes while a read is going on gets one more read after it. A read that
started before the screen showed something of its own (the reader's own change) is
not shown: it could take that change off the screen for a moment; it reads again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.console import RenderableType
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable


def in_sight(screen: Screen[Any]) -> bool:
    """On top, or under dialogs only (which leave it in view)."""
    stack = screen.app.screen_stack
    if screen not in stack:
        return False
    above = stack[stack.index(screen) + 1 :]
    return all(isinstance(other, ModalScreen) for other in above)


class LiveLook:
    """When ``screen`` reads again; ``read(shown)`` starts the read (a thread worker)
    and its result comes back through :meth:`arrived` with the same ``shown``."""

    def __init__(self, screen: Screen[Any], read: Callable[[int], object]) -> None:
        self._screen = screen
        self._read = read
        self._looking = False
        self._pending = False
        self.stale = False  # news came while out of sight
        self.shown = 0  # bumped by every showing of the screen's own reads

    @property
    def looking(self) -> bool:
        return self._looking

    def news(self) -> None:
        """Others changed what the screen shows."""
        if in_sight(self._screen):
            self._start()
        else:
            self.stale = True

    def resumed(self) -> None:
        """The screen is on top again (``on_screen_resume``)."""
        if self.stale:
            self.stale = False
            self._start()

    def showed_own(self) -> None:
        """The screen showed a read of its own (after the reader's change or move)."""
        self.shown += 1

    def arrived(self, shown: int) -> bool:
        """A read is back: whether to show it (else a newer read has started)."""
        self._looking = False
        if self._pending or shown != self.shown:
            self._pending = False
            self._start()
            return False
        return True

    def _start(self) -> None:
        if self._looking:
            self._pending = True
            return
        self._looking = True
        self._read(self.shown)


def refill_table(
    table: DataTable[Any], rows: Sequence[tuple[str, Sequence[RenderableType | str]]]
) -> None:
    """Show ``rows`` (key, cells) in ``table`` with the reader's place kept: the cursor
    stays on the same row (by its key, so rows added above do not move it to another
    one), the scroll and focus stay. Rows that moved or went are rewritten; when the same
    rows are listed in the same order only their cells are."""
    keys = [key for key, _ in rows]
    if table.row_count and keys == [key.value for key in table.rows]:
        columns = [column.key for column in table.ordered_columns]
        for key, cells in rows:
            for column, value in zip(columns, cells, strict=True):
                table.update_cell(key, column, value)
        return
    kept: str | None = None
    index = table.cursor_row
    if table.row_count and 0 <= index < table.row_count:
        kept = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    scrolled = table.scroll_y
    table.clear()
    for key, cells in rows:
        table.add_row(*cells, key=key)
    if not rows:
        return
    row = keys.index(kept) if kept in keys else min(max(index, 0), len(rows) - 1)
    table.move_cursor(row=row, scroll=False)
    # The new rows are measured on the next refresh; scrolling before would stop short.
    table.call_after_refresh(table.scroll_to, y=scrolled, animate=False)
