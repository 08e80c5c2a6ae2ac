"""Search as a peer researcher uses it: typos forgiven, whole words, keys as shown."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from textual.widgets import Checkbox

from qualcode.services.demo import build_demo, find_demo_material
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.search import HitList, SearchBox, SearchScreen
from qualcode.tui.screens.sources import SourcesScreen
from qualcode.tui.screens.transcript import TranscriptScreen
from qualcode.tui.widgets.transcript_view import TranscriptView
from tests.tui.conftest import sources_table, wait_for

SMALL = (80, 24)


@pytest.fixture(scope="module")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's transcripts, built once for the module (uncoded: search needs text)."""
    return build_demo(tmp_path_factory.mktemp("demo"), find_demo_material(), coder="Ana").path


@pytest.fixture
def demo(built_demo: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "demo.qcp"
    shutil.copy(built_demo, copy)
    return copy


async def open_search(pilot) -> SearchScreen:  # type: ignore[no-untyped-def]
    await sources_table(pilot)
    await pilot.press("ctrl+f")
    app = pilot.app
    await wait_for(
        pilot, lambda: isinstance(app.screen, SearchScreen) and app.screen.query("#hits")
    )
    return app.screen


async def search_for(pilot, screen: SearchScreen, words: str) -> HitList:  # type: ignore[no-untyped-def]
    box = screen.query_one(SearchBox)
    box.value = ""
    await pilot.press(*words, "enter")
    await wait_for(
        pilot, lambda: screen.query_one("#search-status").render().plain.find(f"“{words}”") >= 0
    )
    return screen.query_one(HitList)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("vacansies", "vacancies"), ("housng", "housing"), ("partnreship", "partnership")],
)
async def test_typos_are_forgiven_by_default_and_hits_are_whole_words(
    demo: Path, typed: str, meant: str
) -> None:
    app = QualcodeApp(demo, coder="Ana")
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_search(pilot)
        hits = await search_for(pilot, screen, typed)
        assert hits.option_count > 0
        found = {hit.match.casefold() for hit in screen.hits}
        assert meant in found and all(word.startswith(meant) for word in found)
        # The stored text at each hit's offsets is that whole word, nothing cut.
        texts = {}
        for hit in screen.hits:
            text = texts.setdefault(hit.source, app.backend.document(hit.source).text)
            assert text[hit.start : hit.end] == hit.match
            assert not text[hit.start - 1].isalnum() and not text[hit.end].isalnum()
        # The list lights exactly that word: "housing", never "housin g".
        prompt = hits.get_option_at_index(0).prompt
        (lit,) = [span for span in prompt.spans if "reverse" in str(span.style)]
        assert prompt.plain[lit.start : lit.end] == screen.hits[0].match


async def test_the_typo_checkbox_shows_its_real_state(demo: Path) -> None:
    app = QualcodeApp(demo, coder="Ana")
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_search(pilot)
        fuzzy = screen.query_one("#fuzzy", Checkbox)
        assert fuzzy.value is True
        assert "X" in fuzzy.render().plain
        await pilot.press("ctrl+t")
        assert fuzzy.value is False
        assert "X" not in fuzzy.render().plain
        # Searching all transcripts, there is no "only this transcript" box to mislead.
        assert not screen.query_one("#scope", Checkbox).display
        await search_for(pilot, screen, "housng")
        assert screen.hits == []
        assert "exact words" in screen.query_one("#search-status").render().plain


async def test_a_jump_selects_exactly_the_word_found(demo: Path) -> None:
    app = QualcodeApp(demo, coder="Ana")
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_search(pilot)
        await search_for(pilot, screen, "housng")
        hit = screen.hits[0]
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TranscriptScreen))
        view = app.screen.query_one(TranscriptView)
        await wait_for(pilot, lambda: view.selection is not None)
        start, end = view.selection
        assert (start, end) == (hit.start, hit.end)
        assert view.text[start:end].casefold() == "housing"


async def test_typing_after_results_stays_in_the_box_and_keys_do_what_they_say(
    demo: Path,
) -> None:
    app = QualcodeApp(demo, coder="Ana")
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_search(pilot)
        box = screen.query_one(SearchBox)
        hits = await search_for(pilot, screen, "housing")
        assert hits.option_count > 0
        # Results arrived: the box still has the focus, and letters (v opened Compare
        # coders before) are more of the query.
        assert box.has_focus
        await pilot.press(*" van")
        assert app.screen is screen and box.value == "housing van"
        # Down goes to the results; a letter typed there goes back into the box.
        await pilot.press("down")
        assert hits.has_focus
        await pilot.press("down")
        assert hits.highlighted == 1
        await pilot.press("v")
        assert app.screen is screen and box.has_focus and box.value == "housing vanv"
        # Tab goes to the results too, up from the first result back to the box.
        await pilot.press("tab")
        assert hits.has_focus
        hits.highlighted = 0
        await pilot.press("up")
        assert box.has_focus
        # The footer names the keys that work here.
        footer = " ".join(re.sub(r"\s+", " ", str(app.screen.active_bindings)).split())
        assert "Search" in footer and "Results" in footer
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
