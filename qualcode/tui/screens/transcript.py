"""The coding workbench: read a transcript, select, code, memo, undo.

Database work runs in thread workers that post messages; handlers on the UI thread
update the widgets (ARCHITECTURE.md: workers fetch, handlers mutate).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult, SystemCommand
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from qualcode.domain.codebook import is_within
from qualcode.domain.errors import QualcodeError, StaleEditError
from qualcode.domain.project_changes import ProjectChanges
from qualcode.domain.records import CodeRecord, CodeStats, CodingRecord
from qualcode.domain.review import CodingAnchor, Thread
from qualcode.tui.backend import Backend, Document
from qualcode.tui.colours import code_colour
from qualcode.tui.messages import Failed
from qualcode.tui.screens.code_picker import CodePicker, CodePickerResult
from qualcode.tui.screens.dialogs import (
    Choose,
    Confirm,
    MemoEditor,
    TextPrompt,
    if_answered,
    stale_note,
)
from qualcode.tui.screens.review_dialogs import ThreadAnswer, ThreadDialog
from qualcode.tui.screens.transcript_host import TranscriptHost
from qualcode.tui.screens.transcript_suggestions import (
    SuggestionAnswered,
    Suggestions,
    SuggestionsLoaded,
)
from qualcode.tui.widgets.codebook_tree import CodebookTree
from qualcode.tui.widgets.codes_here import CodesHere
from qualcode.tui.widgets.suggestions_panel import SuggestionsPanel
from qualcode.tui.widgets.title_bar import TitleBar
from qualcode.tui.widgets.transcript_view import HighlightSpan, TranscriptView, TurnSpan
from qualcode.tui.widgets.workbench_footer import NARROW, WorkbenchFooter

HINT = (
    "You are coding as {coder}. How to code: select a passage with shift+arrows or the "
    "mouse (w, s, t select the word, sentence or turn the cursor is in; again to add the "
    "next), press c and type a code's name, enter to apply. m writes a memo, u undoes. "
    "Everything saves as you go. ? shows every key. (h hides this.)"
)

# The coding screen's footer below 100 columns: these always, plus the focused panel's
# own keys or, while reading the text, the keys for coding it.
ALWAYS_SHOWN = ("toggle_codebook", "app.help", "app.quit")
TEXT_ESSENTIALS = ("code", "undo", "memo", "find", "extracts")
PANEL_ESSENTIALS = ("screen.add_code", "screen.rename_code", "accept", "reject", "why")
SHORT_LABELS = {"code": "Code"}
IN_PANEL_LABELS = {"toggle_codebook": "Back to text"}


@dataclass(frozen=True, slots=True)
class _Codebook:
    codes: list[CodeRecord]
    stats: list[CodeStats]


class _CommittingPicker(CodePicker):
    """The code picker that saves the chosen codes before it closes.

    Saving while the picker is still on screen keeps the database write from competing
    with the repaint that closing it causes, so the new highlight appears in the very
    frame that closes the picker (issue 3's 100 ms from enter to highlighted).
    """

    def __init__(
        self,
        screen: TranscriptScreen,
        start: int,
        end: int,
        codes: Sequence[CodeRecord],
        selected_text: str,
        already: set[str],
    ) -> None:
        super().__init__(codes, selected_text, already)
        self.transcript = screen
        self.span = (start, end)
        self.saving = False

    def dismiss(self, result: CodePickerResult | None = None) -> AwaitComplete:
        if self.saving:
            # A second enter (or esc) typed while saving: the save closes the picker,
            # and closing it twice would close the transcript too.
            return AwaitComplete()
        if result is None:
            return super().dismiss(result)
        self.saving = True
        self.save(result)
        return AwaitComplete()

    @work(thread=True, exclusive=True, group="save-codes")
    def save(self, result: CodePickerResult) -> None:
        message = self.transcript.save_codes(result, *self.span)
        self.app.call_from_thread(self._saved, message)

    def _saved(self, message: Message) -> None:
        super().dismiss(None)
        if isinstance(message, TranscriptScreen.CodingsAdded):
            self.transcript.codings_added(message)  # now, so one repaint shows both
        else:
            self.transcript.post_message(message)


class TranscriptScreen(TranscriptHost):
    BINDINGS = [
        Binding("c", "code", "Code selection", id="transcript.code"),
        Binding("g", "suggest", "Suggest", id="transcript.suggest"),
        Binding("x", "uncode", "Remove code", id="transcript.uncode"),
        Binding("m", "memo", "Memo", id="transcript.memo"),
        Binding("u", "undo", "Undo", id="transcript.undo"),
        Binding("ctrl+z", "undo", "Undo", show=False, id="transcript.undo-alt"),
        Binding("ctrl+y,U", "redo", "Redo", show=False, id="transcript.redo"),
        Binding("slash", "find", "Find", id="transcript.find"),
        Binding(
            "ctrl+f", "app.search_project", "Search all", show=False, id="transcript.search_project"
        ),
        Binding("e", "extracts", "Extracts", id="transcript.extracts"),
        Binding("b", "toggle_codebook", "Codebook", id="transcript.toggle_codebook"),
        Binding("v", "compare", "Compare coders", show=False, id="transcript.compare"),
        Binding("d", "discuss", "Discuss a coding", show=False, id="transcript.discuss"),
        Binding("o", "sources", "Transcripts", show=False, id="transcript.sources"),
        Binding("h", "hide_hint", "Hide hint", show=False, id="transcript.hide_hint"),
        Binding(
            "escape",
            "close_codebook",
            "Back to the text",
            show=False,
            id="transcript.close_codebook",
        ),
        # ? means help on every panel, so it comes before the panels' own keys.
        Binding("question_mark,f1", "app.help", "Help", priority=True, id="transcript.help"),
        Binding("q", "app.quit", "Quit", id="transcript.quit"),
    ]
    # Below 100 columns the side panel folds away behind b, so the text keeps the width.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW, "-wide")]

    class Loaded(Message):
        def __init__(self, document: Document, codebook: _Codebook) -> None:
            super().__init__()
            self.document = document
            self.codebook = codebook

    class CodingsChanged(Message):
        """The source's codings after a change, and what to tell the researcher."""

        def __init__(
            self,
            codings: list[CodingRecord],
            codebook: _Codebook | None,
            note: str,
        ) -> None:
            super().__init__()
            self.codings = codings
            self.codebook = codebook
            self.note = note

    class CodingsAdded(Message):
        """New codings to show at once; counts follow in a separate, slower refresh."""

        def __init__(self, added: list[CodingRecord], note: str) -> None:
            super().__init__()
            self.added = added
            self.note = note

    class CountsLoaded(Message):
        def __init__(self, codebook: _Codebook) -> None:
            super().__init__()
            self.codebook = codebook

    class Stale(Message):
        """An edit refused because someone else changed the thing meanwhile: ``reopen``
        brings the dialog back with the person's text and theirs."""

        def __init__(self, error: StaleEditError, reopen: Callable[[StaleEditError], Any]) -> None:
            super().__init__()
            self.error = error
            self.reopen = reopen

    class LiveLoaded(Message):
        """The source's codings and the codebook after someone else's change."""

        def __init__(
            self, codings: list[CodingRecord] | None, codebook: _Codebook | None, shown: int
        ) -> None:
            super().__init__()
            self.codings = codings
            self.codebook = codebook
            self.shown = shown

    def __init__(
        self, source: str, *, select: tuple[int, int] | None = None, show_hint: bool = False
    ) -> None:
        super().__init__()
        self.source = source
        self.initial_selection = select
        self.show_hint = show_hint
        self.codes: list[CodeRecord] = []
        self.colours: dict[str, str] = {}
        self.codings: dict[str, CodingRecord] = {}
        self._shown_here: list[CodingRecord] | None = None
        # Counts what this screen has put on show (a load, our own changes): a live look
        # that read the project before one of them must not paint over it.
        self._shown = 0
        self._looking = self._look_pending = self._stale = False
        self.suggestions = Suggestions(self)

    # --- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TitleBar(self.source)
        if self.show_hint:
            yield Static(HINT.format(coder=self._coder()), id="how-to-hint", markup=False)
        with Horizontal(id="workbench"):
            yield TranscriptView(id="transcript")
            with Vertical(id="side"):
                yield Label("Codes here", classes="side-title")
                yield CodesHere(id="codes-here")
                with Vertical(id="suggestions-box"):
                    yield Label("Suggestions", id="suggestions-title", classes="side-title")
                    yield SuggestionsPanel(id="suggestions")
                yield Label("Codebook", classes="side-title")
                yield CodebookTree(id="codebook")
                yield Static("", id="definition")
        yield WorkbenchFooter(
            always=ALWAYS_SHOWN,
            essentials=TEXT_ESSENTIALS,
            panel_essentials=PANEL_ESSENTIALS,
            short=SHORT_LABELS,
            in_panel=IN_PANEL_LABELS,
        )

    def _coder(self) -> str:
        backend = self.app.backend
        return backend.shown_coder if backend is not None else "you"

    def on_mount(self) -> None:
        self.title = self.source
        self.query_one(TranscriptView).focus()
        self.load()

    @property
    def view(self) -> TranscriptView:
        return self.query_one(TranscriptView)

    # --- loading -----------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        try:
            document = self.backend.document(self.source)
            codebook = _Codebook(self.backend.codes(), self.backend.stats())
        except QualcodeError as error:
            self.post_message(Failed(str(error)))
            return
        self.post_message(self.Loaded(document, codebook))

    @on(Loaded)
    def loaded(self, message: Loaded) -> None:
        self._shown += 1
        self._set_codebook(message.codebook)
        document = message.document
        self.codings = {c.uuid: c for c in document.codings}
        turns = [TurnSpan(t.start, t.end, t.speaker, t.start_time) for t in document.turns]
        self.view.load(document.text, turns, [self._highlight(c) for c in document.codings])
        if self.initial_selection:
            start, end = self.initial_selection
            self.view.move_cursor_to(start)
            self.view.select(start, end)
        self._show_codes_here()

    def _set_codebook(self, codebook: _Codebook, *, keep_scroll: bool = False) -> None:
        self.codes = codebook.codes
        self.colours = {c.uuid: code_colour(c.colour, c.uuid) for c in self.codes}
        tree = self.query_one(CodebookTree)
        current = tree.current
        scrolled = tree.scroll_y
        tree.fill(self.codes, codebook.stats, self.colours, keep=current.uuid if current else None)
        if keep_scroll:
            # A rebuilt tree scrolls to its cursor; put the reader's view back after it.
            tree.call_after_refresh(tree.scroll_to, y=scrolled, animate=False)

    # --- others' work, live (app.changes_seen) -------------------------------------------

    def live_refresh(self, changes: ProjectChanges) -> None:
        """Show others' codings and codebook changes where the reader is: the cursor,
        selection and scroll stay, and a dialog on top keeps the focus."""
        if not (self._shown and (changes.codings or changes.codebook)):
            return
        if self._in_sight():
            self._look_again()
        else:
            self._stale = True  # under another screen: looked at when it comes back

    def _in_sight(self) -> bool:
        """On top, or under dialogs only (which leave it in view)."""
        stack = self.app.screen_stack
        if self not in stack:
            return False
        above = stack[stack.index(self) + 1 :]
        return all(isinstance(screen, ModalScreen) for screen in above)

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self._look_again()

    def _look_again(self) -> None:
        if self._looking:
            self._look_pending = True  # one more look when this one is done
            return
        self._looking = True
        # What was on show before reading: see live_loaded.
        self.live_reload(self._shown)

    @work(thread=True, group="live", exit_on_error=False)
    def live_reload(self, shown: int) -> None:
        codings: list[CodingRecord] | None = None
        codebook: _Codebook | None = None
        try:
            codings = self.backend.codings(self.source)
            codebook = _Codebook(self.backend.codes(), self.backend.stats())
        finally:
            # Also after an error (the next change looks again): the look is over.
            self.post_message(self.LiveLoaded(codings, codebook, shown))

    @on(LiveLoaded)
    def live_loaded(self, message: LiveLoaded) -> None:
        self._looking = False
        if self._look_pending or message.shown != self._shown:
            # Another change came in meanwhile, or our own change was shown after this
            # look read the project (showing the look would take it off the screen for
            # a moment): read again.
            self._look_pending = False
            self._look_again()
            return
        if message.codings is None or message.codebook is None:
            return
        self._set_codebook(message.codebook, keep_scroll=True)
        self.codings = {c.uuid: c for c in message.codings}
        self.view.set_highlights(self.suggestions.highlights(message.codings))
        self._show_codes_here()

    def _highlight(self, coding: CodingRecord) -> HighlightSpan:
        return HighlightSpan(
            coding.start,
            coding.end,
            coding.uuid,
            self.colours.get(coding.code_uuid, "#888888"),
            _name(coding.code_path),
        )

    # --- what is under the cursor ------------------------------------------------------

    @on(TranscriptView.CursorMoved)
    @on(TranscriptView.SelectionChanged)
    def _cursor_moved(self) -> None:
        self._show_codes_here()

    def _codings_here(self) -> list[CodingRecord]:
        # With a passage selected, "here" is where it starts: the cursor sits just past
        # its end, outside the very codes the researcher jumped to or is looking at.
        selection = self.view.selection
        offset = selection[0] if selection else self.view.cursor
        keys = [h.key for h in self.view.codes_at(offset)]
        return [self.codings[key] for key in keys if key in self.codings]

    def _show_codes_here(self, *, force: bool = False) -> None:
        # Re-rendering the panel re-lays out the whole screen (~100 ms on a large
        # transcript), so it happens only when what is under the cursor changes.
        here = self._codings_here()
        if force or here != self._shown_here:
            self._shown_here = here
            self.query_one(CodesHere).show(here, self.colours)

    @on(CodebookTree.NodeHighlighted)
    def _code_highlighted(self, event: CodebookTree.NodeHighlighted) -> None:
        code = event.node.data
        box = self.query_one("#definition", Static)
        if code is None:
            box.update("")
            return
        text = Text()
        text.append(code.path + "\n", style="bold")
        text.append(code.definition or "(no definition yet)")
        if code.include:
            text.append(f"\nInclude: {code.include}", style="dim")
        if code.exclude:
            text.append(f"\nExclude: {code.exclude}", style="dim")
        box.update(text)

    # --- coding ------------------------------------------------------------------------

    def action_code(self) -> None:
        selection = self.view.selection
        if selection is None:
            self.notify(
                "Select a passage first: shift+arrows, drag, or w / s / t.", severity="warning"
            )
            return
        start, end = selection
        already = {
            c.code_uuid
            for c in self.codings.values()
            if (c.start, c.end) == (start, end) and c.coder == self.backend.shown_coder
        }
        picker = _CommittingPicker(self, start, end, self.codes, self.view.text[start:end], already)
        self.app.push_screen(picker)

    def save_codes(self, result: CodePickerResult, start: int, end: int) -> Message:
        """Create any new code and the codings (in the picker's worker thread)."""
        backend = self.backend
        try:
            uuids = list(result.apply)
            created = None
            if result.new_code_name:
                created = backend.add_code(result.new_code_name, result.new_code_parent)
                uuids.append(created.uuid)
            added = [backend.add_coding(self.source, uuid, start, end) for uuid in uuids]
        except QualcodeError as error:
            return Failed(str(error))
        names = ", ".join(_name(a.code_path) for a in added)
        note = f"Coded as {names}" + (
            f" (new code '{created.name}' under {created.path.rsplit(' > ', 1)[0]})"
            if created and " > " in created.path
            else f" (new code '{created.name}')"
            if created
            else ""
        )
        return self.CodingsAdded(added, note)

    @work(thread=True, exclusive=True, group="counts")
    def refresh_counts(self) -> None:
        self.post_message(self.CountsLoaded(_Codebook(self.backend.codes(), self.backend.stats())))

    @on(CodingsAdded)
    def codings_added(self, message: CodingsAdded) -> None:
        self._shown += 1
        for coding in message.added:
            self.codings[coding.uuid] = coding
            self.view.add_highlight(self._highlight(coding))
        # The side panel and the toast re-lay out the screen: let the frame that shows
        # the new highlight go first.
        self.call_after_refresh(self._show_codes_here, force=True)
        self.call_after_refresh(self.notify, message.note, timeout=3)
        # Counts can wait a moment; competing with the frame that shows the code cannot.
        self.set_timer(0.3, self.refresh_counts)
        self.suggestions.note_answer()

    @on(CountsLoaded)
    def counts_loaded(self, message: CountsLoaded) -> None:
        self._set_codebook(message.codebook)

    @on(CodingsChanged)
    def codings_changed(self, message: CodingsChanged) -> None:
        self._shown += 1
        if message.codebook is not None:
            self._set_codebook(message.codebook)
        self.codings = {c.uuid: c for c in message.codings}
        self.view.set_highlights(self.suggestions.highlights(message.codings))
        self._show_codes_here(force=True)
        if message.note:
            self.notify(message.note, timeout=3)
        self.suggestions.refresh()

    @on(Failed)
    def failed(self, message: Failed) -> None:
        self.notify(message.text, severity="error", timeout=6)

    @on(Stale)
    def stale(self, message: Stale) -> None:
        self.notify("Someone else changed it meanwhile; your text is kept.", severity="warning")
        message.reopen(message.error)

    def _choose_coding(self, title: str, then: Callable[[str], object]) -> None:
        here = self._codings_here()
        if not here:
            self.notify("No code under the cursor.", severity="warning")
            return
        if len(here) == 1:
            then(here[0].uuid)
            return
        choices = [(c.uuid, f"{_name(c.code_path)}  (by {c.coder})") for c in here]
        self.app.push_screen(Choose(title, choices), if_answered(then))

    def action_uncode(self) -> None:
        self._choose_coding("Remove which code?", self.remove_coding)

    def remove_coding(self, coding_uuid: str) -> None:
        self.change(
            lambda backend: backend.remove_coding(coding_uuid),
            lambda removed: f"Removed {_name(removed.code_path)} (u to undo)",
        )

    def action_memo(self) -> None:
        def edit(coding_uuid: str) -> None:
            coding = self.codings[coding_uuid]
            self.edit_memo(coding, coding.memo, coding.memo)

        self._choose_coding("Memo on which code?", edit)

    def edit_memo(self, coding: CodingRecord, text: str, read: str, note: str = "") -> None:
        """The memo editor on ``text``; saving says the memo read was ``read``, so that a
        memo someone else saved meanwhile is never overwritten unseen."""
        title = f"Memo on '{_name(coding.code_path)}': “{coding.text[:60]}”"

        def typed(memo: str | None) -> None:
            if memo is not None:  # an empty memo is an answer too: it clears the memo
                self.save_memo(coding, memo, read)

        self.app.push_screen(MemoEditor(title, text, note=note), typed)

    def save_memo(self, coding: CodingRecord, text: str, read: str | None = None) -> None:
        def reopen(error: StaleEditError) -> None:
            note = stale_note("this memo", error.theirs, "ctrl+s")
            self.edit_memo(coding, error.text, error.theirs, note)

        self.change(
            lambda backend: backend.set_coding_memo(coding.uuid, text, read),
            lambda _: "Memo saved",
            on_stale=reopen,
        )

    # --- peer review: a thread on a coding, the compare view ----------------------------

    def action_compare(self) -> None:
        self.app.action_compare(self.source)

    def action_discuss(self) -> None:
        self._choose_coding("Discuss which coding?", self.open_thread)

    @work(thread=True, exclusive=True, group="thread")
    def open_thread(self, coding_uuid: str) -> None:
        try:
            thread = self.backend.thread_for(CodingAnchor(coding_uuid))
        except QualcodeError as error:
            self.post_message(Failed(str(error)))
            return
        self.app.call_from_thread(self._show_thread, coding_uuid, thread)

    def _show_thread(self, coding_uuid: str, thread: Thread | None) -> None:
        coding = self.codings.get(coding_uuid)
        if coding is None:
            return
        excerpt = " ".join(coding.text.split())
        excerpt = excerpt if len(excerpt) <= 60 else excerpt[:59] + "…"
        title = f"Discussion of {coding.coder}'s '{_name(coding.code_path)}': “{excerpt}”"

        def answered(answer: ThreadAnswer | None) -> None:
            if answer is not None:
                self.answer_thread(coding_uuid, answer)

        dialog = ThreadDialog(title, thread, CodingAnchor(coding_uuid))
        self.app.push_screen(dialog, answered)

    @work(thread=True, group="write")
    def answer_thread(self, coding_uuid: str, answer: ThreadAnswer) -> None:
        anchor = CodingAnchor(coding_uuid)
        try:
            if answer.comment:
                self.backend.comment(anchor, answer.comment)
            if answer.status is not None:
                self.backend.set_review_status(anchor, answer.status)
        except QualcodeError as error:
            self.post_message(Failed(str(error)))
            return
        done = [
            "comment added" if answer.comment else "",
            f"status: {answer.status.value}" if answer.status else "",
        ]
        note = "Discussion: " + ", ".join(d for d in done if d)
        self.app.call_from_thread(self.notify, note, timeout=3)

    # --- undo / redo -------------------------------------------------------------------

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Undo", "Take back your last change", self.action_undo)
        yield SystemCommand("Redo", "Apply again what you undid", self.action_redo)

    def action_undo(self) -> None:
        self.change(
            lambda backend: backend.undo(),
            lambda step: f"Undone: {step.description}" if step else "Nothing to undo",
        )

    def action_redo(self) -> None:
        self.change(
            lambda backend: backend.redo(),
            lambda step: f"Redone: {step.description}" if step else "Nothing to redo",
        )

    # --- codebook panel ----------------------------------------------------------------

    @property
    def narrow(self) -> bool:
        """True when the side panel is folded away unless asked for (below 100 columns)."""
        return self.has_class("-narrow")

    def action_toggle_codebook(self) -> None:
        """The codebook, or back to the text if it has the focus already. On a narrow
        terminal the side panel opens with it and folds away again after."""
        tree = self.query_one(CodebookTree)
        if tree.has_focus:
            self.action_close_codebook()
            return
        self.add_class("-side-open")
        # The panel is laid out only after the class lands; focus it then.
        self.call_after_refresh(tree.focus)

    def action_close_codebook(self) -> None:
        if not self.has_class("-side-open") and not self.query_one(CodebookTree).has_focus:
            raise SkipAction()
        self.remove_class("-side-open")
        self.view.focus()

    def action_suggest(self) -> None:
        # The suggestions live in the side panel: open it on a narrow terminal.
        self.add_class("-side-open")
        self.suggestions.toggle()

    # The suggestions component's messages, passed on to it.
    def on_suggestions_loaded(self, message: SuggestionsLoaded) -> None:
        self.suggestions.loaded(message)

    def on_suggestion_answered(self, message: SuggestionAnswered) -> None:
        self.suggestions.answered(message)

    def on_suggestions_panel_chosen(self, event: SuggestionsPanel.Chosen) -> None:
        self.suggestions.chosen(event)

    def on_suggestions_panel_leave(self, _: SuggestionsPanel.Leave) -> None:
        self.view.focus()

    def action_sources(self) -> None:
        self.app.action_sources()

    def action_hide_hint(self) -> None:
        for hint in self.query("#how-to-hint"):
            hint.remove()
        self.app.hint_dismissed()

    def action_find(self) -> None:
        self.app.action_search(self.source)

    def action_extracts(self) -> None:
        tree = self.query_one(CodebookTree)
        if tree.has_focus and tree.current is not None:
            self.app.show_extracts(tree.current.uuid)
            return
        here = self._codings_here()
        self.app.action_extracts(here[0].code_uuid if here else None)

    def jump_to(self, start: int, end: int) -> None:
        """Show and select a passage (from search or extracts)."""
        self.view.move_cursor_to(start)
        self.view.select(start, end)
        self.view.focus()

    @on(CodebookTree.NodeSelected)
    def _code_chosen(self, event: CodebookTree.NodeSelected) -> None:
        if event.node.data is not None and not event.node.allow_expand:
            self.app.show_extracts(event.node.data.uuid)

    # Codebook editing: the tree's bindings call these, acting on the highlighted code.
    def action_add_code(self) -> None:
        parent = self.query_one(CodebookTree).current

        def done(name: str | None) -> None:
            if name:
                self.change(
                    lambda backend: backend.add_code(name, parent.uuid if parent else None),
                    lambda code: f"Added code '{code.name}'",
                )

        where = f"inside '{parent.name}'" if parent else "at the top level"
        self.app.push_screen(TextPrompt(f"New code {where}:"), done)

    @work(thread=True, group="write")
    def change(
        self,
        apply: Callable[[Backend], Any],
        describe: Callable[[Any], str],
        on_stale: Callable[[StaleEditError], Any] | None = None,
    ) -> None:
        """Make one change through the backend, then show the source and counts again.
        A stale edit with ``on_stale`` reopens its dialog (the person's text kept)."""
        backend = self.backend
        try:
            result = apply(backend)
        except StaleEditError as error:
            if on_stale is None:
                self.post_message(Failed(str(error)))
            else:
                self.post_message(self.Stale(error, on_stale))
            describe, result = (lambda _: ""), None  # still show what the other coder did
        except QualcodeError as error:
            self.post_message(Failed(str(error)))
            return
        codebook = _Codebook(backend.codes(), backend.stats())
        self.post_message(
            self.CodingsChanged(backend.codings(self.source), codebook, describe(result))
        )

    def action_rename_code(self) -> None:
        code = self.query_one(CodebookTree).current
        if code is not None:
            self.rename_code(code, code.name, code.version)

    def rename_code(self, code: CodeRecord, name: str, version: int, note: str = "") -> None:
        """The rename prompt on ``name``, saving against the code's ``version`` as read."""

        def reopen(error: StaleEditError) -> None:
            note = stale_note("this code's name", error.theirs, "enter")
            self.rename_code(code, error.text, error.version, note)

        self.app.push_screen(
            TextPrompt(f"Rename '{code.name}' to:", name, note=note),
            if_answered(
                lambda typed: self.change(
                    lambda backend: backend.update_code(
                        code.uuid, expected_version=version, name=typed
                    ),
                    lambda renamed: f"Renamed to '{renamed.name}'",
                    on_stale=reopen,
                )
            ),
        )

    def action_move_code(self) -> None:
        code = self.query_one(CodebookTree).current
        if code is None:
            return
        choices = [("", "(top level)")] + [
            (c.uuid, "  " * c.depth + c.name)
            for c in self.codes
            if not is_within(c.path, code.path)
        ]

        def chosen(key: str | None) -> None:
            if key is not None:  # "" is an answer: the top level
                self.change(
                    lambda backend: backend.move_code(code.uuid, key or None, code.version),
                    lambda moved: f"Moved to {moved.path}",
                )

        self.app.push_screen(Choose(f"Move '{code.name}' into:", choices), chosen)

    def action_merge_code(self) -> None:
        code = self.query_one(CodebookTree).current
        if code is None:
            return
        others = [c for c in self.codes if c.uuid != code.uuid]
        picker = CodePicker(others, f"Merge '{code.name}' into…", set())

        def chosen(result: CodePickerResult | None) -> None:
            if result and result.apply:
                target = result.apply[0]
                self.change(
                    lambda backend: backend.merge_codes(code.uuid, target),
                    lambda merged: f"Merged into '{merged.name}' (u to undo)",
                )

        self.app.push_screen(picker, chosen)

    def action_recolour_code(self) -> None:
        from qualcode.tui.colours import FALLBACK

        code = self.query_one(CodebookTree).current
        if code is None:
            return
        choices = [(colour, f"■ {colour}") for colour in FALLBACK]
        self.app.push_screen(
            Choose(f"Colour for '{code.name}':", choices),
            if_answered(
                lambda key: self.change(
                    lambda backend: backend.update_code(code.uuid, colour=key),
                    lambda recoloured: f"Colour of '{recoloured.name}' changed",
                )
            ),
        )

    def action_delete_code(self) -> None:
        code = self.query_one(CodebookTree).current
        if code is None:
            return
        self.app.push_screen(
            Confirm(f"Remove code '{code.name}'? (only codes with no codings; u undoes)"),
            if_answered(
                lambda _: self.change(
                    lambda backend: backend.delete_code(code.uuid),
                    lambda removed: f"Removed code '{removed.name}' (u to undo)",
                )
            ),
        )


def _name(path: str) -> str:
    """A code's own name from its path."""
    return path.rsplit(" > ", 1)[-1]
