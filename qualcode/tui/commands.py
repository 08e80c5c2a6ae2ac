"""The command palette's entries, from Textual command providers.

The app's entries (:meth:`QualcodeApp.app_commands`, with Textual's own such as Quit
and Keys) come from :class:`AppCommands` in ``QualcodeApp.COMMANDS``; a screen's own
(Undo on the workbench, seeding the consensus on the compare view) from
:class:`ScreenCommands` in ``QualcodeScreen.COMMANDS``, which asks the screen under the
palette for its :meth:`palette_commands`. Both list :class:`~textual.app.SystemCommand`
entries, so a test or the help can read the same list the palette shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from textual.app import SystemCommand
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen


@runtime_checkable
class HasAppCommands(Protocol):
    def app_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]: ...


@runtime_checkable
class HasPaletteCommands(Protocol):
    def palette_commands(self) -> Iterable[SystemCommand]: ...


class _Entries(Provider):
    """Lists entries as Textual's SystemCommandsProvider does: by title when nothing is
    typed, by the fuzzy match otherwise."""

    def entries(self) -> Iterable[SystemCommand]:
        raise NotImplementedError

    async def discover(self) -> Hits:
        for command in sorted(self.entries(), key=lambda command: command.title):
            if command.discover:
                yield DiscoveryHit(command.title, command.callback, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self.entries():
            if (match := matcher.match(command.title)) > 0:
                yield Hit(
                    match, matcher.highlight(command.title), command.callback, help=command.help
                )


class AppCommands(_Entries):
    """The entries offered on every screen."""

    def entries(self) -> Iterable[SystemCommand]:
        app = self.app
        return app.app_commands(self.screen) if isinstance(app, HasAppCommands) else ()


class ScreenCommands(_Entries):
    """The entries of the screen under the palette."""

    def entries(self) -> Iterable[SystemCommand]:
        screen = self.screen
        return screen.palette_commands() if isinstance(screen, HasPaletteCommands) else ()
