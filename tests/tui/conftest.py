"""Fixtures for driving the real app with Textual's Pilot."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from qualcode.services.codebook import CodebookService
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
from tests.conftest import SMALL_CODEBOOK

GROUP = """Facilitator: Welcome everyone. Let's start with what gets in the way.

Ann: We have no time at all. The waiting list is huge and nobody owns the risk.

Bo: For us the navigator role bridges the gap between housing and the trust.

Ann: I agree with that. The navigator is the bridge.
"""


@pytest.fixture
def app_project(tmp_path: Path, interview_file: Path) -> Path:
    """A project file with the small codebook, an interview and a focus group."""
    path = tmp_path / "tui.qcp"
    group = tmp_path / "files" / "group.txt"
    group.write_text(GROUP, encoding="utf-8")
    sheet = tmp_path / "files" / "people.csv"
    sheet.write_text("file,speaker,case,stakeholder_group,area\n"
                     "interview-sam.txt,Sam,P1,Mental health partner,T\n"
                     "group.txt,Ann,P2,Local area lead,G\n"
                     "group.txt,Bo,P3,Local area lead,L\n", encoding="utf-8")
    with Project.create(path) as project, project.session() as session:
        CodebookService(session, "Setup").import_codebook(SMALL_CODEBOOK)
        SourceService(session, "Setup").import_files([interview_file, group], sheet)
    return path


async def wait_for(pilot: Pilot[None], condition: Callable[[], object],
                   timeout: float = 10.0) -> None:
    """Let the app run (workers included) until ``condition()`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.02)


async def sources_table(pilot: Pilot[None]) -> DataTable[object]:
    """The sources screen's table once it is mounted and filled (the screen is pushed
    before its children are mounted, so waiting for the screen alone is a race)."""
    from qualcode.tui.screens.sources import SourcesScreen

    app = pilot.app
    await wait_for(
        pilot, lambda: isinstance(app.screen, SourcesScreen) and bool(app.screen.query("#sources"))
    )
    table = app.screen.query_one("#sources", DataTable)
    await wait_for(pilot, lambda: table.row_count > 0)
    return table


async def table_settled(pilot: Pilot[None], table: DataTable[object]) -> None:
    """Wait until ``table`` has sized its columns to the rows it was given and painted
    its header at those widths (a snapshot taken sooner can show the old header)."""
    await pilot.pause()
    await wait_for(pilot, lambda: not table._require_update_dimensions)
    # Under load the header line could stay cached at the widths it had before the rows
    # came (a snapshot then showed a narrower header): drop the caches and repaint.
    table._clear_caches()
    table.refresh()
    await pilot.pause()
    await pilot.pause()
