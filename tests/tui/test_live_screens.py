"""Every screen shows others' work live (issue 15), not only the transcript and the list:
the compare screen (codings, review comments), a discussion open on a coding, the
identifier register and the agreement table; each keeps the reader's row, scroll, focus
and any dialog, and a comment being typed stays as typed."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Static, TextArea

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
from qualcode.tui.screens.identifiers import IdentifiersScreen
from qualcode.tui.screens.review_dialogs import CommentDialog, ThreadDialog
from qualcode.tui.screens.transcript import TranscriptScreen
from tests.conftest import SMALL_CODEBOOK
from tests.tui.conftest import wait_for

SIZE = (80, 24)
SEEN_WITHIN = 2.0  # issue 15: others' work shows within 2 s


Where = Path | ProjectLocation


def _code(location: Where, coder: str, source: str, code: str, passage: str) -> str:
    with Project.open(location) as project, project.session() as session:
        return CodingService(session, coder).add_passage(source, code, passage).uuid


def _disagree(location: Where) -> None:
    """Ann and Bo disagree on Time in the focus group; Ann coded Bridging roles too."""
    _code(location, "Ann", "group", "Time", "The waiting list is huge")
    _code(location, "Bo", "group", "Time", "We have no time at all. The waiting list is huge")
    _code(location, "Ann", "group", "Bridging roles", "the navigator role bridges the gap")


@pytest.fixture
def coded(app_project: Path) -> Path:
    _disagree(app_project)
    return app_project


@pytest.fixture(params=["sqlite", "postgresql"])
def team_project(request: pytest.FixtureRequest, coded: Path, tmp_path: Path) -> Where:
    """The coded project, once as a file and once on a PostgreSQL server."""
    if request.param == "sqlite":
        return coded
    url = request.getfixturevalue("postgres_url")
    files = tmp_path / "files"
    with Project.create(url) as project, project.session() as session:
        CodebookService(session, "Setup").import_codebook(SMALL_CODEBOOK)
        SourceService(session, "Setup").import_files([files / "group.txt"], files / "people.csv")
    location = ProjectLocation.parse(url)
    _disagree(location)
    return location


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


def _comment(location: Where, coder: str, anchor: object, text: str) -> None:
    with Project.open(location) as project, project.session() as session:
        ReviewService(session, coder).comment(anchor, text)  # type: ignore[arg-type]


# --- the compare screen: review comments and codings --------------------------------------


async def test_a_comment_by_another_coder_shows_in_the_compare_screen(
    team_project: Where,
) -> None:
    ann = QualcodeApp(team_project, coder="Ann")
    bo = QualcodeApp(team_project, coder="Bo")
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


async def test_a_coding_by_a_new_coder_shows_as_a_lane_without_renumbering(
    team_project: Where,
) -> None:
    ann = QualcodeApp(team_project, coder="Ann")
    async with ann.run_test(size=SIZE) as pilot:
        screen = await _compare(ann, pilot)
        assert screen.coders == ["Ann", "Bo"]
        before = screen.current
        cursor = screen.view.cursor

        _code(team_project, "Cleo", "group", "Time", "nobody owns the risk")

        await wait_for(pilot, lambda: screen.coders == ["Ann", "Bo", "Cleo"], timeout=SEEN_WITHIN)
        await wait_for(pilot, lambda: any(c.coder == "Cleo" for c in screen.codings))
        assert [lane.coder for lane in screen.view.lanes][:3] == ["Ann", "Bo", "Cleo"]
        assert screen.current is not None and before is not None
        assert screen.current.anchor == before.anchor and screen.view.cursor == cursor


# --- a discussion open on a coding -----------------------------------------------------


async def test_a_discussion_shows_another_coders_comment_while_one_is_written(
    coded: Path,
) -> None:
    ann = QualcodeApp(coded, coder="Ann", open_source="group")
    async with ann.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(ann.screen, TranscriptScreen))
        screen = ann.screen
        assert isinstance(screen, TranscriptScreen)
        await wait_for(pilot, lambda: len(screen.codings) == 3 and bool(screen.view.text))
        bridging = next(c for c in screen.codings.values() if c.code_path.endswith("roles"))
        screen.view.move_cursor_to(bridging.start + 1)  # only Ann's Bridging roles there
        await pilot.pause()
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(ann.screen, ThreadDialog))
        dialog = ann.screen
        await pilot.press(*"Half a thought")
        box = dialog.query_one(TextArea)
        entries = dialog.query_one("#thread-entries Static", Static)

        # The thread's first comment is Bo's: the dialog was opened before it existed.
        _comment(coded, "Bo", CodingAnchor(bridging.uuid), "Is this a bridge or a role?")

        await wait_for(
            pilot, lambda: "bridge or a role" in str(entries.render()), timeout=SEEN_WITHIN
        )
        assert ann.screen is dialog and ann.focused is box and box.text == "Half a thought"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: ann.screen is screen)
    with Project.open(coded) as project, project.read_session() as session:
        thread = ReviewService(session, "Ann").thread_for(CodingAnchor(bridging.uuid))
    assert thread is not None
    assert [e.text for e in thread.entries] == ["Is this a bridge or a role?", "Half a thought"]


# --- the identifier register ------------------------------------------------------------


def _register(location: Where, original: str, replacement: str) -> None:
    with Project.open(location) as project, project.session() as session:
        IdentifierService(session, "Setup").add(original, replacement, "person")


async def _open_register(app: QualcodeApp, pilot) -> IdentifiersScreen:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: app.backend is not None)
    app.action_identifiers()
    await wait_for(pilot, lambda: isinstance(app.screen, IdentifiersScreen))
    screen = app.screen
    assert isinstance(screen, IdentifiersScreen)
    await wait_for(pilot, lambda: bool(screen.query("#identifiers")) and screen.entries)
    return screen


async def test_a_register_entry_added_by_the_owner_shows_in_another_app(
    app_project: Path,
) -> None:
    _register(app_project, "Mary Smith", "[nurse]")
    _register(app_project, "Tom Jones", "[manager]")
    ann = QualcodeApp(app_project, coder="Ann")
    async with ann.run_test(size=SIZE) as pilot:
        screen = await _open_register(ann, pilot)
        table = screen.register_table
        await wait_for(pilot, lambda: table.row_count == 2)
        table.move_cursor(row=1)  # on Tom Jones
        await pilot.pause()
        kept = table.coordinate_to_cell_key(table.cursor_coordinate).row_key

        _register(app_project, "Alice Abbot", "[carer]")  # listed first, above the cursor

        await wait_for(pilot, lambda: table.row_count == 3, timeout=SEEN_WITHIN)
        assert screen.entries[0].original == "Alice Abbot" and table.cursor_row == 2
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key == kept
        assert ann.focused is table and ann.screen is screen


# --- the agreement table ----------------------------------------------------------------


async def test_the_agreement_table_counts_another_coders_coding_on_the_same_row(
    coded: Path,
) -> None:
    ann = QualcodeApp(coded, coder="Ann")
    async with ann.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: ann.backend is not None)
        ann.action_agreement()
        await wait_for(pilot, lambda: isinstance(ann.screen, AgreementScreen))
        screen = ann.screen
        assert isinstance(screen, AgreementScreen)
        await wait_for(pilot, lambda: screen.report is not None)
        table = screen.query_one(DataTable)
        labels = [row.label for row, _ in screen._rows()]
        bridging = next(i for i, label in enumerate(labels) if label.endswith("Bridging roles"))
        table.move_cursor(row=bridging)
        await pilot.pause()
        kept = table.coordinate_to_cell_key(table.cursor_coordinate).row_key

        _code(coded, "Cleo", "group", "Risk", "nobody owns the risk")  # a row above

        await wait_for(
            pilot,
            lambda: screen.report is not None and "Cleo" in screen.report.coders,
            timeout=SEEN_WITHIN,
        )
        assert any(row.label.endswith("Risk") for row, _ in screen._rows())
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key == kept
        assert table.cursor_row == bridging + 1 and ann.focused is table


async def test_a_disagreement_whose_edge_moves_stays_the_one_on_show(coded: Path) -> None:
    ann = QualcodeApp(coded, coder="Ann")
    async with ann.run_test(size=SIZE) as pilot:
        screen = await _compare(ann, pilot)
        before = screen.current
        assert before is not None

        # Cleo codes Time over part of the passage: the disagreement's edges move.
        _code(coded, "Cleo", "group", "Time", "no time at all")

        await wait_for(pilot, lambda: "Cleo" in screen.coders, timeout=SEEN_WITHIN)
        now = screen.current
        assert now is not None and now.anchor != before.anchor
        assert now.disagreement.code_path == before.disagreement.code_path
        assert not any("settled" in n.message for n in ann._notifications)
