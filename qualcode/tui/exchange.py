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
from qualcode.tui.screens.save_dialog import (
    SaveAsDialog,
    ask_where_to_save,
    kept_both_name,
    reports_folder,
)

if TYPE_CHECKING:
    from qualcode.tui.app_host import AppHost
    from qualcode.tui.backend import Backend


class Exchange:
    """The exchange entries of one app."""

    def __init__(self, app: AppHost) -> None:
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

    # -- whole projects ---------------------------------------------------------------------

    def export_project(self, pseudonymise: bool = False) -> None:
        stem = self.app.project_path.stem
        name = f"{stem}-pseudonymised.qdpx" if pseudonymise else f"{stem}.qdpx"
        what = (
            "pseudonymised with the identifier register, to share or archive"
            if pseudonymise
            else "with the ORIGINAL transcripts, for your own use"
        )
        dialog = SaveAsDialog(
            f"Save the whole project as REFI-QDA ({what}) as:", str(self.folder / name)
        )

        def said(written: Any) -> str:
            held = (
                f"{written.sources} transcripts, {written.codes} codes, "
                f"{written.codings} codings, {written.coders} coders"
            )
            if written.pseudonymised:
                return (
                    f"Wrote {written.path}: {held}; names replaced by the register, and "
                    f"{written.checked} texts read back with no registered name found."
                )
            return (
                f"Wrote {written.path}: {held}. It contains the original transcripts and is "
                "readable by you only; use the pseudonymised export to share."
            )

        def save(path: Path) -> None:
            self._run(
                lambda: self.backend.export_project(path, pseudonymise=pseudonymise),
                said,
                timeout=12,
            )

        ask_where_to_save(self.app, dialog, ".qdpx", save)

    def import_project(self) -> None:
        """A .qdpx from another tool as a new project beside this one (this project is
        not changed); the summary says what came in and what was left out."""

        def chosen(answer: str | None) -> None:
            if not answer:
                return
            qdpx = Path(answer).expanduser()
            # Never suggest an existing file (the open project, say): the import refuses it.
            beside = self.app.project_path.expanduser().resolve().parent
            project = beside / f"{qdpx.stem}-imported.qcp"
            if project.exists():
                project = kept_both_name(project)

            def named(target: str | None) -> None:
                if not target:
                    return
                path = Path(target).expanduser()
                self._report(
                    lambda: self.backend.import_project(qdpx, path),
                    lambda result: (
                        f"Imported {qdpx.name} as a new project",
                        [
                            *result.summary.lines(),
                            f"Created {path}. Open it with: qualcode open {path}",
                        ],
                    ),
                )

            self.app.push_screen(
                TextPrompt("Make the new project as (a new .qcp file):", str(project)), named
            )

        self.app.push_screen(
            TextPrompt(
                "REFI-QDA project (.qdpx) from NVivo, ATLAS.ti, MAXQDA or QualCoder to make "
                "a new project from:",
                str(self.folder) + "/",
            ),
            chosen,
        )

    def merge_in(self) -> None:
        """Another qualcode project or a .qdpx merged into this one by UUID; with a
        conflict nothing is written and the dialog says how to settle it."""

        def chosen(answer: str | None) -> None:
            if not answer:
                return
            path = Path(answer).expanduser()
            self._report(
                lambda: self.backend.merge_file(path),
                lambda result: (
                    f"Merging {path.name} into this project",
                    [*result[0], *result[1].lines()],
                ),
                changed=True,
            )

        self.app.push_screen(
            TextPrompt(
                "Project to merge into this one (.qcp from a colleague, or .qdpx from "
                "another tool); matched by UUID, backed up first:",
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
        """``work`` in a worker; its result said in a notification."""
        self._in_worker(
            work, lambda result: self.app.notify(said(result), timeout=timeout), changed
        )

    def _report(
        self,
        work: Callable[[], Any],
        shown: Callable[[Any], tuple[str, list[str]]],
        *,
        changed: bool = False,
    ) -> None:
        """``work`` in a worker; its whole summary shown in a dialog."""
        from qualcode.tui.screens.report_dialog import ReportDialog

        self._in_worker(
            work, lambda result: self.app.push_screen(ReportDialog(*shown(result))), changed
        )

    def _in_worker(
        self, work: Callable[[], Any], finish: Callable[[Any], object], changed: bool
    ) -> None:
        """``work`` in a worker thread (a large project takes a while); then, on the
        app's thread, the screen refreshed when ``changed`` and ``finish`` given the
        result. A refusal is one line in a notification."""

        def in_thread() -> None:
            try:
                result = work()
            except (QualcodeError, OSError) as error:
                message = refused_export(error)
                self.app.call_from_thread(self.app.notify, message, severity="error", timeout=15)
                return
            self.app.call_from_thread(self._finish, finish, result, changed)

        self.app.notify("Working…", timeout=2)
        self.app.run_worker(in_thread, thread=True, group="exchange", exclusive=True)

    def _finish(self, finish: Callable[[Any], object], result: Any, changed: bool) -> None:
        if changed:
            self.app.project_changed()
        finish(result)
