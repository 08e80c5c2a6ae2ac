"""The TUI's shape (issue 17): every key has an id a keymap can move, and the command
palette's entries come from the app's and the screen's providers."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from pathlib import Path

from textual.binding import Binding, BindingsMap
from textual.command import DiscoveryHit, Provider
from textual.dom import DOMNode

import qualcode.tui
from qualcode.tui.app import QualcodeApp
from qualcode.tui.commands import AppCommands, ScreenCommands
from qualcode.tui.screens.base import QualcodeScreen
from qualcode.tui.screens.sources import SourcesScreen
from qualcode.tui.screens.transcript import TranscriptScreen
from tests.tui.conftest import wait_for

SIZE = (150, 45)


def _bindings() -> Iterator[tuple[type[DOMNode], Binding]]:
    for info in pkgutil.walk_packages(qualcode.tui.__path__, "qualcode.tui."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, DOMNode):
                for binding in cls.__dict__.get("BINDINGS", []):
                    if isinstance(binding, Binding):
                        yield cls, binding


def test_every_binding_has_an_id_of_its_own() -> None:
    named: dict[str, Binding] = {}
    found = list(_bindings())
    assert len(found) > 100  # the walk found the screens' and widgets' keys
    for cls, binding in found:
        assert binding.id, f"{cls.__name__}: {binding.key} -> {binding.action} has no id"
        # The same Binding object may be shared (the pickers' list keys); two may not.
        assert named.setdefault(binding.id, binding) is binding, binding.id


def test_a_keymap_moves_a_key_by_its_id() -> None:
    keys = BindingsMap(TranscriptScreen.BINDINGS)
    keys.apply_keymap({"transcript.memo": "M"})
    assert [b.action for b in keys.key_to_bindings["M"]] == ["memo"]
    assert "m" not in keys.key_to_bindings


async def _titles(provider: Provider) -> list[str]:
    return [hit.text or "" async for hit in provider.discover() if isinstance(hit, DiscoveryHit)]


async def test_the_palette_lists_the_app_entries_and_the_screen_own(app_project: Path) -> None:
    assert {ScreenCommands} == QualcodeScreen.COMMANDS
    assert {AppCommands} == QualcodeApp.COMMANDS
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, TranscriptScreen))
        workbench = app.screen
        assert isinstance(workbench, TranscriptScreen)
        # Kept on the main thread, for workers still running as the screen closes.
        assert workbench._kept_backend is app.backend is not None
        sources = next(s for s in app.screen_stack if isinstance(s, SourcesScreen))
        everywhere = await _titles(AppCommands(workbench))
        assert "Transcripts" in everywhere and "Quit" in everywhere  # ours and Textual's
        assert everywhere == sorted(everywhere)
        assert await _titles(ScreenCommands(workbench)) == ["Redo", "Undo"]
        assert await _titles(ScreenCommands(sources)) == []
        # get_system_commands is the two lists together, as tests and the help read it.
        titles = [c.title for c in app.get_system_commands(workbench)]
        assert sorted(titles) == sorted([*everywhere, "Redo", "Undo"])
