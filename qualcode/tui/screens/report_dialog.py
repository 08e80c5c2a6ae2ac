"""What an import or a merge did, to read at leisure: every line of its summary.

A notification is gone in seconds and holds a line or two; a researcher needs to see
which sources were skipped and why before trusting an import, so the whole summary
stays on screen until closed.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class ReportDialog(ModalScreen[None]):
    """A title and lines of plain text (never markup: names come from files)."""

    BINDINGS = [Binding("escape,enter,q", "close", "Close", id="report-dialog.close")]

    def __init__(self, title: str, lines: Sequence[str]) -> None:
        super().__init__()
        self.title_text = title
        self.lines = list(lines)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog report-dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll():
                yield Static("\n".join(self.lines), id="report-lines", markup=False)
            yield Label("esc or enter to close", classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
