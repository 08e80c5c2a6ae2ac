"""The disagreements list for a review meeting as CSV, XLSX or Word (records in, files out).

Spreadsheets reuse :mod:`qualcode.exporters.tables` (formula-injection guard, UTF-8 with
a byte order mark, atomic 0600 writes); the Word document reuses the report writer's
styles (a heading per source, each passage in "Quote", who coded it in "Quote
Attribution", memos in "Memo"). The export gate redacts the records and writes the file.
"""

from __future__ import annotations

from collections.abc import Sequence

from qualcode.domain.disagreements import Disagreement
from qualcode.domain.review import Thread, entry_words

FORMATS = ("xlsx", "csv", "docx")

HEADER = (
    "number",
    "source",
    "code",
    "start",
    "end",
    "coded by",
    "not coded by",
    "text",
    "codings",
    "memos",
    "status",
    "discussion",
)


def disagreements_bytes(
    items: Sequence[Disagreement],
    file_format: str,
    threads: Sequence[Thread | None] | None = None,
) -> bytes:
    """``items`` as ``file_format`` (one of :data:`FORMATS`), each with its discussion
    thread (``threads``, in the same order) if it has one."""
    discussed = list(threads) if threads is not None else [None] * len(items)
    if file_format == "docx":
        return _document(items, discussed)
    return _table(items, discussed, file_format)


def _codings(item: Disagreement) -> str:
    return "; ".join(f"{c.coder} {c.start}-{c.end}" for c in item.codings)


def _memos(item: Disagreement) -> list[str]:
    return [f"{c.coder}: {c.memo}" for c in item.codings if c.memo.strip()]


def _status(thread: Thread | None) -> str:
    return thread.status.value if thread is not None else "open"


def _discussion(thread: Thread | None) -> list[str]:
    return [entry_words(e) for e in thread.entries] if thread is not None else []


def _table(
    items: Sequence[Disagreement], threads: Sequence[Thread | None], file_format: str
) -> bytes:
    from qualcode.exporters.tables import Cell, SheetTable, csv_bytes, workbook_bytes

    rows: list[list[Cell]] = [
        [
            number,
            item.source,
            item.code_path,
            item.start,
            item.end,
            ", ".join(item.coded_by),
            ", ".join(item.not_coded_by),
            item.text,
            _codings(item),
            "\n".join(_memos(item)),
            _status(thread),
            "\n".join(_discussion(thread)),
        ]
        for number, (item, thread) in enumerate(zip(items, threads, strict=True), start=1)
    ]
    if file_format == "csv":
        return csv_bytes(HEADER, rows)
    return workbook_bytes([SheetTable("Disagreements", HEADER, rows, wrap=True)])


def _document(items: Sequence[Disagreement], threads: Sequence[Thread | None]) -> bytes:
    # deferred: python-docx is only needed for Word output
    from docx import Document

    from qualcode.exporters.docx_report import DocumentWriter, document_bytes, ensure_styles

    document = Document()
    ensure_styles(document)
    writer = DocumentWriter(document)
    writer.heading("Disagreements between coders", 1)
    if not items:
        writer.paragraph("The coders agree everywhere they were compared.", "Normal")
    source = None
    for number, (item, thread) in enumerate(zip(items, threads, strict=True), start=1):
        if item.source != source:
            source = item.source
            writer.heading(source, 2)
        writer.paragraph(
            f"{number}. {item.code_path} ({item.start}\u2013{item.end}) \u00b7 {_status(thread)}",
            "Extract Summary",
        )
        writer.paragraph(f"\u201c{item.text}\u201d", "Quote")
        writer.paragraph(item.summary, "Quote Attribution")
        for memo in _memos(item):
            writer.paragraph(f"Memo \u2014 {memo}", "Memo")
        for line in _discussion(thread):
            writer.paragraph(line, "Extract Details")
    writer.finish()
    document.core_properties.title = "Disagreements between coders"
    document.core_properties.author = "qualcode"
    return document_bytes(document)
