"""Read a REFI-QDA codebook (QDA-XML 1.0, ``.qdc``) into a ``Codebook``.

The file may come from any tool, or from a stranger, so it is parsed with defusedxml
(entity declarations and external references are refused: no billion laughs, no XXE)
and only the standard's parts are read: ``<Code>`` elements with ``guid``, ``name``,
``color`` and a ``<Description>``. What other tools add (unknown attributes, ``<Sets>``,
``isCodable="false"`` on a heading) is accepted and ignored, because every qualcode
code can be applied. Elements are matched by their local name, so the namespace may be
written as the default, with a prefix, or not at all.

A description written by ``exporters/codebook_qdc.py`` is split back (see
:mod:`qualcode.domain.qdc_description`) into definition,
include, exclude, example and keywords; any other description is the definition,
unless a paragraph of it starts with one of those labels.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree

from qualcode.domain.codebook import NOT_IN_NAMES, check_code_name, child_path
from qualcode.domain.errors import InputFileError, ValidationError
from qualcode.domain.qdc_description import unfold_description
from qualcode.domain.records import Codebook, CodebookEntry
from qualcode.domain.text import numbered_name
from qualcode.importers.limits import MAX_CODEBOOK_CODES, MAX_CODEBOOK_LEVELS, MB, read_bytes

MAX_BYTES = 5 * MB

_GUID = re.compile(r"\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?")
_COLOUR = re.compile(r"#([0-9a-f]{6}|[0-9a-f]{3})")
# Tabs and line breaks ("\r" too, written as &#13;) are the researcher's; other controls
# would reach a terminal as escape sequences.
_NOT_IN_TEXTS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def read_qdc(path: Path) -> Codebook:
    """Read a ``.qdc`` file; any problem raises ``InputFileError`` naming the file.

    The codebook's name is the file's stem (the standard has no place for one)."""
    path = Path(path)
    return parse_qdc(read_bytes(path, MAX_BYTES), path)


def parse_qdc(data: bytes, path: Path) -> Codebook:
    root = parse_xml(data, path)
    if local_name(root.tag) != "CodeBook":
        raise InputFileError(
            path,
            f"is not a REFI-QDA codebook: its root element is <{local_name(root.tag)}>, "
            "not <CodeBook>",
        )
    codes_element = next((child for child in root if local_name(child.tag) == "Codes"), None)
    if codes_element is None:
        raise InputFileError(path, "is not a REFI-QDA codebook: it has no <Codes> element")
    return Codebook(name=path.stem, description="", codes=read_codes(codes_element, path))


def read_codes(
    codes_element: Any, path: Path, renamed: list[str] | None = None
) -> tuple[CodebookEntry, ...]:
    """The code tree under a ``<Codes>`` element (of a codebook, or of a project's
    ``<CodeBook>``): one parser for both, so a ``.qdc`` and a ``.qdpx`` read codes alike.

    A codebook is refused whole over a name qualcode cannot hold (a ``>``, which
    separates paths, or a sibling of the same name). A whole project (``renamed``
    given) is not refused over its codebook's names: such a name is changed (``>``
    to ``›``, a second sibling numbered) and a line saying so added to ``renamed``."""
    return _Reader(path, renamed).codes(codes_element, "", 1)


def parse_xml(data: bytes, path: Path) -> Any:
    """The root element of ``data``, parsed without entities, DTDs or external references;
    any problem is an ``InputFileError`` naming ``path``."""
    try:
        # Bytes, not text: the parser honours the BOM and the declared encoding itself.
        # No DTD at all: a project or codebook file never needs one.
        return SafeElementTree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as error:
        raise InputFileError(
            path,
            f"declares XML entities, a DTD or external references, which qualcode refuses "
            f"({type(error).__name__})",
        ) from None
    except ParseError as error:
        raise InputFileError(path, f"is not readable XML ({error})") from None


def local_name(tag: Any) -> str:
    """An element's tag without its namespace (any namespace, or none, is accepted)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


