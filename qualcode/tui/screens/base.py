"""The base of every screen that works on the open project: the app and its backend, typed.

``self.app`` is Textual's ``App``, which knows nothing of the backend; these bases type it
as :class:`~qualcode.tui.app_host.AppHost` (what QualcodeApp offers its parts) and give
each screen a :attr:`~QualcodeScreen.backend` that is never None, and a place for its own
command palette entries (:meth:`~QualcodeScreen.palette_commands`, tui/commands.py).

The backend is kept as the screen is composed, on the main thread: a worker still running
as its screen closes (the app shutting down) cannot reach the app through the detached
screen (a NoActiveAppError), but it can still reach what the screen kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, ClassVar, TypeVar

from textual import events, getters, on
from textual.app import SystemCommand
from textual.screen import ModalScreen, Screen

from qualcode.tui.app_host import AppHost
from qualcode.tui.commands import ScreenCommands

if TYPE_CHECKING:
    from textual.command import Provider

    from qualcode.domain.project_changes import ProjectChanges
    from qualcode.tui.backend import Backend

ResultT = TypeVar("ResultT")


class QualcodeScreen(Screen[ResultT]):
    """A screen on the open project."""

    app = getters.app(AppHost)
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {ScreenCommands}

    _kept_backend: Backend | None = None

    # On Compose, which comes before Mount: a subclass's on_mount may start a worker
    # at once. (Textual calls the handlers of every class in the line, so a subclass
    # needs no call to this one.)
    @on(events.Compose)
    def _keep_backend(self) -> None:
        self._kept_backend = self.app.backend

    @property
    def backend(self) -> Backend:
        """The open project's backend (the one kept on compose, else the app's)."""
        kept = self._kept_backend
        if kept is None:
            kept = self.app.backend
            # Screens on the project open only once it is open (QualcodeApp.ready).
            assert kept is not None, "the project is not open yet"
        return kept

    def live_refresh(self, changes: ProjectChanges) -> None:
        """Others changed the project (QualcodeApp.changes_seen): show what concerns this
        screen (see live_look.py). Screens that show no project data ignore it."""

    def palette_commands(self) -> Iterable[SystemCommand]:
        """This screen's own entries in the command palette, besides the app's."""
        return ()


class QualcodeModal(QualcodeScreen[ResultT], ModalScreen[ResultT]):
    """A dialog that reads the open project itself (a discussion thread, ...)."""
