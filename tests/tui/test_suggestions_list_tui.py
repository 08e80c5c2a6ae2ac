"""The suggestions list on the workbench: most likely first, in words, and always current."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from qualcode.domain.suggestions import SuggestionRun, UnitSuggestions
from qualcode.tui.app import QualcodeApp
from qualcode.tui.backend import Backend
from qualcode.tui.screens.dialogs import Explain
from qualcode.tui.widgets.suggestions_panel import LIKELY
from qualcode.tui.widgets.title_bar import TitleBar
from tests.tui.conftest import wait_for
from tests.tui.test_suggestions_tui import show_suggestions
from tests.tui.test_workbench import code_with, open_transcript

SIZES = [(80, 24), (150, 45)]


@pytest.fixture
def many_suggestions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Four codes proposed for every passage, scores deliberately out of reading order
    (the small project alone gives three, all likely)."""
    real = Backend.suggestions

    def suggestions(self: Backend, source: str) -> SuggestionRun:
        run = real(self, source)
        template = run.units[0].suggestions[0]
        codes = [c for c in self.codes() if " > " in c.path][:4]
        units = []
        for i, unit in enumerate(u.unit for u in run.units):
            scores = [0.2 + 0.7 * ((i * 7 + j * 3) % 10) / 10 for j in range(len(codes))]
            units.append(
                UnitSuggestions(
                    unit,
                    tuple(
                        replace(template, code_uuid=c.uuid, code_path=c.path, score=round(s, 3))
                        for c, s in zip(codes, scores, strict=True)
                    ),
                )
            )
        return replace(run, units=tuple(units))

    monkeypatch.setattr(Backend, "suggestions", suggestions)


def why_box(screen) -> str:  # type: ignore[no-untyped-def]
    return str(screen.query_one("#definition").render())


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.usefixtures("many_suggestions")
async def test_suggestions_are_listed_most_likely_first_in_words(
    app_project: Path, size: tuple[int, int]
) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=size) as pilot:
        screen, _ = await open_transcript(app, pilot)
        panel = await show_suggestions(pilot, screen)
        scores = [item.suggestion.score for item in panel.items]
        assert len(scores) > 3 and {s >= LIKELY for s in scores} == {True, False}
        assert scores == sorted(scores, reverse=True)
        for index, item in enumerate(panel.items):
            line = panel.get_option_at_index(index).prompt.plain
            word = "likely" if item.suggestion.score >= LIKELY else "possible"
            # The word first, the number after it, one line per suggestion.
            assert line.startswith(word) and f"{item.suggestion.score:.2f}" in line
            assert "\n" not in line
        # More than three are in view at once, whatever the terminal's size.
        assert panel.size.height > 3 and panel.size.height >= min(len(scores), 4)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.usefixtures("many_suggestions")
async def test_the_why_box_follows_the_list_after_accept_and_reject(
    app_project: Path, size: tuple[int, int]
) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=size) as pilot:
        screen, view = await open_transcript(app, pilot)
        panel = await show_suggestions(pilot, screen)
        for key in ("a", "r"):
            answered = panel.current
            assert answered is not None
            assert answered.suggestion.code_path in why_box(screen)
            await pilot.press(key)
            await wait_for(pilot, lambda a=answered: a.key not in [i.key for i in panel.items])
            await pilot.pause()
            now = panel.current
            assert now is not None and now.key != answered.key
            # The box speaks of the entry now highlighted, and its passage is selected.
            assert why_box(screen).startswith(now.suggestion.code_path)
            assert view.selection == (now.unit.start, now.unit.end)


async def test_a_code_applied_by_hand_answers_its_suggestion(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=(150, 45)) as pilot:
        screen, view = await open_transcript(app, pilot)
        panel = await show_suggestions(pilot, screen)
        item = next(i for i in panel.items if i.suggestion.code_path == "Barriers > Time")
        view.focus()
        view.move_cursor_to(item.unit.start)
        view.select(item.unit.start, item.unit.end)
        await code_with(pilot, screen, "Time")
        await wait_for(pilot, lambda: item.key not in [i.key for i in panel.items])
        await pilot.pause()
        current = panel.current
        assert current is not None and why_box(screen).startswith(current.suggestion.code_path)


@pytest.mark.parametrize("size", SIZES)
async def test_the_why_dialog_stays_clear_of_the_title_bar(
    app_project: Path, size: tuple[int, int]
) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=size) as pilot:
        screen, _ = await open_transcript(app, pilot)
        await show_suggestions(pilot, screen)
        title = screen.query_one(TitleBar).region
        await pilot.press("y")  # ? is help on every panel; y is why
        await wait_for(pilot, lambda: isinstance(app.screen, Explain))
        await pilot.pause()
        dialog = app.screen.query_one(".explain-dialog").region
        assert not dialog.overlaps(title)
        assert dialog.y > title.bottom - 1
