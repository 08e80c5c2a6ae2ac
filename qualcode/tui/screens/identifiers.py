"""The identifier register: names and places replaced by a description in every export.

Two tables share the screen: the register, and (after ``s``) the suggestions found in
the transcripts, where enter registers the highlighted one after the researcher has
checked (or changed) its replacement. A status line says whether the register was
reviewed since the last import (exports refuse it otherwise); ``ctrl+r`` marks it reviewed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Footer, Label

from qualcode.domain.errors import QualcodeError
from qualcode.domain.project_changes import ProjectChanges
from qualcode.domain.redaction import (
    IDENTIFIER_KINDS,
    IdentifierEntry,
    IdentifierSuggestion,
    default_replacement,
)
from qualcode.domain.register_status import RegisterStatus
from qualcode.tui.messages import Failed
from qualcode.tui.screens.base import QualcodeScreen
from qualcode.tui.screens.dialogs import Choose, Confirm, TextPrompt, if_answered
from qualcode.tui.screens.live_look import LiveLook, refill_table
from qualcode.tui.widgets.cells import literal
from qualcode.tui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    pass

REGISTER_HINT = (
    "Identifiers replaced in every export. n new · delete remove · s suggestions · "
    "ctrl+r mark the register reviewed · esc back"
)
REVIEW_QUESTION = (
    "Mark the register reviewed? Say yes when every transcript has been checked for "
    "names and places and everything that identifies someone is registered."
)
SUGGESTIONS_HINT = (
    "Suggestions from the transcripts. enter registers one (you can change its "
    "replacement) · esc back to the register"
)


class IdentifiersScreen(QualcodeScreen[None]):
    BINDINGS = [
        # n and ctrl+r: a and r accept and reject wherever there is something to answer
        Binding("n", "add", "New", id="identifiers.add"),
        Binding("delete", "remove", "Remove", id="identifiers.remove"),
        Binding("s", "suggest", "Suggestions", id="identifiers.suggest"),
        Binding(
            "ctrl+r", "mark_reviewed", "Mark the register reviewed", id="identifiers.mark_reviewed"
        ),
        Binding("escape", "back", "Back", id="identifiers.back"),
        Binding("question_mark,f1", "app.help", "Help", id="identifiers.help"),
    ]

    class Loaded(Message):
        def __init__(self, entries: list[IdentifierEntry]) -> None:
            super().__init__()
            self.entries = entries

    class StatusLoaded(Message):
        def __init__(self, status: RegisterStatus, note: str = "") -> None:
            super().__init__()
            self.status = status
            self.note = note

    class SuggestionsLoaded(Message):
        def __init__(self, suggestions: list[IdentifierSuggestion]) -> None:
            super().__init__()
            self.suggestions = suggestions

    class Changed(Message):
        def __init__(self, note: str) -> None:
            super().__init__()
            self.note = note

    class LiveLoaded(Message):
        """The register as others left it (None: the read failed)."""

        def __init__(
            self,
            entries: list[IdentifierEntry] | None,
            status: RegisterStatus | None,
            shown: int,
        ) -> None:
            super().__init__()
            self.entries = entries
            self.status = status
            self.shown = shown

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[IdentifierEntry] = []
        self.suggestions: list[IdentifierSuggestion] = []
        self.showing_suggestions = False
        self.status: RegisterStatus | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar("Identifier register")
        yield Label(REGISTER_HINT, id="identifiers-hint", classes="screen-hint")
        yield Label("", id="identifiers-status", classes="screen-hint")
        yield DataTable(id="identifiers", cursor_type="row", zebra_stripes=True)
        yield DataTable(id="identifier-suggestions", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        register = self.query_one("#identifiers", DataTable)
        register.add_columns("Original", "Replacement", "Kind")
        found = self.query_one("#identifier-suggestions", DataTable)
        found.add_columns("Text", "Count", "Kind", "Replacement", "Variants", "Why")
        found.display = False
        register.focus()
        self._live = LiveLook(self, self.live_read)
        self.fetch_register()

    @property
    def register_table(self) -> DataTable[Text]:
        return self.query_one("#identifiers", DataTable)

    @property
    def suggestions_table(self) -> DataTable[Text]:
        return self.query_one("#identifier-suggestions", DataTable)

    # --- workers: fetch and change, never touching widgets ------------------------------

    @work(thread=True, exclusive=True, group="identifiers")
    def fetch_register(self) -> None:
        backend = self.backend
        try:
            self.post_message(self.Loaded(backend.identifiers()))
            self.post_message(self.StatusLoaded(backend.identifier_status()))
        except QualcodeError as error:
            self.post_message(Failed(str(error)))

    @work(thread=True, group="identifier-changes")
    def save_reviewed(self) -> None:
        try:
            status = self.backend.mark_identifiers_reviewed()
        except QualcodeError as error:
            self.post_message(Failed(str(error)))
            return
        self.post_message(self.StatusLoaded(status, note=status.reason))

    @work(thread=True, exclusive=True, group="identifier-suggestions")
    def fetch_suggestions(self) -> None:
        try:
            found = self.backend.identifier_suggestions()
        except QualcodeError as error:
            self.post_message(Failed(str(error)))
            return
        self.post_message(self.SuggestionsLoaded(found))

    @work(thread=True, group="identifier-changes")
    def save_entry(self, original: str, replacement: str, kind: str) -> None:
        try:
            entry = self.backend.add_identifier(original, replacement, kind)
        except QualcodeError as error:
            self.post_message(Failed(str(error)))
            return
        self.post_message(
            self.Changed(f"'{entry.original}' will be replaced by {entry.replacement}")
        )

    @work(thread=True, group="identifier-changes")
    def delete_entry(self, reference: str) -> None:
        try:
            entry = self.backend.remove_identifier(reference)
        except QualcodeError as error:
            self.post_message(Failed(str(error)))
            return
        self.post_message(self.Changed(f"'{entry.original}' is no longer replaced"))

    # --- others' changes, live (app.changes_seen) ---------------------------------------

    def live_refresh(self, changes: ProjectChanges) -> None:
        """The owner changed the register, or new transcripts make it need a review
        again: show it where the reader is (cursor on the same entry, scroll, focus,
        any dialog open over it). The suggestions are not looked for again: that reads
        every transcript; s does it when the reader asks."""
        if changes.identifiers or changes.sources:
            self._live.news()

    def on_screen_resume(self) -> None:
        self._live.resumed()

    @work(thread=True, group="identifiers-live", exit_on_error=False)
    def live_read(self, shown: int) -> None:
        entries: list[IdentifierEntry] | None = None
        status: RegisterStatus | None = None
        try:
            entries = self.backend.identifiers()
            status = self.backend.identifier_status()
        finally:
            # Also after an error (the next change reads again): the read is over.
            self.post_message(self.LiveLoaded(entries, status, shown))

    @on(LiveLoaded)
    def live_loaded(self, message: LiveLoaded) -> None:
        if not self._live.arrived(message.shown):
            return
        if message.entries is not None:
            self._show_register(message.entries)
        if message.status is not None:
            self.status_loaded(self.StatusLoaded(message.status))

    # --- handlers: update the screen ----------------------------------------------------

    @on(Loaded)
    def register_loaded(self, message: Loaded) -> None:
        self._live.showed_own()
        self._show_register(message.entries)

    def _show_register(self, entries: list[IdentifierEntry]) -> None:
        self.entries = entries
        refill_table(
            self.register_table,
            [(e.uuid, literal(e.original, e.replacement, e.kind)) for e in entries],
        )

    @on(StatusLoaded)
    def status_loaded(self, message: StatusLoaded) -> None:
        self.status = message.status
        label = self.query_one("#identifiers-status", Label)
        label.update(literal(message.status.reason)[0])
        label.set_class(message.status.needs_review, "needs-review")
        if message.note:
            self.notify(message.note, timeout=5)

    @on(SuggestionsLoaded)
    def suggestions_loaded(self, message: SuggestionsLoaded) -> None:
        self.suggestions = message.suggestions
        table = self.suggestions_table
        table.clear()
        for index, item in enumerate(self.suggestions):
            table.add_row(
                *literal(
                    item.text,
                    str(item.count),
                    item.kind,
                    item.replacement,
                    ", ".join(item.variants),
                    item.reason,
                ),
                key=str(index),
            )
        if not self.suggestions:
            self.notify("No new identifiers found in the transcripts.", timeout=4)

    @on(Changed)
    def entry_changed(self, message: Changed) -> None:
        self.notify(message.note, timeout=3)
        self.fetch_register()
        if self.showing_suggestions:
            self.fetch_suggestions()

    @on(Failed)
    def change_failed(self, message: Failed) -> None:
        self.notify(message.text, severity="error", timeout=6)

    # --- actions -----------------------------------------------------------------------

    def action_add(self) -> None:
        def kind_chosen(original: str, kind: str | None) -> None:
            if not kind:
                return
            self.app.push_screen(
                TextPrompt(f"Replace '{original}' with:", default_replacement(kind)),
                if_answered(lambda replacement: self.save_entry(original, replacement, kind)),
            )

        def original_given(original: str | None) -> None:
            if not original:
                return
            self.app.push_screen(
                Choose(f"What does '{original}' name?", [(k, k) for k in IDENTIFIER_KINDS]),
                lambda kind: kind_chosen(original, kind),
            )

        self.app.push_screen(
            TextPrompt(
                "A name, place or organisation to replace in exports:",
                placeholder="e.g. Dawn Hendry, Thornleigh estate",
            ),
            original_given,
        )

    def action_remove(self) -> None:
        if self.showing_suggestions or not self.entries:
            return
        table = self.register_table
        uuid = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        entry = next((e for e in self.entries if e.uuid == uuid), None)
        if entry is None:
            return
        self.app.push_screen(
            Confirm(f"Stop replacing '{entry.original}' with {entry.replacement}?"),
            if_answered(lambda _: self.delete_entry(entry.uuid)),
        )

    def action_mark_reviewed(self) -> None:
        self.app.push_screen(Confirm(REVIEW_QUESTION), if_answered(lambda _: self.save_reviewed()))

    def action_suggest(self) -> None:
        self.showing_suggestions = True
        self.register_table.display = False
        self.suggestions_table.display = True
        self.suggestions_table.focus()
        self.query_one("#identifiers-hint", Label).update(SUGGESTIONS_HINT)
        self.notify("Looking for names and places in the transcripts…", timeout=2)
        self.fetch_suggestions()

    def action_back(self) -> None:
        if not self.showing_suggestions:
            self.app.pop_screen()
            return
        self.showing_suggestions = False
        self.suggestions_table.display = False
        self.register_table.display = True
        self.register_table.focus()
        self.query_one("#identifiers-hint", Label).update(REGISTER_HINT)

    @on(DataTable.RowSelected, "#identifier-suggestions")
    def suggestion_chosen(self, event: DataTable.RowSelected) -> None:
        index = int(event.row_key.value or 0)
        if index >= len(self.suggestions):
            return
        item = self.suggestions[index]
        self.app.push_screen(
            TextPrompt(f"Replace '{item.text}' ({item.kind}) with:", item.replacement),
            if_answered(lambda replacement: self.save_entry(item.text, replacement, item.kind)),
        )
