"""The agreement table for a report or a review meeting as CSV, XLSX or Word.

The rows are the ones `qualcode agreement` prints (:func:`qualcode.domain.agreement.
table_rows`); spreadsheets carry the statistics as numbers so a report writer can sort
and format them, and Word gets the table as text with the explanation under it.
"""

from __future__ import annotations

from collections.abc import Sequence

from qualcode.domain.agreement import (
    EXPLANATION,
    AgreementReport,
    AgreementRow,
    Statistic,
    row_notes,
    shown_row,
    table_header,
    table_rows,
    unit_plural,
)

FORMATS = ("xlsx", "csv", "docx")


def agreement_bytes(report: AgreementReport, file_format: str, *, by: str = "code") -> bytes:
    """The agreement table as ``file_format`` (one of :data:`FORMATS`)."""
    if file_format == "docx":
        return _document(report, by)
    return _sheet(report, file_format, by)


def statistic_cell(statistic: Statistic) -> float | str:
    """A statistic as a spreadsheet number (empty where it is undefined)."""
    return "" if statistic.value is None else round(statistic.value, 4)


def _numbers(row: AgreementRow) -> list[str | float]:
    return [
        row.label,
        row.units,
        row.coded_by_any,
        row.coded_by_all,
        row.coded_by_some,
        statistic_cell(row.percent_agreement),
        statistic_cell(row.kappa),
        statistic_cell(row.alpha),
        row_notes(row),
    ]


def _sheet(report: AgreementReport, file_format: str, by: str) -> bytes:
    rows = [_numbers(row) for row in table_rows(report, by)]
    return agreement_sheet_bytes(table_header(report, by), rows, file_format, "Agreement")


def agreement_sheet_bytes(
    header: Sequence[str], rows: Sequence[Sequence[str | float]], file_format: str, sheet: str
) -> bytes:
    """An agreement table as CSV, or as an XLSX workbook of one sheet named ``sheet``.

    Percent agreement is written as a proportion (a number a spreadsheet can format),
    and its column's header says so."""
    from qualcode.exporters.tables import SheetTable, csv_bytes, workbook_bytes

    header = ["Agree (proportion)" if name == "Agree" else name for name in header]
    if file_format == "csv":
        return csv_bytes(header, rows)
    return workbook_bytes([SheetTable(sheet, header, rows, wrap=True)])


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
    # A page is narrow: the table keeps what a report quotes; units and notes go below
    # it, kappa only with two coders, and rows nobody coded (themes) are left out.
    rows = [r for r in table_rows(report, by) if r.coded_by_any or r.kind == "overall"]
    left_out = len(table_rows(report, by)) - len(rows)
    kappa = len(report.coders) == 2
    header = ["Code" if by == "code" else "Source", "Coded", "All", "Some", "Agree"]
    header += ["Kappa", "Alpha"] if kappa else ["Alpha"]
    body = []
    for row in rows:
        shown = shown_row(row)  # label, units, coded, all, some, agree, kappa, alpha, notes
        body.append((shown[0], *shown[2:6], *([shown[6]] if kappa else []), shown[7]))
    writer.table(
        ReportTable(
            title="By code" if by == "code" else "By source",
            caption="",
            headers=tuple(header),
            rows=tuple(body),
            emphasis=(len(body) - 1,),
        ),
        heading=False,
    )
    sentences = [
        f"'Coded' counts the {units} anyone coded; 'All' and 'Some' those every coder "
        "coded and those only some coded."
    ]
    if left_out:
        sentences.append(f"{left_out} rows nobody coded (such as themes) are left out.")
    writer.paragraph(" ".join(sentences), "Extract Summary")
    notes = [f"{row.label}: {row_notes(row)}" for row in rows if row_notes(row)]
    for note in notes:
        writer.paragraph(note, "Extract Details")
    writer.paragraph(EXPLANATION.format(units=units), "Extract Summary")
    writer.finish()
    document.core_properties.title = title
    document.core_properties.author = "qualcode"
    return document_bytes(document)
