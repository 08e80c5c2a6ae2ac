"""A one-line title bar: where you are, in which project, coding as whom.

Used instead of Textual's Header, whose title update can race its own mounting when
screens are pushed quickly at start-up.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class TitleBar(Static):
    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        height: 1;
        width: 100%;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    def __init__(self, place: str) -> None:
        super().__init__()
        self.place = place

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        backend = getattr(self.app, "backend", None)
        text = Text()
        text.append("qualcode", style="bold")
        text.append(f"  {self.place}", style="bold")
        if backend is not None:
            text.append(f"   {backend.project_name} · coding as {backend.shown_coder}", style="dim")
            if getattr(backend, "blind", False):
                text.append("  · blind: others' codings hidden", style="bold")
        self.update(text)
