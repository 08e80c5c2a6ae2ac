"""The app never hands a control sequence from the project to the terminal, and the
transcript's offsets still line up once controls are shown as pictures (issue 11)."""

from __future__ import annotations

import html
import inspect
from pathlib import Path

import pytest

from qualcode.domain.terminal import UNSAFE_CODE_POINTS, printable
from qualcode.services.coding import CodingService
from qualcode.services.project import Project
from qualcode.tui.app import QualcodeApp
from qualcode.tui.backend import Backend
from qualcode.tui.screens.code_picker import CodePicker
from qualcode.tui.screens.compare import CompareScreen
from qualcode.tui.screens.dialogs import TextPrompt
from qualcode.tui.screens.search import SearchScreen
from qualcode.tui.screens.sources import SourcesScreen
from qualcode.tui.screens.transcript import TranscriptScreen
from qualcode.tui.widgets.transcript_view import TranscriptView
from tests.test_terminal_safety import (
    CLIPBOARD,
    CODE,
    CODER_A,
    CODER_B,
    LINE,
    PAYLOAD,
    SOURCE,
    SPEAKER,
    TEXT,
    build_hostile_project,
)
from tests.tui.conftest import wait_for

SIZE = (130, 40)


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.qcp"
    build_hostile_project(path, tmp_path)
    return path


def on_screen(app: QualcodeApp) -> str:
    """Everything the app would draw now, as text (Textual's own screenshot, with the
    SVG's character references read back, so an escaped control would show too)."""
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


def assert_safe(app: QualcodeApp) -> str:
    drawn = on_screen(app)
    found = sorted({f"U+{ord(c):04X}" for c in drawn if ord(c) in UNSAFE_CODE_POINTS})
    assert found == [], f"control characters drawn: {found}"
    return drawn


def codings(path: Path) -> list[tuple[str, str, int, int, str]]:
    with Project.open(path) as project, project.read_session() as session:
        return [(c.source, c.coder, c.start, c.end, c.text) for c in CodingService(session).list()]


async def open_hostile_transcript(app: QualcodeApp, pilot):  # type: ignore[no-untyped-def]
    await wait_for(
        pilot, lambda: isinstance(app.screen, TranscriptScreen) and app.screen.query(TranscriptView)
    )
    view = app.screen.query_one(TranscriptView)
    await wait_for(pilot, lambda: bool(view.text) and bool(view.highlights))
    await pilot.pause()
    return app.screen, view


async def test_transcript_shows_controls_as_pictures_with_offsets_intact(hostile: Path) -> None:
    app = QualcodeApp(hostile, coder=CODER_A, open_source=SOURCE)
    async with app.run_test(size=SIZE) as pilot:
        _, view = await open_hostile_transcript(app, pilot)
        # one code point for one: the shown text is as long as the stored one, and the
        # coding of LINE covers exactly the shown LINE
        assert len(view.text) == len(TEXT)
        start = TEXT.index(LINE)
        assert view.text[start : start + len(LINE)] == printable(LINE)
        spans = {(h.start, h.end) for h in view.highlights}
        assert (start, start + len(LINE)) in spans
        drawn = assert_safe(app)
        assert "\u241b]52;c;ZXZpbA==\u2407" in drawn
        assert "ZXZpbA" in drawn


async def test_coding_a_passage_in_a_hostile_source_stores_the_real_text(hostile: Path) -> None:
    app = QualcodeApp(hostile, coder=CODER_A, open_source=SOURCE)
    async with app.run_test(size=SIZE) as pilot:
        screen, view = await open_hostile_transcript(app, pilot)
        start = TEXT.index("The trust is huge")
        end = start + len("The trust is huge")
        view.move_cursor_to(start)
        view.select(start, end)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CodePicker))
        assert_safe(app)
        await pilot.press(*"barriers", "enter")
        await wait_for(pilot, lambda: app.screen is screen and len(view.highlights) == 3)
        assert_safe(app)
    # the source and coder were found by their stored names, and the offsets held
    assert (SOURCE, CODER_A, start, end, "The trust is huge") in codings(hostile)


