"""The disagreements list for a review meeting as CSV, XLSX or Word (records in, files out).

Spreadsheets reuse :mod:`qualcode.exporters.tables` (formula-injection guard, UTF-8 with
a byte order mark, atomic 0600 writes); the Word document reuses the report writer's
styles (a heading per source, each passage in "Quote", who coded it in "Quote
Attribution", memos in "Memo"). Every string passes through ``redact``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from qualcode.domain.disagreements import Disagreement
from qualcode.domain.errors import InputFileError
from qualcode.domain.review import Thread, entry_words

Redact = Callable[[str], str]

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


def write_disagreements(
    items: Sequence[Disagreement],
    path: Path,
    redact: Redact,
    threads: Sequence[Thread | None] | None = None,
) -> Path:
    """Write ``items`` to ``path``: .csv, .xlsx or .docx by suffix, each with its
    discussion thread (``threads``, in the same order) if it has one. Returns ``path``."""
    path = Path(path)
    suffix = path.suffix.lower()
    discussed = list(threads) if threads is not None else [None] * len(items)
    if suffix in (".csv", ".xlsx"):
        _write_table(items, discussed, path, suffix, redact)
    elif suffix == ".docx":
        _write_document(items, discussed, path, redact)
    else:
        raise InputFileError(path, "write disagreements to a .csv, .xlsx or .docx file")
    return path


def _codings(item: Disagreement) -> str:
    return "; ".join(f"{c.coder} {c.start}-{c.end}" for c in item.codings)


def _memos(item: Disagreement) -> list[str]:
    return [f"{c.coder}: {c.memo}" for c in item.codings if c.memo.strip()]


def _status(thread: Thread | None) -> str:
    return thread.status.value if thread is not None else "open"


def _discussion(thread: Thread | None) -> list[str]:
    return [entry_words(e) for e in thread.entries] if thread is not None else []


def _write_table(
    items: Sequence[Disagreement],
    threads: Sequence[Thread | None],
    path: Path,
    suffix: str,
    redact: Redact,
) -> None:
    from qualcode.exporters.tables import (
        SheetTable,
        csv_bytes,
        replace_atomically,
        workbook_bytes,
    )

    rows = [
        [
            number,
            redact(item.source),
            redact(item.code_path),
            item.start,
            item.end,
            redact(", ".join(item.coded_by)),
            redact(", ".join(item.not_coded_by)),
            redact(item.text),
            redact(_codings(item)),
            redact("\n".join(_memos(item))),
            _status(thread),
            redact("\n".join(_discussion(thread))),
        ]
        for number, (item, thread) in enumerate(zip(items, threads, strict=True), start=1)
    ]
    if suffix == ".csv":
        data = csv_bytes(HEADER, rows)
    else:
        data = workbook_bytes([SheetTable("Disagreements", HEADER, rows, wrap=True)])
    replace_atomically({path: data})


def _write_document(
    items: Sequence[Disagreement], threads: Sequence[Thread | None], path: Path, redact: Redact
) -> None:
    # deferred: python-docx is only needed for Word output
    from docx import Document

    from qualcode.exporters.docx_report import DocumentWriter, ensure_styles, save_document

    document = Document()
    ensure_styles(document)
    writer = DocumentWriter(document, redact)
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
    save_document(document, path)
