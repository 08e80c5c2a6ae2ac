"""Write a ``Codebook`` as a REFI-QDA codebook (QDA-XML 1.0, ``.qdc``).

Other tools (NVivo, ATLAS.ti, MAXQDA, QualCoder) read this file, so it keeps to the
standard's schema: a code has only a name, a GUID, a colour and one ``<Description>``.
Our include/exclude/example/keywords are folded into that description as labelled
paragraphs after the definition (see ``fold_description``), which a person reads
naturally and ``importers/codebook_qdc.py`` splits back into fields.

The output is exact and stable: codes in codebook order, attributes in a fixed order,
GUIDs are the codes' UUIDs, so exporting the same codebook twice gives the same bytes.
"""

from __future__ import annotations

from qualcode import __version__
from qualcode.domain.errors import ValidationError
from qualcode.domain.qdc_description import fold_description
from qualcode.domain.records import Codebook, CodebookEntry

NAMESPACE = "urn:QDA-XML:codebook:1.0"


_INDENT = "  "


def _escape_text(value: str) -> str:
    # "\r" is written as a reference: XML readers turn a literal one into "\n".
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _escape_attribute(value: str) -> str:
    return _escape_text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def _code_lines(entry: CodebookEntry, depth: int) -> list[str]:
    indent = _INDENT * depth
    attributes = [
        f'guid="{_escape_attribute(entry.uuid or "")}"',
        f'name="{_escape_attribute(entry.name)}"',
        # Every qualcode code can be applied to text, headings included.
        'isCodable="true"',
    ]
    if entry.colour:
        attributes.append(f'color="{_escape_attribute(entry.colour)}"')
    opening = f"{indent}<Code {' '.join(attributes)}"
    description = fold_description(entry)
    if not description and not entry.children:
        return [opening + "/>"]
    lines = [opening + ">"]
    if description:
        lines.append(f"{indent}{_INDENT}<Description>{_escape_text(description)}</Description>")
    for child in entry.children:
        lines.extend(_code_lines(child, depth + 1))
    lines.append(f"{indent}</Code>")
    return lines


def dump_qdc(codebook: Codebook) -> bytes:
    """The codebook as a UTF-8 ``.qdc`` file. Every code must have a UUID (the service's
    export gives each one); the codebook's own name and description have no place in
    the standard's schema and are left out."""
    if not codebook.codes:
        # The schema needs at least one code; an empty file would not load elsewhere.
        raise ValidationError("the codebook is empty, so there is nothing to write as .qdc")
    missing = [entry.name for entry in _walk(codebook.codes) if not entry.uuid]
    if missing:
        raise ValidationError(f"codes without a UUID cannot be written as .qdc: {missing[:3]}")
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<CodeBook xmlns="{NAMESPACE}" origin="qualcode {__version__}">',
        f"{_INDENT}<Codes>",
    ]
    for entry in codebook.codes:
        lines.extend(_code_lines(entry, 2))
    lines.append(f"{_INDENT}</Codes>")
    lines.append("</CodeBook>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _walk(entries: tuple[CodebookEntry, ...]) -> list[CodebookEntry]:
    found: list[CodebookEntry] = []
    for entry in entries:
        found.append(entry)
        found.extend(_walk(entry.children))
    return found
