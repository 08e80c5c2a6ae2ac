"""The list of suggested codes for the open transcript, most confident first.

Each entry is one code proposed for one unit, its confidence said in words ("likely",
"possible") with the score beside it; moving through the list shows the passage in
the transcript and the reasons underneath. Keys act on the highlighted entry and the
screen does the work (attributes down, messages up).
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

from qualcode.domain.codebook import leaf
from qualcode.domain.suggestions import Suggestion, TextUnit


@dataclass(frozen=True, slots=True)
class SuggestionItem:
    """One (unit, code) proposal as the panel lists it."""

    key: str
    unit: TextUnit
    suggestion: Suggestion


def item_key(unit: TextUnit, suggestion: Suggestion) -> str:
    return f"suggestion:{unit.start}:{unit.end}:{suggestion.code_uuid}"


# Scores are the model's calibrated chance that the passage carries the code: from
# 0.6 it is more likely than not by a clear margin, so we say "likely"; anything that
# reached the code's threshold but not this is "possible".
LIKELY = 0.6


def confidence(score: float) -> str:
    """The score in the words a researcher reads first."""
    return "likely" if score >= LIKELY else "possible"


def by_confidence(item: SuggestionItem) -> tuple[float, int, str]:
    """Best first; equal scores in reading order."""
    return (-item.suggestion.score, item.unit.start, item.suggestion.code_path)


class SuggestionsPanel(OptionList):
    """Suggestions, most confident first; a accepts, r rejects, ? says why."""

    # No border even when focused: in a narrow side panel two border rows are two
    # suggestions fewer. The highlight shows where the focus is.
    DEFAULT_CSS = """
    SuggestionsPanel, SuggestionsPanel:focus {
        height: 1fr; border: none; padding: 0; text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "accept", "Accept", id="suggestions-panel.accept"),
        Binding("r", "reject", "Reject", id="suggestions-panel.reject"),
        Binding(
            "y", "why", "Why?", id="suggestions-panel.why"
        ),  # not ?: that is help on every panel
        Binding("escape", "leave", "Back to text", show=False, id="suggestions-panel.leave"),
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
        self.items = sorted(items, key=by_confidence)
        self.clear_options()
        if not self.items:
            self.add_option(
                Option(Text("No suggestions above the threshold.", style="dim"), disabled=True)
            )
            return
        self.add_options([Option(self._label(item, colours), id=item.key) for item in self.items])
        keys = [i.key for i in self.items]
        self.highlighted = keys.index(keep) if keep in keys else 0

    def drop(self, key: str) -> None:
        """Take one suggestion off the list (answered)."""
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
        """One line: the confidence in words, the score (dim), then the code."""
        s = item.suggestion
        word = confidence(s.score)
        text = Text()
        text.append(f"{word:<8} ", style="bold" if word == "likely" else "")
        text.append(f"{s.score:.2f} ", style="dim")
        text.append("■ ", style=colours.get(s.code_uuid, ""))
        text.append(leaf(s.code_path))
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


def reasons_text(item: SuggestionItem, *, passage: bool = True) -> Text:
    """The "why?" of a suggestion: its reasons, then the passage with matched words lit
    (left out beside the transcript, where the passage is selected already)."""
    s = item.suggestion
    text = Text()
    text.append(f"{s.code_path}\n", style="bold")
    text.append(f"{confidence(s.score)} ", style="bold")
    text.append(f"(score {s.score:.2f})", style="dim")
    if s.examples:
        text.append(f" · learnt from {s.examples} coded example(s)", style="dim")
    text.append("\n")
    for reason in s.reasons:
        text.append(f"• {reason}\n")
    if not passage:
        text.rstrip()
        return text
    unit = item.unit
    lit = Text(unit.text)
    for match in s.matched:
        a, b = match.start - unit.start, match.end - unit.start
        if 0 <= a < b <= len(unit.text):
            lit.stylize("bold reverse" if not match.fuzzy else "bold underline", a, b)
    text.append("\n")
    text.append_text(lit)
    return text
