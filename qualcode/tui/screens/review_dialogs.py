"""Dialogs for the peer review: choose coders to compare, read and answer a thread."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, SelectionList, Static

from qualcode.domain.review import EntryKind, ReviewStatus, Thread


def describe_thread(thread: Thread | None, *, heading: bool = True) -> Text:
    """A thread as plain words: status, decision, then every entry oldest first."""
    text = Text()
    if thread is None:
        text.append("No comments yet. Status: open.\n", style="dim")
        return text
    if heading:
        text.append(f"Status: {thread.status.value}\n", style="bold")
    for entry in thread.entries:
        text.append(f"  {entry.author}", style="bold")
        text.append(f" · {_when(entry)}: ", style="dim")
        if entry.kind is EntryKind.COMMENT:
            text.append(entry.text + "\n")
        elif entry.kind is EntryKind.DECISION:
            text.append(f"decided: {entry.text}\n", style="bold")
        else:
            text.append(entry.text + "\n", style="italic")
    return text


def _when(entry) -> str:  # type: ignore[no-untyped-def]
    return entry.created_at.strftime("%d %b %Y %H:%M")


class PickCoders(ModalScreen[list[str] | None]):
    """Tick the coders to compare; enter accepts, escape cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "accept", "Compare these", priority=True),
    ]

    def __init__(self, coders: Sequence[str], chosen: Sequence[str]) -> None:
        super().__init__()
        self.coders = list(coders)
        self.chosen = {c.casefold() for c in chosen}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Compare which coders?", classes="dialog-title")
            yield SelectionList[str](
                *[(name, name, name.casefold() in self.chosen) for name in self.coders],
                id="coders",
            )
            yield Label("space ticks · enter compares · esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_accept(self) -> None:
        picked = set(self.query_one(SelectionList).selected)
        self.dismiss([c for c in self.coders if c in picked])

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True, slots=True)
class ThreadAnswer:
    """What to add to a thread: a comment, a new status, or both."""

    comment: str | None
    status: ReviewStatus | None


class ThreadDialog(ModalScreen[ThreadAnswer | None]):
    """A coding's discussion: every comment oldest first with who and when, the
    status, a box to add a comment and a choice to change the status."""

    BINDINGS = [
        Binding("escape", "cancel", "Close"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, title: str, thread: Thread | None) -> None:
        super().__init__()
        self.title_text = title
        self.thread = thread

    def compose(self) -> ComposeResult:
        current = self.thread.status if self.thread else ReviewStatus.OPEN
        with Vertical(classes="dialog thread-dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll(id="thread-entries"):
                yield Static(describe_thread(self.thread))
            yield Label("Status", classes="thread-label")
            yield Select(
                [(s.value.capitalize(), s.value) for s in ReviewStatus],
                value=current.value,
                allow_blank=False,
                id="thread-status",
            )
            yield Label("Your comment", classes="thread-label")
            yield Input(placeholder="Add a comment…", id="thread-comment")
            yield Label(
                "enter or ctrl+s saves · tab to the status · esc closes", classes="dialog-hint"
            )

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def action_save(self) -> None:
        comment = self.query_one(Input).value.strip() or None
        value = self.query_one(Select).value
        current = self.thread.status if self.thread else ReviewStatus.OPEN
        status = ReviewStatus(value) if isinstance(value, str) else None
        if status == current:
            status = None
        self.dismiss(ThreadAnswer(comment, status) if comment or status else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
