"""Small typed dialogs: ask for a line of text, edit a memo, choose one of a few things."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.visual import VisualType
from textual.widgets import Button, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

AnswerT = TypeVar("AnswerT")


def if_answered(then: Callable[[AnswerT], object]) -> Callable[[AnswerT | None], None]:
    """A dialog's callback that acts on an answer only, not on esc, "no" or nothing typed."""

    def answered(answer: AnswerT | None) -> None:
        if answer:
            then(answer)

    return answered


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line of text (a name, a code name). Enter accepts, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="text-prompt.cancel")]

    def __init__(self, title: str, value: str = "", placeholder: str = "", note: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.note = note  # e.g. that someone else changed it meanwhile, and to what

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            if self.note:
                yield Static(self.note, id="dialog-note", markup=False)
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            yield Label("enter to accept · esc to cancel", classes="dialog-hint")

    @on(Input.Submitted)
    def accept(self, event: Input.Submitted) -> None:
        text = " ".join(event.value.split())
        self.dismiss(text or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class MemoEditor(ModalScreen[str | None]):
    """Write or edit a memo. Ctrl+S saves; escape leaves it as it was."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save memo", id="memo-editor.save"),
        Binding("escape", "cancel", "Cancel", id="memo-editor.cancel"),
    ]

    def __init__(self, title: str, text: str = "", note: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.note = note  # e.g. that someone else changed it meanwhile, and to what

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog memo-dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            if self.note:
                yield Static(self.note, id="dialog-note", markup=False)
            yield TextArea(self.text, id="memo-text", soft_wrap=True)
            with Vertical(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary")
            yield Label("ctrl+s to save · esc to cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)


def stale_note(what: str, theirs: str, keep: str) -> str:
    """What a dialog reopened after a refused edit says: whose change won, what it
    says now, and that the person's own text is still here."""
    shown = " ".join(theirs.split()) or "(empty)"
    if len(shown) > 300:
        shown = shown[:299] + "…"
    return (
        f"Someone else changed {what} while you were editing. Theirs now: “{shown}”. "
        f"Your text is kept below: {keep} saves it over theirs, esc keeps theirs."
    )


class Choose(ModalScreen[str | None]):
    """Pick one of a few labelled things (which coding to remove, say); returns its id."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choose.cancel")]

    def __init__(
        self, title: str, choices: Sequence[tuple[str, str]], highlighted: int = 0
    ) -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)
        self.first_highlighted = highlighted  # the choice enter takes straight away

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield OptionList(*[Option(label, id=key) for key, label in self.choices])
            yield Label("enter to choose · esc to cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = self.first_highlighted
        options.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    """Yes or no, defaulting to no."""

    BINDINGS = [
        Binding("y", "yes", "Yes", id="confirm.yes"),
        Binding("n,escape", "no", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title", markup=False)
            yield Label("y yes · n no", classes="dialog-hint")

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)


class Explain(ModalScreen[str | None]):
    """Rich text to read (a suggestion's reasons), with optional one-key answers."""

    BINDINGS = [
        Binding("escape,q", "close", "Close", id="explain.close"),
        Binding("question_mark,f1", "app.help", "Help", id="explain.help"),
        Binding("a", "answer('accept')", "Accept", id="explain.answer-accept"),
        Binding("r", "answer('reject')", "Reject", id="explain.answer-reject"),
    ]

    def __init__(self, body: VisualType, hint: str = "a accept · r reject · esc close") -> None:
        super().__init__()
        self.body = body
        self.hint = hint

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog explain-dialog"):
            yield Static(self.body)
            yield Label(self.hint, classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_answer(self, answer: str) -> None:
        self.dismiss(answer)
