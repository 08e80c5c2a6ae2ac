"""`qualcode agreement`: the table, JSON, options and clean errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner
from pytest import MonkeyPatch

from qualcode.cli.app import cli
from qualcode.cli.common import to_jsonable
from qualcode.services.agreement import AgreementService
from qualcode.services.coding import CodingService
from qualcode.services.identifiers import IdentifierService
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
from qualcode.services.suggestions import SuggestionService, model_path_for


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
    assert "Krippendorff" in result.output and "no variation" in result.output


def test_table_reads_like_the_agreement_screen(
    project: Project, project_path: Path, interview_file: Path
) -> None:
    """Issue 13: alpha first, percent agreement last, rows nobody coded left out (said
    so), and listed on request with the reason instead of a 100% that means nothing."""
    double_coded(project, interview_file)
    result = CliRunner().invoke(cli, ["agreement", str(project_path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(line for line in lines if line.startswith("Code "))
    assert header.split()[:5] == ["Code", "Alpha", "Kappa", "Coded", "Note"]
    assert header.index("Agree %") > header.index("Note")
    rows = {line.split("  ")[0].strip(): line for line in lines}
    assert "Enablers" not in rows and "Barriers" not in rows
    assert "Barriers > Time" in rows
    assert "3 codes nobody coded are left out (--show-uncoded lists them)." in lines
    assert rows["Barriers > Time"].split()[3] == f"{_alpha(project, 'Barriers > Time'):.3f}"

    result = CliRunner().invoke(cli, ["agreement", str(project_path), "--show-uncoded"])
    assert result.exit_code == 0, result.output
    rows = {line.split("  ")[0].strip(): line for line in result.output.splitlines()}
    assert "nobody coded this" in rows["Enablers"] and "%" not in rows["Enablers"]
    assert "sub-codes only" in rows["Barriers"] and "%" not in rows["Barriers"]
    assert "left out" not in result.output


def _alpha(project: Project, label: str) -> float:
    with project.read_session() as session:
        report = AgreementService(session).agreement()
    value = next(r for r in report.by_code if r.label == label).alpha.value
    assert value is not None
    return value


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


# -- the suggester as one more coder (issue 12) ------------------------------------------


def test_with_suggestions_table_per_code_and_coder(
    project: Project, project_path: Path, interview_file: Path, monkeypatch: MonkeyPatch
) -> None:
    monkeypatch.delenv("QUALCODE_SPACY_PIPELINE", raising=False)
    double_coded(project, interview_file)
    result = CliRunner().invoke(cli, ["agreement", str(project_path), "--with-suggestions"])
    assert result.exit_code == 0, result.output
    assert "The suggestions compared with Ann, Bo, over turns:" in result.output
    lines = result.output.splitlines()
    header = next(line for line in lines if line.startswith("Code"))
    assert header.split()[:6] == ["Code", "Coder", "Alpha", "Kappa", "Coders'", "alpha"]
    assert header.index("Agree %") > header.index("Note")
    at = next(i for i, line in enumerate(lines) if line.startswith("Barriers > Time"))
    assert lines[at].split()[3] == "Ann" and lines[at + 1].split()[0] == "Bo"
    assert [line.split()[2] for line in lines if line.startswith("All codes")] == ["Ann"]
    assert "did not learn from that transcript's coding" in result.output


def test_with_suggestions_json_and_export(
    project: Project,
    project_path: Path,
    interview_file: Path,
    tmp_path: Path,
    monkeypatch: MonkeyPatch,
) -> None:
    monkeypatch.delenv("QUALCODE_SPACY_PIPELINE", raising=False)
    double_coded(project, interview_file)
    saved = tmp_path / "with-suggestions.csv"
    result = CliRunner().invoke(
        cli,
        [
            "agreement",
            str(project_path),
            "--with-suggestions",
            "--unit",
            "sentence",
            "--code",
            "Time",
            "--json",
            "-o",
            str(saved),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["unit"] == "sentence" and data["coders"] == ["Ann", "Bo"]
    assert [(r["label"], r["coder"]) for r in data["by_code"]] == [
        ("Barriers > Time", "Ann"),
        ("Barriers > Time", "Bo"),
    ]
    with project.session() as session:
        suggester = SuggestionService(
            session, None, model_path=model_path_for(project_path), pipeline=None
        )
        expected = AgreementService(session).suggester_agreement(
            suggester, unit="sentence", codes=["Time"]
        )
    assert data == to_jsonable(expected)
    rows = list(csv.reader(saved.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][:6] == ["Code", "Coder", "Alpha", "Kappa", "Coders' alpha", "Both"]
    assert rows[0][-3:] == ["Note", "Agree (proportion)", "Sentences"]
    assert [r[:2] for r in rows[1:]] == [
        ["Barriers > Time", "Ann"],
        ["Barriers > Time", "Bo"],
        ["All codes", "Ann"],
        ["All codes", "Bo"],
    ]


def test_with_suggestions_over_characters_is_a_clean_error(
    project: Project, project_path: Path
) -> None:
    result = CliRunner().invoke(
        cli, ["agreement", str(project_path), "--with-suggestions", "--unit", "character"]
    )
    assert result.exit_code == 1
    assert "turns or sentences (--unit turn or sentence)" in result.output


def test_with_suggestions_rows_nobody_coded_are_left_out_unless_asked(
    project: Project, project_path: Path, interview_file: Path, monkeypatch: MonkeyPatch
) -> None:
    monkeypatch.delenv("QUALCODE_SPACY_PIPELINE", raising=False)
    double_coded(project, interview_file)
    shown = CliRunner().invoke(cli, ["agreement", str(project_path), "--with-suggestions"])
    every = CliRunner().invoke(
        cli, ["agreement", str(project_path), "--with-suggestions", "--show-uncoded"]
    )
    assert shown.exit_code == 0 and every.exit_code == 0, shown.output + every.output
    with project.session() as session:
        suggester = SuggestionService(
            session, None, model_path=model_path_for(project_path), pipeline=None
        )
        report = AgreementService(session).suggester_agreement(suggester, unit="turn")
    neither = [r for r in report.by_code if not (r.both or r.suggestions_only or r.coder_only)]
    assert neither  # the fixture has codes nobody coded and nothing suggested
    assert f"{len(neither)} rows where neither the suggestions nor the coder coded" in (
        " ".join(shown.output.split())
    )
    assert "neither coded it" not in shown.output and "neither coded it" in every.output
    for line in every.output.splitlines():
        if "neither coded it" in line:
            assert "%" not in line  # no agreement figure where there is nothing to agree on
