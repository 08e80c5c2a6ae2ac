"""The agreement table for a report or a review meeting as CSV, XLSX or Word.

The rows are the ones `qualcode agreement` prints (:func:`qualcode.domain.agreement.
table_rows`); spreadsheets carry the statistics as numbers so a report writer can sort
and format them, and Word gets the table as text with the explanation under it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from qualcode.domain.agreement import EXPLANATION, AgreementReport, unit_plural
from qualcode.domain.agreement_table import (
    AGREE,
    PROPORTION,
    UNITS,
    agreement_columns,
    agreement_numbers,
    agreement_table_rows,
    agreement_text,
    header,
    listed,
)
from qualcode.domain.unitized_alpha import UnitizedReport
from qualcode.domain.unitized_table import EXPLANATION as UNITIZED_EXPLANATION
from qualcode.domain.unitized_table import (
    HEADING,
    coders_sentence,
    compared_sentence,
    confidence_sentence,
    unitized_header,
    unitized_numbers,
    unitized_rows,
    unitized_sheet_header,
    unitized_text,
)

if TYPE_CHECKING:
    from qualcode.exporters.docx_report import DocumentWriter

FORMATS = ("xlsx", "csv", "docx")
UNITIZED_SHEET = "Unitized alpha"
LISTED_AT_MOST = 30  # codes named in Word as left out; more are counted


def agreement_bytes(
    report: AgreementReport | None,
    file_format: str,
    *,
    by: str = "code",
    unitized: UnitizedReport | None = None,
) -> bytes:
    """The agreement table as ``file_format`` (one of :data:`FORMATS`), and the unitized
    alpha family's table when ``unitized`` is given: a second sheet in XLSX, a section in
    Word. CSV holds one table: ``report``'s, or the unitized one when ``report`` is None."""
    if report is None and unitized is None:
        raise ValueError("an agreement file needs a table")
    if file_format == "docx":
        return _document(report, by, unitized)
    if file_format == "csv":
        if report is None:
            assert unitized is not None
            return _unitized_csv(unitized)
        return _sheet(report, file_format, by)
    return _workbook(report, by, unitized)


def _sheet_rows(report: AgreementReport, by: str) -> tuple[list[str], list[list[str | float]]]:
    # Data users want every row: those nobody coded stay, with their note and no figures.
    columns = agreement_columns(report)
    rows = agreement_table_rows(report, by, show_uncoded=True).shown
    body = [agreement_numbers(row, note, columns) for row, note in rows]
    return header(columns, by, report.unit), body


def _sheet(report: AgreementReport, file_format: str, by: str) -> bytes:
    titles, body = _sheet_rows(report, by)
    return agreement_sheet_bytes(titles, body, file_format, "Agreement")


def _unitized_sheet_rows(unitized: UnitizedReport) -> tuple[list[str], list[list[str | float]]]:
    rows = unitized_rows(unitized, show_uncoded=True).shown
    return unitized_sheet_header(unitized), [unitized_numbers(r, unitized) for r in rows]


def _unitized_csv(unitized: UnitizedReport) -> bytes:
    from qualcode.exporters.tables import csv_bytes

    return csv_bytes(*_unitized_sheet_rows(unitized))


def _workbook(report: AgreementReport | None, by: str, unitized: UnitizedReport | None) -> bytes:
    from qualcode.exporters.tables import SheetTable, workbook_bytes

    sheets = []
    if report is not None:
        titles, body = _sheet_rows(report, by)
        titles = [PROPORTION if name == AGREE.label else name for name in titles]
        sheets.append(SheetTable("Agreement", titles, body, wrap=True))
    if unitized is not None:
        sheets.append(SheetTable(UNITIZED_SHEET, *_unitized_sheet_rows(unitized), wrap=True))
    return workbook_bytes(sheets)


def agreement_sheet_bytes(
    header: Sequence[str], rows: Sequence[Sequence[str | float]], file_format: str, sheet: str
) -> bytes:
    """An agreement table as CSV, or as an XLSX workbook of one sheet named ``sheet``.

    Percent agreement is written as a proportion (a number a spreadsheet can format),
    and its column's header says so."""
    from qualcode.exporters.tables import SheetTable, csv_bytes, workbook_bytes

    header = [PROPORTION if name == AGREE.label else name for name in header]
    if file_format == "csv":
        return csv_bytes(header, rows)
    return workbook_bytes([SheetTable(sheet, header, rows, wrap=True)])


