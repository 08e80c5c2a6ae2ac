"""`qualcode review`: walking through disagreements from the command line (issue 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from qualcode.cli.app import cli
from qualcode.services.coding import CodingService
from qualcode.services.project import Project
from tests.test_agreement_service import add_source

TEXT = "Hartwell, " * 10  # 100 characters


def run(*args: object, coder: str | None = "Ann") -> Result:
    env = {"QUALCODE_CODER": coder} if coder else {}
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


@pytest.fixture
def study(project: Project, project_path: Path) -> Path:
    add_source(project, "s1", TEXT)
    with project.session() as session:
        CodingService(session, "Ann").add("s1", "Time", 0, 30, memo="Ann's memo")
        CodingService(session, "Bo").add("s1", "Time", 20, 40)
        CodingService(session, "Bo").add("s1", "Risk", 70, 80)
    return project_path


def listing(path: Path, *args: object) -> dict:  # type: ignore[type-arg]
    result = run("review", "list", path, "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_list_comment_status_show(study: Path) -> None:
    result = run("review", "list", study)
    assert result.exit_code == 0, result.output
    assert "  1. [open] s1  Barriers > Time  0-20  coded by Ann; not by Bo" in result.output
    assert "3 disagreements, 0 decided (3 open); 0 consensus codings" in result.output

    result = run("review", "comment", study, "2", "Bo went on", coder="Bo")
    assert result.exit_code == 0, result.output
    assert run("review", "status", study, "2", "needs-discussion").exit_code == 0
    data = listing(study)
    second = data["items"][1]
    assert (second["number"], second["status"], second["comments"]) == (2, "needs discussion", 1)
    assert (second["start"], second["end"], second["coded_by"]) == (30, 40, ["Bo"])
    assert data["progress"]["by_status"]["needs discussion"] == 1

    filtered = listing(study, "--status", "needs-discussion")
    assert [i["number"] for i in filtered["items"]] == [2]
    assert [i["number"] for i in listing(study, "--status", "open")["items"]] == [1, 3]
    assert [i["number"] for i in listing(study, "--code", "Risk")["items"]] == [1]

    result = run("review", "show", study, "2")
    assert result.exit_code == 0, result.output
    assert "Bo: Bo went on" in result.output
    assert "Ann: [status] marked needs discussion" in result.output
    assert "   Bo 20-40" in result.output
    first = run("review", "show", study, "1")
    assert "Ann 0-30: Ann's memo" in first.output and "No comments yet." in first.output
    thread = second["thread"]
    by_uuid = run("review", "show", study, thread)
    assert by_uuid.exit_code == 0 and "Bo: Bo went on" in by_uuid.output
    assert run("review", "comment", study, thread, "again").exit_code == 0
    assert listing(study)["items"][1]["comments"] == 2


def test_decide_and_seed(study: Path) -> None:
    result = run("review", "seed", study)
    assert result.exit_code == 0, result.output
    assert "Added 1 agreed passage to the consensus." in result.output
    assert "Nothing new" in run("review", "seed", study).output

    result = run("review", "decide", study, "1", "--accept", "Bo", "--note", "Bo's fits")
    assert result.exit_code == 0, result.output
    assert "Decided: accepted Bo's version: Bo's fits." in result.output
    assert "3 disagreements, 1 decided (2 open, 1 resolved); 1 consensus coding" in result.output
    result = run("review", "decide", study, "3", "--span", "72-78")
    assert result.exit_code == 0, result.output
    with Project.open(study) as project, project.read_session() as session:
        rows = CodingService(session).list(coder="consensus")
    assert sorted((r.code_path, r.start, r.end) for r in rows) == [
        ("Barriers > Risk", 72, 78),
        ("Barriers > Time", 20, 30),  # seeded; Bo did not code 0-20
    ]


def test_clean_errors(study: Path) -> None:
    result = run("review", "show", study, "9")
    assert result.exit_code == 1 and "no disagreement 9 (review list shows 1-3)" in result.output
    result = run("review", "decide", study, "1", "--all", "--none")
    assert result.exit_code == 2 and "choose one of" in result.output
    result = run("review", "decide", study, "1", "--span", "x")
    assert result.exit_code == 2
    result = run("review", "status", study, "1", "maybe")
    assert result.exit_code == 1 and "unknown status 'maybe'" in result.output
    result = run("review", "comment", study, "1", " ")
    assert result.exit_code == 1 and "needs some text" in result.output
    result = run("review", "comment", study, "1", "hi", coder=None)
    assert result.exit_code == 1 and "who is coding" in result.output
    with Project.open(study) as project, project.read_session() as session:
        (coding,) = CodingService(session).list(code="Risk")
    result = run("review", "comment", study, f"coding:{coding.uuid}", "why risk?")
    assert result.exit_code == 0, result.output
    result = run("review", "decide", study, f"coding:{coding.uuid}", "--all")
    assert result.exit_code == 1 and "decide needs a disagreement" in result.output
    result = run("review", "show", study, "00000000-0000-4000-8000-000000000000")
    assert result.exit_code == 1 and "no review thread" in result.output
