"""Suggested codes on the workbench: the panel, the faint marks, accept and reject.

A component the transcript screen owns (``screen.suggestions``); the screen passes it the
panel's and the workers' messages. Suggesting (and learning from the coding so far, when
the saved model is behind) runs in a thread worker, so typing and moving never wait for
spaCy.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.message import Message
from textual.visual import VisualType
from textual.widgets import Label, Static

from qualcode.domain.errors import QualcodeError
from qualcode.domain.records import CodingRecord
from qualcode.domain.suggestions import SuggestionRun
from qualcode.tui.messages import Failed
from qualcode.tui.screens.dialogs import Explain
from qualcode.tui.screens.transcript_host import TranscriptHost
from qualcode.tui.widgets.suggestions_panel import (
    SuggestionItem,
    SuggestionsPanel,
    item_key,
    reasons_text,
)
from qualcode.tui.widgets.transcript_view import HighlightSpan

RETRAIN_EVERY = 5  # answers (accept, reject, coding) between background retrains


class SuggestionsLoaded(Message):
    def __init__(self, run: SuggestionRun, trained: bool) -> None:
        super().__init__()
        self.run = run
        self.trained = trained


class SuggestionAnswered(Message):
    def __init__(self, key: str, note: str) -> None:
        super().__init__()
        self.key = key
        self.note = note


class Suggestions:
    """The transcript screen's suggestions: the list beside the text, their marks in it."""

    def __init__(self, screen: TranscriptHost) -> None:
        self._screen = screen
        self.marks: dict[str, HighlightSpan] = {}
        self.answers_since_training = 0

    @property
    def panel(self) -> SuggestionsPanel:
        return self._screen.query_one(SuggestionsPanel)

    def shown(self) -> bool:
        return bool(self._screen.query_one("#suggestions-box").display)

    def _title(self, text: str) -> None:
        self._screen.query_one("#suggestions-title", Label).update(text)

    def _why(self, text: VisualType) -> None:
        self._screen.query_one("#definition", Static).update(text)

    def toggle(self) -> None:
        """Show the list and move into it (finding suggestions the first time), or put
        it away if it has the focus."""
        screen = self._screen
        box = screen.query_one("#suggestions-box")
        if box.display and self.panel.has_focus:
            box.display = False
            # The side panel gives the list most of its height only while it is shown.
            screen.set_class(False, "-suggesting")
            self._set_marks({})
            screen.view.focus()
            return
        box.display = True
        screen.set_class(True, "-suggesting")
        screen.call_after_refresh(self.panel.focus)
        if not self.panel.items:
            self._title("Suggestions · finding…")
            self.load()

    def load(self) -> None:
        self._screen.run_worker(self._find, thread=True, exclusive=True, group="suggest")

    def _find(self) -> None:
        screen = self._screen
        backend = screen.backend
        try:
            trained = False
            if backend.suggestions_need_training():
                backend.train_suggestions()
                trained = True
            run = backend.suggestions(screen.source)
        except QualcodeError as error:
            screen.post_message(Failed(str(error)))
            return
        screen.post_message(SuggestionsLoaded(run, trained))

    def loaded(self, message: SuggestionsLoaded) -> None:
        panel = self.panel
        self.answers_since_training = 0 if message.trained else self.answers_since_training
        items = [
            SuggestionItem(item_key(u.unit, s), u.unit, s)
            for u in message.run.units
            for s in u.suggestions
        ]
        panel.show(items, self._screen.colours)
        self._set_marks(self._marks_for(panel.items))
        self._show_current()
        for notice in message.run.notices:
            self._screen.notify(notice, severity="warning", timeout=8)

    def _marks_for(self, items: list[SuggestionItem]) -> dict[str, HighlightSpan]:
        """One faint mark per unit, named after its best remaining suggestion."""
        best: dict[tuple[int, int], SuggestionItem] = {}
        for item in items:
            span = (item.unit.start, item.unit.end)
            if span not in best or item.suggestion.score > best[span].suggestion.score:
                best[span] = item
        marks: dict[str, HighlightSpan] = {}
        for (start, end), item in best.items():
            key = f"suggested:{start}:{end}"
            marks[key] = HighlightSpan(
                start,
                end,
                key,
                self._screen.colours.get(item.suggestion.code_uuid, "#888888"),
                "?" + item.suggestion.code_path.rsplit(" > ", 1)[-1],
                suggested=True,
            )
        return marks

    def _set_marks(self, marks: dict[str, HighlightSpan]) -> None:
        view = self._screen.view
        for key in self.marks.keys() - marks.keys():
            view.remove_highlight(key)
        for mark in marks.values():
            if self.marks.get(mark.key) != mark:
                view.add_highlight(mark)
        self.marks = marks

    def chosen(self, event: SuggestionsPanel.Chosen) -> None:
        item = event.item
        if event.action == "show":
            self._show(item)
        elif event.action == "why":

            def explained(answer: str | None) -> None:
                if answer:
                    self.answer(item, answer)

            self._screen.app.push_screen(Explain(reasons_text(item)), explained)
        else:
            self.answer(item, event.action)

    def _show(self, item: SuggestionItem) -> None:
        """Select the suggested passage and say why beneath (the passage is in view)."""
        view = self._screen.view
        view.move_cursor_to(item.unit.start)
        view.select(item.unit.start, item.unit.end)
        self._why(reasons_text(item, passage=False))

    def _show_current(self) -> None:
        """After the list changed: the why box speaks of the highlighted entry, or of none
        (never of one already answered)."""
        panel = self.panel
        current = panel.current
        if current is not None:
            self._show(current)
        else:
            self._why("")
        self._title(f"Suggestions · {len(panel.items)} · most likely first")

    def answer(self, item: SuggestionItem, answer: str) -> None:
        """Accept or reject ``item`` (in a worker)."""
        self._screen.run_worker(
            lambda: self._answer(item, answer), thread=True, group="write", name="answer"
        )

    def _answer(self, item: SuggestionItem, answer: str) -> None:
        screen = self._screen
        backend = screen.backend
        unit, s = item.unit, item.suggestion
        name = s.code_path.rsplit(" > ", 1)[-1]
        try:
            if answer == "accept":
                coding = backend.accept_suggestion(
                    screen.source, unit.start, unit.end, s.code_uuid, s.score
                )
                screen.post_message(screen.CodingsAdded([coding], f"Coded as {name} (u to undo)"))
                screen.post_message(SuggestionAnswered(item.key, ""))
            else:
                backend.reject_suggestion(screen.source, unit.start, unit.end, s.code_uuid, s.score)
                screen.post_message(
                    SuggestionAnswered(
                        item.key, f"Rejected {name} here; it will not come back (u to undo)"
                    )
                )
        except QualcodeError as error:
            screen.post_message(Failed(str(error)))

    def answered(self, message: SuggestionAnswered) -> None:
        panel = self.panel
        panel.drop(message.key)
        self._set_marks(self._marks_for(panel.items))
        self._show_current()
        if message.note:  # a rejection; an acceptance is counted as a coding
            self._screen.notify(message.note, timeout=3)
            self.note_answer()

    def _drop_answered(self) -> None:
        """A code applied by hand over a suggested passage answers that suggestion."""
        panel = self.panel
        if not panel.items:
            return
        me = self._screen.backend.shown_coder
        coded = [
            (c.start, c.end, c.code_uuid) for c in self._screen.codings.values() if c.coder == me
        ]
        answered = [
            item.key
            for item in panel.items
            if any(
                code == item.suggestion.code_uuid
                and start < item.unit.end
                and item.unit.start < end
                for start, end, code in coded
            )
        ]
        if not answered:
            return
        for key in answered:
            panel.drop(key)
        self._set_marks(self._marks_for(panel.items))
        self._show_current()

    def note_answer(self) -> None:
        """Count a researcher's answer (accept, reject, or a code applied) and refresh the
        list; every few answers, relearn in the background."""
        if self.shown():
            self._drop_answered()
        self.answers_since_training += 1
        if self.answers_since_training >= RETRAIN_EVERY:
            self.answers_since_training = 0
            self._screen.run_worker(
                self._retrain, thread=True, exclusive=True, group="train", name="retrain"
            )

    def _retrain(self) -> None:
        screen = self._screen
        try:
            screen.backend.train_suggestions()
        except (QualcodeError, OSError) as error:
            screen.post_message(Failed(f"could not update the suggestion model: {error}"))

    def refresh(self) -> None:
        """After undo or redo the answers may have changed: ask again if shown."""
        if self.shown():
            self.load()

    def highlights(self, codings: Iterable[CodingRecord]) -> list[HighlightSpan]:
        """The codings' highlights with the suggestions' marks."""
        return [self._screen._highlight(c) for c in codings] + list(self.marks.values())
