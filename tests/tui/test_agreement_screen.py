"""The agreement table reads as a researcher needs it (issue 13): alpha first, percent
agreement last, rows nobody coded hidden (or greyed, with the reason near the left) and
nothing important off screen at 80x24."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.project import Project
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.agreement import AgreementScreen
from qualcode.tui.screens.compare import CompareScreen
from tests.tui.conftest import table_settled, wait_for

LONG = "Reticence to take responsibility for managing risk in partnership work with trusts"


def _code(path: Path, coder: str, source: str, code: str, passage: str) -> None:
    with Project.open(path) as project, project.session() as session:
        CodingService(session, coder).add_passage(source, code, passage)


@pytest.fixture
def two_coders(app_project: Path) -> Path:
    """Ann and Bo coded Time, Bridging roles and a code with a long name; nobody coded
    Risk, and nobody coded the themes (Barriers, Enablers) themselves."""
    with Project.open(app_project) as project, project.session() as session:
        CodebookService(session, "Setup").add_code(LONG, parent="Barriers")
    _code(app_project, "Ann", "interview-sam", "Time", "we just have no time")
    _code(app_project, "Bo", "interview-sam", "Time", "we just have no time. The trust is huge")
    _code(app_project, "Ann", "group", "Time", "The waiting list is huge")
    _code(app_project, "Bo", "group", "Bridging roles", "the navigator role bridges the gap")
    _code(app_project, "Ann", "group", "Bridging roles", "the navigator role bridges the gap")
    _code(app_project, "Ann", "group", LONG, "nobody owns the risk")
    return app_project


async def _agreement(pilot) -> tuple[AgreementScreen, DataTable]:  # type: ignore[no-untyped-def,type-arg]
    app = pilot.app
    await wait_for(pilot, lambda: app.backend is not None)
    app.action_agreement()
    await wait_for(
        pilot, lambda: isinstance(app.screen, AgreementScreen) and app.screen.report is not None
    )
    table = app.screen.query_one("#agreement", DataTable)
    await table_settled(pilot, table)
    return app.screen, table


def _labels(table: DataTable) -> list[str]:  # type: ignore[type-arg]
    return [str(c.label) for c in table.ordered_columns]


def _rows(table: DataTable) -> dict[str, list[str]]:  # type: ignore[type-arg]
    rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
    return {r[0].strip(): r for r in rows}


async def test_alpha_comes_first_and_percent_agreement_last(two_coders: Path) -> None:
    app = QualcodeApp(two_coders, coder="Ann")
    async with app.run_test(size=(150, 45)) as pilot:
        screen, table = await _agreement(pilot)
        labels = _labels(table)
        assert labels[:5] == ["Code", "Alpha", "Kappa", "Coded", "Note"]
        assert labels.index("Agree %") > labels.index("Note")
        assert screen.report is not None
        overall = _rows(table)["All codes"]
        assert overall[1] == f"{screen.report.overall.alpha.value:.3f}"
        explain = str(screen.query_one("#agreement-explain").render())
        assert explain.startswith("Alpha: Krippendorff's")


async def test_rows_nobody_coded_are_hidden_with_a_key_to_show_them(two_coders: Path) -> None:
    app = QualcodeApp(two_coders, coder="Ann")
    async with app.run_test(size=(150, 45)) as pilot:
        screen, table = await _agreement(pilot)
        rows = _rows(table)
        assert "Risk" not in rows  # nobody coded it
        # A theme nobody coded itself stays as a heading over its coded sub-codes,
        # without a misleading 100%: no figures, the reason in words.
        barriers = rows["Barriers"]
        assert barriers[1:4] == ["", "", ""] and "100" not in " ".join(barriers)
        assert barriers[4] == "sub-codes only"
        assert "Time" in rows and "Bridging roles" in rows
        title = str(screen.query_one("#agreement-title").render())
        assert "1 codes nobody coded are hidden: h shows them" in title
        bindings = {b.binding.description for b in app.active_bindings.values()}
        assert "Show uncoded" in bindings

        await pilot.press("h")
        await table_settled(pilot, table)
        rows = _rows(table)
        risk = rows["Risk"]
        assert risk[4] == "nobody coded this"  # the reason, near the left
        assert risk[5] == ""  # not "100.0%"
        name = table.get_row_at(list(rows).index("Risk"))[0]
        assert any("dim" in str(span.style) for span in name.spans)  # greyed
        bindings = {b.binding.description for b in app.active_bindings.values()}
        assert "Hide uncoded" in bindings

        await pilot.press("h")
        await table_settled(pilot, table)
        assert "Risk" not in _rows(table)


async def test_enter_compares_the_code_on_the_row_with_rows_hidden(two_coders: Path) -> None:
    app = QualcodeApp(two_coders, coder="Ann")
    async with app.run_test(size=(150, 45)) as pilot:
        _, table = await _agreement(pilot)
        names = list(_rows(table))
        table.move_cursor(row=names.index("Bridging roles"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        assert app.screen.code is not None
        assert app.screen.code[1] == "Enablers > Bridging roles"


@pytest.mark.parametrize("size", [(80, 24), (150, 45)])
async def test_what_matters_fits_without_scrolling_sideways(
    two_coders: Path, size: tuple[int, int]
) -> None:
    app = QualcodeApp(two_coders, coder="Ann")
    async with app.run_test(size=size) as pilot:
        screen, table = await _agreement(pilot)
        important = len(["Code", "Alpha", "Kappa", "Coded", "Note"])
        widths = [c.get_render_width(table) for c in table.ordered_columns]
        assert sum(widths[:important]) <= table.scrollable_content_region.width
        if size[0] >= 150:
            assert sum(widths) <= table.scrollable_content_region.width
        # The long name is cut at a word in the table, and read whole under it.
        row = next(i for i, r in enumerate(_rows(table)) if r.startswith("Reticence"))
        shown = str(table.get_row_at(row)[0]).strip()
        if size[0] < 100:
            cut = shown.removesuffix("…")
            assert shown.endswith("…") and LONG.startswith(cut) and LONG[len(cut)] == " "
        table.move_cursor(row=row)
        await pilot.pause()
        described = str(screen.query_one("#agreement-row").render())
        assert LONG in described and "(in Barriers)" in described
