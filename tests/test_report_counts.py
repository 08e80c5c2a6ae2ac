"""A Word report's chart and evidence tables count what its quotes show: one per passage,
however many coders coded it (issue 13). The standalone table export keeps counting
every coding: it is a data table, not the report."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from qualcode.domain.reports import ReportFilter, ReportOptions
from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.project import Project
from qualcode.services.reports import ReportService
from qualcode.services.sources import SourceService
from tests.conftest import SMALL_CODEBOOK, review_register

LEE = """Study: test
Date: 2 March 2023
----
Interviewer: What gets in the way?

Lee: Funding ends in March and nobody knows. Peer workers bridge the gap for us.
"""
EM = "\u2003"


def _project(
    tmp_path: Path, interview_file: Path, codings: list[tuple[str, str, str, str]]
) -> Path:
    """Two participants in two groups; ``codings`` are (coder, source, code, passage)."""
    path = tmp_path / "counts.qcp"
    lee = interview_file.parent / "interview-lee.txt"
    lee.write_text(LEE, encoding="utf-8")
    sheet = tmp_path / "files" / "people.csv"
    sheet.write_text(
        "file,speaker,case,stakeholder_group,area\n"
        "interview-sam.txt,Sam,P1,Mental health partner,T\n"
        "interview-lee.txt,Lee,P2,Local area lead,G\n",
        encoding="utf-8",
    )
    with Project.create(path) as project, project.session() as session:
        CodebookService(session, "Setup").import_codebook(SMALL_CODEBOOK)
        SourceService(session, "Setup").import_files([interview_file, lee], sheet)
    with Project.open(path) as project, project.session() as session:
        for coder, source, code, passage in codings:
            CodingService(session, coder).add_passage(source, code, passage)
    review_register(path)
    return path


SAM, LEE_SOURCE = "interview-sam", "interview-lee"
THREE_CODERS = [
    # Time at Sam's: one passage, four codings by three coders.
    *((coder, SAM, "Time", "no time") for coder in ("Asha", "Ben", "Carys")),
    ("Ben", SAM, "Time", "we just have no time"),
    # Risk at Sam's: one passage, two codings.
    ("Asha", SAM, "Risk", "nobody owns the risk"),
    ("Ben", SAM, "Risk", "the risk"),
    # Bridging roles: one passage at each participant's, three codings.
    ("Asha", SAM, "Bridging roles", "The navigator role bridges the gap"),
    ("Ben", SAM, "Bridging roles", "navigator role"),
    ("Carys", LEE_SOURCE, "Bridging roles", "Peer workers bridge the gap"),
    # Time and Risk applied together at Lee's by two coders: one pair of passages.
    *((coder, LEE_SOURCE, "Risk", "Funding ends in March") for coder in ("Asha", "Carys")),
    *(
        (coder, LEE_SOURCE, "Time", "Funding ends in March and nobody knows")
        for coder in ("Asha", "Carys")
    ),
]


@pytest.fixture
def three_coders(tmp_path: Path, interview_file: Path) -> Path:
    return _project(tmp_path, interview_file, THREE_CODERS)


@pytest.fixture
def one_coder(tmp_path: Path, interview_file: Path) -> Path:
    return _project(
        tmp_path,
        interview_file,
        [
            ("Asha", SAM, "Time", "we just have no time"),
            ("Asha", SAM, "Risk", "nobody owns the risk"),
            ("Asha", SAM, "Bridging roles", "The navigator role bridges the gap"),
            ("Asha", LEE_SOURCE, "Risk", "Funding ends in March"),
            ("Asha", LEE_SOURCE, "Time", "Funding ends in March and nobody knows"),
            ("Asha", LEE_SOURCE, "Bridging roles", "Peer workers bridge the gap"),
        ],
    )


def _export(project: Path, output: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The report, and the bars its chart was drawn with (label -> value)."""
    from qualcode.exporters import chart

    drawn: dict[str, int] = {}
    real = chart.bar_chart_png

    def spy(labels: list[str], values: list[int], **options: Any) -> bytes:
        drawn.update(zip(labels, values, strict=True))
        return real(labels, values, **options)

    monkeypatch.setattr(chart, "bar_chart_png", spy)
    with Project.open(project) as opened, opened.session() as session:
        ReportService(session).export_docx(output, ReportFilter(), ReportOptions())
    return drawn


def _quotes_per_heading(document: Any) -> Counter[str]:
    counts: Counter[str] = Counter()
    heading = ""
    for paragraph in document.paragraphs:
        style = paragraph.style.name if paragraph.style is not None else ""
        if style.startswith("Heading"):
            heading = paragraph.text
        elif style == "Quote":
            counts[heading] += 1
    return counts


def _table(document: Any, first_header: str, second_header: str) -> list[list[str]]:
    for table in document.tables:
        rows = [[cell.text for cell in row.cells] for row in table.rows]
        if rows[0][:2] == [first_header, second_header]:
            return rows
    raise AssertionError(f"no table headed {first_header}, {second_header}")


def _captions(document: Any) -> list[str]:
    return [
        p.text for p in document.paragraphs if p.style is not None and p.style.name == "Caption"
    ]


def _selection(document: Any) -> str:
    return next(p.text for p in document.paragraphs if p.text.startswith("Selection:"))


