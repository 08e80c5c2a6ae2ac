"""`open --source` shows the transcript without loading the transcripts list underneath
(it only competed with the transcript the person waits for); the list is loaded when
it is seen."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.sources import SourcesScreen
from qualcode.tui.screens.transcript import TranscriptScreen
from qualcode.tui.widgets.transcript_view import TranscriptView
from tests.tui.conftest import wait_for


@pytest.mark.asyncio
async def test_the_list_under_an_opened_transcript_loads_when_it_is_seen(
    app_project: Path,
) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, TranscriptScreen)
            and bool(app.screen.query(TranscriptView))
            and bool(app.screen.query_one(TranscriptView).text),
        )
        await pilot.pause()
        sources = next(s for s in app.screen_stack if isinstance(s, SourcesScreen))
        assert sources.query_one(DataTable).row_count == 0  # not loaded behind the text
        await pilot.press("o")  # back to the transcripts
        await wait_for(pilot, lambda: app.screen is sources)
        table = sources.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 2)
