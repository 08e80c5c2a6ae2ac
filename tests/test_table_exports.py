"""Quotes and evidence tables rendered as CSV and XLSX, read back with csv and openpyxl.

The exporters only render bytes from records; redaction, private files and atomic
writes are the export gate's (tests/test_export_gate.py). Here the records are
redacted the way the gate does it, with map_strings, before they are rendered.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import load_workbook

from qualcode.domain.evidence import (
    AttributeMatrix,
    CodeFrequency,
    CoOccurrence,
    EvidenceRow,
    EvidenceTables,
    FrameworkCell,
    FrameworkMatrix,
    MatrixRow,
    SourceOfEvidence,
)
from qualcode.domain.records import CodingRecord, ExtractRecord, Origin
from qualcode.domain.strings import map_strings
from qualcode.exporters.tables import quotes_bytes, tables_files

WHEN = datetime(2023, 3, 1, 12, 0, tzinfo=UTC)
FRAMEWORK_CELL = "2 codings\n\u201c[her] has no time\u201d\n\u201cnone at all\u201d"


def extract(text: str, *, speaker: str | None, case: str | None, start: int = 0) -> ExtractRecord:
    return ExtractRecord(
        coding=CodingRecord(
            uuid=f"u{start}",
            source="group",
            start=start,
            end=start + len(text),
            code_uuid="c1",
            code_path="Barriers > Time",
            coder="Ann",
            origin=Origin.MANUAL,
            created_at=WHEN,
            memo="",
            text=text,
        ),
        speaker=speaker,
        case=case,
        attributes={"stakeholder_group": "Local area lead", "Area": "L"} if case else {},
        start_time=None,
    )


EXTRACTS = [
    extract("Helen said we have no time, naïve “quotes”", speaker="Helen Brook", case="MHP-01"),
    extract('=HYPERLINK("http://evil","click")', speaker="Bo", case="B", start=50),
    extract("-5 and +3 and @sum", speaker=None, case=None, start=90),
]


def redact(text: str) -> str:
    return text.replace("Helen Brook", "[the service manager]").replace("Helen", "[her]")


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a byte order mark, for Excel
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def _same(text: str) -> str:
    return text


def write_quotes(
    extracts: Sequence[ExtractRecord],
    path: Path,
    *,
    attributes: Sequence[str] = (),
    redact: Callable[[str], str] = _same,
) -> Path:
    data = quotes_bytes(
        map_strings(tuple(extracts), redact), path.suffix[1:], attributes=attributes
    )
    path.write_bytes(data)
    return path


def write_tables(
    evidence: EvidenceTables, path: Path, *, redact: Callable[[str], str] = _same
) -> list[Path]:
    files = tables_files(map_strings(evidence, redact), path, path.suffix[1:])
    for file, data in files.items():
        file.write_bytes(data)
    return list(files)


def test_quotes_csv_one_row_per_quote_redacted_and_injection_safe(tmp_path: Path) -> None:
    path = write_quotes(
        EXTRACTS, tmp_path / "quotes.csv", attributes=["stakeholder_group", "area"], redact=redact
    )
    rows = read_csv(path)
    assert rows[0] == [
        "source", "speaker", "case", "stakeholder_group", "area",
        "code", "coder", "start", "end", "text",
    ]  # fmt: skip
    first = rows[1]
    assert first[1] == "[the service manager]"  # speaker names pass through redact too
    assert first[-1] == "[her] said we have no time, naïve “quotes”"
    assert first[2:5] == ["MHP-01", "Local area lead", "L"]  # attribute names: any case
    assert first[5:9] == ["Barriers > Time", "Ann", "0", str(len(EXTRACTS[0].coding.text))]
    assert rows[2][-1] == '\'=HYPERLINK("http://evil","click")'
    assert rows[3][-1] == "'-5 and +3 and @sum"
    assert rows[3][1:5] == ["", "", "", ""]  # no speaker, case or attributes


def test_quotes_xlsx_keeps_text_word_for_word_but_never_as_a_formula(tmp_path: Path) -> None:
    path = write_quotes(EXTRACTS, tmp_path / "quotes.xlsx", attributes=["area"], redact=redact)
    sheet = load_workbook(path).active
    assert sheet.title == "Quotes" and sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]][:4] == ["source", "speaker", "case", "area"]
    assert sheet["A1"].font.b
    assert sheet["B2"].value == "[the service manager]"
    formula = sheet.cell(row=3, column=9)
    assert formula.value == '=HYPERLINK("http://evil","click")'
    assert formula.data_type == "s" and formula.quotePrefix
    assert sheet.cell(row=4, column=9).data_type == "s"
    assert sheet.cell(row=2, column=7).value == 0  # offsets stay numbers


def tables() -> EvidenceTables:
    frequencies = (
        CodeFrequency("b", "Barriers", 0, 9, 2, 4, 3, ("LAL consultation",), 1),
        CodeFrequency("t", "Barriers > Time", 1, 5, 2, 4, 3, ("LAL consultation", "=1+1"), 5),
    )
    return EvidenceTables(
        frequencies=frequencies,
        source_of_evidence=SourceOfEvidence(
            "method",
            (
                EvidenceRow("b", "Barriers", 0, ("LAL consultation",), (9,)),
                EvidenceRow("t", "Barriers > Time", 1, ("LAL consultation", "=1+1"), (4, 1)),
            ),
        ),
        matrix=AttributeMatrix(
            attribute="stakeholder_group",
            count_by="cases",
            columns=("Local area lead", "MEAM staff"),
            rows=(
                MatrixRow("b", "Barriers", 0, (2, 1), 3),
                MatrixRow("t", "Barriers > Time", 1, (2, 0), 2),
            ),
            totals=(2, 1),
            total=3,
        ),
        framework=FrameworkMatrix(
            case_attribute=None,
            cases=("A (Local area lead, L)", "C (MEAM staff, National)"),
            codes=("Barriers > Time",),
            cells=(
                (FrameworkCell(2, ("Helen has no time", "none at all")),),
                (FrameworkCell(0, ()),),
            ),
        ),
        cooccurrence=CoOccurrence(
            codes=("Barriers", "Barriers > Time"), depths=(0, 1), counts=((3, 2), (2, 0))
        ),
    )


def test_tables_as_csv_one_file_per_table(tmp_path: Path) -> None:
    written = write_tables(tables(), tmp_path / "evidence.csv", redact=redact)
    assert [p.name for p in written] == [
        "evidence-frequencies.csv",
        "evidence-source-of-evidence.csv",
        "evidence-by-stakeholder_group.csv",
        "evidence-framework.csv",
        "evidence-cooccurrence.csv",
    ]
    frequencies, evidence, matrix, framework, cooccurrence = (read_csv(p) for p in written)
    assert frequencies[0][:6] == [
        "code", "codings", "codings (this code only)", "sources", "participants",
        "stakeholder groups",
    ]  # fmt: skip
    assert frequencies[2] == ["Barriers > Time", "5", "5", "2", "4", "3", "LAL consultation; =1+1"]
    assert evidence[2][1:] == ["LAL consultation; =1+1", "LAL consultation: 4; =1+1: 1"]
    assert matrix[0] == ["code (participants by stakeholder_group)", "Local area lead",
                         "MEAM staff", "all"]  # fmt: skip
    assert matrix[1:] == [
        ["Barriers", "2", "1", "3"],
        ["Barriers > Time", "2", "0", "2"],
        ["All codes (participants)", "2", "1", "3"],
    ]
    assert framework[0] == ["participant", "Barriers > Time"]
    assert framework[1][1] == FRAMEWORK_CELL
    assert framework[2][1] == ""
    assert cooccurrence == [
        ["code", "Barriers", "Barriers > Time"],
        ["Barriers", "3", "2"],
        ["Barriers > Time", "2", "0"],
    ]


def test_csv_cells_that_could_run_as_formulas_get_an_apostrophe(tmp_path: Path) -> None:
    tricky = tables()
    frame = FrameworkMatrix(None, ("=cmd|' /C calc'!A0", "@SUM(1)", "+1", "-1", "\tx"),
                            ("Barriers > Time",), ((FrameworkCell(0, ()),),) * 5)  # fmt: skip
    tricky = EvidenceTables(tricky.frequencies, tricky.source_of_evidence, tricky.matrix, frame,
                            tricky.cooccurrence)  # fmt: skip
    written = write_tables(tricky, tmp_path / "t.csv")
    labels = [row[0] for row in read_csv(written[3])[1:]]
    assert labels == ["'=cmd|' /C calc'!A0", "'@SUM(1)", "'+1", "'-1", "'\tx"]


def test_tables_as_one_workbook_with_bold_frozen_headers(tmp_path: Path) -> None:
    written = write_tables(tables(), tmp_path / "evidence.xlsx", redact=redact)
    assert written == [tmp_path / "evidence.xlsx"]
    book = load_workbook(written[0])
    assert book.sheetnames == [
        "Frequencies",
        "Source of evidence",
        "By stakeholder_group",
        "Framework",
        "Co-occurrence",
    ]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "B2"
        assert all(cell.font.b for cell in sheet[1])
        assert 8 <= sheet.column_dimensions["A"].width <= 60
    frequencies = book["Frequencies"]
    # codes by name, indented under their theme, with the full path in a last column
    assert [c.value for c in frequencies[3]] == [
        "Time", 5, 5, 2, 4, 3, "LAL consultation; =1+1", "Barriers > Time",
    ]  # fmt: skip
    assert frequencies["H1"].value == "code path"
    assert frequencies["A2"].font.b and frequencies["A3"].alignment.indent == 1
    framework = book["Framework"]
    assert framework["B2"].value == FRAMEWORK_CELL
    assert framework["B2"].alignment.wrap_text
    evidence = book["Source of evidence"]
    assert evidence["B3"].value == "LAL consultation; =1+1"
    matrix = book["By stakeholder_group"]
    assert [c.value for c in matrix[4]] == ["All codes (participants)", 2, 1, 3, None]
    assert [c.value for c in book["Co-occurrence"][3]] == ["Time", 2, 0, "Barriers > Time"]


def test_workbook_cells_that_look_like_formulas_stay_text(tmp_path: Path) -> None:
    frame = FrameworkMatrix(None, ("=1+1",), ("Barriers > Time",), ((FrameworkCell(0, ()),),))
    base = tables()
    tricky = EvidenceTables(base.frequencies, base.source_of_evidence, base.matrix, frame,
                            base.cooccurrence)  # fmt: skip
    book = load_workbook(write_tables(tricky, tmp_path / "t.xlsx")[0])
    cell = book["Framework"]["A2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("=1+1", "s", True)


def test_header_cells_that_look_like_formulas_stay_text(tmp_path: Path) -> None:
    """Headers hold code names and attribute values: outside input like any cell."""
    evil = '=HYPERLINK("http://evil.example","x")'
    base = tables()
    tricky = EvidenceTables(
        base.frequencies,
        base.source_of_evidence,
        base.matrix,
        base.framework,
        CoOccurrence(codes=(evil, "Barriers > Time"), depths=(0, 1), counts=((3, 2), (2, 0))),
    )
    book = load_workbook(write_tables(tricky, tmp_path / "t.xlsx")[0])
    header = book["Co-occurrence"]["B1"]
    assert (header.value, header.data_type, header.quotePrefix) == (evil, "s", True)
    rows = read_csv(write_tables(tricky, tmp_path / "t.csv")[4])
    assert rows[0][1] == "'" + evil
    quotes = load_workbook(write_quotes(EXTRACTS, tmp_path / "q.xlsx", attributes=[evil])).active
    cell = quotes["D1"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (evil, "s", True)
