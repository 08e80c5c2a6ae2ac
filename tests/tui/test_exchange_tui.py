"""Codebooks and projects in and out from the app's command palette."""

from __future__ import annotations

import stat
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
