"""Quotes and evidence tables as CSV or Excel files (records in, files out).

Written for the report writer's spreadsheet, and safely, because the text comes from
transcripts, which are outside input, and the data is sensitive:

- The writers return bytes and never redact: the export gate hands them records with
  the identifier register already applied, headers included, and writes the files.
- Formula injection: a CSV cell that starts with = + - @, a tab or a carriage return
  gets a leading apostrophe, so a spreadsheet shows it as text instead of running it.
  In an XLSX file such a cell is stored as text and marked with Excel's own "quote
  prefix" (what a typed apostrophe sets), so the quote itself stays word for word.
  Header cells too: they hold code names and attribute values.
- CSV is UTF-8 with a byte order mark, so Excel reads accents and curly quotes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from qualcode.domain.codebook import leaf
from qualcode.domain.evidence import (
    AttributeMatrix,
    CoOccurrence,
    EvidenceTables,
    FrameworkMatrix,
    SourceOfEvidence,
)
from qualcode.domain.records import AttributeValue, ExtractRecord

Cell = str | int | float | None

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_CELL_LIMIT = 32_767  # characters Excel keeps in one cell
_ILLEGAL_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # openpyxl refuses these
_MAX_WIDTH = 60  # characters; longer text wraps
_QUOTE_COLUMNS = ("source", "speaker", "case")
_CODING_COLUMNS = ("code", "coder", "start", "end", "text")


class SheetTable:
    """A header and rows of cells.

    In a table of codes the first cell of a row is the code's path and ``depths`` its
    level: a workbook shows the code's name indented instead (themes in bold) and
    moves the path to a last column; a row past ``codes`` (a total) is left as it is.
    """

    def __init__(
        self,
        title: str,
        header: Sequence[str],
        rows: Iterable[Sequence[Cell]],
        *,
        depths: Sequence[int] = (),
        codes: int | None = None,
        wrap: bool = False,
    ) -> None:
        self.title = title
        self.header = list(header)
        self.rows = [list(row) for row in rows]
        self.depths = list(depths)
        self.codes = len(self.depths) if codes is None else codes
        self.wrap = wrap

    def outlined(self) -> SheetTable:
        """The workbook's form: names indented by level, the full path last."""
        if not self.depths:
            return self
        rows = []
        for index, row in enumerate(self.rows):
            if index < self.codes and isinstance(row[0], str):
                rows.append([leaf(row[0]), *row[1:], row[0]])
            else:
                rows.append([*row, ""])
        return SheetTable(
            self.title,
            [*self.header, "code path"],
            rows,
            depths=self.depths,
            codes=self.codes,
            wrap=self.wrap,
        )


# --- the two entry points -------------------------------------------------------------


def quotes_bytes(
    extracts: Sequence[ExtractRecord], file_format: str, *, attributes: Sequence[str] = ()
) -> bytes:
    """One quote per row: source, speaker, case, each attribute, code, coder, start,
    end, text; ``file_format`` is "csv" or "xlsx"."""
    header = [*_QUOTE_COLUMNS, *attributes, *_CODING_COLUMNS]

    def rows() -> Iterable[list[Cell]]:
        for extract in extracts:
            coding = extract.coding
            yield [
                coding.source,
                extract.speaker or "",
                extract.case or "",
                *(_value(extract.attributes, name) for name in attributes),
                coding.code_path,
                coding.coder,
                coding.start,
                coding.end,
                coding.text,
            ]

    if file_format == "csv":
        return csv_bytes(header, rows())
    return _quotes_workbook(header, rows(), len(attributes))


