"""The disagreements list (issue 6): exact stretches, exports with redaction, the CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode.cli.app import cli
from qualcode.domain.disagreements import Disagreement, InvolvedCoding, disagreeing_stretches
from qualcode.domain.errors import NotFoundError, ValidationError
from qualcode.services.coding import CodingService
from qualcode.services.disagreements import DisagreementService
from qualcode.services.identifiers import IdentifierService
from qualcode.services.project import Project
from tests.test_agreement_service import add_source

TEXT = "Hartwell, " * 10  # 100 characters


def code(
    project: Project, coder: str, source: str, code_: str, start: int, end: int, memo: str = ""
) -> None:
    with project.session() as session:
        CodingService(session, coder).add(source, code_, start, end, memo=memo)


def listed(project: Project, **options: object) -> list[Disagreement]:
    with project.read_session() as session:
        return DisagreementService(session).disagreements(**options)  # type: ignore[arg-type]


def spans(items: list[Disagreement]) -> list[tuple[str, str, int, int, tuple[str, ...]]]:
    return [(d.source, d.code_path, d.start, d.end, d.coded_by) for d in items]


@pytest.fixture
def two_coders(project: Project) -> Project:
    add_source(project, "s1", TEXT)
    add_source(project, "s2", TEXT)
    code(project, "Ann", "s1", "Time", 0, 30, memo="Ann thinks Hartwell is busy")
    code(project, "Ann", "s1", "Time", 50, 60)
    code(project, "Bo", "s1", "Time", 20, 40, memo="=only the end")
    code(project, "Bo", "s1", "Risk", 70, 80)
    code(project, "Ann", "s2", "Time", 0, 10)  # Bo never coded s2: absent, not disagreeing
    code(project, "consensus", "s1", "Time", 90, 100)  # left out like in agreement
    with project.session() as session:
        IdentifierService(session).mark_reviewed("Tester")
    return project


def test_exact_stretches_with_codings_and_memos(two_coders: Project) -> None:
    items = listed(two_coders)
    assert spans(items) == [
        ("s1", "Barriers > Time", 0, 20, ("Ann",)),
        ("s1", "Barriers > Time", 30, 40, ("Bo",)),
        ("s1", "Barriers > Time", 50, 60, ("Ann",)),
        ("s1", "Barriers > Risk", 70, 80, ("Bo",)),
    ]
    first = items[0]
    assert first.not_coded_by == ("Bo",) and first.text == TEXT[0:20]
    assert first.codings == (InvolvedCoding("Ann", 0, 30, "Ann thinks Hartwell is busy"),)
    assert items[1].codings == (InvolvedCoding("Bo", 20, 40, "=only the end"),)
    assert first.summary == "coded by Ann; not by Bo"


def test_filters_and_unknown_coder(two_coders: Project) -> None:
    assert spans(listed(two_coders, codes=["Risk"])) == [("s1", "Barriers > Risk", 70, 80, ("Bo",))]
    assert listed(two_coders, sources=["s2"]) == []
    assert listed(two_coders, coders=["Ann"]) == []  # one coder cannot disagree
    with_consensus = listed(two_coders, coders=["Ann", "consensus"], codes=["Time"])
    assert (90, 100, ("consensus",)) in [(d.start, d.end, d.coded_by) for d in with_consensus]
    with pytest.raises(NotFoundError):
        listed(two_coders, coders=["Zed"])


def test_overlapping_and_adjacent_codings_merge(project: Project) -> None:
    add_source(project, "s1", TEXT)
    code(project, "Ann", "s1", "Time", 0, 10)
    code(project, "Ann", "s1", "Time", 5, 20)
    code(project, "Ann", "s1", "Time", 20, 25)
    code(project, "Bo", "s1", "Risk", 50, 60)  # Bo is present in s1
    (time, risk) = listed(project)
    assert (time.start, time.end, time.coded_by, time.not_coded_by) == (0, 25, ("Ann",), ("Bo",))
    assert [(c.start, c.end) for c in time.codings] == [(0, 10), (5, 20), (20, 25)]
    assert (risk.start, risk.end) == (50, 60)


def test_stretches_split_where_the_coders_change() -> None:
    codings = [("Ann", 0, 30), ("Bo", 10, 20), ("Cy", 0, 30), ("Zed", 40, 50), ("Bo", 5, 5)]
    assert disagreeing_stretches(codings, ["Ann", "Bo", "Cy"]) == [
        (0, 10, ("Ann", "Cy")),
        (20, 30, ("Ann", "Cy")),
    ]
    assert disagreeing_stretches(codings, ["Ann"]) == []


def _export(project: Project, path: Path) -> int:
    with project.session() as session:
        IdentifierService(session, "Tester").add("Hartwell", "[town]", "place")
    with project.read_session() as session:
        return DisagreementService(session).export(path)[1]


def test_csv_and_xlsx_exports_are_redacted(two_coders: Project, tmp_path: Path) -> None:
    path = tmp_path / "review.csv"
    assert _export(two_coders, path) == 4
    raw = path.read_text(encoding="utf-8-sig")
    assert "Hartwell" not in raw and "[town]" in raw
    rows = list(csv.DictReader(raw.splitlines()))
    assert rows[0]["coded by"] == "Ann" and rows[0]["not coded by"] == "Bo"
    assert rows[0]["text"] == TEXT[0:20].replace("Hartwell", "[town]")
    assert rows[0]["memos"] == "Ann: Ann thinks [town] is busy"
    assert rows[1]["codings"] == "Bo 20-40"
    assert (path.stat().st_mode & 0o777) == 0o600

    from openpyxl import load_workbook

    xlsx = tmp_path / "review.xlsx"
    with two_coders.read_session() as session:
        DisagreementService(session).export(xlsx)
    sheet = load_workbook(xlsx).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:5] == ["number", "source", "code", "start", "end"]
    assert values[1][:1] + values[1][3:7] == [1, 0, 20, "Ann", "Bo"]
    assert values[0][-2:] == ["status", "discussion"] and values[1][-2] == "open"
    assert all("Hartwell" not in str(v) for row in values for v in row)


def test_word_export_has_a_heading_per_source_and_quotes(
    two_coders: Project, tmp_path: Path
) -> None:
    from docx import Document

    path = tmp_path / "review.docx"
    _export(two_coders, path)
    paragraphs = [(p.style.name, p.text) for p in Document(str(path)).paragraphs]
    assert ("Heading 2", "s1") in paragraphs
    quotes = [text for style, text in paragraphs if style == "Quote"]
    assert len(quotes) == 4 and quotes[0] == f"\u201c{TEXT[0:20]}\u201d".replace(
        "Hartwell", "[town]"
    )
    assert ("Quote Attribution", "coded by Ann; not by Bo") in paragraphs
    assert ("Memo", "Memo \u2014 Ann: Ann thinks [town] is busy") in paragraphs
    assert all("Hartwell" not in text for _, text in paragraphs)


def test_unknown_suffix_is_refused_before_anything_is_written(
    two_coders: Project, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match=r"review\.txt.*\.xlsx or \.csv or \.docx"):
        _export(two_coders, tmp_path / "review.txt")
    assert list(tmp_path.glob("review*")) == []


def run(*args: str) -> object:
    return CliRunner().invoke(cli, ["disagreements", *args])


def test_cli_list_json_export_and_errors(
    two_coders: Project, project_path: Path, tmp_path: Path
) -> None:
    study = str(project_path)
    result = run(study)
    assert result.exit_code == 0, result.output
    assert "s1" in result.output and "coded by Ann; not by Bo" in result.output
    assert "Ann 0-30: Ann thinks Hartwell is busy" in result.output
    assert "4 disagreements" in result.output

    result = run(study, "--code", "Risk", "--json")
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.output)
    assert item["coded_by"] == ["Bo"] and item["not_coded_by"] == ["Ann"]

    out = tmp_path / "out.csv"
    result = run(study, "--source", "s1", "-o", str(out))
    assert result.exit_code == 0 and "Wrote 4 disagreements" in result.output and out.exists()

    assert "No disagreements" in run(study, "--source", "s2").output
    bad = run(study, "--coder", "Zed")
    assert bad.exit_code == 1 and "no coder 'Zed'" in bad.output
    assert run(study, "-o", str(tmp_path / "out.txt")).exit_code == 1
    assert run("--help").exit_code == 0


def test_exports_carry_each_disagreements_status_and_discussion(
    two_coders: Project, tmp_path: Path
) -> None:
    from docx import Document

    from qualcode.domain.review import ReviewStatus
    from qualcode.services.review import ReviewService

    with two_coders.session() as session:
        review = ReviewService(session, "Bo")
        first = review.items()[0]
        review.comment(first.anchor, "Hartwell is the town, so it is about place")
        review.set_status(first.anchor, ReviewStatus.NEEDS_DISCUSSION)
    path = tmp_path / "review.csv"
    _export(two_coders, path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["number"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[0]["status"] == "needs discussion" and rows[1]["status"] == "open"
    comment, status = rows[0]["discussion"].splitlines()
    assert comment.startswith("Bo, ") and comment.endswith(
        ": [town] is the town, so it is about place"
    )
    assert status.endswith(": marked needs discussion")

    document = tmp_path / "review.docx"
    with two_coders.read_session() as session:
        DisagreementService(session).export(document)
    paragraphs = [(p.style.name, p.text) for p in Document(str(document)).paragraphs]
    assert any(s == "Extract Summary" and t.endswith("needs discussion") for s, t in paragraphs)
    assert any(s == "Extract Details" and "about place" in t for s, t in paragraphs)
