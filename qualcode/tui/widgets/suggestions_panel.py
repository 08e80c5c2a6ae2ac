"""The list of suggested codes for the open transcript, in reading order.

Each entry is one code proposed for one unit, with its score; moving through the list
shows the passage in the transcript and the reasons underneath. Keys act on the
highlighted entry and the screen does the work (attributes down, messages up).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from qualcode.domain.suggestions import Suggestion, TextUnit


@dataclass(frozen=True, slots=True)
class SuggestionItem:
    """One (unit, code) proposal as the panel lists it."""

    key: str
    unit: TextUnit
    suggestion: Suggestion


def item_key(unit: TextUnit, suggestion: Suggestion) -> str:
    return f"suggestion:{unit.start}:{unit.end}:{suggestion.code_uuid}"


class SuggestionsPanel(OptionList):
    """Suggestions, best first within each passage; a accepts, r rejects, ? says why."""

    DEFAULT_CSS = """
    SuggestionsPanel { height: 1fr; border: none; padding: 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "accept", "Accept"),
        Binding("r", "reject", "Reject"),
        Binding("question_mark,y", "why", "Why?"),
        Binding("escape", "leave", "Back to text", show=False),
    ]

    class Chosen(Message):
        """A suggestion was highlighted, accepted, rejected, or asked about."""

        def __init__(self, panel: SuggestionsPanel, item: SuggestionItem, action: str) -> None:
            super().__init__()
            self.panel = panel
            self.item = item
            self.action = action  # "show", "accept", "reject", "why"

        @property
        def control(self) -> SuggestionsPanel:
            return self.panel

    class Leave(Message):
        pass

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: list[SuggestionItem] = []

    def show(self, items: Sequence[SuggestionItem], colours: dict[str, str]) -> None:
        keep = self.current.key if self.current else None
        self.items = sorted(items, key=lambda i: (i.unit.start, -i.suggestion.score))
        self.clear_options()
        if not self.items:
            self.add_option(
                Option(Text("No suggestions above the threshold.", style="dim"), disabled=True)
            )
            return
        self.add_options([Option(self._label(item, colours), id=item.key) for item in self.items])
        keys = [i.key for i in self.items]
        self.highlighted = keys.index(keep) if keep in keys else 0

    def remove(self, key: str) -> None:  # type: ignore[override]
        index = next((i for i, item in enumerate(self.items) if item.key == key), None)
        if index is None:
            return
        self.items.pop(index)
        self.remove_option(key)
        if not self.items:
            self.add_option(Option(Text("No suggestions left here.", style="dim"), disabled=True))

    @property
    def current(self) -> SuggestionItem | None:
        if self.highlighted is None or not 0 <= self.highlighted < len(self.items):
            return None
        return self.items[self.highlighted]

    @staticmethod
    def _label(item: SuggestionItem, colours: dict[str, str]) -> Text:
        s = item.suggestion
        text = Text()
        text.append(f"{s.score:.2f} ", style="bold")
        text.append("┊ ", style=colours.get(s.code_uuid, ""))
        text.append(s.code_path.rsplit(" > ", 1)[-1])
        quote = " ".join(item.unit.text.split())
        text.append(f"\n     “{quote[:60]}{'…' if len(quote) > 60 else ''}”", style="dim")
        return text

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if self.current is not None:
            self.post_message(self.Chosen(self, self.current, "show"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.current is not None:
            self.post_message(self.Chosen(self, self.current, "why"))

    def _act(self, action: str) -> None:
        if self.current is not None:
            self.post_message(self.Chosen(self, self.current, action))

    def action_accept(self) -> None:
        self._act("accept")

    def action_reject(self) -> None:
        self._act("reject")

    def action_why(self) -> None:
        self._act("why")

    def action_leave(self) -> None:
        self.post_message(self.Leave())


def reasons_text(item: SuggestionItem) -> Text:
    """The "why?" of a suggestion: its reasons, then the passage with matched words lit."""
    s = item.suggestion
    text = Text()
    text.append(f"{s.code_path}\n", style="bold")
    text.append(f"score {s.score:.2f}", style="dim")
    if s.examples:
        text.append(f" · learnt from {s.examples} coded example(s)", style="dim")
    text.append("\n")
    for reason in s.reasons:
        text.append(f"• {reason}\n")
    unit = item.unit
    passage = Text(unit.text)
    for match in s.matched:
        a, b = match.start - unit.start, match.end - unit.start
        if 0 <= a < b <= len(unit.text):
            passage.stylize("bold reverse" if not match.fuzzy else "bold underline", a, b)
    text.append("\n")
    text.append_text(passage)
    return text
