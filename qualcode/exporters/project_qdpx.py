"""Write a ``ProjectBundle`` as a REFI-QDA project (QDA-XML 1.0, ``.qdpx``).

The file is a zip holding ``project.qde`` (the XML) and one ``sources/<uuid>.txt`` per
transcript (UTF-8, no BOM, the stored text exactly), referred to as
``internal://<uuid>.txt``; there is no ``basePath`` and no other path, so nothing in
the file names the machine or the person who wrote it. What the standard's words do
not say (selection, variable, turn and coding-note GUIDs, how a speaker turn is
written) is agreed with the reader in :mod:`qualcode.domain.refi_qda`.

Positions are code points, end exclusive. Codes are written by the ``.qdc`` writer's
:func:`~qualcode.exporters.codebook_qdc.code_lines`, so a code reads the same in a
codebook and in a project.

The output is deterministic: records in a fixed order, GUIDs are our UUIDs (or UUID5s
of what they stand for), zip entries sorted with fixed timestamps, so two exports of
an unchanged project are byte-identical.

Not written, because QDA-XML has no place for them: the identifier register (it holds
the real names), suggestion decisions, review threads, removed codings, settings
other than the project's name, and a coding's origin (manual or suggested). Sets are
not written either: qualcode has no sets of its own.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import PurePath
from typing import TypeVar

from qualcode import __version__
from qualcode.domain.bundle import (
    BundleCase,
    BundleCode,
    BundleCoder,
    BundleCoding,
    BundleMemo,
    BundleSource,
    BundleTurn,
    ProjectBundle,
)
from qualcode.domain.codebook import codebook_entry
from qualcode.domain.errors import ValidationError
from qualcode.domain.records import CodebookEntry
from qualcode.domain.redaction import RedactedText
from qualcode.domain.refi_qda import (
    ORIGIN_PREFIX,
    PROJECT_NAMESPACE,
    coding_note_guid,
    selection_guid,
    turn_description,
    turn_guid,
    variable_guid,
)
from qualcode.exporters.codebook_qdc import (
    INDENT,
    check_uuids,
    code_lines,
    escape_attribute,
    escape_text,
)

PROJECT_ENTRY = "project.qde"
SOURCES_FOLDER = "sources"
# Every entry carries this time: the file must not change when nothing in it has.
_ENTRY_TIME = (1980, 1, 1, 0, 0, 0)
_UNIX = 3  # the "made on" system zip readers use to read the permission bits
# qualcode's attribute types as QDA-XML variable types, and the element a value that
# fits the type is written in (one that does not fit is kept exactly as text).
_VARIABLE_TYPES = {"text": "Text", "number": "Float", "date": "Date"}
_TYPED_VALUES = {
    "number": ("FloatValue", re.compile(r"-?\d+(?:\.\d+)?")),
    "date": ("DateValue", re.compile(r"\d{4}-\d{2}-\d{2}")),
}
# Characters XML 1.0 cannot hold at all, not even as a reference.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_Named = TypeVar("_Named", BundleCoder, BundleCase, BundleSource)
_Placed = TypeVar("_Placed", BundleCoding, BundleTurn)


def source_entry(source_uuid: str) -> str:
    """The zip entry holding a source's text."""
    return f"{SOURCES_FOLDER}/{source_uuid}.txt"


def dump_qdpx(bundle: ProjectBundle, name: str | None = None) -> bytes:
    """The project as ``.qdpx`` bytes; ``name`` is the project's name in the file (by
    default its "name" setting, else the bundle's label without folders or suffix).

    Every source must carry its text (a coder's exchange bundle, which holds sources by
    hash only, cannot be written as a project)."""
    missing = [s.name for s in bundle.sources if s.text is None]
    if missing:
        raise ValidationError(
            f"sources without their text cannot be written as .qdpx: {missing[:3]}"
        )
    if name is None:
        name = bundle.setting("name") or PurePath(bundle.label).stem
    document = project_xml(bundle, name)
    found = _NOT_XML.search(document)
    if found is not None:
        near = document[max(0, found.start() - 40) : found.start()]
        raise ValidationError(
            f"the project holds a control character (U+{ord(found.group()):04X}) that a "
            f"REFI-QDA file cannot carry, after: {near!r}"
        )
    entries = {PROJECT_ENTRY: document.encode("utf-8")}
    for source in bundle.sources:
        entries[source_entry(source.uuid)] = (source.text or "").encode("utf-8")
    return _zip(entries)