def tables_files(tables: EvidenceTables, path: Path, file_format: str) -> dict[Path, bytes]:
    """The evidence tables: one CSV file per table, named after ``path`` ("report.csv"
    gives report-frequencies.csv, report-source-of-evidence.csv, report-by-<attribute>.csv,
    report-framework.csv, report-cooccurrence.csv), or one XLSX workbook with a sheet
    per table."""
    named = [
        ("frequencies", _frequency_table(tables)),
        ("source-of-evidence", _evidence_table(tables.source_of_evidence)),
        (f"by-{_file_part(tables.matrix.attribute)}", _matrix_table(tables.matrix)),
        ("framework", _framework_table(tables.framework)),
        ("cooccurrence", _cooccurrence_table(tables.cooccurrence)),
    ]
    if file_format == "csv":
        return {
            path.with_name(f"{path.stem}-{name}.csv"): csv_bytes(table.header, table.rows)
            for name, table in named
        }
    return {path: workbook_bytes([table for _, table in named])}


# --- the tables as rows ----------------------------------------------------------------


def _frequency_table(tables: EvidenceTables) -> SheetTable:
    rows = tables.frequencies
    return SheetTable(
        "Frequencies",
        [
            "code",
            "codings",
            "codings (this code only)",
            "sources",
            "participants",
            "stakeholder groups",
            tables.source_of_evidence.attribute,
        ],
        (
            [r.path, r.codings, r.own_codings, r.sources, r.cases, r.groups, "; ".join(r.methods)]
            for r in rows
        ),
        depths=[r.depth for r in rows],
    )


def _evidence_table(evidence: SourceOfEvidence) -> SheetTable:
    return SheetTable(
        "Source of evidence",
        ["code", f"source of evidence ({evidence.attribute})", "codings per value"],
        (
            [
                row.path,
                row.text,
                "; ".join(f"{v}: {n}" for v, n in zip(row.values, row.counts, strict=True)),
            ]
            for row in evidence.rows
        ),
        depths=[row.depth for row in evidence.rows],
        wrap=True,
    )


def _matrix_table(matrix: AttributeMatrix) -> SheetTable:
    unit = "participants" if matrix.count_by == "cases" else "codings"
    rows: list[list[Cell]] = [[r.path, *r.counts, r.total] for r in matrix.rows]
    rows.append([f"All codes ({unit})", *matrix.totals, matrix.total])
    return SheetTable(
        f"By {matrix.attribute}",
        [f"code ({unit} by {matrix.attribute})", *matrix.columns, "all"],
        rows,
        depths=[r.depth for r in matrix.rows] + [0],
        codes=len(matrix.rows),
    )


def _framework_table(framework: FrameworkMatrix) -> SheetTable:
    def cell(count: int, quotes: Sequence[str]) -> str:
        if not count:
            return ""
        lines = [f"{count} coding{'s' if count != 1 else ''}"]
        lines += [f"\u201c{quote}\u201d" for quote in quotes]
        return "\n".join(lines)

    return SheetTable(
        "Framework",
        [framework.case_attribute or "participant", *framework.codes],
        (
            [label, *(cell(c.count, c.quotes) for c in cells)]
            for label, cells in zip(framework.cases, framework.cells, strict=True)
        ),
        wrap=True,
    )


def _cooccurrence_table(cooccurrence: CoOccurrence) -> SheetTable:
    return SheetTable(
        "Co-occurrence",
        ["code", *cooccurrence.codes],
        (
            [code, *counts]
            for code, counts in zip(cooccurrence.codes, cooccurrence.counts, strict=True)
        ),
        depths=cooccurrence.depths,
    )


# --- cells -----------------------------------------------------------------------------


def _value(attributes: dict[str, AttributeValue], name: str) -> str:
    value = attributes.get(name)
    if value is None:
        folded = name.casefold()
        value = next((v for k, v in attributes.items() if k.casefold() == folded), None)
    return "" if value is None else str(value)


def _looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def _csv_cell(cell: Cell) -> Cell:
    if isinstance(cell, str) and _looks_like_formula(cell):
        return "'" + cell
    return cell


def _file_part(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "-", name).strip("-").lower() or "attribute"


# --- CSV -------------------------------------------------------------------------------


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_cell(name) for name in header])
    for row in rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


# --- XLSX ------------------------------------------------------------------------------


