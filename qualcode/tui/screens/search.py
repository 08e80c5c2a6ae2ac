"""Search one transcript or the whole project, exactly or forgiving typos."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Checkbox, Footer, Input, Label, OptionList
from textual.widgets.option_list import Option

from qualcode.domain.errors import QualcodeError
from qualcode.domain.records import SearchHit
from qualcode.tui.widgets.title_bar import TitleBar


class SearchScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+t", "toggle_fuzzy", "Exact / fuzzy"),
        Binding("ctrl+a", "toggle_scope", "This transcript / all"),
        Binding("f1", "app.help", "Help"),
    ]

    class Found(Message):
        def __init__(self, query: str, hits: list[SearchHit]) -> None:
            super().__init__()
            self.query = query
            self.hits = hits

    def __init__(self, source: str | None) -> None:
        super().__init__()
        self.source = source
        self.hits: list[SearchHit] = []

    def compose(self) -> ComposeResult:
        yield TitleBar("Search")
        yield Input(placeholder="Search for words… (enter to search)", id="query")
        with Horizontal(id="search-options"):
            yield Checkbox("Forgive typos (fuzzy)", id="fuzzy")
            yield Checkbox(
                Text(f"Only in {self.source}") if self.source else "Only this transcript",
                value=self.source is not None,
                id="scope",
                disabled=self.source is None,
            )
        yield Label("", id="search-status", classes="screen-hint", markup=False)
        yield OptionList(id="hits")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Search"
        self.query_one("#query", Input).focus()

    @on(Input.Submitted, "#query")
    @on(Checkbox.Changed)
    def run_search(self) -> None:
        query = self.query_one("#query", Input).value
        if len(query.strip()) < 2:
            return
        scope = self.source if self.query_one("#scope", Checkbox).value else None
        self.query_one("#search-status", Label).update("Searching…")
        self.search(query, scope, self.query_one("#fuzzy", Checkbox).value)

    @work(thread=True, exclusive=True, group="search")
    def search(self, query: str, source: str | None, fuzzy: bool) -> None:
        try:
            hits = self.app.backend.search(query, source=source, fuzzy=fuzzy)  # type: ignore[attr-defined]
        except QualcodeError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error")
            return
        self.post_message(self.Found(query, hits))

    @on(Found)
    def show(self, message: Found) -> None:
        self.hits = message.hits
        options = []
        for index, hit in enumerate(message.hits):
            line = Text()
            line.append(f"{hit.source}  ", style="bold")
            line.append(f"…{hit.before[-50:]} ")
            line.append(hit.match, style="reverse bold")
            line.append(f" {hit.after[:50]}…")
            if hit.score < 100:
                line.append(f"  ({hit.score:.0f}%)", style="dim")
            options.append(Option(line, id=str(index)))
        hits = self.query_one("#hits", OptionList)
        hits.clear_options()
        hits.add_options(options)
        self.query_one("#search-status", Label).update(
            f"{len(message.hits)} hit(s) for “{message.query}”. Enter on a hit shows it."
        )
        if options:
            hits.highlighted = 0
            hits.focus()

    @on(OptionList.OptionSelected, "#hits")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        hit = self.hits[int(event.option.id or 0)]
        self.app.open_source(hit.source, select=(hit.start, hit.end))  # type: ignore[attr-defined]

    def action_toggle_fuzzy(self) -> None:
        box = self.query_one("#fuzzy", Checkbox)
        box.value = not box.value

    def action_toggle_scope(self) -> None:
        box = self.query_one("#scope", Checkbox)
        if not box.disabled:
            box.value = not box.value

    def action_back(self) -> None:
        self.app.pop_screen()