class _Reader:
    def __init__(self, path: Path, renamed: list[str] | None = None) -> None:
        self.path = path
        self.renamed = renamed
        self.guids: dict[str, str] = {}  # guid -> path of the code that has it
        self.count = 0

    def fail(self, where: str, problem: str) -> InputFileError:
        return InputFileError(self.path, f"{where}: {problem}" if where else problem)

    def codes(self, parent: Any, parent_path: str, level: int) -> tuple[CodebookEntry, ...]:
        entries: list[CodebookEntry] = []
        seen: set[str] = set()
        for element in parent:
            if local_name(element.tag) != "Code":
                continue
            if level > MAX_CODEBOOK_LEVELS:
                raise self.fail(
                    "", f"codes are nested too deeply (at most {MAX_CODEBOOK_LEVELS} levels)"
                )
            self.count += 1
            if self.count > MAX_CODEBOOK_CODES:
                raise self.fail(
                    "",
                    f"has too many codes: more than {MAX_CODEBOOK_CODES:,}, "
                    "the limit for a codebook",
                )
            entry = self.code(element, parent_path, level)
            folded = entry.name.casefold()
            if folded in seen and self.renamed is not None:
                name = numbered_name(entry.name, seen, fold=True)
                self.renamed.append(
                    f"code {child_path(parent_path, entry.name)!r} has a sibling of the same name: "
                    f"imported as {name!r}"
                )
                entry = replace(entry, name=name)
                folded = name.casefold()
            if folded in seen:
                raise self.fail(
                    f"code {child_path(parent_path, entry.name)!r}",
                    "another code with the same name sits beside it; sibling names must "
                    "differ (ignoring capitals)",
                )
            seen.add(folded)
            entries.append(entry)
        return tuple(entries)

    def code(self, element: Any, parent_path: str, level: int) -> CodebookEntry:
        raw_name = element.get("name")
        where = f"code {child_path(parent_path, raw_name or '(no name)')!r}"
        if raw_name is None:
            raise self.fail(where, "has no name attribute")
        if self.renamed is not None and ">" in raw_name and raw_name.replace(">", "").strip():
            self.renamed.append(
                f"code {raw_name!r}: '>' separates code paths in qualcode; imported with '›'"
            )
            raw_name = raw_name.replace(">", "\u203a")
        try:
            name = check_code_name(raw_name)
        except ValidationError as error:
            raise self.fail(where, str(error)) from None
        if NOT_IN_NAMES.search(name):
            raise self.fail(where, "the name contains control characters")
        path = child_path(parent_path, name)
        where = f"code {path!r}"
        description = ""
        for child in element:
            if local_name(child.tag) == "Description":
                description = child.text or ""
                break
        found = sorted(set(_NOT_IN_TEXTS.findall(description)))
        if found:
            listed = ", ".join(f"U+{ord(ch):04X}" for ch in found[:3])
            raise self.fail(where, f"the description contains control characters ({listed})")
        fields = unfold_description(description)
        return CodebookEntry(
            name=name,
            uuid=self.guid(element.get("guid"), where, path),
            colour=self.colour(element.get("color"), where),
            children=self.codes(element, path, level + 1),
            **fields,
        )

    def guid(self, value: str | None, where: str, path: str) -> str:
        if value is None:
            raise self.fail(where, "has no guid attribute")
        match = _GUID.fullmatch(value.strip().lower())
        if not match or value.strip().startswith("{") != value.strip().endswith("}"):
            raise self.fail(
                where, f"guid {value!r} is not a GUID (expected 8-4-4-4-12 hexadecimal digits)"
            )
        guid = match.group(1)
        if guid in self.guids:
            raise self.fail(where, f"guid {guid} is already used by code {self.guids[guid]!r}")
        self.guids[guid] = path
        return guid

    def colour(self, value: str | None, where: str) -> str | None:
        if value is None or not value.strip():
            return None
        match = _COLOUR.fullmatch(value.strip().lower())
        if not match:
            raise self.fail(where, f"color {value!r} should look like #c0392b (#rrggbb)")
        digits = match.group(1)
        if len(digits) == 3:
            digits = "".join(digit * 2 for digit in digits)
        return f"#{digits}"