def _quotes_workbook(
    header: Sequence[str], rows: Iterable[Sequence[Cell]], attributes: int
) -> bytes:
    # Write-only mode: a quotes sheet can hold 100,000 rows.
    from openpyxl import Workbook  # deferred: only spreadsheet exports need it

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Quotes")
    sheet.freeze_panes = "A2"
    widths = [24, 18, 12, *([18] * attributes), 40, 14, 8, 8, _MAX_WIDTH + 20]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[_column_letter(index)].width = width
    sheet.append([_header_cell(sheet, name) for name in header])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, cell) for cell in row])
    return _saved(workbook)


def workbook_bytes(tables: Sequence[SheetTable]) -> bytes:
    from openpyxl import Workbook  # deferred: only spreadsheet exports need it
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    # A new workbook has one sheet, typed as maybe none.
    assert workbook.active is not None
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for table in (table.outlined() for table in tables):
        sheet = workbook.create_sheet(_sheet_title(table.title))
        sheet.append([_clean(str(name)) for name in table.header])
        for cell in sheet[1]:
            _text_not_formula(cell)
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for index, row in enumerate(table.rows):
            sheet.append([_clean(cell) if isinstance(cell, str) else cell for cell in row])
            line = index + 2
            for cell in sheet[line]:
                _text_not_formula(cell)
                if table.wrap:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            if index < len(table.depths):
                first = sheet.cell(row=line, column=1)
                first.alignment = Alignment(
                    indent=table.depths[index], wrap_text=table.wrap, vertical="top"
                )
                if table.depths[index] == 0:
                    first.font = bold
        sheet.freeze_panes = "B2"
        widths = _widths(table)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[_column_letter(index)].width = width
        # Spreadsheets do not reliably fit rows to wrapped text when they open a file.
        sheet.row_dimensions[1].height = _height(table.header, widths)
        if table.wrap:
            for index, row in enumerate(table.rows):
                sheet.row_dimensions[index + 2].height = _height(row, widths)
    return _saved(workbook)


def _height(row: Sequence[Cell], widths: Sequence[float]) -> float:
    """Points for the most lines any cell of ``row`` wraps to (15 a line, Excel's limit)."""
    lines = 1
    for value, width in zip(row, widths, strict=False):
        if isinstance(value, str):
            per_line = max(1, int(width * 1.1) - 2)  # a column unit is a wide "0"
            lines = max(lines, sum(-(-max(len(part), 1) // per_line) for part in value.split("\n")))
    return min(409.0, 15.0 * lines)


def _widths(table: SheetTable) -> list[float]:
    """Wide enough for the longest line in each column, up to a limit (then it wraps)."""
    widths: list[float] = []
    for index, name in enumerate(table.header):
        longest = max((len(line) for line in str(name).splitlines()), default=0)
        if index > 0 and len(table.header) > 8:
            longest = min(longest, 18)  # matrix headers wrap instead of widening
        for row in table.rows:
            value = row[index] if index < len(row) else None
            if value is None:
                continue
            for line in str(value).splitlines() or [""]:
                longest = max(longest, len(line))
        extra = 2 + (3 * max(table.depths, default=0) if index == 0 else 0)
        widths.append(min(max(longest + extra, 8), _MAX_WIDTH))
    return widths


def _header_cell(sheet: Any, name: str) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cell = WriteOnlyCell(sheet, _clean(name))
    _text_not_formula(cell)  # a header is a code name or attribute value: outside input too
    cell.font = Font(bold=True)
    return cell


def _xlsx_cell(sheet: Any, value: Cell) -> Any:
    if not isinstance(value, str):
        return value
    value = _clean(value)
    if not _looks_like_formula(value):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value)
    _text_not_formula(cell)
    return cell


def _text_not_formula(cell: Any) -> None:
    """A cell that would start a formula is stored as text with Excel's quote prefix."""
    if isinstance(cell.value, str) and _looks_like_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True


def _clean(text: str) -> str:
    """Text an XLSX cell can hold: no XML control characters, at most Excel's limit."""
    text = _ILLEGAL_IN_XML.sub("", text)
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - 6] + " [...]"
    return text


def _sheet_title(title: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "-", title)[:31]


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _saved(workbook: Any) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
