"""The app as the parts it hands itself to see it.

:class:`~qualcode.tui.exchange.Exchange` (the command palette's import and export
entries) is given the app, and every screen on the project reaches it as ``self.app``
(:class:`~qualcode.tui.screens.base.QualcodeScreen` types it so); typing them against
this base of :class:`~qualcode.tui.app.QualcodeApp` rather than the app itself lets them
do so without importing the module that imports them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App

if TYPE_CHECKING:
    from qualcode.tui.backend import Backend


class AppHost(App[None]):
    """What QualcodeApp offers its parts (it sets or overrides every one of these)."""

    backend: Backend | None
    # Where suggested files go and what they are named after.
    project_path: Path

    def project_changed(self) -> None:
        """Show what an import or a merge changed."""
        raise NotImplementedError

    def open_source(self, name: str, select: tuple[int, int] | None = None) -> None:
        """The workbench on transcript ``name``, with ``select`` selected."""
        raise NotImplementedError

    def show_extracts(self, code_uuid: str) -> object:
        """The extracts of one code (loaded in a worker, which it returns)."""
        raise NotImplementedError

    def hint_dismissed(self) -> None:
        """Remember that the how-to hint was put away."""
        raise NotImplementedError

    def action_sources(self) -> None:
        raise NotImplementedError

    def action_extracts(self, code_uuid: str | None = None) -> None:
        raise NotImplementedError

    def action_search(self, source: str | None = None) -> None:
        raise NotImplementedError

    def action_compare(self, source: str | None = None) -> None:
        raise NotImplementedError
