"""The transcript view: what it draws, how keys and the mouse select, what it tells the app."""

from __future__ import annotations

import ast
import asyncio
import functools
import random
from collections.abc import Callable, Coroutine
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len, get_character_cell_size
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message

from qualcode.tui.widgets.transcript_layout import SINGLE_CELL, TranscriptLayout
from qualcode.tui.widgets.transcript_model import HighlightIndex, TranscriptDocument
from qualcode.tui.widgets.transcript_render import clock, fit, geometry, marker_plan
from qualcode.tui.widgets.transcript_view import HighlightSpan, TranscriptView, TurnSpan

HEADER = "Study: test transcript\nArea: G\n\n"
TURNS: list[tuple[str | None, float | None, str]] = [
    ("Interviewer", 65.0, "Tell me about the team. How does it work?"),
    (
        "Mental health partner",
        72.0,
        "We meet weekly. It is hard to get time! Risk is the big issue.\n"
        "A second paragraph follows here.",
    ),
    ("Interviewer", None, "Thanks."),
]
SIZE = (80, 20)  # content 79 cells: gutter 16, text 51, margin 12
GUTTER = 16


def build(
    header: str, turns: list[tuple[str | None, float | None, str]]
) -> tuple[str, list[TurnSpan]]:
    """Text in the importers' shape: "Speaker: " label, then the turn's words."""
    text, spans = header, []
    for speaker, start_time, body in turns:
        text += f"{speaker}: " if speaker else ""
        spans.append(TurnSpan(len(text), len(text) + len(body), speaker, start_time))
        text += body + "\n\n"
    return text, spans


TEXT, SPANS = build(HEADER, TURNS)


def run_async(test: Callable[[], Coroutine[Any, Any, None]]) -> Callable[[], None]:
    """Run a Pilot test in its own event loop (the project has no async pytest plugin)."""

    @functools.wraps(test)
    def wrapper() -> None:
        asyncio.run(test())

    return wrapper


class ViewApp(App[None]):
    BINDINGS = [Binding("escape", "app_escape", "Escape at app level")]

    def __init__(
        self,
        text: str = TEXT,
        turns: list[TurnSpan] | None = None,
        highlights: list[HighlightSpan] | None = None,
    ) -> None:
        super().__init__()
        self.data = (text, SPANS if turns is None else turns, highlights or [])
        self.messages: list[Message] = []
        self.app_escapes = 0

    def compose(self) -> ComposeResult:
        yield TranscriptView()

    def on_mount(self) -> None:
        view = self.query_one(TranscriptView)
        view.load(*self.data)
        view.focus()

    @on(TranscriptView.CursorMoved)
    @on(TranscriptView.SelectionChanged)
    def record(self, message: Message) -> None:
        self.messages.append(message)

    def action_app_escape(self) -> None:
        self.app_escapes += 1


def rows(view: TranscriptView) -> list[str]:
    return [view.render_line(y).text for y in range(view.scrollable_content_region.height)]


def at(text: str, fragment: str, occurrence: int = 0) -> int:
    index = -1
    for _ in range(occurrence + 1):
        index = text.index(fragment, index + 1)
    return index


# --- drawing ----------------------------------------------------------------------------


@run_async
async def test_gutter_shows_speakers_timestamps_and_hides_label_lines() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        shown = rows(app.query_one(TranscriptView))
    assert shown[0][GUTTER:].startswith("Study: test transcript")  # header, plain rows
    assert shown[1][GUTTER:].startswith("Area: G")
    assert shown[2].strip() == ""
    assert shown[3].startswith("Interviewer     Tell me about the team.")
    assert shown[4].startswith("00:01:05 ")  # timestamp under the speaker, own row
    assert shown[6].startswith("Mental health … We meet weekly.")  # long name cut with …
    assert shown[7].startswith("00:01:12        ")
    assert shown[10].startswith("Interviewer     Thanks.")
    assert not any("Interviewer:" in line or "partner:" in line for line in shown)
    assert all(cell_len(line) == SIZE[0] - 1 for line in shown)


@run_async
async def test_wraps_to_the_width_and_keeps_the_texts_own_line_breaks() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.query_one(TranscriptView)
        wide = rows(view)
        await pilot.resize_terminal(70, 20)
        await pilot.pause()
        narrow = rows(view)
        assert view._layout is not None and view._layout.width == geometry(69)[1] == 41
    text_width = geometry(79)[1]
    assert [line[GUTTER : GUTTER + text_width].rstrip() for line in wide[6:9]] == [
        "We meet weekly. It is hard to get time! Risk is the",
        "big issue.",
        "A second paragraph follows here.",  # the text's own newline starts a row
    ]
    assert [line[GUTTER : GUTTER + 41].rstrip() for line in narrow[6:10]] == [
        "We meet weekly. It is hard to get time!",
        "Risk is the big issue.",
        "A second paragraph follows here.",
        "",
    ]


