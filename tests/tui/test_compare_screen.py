"""Compare coders reads without decoding (issue 13): lanes named over their columns,
passages quoted with their speaker instead of character offsets, and a comment box of
many lines saved with ctrl+s."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import TextArea

from qualcode.domain.records import TurnRecord
from qualcode.services.coding import CodingService
from qualcode.services.project import Project
from qualcode.services.review import ReviewService
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.compare import CompareScreen, quoted, speakers
from qualcode.tui.screens.dialogs import Confirm
from qualcode.tui.screens.review_dialogs import CommentDialog
from qualcode.tui.widgets.coder_lanes import CompareView
from tests.tui.conftest import wait_for


def _code(path: Path, coder: str, source: str, code: str, passage: str) -> None:
    with Project.open(path) as project, project.session() as session:
        CodingService(session, coder).add_passage(source, code, passage)


@pytest.fixture
def coded(app_project: Path) -> Path:
    """Ann and Bo disagree on Time in the focus group; Ann coded Bridging roles too."""
    _code(app_project, "Ann", "group", "Time", "The waiting list is huge")
    _code(app_project, "Bo", "group", "Time", "We have no time at all. The waiting list is huge")
    _code(app_project, "Ann", "group", "Bridging roles", "the navigator role bridges the gap")
    return app_project


async def _compare(pilot) -> CompareScreen:  # type: ignore[no-untyped-def]
    app = pilot.app
    await wait_for(pilot, lambda: app.backend is not None)
    app.action_compare("group")
    await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
    screen = app.screen
    await wait_for(pilot, lambda: screen.source is not None and screen.current is not None)
    await pilot.pause()
    return screen


def _plain(screen: CompareScreen, selector: str) -> str:
    return str(screen.query_one(selector).render())


def test_quotes_keep_whole_words_and_mark_what_is_left_out() -> None:
    text = "Ann: " + " ".join(f"word{i}" for i in range(60)) + "\n"
    shown = quoted(text, 5, len(text) - 1, cells=60)
    assert len(shown) <= 60 and " [...] " in shown
    assert shown.startswith("word0 word1") and shown.endswith("word59")
    assert all(re.fullmatch(r"word\d+", w) for w in shown.split() if w != "[...]")
    assert quoted("  a  short\n passage ", 0, 19) == "a short passage"
    turns = (TurnRecord("Ann", 0, 10, None, None, None), TurnRecord("Bo", 10, 20, None, None, None))
    assert speakers(turns, 2, 5) == "Ann" and speakers(turns, 5, 15) == "Ann and Bo"


@pytest.mark.parametrize("size", [(80, 24), (150, 45)])
async def test_lanes_are_named_over_their_columns(coded: Path, size: tuple[int, int]) -> None:
    app = QualcodeApp(coded, coder="Ann")
    async with app.run_test(size=size) as pilot:
        screen = await _compare(pilot)
        view = screen.query_one(CompareView)
        header = _plain(screen, "#compare-lane-header")
        legend = _plain(screen, "#compare-legend")
        # Every coder is named on screen, whatever the width: in the lanes' header at
        # 150 columns, in the legend (with the initial the lanes show) at 80.
        assert "1 ▌A Ann" in legend and "2 ▌B Bo" in legend
        assert "agreed version" in legend and "○ another code" in legend
        wide = size[0] >= 150
        assert re.search(r"│ Ann +Bo +agreed" if wide else r"│ A +B +=", header)
        # The header's labels sit over the lanes' columns: Ann's mark under her name.
        lines = [view.render_line(y).text for y in range(view.size.height)]
        line = next(t for t in lines if "▌Ann" in t or "▌A " in t)
        assert line.index("│") == header.index("│")
        assert line.index("▌A") + 1 == header.index(" Ann" if wide else " A ") + 1
        # Where Ann coded another code (Bridging roles), a ring, not a letter to decode.
        risk = next(t for t in lines if "○" in t)
        assert not re.search(r"│.*[a-z]", risk)


async def test_passages_are_quoted_with_the_speaker_not_offsets(coded: Path) -> None:
    app = QualcodeApp(coded, coder="Ann")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _compare(pilot)
        detail = _plain(screen, "#compare-detail-text")
        assert "Ann: “We have no time at all.”" in detail  # the disputed part, who says it
        assert "“We have no time at all. The waiting list is huge”" in detail  # Bo's
        assert not re.search(r"\d\d+-\d+", detail)  # no character offsets (not "1-9" keys)


async def test_a_comment_of_several_lines_is_saved_with_ctrl_s(coded: Path) -> None:
    app = QualcodeApp(coded, coder="Ann")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _compare(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
        dialog = app.screen
        assert isinstance(dialog.focused, TextArea)
        footer = [str(key.description) for key in dialog.query("FooterKey")]
        assert "Save comment" in footer
        await pilot.press(*"Bo took the whole turn.", "enter", *"Ann only the list.")
        assert app.screen is dialog  # enter made a new line, it did not submit
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: screen.current is not None and screen.current.thread is not None
        )
        assert "Bo took the whole turn." in _plain(screen, "#compare-detail-text")
    with Project.open(coded) as project, project.read_session() as session:
        (thread,) = ReviewService(session, "Ann").threads()
    assert [e.text for e in thread.comments] == ["Bo took the whole turn.\nAnn only the list."]


async def test_escape_asks_before_throwing_a_comment_away(coded: Path) -> None:
    app = QualcodeApp(coded, coder="Ann")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _compare(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
        dialog = app.screen
        await pilot.press(*"half a thought", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is dialog)
        assert dialog.query_one(TextArea).text == "half a thought"
        await pilot.press("escape", "y")
        await wait_for(pilot, lambda: app.screen is screen)
        assert screen.current is not None and screen.current.thread is None
