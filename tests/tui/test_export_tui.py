"""Exporting the Word report from the workbench, as a report writer would."""

from __future__ import annotations

from pathlib import Path

from docx import Document

from qualcode.services.coding import CodingService
from qualcode.services.identifiers import IdentifierService
from qualcode.services.project import Project
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.dialogs import TextPrompt
from qualcode.tui.screens.sources import SourcesScreen
from tests.tui.conftest import wait_for


async def test_export_from_the_palette_writes_a_redacted_report(
    app_project: Path, tmp_path: Path
) -> None:
    with Project.open(app_project) as project, project.session() as session:
        CodingService(session, "Ann").add_passage(
            "interview-sam", "Time", "Honestly we just have no time."
        )
        IdentifierService(session, "Ann").add("Sam", "[participant]", kind="person")
        IdentifierService(session, "Ann").mark_reviewed("Ann")
    output = tmp_path / "out" / "report.docx"
    app = QualcodeApp(app_project, coder="Ann")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        app.action_export_report()
        await wait_for(
            pilot, lambda: isinstance(app.screen, TextPrompt) and app.screen.query("#prompt-input")
        )
        prompt = app.screen.query_one("#prompt-input")
        prompt.value = str(output)
        await pilot.press("enter")
        await wait_for(pilot, output.exists, timeout=30)
    quotes = [p.text for p in Document(str(output)).paragraphs if p.style.name == "Quote"]
    assert quotes == ["\u201cHonestly we just have no time.\u201d"]


async def test_the_agreed_version_has_its_own_report(app_project: Path, tmp_path: Path) -> None:
    from qualcode.services.consensus import ConsensusService

    with Project.open(app_project) as project, project.session() as session:
        CodingService(session, "Ann").add_passage("interview-sam", "Time", "we just have no time")
        CodingService(session, "Bo").add_passage("interview-sam", "Time", "no time")
        CodingService(session, "Bo").add_passage("interview-sam", "Risk", "nobody owns the risk")
        ConsensusService(session, "Ann").seed()  # "no time": what both coded
        IdentifierService(session, "Ann").mark_reviewed("Ann")
    output = tmp_path / "agreed.docx"
    app = QualcodeApp(app_project, coder="Ann")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        command = next(
            c for c in app.get_system_commands(app.screen) if "agreed version" in c.title
        )
        command.callback()
        await wait_for(
            pilot, lambda: isinstance(app.screen, TextPrompt) and app.screen.query("#prompt-input")
        )
        assert "the agreed version" in app.screen.title_text
        app.screen.query_one("#prompt-input").value = str(output)
        await pilot.press("enter")
        await wait_for(pilot, output.exists, timeout=30)
    quotes = [p.text for p in Document(str(output)).paragraphs if p.style.name == "Quote"]
    assert len(quotes) == 1 and "no time" in quotes[0] and "risk" not in quotes[0]


async def test_an_unreviewed_register_stops_the_export_and_says_where_to_review(
    app_project: Path, tmp_path: Path
) -> None:
    with Project.open(app_project) as project, project.session() as session:
        CodingService(session, "Ann").add_passage("interview-sam", "Time", "no time")
    output = tmp_path / "report.docx"
    app = QualcodeApp(app_project, coder="Ann")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        app.export_report(output)
        await wait_for(
            pilot, lambda: any("Not exported" in str(n.message) for n in app._notifications)
        )
        message = next(
            str(n.message) for n in app._notifications if "Not exported" in str(n.message)
        )
    assert "never been reviewed" in message and "Identifier register" in message
    assert "--allow-unreviewed" not in message  # no command-line flags in the app
    assert list(tmp_path.glob("report*")) == []


async def test_the_report_with_a_reliability_statement_from_the_palette(
    app_project: Path, tmp_path: Path
) -> None:
    with Project.open(app_project) as project, project.session() as session:
        CodingService(session, "Ann").add_passage("interview-sam", "Time", "we just have no time")
        CodingService(session, "Bo").add_passage("interview-sam", "Time", "no time")
        IdentifierService(session, "Ann").mark_reviewed("Ann")
    output = tmp_path / "with-reliability.docx"
    app = QualcodeApp(app_project, coder="Ann")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        command = next(
            c for c in app.get_system_commands(app.screen) if "reliability statement" in c.title
        )
        command.callback()
        await wait_for(
            pilot, lambda: isinstance(app.screen, TextPrompt) and app.screen.query("#prompt-input")
        )
        assert "reliability statement" in app.screen.title_text
        app.screen.query_one("#prompt-input").value = str(output)
        await pilot.press("enter")
        await wait_for(pilot, output.exists, timeout=30)
    paragraphs = [p for p in Document(str(output)).paragraphs]
    headings = [p.text for p in paragraphs if p.style.name.startswith("Heading")]
    assert "Reliability" in headings
    texts = [p.text for p in paragraphs]
    after = texts[
        len(texts) - 1 - texts[::-1].index("Reliability") :
    ]  # the section, not the contents
    assert "Krippendorff's unitized alpha" in after[1], after
    assert any("Two coders" in text for text in after[1:4]), after
