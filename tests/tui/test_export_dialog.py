"""Saving an export from the app: where it goes, how quotes will be attributed, and
never replacing a file without asking."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from docx import Document
from textual.widgets import OptionList, Static

from qualcode.services.coding import CodingService
from qualcode.services.project import Project
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.agreement import AgreementScreen
from qualcode.tui.screens.save_dialog import ReplaceOrKeep, SaveAsDialog, kept_both_name
from qualcode.tui.screens.sources import SourcesScreen
from tests.conftest import review_register
from tests.tui.conftest import wait_for

SIZES = [(80, 24), (150, 45)]


@pytest.fixture
def coded(app_project: Path) -> Path:
    with Project.open(app_project) as project, project.session() as session:
        CodingService(session, "Ann").add_passage("interview-sam", "Time", "no time")
        CodingService(session, "Bo").add_passage("interview-sam", "Time", "we just have no time")
        CodingService(session, "Ann").add_passage("group", "Risk", "nobody owns the risk")
    review_register(app_project)
    return app_project


async def _open_dialog(pilot, app: QualcodeApp) -> SaveAsDialog:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
    app.action_export_report()
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, SaveAsDialog) and app.screen.query("#attribution-preview"),
    )
    dialog = app.screen
    assert isinstance(dialog, SaveAsDialog)
    preview = dialog.query_one("#attribution-preview", Static)
    await wait_for(pilot, lambda: "looking" not in str(preview.render()))
    return dialog


@pytest.mark.parametrize("size", SIZES)
async def test_the_report_is_suggested_beside_the_project_with_a_preview(
    coded: Path, size: tuple[int, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "started-here"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # where qualcode was started must not matter
    app = QualcodeApp(coded, coder="Ann")
    async with app.run_test(size=size) as pilot:
        dialog = await _open_dialog(pilot, app)
        suggested = Path(dialog.query_one("#prompt-input").value)  # type: ignore[attr-defined]
        assert suggested == coded.parent / "reports" / "tui-report.docx"
        preview = str(dialog.query_one("#attribution-preview", Static).render())
        assert "Mental health partner, local area T" in preview
        assert "Local area lead, local area G" in preview
        assert "Sam" not in preview and "Ann" not in preview  # never a name
        region = dialog.query_one("#attribution-preview").region
        assert region.width > 0 and region.right <= size[0]  # readable at this size
        await pilot.press("enter")
        await wait_for(pilot, suggested.exists, timeout=30)
    assert stat.S_IMODE(suggested.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(suggested.stat().st_mode) == 0o600
    assert not (elsewhere / "exports").exists()
    quotes = [p.text for p in Document(str(suggested)).paragraphs if p.style.name == "Quote"]
    assert len(quotes) == 2  # Ann's and Bo's overlapping "no time" are one quote


@pytest.mark.parametrize(
    ("choice", "kept"),
    [("replace", "tui-report.docx"), ("keep", "tui-report-2.docx"), (None, None)],
)
async def test_an_existing_report_is_never_replaced_without_asking(
    coded: Path, choice: str | None, kept: str | None
) -> None:
    folder = coded.parent / "reports"
    folder.mkdir()
    existing = folder / "tui-report.docx"
    existing.write_bytes(b"the report I edited by hand")
    app = QualcodeApp(coded, coder="Ann")
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_dialog(pilot, app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReplaceOrKeep))
        box = app.screen.query_one(".dialog").region
        assert box.y > 0 and box.bottom < 24  # the whole question is on screen at 80x24
        options = app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(3)]
        assert labels[0].startswith("Replace") and "tui-report-2.docx" in labels[1]
        if choice is None:
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        else:
            if choice == "replace":
                await pilot.press("up")
            await pilot.press("enter")  # on its own: keep both, which loses nothing
            written = folder / str(kept)
            await wait_for(
                pilot,
                lambda: written.exists() and written.read_bytes().startswith(b"PK"),
                timeout=30,
            )
    if choice == "replace":
        assert Document(str(existing)).paragraphs
    else:
        assert existing.read_bytes() == b"the report I edited by hand"
    if choice is None:
        assert sorted(p.name for p in folder.iterdir()) == ["tui-report.docx"]


def test_keep_both_takes_the_next_free_number(tmp_path: Path) -> None:
    (tmp_path / "r.docx").write_bytes(b"")
    (tmp_path / "r-2.docx").write_bytes(b"")
    assert kept_both_name(tmp_path / "r.docx") == tmp_path / "r-3.docx"


async def test_the_agreement_table_is_suggested_in_the_reports_folder(coded: Path) -> None:
    app = QualcodeApp(coded, coder="Ann")
    async with app.run_test(size=(150, 45)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        app.action_agreement()
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, AgreementScreen) and app.screen.report is not None,
        )
        app.screen.action_save()  # type: ignore[attr-defined]
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, SaveAsDialog) and app.screen.query("#prompt-input"),
        )
        suggested = Path(app.screen.query_one("#prompt-input").value)  # type: ignore[attr-defined]
        assert suggested.parent == coded.parent / "reports"
        await pilot.press("enter")
        await wait_for(pilot, suggested.exists, timeout=30)


async def test_no_agreed_version_yet_is_said_in_the_apps_words(coded: Path) -> None:
    app = QualcodeApp(coded, coder="Ann")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        app.action_export_report(consensus=True)
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, SaveAsDialog)
                and "agreed in a review" in app.screen.preview_text
            ),
        )
        assert "--consensus" not in app.screen.preview_text  # type: ignore[attr-defined]
