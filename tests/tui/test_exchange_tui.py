"""Codebooks and projects in and out from the app's command palette."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

from textual.command import CommandList, CommandPalette

from qualcode.services.codebook import CodebookService
from qualcode.services.project import Project
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.dialogs import TextPrompt
from qualcode.tui.screens.save_dialog import SaveAsDialog
from qualcode.tui.screens.sources import SourcesScreen
from tests.conftest import review_register
from tests.tui.conftest import wait_for


async def _palette(pilot, app: QualcodeApp, command: str) -> None:  # type: ignore[no-untyped-def]
    """Run ``command`` the way a person does: ctrl+p, type its name, enter."""
    await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*command)
    palette = app.screen

    def found() -> bool:  # the palette searches as one types: wait for the hit
        hits = palette.query_one(CommandList)
        return hits.option_count > 0 and command in str(hits.get_option_at_index(0).prompt)

    await wait_for(pilot, found)
    await pilot.press("enter")


def _codes(project: Path) -> dict[str, str]:
    with Project.open(project) as opened, opened.read_session() as session:
        return {c.uuid: c.path for c in CodebookService(session).list_codes()}


async def test_the_codebook_goes_out_as_qdc_and_comes_back_in(app_project: Path) -> None:
    review_register(app_project)
    before = _codes(app_project)
    app = QualcodeApp(app_project, coder="Ann")
    async with app.run_test(size=(80, 24)) as pilot:
        await _palette(pilot, app, "Export codebook")
        await wait_for(pilot, lambda: isinstance(app.screen, SaveAsDialog))
        suggested = Path(app.screen.query_one("#prompt-input").value)  # type: ignore[attr-defined]
        assert suggested == app_project.parent / "reports" / f"{app_project.stem}-codebook.qdc"
        await pilot.press("enter")
        await wait_for(pilot, suggested.exists, timeout=30)
        assert stat.S_IMODE(suggested.stat().st_mode) == 0o600
        assert b"urn:QDA-XML:codebook:1.0" in suggested.read_bytes()

        # The same codebook with one code renamed, as another tool would send it back.
        changed = suggested.read_text(encoding="utf-8").replace('name="Time"', 'name="No time"')
        incoming = app_project.parent / "from-nvivo.qdc"
        incoming.write_text(changed, encoding="utf-8")
        await _palette(pilot, app, "Import codebook")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        box = app.screen.query_one("#prompt-input")
        box.value = str(incoming)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: any("1 updated" in str(n.message) for n in app._notifications)
        )
    after = _codes(app_project)
    assert set(after) == set(before)  # matched by GUID: nothing added, nothing lost
    time = "11111111-1111-4111-8111-111111111112"
    assert after == {**before, time: "Barriers > No time"}


async def test_a_broken_codebook_is_refused_in_one_line_and_changes_nothing(
    app_project: Path,
) -> None:
    before = _codes(app_project)
    broken = app_project.parent / "broken.qdc"
    broken.write_bytes(b"<CodeBook xmlns='urn:QDA-XML:codebook:1.0'><Codes><Code")
    app = QualcodeApp(app_project, coder="Ann")
    async with app.run_test(size=(80, 24)) as pilot:
        await _palette(pilot, app, "Import codebook")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        app.screen.query_one("#prompt-input").value = str(broken)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: any(
                n.severity == "error" and "broken.qdc" in str(n.message)
                for n in app._notifications
            ),
        )
        [message] = [str(n.message) for n in app._notifications if n.severity == "error"]
        assert "\n" not in message
    assert _codes(app_project) == before


async def _answer(pilot, app: QualcodeApp, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type ``text`` into the dialog on top (replacing its suggestion) and press enter."""
    await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
    app.screen.query_one("#prompt-input").value = text  # type: ignore[attr-defined]
    await pilot.press("enter")


