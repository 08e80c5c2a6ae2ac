"""Participants sheets (.csv and .xlsx): headings, aliases, types, and refusals."""

from __future__ import annotations

import time
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from qualcode.domain.records import AttributeType
from qualcode.importers import read_participants


def write(tmp_path: Path, text: str, name: str = "participants.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_csv_delimiters_aliases_and_types(tmp_path, delimiter):
    rows = [
        [
            "Participant ID",
            "Source",
            "Speaker",
            "Stakeholder",
            "Local Area",
            "Age",
            "Date",
            "Notes",
        ],
        [
            "P1",
            "g-01.docx",
            "P1",
            "Mental health partner",
            "G",
            "34",
            "2023-03-12",
            "said: fine, ok",
        ],
        ["", "", "", "", "", "", "", ""],
        ["P2", "", "", "Local area lead", "L", "51.5", "14/03/2023", ""],
    ]
    text = "\n".join(
        delimiter.join(f'"{cell}"' if delimiter in cell else cell for cell in row) for row in rows
    )
    sheet = read_participants(write(tmp_path, text + "\n"))
    assert sheet.attribute_types == {
        "stakeholder_group": AttributeType.TEXT,
        "area": AttributeType.TEXT,
        "age": AttributeType.NUMBER,
        "date": AttributeType.DATE,
        "notes": AttributeType.TEXT,
    }
    first, second = sheet.rows
    assert (first.case, first.file, first.speaker) == ("P1", "g-01.docx", "P1")
    assert first.attributes == {
        "stakeholder_group": "Mental health partner",
        "area": "G",
        "age": 34.0,
        "date": date(2023, 3, 12),
        "notes": "said: fine, ok",
    }
    assert (second.case, second.file, second.speaker) == ("P2", None, None)
    assert second.attributes == {
        "stakeholder_group": "Local area lead",
        "area": "L",
        "age": 51.5,
        "date": date(2023, 3, 14),
    }


def test_mixed_columns_fall_back_to_text(tmp_path):
    text = "case,score,when,code\nA,12,2023-01-01,007\nB,n/a,31/02/2023,12\n"
    sheet = read_participants(write(tmp_path, text))
    assert sheet.attribute_types == {
        "score": AttributeType.TEXT,
        "when": AttributeType.TEXT,
        "code": AttributeType.TEXT,
    }
    assert sheet.rows[0].attributes["code"] == "007"


def test_speaker_column_names_the_case_when_there_is_no_case(tmp_path):
    sheet = read_participants(write(tmp_path, "speaker,group\nHelen Brook,MEAM staff\n"))
    assert sheet.rows[0].case == "Helen Brook"
    assert sheet.rows[0].speaker == "Helen Brook"
    assert sheet.rows[0].attributes == {"stakeholder_group": "MEAM staff"}


def test_xlsx_with_real_dates_and_numbers(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Case", "Transcript", "Age", "Interviewed", "Area letter", "Empty"])
    sheet.append(["P1", "p1.docx", 34, datetime(2023, 3, 12), "G", None])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["P2", None, 41.5, datetime(2023, 3, 13, 14, 30), "T", None])
    path = tmp_path / "people.xlsx"
    workbook.save(path)
    result = read_participants(path)
    assert result.attribute_types == {
        "age": AttributeType.NUMBER,
        "interviewed": AttributeType.DATE,
        "area": AttributeType.TEXT,
    }
    assert [row.case for row in result.rows] == ["P1", "P2"]
    assert result.rows[0].file == "p1.docx"
    assert result.rows[1].attributes == {
        "age": 41.5,
        "interviewed": date(2023, 3, 13),
        "area": "T",
    }


def test_sheet_without_case_column(tmp_path, expect_refusal):
    path = write(tmp_path, "name,area\nHelen,G\n")
    expect_refusal(read_participants, path, "no case column")


def test_row_without_a_case_names_the_row(tmp_path, expect_refusal):
    path = write(tmp_path, "case,area\nP1,G\n,L\n")
    expect_refusal(read_participants, path, "row 3 has no case")


def test_two_columns_meaning_case(tmp_path, expect_refusal):
    path = write(tmp_path, "Case,Participant\nP1,P1\n")
    expect_refusal(read_participants, path, "more than one column means 'case'")


def test_value_under_no_heading(tmp_path, expect_refusal):
    path = write(tmp_path, "case,area\nP1,G,extra\n")
    expect_refusal(read_participants, path, "row 2 has a value in column 3, which has no heading")


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("people.csv", b"", "the file is empty"),
        ("people.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01", "binary file, not text"),
        ("people.xls", b"\xd0\xcf\x11\xe0", "old Excel .xls files cannot be read"),
        ("people.ods", b"PK", "unsupported file type '.ods'"),
        ("people.xlsx", b"not a zip at all", "not a valid Excel file (damaged or truncated zip)"),
    ],
)
def test_bad_sheets(tmp_path, expect_refusal, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    expect_refusal(read_participants, path, reason)


@pytest.fixture
def no_openpyxl(monkeypatch):
    import openpyxl

    def refuse(*_args, **_kwargs):
        raise AssertionError("openpyxl must not open an unsafe file")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def test_hostile_xlsx_zip_bomb(tmp_path, expect_refusal, no_openpyxl):
    row = '<row><c t="inlineStr"><is><t>' + "a" * 200 + "</t></is></c></row>"
    rows = row * (32 * 1024 * 1024 // len(row))
    sheet_xml = f"<worksheet><sheetData>{rows}</sheetData></worksheet>"
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    started = time.perf_counter()
    expect_refusal(read_participants, path, "looks like a zip bomb: xl/worksheets/sheet1.xml")
    assert time.perf_counter() - started < 1.0


def test_hostile_xlsx_entity_declaration(tmp_path, expect_refusal, no_openpyxl):
    path = tmp_path / "laughs.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr(
            "xl/sharedStrings.xml",
            '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY e SYSTEM "file:///etc/passwd">]><sst>&e;</sst>',
        )
    expect_refusal(read_participants, path, "unsafe XML in xl/sharedStrings.xml")


def test_xlsx_missing_workbook(tmp_path, expect_refusal, no_openpyxl):
    path = tmp_path / "hollow.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    expect_refusal(read_participants, path, "not an Excel document: xl/workbook.xml is missing")
