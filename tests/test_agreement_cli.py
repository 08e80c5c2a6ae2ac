"""`qualcode agreement`: the table, JSON, options and clean errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from qualcode.cli.app import cli
from qualcode.services.coding import CodingService
from qualcode.services.identifiers import IdentifierService
from qualcode.services.project import Project
from qualcode.services.sources import SourceService


def double_coded(project: Project, interview_file: Path) -> None:
    with project.session() as session:
        SourceService(session, "Tester").import_files([interview_file])
        CodingService(session, "Ann").add_passage("interview-sam", "Time", "we just have no time")
        CodingService(session, "Bo").add_passage("interview-sam", "Time", "have no time")
        CodingService(session, "Bo").add_passage("interview-sam", "Risk", "nobody owns the risk")
        IdentifierService(session).mark_reviewed("Tester")


def test_table_per_code(project: Project, project_path: Path, interview_file: Path) -> None:
    double_coded(project, interview_file)
    result = CliRunner().invoke(cli, ["agreement", str(project_path)])
    assert result.exit_code == 0, result.output
    assert "Coders: Ann, Bo" in result.output
    lines = {line.split("  ")[0].strip(): line for line in result.output.splitlines()}
    assert "Barriers > Time" in lines and "All codes" in lines
    assert "Ann coded nothing" in lines["Barriers > Risk"]
    assert "alpha: no variation" in lines["Enablers"]
    assert "Krippendorff" in result.output and "no variation" in result.output


def test_json_by_source_and_units(
    project: Project, project_path: Path, interview_file: Path
) -> None:
    double_coded(project, interview_file)
    result = CliRunner().invoke(
        cli,
        ["agreement", str(project_path), "--code", "Time", "--unit", "turn", "--json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["unit"] == "turn" and data["coders"] == ["Ann", "Bo"]
    (time,) = data["by_code"]
    assert time["coded_by_all"] == 1 and time["coded_by_some"] == 0
    assert time["percent_agreement"]["value"] == 1

    result = CliRunner().invoke(
        cli, ["agreement", str(project_path), "--by", "source", "--unit", "sentence"]
    )
    assert result.exit_code == 0, result.output
    assert "interview-sam" in result.output and "Sentences" in result.output


def test_unknown_coder_is_a_clean_error(project: Project, project_path: Path) -> None:
    result = CliRunner().invoke(cli, ["agreement", str(project_path), "--coder", "Zed"])
    assert result.exit_code == 1
    assert "no coder 'Zed'" in result.output
