"""`qualcode merge`, `export-coder` and `import-coder` as a researcher runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode.cli import cli
from tests.merge_helpers import RISK, code, coding_uuids, fingerprint, laptop, make_base, sql


@pytest.fixture
def laptops(tmp_path: Path, interview_file: Path) -> tuple[Path, Path]:
    base = make_base(tmp_path, interview_file)
    ann, bo = laptop(base, "ann"), laptop(base, "bo")
    code(ann, "Ann", "Barriers > Time", "no time")
    code(bo, "Bo", "Barriers > Risk", "nobody owns the risk")
    return ann, bo


def test_merge_prints_a_summary(laptops: tuple[Path, Path]) -> None:
    ann, bo = laptops
    result = CliRunner().invoke(cli, ["merge", str(ann), str(bo)])
    assert result.exit_code == 0, result.output
    assert "Already there" in result.output and "codings" in result.output
    assert "Backup:" in result.output
    assert coding_uuids(bo) <= coding_uuids(ann)

    again = CliRunner().invoke(cli, ["merge", str(ann), str(bo)])
    assert again.exit_code == 0, again.output
    assert "Nothing new" in again.output and "Backup:" not in again.output


def test_merge_json_and_dry_run(laptops: tuple[Path, Path]) -> None:
    ann, bo = laptops
    before = fingerprint(ann)
    result = CliRunner().invoke(cli, ["merge", str(ann), str(bo), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["written"] is False and report["dry_run"] is True
    assert fingerprint(ann) == before


def test_conflicts_exit_1_with_the_resolve_to_pass(laptops: tuple[Path, Path]) -> None:
    ann, bo = laptops
    sql(
        bo,
        "UPDATE codes SET parent_id = (SELECT id FROM codes WHERE name = 'Enablers') "
        "WHERE uuid = ?",
        RISK,
    )
    result = CliRunner().invoke(cli, ["merge", str(ann), str(bo)])
    assert result.exit_code == 1
    assert f"--resolve {RISK}=keep-target|take-incoming" in result.output
    resolved = CliRunner().invoke(
        cli, ["merge", str(ann), str(bo), "--resolve", f"{RISK}=keep-target"]
    )
    assert resolved.exit_code == 0, resolved.output
    bad = CliRunner().invoke(cli, ["merge", str(ann), str(bo), "--resolve", "nonsense"])
    assert bad.exit_code == 2


def test_broken_source_is_one_clean_line(tmp_path: Path, laptops: tuple[Path, Path]) -> None:
    ann, _ = laptops
    junk = tmp_path / "junk.qcp"
    junk.write_text("no", encoding="utf-8")
    result = CliRunner().invoke(cli, ["merge", str(ann), str(junk)])
    assert result.exit_code == 1
    assert "not a qualcode project" in result.output


def test_export_and_import_a_coder(tmp_path: Path, laptops: tuple[Path, Path]) -> None:
    ann, bo = laptops
    out = tmp_path / "bo.json"
    result = CliRunner().invoke(cli, ["export-coder", str(bo), "--coder", "Bo", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 codings" in result.output
    result = CliRunner().invoke(cli, ["import-coder", str(ann), str(out)])
    assert result.exit_code == 0, result.output
    assert coding_uuids(bo) <= coding_uuids(ann)
