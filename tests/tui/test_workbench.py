"""The coding workbench driven as a researcher would, through keys and the mouse."""

from __future__ import annotations

from pathlib import Path

from qualcode.services.coding import CodingService
from qualcode.services.project import Project
from qualcode.services.user_config import read_config
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.code_picker import CodePicker
from qualcode.tui.screens.dialogs import Choose, MemoEditor, TextPrompt
from qualcode.tui.screens.extracts import ExtractsScreen
from qualcode.tui.screens.help import HelpScreen
from qualcode.tui.screens.search import SearchScreen
from qualcode.tui.screens.sources import SourcesScreen
from qualcode.tui.screens.transcript import TranscriptScreen
from qualcode.tui.widgets.transcript_view import TranscriptView
from tests.tui.conftest import sources_table, wait_for

SIZE = (130, 40)


def codings(path: Path) -> list[tuple[str, str, str, str]]:
    with Project.open(path) as project, project.read_session() as session:
        return [(c.code_path, c.coder, c.text, c.memo) for c in CodingService(session).list()]


async def open_transcript(app: QualcodeApp, pilot, source: str = "interview-sam"):  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: isinstance(app.screen, TranscriptScreen)
                   and app.screen.query(TranscriptView))
    screen = app.screen
    view = screen.query_one(TranscriptView)
    await wait_for(pilot, lambda: bool(view.text))
    await pilot.pause()
    return screen, view


def select_words(view: TranscriptView, words: str) -> tuple[int, int]:
    start = view.text.index(words)
    view.move_cursor_to(start)
    view.select(start, start + len(words))
    return start, start + len(words)


async def code_with(pilot, screen, typed: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("c")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CodePicker))
    await pilot.press(*typed)
    await pilot.press("enter")
    await wait_for(pilot, lambda: pilot.app.screen is screen)


async def test_select_with_keys_then_code_with_a_misspelt_name(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        screen, view = await open_transcript(app, pilot)
        start = view.text.index("The navigator role")
        view.move_cursor_to(start)
        await pilot.press(*["shift+right"] * len("The navigator role"))
        assert view.selection == (start, start + len("The navigator role"))
        await code_with(pilot, screen, "bridgng rol")
        await wait_for(pilot, lambda: len(view.highlights) == 1)
    assert codings(app_project) == [("Enablers > Bridging roles", "Ann", "The navigator role", "")]


async def test_two_overlapping_codes_show_in_the_margin_panel(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        screen, view = await open_transcript(app, pilot)
        select_words(view, "we just have no time")
        await code_with(pilot, screen, "time")
        select_words(view, "no time. The trust is huge")
        await code_with(pilot, screen, "risk")
        await wait_for(pilot, lambda: len(view.highlights) == 2)
        view.move_cursor_to(view.text.index("no time"))
        await pilot.pause()
        labels = {h.label for h in view.codes_at(view.cursor)}
        assert labels == {"Time", "Risk"}
        panel = str(screen.query_one("#codes-here").render())
        assert "Time" in panel and "Risk" in panel and "by Ann" in panel


async def test_remove_a_coding_choosing_among_overlaps(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        screen, view = await open_transcript(app, pilot)
        select_words(view, "no time")
        await code_with(pilot, screen, "time")
        select_words(view, "no time")
        await code_with(pilot, screen, "risk")
        await wait_for(pilot, lambda: len(view.highlights) == 2)
        view.clear_selection()
        view.move_cursor_to(view.text.index("no time") + 1)
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, Choose))
        labels = [c[1] for c in app.screen.choices]
        await pilot.press(*["down"] * next(i for i, label in enumerate(labels) if "Risk" in label))
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(view.highlights) == 1)
    assert [c[0] for c in codings(app_project)] == ["Barriers > Time"]


async def test_memo_on_a_coding(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        screen, view = await open_transcript(app, pilot)
        select_words(view, "no time")
        await code_with(pilot, screen, "time")
        await wait_for(pilot, lambda: len(view.highlights) == 1)
        view.move_cursor_to(view.text.index("no time"))
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, MemoEditor))
        await pilot.press(*"capacity, not money")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: codings(app_project)[0][3] == "capacity, not money")


async def test_undo_and_redo_survive_a_restart(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        screen, view = await open_transcript(app, pilot)
        select_words(view, "no time")
        await code_with(pilot, screen, "time")
        await wait_for(pilot, lambda: len(codings(app_project)) == 1)
    again = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with again.run_test(size=SIZE) as pilot:
        _, view = await open_transcript(again, pilot)
        await wait_for(pilot, lambda: len(view.highlights) == 1)
        await pilot.press("u")
        await wait_for(pilot, lambda: not view.highlights)
        assert codings(app_project) == []
        await pilot.press("ctrl+y")
        await wait_for(pilot, lambda: len(view.highlights) == 1)
    assert len(codings(app_project)) == 1


async def test_new_and_in_vivo_codes_from_the_picker(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="group")
    async with app.run_test(size=SIZE) as pilot:
        screen, view = await open_transcript(app, pilot, "group")
        select_words(view, "The navigator is the bridge")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CodePicker))
        await pilot.press("ctrl+v")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: len(codings(app_project)) == 1)
    (coding,) = codings(app_project)
    assert coding[0] == "“The navigator is the bridge”"


