"""The coding screen at 80x24 and 150x45, and keys and names that mean one thing (issue 13).

At 80x24 the transcript was 22 characters wide beside the codebook and the footer
dropped Extracts, Codebook and Help; quit was not in the footer; the demo's hint covered
the line saying who you code as; a and r meant accept and reject in one panel and add
and rename in the next; the palette said "Sources" for the "Transcripts" screen.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static
from textual.widgets._footer import FooterKey

from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.dialogs import TextPrompt
from qualcode.tui.screens.help import HelpScreen
from qualcode.tui.screens.sources import SourcesScreen
from qualcode.tui.screens.transcript import TranscriptScreen
from qualcode.tui.widgets.codebook_tree import CodebookTree
from qualcode.tui.widgets.suggestions_panel import SuggestionsPanel
from qualcode.tui.widgets.title_bar import TitleBar
from qualcode.tui.widgets.transcript_view import TranscriptView
from tests.tui.conftest import sources_table, wait_for

SMALL, LARGE = (80, 24), (150, 45)


async def open_transcript(pilot, app: QualcodeApp) -> TranscriptScreen:  # type: ignore[no-untyped-def]
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, TranscriptScreen) and app.screen.query(TranscriptView),
    )
    screen = app.screen
    assert isinstance(screen, TranscriptScreen)
    await wait_for(pilot, lambda: bool(screen.view.text))
    await pilot.pause()
    return screen


def footer(screen) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The footer's keys that are wholly on screen: description -> key shown."""
    width = screen.app.size.width
    return {
        str(key.description): key.key_display
        for key in screen.query(FooterKey)
        if key.region.width and key.region.right <= width
    }


async def test_at_80_columns_the_codebook_folds_away_and_the_text_gets_the_width(
    app_project: Path,
) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_transcript(pilot, app)
        side = screen.query_one("#side")
        assert not side.display or side.region.width == 0
        assert screen.view.size.width >= 75
        assert screen.view._geometry[1] >= 45  # text cells per row, was 22
        shown = footer(screen)
        for words in ("Code", "Undo", "Memo", "Find", "Extracts", "Codebook", "Help", "Quit"):
            assert words in shown, (words, shown)

        await pilot.press("b")  # the codebook, behind the key the footer shows
        tree = screen.query_one(CodebookTree)
        await wait_for(pilot, lambda: tree.has_focus)
        assert side.region.width > 0
        shown = footer(screen)
        for words in ("New code", "Rename", "Back to text", "Help", "Quit"):
            assert words in shown, (words, shown)

        await pilot.press("b")  # and folded away again
        await wait_for(pilot, lambda: screen.view.has_focus)
        await pilot.pause()
        assert side.region.width == 0
        await pilot.press("b")
        await wait_for(pilot, lambda: tree.has_focus)
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen.view.has_focus)
        await pilot.pause()
        assert side.region.width == 0


async def test_at_150_columns_the_side_panel_and_every_key_show(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=LARGE) as pilot:
        screen = await open_transcript(pilot, app)
        assert screen.query_one("#side").region.width == 42
        shown = footer(screen)
        for words in (
            "Code selection",
            "Suggest",
            "Remove code",
            "Memo",
            "Undo",
            "Find",
            "Extracts",
            "Codebook",
            "Help",
            "Quit",
        ):
            assert words in shown, (words, shown)
        # Narrowing the terminal folds the panel and trims the footer.
        await pilot.resize_terminal(*SMALL)
        await wait_for(pilot, lambda: screen.query_one("#side").region.width == 0)
        await wait_for(pilot, lambda: "Help" in footer(screen) and "Suggest" not in footer(screen))


async def test_quit_is_in_the_coding_screens_footer_and_q_quits(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_transcript(pilot, app)
        assert footer(screen)["Quit"] == "q"
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0


async def test_the_hint_says_who_you_code_as_and_leaves_the_title_bar_visible(
    app_project: Path,
) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam", show_hint=True)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_transcript(pilot, app)
        hint = screen.query_one("#how-to-hint", Static)
        title = screen.query_one(TitleBar)
        assert "You are coding as Ann" in str(hint.render())
        assert hint.region.y > title.region.y  # below the title bar, not over it
        assert "coding as Ann" in str(title.render())


async def test_question_mark_is_help_on_every_panel_of_the_coding_screen(
    app_project: Path,
) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=LARGE) as pilot:
        screen = await open_transcript(pilot, app)
        for focus in (TranscriptView, CodebookTree, SuggestionsPanel):
            screen.query_one("#suggestions-box").display = True
            screen.query_one(focus).focus()
            await pilot.pause()
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is screen)


async def test_a_and_r_do_not_add_or_rename_codes_in_the_codebook(app_project: Path) -> None:
    """a and r accept and reject (suggestions, review); the codebook adds with n and
    renames with l, as its footer says."""
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=LARGE) as pilot:
        screen = await open_transcript(pilot, app)
        await pilot.press("b")
        await wait_for(pilot, lambda: screen.query_one(CodebookTree).has_focus)
        await pilot.press("a", "r")
        await pilot.pause()
        assert app.screen is screen
        shown = footer(screen)
        assert (shown["New code"], shown["Rename"]) == ("n", "l")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))


def test_a_r_and_question_mark_mean_one_thing_across_the_workbench() -> None:
    """The table of a / r / ? per screen and panel: accept, reject, help (or nothing)."""
    meaning = {"a": {"accept"}, "r": {"reject"}, "question_mark": {"app.help"}}
    for owner in (TranscriptScreen, TranscriptView, CodebookTree, SourcesScreen):
        for binding in owner.BINDINGS:
            keys = binding.key.split(",")  # type: ignore[union-attr]
            for key in keys:
                if key in meaning:
                    assert binding.action in meaning[key], (owner.__name__, key, binding)  # type: ignore[union-attr]


async def test_the_palette_and_the_screen_both_say_transcripts(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann")
    async with app.run_test(size=LARGE) as pilot:
        await sources_table(pilot)
        screen = app.screen
        assert isinstance(screen, SourcesScreen)
        titles = [command.title for command in app.get_system_commands(screen)]
        assert "Transcripts" in titles and "Sources" not in titles
        assert "Transcripts" in str(screen.query_one(TitleBar).render())
        binding = next(b for b in TranscriptScreen.BINDINGS if b.action == "sources")  # type: ignore[union-attr]
        assert binding.description == "Transcripts"  # type: ignore[union-attr]


async def test_at_80_columns_the_transcripts_list_keeps_help_and_quit(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        await pilot.pause()
        shown = footer(app.screen)
        assert {"Help", "Quit", "Filter", "Extracts"} <= set(shown), shown
