"""The suggestions-against-each-coder table (issue 12) as CSV, XLSX or Word.

The rows are the ones `qualcode agreement --with-suggestions` prints. Spreadsheets
repeat the code on every row and carry the statistics as numbers, so a report writer
can sort and filter them; Word gets the rows anyone coded, grouped under their code.
"""

from __future__ import annotations

from qualcode.domain.agreement import unit_plural
from qualcode.domain.agreement_table import (
    SUGGESTER_COLUMNS,
    UNITS,
    header,
    shown_suggester_table,
    suggester_numbers,
    suggester_table_rows,
)
from qualcode.domain.suggester_agreement import SUGGESTER_EXPLANATION, SuggesterAgreement
from qualcode.exporters.agreement import agreement_sheet_bytes

FORMATS = ("xlsx", "csv", "docx")
TITLE = "Agreement between the suggestions and each coder"


def suggester_agreement_bytes(
    report: SuggesterAgreement, file_format: str, *, by: str = "code"
) -> bytes:
    """The table as ``file_format`` (one of :data:`FORMATS`)."""
    if file_format == "docx":
        return _document(report, by)
    return _sheet(report, file_format, by)


def _sheet(report: SuggesterAgreement, file_format: str, by: str) -> bytes:
    # Every row, those neither coded included (with their note and no figures).
    rows, _ = suggester_table_rows(report, by, show_uncoded=True)
    titles = header(SUGGESTER_COLUMNS, by, report.unit)
    body = [suggester_numbers(row) for row in rows]
    return agreement_sheet_bytes(titles, body, file_format, "Suggestions as a coder")


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
    # Rows where neither coded anything are left out, and the count of units (it is in
    # the spreadsheets): a page is narrow.
    rows, left_out = suggester_table_rows(report, by)
    kept = [i for i, c in enumerate(SUGGESTER_COLUMNS, start=1) if c is not UNITS]
    body = [
        (shown[0], *(shown[i] for i in kept))
        for shown in shown_suggester_table(report, by, show_uncoded=False)
    ]
    titles = header(SUGGESTER_COLUMNS, by, report.unit)
    overall = [i for i, r in enumerate(rows) if r.kind == "overall"]
    writer.table(
        ReportTable(
            title="By code" if by == "code" else "By source",
            caption="",
            headers=(titles[0], *(titles[i] for i in kept)),
            rows=tuple(body),
            emphasis=tuple(overall),
        ),
        heading=False,
    )
    if left_out:
        writer.paragraph(
            f"{len(left_out)} rows where neither the suggestions nor the coder coded "
            "anything are left out.",
            "Extract Summary",
        )
    writer.paragraph(SUGGESTER_EXPLANATION.format(units=units), "Extract Summary")
    writer.finish()
    document.core_properties.title = TITLE
    document.core_properties.author = "qualcode"
    return document_bytes(document)