def test_layout_tiles_the_text_and_never_overflows() -> None:
    rng = random.Random(5)
    words = ["a", "word", "longer", "漢字", "café", "e\u0301te", "🙂", "x" * 30, "end."]
    body = " ".join(rng.choice(words) for _ in range(400)).replace("end. ", "end.\n", 5)
    text, spans = build("Header\n\n", [("A", None, body), ("B", 3.0, body)])
    document = TranscriptDocument(text, spans)
    for width in (7, 13, 40):
        layout = TranscriptLayout(document, width)
        text_rows = [r for r in range(len(layout)) if not layout.is_blank(r)]
        for row in text_rows:
            shown = text[layout.starts[row] : layout.ends[row]]
            assert "\n" not in shown
            assert cell_len(shown.rstrip(" ")) <= width
        # Within a turn, each row starts where the last ended (or after a newline).
        for row, following in pairwise(text_rows):
            gap = text[layout.ends[row] : layout.starts[following]]
            assert gap in ("", "\n") or layout.turns[row] != layout.turns[following]


def test_single_cell_shortcut_agrees_with_rich() -> None:
    assert all(get_character_cell_size(c) == 1 for c in SINGLE_CELL)
    assert "\u2019" in SINGLE_CELL and "漢" not in SINGLE_CELL and "\u0301" not in SINGLE_CELL


# --- keys -------------------------------------------------------------------------------


@run_async
async def test_arrow_keys_and_shift_selection_count_code_points_not_cells() -> None:
    body = "漢字🙂 café e\u0301 ok then more words here."
    text, spans = build("", [("Dean", None, body)])
    app = ViewApp(text, spans)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        start = spans[0].start
        assert view.cursor == start
        await pilot.press("shift+right", "shift+right", "shift+right")
        assert view.selection == (start, start + 3)  # 漢, 字, 🙂: one code point each
        await pilot.press("right")  # a plain move drops the selection
        assert view.selection is None
        view.move_cursor_to(at(text, "e\u0301"))
        await pilot.press("shift+right")  # the accent rides with its letter
        assert view.selection == (at(text, "e\u0301"), at(text, "e\u0301") + 2)
        await pilot.press("shift+left", "shift+left")
        assert view.selection == (at(text, "e\u0301") - 1, at(text, "e\u0301"))
        assert view._layout is not None
        assert view._layout.column_of(0, start + 2) == 4  # wide characters take two cells
        await pilot.press("end", "shift+home")
        assert view.selection == (start, spans[0].end)
        await pilot.press("ctrl+end")
        assert view.cursor == spans[0].end and view.selection is None


@run_async
async def test_up_and_down_keep_the_column_and_skip_gaps() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        view.move_cursor_to(at(TEXT, "about"))  # column 8
        await pilot.press("down")  # over the timestamp's padding row and the gap
        assert view.cursor == at(TEXT, "weekly")  # column 8 of the next turn
        await pilot.press("down")
        assert view.cursor == at(TEXT, "issue") + 4  # "big issue.": column 8
        await pilot.press("down")
        assert view.cursor == at(TEXT, "A second") + 8
        await pilot.press("up", "up")
        assert view.cursor == at(TEXT, "weekly")
        await pilot.press("shift+down")
        assert view.selection == (at(TEXT, "weekly"), at(TEXT, "issue") + 4)
        await pilot.press("ctrl+home")
        assert view.cursor == 0


@run_async
async def test_word_keys_skip_hidden_speaker_labels() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        view.move_cursor_to(at(TEXT, "work?"))
        await pilot.press("ctrl+right", "ctrl+right")
        assert view.cursor == at(TEXT, "We") + 2  # not into "Mental health partner"
        await pilot.press("ctrl+shift+left", "ctrl+shift+left")
        assert view.selection == (at(TEXT, "work"), at(TEXT, "We") + 2)


@run_async
async def test_w_s_and_t_extend_the_selection() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        we = at(TEXT, "We meet")
        view.move_cursor_to(we + 1)  # inside "We": w takes the whole word
        await pilot.press("w")
        assert view.selection == (we, we + 2)
        await pilot.press("w")
        assert view.selection == (we, at(TEXT, "meet") + 4)
        await pilot.press("s")
        assert view.selection == (we, at(TEXT, "weekly.") + 7)
        await pilot.press("s")
        assert view.selection == (we, at(TEXT, "time!") + 5)
        await pilot.press("escape")
        view.move_cursor_to(at(TEXT, "Risk"))
        await pilot.press("s")  # the paragraph's end closes a sentence too
        assert view.selection == (at(TEXT, "Risk"), at(TEXT, "issue.") + 6)
        await pilot.press("t")
        assert view.selection == (SPANS[1].start, SPANS[1].end)
        await pilot.press("t")
        assert view.selection == (SPANS[1].start, SPANS[2].end)
        await pilot.press("left_square_bracket")  # from inside a turn: to its start
        assert view.cursor == SPANS[2].start and view.selection is None
        await pilot.press("left_square_bracket")
        assert view.cursor == SPANS[1].start
        await pilot.press("right_square_bracket")
        assert view.cursor == SPANS[2].start


