"""The command line, driven through click's CliRunner as a script or a person would."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from qualcode.cli import cli
from tests.conftest import REPO


def run(*args: str, coder: str | None = "Tester", input: str | None = None):
    env = {"QUALCODE_CODER": coder} if coder else {}
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, input=input)


def _walk(group: click.Group, prefix: str = ""):
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from _walk(command, f"{prefix}{name} ")


def test_every_command_has_help_text() -> None:
    missing = [name for name, command in _walk(cli) if not (command.help or "").strip()]
    assert missing == []
    for name, command in _walk(cli):
        for param in command.params:
            if isinstance(param, click.Option) and param.name not in ("help",):
                assert (param.help or "").strip(), f"{name} {param.opts} has no help"


@pytest.fixture
def study(tmp_path: Path) -> Path:
    path = tmp_path / "study.qcp"
    result = run("init", path, "--codebook", REPO / "codebooks" / "starter.yaml")
    assert result.exit_code == 0, result.output
    return path


def test_init_creates_an_owner_only_project_with_a_codebook(study: Path) -> None:
    assert stat.S_IMODE(os.stat(study).st_mode) == 0o600
    result = run("codebook", "show", study, "--json")
    codes = json.loads(result.output)
    assert len(codes) >= 10 and {"uuid", "path", "definition"} <= set(codes[0])


def test_import_sources_code_list_remove_and_stats(study: Path, interview_file: Path,
                                                   tmp_path: Path) -> None:
    sheet = tmp_path / "people.csv"
    sheet.write_text("file,speaker,case,stakeholder_group\ninterview-sam.txt,Sam,P1,Partner\n")
    result = run("import", study, interview_file, "--participants", sheet)
    assert result.exit_code == 0, result.output
    assert "Imported 1 transcript" in result.output

    sources = json.loads(run("sources", study, "--json").output)
    assert sources[0]["name"] == "interview-sam" and sources[0]["cases"] == ["P1"]

    code_path = json.loads(run("codebook", "show", study, "--json").output)[1]["path"]
    added = run("code", "add", study, "-s", "interview-sam", "-c", code_path,
                "--passage", "no time", "--json")
    assert added.exit_code == 0, added.output
    coding = json.loads(added.output)
    assert coding["text"] == "no time" and coding["coder"] == "Tester"

    by_offsets = run("code", "add", study, "-s", "interview-sam", "-c", code_path,
                     "--start", "0", "--end", "5")
    assert by_offsets.exit_code == 0, by_offsets.output

    listed = json.loads(run("code", "list", study, "--json").output)
    assert {"uuid", "source", "start", "end", "code_path", "coder", "origin", "text"} <= set(
        listed[0])
    assert len(listed) == 2

    stats = json.loads(run("stats", study, "--json").output)
    row = next(r for r in stats if r["path"] == code_path)
    assert (row["codings"], row["sources"], row["cases"], row["stakeholder_groups"]) == (
        2, 1, 1, 1)
    table = run("stats", study, "--sort", "codings")
    assert table.exit_code == 0 and code_path in table.output

    removed = run("code", "remove", study, coding["uuid"])
    assert removed.exit_code == 0 and "Removed" in removed.output
    assert len(json.loads(run("code", "list", study, "--json").output)) == 1


def test_memos_from_the_cli(study: Path, interview_file: Path) -> None:
    run("import", study, interview_file)
    assert run("memo", "add", study, "Check consent forms").exit_code == 0
    assert run("memo", "add", study, "Noisy", "--source", "interview-sam").exit_code == 0
    memos = json.loads(run("memo", "list", study, "--json").output)
    assert [(m["target"], m["text"]) for m in memos] == [
        ("project", "Check consent forms"), ("source", "Noisy")]
    assert "Noisy" in run("memo", "list", study).output


def test_codebook_export_then_import_round_trips(study: Path, tmp_path: Path) -> None:
    out = tmp_path / "cb.yaml"
    assert run("codebook", "export", study, "-o", out).exit_code == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    result = run("codebook", "import", study, out)
    assert result.exit_code == 0 and "0 added, 0 updated" in result.output
    assert run("codebook", "export", study).output == out.read_text(encoding="utf-8")


def test_a_refused_file_fails_the_import_with_one_line_per_problem(study: Path,
                                                                   interview_file: Path,
                                                                   tmp_path: Path) -> None:
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\x00\x01\x02PK" * 500)
    result = run("import", study, interview_file, binary)
    assert result.exit_code == 1
    assert f"refused: {binary}:" in result.output
    assert "Nothing imported" in result.output
    assert json.loads(run("sources", study, "--json").output) == []
    partial = run("import", study, interview_file, binary, "--continue-on-error")
    assert partial.exit_code == 1 and "1 refused" in partial.output  # issue 11: refused = fail


@pytest.mark.parametrize("args", [
    ("sources", "{tmp}/missing.qcp"),
    ("code", "add", "{study}", "-s", "nope", "-c", "x", "--start", "0", "--end", "1"),
    ("code", "remove", "{study}", "00000000-0000-4000-8000-000000000000"),
    ("import", "{study}", "{tmp}/no-such-file.txt"),
    ("codebook", "import", "{study}", "{tmp}/bad.yaml"),
    ("init", "{study}"),
    ("stats", "{tmp}/bad.yaml"),
])
def test_errors_are_one_clean_line(study: Path, tmp_path: Path, args: tuple[str, ...]) -> None:
    (tmp_path / "bad.yaml").write_text("codes: [ {name: }\n")
    argv = [a.format(tmp=tmp_path, study=study) for a in args]
    result = run(*argv)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output


def test_coder_comes_from_option_env_or_config(study: Path, interview_file: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    run("import", study, interview_file)
    no_one = run("code", "add", study, "-s", "interview-sam", "-c", "Experiences",
                 "--start", "0", "--end", "3", coder=None)
    assert no_one.exit_code == 1 and "who is coding?" in no_one.output

    from qualcode.services.user_config import save_coder

    config = save_coder("Saved Name")
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
    listed = run("code", "add", study, "-s", "interview-sam", "-c", "Experiences",
                 "--start", "0", "--end", "3", "--json", coder=None)
    assert json.loads(listed.output)["coder"] == "Saved Name"
    by_option = run("code", "add", study, "-s", "interview-sam", "-c", "Experiences",
                    "--start", "0", "--end", "4", "--coder", "Opt", "--json", coder="Env")
    assert json.loads(by_option.output)["coder"] == "Opt"
    by_env = run("code", "add", study, "-s", "interview-sam", "-c", "Experiences",
                 "--start", "0", "--end", "5", "--json", coder="Env")
    assert json.loads(by_env.output)["coder"] == "Env"
