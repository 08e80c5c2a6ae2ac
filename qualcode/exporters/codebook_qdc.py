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

from collections.abc import Mapping, Sequence

from qualcode import __version__
from qualcode.domain.errors import ValidationError
from qualcode.domain.qdc_description import fold_description
from qualcode.domain.records import Codebook, CodebookEntry
from qualcode.domain.refi_qda import CODEBOOK_NAMESPACE

INDENT = "  "


def escape_text(value: str) -> str:
    """``value`` as XML element text."""
    # "\r" is written as a reference: XML readers turn a literal one into "\n".
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def escape_attribute(value: str) -> str:
    """``value`` as a double-quoted XML attribute value."""
    return escape_text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def code_lines(
    entry: CodebookEntry, depth: int, note_refs: Mapping[str, Sequence[str]] | None = None
) -> list[str]:
    """The ``<Code>`` element of ``entry`` and its sub-codes, indented ``depth`` levels.

    A codebook (.qdc) and a project (.qdpx) write codes the same way; only a project
    has notes, so ``note_refs`` (code UUID -> note GUIDs) adds each code's
    ``<NoteRef>`` elements where the project schema puts them.
    """
    indent = INDENT * depth
    attributes = [
        f'guid="{escape_attribute(entry.uuid or "")}"',
        f'name="{escape_attribute(entry.name)}"',
        # Every qualcode code can be applied to text, headings included.
        'isCodable="true"',
    ]
    if entry.colour:
        attributes.append(f'color="{escape_attribute(entry.colour)}"')
    opening = f"{indent}<Code {' '.join(attributes)}"
    description = fold_description(entry)
    notes = note_refs.get(entry.uuid or "", ()) if note_refs else ()
    if not description and not notes and not entry.children:
        return [opening + "/>"]
    lines = [opening + ">"]
    if description:
        lines.append(f"{indent}{INDENT}<Description>{escape_text(description)}</Description>")
    lines.extend(f'{indent}{INDENT}<NoteRef targetGUID="{guid}"/>' for guid in notes)
    for child in entry.children:
        lines.extend(code_lines(child, depth + 1, note_refs))
    lines.append(f"{indent}</Code>")
    return lines


def check_uuids(codes: tuple[CodebookEntry, ...], what: str) -> None:
    """Refuse codes without a UUID: the standard's GUID is required."""
    missing = [entry.name for entry in _walk(codes) if not entry.uuid]
    if missing:
        raise ValidationError(f"codes without a UUID cannot be written as {what}: {missing[:3]}")


def dump_qdc(codebook: Codebook) -> bytes:
    """The codebook as a UTF-8 ``.qdc`` file. Every code must have a UUID (the service's
    export gives each one); the codebook's own name and description have no place in
    the standard's schema and are left out."""
    if not codebook.codes:
        # The schema needs at least one code; an empty file would not load elsewhere.
        raise ValidationError("the codebook is empty, so there is nothing to write as .qdc")
    check_uuids(codebook.codes, ".qdc")
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<CodeBook xmlns="{CODEBOOK_NAMESPACE}" origin="qualcode {__version__}">',
        f"{INDENT}<Codes>",
    ]
    for entry in codebook.codes:
        lines.extend(code_lines(entry, 2))
    lines.append(f"{INDENT}</Codes>")
    lines.append("</CodeBook>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _walk(entries: tuple[CodebookEntry, ...]) -> list[CodebookEntry]:
    found: list[CodebookEntry] = []
    for entry in entries:
        found.append(entry)
        found.extend(_walk(entry.children))
    return found
