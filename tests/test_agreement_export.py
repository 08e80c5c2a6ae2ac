"""`qualcode agreement -o`: the agreement table as CSV, XLSX and Word."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode.cli.app import cli
from qualcode.exporters.readback import text_locations
from qualcode.services.agreement import AgreementService
from qualcode.services.identifiers import IdentifierService
from qualcode.services.project import Project
from tests.test_agreement_cli import double_coded


def _run(project_path: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["agreement", str(project_path), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_csv_has_every_row_with_numbers(
    project: Project, project_path: Path, interview_file: Path, tmp_path: Path
) -> None:
    double_coded(project, interview_file)
    out = tmp_path / "agreement.csv"
    assert f"Wrote the agreement table to {out}" in _run(project_path, "-o", str(out))
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    header, body = rows[0], {row[0]: row for row in rows[1:]}
    assert header[:5] == ["Code", "Alpha", "Kappa", "Coded", "Note"]
    assert header[5:] == ["Agree (proportion)", "By all", "By some", "Characters"]
    with project.read_session() as session:
        report = AgreementService(session).agreement()
    time = next(r for r in report.by_code if r.label == "Barriers > Time")
    assert float(body["Barriers > Time"][1]) == pytest.approx(time.alpha.value, abs=1e-4)
    assert int(body["Barriers > Time"][3]) == time.coded_by_any
    # Rows nobody coded stay for data users: the reason, and no figures (not 100%).
    assert body["Enablers"][1] == "" and body["Enablers"][4] == "nobody coded this"
    assert body["Enablers"][5] == "" and body["Barriers"][4] == "sub-codes only"
    assert list(body)[-1] == "All codes"
    assert out.stat().st_mode & 0o077 == 0


def test_word_and_workbook(
    project: Project, project_path: Path, interview_file: Path, tmp_path: Path
) -> None:
    double_coded(project, interview_file)
    docx = tmp_path / "agreement.docx"
    _run(project_path, "--unit", "turn", "-o", str(docx))
    text = "\n".join(t for _, t in text_locations(docx))
    assert "Agreement between coders" in text and "Coders compared: Ann, Bo" in text
    assert "Barriers > Time" in text and "Unit: turns" in text and "Krippendorff" in text
    assert "Kappa" in text  # two coders
    assert "Enablers\n" not in text + "\n"  # left out, and named
    assert "Left out because nobody coded them (3 codes): Barriers, Enablers and" in text

    xlsx = tmp_path / "agreement.xlsx"
    _run(project_path, "--by", "source", "-o", str(xlsx))
    with zipfile.ZipFile(xlsx) as book:
        assert any(name.startswith("xl/worksheets/") for name in book.namelist())
    cells = [t for _, t in text_locations(xlsx)]
    assert "interview-sam" in cells and "All codes" in cells


def test_registered_names_are_replaced_and_wrong_suffix_is_an_error(
    project: Project, project_path: Path, interview_file: Path, tmp_path: Path
) -> None:
    double_coded(project, interview_file)
    with project.session() as session:
        IdentifierService(session, "Tester").add("sam", "[participant]", kind="person")
    out = tmp_path / "by-source.csv"
    _run(project_path, "--by", "source", "-o", str(out))
    content = out.read_text(encoding="utf-8-sig")
    assert "interview-[participant]" in content and "sam" not in content.lower()

    result = CliRunner().invoke(cli, ["agreement", str(project_path), "-o", "table.pdf"])
    assert result.exit_code != 0 and "table.pdf" in result.output
    assert ".docx" in result.output


def test_workbook_keeps_every_row_alpha_first_without_a_false_hundred_percent(
    project: Project, project_path: Path, interview_file: Path, tmp_path: Path
) -> None:
    """Issue 13: the spreadsheet reads like the screen, rows nobody coded included."""
    from openpyxl import load_workbook

    double_coded(project, interview_file)
    xlsx = tmp_path / "agreement.xlsx"
    _run(project_path, "-o", str(xlsx))
    sheet = load_workbook(xlsx).active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header, body = rows[0], {row[0]: row for row in rows[1:]}
    assert header[:5] == ["Code", "Alpha", "Kappa", "Coded", "Note"]
    assert header[5] == "Agree (proportion)"
    assert isinstance(body["Barriers > Time"][1], float)
    assert isinstance(body["Barriers > Time"][5], float)
    enablers = body["Enablers"]
    assert enablers[4] == "nobody coded this"
    assert enablers[1] in ("", None) and enablers[5] in ("", None)
    assert list(body)[-1] == "All codes"
