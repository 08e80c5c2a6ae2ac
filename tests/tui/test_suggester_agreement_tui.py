"""The agreement table with the suggester as one more coder (issue 12): s toggles it."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from qualcode.domain.suggester_agreement import SuggesterAgreement, suggester_rows
from qualcode.services.agreement import AgreementService
from qualcode.services.coding import CodingService
from qualcode.services.project import Project
from qualcode.services.suggestions import SuggestionService, model_path_for
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.agreement import AgreementScreen, suggester_cells
from qualcode.tui.screens.dialogs import TextPrompt
from tests.conftest import review_register
from tests.tui.conftest import wait_for

SIZE = (130, 40)
SCORING = 120.0  # a first run loads spaCy and analyses the transcripts: a safety net only


@pytest.fixture(autouse=True)
def no_configured_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUALCODE_SPACY_PIPELINE", raising=False)


@pytest.fixture
def coded(app_project: Path) -> Path:
    """Ann and Bo coded both transcripts, a little differently."""
    with Project.open(app_project) as project, project.session() as session:
        for coder, source, code, passage in [
            ("Ann", "interview-sam", "Time", "we just have no time"),
            ("Bo", "interview-sam", "Time", "we just have no time. The trust is huge"),
            ("Ann", "group", "Time", "The waiting list is huge"),
            ("Bo", "group", "Bridging roles", "the navigator role bridges the gap"),
            ("Ann", "group", "Risk", "nobody owns the risk"),
            ("Bo", "group", "Risk", "nobody owns the risk"),
        ]:
            CodingService(session, coder).add_passage(source, code, passage)
    review_register(app_project)
    return app_project


def expected(path: Path, unit: str) -> SuggesterAgreement:
    with Project.open(path) as project, project.session() as session:
        suggester = SuggestionService(session, None, model_path=model_path_for(path))
        return AgreementService(session).suggester_agreement(suggester, unit=unit)  # type: ignore[arg-type]


def shown(table: DataTable[object]) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def cells_of(report: SuggesterAgreement) -> list[list[str]]:
    rows = suggester_rows(report)
    ordered = [r for r in rows if r.kind == "overall"] + [r for r in rows if r.kind != "overall"]
    out: list[list[str]] = []
    previous: tuple[str, str] | None = None
    for row in ordered:
        out.append([str(c) for c in suggester_cells(row, (row.kind, row.label) != previous)])
        previous = (row.kind, row.label)
    return out


async def test_s_adds_the_suggestions_as_a_coder(coded: Path, tmp_path: Path) -> None:
    turns, sentences = expected(coded, "turn"), expected(coded, "sentence")
    app = QualcodeApp(coded, coder="Ann")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.backend is not None)
        app.action_agreement()
        await wait_for(
            pilot, lambda: isinstance(app.screen, AgreementScreen) and app.screen.report is not None
        )
        screen = app.screen
        assert isinstance(screen, AgreementScreen)
        table = screen.query_one(DataTable)
        await wait_for(pilot, lambda: bool(screen.query("FooterKey")))
        footer = [str(key.description) for key in screen.query("FooterKey")]
        assert "Suggestions as a coder" in footer

        await pilot.press("s")
        await wait_for(pilot, lambda: screen.suggested is not None, timeout=SCORING)
        # Over characters the suggestions mean nothing: the screen moves to turns.
        assert screen.unit == "turn" and screen.suggested == turns
        assert [str(c.label) for c in table.ordered_columns][:5] == [
            "Code",
            "Coder",
            "Alpha",
            "Kappa",
            "Coders' α",
        ]
        assert shown(table) == cells_of(turns)
        assert [r[1] for r in shown(table)[:2]] == ["Ann", "Bo"]  # all codes, per coder
        title = str(screen.query_one("#agreement-title").render())
        assert "The suggestions as one more coder, against Ann and Bo, over turns" in title

        # u goes between turns and sentences only.
        await pilot.press("u")
        await wait_for(pilot, lambda: screen.suggested is not None and screen.unit == "sentence")
        await wait_for(pilot, lambda: screen.suggested == sentences, timeout=SCORING)
        assert shown(table) == cells_of(sentences)
        await pilot.press("u")
        await wait_for(
            pilot,
            lambda: screen.suggested is not None and screen.suggested.unit == "turn",
            timeout=SCORING,
        )

        # w saves the table shown.
        saved = tmp_path / "with-suggestions.csv"
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        app.screen.query_one("Input").value = str(saved)
        await pilot.press("enter")
        await wait_for(pilot, saved.exists)

        # s again: the coders alone, over the unit chosen.
        await pilot.press("s")
        await wait_for(pilot, lambda: str(table.ordered_columns[1].label) == "Alpha")
        assert not screen.with_suggestions and screen.report.unit == "turn"
    header = saved.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("Code,Coder,Alpha,Kappa,Coders' alpha,Both,Suggested only")
