"""Codebooks and projects in and out of the app (the command palette's exchange entries).

Each entry asks for a file in a dialog, does the work in a worker thread (the screen
keeps responding while a large project is read or written), says in a notification
what happened, and refreshes the screen when the project changed. What the work
does, and what it refuses, is the same as the command line's: these call the same
services through the backend.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.domain.errors import QualcodeError
from qualcode.tui.export_messages import refused_export
from qualcode.tui.screens.dialogs import TextPrompt
from qualcode.tui.screens.save_dialog import SaveAsDialog, ask_where_to_save, reports_folder

if TYPE_CHECKING:
    from qualcode.tui.app import QualcodeApp
    from qualcode.tui.backend import Backend


class Exchange:
    """The exchange entries of one app."""

    def __init__(self, app: QualcodeApp) -> None:
        self.app = app

    @property
    def backend(self) -> Backend:
        assert self.app.backend is not None
        return self.app.backend

    @property
    def folder(self) -> Path:
        return reports_folder(self.app.project_path)

    # -- codebooks ------------------------------------------------------------------------

    def export_codebook(self) -> None:
        name = f"{self.app.project_path.stem}-codebook.qdc"
        dialog = SaveAsDialog(
            "Save the codebook for another tool (REFI-QDA .qdc; or .yaml, .docx) as:",
            str(self.folder / name),
        )

        def save(path: Path) -> None:
            self._run(
                lambda: self.backend.export_codebook(path),
                lambda written: f"Wrote the codebook to {written}.",
            )

        ask_where_to_save(self.app, dialog, ".qdc", save)

    def import_codebook(self) -> None:
        def chosen(answer: str | None) -> None:
            if not answer:
                return
            path = Path(answer).expanduser()
            self._run(
                lambda: self.backend.import_codebook(path),
                lambda report: (
                    f"Codebook from {path.name}: {len(report.added)} codes added, "
                    f"{len(report.updated)} updated, {report.unchanged} unchanged. "
                    "No code or coding was removed."
                ),
                changed=True,
            )

        self.app.push_screen(
            TextPrompt(
                "Codebook file to merge in (.qdc from another tool, or .yaml); codes are "
                "matched by their GUID, nothing is removed:",
                str(self.folder) + "/",
            ),
            chosen,
        )

    # -- running and reporting -------------------------------------------------------------

    def _run(
        self,
        work: Callable[[], Any],
        said: Callable[[Any], str],
        *,
        changed: bool = False,
        timeout: float = 10,
    ) -> None:
        """``work`` in a worker thread; its result said in a notification (or why it was
        refused), and the screen refreshed when ``changed``."""

        def in_thread() -> None:
            try:
                result = work()
            except (QualcodeError, OSError) as error:
                message = refused_export(error)
                self.app.call_from_thread(self.app.notify, message, severity="error", timeout=15)
                return
            self.app.call_from_thread(self._done, said(result), changed, timeout)

        self.app.notify("Working…", timeout=2)
        self.app.run_worker(in_thread, thread=True, group="exchange", exclusive=True)

    def _done(self, message: str, changed: bool, timeout: float) -> None:
        self.app.notify(message, timeout=timeout)
        if changed:
            self.app.project_changed()
