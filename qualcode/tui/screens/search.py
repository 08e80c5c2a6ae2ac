"""Search one transcript or the whole project, forgiving typos unless asked not to.

The box keeps the focus while the researcher types, even when results arrive: a
letter typed must never reach the results list, where it could act as a command.
Down or tab moves into the results; typing there goes back to the box.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widgets import Checkbox, Footer, Input, Label, OptionList
from textual.widgets.option_list import Option

from qualcode.domain.errors import QualcodeError
from qualcode.domain.records import SearchHit
from qualcode.tui.screens.base import QualcodeScreen
from qualcode.tui.widgets.title_bar import TitleBar

# No space is wanted between a hit and the punctuation that hugs it.
_HUGS_BEFORE = ",.;:!?)]}’”'…"
_HUGS_AFTER = "([{‘“"


class TruthfulCheckbox(Checkbox):
    """A checkbox whose box is empty when it is off (the theme's dim X looked ticked)."""

    @property
    def _button(self) -> Content:
        # Textual draws BUTTON_INNER whatever the value; set it for this drawing.
        self.BUTTON_INNER = "X" if self.value else " "
        return super()._button


class SearchBox(Input):
    """The query box: enter searches, down or tab goes to the results."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Search", id="search-box.submit"),
        Binding("down,tab", "screen.to_results", "Results", id="search-box.to_results"),
    ]


class HitList(OptionList):
    """The results. Letters typed here go to the search box, never to commands."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Show in transcript", id="hit-list.select"),
        Binding("shift+tab", "screen.to_query", "Search box", id="hit-list.to_query"),
    ]

    class TypedAway(Message):
        def __init__(self, key: events.Key) -> None:
            super().__init__()
            self.key = key

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable or event.key in ("backspace", "delete"):
            event.stop()
            event.prevent_default()
            self.post_message(self.TypedAway(event))

    def action_cursor_up(self) -> None:
        if self.highlighted in (None, 0):
            screen = self.screen
            if isinstance(screen, SearchScreen):
                screen.action_to_query()
        else:
            super().action_cursor_up()


def hit_line(hit: SearchHit) -> Text:
    """One result: source, the words around the hit, the hit itself lit, the closeness."""
    line = Text()
    line.append(f"{hit.source}  ", style="bold")
    line.append(f"…{hit.before[-50:]}")
    if hit.before and hit.before[-1] not in _HUGS_AFTER:
        line.append(" ")
    line.append(hit.match, style="reverse bold")
    if hit.after and hit.after[0] not in _HUGS_BEFORE:
        line.append(" ")
    line.append(f"{hit.after[:50]}…")
    if hit.score < 100:
        line.append(f"  ({hit.score:.0f}% alike)", style="dim")
    return line


class SearchScreen(QualcodeScreen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back", id="search.back"),
        Binding("ctrl+t", "toggle_fuzzy", "Forgive typos on/off", id="search.toggle_fuzzy"),
        Binding("ctrl+a", "toggle_scope", "This transcript / all", id="search.toggle_scope"),
        Binding("f1", "app.help", "Help", id="search.help"),
    ]

    class Found(Message):
        def __init__(self, query: str, hits: list[SearchHit], fuzzy: bool) -> None:
            super().__init__()
            self.query = query
            self.hits = hits
            self.fuzzy = fuzzy

    def __init__(self, source: str | None) -> None:
        super().__init__()
        self.source = source
        self.hits: list[SearchHit] = []

    def compose(self) -> ComposeResult:
        yield TitleBar("Search")
        yield SearchBox(placeholder="Search for words… (enter to search)", id="query")
        with Horizontal(id="search-options"):
            yield TruthfulCheckbox("Forgive typos", value=True, id="fuzzy")
            scope = TruthfulCheckbox(
                Text(f"Only in {self.source}") if self.source else "Only this transcript",
                value=self.source is not None,
                id="scope",
            )
            # Opened from the transcripts list there is no "this transcript" to limit to.
            scope.display = self.source is not None
            yield scope
        yield Label(
            "Type words and press enter. Typos are forgiven: ctrl+t searches exact words only.",
            id="search-status",
            classes="screen-hint",
            markup=False,
        )
        yield HitList(id="hits")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Search"
        self.query_box.focus()

    @property
    def query_box(self) -> SearchBox:
        return self.query_one("#query", SearchBox)

    @property
    def hit_list(self) -> HitList:
        return self.query_one("#hits", HitList)

    @on(Input.Submitted, "#query")
    @on(Checkbox.Changed)
    def run_search(self) -> None:
        query = self.query_box.value
        if len(query.strip()) < 2:
            self._say("Type at least two letters, then press enter.")
            return
        scope = self.source if self.query_one("#scope", Checkbox).value else None
        self._say("Searching…")
        self.search(query, scope, self.query_one("#fuzzy", Checkbox).value)

    @work(thread=True, exclusive=True, group="search")
    def search(self, query: str, source: str | None, fuzzy: bool) -> None:
        try:
            hits = self.backend.search(query, source=source, fuzzy=fuzzy)
        except QualcodeError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error")
            return
        self.post_message(self.Found(query, hits, fuzzy))

    @on(Found)
    def show(self, message: Found) -> None:
        self.hits = message.hits
        hits = self.hit_list
        hits.clear_options()
        hits.add_options([Option(hit_line(h), id=str(i)) for i, h in enumerate(message.hits)])
        if message.hits:
            hits.highlighted = 0
        how = "forgiving typos" if message.fuzzy else "exact words"
        count = len(message.hits)
        found = f"{count} hit{'' if count == 1 else 's'} for “{message.query}” ({how})."
        self._say(
            f"{found} Down or tab goes to them; enter on one shows it in its transcript."
            if count
            else f"{found} Try fewer words"
            + ("." if message.fuzzy else ", or ctrl+t to forgive typos.")
        )

    def _say(self, text: str) -> None:
        self.query_one("#search-status", Label).update(text)

    @on(HitList.TypedAway)
    async def typed_away(self, message: HitList.TypedAway) -> None:
        box = self.query_box
        box.focus()
        if message.key.key == "backspace":
            box.action_delete_left()
        elif message.key.key == "delete":
            box.action_delete_right()
        elif message.key.character:
            box.insert_text_at_cursor(message.key.character)

    @on(OptionList.OptionSelected, "#hits")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        hit = self.hits[int(event.option.id or 0)]
        self.app.open_source(hit.source, select=(hit.start, hit.end))

    def action_to_results(self) -> None:
        if self.hits:
            self.hit_list.focus()
        else:
            self.app.bell()

    def action_to_query(self) -> None:
        self.query_box.focus()

    def action_toggle_fuzzy(self) -> None:
        box = self.query_one("#fuzzy", Checkbox)
        box.value = not box.value

    def action_toggle_scope(self) -> None:
        box = self.query_one("#scope", Checkbox)
        if box.display:
            box.value = not box.value

    def action_back(self) -> None:
        self.app.pop_screen()
