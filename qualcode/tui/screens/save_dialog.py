"""Where to save an export, and what to do when the file is already there.

An export from the app is saved where the person says, suggested in a ``reports``
folder beside the project (not wherever qualcode happened to be started), and an
existing file is never replaced without asking: Replace, Keep both (the new one gets
``-2``, ``-3`` ...) or Cancel. The folder itself is made by the export gate, private
to its owner, when the first file is written into it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from qualcode.tui.screens.dialogs import Choose, TextPrompt

REPLACE = "replace"
KEEP_BOTH = "keep"
_CANCEL = "cancel"
_PREVIEW_LOADING = "Quotes will be attributed like this: (looking…)"


class SaveAsDialog(TextPrompt):
    """A file name, prefilled; optionally with a preview of how quotes will be
    attributed, filled in by :meth:`set_preview` once a worker has read it."""

    def __init__(self, title: str, value: str, *, preview: bool = False) -> None:
        super().__init__(title, value)
        self.preview = preview
        self.preview_text = ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog save-dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Input(self.value, id="prompt-input")
            if self.preview:
                yield Static(_PREVIEW_LOADING, id="attribution-preview", markup=False)
            yield Label("enter to save · esc to cancel", classes="dialog-hint")

    def set_preview(self, attributions: Sequence[str], problem: str = "") -> None:
        """Show up to three attributions from the report's own extracts (already
        redacted by the register), or why there are none. May come before the dialog
        is on screen: the text is kept and shown when it is."""
        if problem:
            self.preview_text = problem
        elif attributions:
            lines = "\n".join(f"  \u2014 {a}" for a in attributions)
            self.preview_text = f"Quotes will be attributed like this:\n{lines}"
        else:
            self.preview_text = (
                "Nothing is coded in this selection yet: the report will have no quotes."
            )
        self._show_preview()

    def on_mount(self) -> None:
        self._show_preview()

    def _show_preview(self) -> None:
        shown = self.query("#attribution-preview")
        if self.preview_text and shown:
            shown.first(Static).update(self.preview_text)


class ReplaceOrKeep(Choose):
    """The file exists: Replace, Keep both (the new one named ``-2``), or Cancel
    (returns :data:`REPLACE`, :data:`KEEP_BOTH`, or anything else for cancel)."""

    def __init__(self, path: Path, kept_as: Path) -> None:
        super().__init__(
            f"{path.name} already exists in {path.parent}.",
            [
                (REPLACE, f"Replace {path.name}"),
                (KEEP_BOTH, f"Keep both: save the new one as {kept_as.name}"),
                (_CANCEL, "Cancel: save nothing"),
            ],
            highlighted=1,  # keeping both loses nothing, so enter alone does that
        )
        self.path = path
        self.kept_as = kept_as


def reports_folder(project: Path) -> Path:
    """Where the app suggests saving exports: ``reports`` beside the project file,
    wherever qualcode was started from."""
    return Path(project).expanduser().resolve().parent / "reports"


def with_suffix(path: Path, suffix: str) -> Path:
    """``path`` as the export will name it: the format's suffix added when none given
    (as the export gate does), so the check for an existing file checks that file."""
    return path if path.suffix else path.with_name(path.name + suffix)


def kept_both_name(path: Path) -> Path:
    """The first of ``name-2.ext``, ``name-3.ext`` ... that does not exist yet."""
    number = 2
    while True:
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
        if not candidate.exists():
            return candidate
        number += 1


def ask_where_to_save(
    app: App[None],
    dialog: SaveAsDialog,
    suffix: str,
    save: Callable[[Path], object],
) -> None:
    """Show ``dialog``; then, if the chosen file exists, ask whether to replace it or
    keep both; then call ``save`` with the path to write (never if cancelled)."""

    def named(answer: str | None) -> None:
        if not answer:
            return
        path = with_suffix(Path(answer).expanduser(), suffix)
        if not path.exists():
            save(path)
            return
        kept_as = kept_both_name(path)

        def decided(choice: str | None) -> None:
            if choice == REPLACE:
                save(path)
            elif choice == KEEP_BOTH:
                save(kept_as)

        app.push_screen(ReplaceOrKeep(path, kept_as), decided)

    app.push_screen(dialog, named)
