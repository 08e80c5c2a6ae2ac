"""Reading an export back, to check what it really says (not what we meant it to say).

Yields (location, text) pairs a person can find: "paragraph 12", "table 2, row 4",
"row 7, column text", "sheet Frequencies, cell B4".
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from defusedxml import ElementTree

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PROPERTIES = ("docProps/core.xml", "docProps/app.xml")


def text_locations(path: Path) -> Iterator[tuple[str, str]]:
    suffix = path.suffix.lower()
    if suffix == ".docx":
        yield from _docx(path)
    elif suffix == ".xlsx":
        yield from _xlsx(path)
    else:
        yield from _csv(path)


def _docx(path: Path) -> Iterator[tuple[str, str]]:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        root = ElementTree.fromstring(archive.read("word/document.xml"))
        body = root.find(f"{_W}body")
        yield from _blocks(body if body is not None else [], "")
        for kind in ("header", "footer"):
            parts = sorted(n for n in names if n.startswith(f"word/{kind}") and n.endswith(".xml"))
            for number, name in enumerate(parts, start=1):
                part = ElementTree.fromstring(archive.read(name))
                yield from _blocks(part, f"{kind} {number}, ")
        for name in _PROPERTIES:
            if name in names:
                properties = ElementTree.fromstring(archive.read(name))
                for element in properties.iter():
                    if element.text and element.text.strip():
                        field = element.tag.rsplit("}", 1)[-1]
                        yield f"document properties ({field})", element.text


def _blocks(container: Iterable[Any], prefix: str) -> Iterator[tuple[str, str]]:
    """Top-level paragraphs and tables, each cell once (a merged cell is one element)."""
    paragraph_number = table_number = 0
    for block in container:
        if block.tag == f"{_W}tbl":
            table_number += 1
            for row_number, row in enumerate(block.iter(f"{_W}tr"), start=1):
                for cell_number, cell in enumerate(row.iter(f"{_W}tc"), start=1):
                    text = _text(cell)
                    if text.strip():
                        where = (
                            f"{prefix}table {table_number}, row {row_number}, cell {cell_number}"
                        )
                        yield where, text
        elif block.tag == f"{_W}p":
            paragraph_number += 1
            text = _text(block)
            if text:
                yield f"{prefix}paragraph {paragraph_number}", text


def _text(element: object) -> str:
    # Paragraphs inside a cell are separate lines: a name split across them still shows.
    lines = []
    for paragraph in element.iter(f"{_W}p"):  # type: ignore[attr-defined]
        lines.append("".join(t.text or "" for t in paragraph.iter(f"{_W}t")))
    return "\n".join(lines)


def _xlsx(path: Path) -> Iterator[tuple[str, str]]:
    from openpyxl import load_workbook  # deferred: only for checking spreadsheets

    workbook = load_workbook(path, read_only=True)
    try:
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.value:
                        yield f"sheet {sheet.title}, cell {cell.coordinate}", cell.value
    finally:
        workbook.close()


def _csv(path: Path) -> Iterator[tuple[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(stream)
        header: list[str] = []
        for number, row in enumerate(reader, start=1):
            if number == 1:
                header = row
            for index, value in enumerate(row):
                if value:
                    column = header[index] if index < len(header) else str(index + 1)
                    yield f"row {number}, column {column}", value
