"""Suggested codes on the workbench: the panel, faint marks, accept, reject, why."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import select

from qualcode.domain.records import Origin
from qualcode.services.coding import CodingService
from qualcode.services.project import Project
from qualcode.store.models import SuggestionDecision
from qualcode.tui.app import QualcodeApp
from qualcode.tui.backend import Backend
from qualcode.tui.screens.dialogs import Explain
from qualcode.tui.widgets.suggestions_panel import SuggestionsPanel
from tests.tui.conftest import wait_for
from tests.tui.test_workbench import SIZE, open_transcript


def decisions(path: Path) -> list[str]:
    with Project.open(path) as project, project.read_session() as session:
        return [d.decision for d in session.scalars(select(SuggestionDecision))]


async def show_suggestions(pilot, screen) -> SuggestionsPanel:  # type: ignore[no-untyped-def]
    await pilot.press("g")
    panel = screen.query_one(SuggestionsPanel)
    await wait_for(pilot, lambda: bool(panel.items))
    await wait_for(pilot, lambda: panel.has_focus)
    return panel


async def test_suggestions_panel_lists_codes_with_reasons_and_marks_the_text(
    app_project: Path,
) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        screen, view = await open_transcript(app, pilot)
        panel = await show_suggestions(pilot, screen)
        paths = {item.suggestion.code_path for item in panel.items}
        assert "Barriers > Time" in paths
        # Only what the participant said: never the interviewer's questions.
        assert all(not item.unit.text.startswith("What gets") for item in panel.items)
        marks = [h for h in view.highlights if h.suggested]
        assert marks and all(
            view.text[m.start : m.end].startswith("Honestly")
            or view.text[m.start : m.end].startswith("The navigator")
            for m in marks
        )
        # Highlighting an entry selects its passage and shows why underneath.
        time_item = next(i for i in panel.items if i.suggestion.code_path == "Barriers > Time")
        panel.highlighted = panel.items.index(time_item)
        await pilot.pause()
        assert view.selection == (time_item.unit.start, time_item.unit.end)
        shown = str(screen.query_one("#definition").render())
        assert "codebook words: time" in shown


async def test_accept_codes_the_passage_as_suggested_by_the_accepting_coder(
    app_project: Path,
) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        screen, view = await open_transcript(app, pilot)
        panel = await show_suggestions(pilot, screen)
        item = next(i for i in panel.items if i.suggestion.code_path == "Barriers > Time")
        panel.highlighted = panel.items.index(item)
        await pilot.press("a")
        await wait_for(pilot, lambda: item.key not in [i.key for i in panel.items])
        await wait_for(pilot, lambda: any(not h.suggested for h in view.highlights))
    with Project.open(app_project) as project, project.read_session() as session:
        made = CodingService(session).list()
    assert [(c.code_path, c.coder, c.origin, c.start, c.end) for c in made] == [
        ("Barriers > Time", "Ann", Origin.SUGGESTED, item.unit.start, item.unit.end)
    ]
    assert decisions(app_project) == ["accepted"]


async def test_reject_is_remembered_and_undo_brings_it_back(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await open_transcript(app, pilot)
        panel = await show_suggestions(pilot, screen)
        item = panel.items[0]
        await pilot.press("r")
        await wait_for(pilot, lambda: item.key not in [i.key for i in panel.items])
        assert decisions(app_project) == ["rejected"]
        await pilot.press("u")
        await wait_for(pilot, lambda: not decisions(app_project))
        # The panel asks again after an undo, and the rejected code is back.
        await wait_for(pilot, lambda: item.key in [i.key for i in panel.items])


async def test_why_explains_and_can_answer(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await open_transcript(app, pilot)
        panel = await show_suggestions(pilot, screen)
        item = panel.current
        assert item is not None
        await pilot.press("y")  # ? is help on every panel
        await wait_for(pilot, lambda: isinstance(app.screen, Explain))
        text = str(app.screen.body)
        assert item.suggestion.code_path in text
        assert item.suggestion.reasons[0] in text
        await pilot.press("r")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: decisions(app_project) == ["rejected"])


async def test_typing_goes_on_while_suggestions_are_computed(
    app_project: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    gate = threading.Event()
    real = Backend.suggestions

    def slow(self: Backend, source: str):  # type: ignore[no-untyped-def]
        gate.wait(10)
        return real(self, source)

    monkeypatch.setattr(Backend, "suggestions", slow)
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        screen, view = await open_transcript(app, pilot)
        await pilot.press("g")
        view.focus()
        before = view.cursor
        await pilot.press("right", "right", "right")
        assert view.cursor == before + 3  # moved while the worker is still waiting
        gate.set()
        panel = screen.query_one(SuggestionsPanel)
        await wait_for(pilot, lambda: bool(panel.items))


async def test_a_damaged_model_is_a_visible_notice_not_a_failure(app_project: Path) -> None:
    from qualcode.services.suggestions import model_path_for

    with Project.open(app_project) as project, project.session() as session:
        CodingService(session, "Ann").add_passage(
            "interview-sam", "Bridging roles", "The navigator role bridges the gap."
        )
    model_path_for(app_project).write_text("{not json", encoding="utf-8")
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await open_transcript(app, pilot)
        panel = await show_suggestions(pilot, screen)
        assert panel.items
    # Opening the panel retrained the model from the coding (it was behind).
    assert model_path_for(app_project).read_text(encoding="utf-8").startswith('{"checksum"')