async def test_merge_codes_from_the_codebook_panel(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        screen, view = await open_transcript(app, pilot)
        select_words(view, "nobody owns the risk")
        await code_with(pilot, screen, "risk")
        await wait_for(pilot, lambda: len(codings(app_project)) == 1)
        tree = screen.query_one("#codebook")
        await pilot.press("b")
        assert tree.has_focus
        risk = next(node for node in _nodes(tree.root) if node.data and node.data.name == "Risk")
        tree.move_cursor(risk)
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, CodePicker))
        await pilot.press(*"time", "enter")
        await wait_for(pilot, lambda: codings(app_project)[0][0] == "Barriers > Time")


def _nodes(node):  # type: ignore[no-untyped-def]
    for child in node.children:
        yield child
        yield from _nodes(child)


async def test_search_and_jump_to_the_hit(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        screen, view = await open_transcript(app, pilot)
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        search = app.screen
        await pilot.press(*"navigater", "enter")  # misspelt: typos are forgiven by default
        hits = search.query_one("#hits")
        await wait_for(pilot, lambda: hits.option_count > 0)
        await pilot.press("down", "enter")  # the box keeps the focus; down goes to the hits
        await wait_for(pilot, lambda: app.screen is screen)
        start, end = view.selection
        assert view.text[start:end].lower().startswith("navigator")


async def test_extracts_for_a_code_across_sources_and_jump(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        screen, view = await open_transcript(app, pilot)
        select_words(view, "no time")
        await code_with(pilot, screen, "time")
        await wait_for(pilot, lambda: len(view.highlights) == 1)
        view.clear_selection()
        view.move_cursor_to(view.text.index("no time"))
        await pilot.press("e")
        await wait_for(
            pilot, lambda: isinstance(app.screen, ExtractsScreen) and app.screen.query("#extracts")
        )
        listing = app.screen.query_one("#extracts")
        await wait_for(pilot, lambda: listing.option_count == 1)
        card = listing.get_option_at_index(0).prompt.plain
        assert "interview-sam" in card and "Sam (P1)" in card
        assert "Mental health partner" in card
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TranscriptScreen))
        assert view.text[slice(*view.selection)] == "no time"
        await pilot.pause()
        assert "Time" in str(app.screen.query_one("#codes-here").render())


async def test_sources_filter_as_you_type_and_open(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann")
    async with app.run_test(size=SIZE) as pilot:
        table = await sources_table(pilot)
        assert table.row_count == 2
        await pilot.press("slash", *"local area")
        await wait_for(pilot, lambda: table.row_count == 1)
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TranscriptScreen))
        assert app.screen.source == "group"


async def test_first_run_asks_the_coder_name_once(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press(*"Dee", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
    assert read_config()["coder"] == "Dee"


async def test_help_lists_the_keys_of_the_screen(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        await open_transcript(app, pilot)
        await pilot.press("question_mark")
        await wait_for(
            pilot, lambda: isinstance(app.screen, HelpScreen) and app.screen.query("Markdown")
        )
        text = app.screen.query_one("Markdown").source
        for words in ("Code selection", "Undo", "Memo", "How to code", "Select sentence"):
            assert words in text


async def test_the_demo_hint_can_be_dismissed_for_good(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam", show_hint=True)
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await open_transcript(app, pilot)
        assert screen.query("#how-to-hint")
        await pilot.press("h")
        await pilot.pause()
        assert not screen.query("#how-to-hint")
    assert read_config()["demo_hint_seen"] is True
    assert not QualcodeApp(app_project, coder="Ann", show_hint=True).show_hint


async def test_add_and_rename_a_code_from_the_codebook_panel(app_project: Path) -> None:
    from qualcode.services.codebook import CodebookService

    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await open_transcript(app, pilot)
        tree = screen.query_one("#codebook")
        await pilot.press("b")
        barriers = next(n for n in _nodes(tree.root) if n.data and n.data.name == "Barriers")
        tree.move_cursor(barriers)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press(*"Stigma", "enter")
        await wait_for(pilot, lambda: any(n.data and n.data.name == "Stigma"
                                          for n in _nodes(tree.root)))
        stigma = next(n for n in _nodes(tree.root) if n.data and n.data.name == "Stigma")
        tree.move_cursor(stigma)
        await pilot.pause()
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press(*["backspace"] * 6, *"Stigma and attitudes", "enter")
        await wait_for(pilot, lambda: any(n.data and n.data.name == "Stigma and attitudes"
                                          for n in _nodes(tree.root)))
    with Project.open(app_project) as project, project.read_session() as session:
        paths = [c.path for c in CodebookService(session).list_codes()]
    assert "Barriers > Stigma and attitudes" in paths


async def test_high_contrast_theme_toggles_and_is_remembered(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        await pilot.press("f2")
        assert app.theme == "qualcode-high-contrast"
    assert read_config()["theme"] == "qualcode-high-contrast"
    again = QualcodeApp(app_project, coder="Ann")
    async with again.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(again.screen, SourcesScreen))
        assert again.theme == "qualcode-high-contrast"


async def test_toasts_show_square_brackets_as_written(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.screen.notify("Rejected [crosstalk] here")
        await pilot.pause()
        assert [n.message for n in app._notifications] == ["Rejected [crosstalk] here"]
        assert not next(iter(app._notifications)).markup
