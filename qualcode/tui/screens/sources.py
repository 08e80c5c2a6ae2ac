"""The sources screen: every transcript, who speaks in it, and how much is coded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Input, Label

from qualcode.domain.project_changes import ProjectChanges
from qualcode.domain.records import SourceOverview
from qualcode.tui.screens.base import QualcodeScreen
from qualcode.tui.widgets.title_bar import TitleBar
from qualcode.tui.widgets.workbench_footer import WorkbenchFooter

if TYPE_CHECKING:
    from qualcode.tui.backend import Backend


def progress_bar(share: float, cells: int = 10) -> str:
    """A bar with its number, so progress never depends on colour."""
    filled = round(share * cells)
    return f"{'█' * filled}{'░' * (cells - filled)} {share:4.0%}"


class SourcesScreen(QualcodeScreen[None]):
    BINDINGS = [
        Binding("enter", "open_source", "Open transcript", id="sources.open_source"),
        Binding("slash", "focus_filter", "Filter", id="sources.focus_filter"),
        Binding("e", "app.extracts", "Extracts", id="sources.extracts"),
        Binding("ctrl+f", "app.search_project", "Search all", id="sources.search_project"),
        Binding("i", "app.identifiers", "Identifiers", id="sources.identifiers"),
        # Not a: that accepts (suggestions, review) everywhere else.
        Binding("k", "app.agreement", "Agreement", id="sources.agreement"),
        Binding("v", "compare", "Compare coders", show=False, id="sources.compare"),
        Binding("question_mark,f1", "app.help", "Help", id="sources.help"),
        Binding("q", "app.quit", "Quit", id="sources.quit"),
    ]

    class Loaded(Message):
        def __init__(self, rows: list[SourceOverview]) -> None:
            super().__init__()
            self.rows = rows

    def __init__(self, *, covered: bool = False) -> None:
        """``covered``: a transcript is opened straight over this screen (``open
        --source``), so the list is loaded when it is first seen, not before: loading it
        then only competed with the transcript the person is waiting for."""
        super().__init__()
        self.rows: list[SourceOverview] = []
        self._covered = covered

    def compose(self) -> ComposeResult:
        yield TitleBar("Transcripts")
        yield Label("Transcripts. Type to filter; enter opens one.", classes="screen-hint")
        yield Input(placeholder="Filter by name, participant, group, area…", id="filter")
        yield DataTable(id="sources", cursor_type="row", zebra_stripes=True)
        # At 80 columns Textual's footer cut Help and Quit off its end.
        yield WorkbenchFooter(
            always=("app.help", "app.quit"),
            essentials=("open_source", "focus_filter", "app.extracts", "app.search_project"),
            short={"open_source": "Open"},
        )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        self._columns = table.add_columns(
            "Transcript",
            "Participants",
            "Stakeholder group",
            "Area",
            "Words",
            "Coded by me",
            "Coded by anyone",
        )
        table.focus()

    def on_screen_resume(self) -> None:
        # Also sent when the screen is first pushed, even when a transcript follows it.
        if self._covered:
            self._covered = False
            return
        self.refresh_rows()

    def refresh_rows(self) -> None:
        # The backend is taken here, on the main thread: a worker still running as the
        # screen closes (the app shutting down) cannot reach the app through it.
        self._load_rows(self.backend)

    @work(thread=True, exclusive=True, group="sources")
    def _load_rows(self, backend: Backend) -> None:
        self.post_message(self.Loaded(backend.sources()))

    def live_refresh(self, changes: ProjectChanges) -> None:
        """Someone coded or imported: show the new counts where the reader is."""
        # Only in sight: coming back to the list refreshes it anyway (on_screen_resume),
        # and on a big project the list is the dearest read there is.
        if (changes.codings or changes.sources) and self.is_current:
            self.refresh_rows()

    @on(Loaded)
    def show(self, message: Loaded) -> None:
        self.rows = message.rows
        query = self.query_one("#filter", Input).value
        if not self._update_in_place(query):
            self._fill(query, keep_place=True)

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.query_one(DataTable).focus()

    def _matching(self, query: str) -> list[SourceOverview]:
        words = query.casefold().split()
        return [
            row
            for row in self.rows
            if all(
                word
                in " ".join(
                    (row.name, *row.cases, *row.stakeholder_groups, *row.areas, *row.methods)
                ).casefold()
                for word in words
            )
        ]

    def _update_in_place(self, query: str) -> bool:
        """Rewrite the cells when the same transcripts are listed in the same order, so
        the cursor, the scroll and the focus stay exactly where the reader left them;
        False when the rows themselves changed."""
        table = self.query_one(DataTable)
        rows = self._matching(query)
        if not table.row_count or [r.name for r in rows] != [key.value for key in table.rows]:
            return False
        for row in rows:
            for column, value in zip(self._columns, _cells(row), strict=True):
                table.update_cell(row.name, column, value)
        return True

    def _fill(self, query: str, *, keep_place: bool = False) -> None:
        table = self.query_one(DataTable)
        key = None
        if keep_place and table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        scrolled = table.scroll_y
        table.clear()
        for row in self._matching(query):
            table.add_row(*_cells(row), key=row.name)
        if key is not None and key in table.rows:
            table.move_cursor(row=table.get_row_index(key), scroll=False)
            table.scroll_to(y=scrolled, animate=False)

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    @on(DataTable.RowSelected)
    def row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.app.open_source(event.row_key.value)

    def action_open_source(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            if key:
                self.app.open_source(key)

    def action_compare(self) -> None:
        table = self.query_one(DataTable)
        key = None
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        self.app.action_compare(key)


def _cells(row: SourceOverview) -> tuple[str, ...]:
    return (
        row.name,
        ", ".join(row.cases),
        ", ".join(row.stakeholder_groups),
        ", ".join(row.areas),
        f"{row.words:,}",
        progress_bar(row.coded_by_me),
        progress_bar(row.coded_by_anyone),
    )