@run_async
async def test_escape_clears_a_selection_and_otherwise_reaches_the_app() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        view.select(5, 9)
        await pilot.press("escape")
        assert view.selection is None and app.app_escapes == 0
        await pilot.press("escape")
        assert app.app_escapes == 1


# --- mouse ------------------------------------------------------------------------------


@run_async
async def test_click_places_the_cursor_and_drag_selects() -> None:
    body = "漢字 and more text"
    text, spans = build(HEADER, [*TURNS[:1], ("Dean", None, body)])
    app = ViewApp(text, spans)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        view.select(0, 4)
        await pilot.click(TranscriptView, offset=(GUTTER + 5, 3))
        assert view.cursor == at(text, "me about") and view.selection is None
        await pilot.click(TranscriptView, offset=(GUTTER + 2, 6))  # 2nd cell of a wide pair
        assert view.cursor == spans[1].start + 1
        await pilot.mouse_down(TranscriptView, offset=(GUTTER + 5, 3))
        await pilot.hover(TranscriptView, offset=(GUTTER + 3, 6))
        await pilot.mouse_up(TranscriptView, offset=(GUTTER + 3, 6))
        assert view.selection == (at(text, "me about"), spans[1].start + 1)
        await pilot.double_click(TranscriptView, offset=(GUTTER + 8, 3))
        assert view.selection == (at(text, "about"), at(text, "about") + 5)


# --- highlights -------------------------------------------------------------------------

TIME = HighlightSpan(at(TEXT, "It is"), at(TEXT, "time!") + 5, "k-time", "#d62728", "Time")
RISK = HighlightSpan(at(TEXT, "hard"), at(TEXT, "issue.") + 6, "k-risk", "#1f77b4", "Risk")


@run_async
async def test_overlapping_codes_are_told_apart_without_colour() -> None:
    app = ViewApp(highlights=[TIME, RISK])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.query_one(TranscriptView)
        strip = view.render_line(6)
        margin = strip.text[-11:]
        assert "▌Time" in margin and "▌Risk" in margin  # letters, not colour alone
        assert "▌Risk" in view.render_line(7).text[-11:] and "Time" not in view.render_line(7).text
        styles = {segment.text: segment.style for segment in strip if segment.style}
        overlap = next(s for text, s in styles.items() if text.startswith("hard to get"))
        single = next(s for text, s in styles.items() if text.startswith("It is"))
        assert overlap.underline and not single.underline
        assert single.bgcolor != view.get_component_rich_style("transcript-view--text").bgcolor
        view.move_cursor_to(at(TEXT, "Tell"))
        await pilot.pause()
        cursor = next(seg for seg in view.render_line(3) if seg.text == "T")
        assert cursor.style is not None and cursor.style.reverse  # shown without colour
        dark = single.bgcolor
        app.theme = "textual-light"  # a theme change repaints with the new colours
        await pilot.pause()
        lit = next(seg.style for seg in view.render_line(6) if seg.text.startswith("It is"))
        assert lit is not None and lit.bgcolor != dark
        assert [h.key for h in view.codes_at(at(TEXT, "hard"))] == ["k-time", "k-risk"]
        assert view.codes_at(at(TEXT, "issue")) == [RISK]
        assert view.codes_at(at(TEXT, "Tell")) == []


def test_margin_plan_fits_the_cells() -> None:
    assert marker_plan(1, 11) == (1, 10)
    assert marker_plan(2, 11) == (2, 4)
    assert marker_plan(3, 11) == (3, 2)
    assert marker_plan(4, 11) == (3, 2)  # "▌Ab▌Cd▌Ef+1"
    assert marker_plan(13, 11) == (2, 2)  # "▌Ab▌Cd+11"
    for count in range(1, 40):
        shown, letters = marker_plan(count, 11)
        more = f"+{count - shown}" if shown < count else ""
        assert shown * (1 + letters) + len(more) <= 11
    assert fit("Substance misuse partner", 15) == "Substance misu…"
    assert fit("Dean", 6) == "Dean  "
    assert clock(3723.9) == "01:02:03"


