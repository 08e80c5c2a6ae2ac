"""`qualcode identifiers`: the register from the command line, as a script would use it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode.cli.app import cli
from qualcode.services.project import Project
from qualcode.services.sources import SourceService


def run(*args: object, coder: str | None = "Tester"):  # type: ignore[no-untyped-def]
    env = {"QUALCODE_CODER": coder} if coder else {}
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


@pytest.fixture
def study(project: Project, project_path: Path, interview_file: Path) -> Path:
    interview_file.write_text(
        interview_file.read_text(encoding="utf-8")
        + "\nSam: Jill Evans from Thornleigh estate helped, and Jill's team.\n",
        encoding="utf-8",
    )
    with project.session() as session:
        SourceService(session, "Tester").import_files([interview_file])
    return project_path


def test_add_list_and_remove(study: Path) -> None:
    result = run(
        "identifiers",
        "add",
        study,
        "Jill Evans",
        "[the psychologist]",
        "--kind",
        "person",
        "--note",
        "interview 1",
    )
    assert result.exit_code == 0, result.output
    assert "Registered 'Jill Evans' (person), replaced by [the psychologist]" in result.output
    listed = run("identifiers", "list", study)
    assert "Jill Evans" in listed.output and "[the psychologist]" in listed.output
    assert "1 identifier(s)." in listed.output
    [entry] = json.loads(run("identifiers", "list", study, "--json").output)
    assert entry["original"] == "Jill Evans" and entry["kind"] == "person" and entry["uuid"]
    removed = run("identifiers", "remove", study, "JILL EVANS")
    assert removed.exit_code == 0 and "Removed 'Jill Evans'" in removed.output
    assert json.loads(run("identifiers", "list", study, "--json").output) == []


def test_a_duplicate_or_bad_entry_is_one_line_and_exit_1(study: Path) -> None:
    assert run("identifiers", "add", study, "Jill", "[name]").exit_code == 0
    again = run("identifiers", "add", study, "jill", "[someone]")
    assert again.exit_code == 1 and "already registered" in again.output
    assert "Traceback" not in again.output
    leaking = run("identifiers", "add", study, "Evans", "[Evans's team]")
    assert leaking.exit_code == 1 and "contains 'Evans' itself" in leaking.output
    kind = run("identifiers", "add", study, "Hartwell", "[area]", "--kind", "town")
    assert kind.exit_code == 2  # click refuses the choice
    missing = run("identifiers", "remove", study, "Nobody")
    assert missing.exit_code == 1 and "not in the identifier register" in missing.output


def test_changes_need_a_coder(study: Path) -> None:
    result = run("identifiers", "add", study, "Jill", "[name]", coder=None)
    assert result.exit_code == 1 and "who is coding?" in result.output


def test_suggest_shows_candidates_and_can_register_them_all(study: Path) -> None:
    run("identifiers", "places", study, "Narnia")
    shown = run("identifiers", "suggest", study)
    assert shown.exit_code == 0, shown.output
    assert "Jill Evans" in shown.output and "Thornleigh estate" in shown.output
    assert "[local area]" in shown.output and "--add-all" in shown.output
    data = json.loads(run("identifiers", "suggest", study, "--json").output)
    by_text = {d["text"]: d for d in data}
    assert by_text["Thornleigh estate"]["kind"] == "place"
    assert {"count", "sources", "variants", "reason", "replacement"} <= set(data[0])
    added = run("identifiers", "suggest", study, "--add-all")
    assert added.exit_code == 0 and f"Registered {len(data)} of {len(data)}." in added.output
    listed = json.loads(run("identifiers", "list", study, "--json").output)
    assert {e["original"] for e in listed} >= {"Jill Evans", "Thornleigh estate"}
    assert all(e["note"].startswith("suggested: ") for e in listed)
    assert json.loads(run("identifiers", "suggest", study, "--json").output) == []


def test_check_reports_each_leak_and_exits_1(study: Path, tmp_path: Path) -> None:
    run("identifiers", "add", study, "Jill", "[psychologist]", "--kind", "person")
    clean = tmp_path / "clean.txt"
    clean.write_text("[psychologist] was kind.\n", encoding="utf-8")
    ok = run("identifiers", "check", study, clean)
    assert ok.exit_code == 0 and "no registered identifier found" in ok.output
    leaky = tmp_path / "quotes.txt"
    leaky.write_text("fine\nthen JILL said (Jilly) was fine\n", encoding="utf-8")
    result = run("identifiers", "check", study, leaky)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == (
        f'{leaky}: line 2: "\u2026fine then JILL said (Jilly) was fine \u2026" '
        "contains 'JILL' (registered as 'Jill')"
    )
    assert lines[1].endswith("contains 'Jilly' (close to registered 'Jill')")
    assert "2 identifier(s) found" in result.output


def test_check_reads_a_word_file(study: Path, tmp_path: Path) -> None:
    import docx

    run("identifiers", "add", study, "Jill", "[psychologist]", "--kind", "person")
    document = docx.Document()
    document.add_paragraph("Title")
    document.add_paragraph("It was Jill who rang.")
    path = tmp_path / "report.docx"
    document.save(str(path))
    result = run("identifiers", "check", study, path)
    assert result.exit_code == 1
    assert (
        f"{path}: paragraph 2: \"\u2026It was Jill who rang.\u2026\" contains 'Jill' "
        "(registered)" in result.output
    )


def test_places_shows_and_adds(study: Path) -> None:
    empty = run("identifiers", "places", study)
    assert empty.exit_code == 0 and "No places yet" in empty.output
    added = run("identifiers", "places", study, "Hartwell", "Redmoor", "hartwell")
    assert added.exit_code == 0 and added.output.splitlines() == ["Hartwell", "Redmoor"]
    assert run("identifiers", "places", study).output.splitlines() == ["Hartwell", "Redmoor"]


def test_every_identifiers_command_has_help(study: Path) -> None:
    for command in ("list", "add", "remove", "suggest", "check", "places", "reviewed", "status"):
        result = run("identifiers", command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output
    assert "identifiers" in run("--help").output


def test_status_and_reviewed_say_whether_an_export_would_be_refused(study: Path) -> None:
    before = run("identifiers", "status", study)
    assert before.exit_code == 0, before.output
    assert "never been reviewed and is empty" in before.output
    assert f"qualcode identifiers reviewed {study}" in before.output
    data = json.loads(run("identifiers", "status", study, "--json").output)
    assert data["needs_review"] is True and data["unreviewed_sources"] == ["interview-sam"]
    assert data["entries"] == 0 and data["reviewed_at"] is None and data["sources"] == 1
    assert run("identifiers", "reviewed", study, coder=None).exit_code == 1  # who reviewed?
    marked = run("identifiers", "reviewed", study)
    assert marked.exit_code == 0, marked.output
    assert "reviewed" in marked.output and "by Tester" in marked.output
    after = json.loads(run("identifiers", "status", study, "--json").output)
    assert after["needs_review"] is False and after["reviewed_by"] == "Tester"
    assert after["unreviewed_sources"] == [] and after["reviewed_at"]


def test_add_all_registers_then_marks_the_register_reviewed(study: Path) -> None:
    added = run("identifiers", "suggest", study, "--add-all")
    assert added.exit_code == 0, added.output
    assert "every transcript checked" in added.output
    status = json.loads(run("identifiers", "status", study, "--json").output)
    assert status["needs_review"] is False and status["entries"] >= 2


def test_add_all_does_not_mark_reviewed_when_a_name_was_refused(study: Path) -> None:
    # "Jill" sits in another entry's replacement, so registering it is refused
    run("identifiers", "add", study, "Thornleigh estate", "[Jill's area]", "--kind", "place")
    added = run("identifiers", "suggest", study, "--add-all")
    assert added.exit_code == 0, added.output
    assert "not registered: Jill:" in added.output
    assert "The register is not marked reviewed" in added.output
    assert json.loads(run("identifiers", "status", study, "--json").output)["needs_review"]