async def test_sources_and_title_bar_show_names_safely(hostile: Path) -> None:
    app = QualcodeApp(hostile, coder=CODER_A)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen) and app.screen.rows)
        await pilot.pause()
        drawn = assert_safe(app)
        assert "hostile\u241b[2J" in drawn
        assert "coding as Ann\u241b]0;pwned\u2407" in drawn


async def test_compare_view_decides_by_the_stored_names(hostile: Path) -> None:
    app = QualcodeApp(hostile, coder=CODER_A)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.backend is not None)
        app.action_compare(printable(SOURCE))
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.current is not None)
        await pilot.pause()
        assert_safe(app)
        lanes = [lane.coder for lane in screen.query_one("CompareView").lanes]
        assert printable(CODER_A) in lanes and printable(CODER_B) in lanes
        await pilot.press(str(lanes.index(printable(CODER_A)) + 1))  # accept Ann's version
        await wait_for(pilot, lambda: any(c[1] == "consensus" for c in codings(hostile)))
        assert_safe(app)
    start, end = TEXT.index(LINE), TEXT.index(LINE) + len(LINE)
    # Stored under the real (unsanitised) names; a decision covers only the stretch in
    # dispute, the end of Ann's line that Bo did not code (issue 11's review rule).
    decided = [c for c in codings(hostile) if c[1] == "consensus"]
    assert len(decided) == 1
    source, _, decided_start, decided_end, text = decided[0]
    assert source == SOURCE and start < decided_start < decided_end == end
    assert text == TEXT[decided_start:end]


async def test_toasts_and_typed_input_never_draw_controls(hostile: Path) -> None:
    app = QualcodeApp(hostile, coder=CODER_A)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        app.notify("Wrote x" + PAYLOAD, title="t" + CLIPBOARD)
        # (headless, Textual keeps toasts off the screenshot: read what it would show)
        await wait_for(pilot, lambda: bool(list(app._notifications)))
        [toast] = list(app._notifications)
        assert toast.message == "Wrote x" + printable(PAYLOAD)
        assert toast.title == "t" + printable(CLIPBOARD)
        # what never passed the backend (a typed or suggested file name) is still kept
        # off the terminal by the app's last filter
        app.push_screen(TextPrompt("Save as" + CLIPBOARD, "exports/" + PAYLOAD + ".docx"))
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press(*"x\x1b[2J")
        await pilot.pause()
        assert_safe(app)


async def test_brackets_in_names_and_queries_are_shown_as_written(hostile: Path) -> None:
    """A code named "a [/] b" or a search for "[/]" is text, not markup: before, the
    rename dialog and the search status crashed the app with a MarkupError."""
    app = QualcodeApp(hostile, coder=CODER_A)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        app.push_screen(TextPrompt("Rename 'a [/] b [b]c' to:", "a [/] b"))
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.pause()
        assert "Rename 'a [/] b [b]c' to:" in on_screen(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        app.push_screen(SearchScreen("x [/] y"))
        await wait_for(pilot, lambda: "Only in x [/] y" in on_screen(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        app.action_search(None)
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        await pilot.press(*"[/]", "enter")
        await wait_for(pilot, lambda: "for “[/]”" in on_screen(app))
        assert app.return_code is None


def test_every_public_backend_method_goes_through_the_sanitiser() -> None:
    for name, method in vars(Backend).items():
        if not name.startswith("_") and inspect.isfunction(method):
            assert hasattr(method, "__wrapped__"), name


def test_backend_records_are_printable_and_names_map_back(hostile: Path) -> None:
    backend = Backend.open(hostile, CODER_A)
    try:
        [overview] = backend.sources()
        assert overview.name == printable(SOURCE)
        document = backend.document(overview.name)  # the shown name finds the source
        assert document.text == printable(TEXT)
        assert {t.speaker for t in document.turns} >= {printable(SPEAKER)}
        paths = {c.code_path for c in document.codings}
        assert paths == {"Barriers > " + printable(CODE)}
        assert {c.memo for c in document.codings} >= {printable(PAYLOAD)}
        assert set(backend.coder_names()) == {printable(CODER_A), printable(CODER_B)}
        # a comment typed by the user is stored as typed, not mapped
        [item] = backend.review_items(coders=[printable(CODER_A), printable(CODER_B)])
        thread = backend.comment(item.anchor, "plain words")
        assert thread.comments[-1].text == "plain words"
    finally:
        backend.close()