def test_chart_tables_and_quotes_count_the_same_passages(
    three_coders: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "report.docx"
    bars = _export(three_coders, output, monkeypatch)
    document = Document(str(output))
    quotes = _quotes_per_heading(document)
    assert quotes == {"Time": 2, "Risk": 2, "Bridging roles": 2}  # not 6, 4 and 3 codings

    assert bars == dict(quotes)
    frequencies = {row[0].strip(EM): row[1] for row in _table(document, "Code", "Extracts")[1:]}
    assert frequencies == {
        "Barriers": "4",
        "Time": "2",
        "Risk": "2",
        "Enablers": "2",
        "Bridging roles": "2",
    }
    ranked = {row[1]: row[2] for row in _table(document, "Rank", "Code")[1:]}
    assert ranked == {
        "Barriers > Time": "2",
        "Barriers > Risk": "2",
        "Enablers > Bridging roles": "2",
    }
    framework = _table(document, "Participant", "Barriers")
    assert framework[0] == ["Participant", "Barriers", "Enablers"]
    assert [row[1:] for row in framework[1:]] == [["2", "1"], ["2", "1"]]
    pairs = _table(document, "Code", "Applied with")[1:]
    assert pairs == [["Time", "Risk", "1"]] or pairs == [["Risk", "Time", "1"]]
    assert _selection(document).startswith("Selection: 6 coded extracts")
    assert sum(quotes.values()) == 6
    captions = _captions(document)
    said = [c.split(":")[0] for c in captions if "several coders count once" in c]
    assert said == ["Figure 1", "Table 1"]  # say what an extract is; the others refer to it
    referred = [c.split(":")[0] for c in captions if "counted as in Table 1" in c]
    assert referred == ["Table 2", "Table 5"]


def test_a_single_coders_report_counts_as_before(
    one_coder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Worked out by hand from the six codings: no two of a code overlap, so each
    # coding is one passage, and the numbers and captions are those of every coding.
    output = tmp_path / "report.docx"
    bars = _export(one_coder, output, monkeypatch)
    document = Document(str(output))
    assert bars == {"Time": 2, "Risk": 2, "Bridging roles": 2}
    assert _table(document, "Code", "Extracts") == [
        ["Code", "Extracts", "Sources", "Participants", "Groups"],
        ["Barriers", "4", "2", "2", "2"],
        [f"{EM}Time", "2", "2", "2", "2"],
        [f"{EM}Risk", "2", "2", "2", "2"],
        ["Enablers", "2", "2", "2", "2"],
        [f"{EM}Bridging roles", "2", "2", "2", "2"],
    ]
    assert _table(document, "Participant", "Barriers") == [
        ["Participant", "Barriers", "Enablers"],
        ["P1 (Mental health partner, T)", "2", "1"],
        ["P2 (Local area lead, G)", "2", "1"],
    ]
    assert _table(document, "Code", "Applied with")[1:] in (
        [["Time", "Risk", "1"]],
        [["Risk", "Time", "1"]],
    )
    assert _selection(document).startswith("Selection: 6 coded extracts")
    assert not [c for c in _captions(document) if "coders" in c]  # nothing to explain


def test_the_table_export_still_counts_every_coding(three_coders: Path, tmp_path: Path) -> None:
    output = tmp_path / "tables.csv"
    with Project.open(three_coders) as opened, opened.session() as session:
        written = ReportService(session).export_tables(
            output, ReportFilter(), ReportOptions(evidence_attribute="area")
        )
    frequencies = next(p for p in written if "frequenc" in p.name)
    with frequencies.open(encoding="utf-8-sig") as handle:
        rows = {row["code"].strip(): row["codings"] for row in csv.DictReader(handle)}
    assert rows["Barriers > Time"] == "6" and rows["Barriers > Risk"] == "4"
    assert rows["Enablers > Bridging roles"] == "3"


def test_the_agreed_version_is_what_the_tables_count(three_coders: Path, tmp_path: Path) -> None:
    from qualcode.services.consensus import ConsensusService

    with Project.open(three_coders) as opened, opened.session() as session:
        ConsensusService(session, "Asha").seed()
        report = ReportService(session).build(ReportFilter(), ReportOptions())
    quoted = {s.name: len(s.quotes) for s in report.sections if s.quotes}
    assert report.chart is not None
    assert dict(zip(report.chart.labels, report.chart.values, strict=True)) == quoted
    frequencies = {row[0].strip(EM): int(row[1]) for row in report.tables[0].rows}
    assert all(frequencies[name] == count for name, count in quoted.items())


def test_codes_two_coders_put_on_one_passage_are_not_applied_together(
    tmp_path: Path, interview_file: Path
) -> None:
    # Asha saw time, Ben saw risk: a disagreement to review, not two codes applied together.
    path = _project(
        tmp_path,
        interview_file,
        [("Asha", LEE_SOURCE, "Time", "nobody knows"), ("Ben", LEE_SOURCE, "Risk", "nobody knows")],
    )
    with Project.open(path) as opened, opened.session() as session:
        report = ReportService(session).build(ReportFilter(), ReportOptions())
    pairs = next(t for t in report.tables if t.title == "Codes applied together")
    assert pairs.rows == ()


def test_a_tables_caption_stays_with_its_table(three_coders: Path, tmp_path: Path) -> None:
    from docx.oxml.ns import qn

    output = tmp_path / "report.docx"
    with Project.open(three_coders) as opened, opened.session() as session:
        ReportService(session).export_docx(
            output, ReportFilter(), ReportOptions(include_chart=False)
        )
    body = Document(str(output)).element.body
    for table in body.iter(qn("w:tbl")):
        caption = table.getprevious()
        assert caption.find(qn("w:pPr")).find(qn("w:keepNext")) is not None
