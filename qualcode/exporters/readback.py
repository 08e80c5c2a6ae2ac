"""Reading an export back, to check what it really says (not what we meant it to say).

Yields (location, text) pairs a person can find: "paragraph 12", "table 2, row 4",
"row 7, column text", "sheet Frequencies, cell B4", "codes[3].definition".

The reader is chosen by the file's *format*, never by its name: the export gate reads
its temporary files (named ``.report.docx.XXXX.tmp``) before they are moved into place.
Zip-based formats are read whole: every XML part of the package, whatever it is
called, its text and its attribute values (alt text, sheet names, document
properties), because a name can hide in any of them.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DOCUMENT = "word/document.xml"
# Attributes of the document body that hold words a reader sees (an image's name, alt
# text and title, a link's tooltip). The body's other attributes are style ids, sizes
# and revision ids; reading them all costs a 20,000-quote report a third more time.
_BODY_TEXT_ATTRIBUTES = frozenset({"descr", "title", "tooltip", "name"})


def text_locations(path: Path, format: str | None = None) -> Iterator[tuple[str, str]]:
    """Every piece of text in ``path`` read as ``format`` (by default, its suffix)."""
    kind = (format or path.suffix.lower().lstrip(".")) or "txt"
    reader = READERS.get(kind, _plain)
    yield from reader(path)


# --- Word ----------------------------------------------------------------------------


def _docx(path: Path) -> Iterator[tuple[str, str]]:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        if _DOCUMENT in names:
            root = ElementTree.fromstring(archive.read(_DOCUMENT))
            body = root.find(f"{_W}body")
            yield from _blocks(body if body is not None else [], "")
            yield from _attributes(root, "document", _BODY_TEXT_ATTRIBUTES)
        for kind in ("header", "footer"):
            parts = sorted(n for n in names if n.startswith(f"word/{kind}") and n.endswith(".xml"))
            for number, name in enumerate(parts, start=1):
                part = ElementTree.fromstring(archive.read(name))
                yield from _blocks(part, f"{kind} {number}, ")
        done = {_DOCUMENT} | {n for n in names if n.startswith(("word/header", "word/footer"))}
        yield from _other_parts(archive, [n for n in names if n not in done])


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


def _text(element: Element) -> str:
    # Paragraphs inside a cell are separate lines: a name split across them still shows.
    lines = []
    for paragraph in element.iter(f"{_W}p"):
        lines.append("".join(t.text or "" for t in paragraph.iter(f"{_W}t")))
    return "\n".join(lines)


def _attributes(
    root: Any, where: str, only: frozenset[str] | None = None
) -> Iterator[tuple[str, str]]:
    """Attribute values that read as words (``only`` these names, if given)."""
    for element in root.iter():
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1]
            if (only is None or local in only) and _wordy(value):
                tag = element.tag.rsplit("}", 1)[-1]
                yield f"{where} ({tag} {local})", value


def _wordy(value: str) -> bool:
    return any(c.isalpha() for c in value)


# Parts that hold only the template's fonts, colours and styles, never the project's
# words: "Times New Roman" is not a variant of a registered "Raman".
_TEMPLATE_PARTS = frozenset(
    {
        "word/fontTable.xml",
        "word/styles.xml",
        "word/stylesWithEffects.xml",
        "word/settings.xml",
        "word/webSettings.xml",
        "xl/styles.xml",
    }
)


def _other_parts(archive: zipfile.ZipFile, names: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Every other part that is XML, by its content rather than its name."""
    for name in sorted(names):
        if name in _TEMPLATE_PARTS or "/theme/" in name:
            continue
        data = archive.read(name)
        if not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            continue  # an image or other binary part
        root = ElementTree.fromstring(data)
        for element in root.iter():
            tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
            for text in (element.text, element.tail):
                if text and text.strip():
                    yield f"{_part_label(name)} ({tag})", text
        yield from _attributes(root, _part_label(name))


def _part_label(name: str) -> str:
    if name.startswith("docProps/"):
        return "document properties"
    return f"part {name}"


# --- Excel ---------------------------------------------------------------------------


