"""Reading a participants sheet (.csv or .xlsx): who each case is and their attributes.

One row per case (or per case in a given file / under a given speaker label).
The first non-empty row holds the headings; fully empty rows are skipped. The
``case`` column is required (or ``speaker``, which then names the case too);
``file`` and ``speaker`` say where the case speaks; every other column with a
value is an attribute whose type is inferred over the whole column
(:mod:`qualcode.importers.sheet_values`). A CSV may be comma, semicolon or tab
delimited: the delimiter is the one that occurs most in the heading row, which
is more predictable than sniffing data rows that may hold commas in free text.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections import Counter
from pathlib import Path
from typing import Any

from qualcode.domain.errors import InputFileError
from qualcode.domain.records import AttributeType, ParticipantRow, ParticipantSheet
from qualcode.domain.text import clean_text
from qualcode.importers.decoding import cleaning_notes, decode_clean_text
from qualcode.importers.limits import DEFAULT_MAX_BYTES, check_size, read_bytes
from qualcode.importers.sheet_values import (
    CASE,
    FILE,
    SPEAKER,
    as_text,
    convert,
    infer_type,
    is_empty,
    normalise_heading,
)
from qualcode.importers.zip_safety import check_office_zip

PARTICIPANT_SUFFIXES = frozenset({".csv", ".tsv", ".xlsx"})
_DELIMITERS = (",", ";", "\t")

Row = tuple[int, list[Any]]  # 1-based row number as Excel shows it, cells


def read_participants(path: Path) -> ParticipantSheet:
    """Read a participants sheet; every problem is an :class:`InputFileError` naming the file."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        rows, removed = _csv_rows(path, tab=suffix == ".tsv")
    elif suffix == ".xlsx":
        rows, removed = _clean_cells(_xlsx_rows(path))
    elif suffix == ".xls":
        raise InputFileError(path, "old Excel .xls files cannot be read: save it as .xlsx or .csv")
    else:
        raise InputFileError(
            path, f"unsupported file type '{suffix}' (participant sheets are .csv or .xlsx)"
        )
    sheet = _sheet(path, [(number, cells) for number, cells in rows if _has_value(cells)])
    return dataclasses.replace(sheet, notes=cleaning_notes(removed))


def _has_value(cells: list[Any]) -> bool:
    return any(not is_empty(cell) for cell in cells)


def _csv_rows(path: Path, *, tab: bool) -> tuple[list[Row], int]:
    """The rows, and how many control characters were removed from the file."""
    cleaned = decode_clean_text(path, read_bytes(path, DEFAULT_MAX_BYTES))
    text = cleaned.text
    delimiter = "\t" if tab else _delimiter(text)
    try:
        rows = list(enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1))
    except csv.Error as exc:
        raise InputFileError(path, f"not a readable CSV file ({exc})") from None
    return rows, cleaned.removed


def _clean_cells(rows: list[Row]) -> tuple[list[Row], int]:
    """Rows with control characters taken out of every text cell, as from a CSV file.

    A workbook's XML may hold C1 controls and DEL; cases, speakers and attributes
    are shown and printed, so they must not carry them.
    """
    removed = 0
    cleaned_rows: list[Row] = []
    for number, cells in rows:
        cleaned_cells: list[Any] = []
        for cell in cells:
            if isinstance(cell, str):
                cleaned = clean_text(cell)
                removed += cleaned.removed
                cell = cleaned.text
            cleaned_cells.append(cell)
        cleaned_rows.append((number, cleaned_cells))
    return cleaned_rows, removed


def _delimiter(text: str) -> str:
    """The delimiter used most in the first non-empty line (a comma if none is)."""
    heading = next((line for line in text.split("\n", 50) if line.strip()), "")
    counts = {delimiter: heading.count(delimiter) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _xlsx_rows(path: Path) -> list[Row]:
    check_size(path, DEFAULT_MAX_BYTES)
    check_office_zip(path, required="xl/workbook.xml", kind="Excel")
    # Deferred: openpyxl is slow to import and only needed for .xlsx sheets.
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # any failure on a hostile file means "cannot read it"
        detail = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise InputFileError(path, f"not a valid Excel file ({detail})") from None
    try:
        if not workbook.worksheets:
            raise InputFileError(path, "the workbook has no worksheet")
        sheet = workbook.worksheets[0]
        try:
            rows = [
                (number, list(cells))
                for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1)
            ]
        except Exception as exc:  # damaged sheet XML, whatever openpyxl raises
            detail = " ".join(str(exc).split())[:120] or type(exc).__name__
            raise InputFileError(path, f"not a valid Excel file ({detail})") from None
    finally:
        workbook.close()
    return rows


def _sheet(path: Path, rows: list[Row]) -> ParticipantSheet:
    if not rows:
        raise InputFileError(path, "the file is empty")
    heading_number, heading_cells = rows[0]
    records = rows[1:]
    names = [
        normalise_heading(as_text(cell)) if not is_empty(cell) else "" for cell in heading_cells
    ]
    _check_headings(path, names, heading_cells, records)
    if CASE in names:
        case_column = names.index(CASE)
    elif SPEAKER in names:
        case_column = names.index(SPEAKER)
    else:
        raise InputFileError(
            path,
            f"no case column in row {heading_number}: name one column 'case', "
            "'participant' or 'participant_id' (or 'speaker')",
        )
    if not records:
        raise InputFileError(path, "the sheet has headings but no participants")
    file_column = names.index(FILE) if FILE in names else None
    speaker_column = names.index(SPEAKER) if SPEAKER in names else None
    attributes = {
        name: column
        for column, name in enumerate(names)
        if name
        and name not in (CASE, FILE, SPEAKER)
        and any(not is_empty(_cell(cells, column)) for _, cells in records)
    }
    types = {
        name: infer_type([v for _, cells in records if not is_empty(v := _cell(cells, column))])
        for name, column in attributes.items()
    }
    participants = [
        _participant(
            path, number, cells, case_column, file_column, speaker_column, attributes, types
        )
        for number, cells in records
    ]
    return ParticipantSheet(rows=tuple(participants), attribute_types=types)


def _check_headings(path: Path, names: list[str], headings: list[Any], records: list[Row]) -> None:
    seen = Counter(name for name in names if name)
    for name, count in seen.items():
        if count > 1:
            originals = [as_text(headings[i]) for i, n in enumerate(names) if n == name]
            raise InputFileError(
                path, f"more than one column means '{name}': " + ", ".join(map(repr, originals))
            )
    for number, cells in records:
        for column, cell in enumerate(cells):
            if not is_empty(cell) and (column >= len(names) or not names[column]):
                raise InputFileError(
                    path, f"row {number} has a value in column {column + 1}, which has no heading"
                )


def _cell(cells: list[Any], column: int | None) -> Any:
    if column is None or column >= len(cells):
        return None
    return cells[column]


def _participant(
    path: Path,
    number: int,
    cells: list[Any],
    case_column: int,
    file_column: int | None,
    speaker_column: int | None,
    attributes: dict[str, int],
    types: dict[str, AttributeType],
) -> ParticipantRow:
    case = _cell(cells, case_column)
    if is_empty(case):
        raise InputFileError(path, f"row {number} has no case")
    file = _cell(cells, file_column)
    speaker = _cell(cells, speaker_column)
    values = {
        name: convert(value, types[name])
        for name, column in attributes.items()
        if not is_empty(value := _cell(cells, column))
    }
    return ParticipantRow(
        case=as_text(case),
        file=None if is_empty(file) else as_text(file),
        speaker=None if is_empty(speaker) else as_text(speaker),
        attributes=values,
    )
