"""Messages that workers post to the app; handlers on the UI thread update the screen."""

from __future__ import annotations

from textual.message import Message


class Notice(Message):
    """Something to tell the researcher in a toast (an error from a worker, say)."""

    def __init__(self, text: str, *, error: bool = False) -> None:
        super().__init__()
        self.text = text
        self.error = error
