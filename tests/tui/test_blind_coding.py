"""Blind coding: a coder hides everyone else's codings, and it is remembered."""

from __future__ import annotations

from pathlib import Path

from qualcode.services.coding import CodingService
from qualcode.services.preferences import PreferenceService
from qualcode.services.project import Project
from qualcode.tui.app import QualcodeApp
from qualcode.tui.widgets.codebook_tree import CodebookTree
from qualcode.tui.widgets.title_bar import TitleBar
from tests.tui.conftest import wait_for
from tests.tui.test_workbench import SIZE, open_transcript


def _coded_by_both(path: Path) -> None:
    with Project.open(path) as project, project.session() as session:
        CodingService(session, "Bo").add_passage("interview-sam", "Risk", "nobody owns the risk")
        CodingService(session, "Ann").add_passage("interview-sam", "Time", "no time")


async def test_blind_coding_hides_others_and_is_remembered(app_project: Path) -> None:
    _coded_by_both(app_project)
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        screen, view = await open_transcript(app, pilot)
        await wait_for(pilot, lambda: len(view.highlights) == 2)
        app.action_toggle_blind()
        await wait_for(pilot, lambda: len(view.highlights) == 1)
        assert [screen.codings[h.key].coder for h in view.highlights] == ["Ann"]
        assert "blind" in str(screen.query_one(TitleBar).render())
    with Project.open(app_project) as project, project.read_session() as session:
        assert PreferenceService(session, "Ann").blind()
        assert not PreferenceService(session, "Bo").blind()  # per coder
    # Opening the project again: still blind, and the codebook counts only Ann's work.
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        screen, view = await open_transcript(app, pilot)
        await wait_for(pilot, lambda: len(view.highlights) == 1)
        tree = screen.query_one(CodebookTree)
        await wait_for(pilot, lambda: "Risk" in str(tree.root.children[0].children[1].label))
        assert str(tree.root.children[0].children[1].label).split()[1] == "0"
        app.action_toggle_blind()
        await wait_for(pilot, lambda: len(view.highlights) == 2)
