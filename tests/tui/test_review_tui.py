"""The peer review in the app: compare coders, walk disagreements, discuss, decide,
and the agreement table (issue 6)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from qualcode.domain.review import CodingAnchor, ReviewStatus, SpanAnchor
from qualcode.services.agreement import AgreementService
from qualcode.services.coding import CodingService
from qualcode.services.project import Project
from qualcode.services.review import ReviewService
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.agreement import AgreementScreen, cells
from qualcode.tui.screens.code_picker import CodePicker
from qualcode.tui.screens.compare import CompareScreen
from qualcode.tui.screens.dialogs import Choose, TextPrompt
from qualcode.tui.screens.review_dialogs import CommentDialog, ThreadDialog
from qualcode.tui.screens.transcript import TranscriptScreen
from qualcode.tui.widgets.coder_lanes import CompareView, Lane, lane_letters
from qualcode.tui.widgets.transcript_view import TranscriptView
from tests.conftest import review_register
from tests.tui.conftest import table_settled, wait_for

SIZE = (130, 40)
TIME = "11111111-1111-4111-8111-111111111112"
RISK = "11111111-1111-4111-8111-111111111113"
BRIDGING = "22222222-2222-4222-8222-222222222222"


def _code(path: Path, coder: str, source: str, code: str, passage: str, memo: str = "") -> None:
    with Project.open(path) as project, project.session() as session:
        CodingService(session, coder).add_passage(source, code, passage, memo=memo)


@pytest.fixture
def review_project(app_project: Path) -> Path:
    """Ann and Bo coded both transcripts; Cy coded only the focus group.

    Disagreements, in walkthrough order (group.txt before interview-sam):
    group: Time "The waiting list is huge" (Ann, Cy; not Bo), Bridging "the navigator
    role bridges the gap" (Bo only); interview: Time "The trust is huge" (Bo only).
    """
    p = app_project
    _code(p, "Ann", "interview-sam", "Time", "we just have no time", memo="Time, plainly")
    _code(p, "Bo", "interview-sam", "Time", "we just have no time. The trust is huge")
    _code(p, "Ann", "group", "Time", "The waiting list is huge")
    _code(p, "Cy", "group", "Time", "The waiting list is huge")
    _code(p, "Bo", "group", "Bridging roles", "the navigator role bridges the gap")
    _code(p, "Ann", "group", "Risk", "nobody owns the risk")
    _code(p, "Bo", "group", "Risk", "nobody owns the risk")
    _code(p, "Cy", "group", "Risk", "nobody owns the risk")
    review_register(p)
    return p


async def open_compare(pilot, source: str | None = None) -> CompareScreen:  # type: ignore[no-untyped-def]
    app = pilot.app
    await wait_for(pilot, lambda: app.backend is not None)
    app.action_compare(source)
    await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
    screen = app.screen
    await wait_for(pilot, lambda: screen.source is not None and screen.current is not None)
    await pilot.pause()
    return screen


async def open_agreement(pilot) -> AgreementScreen:  # type: ignore[no-untyped-def]
    app = pilot.app
    await wait_for(pilot, lambda: app.backend is not None)
    app.action_agreement()
    await wait_for(
        pilot, lambda: isinstance(app.screen, AgreementScreen) and app.screen.report is not None
    )
    return app.screen


def marks(screen: CompareScreen, passage: str) -> dict[str, bool]:
    view = screen.query_one(CompareView)
    start = view.text.index(passage)
    found = view.lane_marks(start, start + len(passage))
    return {lane.coder: mark for lane, mark in zip(view.lanes, found, strict=True)}


def others(screen: CompareScreen, passage: str) -> dict[str, bool]:
    view = screen.query_one(CompareView)
    start = view.text.index(passage)
    found = view.other_marks(start, start + len(passage))
    return {lane.coder: mark for lane, mark in zip(view.lanes, found, strict=True)}


def current(screen: CompareScreen) -> tuple[str, str, str]:
    item = screen.current
    assert item is not None
    d = item.disagreement
    return (d.source, d.code_path.rsplit(" > ", 1)[-1], d.text)


def expected_cells(rows) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """The table's rows for three coders (no kappa): themes nobody coded themselves are
    greyed headings over their coded sub-codes (issue 13)."""
    return [[str(c) for c in cells(r, kappa=False, heading=not r.coded_by_any)] for r in rows]


def threads(path: Path) -> list:  # type: ignore[type-arg]
    with Project.open(path) as project, project.read_session() as session:
        return ReviewService(session, "Ann").threads()


def consensus(path: Path) -> list[tuple[str, str, str]]:
    with Project.open(path) as project, project.read_session() as session:
        return [
            (c.source, c.code_path.rsplit(" > ", 1)[-1], c.text)
            for c in CodingService(session).list(coder="consensus")
        ]


# --- the lanes, pure ------------------------------------------------------------------


def test_lane_covers_and_letters() -> None:
    lane = Lane.build("Ann", "A", "#fff", [(10, 20), (15, 30), (40, 45)], [(50, 60)])
    assert lane.spans == ((10, 30), (40, 45))
    assert lane.covers(0, 11) and lane.covers(29, 35) and lane.covers(44, 60)
    assert not lane.covers(30, 40) and not lane.covers(0, 10) and not lane.covers(45, 99)
    assert lane.covers_other(59, 70) and not lane.covers_other(0, 50)
    assert lane_letters(["Ann", "Bo", "Cy"]) == ["A", "B", "C"]
    assert lane_letters(["Ann", "alex", "Bo"]) == ["1", "2", "B"]


# --- compare view -------------------------------------------------------------------------


async def test_lanes_show_who_coded_what(review_project: Path) -> None:
    app = QualcodeApp(review_project, coder="Ann")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(pilot, "group")
        view = screen.query_one(CompareView)
        assert [lane.coder for lane in view.lanes] == ["Ann", "Bo", "Cy", "consensus"]
        assert [lane.letter for lane in view.lanes] == ["A", "B", "C", "="]
        # All codes: capitals for the current disagreement's code (Time), small letters
        # for the others.
        assert marks(screen, "The waiting list is huge") == {
            "Ann": True, "Bo": False, "Cy": True, "consensus": False}
        assert marks(screen, "bridges the gap") == {
            "Ann": False, "Bo": False, "Cy": False, "consensus": False}
        assert others(screen, "bridges the gap") == {
            "Ann": False, "Bo": True, "Cy": False, "consensus": False}
        assert others(screen, "nobody owns") == {
            "Ann": True, "Bo": True, "Cy": True, "consensus": False}
        # The first disagreement of the transcript is shown, highlighted and explained.
        assert current(screen) == ("group", "Time", "The waiting list is huge")
        assert [h.key for h in view.highlights] == ["current"]
        detail = str(screen.query_one("#compare-detail-text").render())
        assert "coded by Ann, Cy; not by Bo" in detail
        # A row's lanes: marks where a coder coded Time on that row.
        assert view.row_marks(view.text.index("For us the")) == [False, False, False, False]
        assert view.row_marks(view.text.index("The waiting list")) == [True, False, True, False]
        await pilot.press("n")  # the navigator: now the lanes show Bridging roles
        assert marks(screen, "bridges the gap")["Bo"] is True
        assert others(screen, "The waiting list is huge")["Ann"] is True
        await pilot.press("l")  # the consensus lane can be hidden
        assert [lane.coder for lane in view.lanes] == ["Ann", "Bo", "Cy"]


async def test_next_and_previous_walk_every_transcript(review_project: Path) -> None:
    app = QualcodeApp(review_project, coder="Ann")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(pilot, "group")
        seen = [current(screen)]
        await pilot.press("n")
        seen.append(current(screen))
        await pilot.press("right_square_bracket")  # ] also goes on, into the interview
        await wait_for(pilot, lambda: screen.source == "interview-sam"
                       and screen.current is not None
                       and screen.current.disagreement.source == "interview-sam")
        seen.append(current(screen))
        assert seen == [
            ("group", "Time", "The waiting list is huge"),
            ("group", "Bridging roles", "the navigator role bridges the gap"),
            ("interview-sam", "Time", ". The trust is huge"),
        ]
        assert "The trust is huge" in screen.query_one(CompareView).text
        await pilot.press("n")  # past the last: stays, says so
        assert current(screen)[0] == "interview-sam"
        await pilot.press("p")
        await wait_for(pilot, lambda: screen.source == "group"
                       and current(screen)[1] == "Bridging roles")
        await pilot.press("left_square_bracket")
        assert current(screen)[1] == "Time"


async def test_filter_by_code(review_project: Path) -> None:
    app = QualcodeApp(review_project, coder="Ann")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(pilot, "group")
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, CodePicker))
        await pilot.press(*"bridging", "enter")
        await wait_for(pilot, lambda: screen.code is not None and app.screen is screen
                       and screen.current is not None
                       and current(screen)[1] == "Bridging roles")
        await pilot.pause()
        assert len(screen.items) == 1
        # Lanes now show only that code: nobody's Time or Risk coding.
        assert marks(screen, "The waiting list is huge") == {
            "Ann": False, "Bo": False, "Cy": False, "consensus": False}
        assert marks(screen, "bridges the gap")["Bo"] is True
        await pilot.press("F")  # all codes again
        await wait_for(pilot, lambda: screen.code is None and len(screen.items) == 3)


async def test_comment_and_status_from_the_compare_view(review_project: Path) -> None:
    app = QualcodeApp(review_project, coder="Ann")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(pilot, "group")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
        await pilot.press(*"Bo missed it", "ctrl+s")  # enter makes a new line (issue 13)
        await wait_for(pilot, lambda: screen.current is not None
                       and screen.current.thread is not None)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, Choose))
        await pilot.press("down", "down", "down", "enter")  # needs discussion
        await wait_for(pilot, lambda: screen.current is not None
                       and screen.current.status is ReviewStatus.NEEDS_DISCUSSION)
        assert "needs discussion" in str(screen.query_one("#compare-detail-text").render())
        assert "Bo missed it" in str(screen.query_one("#compare-detail-text").render())
    (thread,) = threads(review_project)
    assert (thread.source, thread.code_path, thread.coding_uuid) == ("group", "Barriers > Time",
                                                                    None)
    assert [(e.author, e.text) for e in thread.comments] == [("Ann", "Bo missed it")]
    assert thread.status is ReviewStatus.NEEDS_DISCUSSION


async def test_decide_accept_coder_all_and_none(review_project: Path) -> None:
    app = QualcodeApp(review_project, coder="Ann")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(pilot, "group")
        view = screen.query_one(CompareView)
        await pilot.press("1")  # Ann's version of the waiting list
        await wait_for(pilot, lambda: screen.current is not None
                       and screen.current.status is ReviewStatus.RESOLVED)
        assert marks(screen, "The waiting list is huge")["consensus"] is True
        assert "accepted Ann's version" in str(screen.query_one("#compare-detail-text").render())
        await pilot.press("n")
        await pilot.press("x")  # neither: the navigator is not coded Bridging
        await wait_for(pilot, lambda: screen.current is not None
                       and screen.current.status is ReviewStatus.RESOLVED)
        assert marks(screen, "bridges the gap")["consensus"] is False
        await pilot.press("n")
        await wait_for(pilot, lambda: screen.source == "interview-sam"
                       and screen.current is not None)
        await pilot.press("a")  # everyone's: the part only Bo coded stands
        await wait_for(pilot, lambda: screen.current is not None
                       and screen.current.status is ReviewStatus.RESOLVED)
        assert marks(screen, "The trust is huge")["consensus"] is True
        assert view.lanes[-1].coder == "consensus"
        assert sorted(consensus(review_project)) == [
            ("group", "Time", "The waiting list is huge"),
            # only the disagreement itself (issue 11); the agreed part is the seed's
            ("interview-sam", "Time", ". The trust is huge"),
        ]
        # u undoes the last decision.
        await pilot.press("u")
        await wait_for(pilot, lambda: not marks(screen, "The trust is huge")["consensus"])
    assert consensus(review_project) == [("group", "Time", "The waiting list is huge")]


async def test_hide_resolved_skips_them(review_project: Path) -> None:
    app = QualcodeApp(review_project, coder="Ann")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(pilot, "group")
        await pilot.press("1")
        await wait_for(pilot, lambda: screen.current is not None
                       and screen.current.status is ReviewStatus.RESOLVED)
        await pilot.press("h")  # hide resolved: moves on to the next open one
        assert current(screen)[1] == "Bridging roles"
        await pilot.press("p")
        assert current(screen)[1] == "Bridging roles"  # nothing open before it


async def test_edited_span_from_a_selection(review_project: Path) -> None:
    app = QualcodeApp(review_project, coder="Ann")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(pilot, "group")
        view = screen.query_one(CompareView)
        start = view.text.index("waiting list")
        view.select(start, start + len("waiting list"))
        await pilot.press("e")
        await wait_for(pilot, lambda: screen.current is not None
                       and screen.current.status is ReviewStatus.RESOLVED)
    assert consensus(review_project) == [("group", "Time", "waiting list")]


async def test_discuss_a_coding_from_the_transcript(review_project: Path) -> None:
    app = QualcodeApp(review_project, coder="Bo", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, TranscriptScreen))
        screen = app.screen
        await wait_for(pilot, lambda: len(screen.codings) == 2 and bool(screen.view.text))
        view = screen.view
        view.move_cursor_to(view.text.index("The trust is huge"))  # only Bo's coding
        await pilot.pause()
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadDialog))
        await pilot.press(*"Too wide?", "ctrl+s")  # enter makes a new line (issue 13)
        await wait_for(pilot, lambda: app.screen is screen and threads(review_project))
        view.move_cursor_to(view.text.index("The trust is huge"))
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadDialog))
        dialog = app.screen
        assert "Too wide?" in str(dialog.query_one("#thread-entries Static").render())
        dialog.query_one("#thread-status").value = "agree"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: threads(review_project)[0].status is ReviewStatus.AGREE)
    (thread,) = threads(review_project)
    with Project.open(review_project) as project, project.read_session() as session:
        bo = [c for c in CodingService(session).list(coder="Bo", source="interview-sam")]
        again = ReviewService(session, "Bo").thread_for(CodingAnchor(bo[0].uuid))
    assert thread.coding_uuid == bo[0].uuid and again is not None
    assert [(e.author, e.text) for e in thread.comments] == [("Bo", "Too wide?")]


# --- agreement table ------------------------------------------------------------------------


async def test_agreement_table_matches_the_service(review_project: Path) -> None:
    with Project.open(review_project) as project, project.read_session() as session:
        chars = AgreementService(session).agreement()
        turns = AgreementService(session).agreement(unit="sentence")
    app = QualcodeApp(review_project, coder="Ann")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_agreement(pilot)
        table = screen.query_one(DataTable)

        def shown() -> list[list[str]]:
            return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]

        expected = expected_cells((chars.overall, *chars.by_code))
        assert shown() == expected
        assert shown()[0][0] == chars.overall.label
        assert [r[4] for r in shown()][1:] == [
            f"{r.percent_agreement.value:.1%}" if r.coded_by_any else ""
            for r in chars.by_code]
        assert "Kappa" not in [str(c.label) for c in table.ordered_columns]  # three coders
        await pilot.press("u")
        await wait_for(pilot, lambda: screen.report.unit == "sentence")
        assert shown() == expected_cells((turns.overall, *turns.by_code))
        # Enter on a code opens the compare view on it, at its first disagreement.
        row = next(i for i, r in enumerate(shown()) if r[0].endswith("Time"))
        table.move_cursor(row=row)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen)
                       and app.screen.current is not None)
        compare = app.screen
        assert compare.code == (TIME, "Barriers > Time")
        assert current(compare) == ("group", "Time", "The waiting list is huge")


async def test_compare_from_keys_and_palette(review_project: Path) -> None:
    app = QualcodeApp(review_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, TranscriptScreen)
                       and bool(app.screen.query(TranscriptView))
                       and bool(app.screen.view.text))
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen)
                       and app.screen.current is not None)
        assert current(app.screen)[0] == "interview-sam"
        await pilot.press("escape")
        assert isinstance(app.screen, TranscriptScreen)
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Compare coders" in commands and "Agreement between coders" in commands


def test_span_anchor_is_what_the_review_stores() -> None:
    assert SpanAnchor("group", TIME, 1, 2).code == TIME
    assert RISK and BRIDGING


# --- snapshots ------------------------------------------------------------------------------


def test_compare_view_snapshot(snap_compare, review_project: Path) -> None:  # type: ignore[no-untyped-def]
    async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
        screen = await open_compare(pilot, "group")
        await pilot.press("n")
        assert current(screen)[1] == "Bridging roles"
        await pilot.pause()

    app = QualcodeApp(review_project, coder="Ann")
    assert snap_compare(app, terminal_size=(100, 30), run_before=ready)


def test_agreement_table_snapshot(snap_compare, review_project: Path) -> None:  # type: ignore[no-untyped-def]
    async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await wait_for(pilot, lambda: app.backend is not None)
        app.action_agreement()
        await wait_for(pilot, lambda: isinstance(app.screen, AgreementScreen)
                       and app.screen.report is not None)
        await table_settled(pilot, app.screen.query_one("#agreement", DataTable))

    app = QualcodeApp(review_project, coder="Ann")
    assert snap_compare(app, terminal_size=(120, 24), run_before=ready)


async def test_seed_the_consensus_from_the_palette_action(review_project: Path) -> None:
    app = QualcodeApp(review_project, coder="Ann")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(pilot, "group")
        assert "0 decided" in str(screen.query_one("#compare-detail-text").render())
        commands = [c.title for c in app.get_system_commands(screen)]
        assert "Start the consensus from agreed coding" in commands
        screen.action_seed()
        # What every coder present coded alike is copied: Risk in the group, and in the
        # interview the part of Time that Ann and Bo both coded.
        # (The lanes mark the current disagreement's code, Time; Risk is another code.)
        await wait_for(pilot, lambda: others(screen, "nobody owns the risk")["consensus"])
        assert sorted(consensus(review_project)) == [
            ("group", "Risk", "nobody owns the risk"),
            ("interview-sam", "Time", "we just have no time"),
        ]
        await pilot.press("u")
        await wait_for(pilot, lambda: not others(screen, "nobody owns the risk")["consensus"])
    assert consensus(review_project) == []


async def test_agreement_by_source_and_saved_for_a_report(
    review_project: Path, tmp_path: Path
) -> None:
    from qualcode.exporters.readback import text_locations

    with Project.open(review_project) as project, project.read_session() as session:
        report = AgreementService(session).agreement()
    app = QualcodeApp(review_project, coder="Ann")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_agreement(pilot)
        table = screen.query_one(DataTable)
        await pilot.press("b")
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [r[0] for r in rows] == [report.overall.label, "group", "interview-sam"]
        assert [rows[1]] == expected_cells(report.by_source[:1])
        assert str(table.ordered_columns[0].label) == "Source"
        # Enter on a source compares the coders on it.
        table.move_cursor(row=2)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen)
                       and app.screen.source == "interview-sam")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        # w saves the table shown, for the report.
        saved = tmp_path / "agreement.csv"
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        prompt = app.screen
        prompt.query_one("Input").value = str(saved)
        await pilot.press("enter")
        await wait_for(pilot, saved.exists)
    cells_saved = [t for _, t in text_locations(saved)]
    assert "Source" in cells_saved and "interview-sam" in cells_saved


async def test_one_coder_is_told_how_to_compare(app_project: Path) -> None:
    _code(app_project, "Ann", "interview-sam", "Time", "we just have no time")
    app = QualcodeApp(app_project, coder="Ann")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.backend is not None)
        app.action_compare("interview-sam")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen)
                       and app.screen.coders == ["Ann"])
        detail = app.screen.query_one("#compare-detail-text")
        await wait_for(pilot, lambda: "Only Ann has coded here" in str(detail.render()))
        await pilot.press("escape")
        app.action_agreement()
        await wait_for(pilot, lambda: isinstance(app.screen, AgreementScreen)
                       and app.screen.report is not None)
        title = str(app.screen.query_one("#agreement-title").render())
        assert "Only Ann has coded here" in title and "qualcode merge" in title


async def test_agreement_switches_match_the_service(review_project: Path) -> None:
    with Project.open(review_project) as project, project.read_session() as session:
        both = AgreementService(session).agreement(include_subcodes=True, absent_is_uncoded=True)
    app = QualcodeApp(review_project, coder="Ann")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_agreement(pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: screen.report.include_subcodes)
        await pilot.press("m")
        await wait_for(pilot, lambda: screen.report.absent_is_uncoded)
        table = screen.query_one(DataTable)
        shown = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert shown == expected_cells((both.overall, *both.by_code))
        title = str(screen.query_one("#agreement-title").render())
        assert "sub-codes counted" in title and "counts as not coding it" in title
