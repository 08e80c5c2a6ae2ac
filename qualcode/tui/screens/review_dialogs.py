"""Dialogs for the peer review: choose coders to compare, write a comment, read and
answer a thread.

Comments are written in a many-line box: enter starts a new line, ctrl+s saves (said in
the footer and on a button), and escape asks before throwing away words already written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label, Select, SelectionList, Static, TextArea

from qualcode.domain.project_changes import ProjectChanges
from qualcode.domain.review import (
    Anchor,
    CodingAnchor,
    EntryKind,
    ReviewStatus,
    Thread,
    ThreadEntry,
)
from qualcode.tui.screens.base import QualcodeModal
from qualcode.tui.screens.dialogs import Confirm
from qualcode.tui.screens.live_look import LiveLook

if TYPE_CHECKING:
    pass

DISCARD = "Throw away the comment you have written?"
ResultT = TypeVar("ResultT")


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
            # A comment of several lines stays one block under its author.
            text.append(entry.text.replace("\n", "\n    ") + "\n")
        elif entry.kind is EntryKind.DECISION:
            text.append(f"decided: {entry.text}\n", style="bold")
        else:
            text.append(entry.text + "\n", style="italic")
    return text


def _when(entry: ThreadEntry) -> str:
    return entry.created_at.strftime("%d %b %Y %H:%M")


class PickCoders(ModalScreen[list[str] | None]):
    """Tick the coders to compare; enter accepts, escape cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="pick-coders.cancel"),
        Binding("enter", "accept", "Compare these", priority=True, id="pick-coders.accept"),
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


def comment_text(box: TextArea) -> str | None:
    """The box's comment with its line breaks kept, or None if only spaces."""
    lines = [line.rstrip() for line in box.text.strip().splitlines()]
    return "\n".join(lines) or None


class _CommentBox(QualcodeModal[ResultT]):
    """What the comment dialogs share: escape asks before throwing words away."""

    def action_cancel(self) -> None:
        if comment_text(self.query_one(TextArea)) is None:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(Confirm(DISCARD), answered)


class CommentDialog(_CommentBox[str | None]):
    """Write a comment of any length on a disagreement: the passage it is about above
    the box, enter for a new line, ctrl+s (or the button) to save, escape to cancel.
    Dismisses with the comment, or None."""

    DEFAULT_CSS = """
    CommentDialog { align: center middle; }
    CommentDialog .dialog-title { width: 100%; }
    CommentDialog .comment-dialog { width: 84; height: auto; max-height: 90%; }
    CommentDialog #comment-about { height: auto; max-height: 6; margin-bottom: 1; }
    CommentDialog #comment-text { height: 8; }
    CommentDialog .dialog-buttons { height: auto; align-horizontal: right; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save comment", priority=True, id="comment-dialog.save"),
        Binding("escape", "cancel", "Cancel", id="comment-dialog.cancel"),
    ]

    def __init__(self, title: str, about: Text | str = "") -> None:
        super().__init__()
        self.title_text = title
        self.about = about

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog comment-dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            if self.about:
                with VerticalScroll(id="comment-about"):
                    yield Static(self.about, markup=False)
            yield TextArea(id="comment-text", soft_wrap=True, show_line_numbers=False)
            with Vertical(classes="dialog-buttons"):
                yield Button("Save comment (ctrl+s)", id="save", variant="primary")
            yield Label(
                "enter starts a new line · ctrl+s saves · esc cancels", classes="dialog-hint"
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        self.dismiss(comment_text(self.query_one(TextArea)))


@dataclass(frozen=True, slots=True)
class ThreadAnswer:
    """What to add to a thread: a comment, a new status, or both."""

    comment: str | None
    status: ReviewStatus | None


class ThreadDialog(_CommentBox[ThreadAnswer | None]):
    """A coding's discussion: every comment oldest first with who and when, the
    status, a box to add a comment and a choice to change the status."""

    DEFAULT_CSS = """
    ThreadDialog #thread-comment { height: 6; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="thread-dialog.save"),
        Binding("escape", "cancel", "Close", id="thread-dialog.cancel"),
    ]

    class LiveLoaded(Message):
        def __init__(self, thread: Thread | None, read: bool, shown: int) -> None:
            super().__init__()
            self.thread = thread
            self.read = read  # False: the read failed (the next comment reads again)
            self.shown = shown

    def __init__(self, title: str, thread: Thread | None, anchor: Anchor | None = None) -> None:
        """``anchor``: what the thread is about, so that others' comments show while
        the dialog is open (without it, only when the thread had a coding already)."""
        super().__init__()
        self.title_text = title
        self.thread = thread
        if anchor is None and thread is not None and thread.coding_uuid:
            anchor = CodingAnchor(thread.coding_uuid)
        # Not self.anchor: that is a Widget method (anchor to the bottom when scrolling).
        self.about = anchor

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
            yield TextArea(id="thread-comment", soft_wrap=True, show_line_numbers=False)
            yield Label(
                "enter starts a new line · ctrl+s saves · tab to the status · esc closes",
                classes="dialog-hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()
        self._live = LiveLook(self, self.live_read)

    # --- others' comments, live (app.changes_seen) ---------------------------------------

    def live_refresh(self, changes: ProjectChanges) -> None:
        """Others' comments and status changes show above the box while the reader
        writes; what they typed, and the status they chose, stay as they are."""
        if changes.review and self.about is not None:
            self._live.news()

    @work(thread=True, group="thread-live", exit_on_error=False)
    def live_read(self, shown: int) -> None:
        thread: Thread | None = None
        read = False
        try:
            assert self.about is not None
            thread = self.backend.thread_for(self.about)
            read = True
        finally:
            self.post_message(self.LiveLoaded(thread, read, shown))

    @on(LiveLoaded)
    def live_loaded(self, message: LiveLoaded) -> None:
        if not self._live.arrived(message.shown) or not message.read:
            return
        before = self.thread.status if self.thread else ReviewStatus.OPEN
        self.thread = message.thread
        self.query_one("#thread-entries Static", Static).update(describe_thread(self.thread))
        choice = self.query_one(Select)
        if choice.value == before.value:  # the reader left it: follow the thread's
            after = self.thread.status if self.thread else ReviewStatus.OPEN
            choice.value = after.value

    def action_save(self) -> None:
        comment = comment_text(self.query_one(TextArea))
        value = self.query_one(Select).value
        current = self.thread.status if self.thread else ReviewStatus.OPEN
        status = ReviewStatus(value) if isinstance(value, str) else None
        if status == current:
            status = None
        self.dismiss(ThreadAnswer(comment, status) if comment or status else None)
