"""The transcript screen as the parts it is built from see it.

The suggestions part (:mod:`qualcode.tui.screens.transcript_suggestions`) is mixed into
:class:`~qualcode.tui.screens.transcript.TranscriptScreen`; typing it against this class
instead of the screen itself lets it use what the screen offers without importing the
module that imports it. Only type checkers read this module.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.message import Message
from textual.screen import Screen

from qualcode.domain.records import CodingRecord
from qualcode.tui.backend import Backend
from qualcode.tui.widgets.transcript_view import HighlightSpan, TranscriptView


class TranscriptHost(Screen[None]):
    """What TranscriptScreen provides to its parts (it defines every one of these)."""

    source: str
    colours: dict[str, str]
    codings: dict[str, CodingRecord]
    Failed: Callable[[str], Message]
    CodingsAdded: Callable[[list[CodingRecord], str], Message]

    @property
    def view(self) -> TranscriptView:
        raise NotImplementedError

    @property
    def backend(self) -> Backend:
        raise NotImplementedError

    def _highlight(self, coding: CodingRecord) -> HighlightSpan:
        raise NotImplementedError
