"""The extracts screen read as a researcher reads quotes: whole, wrapped, attributed."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.geometry import Region

from qualcode.services.coding import CodingService
from qualcode.services.project import Project
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.code_picker import CodePicker
from qualcode.tui.screens.extracts import ExtractsScreen
from tests.tui.conftest import sources_table, wait_for

QUOTE = "Honestly we just have no time. The trust is huge and nobody owns the risk."


@pytest.fixture
def coded_project(app_project: Path) -> Path:
    with Project.open(app_project) as project, project.session() as session:
        CodingService(session, "Ann").add_passage("interview-sam", "Time", QUOTE)
    return app_project


async def open_extracts_of(pilot, typed: str) -> ExtractsScreen:  # type: ignore[no-untyped-def]
    app = pilot.app
    await sources_table(pilot)
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(app.screen, CodePicker))
    await pilot.press(*typed, "enter")
    await wait_for(
        pilot, lambda: isinstance(app.screen, ExtractsScreen) and app.screen.query("#extracts")
    )
    return app.screen


@pytest.mark.parametrize("size", [(80, 24), (150, 45)])
async def test_each_extract_is_its_whole_quote_wrapped_with_who_said_it(
    coded_project: Path, size: tuple[int, int]
) -> None:
    app = QualcodeApp(coded_project, coder="Ann")
    async with app.run_test(size=size) as pilot:
        screen = await open_extracts_of(pilot, "time")
        listing = screen.query_one("#extracts")
        await wait_for(pilot, lambda: listing.option_count == 1)
        await pilot.pause()
        width, height = listing.size
        lines = [strip.text.strip() for strip in listing.render_lines(Region(0, 0, width, height))]
        shown = " ".join(" ".join(lines).split())
        # The whole quote, on the screen (not a cut line far to the right)...
        assert f"“{QUOTE}”" in shown
        quote_lines = [line for line in lines if line and not line.startswith(("—", "interview"))]
        assert lines[0].startswith("“Honestly")
        # ...wrapped at the narrow size, with its attribution beneath it.
        if size[0] < len(QUOTE):
            assert len(quote_lines) > 1
        assert "— Sam (P1), Mental health partner, area T" in shown
        assert "interview-sam" in shown and "Time, coded by Ann" in shown


async def test_the_extracts_picker_says_what_it_does(coded_project: Path) -> None:
    app = QualcodeApp(coded_project, coder="Ann")
    async with app.run_test(size=(80, 24)) as pilot:
        await sources_table(pilot)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, CodePicker))
        picker = app.screen
        await pilot.pause()
        title = str(picker.query_one("#picker").border_title)
        assert "extracts" in title.lower() and "apply" not in title.lower()
        words = str(picker.query_one("#passage").render()) + str(picker.query_one("#hint").render())
        assert "apply" not in words.lower() and "Coding" not in words
        assert "list" in words.lower()
        await pilot.press(*"time", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ExtractsScreen))