def _xlsx(path: Path) -> Iterator[tuple[str, str]]:
    from openpyxl import load_workbook  # deferred: only for checking spreadsheets

    # A stream, not the name: openpyxl refuses names not ending .xlsx (the gate's
    # temporary files end .tmp).
    with path.open("rb") as stream:
        workbook = load_workbook(stream, read_only=True)
        try:
            for sheet in workbook.worksheets:
                yield f"sheet name {sheet.title}", sheet.title
                for row in sheet.iter_rows():
                    for cell in row:
                        if isinstance(cell.value, str) and cell.value:
                            yield f"sheet {sheet.title}, cell {cell.coordinate}", cell.value
        finally:
            workbook.close()
    with zipfile.ZipFile(path) as archive:
        # Cells were read above; everything else (properties, comments, defined names).
        rest = [
            n
            for n in archive.namelist()
            if not n.startswith("xl/worksheets/sheet") and n != "xl/sharedStrings.xml"
        ]
        yield from _other_parts(archive, rest)


# --- text formats --------------------------------------------------------------------


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


def _json(path: Path) -> Iterator[tuple[str, str]]:
    yield from _values(json.loads(path.read_text(encoding="utf-8")), "")


def _yaml(path: Path) -> Iterator[tuple[str, str]]:
    import yaml  # deferred: only codebooks are YAML

    yield from _values(yaml.safe_load(path.read_text(encoding="utf-8")), "")
    # Comments are not values but are still in the file for anyone to read.
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.lstrip().startswith("#"):
            yield f"line {number}", line


def _qdc(path: Path) -> Iterator[tuple[str, str]]:
    """A REFI-QDA codebook: every element's text and every wordy attribute (code names)."""
    root = ElementTree.fromstring(path.read_bytes())
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        if element.text and element.text.strip():
            yield f"<{tag}> {element.get('name', '')}".rstrip(), element.text
    yield from _attributes(root, "codebook")


# A .qdpx is read back whole into memory, entry by entry, never extracted by name; these
# stop a damaged or swapped file from taking the machine's memory.
_QDPX_MAX_ENTRIES = 100_000
_QDPX_MAX_BYTES = 4 * 1024**3
# Attribute values shaped like a project's structure (GUIDs, times, positions, colours,
# internal paths, flags) cannot hold a name; a 50,000-coding project has a quarter of
# a million of them, which is most of the read-back's time if each is checked.
_STRUCTURE = re.compile(
    r"\{?[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\}?"
    r"|\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?)?"
    r"|-?\d+|#[0-9a-fA-F]{3,6}|true|false"
    r"|internal://[0-9a-fA-F-]{36}\.txt"
)


def _qdpx(path: Path) -> Iterator[tuple[str, str]]:
    """A REFI-QDA project: every string of each XML entry (element text and wordy
    attributes) and the whole text of every other entry (the sources)."""
    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
        if len(entries) > _QDPX_MAX_ENTRIES:
            raise ValueError(f"{path.name}: {len(entries)} entries is more than a project holds")
        if sum(entry.file_size for entry in entries) > _QDPX_MAX_BYTES:
            raise ValueError(f"{path.name}: its entries unpack to more than a project holds")
        for entry in sorted(entries, key=lambda e: e.filename):
            if entry.is_dir():
                continue
            data = archive.read(entry)
            if entry.filename.lower().endswith((".qde", ".xml")):
                root = ElementTree.fromstring(data)
                for element in root.iter():
                    tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
                    if element.text and element.text.strip():
                        where = f"{entry.filename} <{tag}> {element.get('name', '')}".rstrip()
                        yield where, element.text
                for where, value in _attributes(root, entry.filename):
                    if not _STRUCTURE.fullmatch(value):
                        yield where, value
            else:
                yield entry.filename, data.decode("utf-8", errors="replace")


def _values(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every string in parsed JSON or YAML, keys too, located by its path."""
    if isinstance(value, str):
        yield where or "value", value
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{where}.{key}" if where else str(key)
            if isinstance(key, str):
                yield f"{inner} (key)", key
            yield from _values(item, inner)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _values(item, f"{where}[{index}]")


def _plain(path: Path) -> Iterator[tuple[str, str]]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            yield f"line {number}", line


READERS = {
    "docx": _docx,
    "xlsx": _xlsx,
    "csv": _csv,
    "json": _json,
    "yaml": _yaml,
    "qdc": _qdc,
    "qdpx": _qdpx,
    "txt": _plain,
}