def left_out_sentence(names: Sequence[str], kind: str) -> str:
    """Which rows a Word table leaves out, by name while the list stays readable."""
    if len(names) > LISTED_AT_MOST:
        shown = [*names[:LISTED_AT_MOST], f"{len(names) - LISTED_AT_MOST} more"]
    else:
        shown = list(names)
    return f"Left out because nobody coded them ({len(names)} {kind}): {listed(shown)}."


def _document(report: AgreementReport | None, by: str, unitized: UnitizedReport | None) -> bytes:
    # deferred: python-docx is only needed for Word output
    from docx import Document

    from qualcode.exporters.docx_report import DocumentWriter, document_bytes, ensure_styles

    title = "Agreement between coders"
    document = Document()
    ensure_styles(document)
    writer = DocumentWriter(document)
    writer.heading(title, 1)
    if report is not None:
        _unit_section(writer, report, by, heading=unitized is not None)
    if unitized is not None:
        _unitized_section(writer, unitized)
    writer.finish()
    document.core_properties.title = title
    document.core_properties.author = "qualcode"
    return document_bytes(document)


def _unitized_section(writer: DocumentWriter, unitized: UnitizedReport) -> None:
    """The family's table, the material compared, and what each coefficient answers."""
    from qualcode.domain.reports import ReportTable

    writer.heading("Unitized alpha family", 2)
    writer.paragraph(
        f"{HEADING}. {coders_sentence(unitized)}. {compared_sentence(unitized)}", "Normal"
    )
    if len(unitized.family.coders) < 2:
        return
    rows = unitized_rows(unitized)
    writer.table(
        ReportTable(
            title="Unitized alpha family",
            caption="",
            headers=tuple(unitized_header(unitized)),
            rows=tuple(tuple(unitized_text(r, unitized)) for r in rows.shown),
            emphasis=tuple(i for i, r in enumerate(rows.shown) if r.kind == "overall"),
        ),
        heading=False,
    )
    if rows.left_out:
        writer.paragraph(left_out_sentence(rows.left_out, "codes"), "Extract Details")
    writer.paragraph(UNITIZED_EXPLANATION, "Extract Summary")
    if unitized.confidence:
        writer.paragraph(confidence_sentence(unitized), "Extract Summary")


def _unit_section(
    writer: DocumentWriter, report: AgreementReport, by: str, *, heading: bool
) -> None:
    """The table over characters, sentences or turns, labelled as such beside the
    unitized family."""
    from qualcode.domain.reports import ReportTable

    units = unit_plural(report.unit)
    if heading:
        writer.heading(f"Agreement by {units}", 2)
    writer.paragraph(
        f"Coders compared: {', '.join(report.coders) or 'none with codings'}. "
        f"Unit: {units}"
        + (
            "; a coder with no coding in a source counts as not coding it"
            * report.absent_is_uncoded
        )
        + ("; a code's sub-codes count as the code" * report.include_subcodes)
        + ".",
        "Normal",
    )
    # A report quotes the figures of what was coded: rows nobody coded are named under
    # the table rather than filling it; the count of units is in the spreadsheets.
    columns = tuple(c for c in agreement_columns(report) if c is not UNITS)
    rows = agreement_table_rows(report, by)
    body = [tuple(agreement_text(row, note, columns)) for row, note in rows.shown]
    writer.table(
        ReportTable(
            title="By code" if by == "code" else "By source",
            caption="",
            headers=tuple(header(columns, by, report.unit)),
            rows=tuple(body),
            emphasis=(len(body) - 1,),
        ),
        heading=False,
    )
    sentences = [
        f"'Coded' counts the {units} anyone coded; 'By all' and 'By some' those every "
        "coder coded and those only some coded."
    ]
    writer.paragraph(" ".join(sentences), "Extract Summary")
    if rows.left_out:
        kind = "codes" if by == "code" else "sources"
        names = [row.label for row in rows.left_out]
        writer.paragraph(left_out_sentence(names, kind), "Extract Details")
    writer.paragraph(EXPLANATION.format(units=units), "Extract Summary")
