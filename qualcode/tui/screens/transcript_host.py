"""The transcript screen as the parts it is built from see it.

The suggestions component (:class:`~qualcode.tui.screens.transcript_suggestions.Suggestions`)
is owned by :class:`~qualcode.tui.screens.transcript.TranscriptScreen`, which is built on
this class; typing the component against this class instead of the screen itself lets it
use what the screen offers without importing the module that imports it.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.message import Message

from qualcode.domain.records import CodingRecord
from qualcode.tui.screens.base import QualcodeScreen
from qualcode.tui.widgets.transcript_view import HighlightSpan, TranscriptView


class TranscriptHost(QualcodeScreen[None]):
    """What TranscriptScreen provides to its parts (it defines every one of these)."""

    source: str
    colours: dict[str, str]
    codings: dict[str, CodingRecord]
    CodingsAdded: Callable[[list[CodingRecord], str], Message]

    @property
    def view(self) -> TranscriptView:
        raise NotImplementedError

    def _highlight(self, coding: CodingRecord) -> HighlightSpan:
        raise NotImplementedError