async def test_the_project_goes_out_as_qdpx_and_comes_back_as_a_new_project(
    app_project: Path,
) -> None:
    from qualcode.tui.screens.report_dialog import ReportDialog

    app = QualcodeApp(app_project, coder="Ann")
    async with app.run_test(size=(80, 24)) as pilot:
        await _palette(pilot, app, "Export project (.qdpx)")
        await wait_for(pilot, lambda: isinstance(app.screen, SaveAsDialog))
        qdpx = Path(app.screen.query_one("#prompt-input").value)  # type: ignore[attr-defined]
        assert qdpx == app_project.parent / "reports" / f"{app_project.stem}.qdpx"
        await pilot.press("enter")
        await wait_for(pilot, qdpx.exists, timeout=30)
        await wait_for(
            pilot, lambda: any("original transcripts" in str(n.message) for n in app._notifications)
        )
        assert stat.S_IMODE(qdpx.stat().st_mode) == 0o600

        copy = app_project.parent / "copy.qcp"
        await _palette(pilot, app, "Import a .qdpx as a new project")
        await _answer(pilot, app, str(qdpx))
        await _answer(pilot, app, str(copy))
        await wait_for(pilot, lambda: isinstance(app.screen, ReportDialog), timeout=30)
        shown = "\n".join(app.screen.lines)  # type: ignore[attr-defined]
        assert "Positions read as" in shown and f"Created {copy}" in shown
        await pilot.press("escape")

        # Merging the file back into the project it came from finds everything there.
        await _palette(pilot, app, "Merge a .qdpx or another project")
        await _answer(pilot, app, str(qdpx))
        await wait_for(pilot, lambda: isinstance(app.screen, ReportDialog), timeout=30)
        shown = "\n".join(app.screen.lines)  # type: ignore[attr-defined]
        assert "Nothing new" in shown and "Added" not in shown
    assert _codes(copy) == _codes(app_project)


async def test_merging_a_colleagues_project_from_the_app_shows_their_codes(
    app_project: Path, tmp_path: Path
) -> None:
    from qualcode.tui.screens.report_dialog import ReportDialog

    colleague = tmp_path / "colleague.qcp"
    colleague.write_bytes(app_project.read_bytes())
    with Project.open(colleague) as opened, opened.session() as session:
        CodebookService(session, "Bo").add_code("Hope", None)
    app = QualcodeApp(app_project, coder="Ann")
    async with app.run_test(size=(80, 24)) as pilot:
        await _palette(pilot, app, "Merge a .qdpx or another project")
        await _answer(pilot, app, str(colleague))
        await wait_for(pilot, lambda: isinstance(app.screen, ReportDialog), timeout=30)
        shown = "\n".join(app.screen.lines)  # type: ignore[attr-defined]
        assert "Added: 1 coder, 1 code." in shown and "backup" in shown
    assert "Hope" in _codes(app_project).values()


async def test_the_owner_of_a_project_with_members_merges_from_the_app(
    app_project: Path, tmp_path: Path
) -> None:
    """The app says who is merging: with members, merging is the owner's, and the app's
    merge once went in without a coder and was refused even for the owner."""
    from qualcode.domain.roles import Role
    from qualcode.services.members import MembersService
    from qualcode.tui.screens.report_dialog import ReportDialog

    colleague = tmp_path / "colleague.qcp"
    colleague.write_bytes(app_project.read_bytes())
    with Project.open(colleague) as opened, opened.session() as session:
        CodebookService(session, "Bo").add_code("Hope", None)
    with Project.open(app_project) as opened, opened.session() as session:
        MembersService(session, "Ann").add("Ann", Role.OWNER)
    app = QualcodeApp(app_project, coder="Ann")
    async with app.run_test(size=(80, 24)) as pilot:
        await _palette(pilot, app, "Merge a .qdpx or another project")
        await _answer(pilot, app, str(colleague))
        await wait_for(pilot, lambda: isinstance(app.screen, ReportDialog), timeout=30)
        shown = "\n".join(app.screen.lines)  # type: ignore[attr-defined]
        assert "Added:" in shown and "backup" in shown, shown
    assert "Hope" in _codes(app_project).values()


async def test_a_hostile_qdpx_is_refused_in_the_app_and_nothing_changes(
    app_project: Path, tmp_path: Path
) -> None:
    hostile = tmp_path / "evil.qdpx"
    with zipfile.ZipFile(hostile, "w") as archive:
        archive.writestr(
            "project.qde",
            '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<Project xmlns="urn:QDA-XML:project:1.0" name="&x;"/>',
        )
    before = app_project.read_bytes()
    app = QualcodeApp(app_project, coder="Ann")
    async with app.run_test(size=(80, 24)) as pilot:
        await _palette(pilot, app, "Merge a .qdpx or another project")
        await _answer(pilot, app, str(hostile))
        await wait_for(
            pilot,
            lambda: any(
                n.severity == "error" and "evil.qdpx" in str(n.message)
                for n in app._notifications
            ),
        )
    assert app_project.read_bytes() == before