def _zip(entries: Mapping[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for entry in sorted(entries):
            info = zipfile.ZipInfo(entry, date_time=_ENTRY_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = _UNIX
            info.external_attr = 0o600 << 16
            archive.writestr(info, entries[entry], compresslevel=6)
    return buffer.getvalue()


# --- the XML -------------------------------------------------------------------------


def project_xml(bundle: ProjectBundle, name: str) -> str:
    """``project.qde``: the whole project as one QDA-XML document."""
    notes = _Notes(bundle)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<Project xmlns="{PROJECT_NAMESPACE}" name="{escape_attribute(name)}" '
        f'origin="{ORIGIN_PREFIX} {__version__}">',
    ]
    lines.extend(_users(bundle))
    lines.extend(_codebook(bundle, notes))
    lines.extend(_variables(bundle))
    lines.extend(_cases(bundle))
    lines.extend(_sources(bundle, notes))
    lines.extend(notes.lines())
    lines.extend(f'{INDENT}<NoteRef targetGUID="{g}"/>' for g in notes.refs("project", None))
    lines.append("</Project>")
    return "\n".join(lines) + "\n"


def _attrs(**values: str | int | datetime | None) -> str:
    """Attributes in the order given, leaving out those without a value."""
    out = []
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, datetime):
            value = value.isoformat()
        out.append(f'{key}="{escape_attribute(str(value))}"')
    return " ".join(out)


def _by_name(records: Iterable[_Named]) -> list[_Named]:
    return sorted(records, key=lambda r: (r.name, r.uuid))


def _users(bundle: ProjectBundle) -> list[str]:
    if not bundle.coders:
        return []
    lines = [f"{INDENT}<Users>"]
    for coder in _by_name(bundle.coders):
        lines.append(f"{INDENT * 2}<User {_attrs(guid=coder.uuid, name=coder.name)}/>")
    lines.append(f"{INDENT}</Users>")
    return lines


def codebook_entries(codes: Iterable[BundleCode]) -> tuple[CodebookEntry, ...]:
    """The bundle's code tree as codebook entries (what the ``.qdc`` writer takes)."""
    known = {code.uuid for code in codes}
    children: dict[str | None, list[BundleCode]] = defaultdict(list)
    for code in codes:
        children[code.parent if code.parent in known else None].append(code)

    def entries(parent: str | None) -> tuple[CodebookEntry, ...]:
        return tuple(
            codebook_entry(code, entries(code.uuid))
            for code in sorted(children.get(parent, []), key=lambda c: (c.position, c.uuid))
        )

    return entries(None)


def _codebook(bundle: ProjectBundle, notes: _Notes) -> list[str]:
    if not bundle.codes:
        return []
    entries = codebook_entries(bundle.codes)
    check_uuids(entries, ".qdpx")
    refs = {code.uuid: notes.refs("code", code.uuid) for code in bundle.codes}
    lines = [f"{INDENT}<CodeBook>", f"{INDENT * 2}<Codes>"]
    for entry in entries:
        lines.extend(code_lines(entry, 3, refs))
    lines.extend([f"{INDENT * 2}</Codes>", f"{INDENT}</CodeBook>"])
    return lines


def _variables(bundle: ProjectBundle) -> list[str]:
    if not bundle.attributes:
        return []
    lines = [f"{INDENT}<Variables>"]
    for attribute in sorted(bundle.attributes, key=lambda a: a.name):
        kind = _VARIABLE_TYPES.get(attribute.type, "Text")
        guid = variable_guid(attribute.name)
        lines.append(
            f"{INDENT * 2}<Variable {_attrs(guid=guid, name=attribute.name, typeOfVariable=kind)}/>"
        )
    lines.append(f"{INDENT}</Variables>")
    return lines


def _cases(bundle: ProjectBundle) -> list[str]:
    if not bundle.cases:
        return []
    types = {a.name: a.type for a in bundle.attributes}
    values = defaultdict(list)
    for value in bundle.values:
        values[value.case].append(value)
    sources = defaultdict(set)
    for link in bundle.links:
        sources[link.case].add(link.source)
    turns = defaultdict(set)
    for turn in bundle.turns:
        if turn.case is not None:
            turns[turn.case].add(turn_guid(turn.source, turn.start, turn.end))
    lines = [f"{INDENT}<Cases>"]
    inner = INDENT * 3
    for case in _by_name(bundle.cases):
        lines.append(f"{INDENT * 2}<Case {_attrs(guid=case.uuid, name=case.name)}>")
        for value in sorted(values[case.uuid], key=lambda v: v.attribute):
            element = _value_element(types.get(value.attribute, "text"), value.value)
            lines.append(f"{inner}<VariableValue>")
            variable = variable_guid(value.attribute)
            lines.append(f'{inner}{INDENT}<VariableRef targetGUID="{variable}"/>')
            lines.append(f"{inner}{INDENT}<{element}>{escape_text(value.value)}</{element}>")
            lines.append(f"{inner}</VariableValue>")
        lines.extend(f'{inner}<SourceRef targetGUID="{s}"/>' for s in sorted(sources[case.uuid]))
        lines.extend(f'{inner}<SelectionRef targetGUID="{t}"/>' for t in sorted(turns[case.uuid]))
        lines.append(f"{INDENT * 2}</Case>")
    lines.append(f"{INDENT}</Cases>")
    return lines


def _value_element(attribute_type: str, value: str) -> str:
    element, shape = _TYPED_VALUES.get(attribute_type, ("TextValue", None))
    return element if shape is not None and shape.fullmatch(value) else "TextValue"


def _sources(bundle: ProjectBundle, notes: _Notes) -> list[str]:
    if not bundle.sources:
        return []
    codings: dict[str, list[BundleCoding]] = defaultdict(list)
    for coding in bundle.codings:
        codings[coding.source].append(coding)
    turns: dict[str, list[BundleTurn]] = defaultdict(list)
    for turn in bundle.turns:
        turns[turn.source].append(turn)
    lines = [f"{INDENT}<Sources>"]
    for source in _by_name(bundle.sources):
        lines.extend(_source(source, codings[source.uuid], turns[source.uuid], notes))
    lines.append(f"{INDENT}</Sources>")
    return lines


def _source(
    source: BundleSource, codings: list[BundleCoding], turns: list[BundleTurn], notes: _Notes
) -> list[str]:
    opening = _attrs(
        guid=source.uuid,
        name=source.name,
        plainTextPath=f"internal://{source.uuid}.txt",
        creatingUser=source.imported_by,
        creationDateTime=source.imported_at,
    )
    indent = INDENT * 2
    # Each selection as (start, end, guid, its lines), written in order of position.
    selections: list[tuple[int, int, str, list[str]]] = []
    for turn in turns:
        guid = turn_guid(turn.source, turn.start, turn.end)
        head = _attrs(guid=guid, name=turn.speaker, startPosition=turn.start, endPosition=turn.end)
        description = escape_text(turn_description(turn.start_time, turn.end_time))
        selections.append(
            (
                turn.start,
                turn.end,
                guid,
                [
                    f"{indent}{INDENT}<PlainTextSelection {head}>",
                    f"{indent}{INDENT * 2}<Description>{description}</Description>",
                    f"{indent}{INDENT}</PlainTextSelection>",
                ],
            )
        )
    passages: dict[tuple[int, int], list[BundleCoding]] = defaultdict(list)
    for coding in codings:
        passages[(coding.start, coding.end)].append(coding)
    for (start, end), together in passages.items():
        guid = selection_guid(source.uuid, start, end)
        selections.append((start, end, guid, _selection(guid, start, end, together, notes)))
    lines = [f"{indent}<TextSource {opening}>"]
    for *_, selection in sorted(selections, key=lambda s: s[:3]):
        lines.extend(selection)
    lines.extend(
        f'{indent}{INDENT}<NoteRef targetGUID="{g}"/>' for g in notes.refs("source", source.uuid)
    )
    if len(lines) == 1:
        return [lines[0][:-1] + "/>"]
    lines.append(f"{indent}</TextSource>")
    return lines


def _selection(
    guid: str, start: int, end: int, codings: list[BundleCoding], notes: _Notes
) -> list[str]:
    indent = INDENT * 3
    head = _attrs(guid=guid, startPosition=start, endPosition=end)
    lines = [f"{indent}<PlainTextSelection {head}>"]
    memos = []
    for coding in sorted(codings, key=lambda c: c.uuid):
        head = _attrs(
            guid=coding.uuid, creatingUser=coding.coder, creationDateTime=coding.created_at
        )
        lines.append(f"{indent}{INDENT}<Coding {head}>")
        lines.append(f'{indent}{INDENT * 2}<CodeRef targetGUID="{coding.code}"/>')
        lines.append(f"{indent}{INDENT}</Coding>")
        if coding.memo:
            memos.append(notes.coding_note(coding))
    lines.extend(f'{indent}{INDENT}<NoteRef targetGUID="{g}"/>' for g in memos)
    lines.append(f"{indent}</PlainTextSelection>")
    return lines


class _Notes:
    """Every memo as a ``<Note>``, and which element refers to which note."""

    def __init__(self, bundle: ProjectBundle) -> None:
        self._coders = {c.uuid: c.name for c in bundle.coders}
        self._codes = {c.uuid: c.name for c in bundle.codes}
        self._sources = {s.uuid: s.name for s in bundle.sources}
        self._notes: list[tuple[str, str]] = []  # (guid, the element's lines)
        self._refs: dict[tuple[str, str | None], list[str]] = defaultdict(list)
        for memo in sorted(bundle.memos, key=lambda m: m.uuid):
            self._memo(memo)

    def _memo(self, memo: BundleMemo) -> None:
        about = {"code": self._codes, "source": self._sources}.get(memo.target, {})
        what = about.get(memo.target_uuid or "", "") if memo.target != "project" else ""
        name = f"Memo: {what}" if what else "Memo on the project"
        by = self._coders.get(memo.coder)
        self._add(
            memo.uuid,
            f"{name}, by {by}" if by else name,
            memo.coder,
            memo.created_at,
            memo.updated_at,
            memo.text,
        )
        self._refs[(memo.target, memo.target_uuid)].append(memo.uuid)

    def coding_note(self, coding: BundleCoding) -> str:
        """The note carrying ``coding``'s memo; returns its GUID for the NoteRef."""
        guid = coding_note_guid(coding.uuid)
        code = self._codes.get(coding.code, "")
        by = self._coders.get(coding.coder)
        name = f"Memo: {code}, by {by}" if by else f"Memo: {code}"
        self._add(guid, name, coding.coder, coding.created_at, None, coding.memo)
        return guid

    def _add(
        self,
        guid: str,
        name: str,
        coder: str | None,
        created: datetime | None,
        modified: datetime | None,
        text: str,
    ) -> None:
        head = _attrs(
            guid=guid,
            name=name,
            creatingUser=coder,
            creationDateTime=created,
            modifiedDateTime=modified,
        )
        content = f"<PlainTextContent>{escape_text(text)}</PlainTextContent>"
        self._notes.append((guid, f"{INDENT * 2}<Note {head}>{content}</Note>"))

    def refs(self, target: str, uuid: str | None) -> list[str]:
        return self._refs.get((target, uuid), [])

    def lines(self) -> list[str]:
        if not self._notes:
            return []
        body = [line for _, line in sorted(self._notes)]
        return [f"{INDENT}<Notes>", *body, f"{INDENT}</Notes>"]


# --- pseudonymising ------------------------------------------------------------------


def moved_to_redacted(bundle: ProjectBundle, redacted: Mapping[str, RedactedText]) -> ProjectBundle:
    """``bundle`` with each source's text replaced by its redacted text (by source UUID)
    and every coding and turn moved to the same words in it."""

    def moved(record: _Placed) -> _Placed:
        text = redacted.get(record.source)
        if text is None:
            return record
        start, end = text.span(record.start, record.end)
        return replace(record, start=start, end=end)

    def source(record: BundleSource) -> BundleSource:
        text = redacted.get(record.uuid)
        if text is None:
            return record
        return replace(record, text=text.text, characters=len(text.text))

    return bundle.with_records(
        sources=map(source, bundle.sources),
        codings=map(moved, bundle.codings),
        turns=map(moved, bundle.turns),
    )
