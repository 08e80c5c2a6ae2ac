"""Every screen shows others' work live (issue 15), not only the transcript and the list:
the compare screen (codings, review comments), a discussion open on a coding, the
identifier register and the agreement table; each keeps the reader's row, scroll, focus
and any dialog, and a comment being typed stays as typed."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static, TextArea

from qualcode.domain.review import CodingAnchor
from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.identifiers import IdentifierService
from qualcode.services.project import Project
from qualcode.services.review import ReviewService
from qualcode.services.sources import SourceService
from qualcode.store.location import ProjectLocation
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.agreement import AgreementScreen
from qualcode.tui.screens.compare import CompareScreen
from qualcode.tui.screens.dialogs import TextPrompt
from qualcode.tui.screens.identifiers import IdentifiersScreen
from qualcode.tui.screens.review_dialogs import CommentDialog, ThreadDialog
from tests.conftest import SMALL_CODEBOOK
from tests.tui.conftest import wait_for

SIZE = (80, 24)
SEEN_WITHIN = 2.0  # issue 15: others' work shows within 2 s


def _code(location: Path | str, coder: str, source: str, code: str, passage: str) -> str:
    with Project.open(location) as project, project.session() as session:
        return CodingService(session, coder).add_passage(source, code, passage).uuid


@pytest.fixture
def coded(app_project: Path) -> Path:
    """Ann and Bo disagree on Time twice in the focus group."""
    _code(app_project, "Ann", "group", "Time", "The waiting list is huge")
    _code(app_project, "Bo", "group", "Time", "We have no time at all. The waiting list is huge")
    _code(app_project, "Ann", "group", "Bridging roles", "the navigator role bridges the gap")
    return app_project


async def _compare(app: QualcodeApp, pilot) -> CompareScreen:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: app.backend is not None)
    app.action_compare("group")
    await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
    screen = app.screen
    assert isinstance(screen, CompareScreen)
    await wait_for(pilot, lambda: screen.source is not None and screen.current is not None)
    await pilot.pause()
    return screen


def _detail(screen: CompareScreen) -> str:
    return str(screen.query_one("#compare-detail-text", Static).render())


def _comment(location: Path | str, coder: str, anchor: object, text: str) -> None:
    with Project.open(location) as project, project.session() as session:
        ReviewService(session, coder).comment(anchor, text)  # type: ignore[arg-type]


# --- the compare screen: review comments and codings --------------------------------------


async def test_a_comment_by_another_coder_shows_in_the_compare_screen(coded: Path) -> None:
    ann = QualcodeApp(coded, coder="Ann")
    bo = QualcodeApp(coded, coder="Bo")
    async with ann.run_test(size=SIZE) as ann_pilot, bo.run_test(size=SIZE) as bo_pilot:
        ann_screen = await _compare(ann, ann_pilot)
        bo_screen = await _compare(bo, bo_pilot)
        view = ann_screen.view
        # Ann reads with a passage selected, further on than the disagreement.
        start = view.text.index("navigator role")
        view.select(start, start + len("navigator role"))
        await ann_pilot.pause()
        place = (ann_screen.current, view.cursor, view.selection, view.scroll_offset.y)

        # Bo comments in his app, through his screen's own dialog.
        await bo_pilot.press("c")
        await wait_for(bo_pilot, lambda: isinstance(bo.screen, CommentDialog))
        await bo_pilot.press(*"Where does the waiting start?", "ctrl+s")
        await wait_for(bo_pilot, lambda: "Where does the waiting" in _detail(bo_screen))

        await wait_for(
            ann_pilot, lambda: "Where does the waiting" in _detail(ann_screen), timeout=SEEN_WITHIN
        )
        assert ann_screen.current is not None and place[0] is not None
        assert ann_screen.current.anchor == place[0].anchor
        assert (view.cursor, view.selection, view.scroll_offset.y) == place[1:]
        assert ann.focused is view


async def test_a_comment_being_typed_stays_while_another_arrives(coded: Path) -> None:
    ann = QualcodeApp(coded, coder="Ann")
    async with ann.run_test(size=SIZE) as pilot:
        screen = await _compare(ann, pilot)
        assert screen.current is not None
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(ann.screen, CommentDialog))
        dialog = ann.screen
        await pilot.press(*"I think the list")
        box = dialog.query_one(TextArea)

        _comment(coded, "Bo", screen.current.anchor, "Bo's view of it")

        await wait_for(pilot, lambda: "Bo's view of it" in _detail(screen), timeout=SEEN_WITHIN)
        assert ann.screen is dialog and ann.focused is box and box.text == "I think the list"


async def test_a_coding_by_a_new_coder_shows_as_a_lane_without_renumbering(coded: Path) -> None:
    ann = QualcodeApp(coded, coder="Ann")
    async with ann.run_test(size=SIZE) as pilot:
        screen = await _compare(ann, pilot)
        assert screen.coders == ["Ann", "Bo"]
        before = screen.current
        cursor = screen.view.cursor

        _code(coded, "Cleo", "group", "Time", "nobody owns the risk")

        await wait_for(pilot, lambda: screen.coders == ["Ann", "Bo", "Cleo"], timeout=SEEN_WITHIN)
        await wait_for(pilot, lambda: any(c.coder == "Cleo" for c in screen.codings))
        assert [lane.coder for lane in screen.view.lanes][:3] == ["Ann", "Bo", "Cleo"]
        assert screen.current is not None and before is not None
        assert screen.current.anchor == before.anchor and screen.view.cursor == cursor
