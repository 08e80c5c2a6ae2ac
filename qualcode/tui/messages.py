"""Messages more than one screen posts to itself."""

from __future__ import annotations

from textual.message import Message


class Failed(Message, bubble=False):
    """A worker's database or file work failed; ``text`` says why, for a notification.

    It does not bubble: each screen (and the app) reports its own failures, and a screen's
    failure reaching the app's handler would be reported twice.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
