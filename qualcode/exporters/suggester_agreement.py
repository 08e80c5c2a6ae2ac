"""The suggestions-against-each-coder table (issue 12) as CSV, XLSX or Word.

The rows are the ones `qualcode agreement --with-suggestions` prints. Spreadsheets
repeat the code on every row and carry the statistics as numbers, so a report writer
can sort and filter them; Word gets the rows anyone coded, grouped under their code.
"""

from __future__ import annotations

from qualcode.domain.agreement import unit_plural
from qualcode.domain.suggester_agreement import (
    SUGGESTER_EXPLANATION,
    SuggesterAgreement,
    SuggesterRow,
    shown_suggester_row,
    suggester_header,
    suggester_rows,
)
from qualcode.exporters.agreement import agreement_sheet_bytes, statistic_cell

FORMATS = ("xlsx", "csv", "docx")
TITLE = "Agreement between the suggestions and each coder"


def suggester_agreement_bytes(
    report: SuggesterAgreement, file_format: str, *, by: str = "code"
) -> bytes:
    """The table as ``file_format`` (one of :data:`FORMATS`)."""
    if file_format == "docx":
        return _document(report, by)
    return _sheet(report, file_format, by)


def _numbers(row: SuggesterRow) -> list[str | float]:
    shown = shown_suggester_row(row)
    return [
        row.label,
        row.coder,
        row.units,
        row.both,
        row.suggestions_only,
        row.coder_only,
        statistic_cell(row.percent_agreement),
        statistic_cell(row.kappa),
        statistic_cell(row.alpha),
        statistic_cell(row.coders_alpha),
        shown[-1],
    ]


def _sheet(report: SuggesterAgreement, file_format: str, by: str) -> bytes:
    rows = [_numbers(row) for row in suggester_rows(report, by)]
    header = suggester_header(report, by)
    return agreement_sheet_bytes(header, rows, file_format, "Suggestions as a coder")


def _document(report: SuggesterAgreement, by: str) -> bytes:
    # deferred: python-docx is only needed for Word output
    from docx import Document

    from qualcode.domain.reports import ReportTable
    from qualcode.exporters.docx_report import DocumentWriter, document_bytes, ensure_styles

    document = Document()
    ensure_styles(document)
    writer = DocumentWriter(document)
    writer.heading(TITLE, 1)
    units = unit_plural(report.unit)
    writer.paragraph(
        f"Coders compared with the suggestions: {', '.join(report.coders) or 'none'}. "
        f"Unit: {units}.",
        "Normal",
    )
    # A page is narrow: units and notes go below the table, rows nobody coded are left out.
    every = suggester_rows(report, by)
    rows = [r for r in every if r.both or r.suggestions_only or r.coder_only or r.kind == "overall"]
    header = ("Code" if by == "code" else "Source", "Coder", "Both", "Suggested only")
    header += ("Coder only", "Kappa", "Alpha", "Coders' alpha")
    body = []
    previous: str | None = None
    for row in rows:
        shown = shown_suggester_row(row, label=row.label != previous)
        previous = row.label
        body.append((*shown[:2], *shown[3:6], *shown[7:10]))
    overall = [i for i, r in enumerate(rows) if r.kind == "overall"]
    writer.table(
        ReportTable(
            title="By code" if by == "code" else "By source",
            caption="",
            headers=header,
            rows=tuple(body),
            emphasis=tuple(overall),
        ),
        heading=False,
    )
    if len(every) > len(rows):
        writer.paragraph(
            f"{len(every) - len(rows)} rows where neither coded anything are left out.",
            "Extract Summary",
        )
    for row in rows:
        notes = shown_suggester_row(row)[-1]
        if notes:
            writer.paragraph(f"{row.label}, {row.coder}: {notes}", "Extract Details")
    writer.paragraph(SUGGESTER_EXPLANATION.format(units=units), "Extract Summary")
    writer.finish()
    document.core_properties.title = TITLE
    document.core_properties.author = "qualcode"
    return document_bytes(document)
