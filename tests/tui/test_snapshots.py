"""Snapshots of the main screens. Update after a deliberate change with --snapshot-update
and look at the SVGs (tests/tui/__snapshots__/) before committing them."""

from __future__ import annotations

from pathlib import Path

from qualcode.services.coding import CodingService
from qualcode.services.project import Project
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.code_picker import CodePicker
from qualcode.tui.screens.help import HelpScreen
from qualcode.tui.screens.transcript import TranscriptScreen
from qualcode.tui.widgets.transcript_view import TranscriptView
from tests.tui.conftest import sources_table, table_settled, wait_for

SIZE = (120, 36)


def _coded(path: Path) -> Path:
    with Project.open(path) as project, project.session() as session:
        service = CodingService(session, "Ann")
        service.add_passage("interview-sam", "Time", "we just have no time")
        service.add_passage("interview-sam", "Risk", "no time. The trust is huge")
        service.add_passage("interview-sam", "Bridging roles", "The navigator role",
                            memo="A bridge, in her words")
    return path


async def _transcript_ready(pilot) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, TranscriptScreen)
                   and app.screen.query(TranscriptView)
                   and len(app.screen.query_one(TranscriptView).highlights) == 3)
    view = app.screen.query_one(TranscriptView)
    view.move_cursor_to(view.text.index("no time"))
    await pilot.pause()


def test_sources_screen(snap_compare, app_project: Path) -> None:  # type: ignore[no-untyped-def]
    async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
        table = await sources_table(pilot)
        await wait_for(pilot, lambda: table.row_count == 2)
        await table_settled(pilot, table)

    app = QualcodeApp(_coded(app_project), coder="Ann")
    assert snap_compare(app, terminal_size=SIZE, run_before=ready)


def test_transcript_with_overlapping_codes(snap_compare, app_project: Path) -> None:  # type: ignore[no-untyped-def]
    app = QualcodeApp(_coded(app_project), coder="Ann", open_source="interview-sam")
    assert snap_compare(app, terminal_size=SIZE, run_before=_transcript_ready)


def test_code_picker_filtering(snap_compare, app_project: Path) -> None:  # type: ignore[no-untyped-def]
    async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
        await _transcript_ready(pilot)
        view = pilot.app.screen.query_one(TranscriptView)
        start = view.text.index("nobody owns the risk")
        view.select(start, start + len("nobody owns the risk"))
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CodePicker))
        await pilot.press(*"risc")
        await pilot.pause()

    app = QualcodeApp(_coded(app_project), coder="Ann", open_source="interview-sam")
    assert snap_compare(app, terminal_size=SIZE, run_before=ready)


def test_help_screen(snap_compare, app_project: Path) -> None:  # type: ignore[no-untyped-def]
    async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
        await _transcript_ready(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        await pilot.pause()

    app = QualcodeApp(_coded(app_project), coder="Ann", open_source="interview-sam")
    assert snap_compare(app, terminal_size=SIZE, run_before=ready)


def test_suggestions_panel(snap_compare, app_project: Path) -> None:  # type: ignore[no-untyped-def]
    from qualcode.tui.widgets.suggestions_panel import SuggestionsPanel

    async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await wait_for(pilot, lambda: isinstance(app.screen, TranscriptScreen)
                       and app.screen.query(TranscriptView)
                       and bool(app.screen.query_one(TranscriptView).text))
        await pilot.press("g")
        panel = app.screen.query_one(SuggestionsPanel)
        await wait_for(pilot, lambda: bool(panel.items) and panel.has_focus)
        await pilot.pause()

    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    assert snap_compare(app, terminal_size=SIZE, run_before=ready)
