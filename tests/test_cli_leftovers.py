"""Commands that fail leave nothing behind and say so in their exit code; what qualcode
keeps for itself is owner-only (issue 11)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from qualcode.cli import cli
from qualcode.services.sources import SourceService
from qualcode.services.user_config import data_dir, private_data_dir
from tests.conftest import REPO


def run(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env={"QUALCODE_CODER": "Tester"})


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


BAD_CODEBOOKS = {
    "duplicate.yaml": "name: x\ncodes:\n  - name: A\n  - name: a\n",
    "broken.yaml": "name: [unclosed\n",
    "empty.yaml": "",
    "no-codes.yaml": "codes: [ {name: }\n",
}


@pytest.mark.parametrize("file_name", sorted(BAD_CODEBOOKS))
def test_init_with_a_refused_codebook_leaves_no_project(tmp_path: Path, file_name: str) -> None:
    books = tmp_path / "books"
    books.mkdir()
    codebook = books / file_name
    codebook.write_text(BAD_CODEBOOKS[file_name], encoding="utf-8")
    folder = tmp_path / "projects"
    folder.mkdir()
    result = run("init", folder / "study.qcp", "--codebook", codebook)
    assert result.exit_code == 1
    assert "Created" not in result.output and "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {codebook}: "), result.output
    assert sorted(folder.iterdir()) == []  # no .qcp, -wal, -shm or -journal


def test_init_with_a_binary_codebook_leaves_no_project(tmp_path: Path) -> None:
    codebook = tmp_path / "scan.yaml"
    codebook.write_bytes(b"\xff\xfe\x00name: x\n")
    result = run("init", tmp_path / "study.qcp", "--codebook", codebook)
    assert result.exit_code == 1 and "Created" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scan.yaml"]


def test_init_never_touches_an_existing_file(tmp_path: Path) -> None:
    existing = tmp_path / "study.qcp"
    existing.write_bytes(b"someone's work")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    for extra in ([], ["--codebook", bad]):
        result = run("init", existing, *extra)
        assert result.exit_code == 1 and "already exists" in result.output
        assert existing.read_bytes() == b"someone's work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "study.qcp"]


def test_init_with_a_good_codebook_says_created_and_loaded(tmp_path: Path) -> None:
    result = run("init", tmp_path / "study.qcp", "--codebook", REPO / "codebooks" / "starter.yaml")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Created {tmp_path / 'study.qcp'}")
    assert "Loaded codebook" in result.output


def test_import_exits_non_zero_when_any_file_was_refused(
    tmp_path: Path, interview_file: Path
) -> None:
    study = tmp_path / "study.qcp"
    assert run("init", study).exit_code == 0
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\x00\x01\x02PK" * 500)
    result = run("import", study, interview_file, binary, "--continue-on-error")
    assert result.exit_code == 1, result.output
    assert f"refused: {binary}:" in result.output and "1 refused" in result.output
    names = [s["name"] for s in json.loads(run("sources", study, "--json").output)]
    assert names == ["interview-sam"]  # the good file was imported

    again = tmp_path / "scan2.txt"
    again.write_bytes(b"\x00\x01\x02PK" * 500)
    other = tmp_path / "other.txt"
    other.write_text("Ann: something else entirely\n", encoding="utf-8")
    result = run("import", study, other, again, "--continue-on-error", "--json")
    assert result.exit_code == 1
    report = json.loads(result.output[result.output.index("{") :])
    assert len(report["problems"]) == 1 and report["committed"]


def test_a_clean_import_still_exits_zero(tmp_path: Path, interview_file: Path) -> None:
    study = tmp_path / "study.qcp"
    assert run("init", study).exit_code == 0
    assert run("import", study, interview_file, "--continue-on-error").exit_code == 0


def test_errors_log_and_its_folders_are_owner_only_even_if_they_were_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    study = tmp_path / "study.qcp"
    assert run("init", study).exit_code == 0
    root = data_dir()
    assert str(root).startswith(str(tmp_path.parent.parent))  # the test's own data folder
    logs = root / "logs"
    logs.mkdir(parents=True)
    log = logs / "errors.log"
    log.write_text("an older entry\n", encoding="utf-8")
    root.chmod(0o755)
    logs.chmod(0o755)
    log.chmod(0o644)

    def broken(self: SourceService) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(SourceService, "list_sources", broken)
    result = run("sources", study)
    assert result.exit_code == 1 and f"details in {log}" in result.output
    assert (mode(root), mode(logs), mode(log)) == (0o700, 0o700, 0o600)
    text = log.read_text(encoding="utf-8")
    assert text.startswith("an older entry\n") and "RuntimeError: a bug" in text


def test_errors_log_is_created_owner_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    study = tmp_path / "study.qcp"
    assert run("init", study).exit_code == 0
    old = os.umask(0o022)
    try:

        def broken(self: SourceService) -> None:
            raise RuntimeError("a bug")

        monkeypatch.setattr(SourceService, "list_sources", broken)
        assert run("sources", study).exit_code == 1
    finally:
        os.umask(old)
    log = data_dir() / "logs" / "errors.log"
    assert (mode(data_dir()), mode(log.parent), mode(log)) == (0o700, 0o700, 0o600)


def test_the_demo_folder_is_owner_only() -> None:
    root = data_dir()
    root.mkdir(parents=True)
    root.chmod(0o755)
    (root / "demo").mkdir(mode=0o775)
    folder = private_data_dir("demo")
    assert folder == root / "demo"
    assert (mode(root), mode(folder)) == (0o700, 0o700)


def test_a_project_that_fails_while_being_made_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qualcode.store.migrate as migrate

    def interrupted(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(migrate, "_run", interrupted)  # after the file is created
    result = run("init", tmp_path / "study.qcp")
    assert result.exit_code == 1 and "No space left" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_wrong_suffix_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    result = run("init", tmp_path / "study.txt")
    assert result.exit_code == 1 and ".qcp" in result.output
    assert list(tmp_path.iterdir()) == []
