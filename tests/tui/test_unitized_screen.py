"""The agreement screen's unitized alpha view (issue 16): a key in the footer switches to
the family, worked out in a worker, with alpha and the note in view at 80x24 and the
question each coefficient answers said in words."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from qualcode.services.coding import CodingService
from qualcode.services.project import Project
from qualcode.services.unitized import UnitizedService
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.agreement import AgreementScreen
from tests.conftest import review_register
from tests.tui.conftest import table_settled, wait_for


def _code(path: Path, coder: str, source: str, code: str, passage: str) -> None:
    with Project.open(path) as project, project.session() as session:
        CodingService(session, coder).add_passage(source, code, passage)


@pytest.fixture
def two_coders(app_project: Path) -> Path:
    """Ann and Bo coded the group; only Ann coded the interview (so it is left out)."""
    _code(app_project, "Ann", "group", "Time", "We have no time at all")
    _code(app_project, "Bo", "group", "Time", "We have no time at all. The waiting list is huge")
    _code(app_project, "Ann", "group", "Bridging roles", "the navigator role bridges the gap")
    _code(app_project, "Bo", "group", "Bridging roles", "the navigator role bridges the gap")
    _code(app_project, "Bo", "group", "Risk", "The navigator is the bridge")
    _code(app_project, "Ann", "interview-sam", "Time", "we just have no time")
    return app_project


def _family(path: Path, confidence: bool = False):  # type: ignore[no-untyped-def]
    with Project.open(path) as project, project.read_session() as session:
        return UnitizedService(session).family(confidence=confidence)


def _rows(table: DataTable) -> dict[str, list[str]]:  # type: ignore[type-arg]
    rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
    return {r[0].strip(): r for r in rows}


async def _unitized(pilot) -> tuple[AgreementScreen, DataTable]:  # type: ignore[no-untyped-def,type-arg]
    app = pilot.app
    await wait_for(pilot, lambda: app.backend is not None)
    app.action_agreement()
    await wait_for(
        pilot, lambda: isinstance(app.screen, AgreementScreen) and app.screen.report is not None
    )
    screen = app.screen
    footer = str([b.binding.description for b in screen.active_bindings.values() if b.binding.show])
    assert "Unitized alpha" in footer  # the way in is named where a reader looks
    await pilot.press("a")
    await wait_for(pilot, lambda: screen.unitized is not None)
    table = screen.query_one("#agreement", DataTable)
    await table_settled(pilot, table)
    return screen, table


@pytest.mark.parametrize("size", [(80, 24), (150, 45)])
async def test_the_family_is_its_own_view(two_coders: Path, size: tuple[int, int]) -> None:
    expected = _family(two_coders)
    app = QualcodeApp(two_coders, coder="Ann")
    async with app.run_test(size=size) as pilot:
        screen, table = await _unitized(pilot)
        labels = [str(c.label) for c in table.ordered_columns]
        assert labels[:4] == ["Coefficient", "Alpha", "Measure", "Note"]
        rows = _rows(table)
        # The same numbers as the service's, to the three decimals shown.
        assert rows["Found the same stretches"][1] == f"{expected.family.binary.value:.3f}"
        assert rows["Same stretches, same codes"][1] == f"{expected.family.unitizing.value:.3f}"
        time = next(c for c in expected.family.per_code if c.code == "Barriers > Time")
        assert rows["Time"][1] == f"{time.value:.3f}"
        # Coded by one coder only: the reason, not a number.
        assert rows["Risk"][1] == "-" and "never applied" in rows["Risk"][3]
        # Nobody coded the themes themselves: kept as headings over their coded sub-codes.
        assert rows["Enablers"][1] == "-" and rows["Enablers"][3] == "sub-codes only"
        title = str(screen.query_one("#agreement-title").render())
        assert title.startswith("Unitized alpha between Ann and Bo (1 transcript compared)")
        assert "hidden: h shows them" not in title  # every code is coded or a heading
        # Alpha, the measure and the note are on screen, not scrolled off to the right.
        region = table.region
        offsets = [0]
        for column in table.ordered_columns:
            offsets.append(offsets[-1] + column.get_render_width(table))
        assert offsets[4] <= region.width
        explain = str(screen.query_one("#agreement-explain").render())
        assert "|uα" in explain and "0.667" in explain
        assert "Left out: interview-sam" in explain and "m compares them" in explain
        assert "coded nothing there" in explain  # who is missing, not only that someone is
        await pilot.press("down")
        described = str(screen.query_one("#agreement-row").render())
        assert "Same stretches, same codes" in described and "boundaries" in described
        assert not screen.check_action("next_unit", ())  # no unit in this view
        await pilot.press("a")
        await wait_for(
            pilot, lambda: [str(c.label) for c in table.ordered_columns][:2] == ["Code", "Alpha"]
        )


async def test_intervals_on_request_with_a_fixed_seed(two_coders: Path) -> None:
    expected = _family(two_coders, confidence=True)
    app = QualcodeApp(two_coders, coder="Ann")
    async with app.run_test(size=(150, 45)) as pilot:
        screen, table = await _unitized(pilot)
        assert "95% interval" not in [str(c.label) for c in table.ordered_columns]
        await pilot.press("c")
        await wait_for(pilot, lambda: screen.unitized is not None and screen.unitized.confidence)
        await table_settled(pilot, table)
        assert "95% interval" in [str(c.label) for c in table.ordered_columns]
        conf = expected.confidence_of("uα")
        assert conf is not None
        row = _rows(table)["Same stretches, same codes"]
        assert f"{conf.low:.3f} to {conf.high:.3f}" in row


async def test_saving_from_the_view_writes_the_unitized_table(
    two_coders: Path, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    review_register(two_coders)
    expected = _family(two_coders)
    app = QualcodeApp(two_coders, coder="Ann")
    async with app.run_test(size=(150, 45)) as pilot:
        await _unitized(pilot)
        target = tmp_path / "agreement.xlsx"
        await pilot.press("w")
        await pilot.pause()
        app.screen.query_one("Input").value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, target.exists, timeout=20)
    book = load_workbook(target)
    assert book.sheetnames == ["Agreement", "Unitized alpha"]
    sheet = book["Unitized alpha"]
    values = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    assert values["Found the same stretches"][2] == round(expected.family.binary.value, 4)
