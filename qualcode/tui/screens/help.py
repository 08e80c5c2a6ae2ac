"""The help screen: every key that works where the researcher was, and how to code."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HOW_TO_CODE = """\
## How to code

1. **Read** the transcript. Move with the arrow keys, page up and page down, or the mouse.
2. **Select** a passage: hold **shift** with the arrows, or drag with the mouse.
   Or put the cursor in a passage and press **w** for its word, **s** its sentence,
   **t** its whole turn; press again to add the next one.
3. Press **c** to **code** it: type part of a code's name (spelling mistakes are fine),
   then **enter**. **tab** marks several codes at once.
4. Press **m** to write a **memo** on the code under the cursor.
5. Made a mistake? **u** undoes, **ctrl+y** redoes; even after closing qualcode.

Everything is saved the moment you do it. There is no save button to forget.
"""


class HelpScreen(ModalScreen[None]):
    """All bindings of the screen underneath, grouped, plus a short how-to."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close help", id="help.close")]

    def __init__(self, sections: Sequence[tuple[str, Sequence[tuple[str, str]]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        parts = [HOW_TO_CODE]
        for title, rows in self.sections:
            parts.append(f"## {title}\n\n| key | what it does |\n|---|---|")
            parts.extend(f"| `{key}` | {description} |" for key, description in rows)
            parts.append("")
        parts.append(
            "Rarer actions are in the command palette: **ctrl+p**. Close this help with **esc**."
        )
        with VerticalScroll(classes="dialog help-dialog"):
            yield Markdown("\n".join(parts))

    def action_close(self) -> None:
        self.dismiss(None)
