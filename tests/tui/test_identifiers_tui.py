"""The identifier register screen, driven through keys as a researcher would."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.services.identifiers import IdentifierService
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.dialogs import Choose, Confirm, TextPrompt
from qualcode.tui.screens.identifiers import IdentifiersScreen
from qualcode.tui.screens.sources import SourcesScreen
from tests.tui.conftest import wait_for

SIZE = (120, 36)


def register(path: Path) -> list[tuple[str, str, str]]:
    with Project.open(path) as project, project.read_session() as session:
        return [(e.original, e.replacement, e.kind) for e in IdentifierService(session).list()]


@pytest.fixture
def named_project(app_project: Path, tmp_path: Path) -> Path:
    """The TUI project plus a transcript that names someone and somewhere."""
    story = tmp_path / "files" / "story.txt"
    story.write_text(
        "Interviewer: Who helped?\n\nLee: It was Dawn Hendry, who came out to "
        "the Thornleigh estate every week.\n",
        encoding="utf-8",
    )
    with Project.open(app_project) as project, project.session() as session:
        SourceService(session, "Setup").import_files([story])
    return app_project


async def open_register(app: QualcodeApp, pilot) -> IdentifiersScreen:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
    await pilot.pause()
    await pilot.press("i")
    await wait_for(pilot, lambda: isinstance(app.screen, IdentifiersScreen))
    screen = app.screen
    assert isinstance(screen, IdentifiersScreen)
    return screen


async def test_add_an_identifier_then_remove_it(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_register(app, pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press(*"Jill Evans", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, Choose))
        await pilot.press("enter")  # the first kind: person
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press(*["backspace"] * len("[name]"), *"[psychologist]", "enter")
        await wait_for(pilot, lambda: app.screen is screen and screen.register_table.row_count)
        assert register(app_project) == [("Jill Evans", "[psychologist]", "person")]
        row = [str(cell) for cell in screen.register_table.get_row_at(0)]
        assert row == ["Jill Evans", "[psychologist]", "person"]

        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.register_table.row_count == 0)
        assert register(app_project) == []
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))


async def test_a_refused_entry_is_a_notification_not_a_crash(app_project: Path) -> None:
    with Project.open(app_project) as project, project.session() as session:
        IdentifierService(session, "Ann").add("Jill", "[name]", kind="person")
    app = QualcodeApp(app_project, coder="Ann")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_register(app, pilot)
        await wait_for(pilot, lambda: screen.register_table.row_count == 1)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press(*"JILL", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, Choose))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: any("already registered" in str(n.message) for n in app._notifications)
        )
    assert register(app_project) == [("Jill", "[name]", "person")]


async def test_suggestions_are_listed_and_enter_registers_one(named_project: Path) -> None:
    app = QualcodeApp(named_project, coder="Ann")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_register(app, pilot)
        await pilot.press("s")
        await wait_for(pilot, lambda: bool(screen.suggestions), timeout=20)
        texts = [s.text for s in screen.suggestions]
        assert "Dawn Hendry" in texts and "Thornleigh estate" in texts
        lee = screen.suggestions[texts.index("Lee")]  # a speaker's name is a person's
        assert lee.kind == "person" and "a speaker label" in lee.reason
        table = screen.suggestions_table
        assert table.display and not screen.register_table.display
        table.move_cursor(row=texts.index("Thornleigh estate"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press("enter")  # keep the proposed replacement
        await wait_for(
            pilot, lambda: "Thornleigh estate" not in [s.text for s in screen.suggestions]
        )
        assert register(named_project) == [("Thornleigh estate", "[local area]", "place")]
        await pilot.press("escape")  # back to the register, not out of the screen
        assert isinstance(app.screen, IdentifiersScreen) and screen.register_table.display
        await wait_for(pilot, lambda: screen.register_table.row_count == 1)


async def test_the_register_is_in_the_command_palette(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Identifier register" in titles
        app.action_identifiers()
        await wait_for(pilot, lambda: isinstance(app.screen, IdentifiersScreen))


async def test_bracketed_replacements_are_shown_not_read_as_markup(app_project: Path) -> None:
    from textual.widgets import DataTable

    from qualcode.services.identifiers import IdentifierService
    from qualcode.services.project import Project
    from qualcode.tui.app import QualcodeApp
    from qualcode.tui.screens.identifiers import IdentifiersScreen
    from tests.tui.conftest import wait_for

    with Project.open(app_project) as project, project.session() as session:
        IdentifierService(session, "Ann").add("Sam", "[participant]", kind="person")
    app = QualcodeApp(app_project, coder="Ann")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.action_identifiers()
        await wait_for(
            pilot, lambda: isinstance(app.screen, IdentifiersScreen) and app.screen.query(DataTable)
        )
        table = app.screen.register_table
        await wait_for(pilot, lambda: table.row_count == 1)
        assert str(table.get_row_at(0)[1]) == "[participant]"


async def test_the_status_line_and_marking_the_register_reviewed(app_project: Path) -> None:
    from textual.widgets import Label

    def status(path: Path) -> bool:
        with Project.open(path) as project, project.read_session() as session:
            return IdentifierService(session).status().needs_review

    app = QualcodeApp(app_project, coder="Ann")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_register(app, pilot)
        await wait_for(pilot, lambda: screen.status is not None)
        line = screen.query_one("#identifiers-status", Label)
        assert "never been reviewed" in str(line.render())
        assert line.has_class("needs-review")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("n")  # a stray key does not mark it
        await wait_for(pilot, lambda: app.screen is screen)
        assert status(app_project)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.status is not None and not screen.status.needs_review)
        assert "reviewed" in str(line.render()) and "by Ann" in str(line.render())
        assert not line.has_class("needs-review")
        assert not status(app_project)
