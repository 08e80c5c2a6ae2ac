"""Coded extracts: every passage coded with a code, across the project."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from qualcode.domain.errors import QualcodeError
from qualcode.domain.records import ExtractRecord
from qualcode.tui.widgets.cells import literal
from qualcode.tui.widgets.title_bar import TitleBar

ATTRIBUTE_COLUMNS = ("stakeholder_group", "area")


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


class ExtractsScreen(Screen[None]):
    """A table of extracts; enter jumps into the transcript at that passage."""

    BINDINGS = [
        Binding("enter", "jump", "Show in transcript"),
        Binding("escape", "back", "Back"),
        Binding("e", "app.extracts", "Another code"),
        Binding("question_mark,f1", "app.help", "Help"),
    ]

    class Loaded(Message):
        def __init__(self, extracts: list[ExtractRecord]) -> None:
            super().__init__()
            self.extracts = extracts

    def __init__(self, code_uuid: str, code_path: str) -> None:
        super().__init__()
        self.code_uuid = code_uuid
        self.code_path = code_path
        self.extracts: list[ExtractRecord] = []

    def compose(self) -> ComposeResult:
        yield TitleBar("Extracts")
        yield Label(
            f"Extracts coded '{self.code_path}' (and its sub-codes)",
            id="extracts-title",
            classes="screen-hint",
            markup=False,
        )
        yield DataTable(id="extracts", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Extracts"
        table = self.query_one(DataTable)
        table.add_columns(
            "Source", "Time", "Speaker", "Participant", "Group", "Area", "Code", "Coder", "Extract"
        )
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, group="extracts")
    def load(self) -> None:
        try:
            extracts = self.app.backend.extracts(self.code_uuid)  # type: ignore[attr-defined]
        except QualcodeError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error")
            return
        self.post_message(self.Loaded(extracts))

    @on(Loaded)
    def show(self, message: Loaded) -> None:
        self.extracts = message.extracts
        table = self.query_one(DataTable)
        table.clear()
        for index, extract in enumerate(message.extracts):
            coding = extract.coding
            text = " ".join(coding.text.split())
            table.add_row(
                *literal(
                    coding.source,
                    _clock(extract.start_time),
                    extract.speaker or "",
                    extract.case or "",
                    *(str(extract.attributes.get(a, "")) for a in ATTRIBUTE_COLUMNS),
                    coding.code_path.rsplit(" > ", 1)[-1],
                    coding.coder,
                    text if len(text) <= 90 else text[:89] + "…",
                ),
                key=str(index),
            )
        count = len(message.extracts)
        sources = len({e.coding.source for e in message.extracts})
        self.query_one("#extracts-title", Label).update(
            f"{count} extract(s) from {sources} source(s) coded '{self.code_path}' "
            "(and its sub-codes). Enter shows one in its transcript."
        )

    @on(DataTable.RowSelected)
    def selected(self, event: DataTable.RowSelected) -> None:
        self._jump(int(event.row_key.value or 0))

    def action_jump(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            self._jump(table.cursor_row)

    def _jump(self, index: int) -> None:
        if index < len(self.extracts):
            coding = self.extracts[index].coding
            self.app.open_source(coding.source, select=(coding.start, coding.end))  # type: ignore[attr-defined]

    def action_back(self) -> None:
        self.app.pop_screen()
