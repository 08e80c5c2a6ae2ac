"""Someone else changed a memo or a code name while this person had the dialog open: the
dialog comes back with their own text kept and says what the other coder wrote."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static, TextArea

from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.project import Project
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.dialogs import MemoEditor, TextPrompt
from qualcode.tui.screens.transcript import TranscriptScreen
from qualcode.tui.widgets.transcript_view import TranscriptView
from tests.tui.conftest import wait_for


async def _workbench(app: QualcodeApp, pilot):  # type: ignore[no-untyped-def]
    await wait_for(
        pilot, lambda: isinstance(app.screen, TranscriptScreen) and app.screen.query(TranscriptView)
    )
    view = app.screen.query_one(TranscriptView)
    await wait_for(pilot, lambda: bool(view.text) and bool(view.highlights))
    await pilot.pause()
    return app.screen, view


@pytest.mark.parametrize("size", [(80, 24), (150, 45)])
async def test_a_memo_saved_meanwhile_keeps_the_text_typed(
    app_project: Path, size: tuple[int, int]
) -> None:
    with Project.open(app_project) as project, project.session() as session:
        coding = CodingService(session, "Ann").add("interview-sam", "Time", 73, 80)
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=size) as pilot:
        _, view = await _workbench(app, pilot)
        view.move_cursor_to(75)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, MemoEditor))
        await pilot.press(*"capacity, not money")
        with Project.open(app_project) as project, project.session() as session:
            CodingService(session, "Bo").set_memo(coding.uuid, "Bo thinks: staffing")
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: isinstance(app.screen, MemoEditor) and app.screen.query("#dialog-note")
        )
        editor = app.screen
        note = str(editor.query_one("#dialog-note", Static).render())
        assert "Someone else changed this memo" in note and "Bo thinks: staffing" in note
        assert editor.query_one(TextArea).text == "capacity, not money"
        screen_region = app.screen.region
        for widget in (editor.query_one("#dialog-note"), editor.query_one(TextArea)):
            assert widget.region.height >= 2 and screen_region.contains_region(widget.region)
        with Project.open(app_project) as project, project.read_session() as session:
            assert CodingService(session).list()[0].memo == "Bo thinks: staffing"
        await pilot.press("ctrl+s")  # on purpose now, having seen theirs
        await wait_for(pilot, lambda: not isinstance(app.screen, MemoEditor))
    with Project.open(app_project) as project, project.read_session() as session:
        assert CodingService(session).list()[0].memo == "capacity, not money"


async def test_a_code_renamed_meanwhile_keeps_the_name_typed(app_project: Path) -> None:
    with Project.open(app_project) as project, project.session() as session:
        CodingService(session, "Ann").add("interview-sam", "Time", 73, 80)
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=(80, 24)) as pilot:
        screen, _ = await _workbench(app, pilot)
        tree = screen.query_one("#codebook")
        await pilot.press("b")
        node = next(n for n in _nodes(tree.root) if n.data and n.data.name == "Time")
        tree.move_cursor(node)
        await pilot.pause()
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press(*["backspace"] * 4, *"No time")
        with Project.open(app_project) as project, project.session() as session:
            CodebookService(session, "Bo").update_code("Time", name="Lack of time")
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: isinstance(app.screen, TextPrompt) and app.screen.query("#dialog-note")
        )
        prompt = app.screen
        assert "Lack of time" in str(prompt.query_one("#dialog-note", Static).render())
        assert prompt.query_one(Input).value == "No time"
        note = prompt.query_one("#dialog-note")
        assert note.region.height >= 2 and app.screen.region.contains_region(note.region)
        await pilot.press("escape")  # keep theirs
        await wait_for(pilot, lambda: not isinstance(app.screen, TextPrompt))
        await wait_for(
            pilot, lambda: any(n.data and n.data.name == "Lack of time" for n in _nodes(tree.root))
        )
    with Project.open(app_project) as project, project.read_session() as session:
        names = [c.name for c in CodebookService(session).list_codes()]
    assert "Lack of time" in names and "No time" not in names


def _nodes(node):  # type: ignore[no-untyped-def]
    for child in node.children:
        yield child
        yield from _nodes(child)