@run_async
async def test_add_and_remove_highlight_repaint_only_their_rows() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.query_one(TranscriptView)
        drawn: list[int] = []
        render_row = view._render_row

        def spy(painter: Any, layout: Any, row: int, state: Any) -> Any:
            drawn.append(row)
            return render_row(painter, layout, row, state)

        view._render_row = spy  # type: ignore[method-assign]
        view.add_highlight(RISK)
        await pilot.pause()
        assert sorted(drawn) == [6, 7]  # the rows "hard ... issue." sits on
        assert "▌Risk" in view.render_line(7).text
        drawn.clear()
        view.set_highlights([RISK, TIME])  # only TIME is new
        await pilot.pause()
        assert sorted(drawn) == [6]
        drawn.clear()
        view.remove_highlight("k-risk")
        await pilot.pause()
        assert sorted(drawn) == [6, 7] and "Risk" not in view.render_line(7).text


def test_highlight_index_matches_a_plain_scan() -> None:
    rng = random.Random(9)
    spans = []
    for n in range(400):
        start = rng.randrange(10_000)
        spans.append(
            HighlightSpan(start, start + rng.choice((5, 50, 900, 4000)), f"k{n}", "#123456", "L")
        )
    index = HighlightIndex(spans)
    for n in range(0, 400, 3):
        index.remove(f"k{n}")
    alive = [h for n, h in enumerate(spans) if n % 3]
    for _ in range(300):
        a = rng.randrange(12_000)
        b = a + rng.randrange(1, 200)
        expected = sorted(
            (h for h in alive if h.start < b and h.end > a), key=lambda h: (h.start, h.end, h.key)
        )
        assert index.overlapping(a, b) == expected


# --- messages and scrolling -----------------------------------------------------------------


@run_async
async def test_messages_are_posted_once_per_change() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        app.messages.clear()

        async def posted() -> list[tuple[str, object]]:
            await pilot.pause()
            found = [
                (type(m).__name__, getattr(m, "offset", getattr(m, "selection", None)))
                for m in app.messages
            ]
            assert all(m.control is view for m in app.messages)  # type: ignore[attr-defined]
            app.messages.clear()
            return found

        await pilot.press("right")
        assert await posted() == [("CursorMoved", 1)]
        await pilot.press("shift+right")
        assert await posted() == [("CursorMoved", 2), ("SelectionChanged", (1, 2))]
        await pilot.press("escape")
        assert await posted() == [("SelectionChanged", None)]
        view.move_cursor_to(2)
        view.clear_selection()
        assert await posted() == []  # nothing changed, nothing said


@run_async
async def test_move_cursor_to_scrolls_a_far_offset_into_view() -> None:
    turns = [
        (
            "Interviewer" if n % 2 else "Dean",
            n * 30.0,
            f"Answer number {n} about the service and the team.",
        )
        for n in range(60)
    ]
    text, spans = build(HEADER, turns)
    app = ViewApp(text, spans)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        await pilot.pause()
        target = at(text, "Answer number 47")
        assert not view.visible_range()[0] <= target <= view.visible_range()[1]
        view.move_cursor_to(target)
        await pilot.pause()
        start, end = view.visible_range()
        assert start <= target <= end
        assert view._layout is not None
        row_on_screen = view._layout.row_of(target) - round(view.scroll_offset.y)
        assert 5 <= row_on_screen <= 15  # roughly centred
        assert any("Answer number 47" in line for line in rows(view))
        await pilot.press("ctrl+home")
        assert view.scroll_offset.y == 0


@run_async
async def test_an_empty_or_blank_transcript_is_harmless() -> None:
    for text in ("", "  \n\n  "):
        app = ViewApp(text, [])
        async with app.run_test(size=SIZE) as pilot:
            view = app.query_one(TranscriptView)
            await pilot.press("right", "down", "shift+left", "end", "w", "s", "t", "pagedown")
            await pilot.click(TranscriptView, offset=(20, 2))
            view.move_cursor_to(50)
            assert view.selection is None and view.visible_range() == (view.cursor,) * 2
            assert rows(view)[0].strip() == ""


# --- the widget stays a widget ------------------------------------------------------------


def test_widget_modules_import_no_services_store_or_heavy_libraries() -> None:
    folder = Path(__file__).resolve().parents[2] / "qualcode" / "tui" / "widgets"
    allowed = ("qualcode.domain", "qualcode.tui.widgets.transcript_")
    for path in folder.glob("transcript_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert name.split(".")[0] not in {"sqlalchemy", "spacy", "alembic"}, path
                if name.startswith("qualcode"):
                    assert name.startswith(allowed), f"{path.name} imports {name}"


@pytest.mark.parametrize("offset", [0, 5, len(TEXT)])
def test_document_clamps_offsets_to_visible_text(offset: int) -> None:
    document = TranscriptDocument(TEXT, SPANS)
    assert document.is_visible(document.clamp(offset))
