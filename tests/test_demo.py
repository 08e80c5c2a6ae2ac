"""The demo project built from the bundled transcripts, codebook and participants sheet."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from qualcode.cli import cli
from qualcode.services.coding import CodingService
from qualcode.services.demo import build_demo, find_demo_material
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
from qualcode.services.stats import StatsService
from tests.conftest import REPO

ANSWER_KEY = REPO / "benchmarks" / "answer_key"


def test_demo_imports_every_transcript_with_its_participants(tmp_path: Path) -> None:
    report = build_demo(tmp_path, find_demo_material(REPO), coder="Tester")
    assert report.built and report.codes == 69
    names = {s.name for s in report.sources}
    assert len(names) == 9
    assert {s.format for s in report.sources} == {"docx", "txt", "vtt", "srt"}
    for source in report.sources:
        assert 1500 <= source.words <= 7000, (source.name, source.words)
        assert source.turns >= 10 and source.cases, source.name
    with Project.open(report.path) as project, project.read_session() as session:
        turns = SourceService(session).turns("local-area-leads-focus-group")
        assert {t.case for t in turns} >= {"LAL-G", "LAL-L", "LAL-M", "LAL-N", "LAL-U", "LAL-W"}
        assert all(t.start_time is not None for t in turns)
        facilitator = [t for t in turns if t.speaker == "Sam Okoro"]
        assert facilitator and all(t.case is None for t in facilitator)


def test_answer_key_passages_can_be_coded_in_the_demo(tmp_path: Path) -> None:
    """Every passage the transcripts were written to illustrate is findable and codable."""
    import yaml

    report = build_demo(tmp_path, find_demo_material(REPO), coder="Tester")
    keys = sorted(ANSWER_KEY.glob("*.yaml"))
    assert len(keys) == 9
    with Project.open(report.path) as project, project.session() as session:
        service = CodingService(session, "Key")
        count = 0
        for key in keys:
            data = yaml.safe_load(key.read_text(encoding="utf-8"))
            source = Path(data["source"]).stem
            for passage in data["passages"]:
                for code in passage["codes"]:
                    service.add_passage(source, code, passage["quote"])
                    count += 1
        stats = {r.path: r for r in StatsService(session).code_stats()}
    assert count > 250
    assert stats["Barriers to involvement"].total_stakeholder_groups >= 5


def test_demo_command_builds_then_reopens_then_rebuilds_fresh(tmp_path: Path,
                                                             monkeypatch) -> None:
    monkeypatch.setenv("QUALCODE_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    first = runner.invoke(cli, ["demo"], env={"QUALCODE_CODER": "Tester"})
    assert first.exit_code == 0, first.output
    assert "Built demo project" in first.output and "local-area-leads-focus-group" in first.output
    project = tmp_path / "data" / "demo" / "demo.qcp"
    runner.invoke(cli, ["code", "add", str(project), "-s", "mh-partner-interview-02", "-c",
                        "Mistrust", "--start", "0", "--end", "5"], env={"QUALCODE_CODER": "T"})
    again = runner.invoke(cli, ["demo"], env={"QUALCODE_CODER": "Tester"})
    assert "Opened existing demo project" in again.output
    listed = runner.invoke(cli, ["code", "list", str(project), "--json"])
    assert len(json.loads(listed.output)) == 1  # reopening kept the work
    fresh = runner.invoke(cli, ["demo", "--fresh"], env={"QUALCODE_CODER": "Tester"})
    assert "kept as" in fresh.output
    assert json.loads(runner.invoke(cli, ["code", "list", str(project), "--json"]).output) == []
    assert len(list((tmp_path / "data" / "demo").glob("demo.qcp.backup-demo-*"))) == 1


def test_fresh_moves_the_old_suggestion_model_aside_with_the_backup(tmp_path: Path) -> None:
    """The learned model left beside a fresh demo would suggest from passages that
    exist only in the backup (issue 11)."""
    from qualcode.services.suggestions import model_path_for

    material = find_demo_material(REPO)
    first = build_demo(tmp_path, material, coder="Tester")
    model = model_path_for(first.path)
    model.write_text('{"learned": "from the old project"}', encoding="utf-8")
    fresh = build_demo(tmp_path, material, coder="Tester", fresh=True)
    assert fresh.built and fresh.backup is not None
    assert not model_path_for(fresh.path).exists()
    kept = model_path_for(fresh.backup)
    assert kept.read_text(encoding="utf-8") == '{"learned": "from the old project"}'


def test_the_demo_command_builds_a_reviewed_register_without_pseudonyms(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("QUALCODE_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    built = runner.invoke(cli, ["demo", "--no-open"], env={"QUALCODE_CODER": "Tester"})
    assert built.exit_code == 0, built.output
    project = tmp_path / "data" / "demo" / "demo.qcp"
    status = json.loads(
        runner.invoke(cli, ["identifiers", "status", str(project), "--json"]).output
    )
    assert status["needs_review"] is False and status["unreviewed_sources"] == []
    listed = json.loads(runner.invoke(cli, ["identifiers", "list", str(project), "--json"]).output)
    originals = {e["original"] for e in listed}
    assert {"Sandra Bell", "Helen Brook", "Dawn Hendry", "Thornleigh estate", "Joe"} <= originals
    assert not originals & {"Dean", "Marie", "Biscuit", "Leeds"}  # pseudonyms; not names
