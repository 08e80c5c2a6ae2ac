"""The agreement table for a report or a review meeting as CSV, XLSX or Word.

The rows are the ones `qualcode agreement` prints (:func:`qualcode.domain.agreement.
table_rows`); spreadsheets carry the statistics as numbers so a report writer can sort
and format them, and Word gets the table as text with the explanation under it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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
from qualcode.domain.errors import InputFileError

Redact = Callable[[str], str]


def write_agreement(
    report: AgreementReport, path: Path, redact: Redact, *, by: str = "code"
) -> Path:
    """Write the agreement table to ``path``: .csv, .xlsx or .docx by suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".xlsx"):
        _write_sheet(report, path, suffix, redact, by)
    elif suffix == ".docx":
        _write_document(report, path, redact, by)
    else:
        raise InputFileError(path, "write the agreement table to a .csv, .xlsx or .docx file")
    return path


def _value(statistic: Statistic) -> float | str:
    return "" if statistic.value is None else round(statistic.value, 4)


def _numbers(row: AgreementRow, redact: Redact) -> list[str | float]:
    return [
        redact(row.label),
        row.units,
        row.coded_by_any,
        row.coded_by_all,
        row.coded_by_some,
        _value(row.percent_agreement),
        _value(row.kappa),
        _value(row.alpha),
        redact(row_notes(row)),
    ]


def _write_sheet(report: AgreementReport, path: Path, suffix: str, redact: Redact, by: str) -> None:
    from qualcode.exporters.tables import (
        SheetTable,
        csv_bytes,
        replace_atomically,
        workbook_bytes,
    )

    header = table_header(report, by)
    header[5] = "Agree (proportion)"
    rows = [_numbers(row, redact) for row in table_rows(report, by)]
    if suffix == ".csv":
        data = csv_bytes(header, rows)
    else:
        data = workbook_bytes([SheetTable("Agreement", header, rows, wrap=True)])
    replace_atomically({path: data})


def _write_document(report: AgreementReport, path: Path, redact: Redact, by: str) -> None:
    # deferred: python-docx is only needed for Word output
    from docx import Document

    from qualcode.domain.reports import ReportTable
    from qualcode.exporters.docx_report import DocumentWriter, ensure_styles, save_document

    title = "Agreement between coders"
    document = Document()
    ensure_styles(document)
    writer = DocumentWriter(document, redact)
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
    rows = table_rows(report, by)
    writer.table(
        ReportTable(
            title="By code" if by == "code" else "By source",
            caption="",
            headers=tuple(table_header(report, by)),
            rows=tuple(tuple(shown_row(row)) for row in rows),
            emphasis=(len(rows) - 1,),
        ),
        heading=False,
    )
    writer.paragraph(EXPLANATION.format(units=units), "Extract Summary")
    writer.finish()
    document.core_properties.title = title
    document.core_properties.author = "qualcode"
    save_document(document, path)
