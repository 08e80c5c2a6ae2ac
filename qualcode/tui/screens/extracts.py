"""Coded extracts: every passage coded with a code, across the project, read as quotes.

Each extract is shown as a researcher reads one in a report: the whole quote, wrapped,
with who said it and where beneath it. Enter opens it in its transcript.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Footer, Label, OptionList, Static
from textual.widgets.option_list import Option

from qualcode.domain.codebook import leaf
from qualcode.domain.errors import QualcodeError
from qualcode.domain.records import ExtractRecord
from qualcode.domain.terminal import printable
from qualcode.tui.screens.base import QualcodeScreen
from qualcode.tui.screens.code_picker import LIST_KEYS, CodePicker
from qualcode.tui.widgets.title_bar import TitleBar


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def attribution(extract: ExtractRecord) -> str:
    """Who said it and where, in words: "Sam (P1), Mental health partner, area T"."""
    who = extract.speaker or "Unknown speaker"
    if extract.case:
        who += f" ({extract.case})"
    parts = [who]
    group = extract.attributes.get("stakeholder_group")
    if group not in (None, ""):
        parts.append(str(group))
    area = extract.attributes.get("area")
    if area not in (None, ""):
        parts.append(f"area {area}")
    return ", ".join(parts)


def extract_card(extract: ExtractRecord) -> Text:
    """The quote in full, then its attribution and where it was coded, dimmer."""
    coding = extract.coding
    card = Text()
    card.append(f"“{printable(' '.join(coding.text.split()))}”")
    card.append(f"\n  — {printable(attribution(extract))}", style="bold")
    where = [coding.source]
    if extract.start_time is not None:
        where.append(_clock(extract.start_time))
    where.append(f"{leaf(coding.code_path)}, coded by {coding.coder}")
    card.append(f"\n    {printable(' · '.join(where))}", style="dim")
    return card


class ExtractList(OptionList):
    """The extracts, one wrapped quote each."""

    DEFAULT_CSS = """
    ExtractList, ExtractList:focus {
        height: 1fr; border: none; padding: 0 1; text-wrap: wrap; text-overflow: fold;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Show in transcript", id="extract-list.select"),
    ]


class ExtractsCodePicker(CodePicker, inherit_bindings=False):
    """The code picker worded for what it does here: choose a code whose extracts to
    list. Nothing is coded, so making or marking codes is not offered."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "apply", "List its extracts", id="extracts-code-picker.apply"),
        Binding("escape", "cancel", "Cancel", id="extracts-code-picker.cancel"),
        *LIST_KEYS,
    ]
    TITLE_TEXT = "Show extracts of a code"

    def __init__(self) -> None:
        super().__init__(None, "")

    async def on_mount(self) -> None:
        self.query_one("#picker").border_title = self.TITLE_TEXT
        self.query_one("#passage", Static).update(
            "Choose a code to list every passage coded with it."
        )
        self.query_one("#hint", Static).update(
            Text.assemble(
                ("enter", "bold"), " list its extracts", (" · ", "dim"), ("esc", "bold"), " cancel"
            )
        )


class ExtractsScreen(QualcodeScreen[None]):
    """Every extract of a code as a wrapped quote; enter jumps into the transcript."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="extracts.back"),
        Binding("e", "app.extracts", "Another code", id="extracts.extracts"),
        Binding("question_mark,f1", "app.help", "Help", id="extracts.help"),
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
        yield ExtractList(id="extracts")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Extracts"
        self.query_one(ExtractList).focus()
        self.load()

    @work(thread=True, exclusive=True, group="extracts")
    def load(self) -> None:
        try:
            extracts = self.backend.extracts(self.code_uuid)
        except QualcodeError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error")
            return
        self.post_message(self.Loaded(extracts))

    @on(Loaded)
    def show(self, message: Loaded) -> None:
        self.extracts = message.extracts
        cards: list[Option | None] = []
        for index, extract in enumerate(message.extracts):
            if index:
                cards.append(None)  # a rule between quotes
            cards.append(Option(extract_card(extract), id=str(index)))
        listing = self.query_one(ExtractList)
        listing.set_options(cards)
        if message.extracts:
            listing.highlighted = 0
        count = len(message.extracts)
        sources = len({e.coding.source for e in message.extracts})
        self.query_one("#extracts-title", Label).update(
            f"{count} extract(s) from {sources} source(s) coded '{self.code_path}' "
            "(and its sub-codes). Enter shows one in its transcript."
        )

    @on(OptionList.OptionSelected, "#extracts")
    def selected(self, event: OptionList.OptionSelected) -> None:
        self._jump(int(event.option.id or 0))

    def _jump(self, index: int) -> None:
        if index < len(self.extracts):
            coding = self.extracts[index].coding
            self.app.open_source(coding.source, select=(coding.start, coding.end))

    def action_back(self) -> None:
        self.app.pop_screen()
