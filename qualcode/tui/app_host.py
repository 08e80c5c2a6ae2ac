"""The app as the parts it hands itself to see it.

:class:`~qualcode.tui.exchange.Exchange` (the command palette's import and export
entries) is given the app; typing it against this base of
:class:`~qualcode.tui.app.QualcodeApp` rather than the app itself lets it do so without
importing the module that imports it.
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
