"""The agreement table for a report or a review meeting as CSV, XLSX or Word.

The rows are the ones `qualcode agreement` prints (:func:`qualcode.domain.agreement.
table_rows`); spreadsheets carry the statistics as numbers so a report writer can sort
and format them, and Word gets the table as text with the explanation under it.
"""

from __future__ import annotations

from collections.abc import Sequence

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

FORMATS = ("xlsx", "csv", "docx")
LISTED_AT_MOST = 30  # codes named in Word as left out; more are counted


def agreement_bytes(report: AgreementReport, file_format: str, *, by: str = "code") -> bytes:
    """The agreement table as ``file_format`` (one of :data:`FORMATS`)."""
    if file_format == "docx":
        return _document(report, by)
    return _sheet(report, file_format, by)


def _sheet(report: AgreementReport, file_format: str, by: str) -> bytes:
    # Data users want every row: those nobody coded stay, with their note and no figures.
    columns = agreement_columns(report)
    rows = agreement_table_rows(report, by, show_uncoded=True).shown
    body = [agreement_numbers(row, note, columns) for row, note in rows]
    titles = header(columns, by, report.unit)
    return agreement_sheet_bytes(titles, body, file_format, "Agreement")


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


def _document(report: AgreementReport, by: str) -> bytes:
    # deferred: python-docx is only needed for Word output
    from docx import Document

    from qualcode.domain.reports import ReportTable
    from qualcode.exporters.docx_report import DocumentWriter, document_bytes, ensure_styles

    title = "Agreement between coders"
    document = Document()
    ensure_styles(document)
    writer = DocumentWriter(document)
    writer.heading(title, 1)
    units = unit_plural(report.unit)
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
    writer.finish()
    document.core_properties.title = title
    document.core_properties.author = "qualcode"
    return document_bytes(document)
