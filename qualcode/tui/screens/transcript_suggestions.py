"""Suggested codes on the workbench: the panel, the faint marks, accept and reject.

Kept apart from transcript.py so the workbench stays readable. Suggesting (and
learning from the coding so far, when the saved model is behind) runs in a thread
worker, so typing and moving never wait for spaCy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from textual.message import Message

from qualcode.domain.errors import QualcodeError
from qualcode.domain.suggestions import SuggestionRun
from qualcode.tui.screens.dialogs import Explain
from qualcode.tui.widgets.suggestions_panel import (
    SuggestionItem,
    SuggestionsPanel,
    item_key,
    reasons_text,
)
from qualcode.tui.widgets.transcript_view import HighlightSpan

if TYPE_CHECKING:
    from qualcode.tui.screens.transcript_host import TranscriptHost

    _Host = TranscriptHost
else:  # at run time a plain mixin: TranscriptScreen brings the Screen
    _Host = object

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


class SuggestionsMixin(_Host):
    """The transcript screen's suggestion behaviour (mixed into TranscriptScreen)."""

    suggestion_marks: dict[str, HighlightSpan]
    answers_since_training: int

    def _init_suggestions(self) -> None:
        self.suggestion_marks = {}
        self.answers_since_training = 0

    @property
    def suggestions_panel(self) -> SuggestionsPanel:
        return self.query_one(SuggestionsPanel)

    def suggestions_shown(self) -> bool:
        return bool(self.query_one("#suggestions-box").display)

    def action_suggest(self) -> None:
        box = self.query_one("#suggestions-box")
        if box.display and self.suggestions_panel.has_focus:
            box.display = False
            # The side panel gives the list most of its height only while it is shown.
            self.set_class(False, "-suggesting")
            self._set_marks({})
            self.view.focus()
            return
        box.display = True
        self.set_class(True, "-suggesting")
        self.call_after_refresh(self.suggestions_panel.focus)
        if not self.suggestions_panel.items:
            self.query_one("#suggestions-title").update("Suggestions · finding…")  # type: ignore[attr-defined]
            self.load_suggestions()

    @work(thread=True, exclusive=True, group="suggest")
    def load_suggestions(self) -> None:
        backend = self.backend
        try:
            trained = False
            if backend.suggestions_need_training():
                backend.train_suggestions()
                trained = True
            run = backend.suggestions(self.source)
        except QualcodeError as error:
            self.post_message(self.Failed(str(error)))
            return
        self.post_message(SuggestionsLoaded(run, trained))

    def on_suggestions_loaded(self, message: SuggestionsLoaded) -> None:
        panel = self.suggestions_panel
        self.answers_since_training = 0 if message.trained else self.answers_since_training
        items = [
            SuggestionItem(item_key(u.unit, s), u.unit, s)
            for u in message.run.units
            for s in u.suggestions
        ]
        panel.show(items, self.colours)
        marks = self._marks_for(panel.items)
        self._set_marks(marks)
        self._show_current_suggestion()
        for notice in message.run.notices:
            self.notify(notice, severity="warning", timeout=8)

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
                self.colours.get(item.suggestion.code_uuid, "#888888"),
                "?" + item.suggestion.code_path.rsplit(" > ", 1)[-1],
                suggested=True,
            )
        return marks

    def _set_marks(self, marks: dict[str, HighlightSpan]) -> None:
        for key in self.suggestion_marks.keys() - marks.keys():
            self.view.remove_highlight(key)
        for mark in marks.values():
            if self.suggestion_marks.get(mark.key) != mark:
                self.view.add_highlight(mark)
        self.suggestion_marks = marks

    def on_suggestions_panel_chosen(self, event: SuggestionsPanel.Chosen) -> None:
        item = event.item
        if event.action == "show":
            self._show_suggestion(item)
        elif event.action == "why":
            self.app.push_screen(
                Explain(reasons_text(item)),
                lambda answer: answer and self._answer(item, answer),
            )
        else:
            self._answer(item, event.action)

    def _show_suggestion(self, item: SuggestionItem) -> None:
        """Select the suggested passage and say why beneath (the passage is in view)."""
        self.view.move_cursor_to(item.unit.start)
        self.view.select(item.unit.start, item.unit.end)
        self.query_one("#definition").update(reasons_text(item, passage=False))  # type: ignore[attr-defined]

    def _show_current_suggestion(self) -> None:
        """After the list changed: the why box speaks of the highlighted entry, or of none
        (never of one already answered)."""
        panel = self.suggestions_panel
        current = panel.current
        if current is not None:
            self._show_suggestion(current)
        else:
            self.query_one("#definition").update("")  # type: ignore[attr-defined]
        self.query_one("#suggestions-title").update(  # type: ignore[attr-defined]
            f"Suggestions · {len(panel.items)} · most likely first"
        )

    def on_suggestions_panel_leave(self, _: SuggestionsPanel.Leave) -> None:
        self.view.focus()

    def _answer(self, item: SuggestionItem, answer: str) -> None:
        self.answer_suggestion(item, answer)

    @work(thread=True, group="write")
    def answer_suggestion(self, item: SuggestionItem, answer: str) -> None:
        backend = self.backend
        unit, s = item.unit, item.suggestion
        name = s.code_path.rsplit(" > ", 1)[-1]
        try:
            if answer == "accept":
                coding = backend.accept_suggestion(
                    self.source, unit.start, unit.end, s.code_uuid, s.score
                )
                self.post_message(self.CodingsAdded([coding], f"Coded as {name} (u to undo)"))
                self.post_message(SuggestionAnswered(item.key, ""))
            else:
                backend.reject_suggestion(self.source, unit.start, unit.end, s.code_uuid, s.score)
                self.post_message(
                    SuggestionAnswered(
                        item.key, f"Rejected {name} here; it will not come back (u to undo)"
                    )
                )
        except QualcodeError as error:
            self.post_message(self.Failed(str(error)))

    def on_suggestion_answered(self, message: SuggestionAnswered) -> None:
        panel = self.suggestions_panel
        panel.remove(message.key)
        self._set_marks(self._marks_for(panel.items))
        self._show_current_suggestion()
        if message.note:  # a rejection; an acceptance is counted as a coding
            self.notify(message.note, timeout=3)
            self.note_answer()

    def _drop_answered_suggestions(self) -> None:
        """A code applied by hand over a suggested passage answers that suggestion."""
        panel = self.suggestions_panel
        if not panel.items:
            return
        me = self.backend.shown_coder
        coded = [(c.start, c.end, c.code_uuid) for c in self.codings.values() if c.coder == me]
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
            panel.remove(key)
        self._set_marks(self._marks_for(panel.items))
        self._show_current_suggestion()

    def note_answer(self) -> None:
        """Count a researcher's answer (accept, reject, or a code applied) and refresh the
        list; every few answers, relearn in the background."""
        if self.suggestions_shown():
            self._drop_answered_suggestions()
        self.answers_since_training += 1
        if self.answers_since_training >= RETRAIN_EVERY:
            self.answers_since_training = 0
            self.retrain_quietly()

    @work(thread=True, exclusive=True, group="train")
    def retrain_quietly(self) -> None:
        try:
            self.backend.train_suggestions()
        except (QualcodeError, OSError) as error:
            self.post_message(self.Failed(f"could not update the suggestion model: {error}"))

    def refresh_suggestions(self) -> None:
        """After undo or redo the answers may have changed: ask again if shown."""
        if self.suggestions_shown():
            self.load_suggestions()

    def all_highlights(self, codings: Any) -> list[HighlightSpan]:
        return [self._highlight(c) for c in codings] + list(self.suggestion_marks.values())
