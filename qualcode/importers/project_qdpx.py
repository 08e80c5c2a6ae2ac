"""Read a REFI-QDA project (QDA-XML 1.0, ``.qdpx``) into a ``ProjectBundle``.

A ``.qdpx`` is a zip holding one ``.qde`` XML file and the sources' texts. It may come
from any tool or from a stranger, so:

- the zip is judged by its directory first (member count, sizes, ratios, encryption),
  and members are read into memory by name lookup, never extracted: a member called
  ``../../.bashrc`` is only ever a key in a dictionary;
- the XML is parsed with defusedxml, refusing DTDs, entities and external references;
- a source's path is only looked up inside the archive (``internal://``, or a plain
  name); a ``relative://``/``file://``/absolute path is never opened on this computer;
- every problem is one ``InputFileError`` naming the ``.qdpx`` and, inside it, what.

Real files bend the standard; what is accepted is listed in ``_find_qde`` and
``_member_for`` (inner file and folder names), and the namespace is ignored (elements
are matched by local name). Positions are converted once, in ``domain.spans``, under
the reading the file's own selections support best (see ``choose_reading``).

A file written by qualcode (``origin`` starting with ``ORIGIN_PREFIX``) is read with
qualcode's conventions (``domain.refi_qda``): speaker turns, coding memos by note GUID,
positions in code points. In any other tool's file an uncoded selection is just that,
and a selection's ``<Description>`` (ATLAS.ti's quotation comment) is a coding memo.
"""

from __future__ import annotations

import json
import re
import uuid as uuid_module
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from qualcode.domain.bundle import (
    BundleAttribute,
    BundleCase,
    BundleCode,
    BundleCoder,
    BundleCoding,
    BundleLink,
    BundleMemo,
    BundleSource,
    BundleTurn,
    BundleValue,
    ProjectBundle,
    normalise_guid,
)
from qualcode.domain.codebook import child_path
from qualcode.domain.errors import InputFileError
from qualcode.domain.project_import import ProjectImportSummary
from qualcode.domain.records import CodebookEntry
from qualcode.domain.refi_qda import ORIGIN_PREFIX, coding_note_guid, parse_turn_description
from qualcode.domain.spans import POSITION_READINGS, ForeignText, PositionReading, choose_reading
from qualcode.domain.text import (
    CleanText,
    clean_text,
    content_hash,
    counted,
    numbered_name,
    one_line,
    word_count,
)
from qualcode.importers.codebook_qdc import local_name, parse_xml, read_codes
from qualcode.importers.decoding import decode_clean_text
from qualcode.importers.limits import DEFAULT_MAX_BYTES, MB, file_size, human_size
from qualcode.importers.zip_safety import check_zip_directory

MAX_QDE_BYTES = 300 * MB
"""Largest project XML read; 50,000 codings take about 25 MB."""
MAX_SOURCE_BYTES = DEFAULT_MAX_BYTES
MAX_UNPACKED_BYTES = 1024 * MB
"""Largest total the archive may declare once unpacked (texts, pictures, recordings)."""

UNATTRIBUTED_CODER = str(
    uuid_module.uuid5(uuid_module.NAMESPACE_URL, "qualcode:refi-qda:unattributed")
)
UNATTRIBUTED_NAME = "Unattributed (imported)"
"""The coder of codings and notes whose file names no creating user: one clearly named
stand-in, the same in every import, so merging the same file twice finds it again."""

_NOTE_COPY = uuid_module.UUID("9d0c5ab4-6a2e-4f0f-8c8e-0f6c3b1e8d21")
_MEDIA = {
    "PDFSource": "PDF",
    "PictureSource": "picture",
    "AudioSource": "audio",
    "VideoSource": "video",
}
# Characters clean_text takes out of raw text: a leading BOM, the "\r" of each "\r\n",
# and control characters other than tab and the line endings it turns into "\n".
_REMOVED = re.compile(r"\A\ufeff|\r(?=\n)|[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error)


def read_qdpx(path: Path) -> tuple[ProjectBundle, ProjectImportSummary]:
    """Read a ``.qdpx``; any problem raises one ``InputFileError`` naming the file."""
    path = Path(path)
    file_size(path)
    if not zipfile.is_zipfile(path):
        raise InputFileError(
            path, "is not a REFI-QDA project: not a zip archive (or a damaged one)"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            return _ProjectReader(path, _Archive(path, archive)).read()
    except InputFileError:
        raise
    except _DAMAGED as error:
        raise InputFileError(path, f"damaged archive ({error})") from None
    except NotImplementedError:
        raise InputFileError(
            path, "the archive uses a zip feature qualcode does not read"
        ) from None


class _Archive:
    """Members of the zip by name (case-insensitively), read into memory with a cap."""

    def __init__(self, path: Path, archive: zipfile.ZipFile) -> None:
        self.path = path
        self.archive = archive
        infos = archive.infolist()
        check_zip_directory(path, infos, max_unpacked=MAX_UNPACKED_BYTES)
        self.members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            if not info.is_dir():
                self.members.setdefault(_member_key(info.filename), info)

    def find(self, name: str) -> zipfile.ZipInfo | None:
        return self.members.get(_member_key(name))

    def read(self, info: zipfile.ZipInfo, limit: int) -> bytes:
        if info.file_size > limit:
            raise self.fail(
                f"{info.filename} is too large ({human_size(info.file_size)}; "
                f"the limit is {human_size(limit)})"
            )
        with self.archive.open(info) as handle:
            data = handle.read(limit + 1)  # the directory may lie about the size
        if len(data) > limit:
            raise self.fail(f"{info.filename} is larger than its zip entry says")
        return data

    def fail(self, problem: str) -> InputFileError:
        return InputFileError(self.path, problem)


def _member_key(name: str) -> str:
    return name.replace("\\", "/").lstrip("/").casefold()


def _find_qde(archive: _Archive) -> zipfile.ZipInfo:
    """``project.qde`` at the root (any capitals), else the only ``*.qde`` anywhere."""
    root = archive.find("project.qde")
    if root is not None:
        return root
    found = [info for key, info in archive.members.items() if key.endswith(".qde")]
    if len(found) == 1:
        return found[0]
    if not found:
        raise archive.fail("is not a REFI-QDA project: it holds no .qde project file")
    names = ", ".join(sorted(info.filename for info in found)[:5])
    raise archive.fail(f"holds several .qde project files ({names}); which to read is unclear")


def _children(element: Any, name: str) -> Iterator[Any]:
    return (child for child in element if local_name(child.tag) == name)


def _child(element: Any, name: str) -> Any:
    return next(_children(element, name), None)


def _text_of(element: Any, name: str) -> str | None:
    child = _child(element, name)
    return None if child is None else (child.text or "")


def _when(value: str | None, default: datetime) -> datetime:
    if not value:
        return default
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return default
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _unique(name: str, taken: set[str]) -> str:
    """A name not yet in ``taken`` (case-folded), which then holds it."""
    candidate = numbered_name(name, taken, fold=True)
    taken.add(candidate.casefold())
    return candidate


def _codings_lost(codings: int) -> str:
    """What skipping a source costs, said only when it costs something."""
    return f"; its {counted(codings, 'codings')} not imported" if codings else ""


@dataclass
class _Selection:
    """A text selection as written, before its positions are converted."""

    guid: str
    source: str
    name: str
    start: int
    end: int
    description: str | None
    codings: list[Any]
    notes: list[str]
    creating_user: str | None = None
    whole: bool = False  # a coding on the whole source, not on a selection


@dataclass
class _Source:
    uuid: str
    name: str
    text: ForeignText
    element: Any
    selections: list[_Selection] = field(default_factory=list)


class _ProjectReader:
    def __init__(self, path: Path, archive: _Archive) -> None:
        self.path = path
        self.archive = archive
        self.now = datetime.now(UTC)
        self.skipped: list[str] = []
        self.notes: list[str] = []
        self.coders: dict[str, BundleCoder] = {}
        self.coder_names: set[str] = set()
        self.codes: dict[str, BundleCode] = {}
        self.code_names: dict[str, str] = {}
        self.sources: dict[str, _Source] = {}
        self.source_names: set[str] = set()
        self.memos: list[BundleMemo] = []
        self.codings: list[BundleCoding] = []
        self.turns: list[BundleTurn] = []
        self.turn_selections: dict[str, int] = {}  # selection guid -> index in turns
        self.media: dict[str, str] = {}  # guid of a skipped source -> how it is named
        self.note_uses: dict[str, int] = {}

    def fail(self, problem: str) -> InputFileError:
        return self.archive.fail(problem)

    # -- the whole file --------------------------------------------------------------

    def read(self) -> tuple[ProjectBundle, ProjectImportSummary]:
        qde = _find_qde(self.archive)
        self.qde_name = qde.filename
        root = self._parse(qde)
        if local_name(root.tag) != "Project":
            raise self.fail(
                f"{qde.filename}: its root element is <{local_name(root.tag)}>, not <Project>"
            )
        self.origin = one_line(root.get("origin") or "")
        self.ours = self.origin.startswith(ORIGIN_PREFIX)
        self._users(root)
        self._codes(root)
        self.notes_by_guid = self._notes(root)
        self._sources(root)
        reading, evidence, checked = self._reading()
        self._selections(reading)
        texts = [source.text for source in self.sources.values()]
        described = reading.describe(
            units=any(t.has_astral for t in texts), line_endings=any(t.has_crlf for t in texts)
        )
        cases, attributes, values, links = self._cases(root)
        self._memos(root)
        sources = tuple(self._bundle_sources())  # may add a coder: before the coders
        bundle = ProjectBundle(
            label=self.path.name,
            coders=tuple(self.coders.values()),
            codes=tuple(self.codes.values()),
            cases=cases,
            attributes=attributes,
            values=values,
            sources=sources,
            turns=tuple(self.turns),
            links=links,
            codings=tuple(self.codings),
            memos=tuple(self.memos),
        )
        self._leftovers(root)
        summary = ProjectImportSummary(
            file=self.path.name,
            project_name=one_line(root.get("name") or "").strip() or self.path.stem,
            origin=self.origin,
            counts=(
                ("coders", len(bundle.coders)),
                ("codes", len(bundle.codes)),
                ("sources", len(bundle.sources)),
                ("codings", len(bundle.codings)),
                ("memos", len(bundle.memos)),
                ("participants", len(bundle.cases)),
                ("attributes", len(bundle.attributes)),
                ("speaker turns", len(bundle.turns)),
            ),
            reading=described,
            reading_evidence=evidence,
            selections_checked=checked,
            skipped=tuple(self.skipped),
            notes=tuple(self.notes),
        )
        return bundle, summary

    def _parse(self, info: zipfile.ZipInfo) -> Any:
        data = self.archive.read(info, MAX_QDE_BYTES)
        try:
            return parse_xml(data, self.path)
        except InputFileError as error:
            raise self.fail(f"{info.filename} {error.reason}") from None

    def _guid(self, element: Any, what: str, attribute: str = "guid") -> str:
        value = element.get(attribute)
        if value is None:
            raise self.fail(f"{self.qde_name}: a {what} has no {attribute}")
        guid = normalise_guid(value)
        try:
            uuid_module.UUID(guid)
        except ValueError:
            raise self.fail(
                f"{self.qde_name}: {what} {attribute} {value!r} is not a GUID"
            ) from None
        return guid

    # -- users and codes -------------------------------------------------------------

    def _users(self, root: Any) -> None:
        users = _child(root, "Users")
        for user in () if users is None else _children(users, "User"):
            guid = self._guid(user, "user")
            if guid in self.coders:
                continue
            self._add_coder(guid, one_line(user.get("name") or "").strip() or f"User {guid[:8]}")

    def _add_coder(self, guid: str, name: str) -> str:
        unique = _unique(name, self.coder_names)
        if unique != name:
            self.notes.append(f"two users are called {name!r}; the second is {unique!r}")
        self.coders[guid] = BundleCoder(uuid=guid, name=unique, created_at=self.now)
        return guid

    def _coder(self, value: str | None) -> str:
        """The coder for a ``creatingUser``: a user of the file, one it does not list
        (added under its GUID), or the unattributed stand-in when none is named."""
        if not value or not value.strip():
            if UNATTRIBUTED_CODER not in self.coders:
                self._add_coder(UNATTRIBUTED_CODER, UNATTRIBUTED_NAME)
            return UNATTRIBUTED_CODER
        guid = normalise_guid(value)
        if guid not in self.coders:
            try:
                uuid_module.UUID(guid)
            except ValueError:
                return self._coder(None)
            self._add_coder(guid, f"User {guid[:8]}")
            self.notes.append(f"user {guid} is not listed in the file; added as 'User {guid[:8]}'")
        return guid

    def _codes(self, root: Any) -> None:
        book = _child(root, "CodeBook")
        codes = None if book is None else _child(book, "Codes")
        if codes is None:
            return
        try:
            tree = read_codes(codes, self.path, renamed=self.notes)
        except InputFileError as error:
            raise self.fail(f"{self.qde_name}: {error.reason}") from None
        self._flatten(tree, None, "")

    def _flatten(self, entries: tuple[CodebookEntry, ...], parent: str | None, path: str) -> None:
        for position, entry in enumerate(entries):
            assert entry.uuid is not None  # the parser requires a guid
            self.codes[entry.uuid] = BundleCode(
                uuid=entry.uuid,
                name=entry.name,
                parent=parent,
                position=position,
                created_at=self.now,
                definition=entry.definition,
                include=entry.include,
                exclude=entry.exclude,
                example=entry.example,
                keywords=json.dumps(list(entry.keywords), ensure_ascii=False),
                colour=entry.colour,
            )
            full = child_path(path, entry.name)
            self.code_names[entry.uuid] = full
            self._flatten(entry.children, entry.uuid, full)

    # -- notes -----------------------------------------------------------------------

    def _notes(self, root: Any) -> dict[str, Any]:
        notes = _child(root, "Notes")
        return {
            self._guid(note, "note"): note
            for note in (() if notes is None else _children(notes, "Note"))
        }

    def _note_text(self, note: Any) -> str:
        content = _text_of(note, "PlainTextContent")
        if content is None and note.get("plainTextPath"):
            loaded = self._load_text(note.get("plainTextPath"), f"note {note.get('name')!r}")
            content = loaded[0] if loaded is not None else None
        content = clean_text(content or "").text
        if self.ours:
            return content
        parts = []
        name = one_line(note.get("name") or "").strip()
        if name and not content.startswith(name):
            parts.append(name)
        description = clean_text(_text_of(note, "Description") or "").text.strip()
        if description:
            parts.append(description)
        if content.strip():
            parts.append(content)
        return "\n\n".join(parts)

    def _memo(self, guid: str, target: str, target_uuid: str | None, prefix: str = "") -> None:
        note = self.notes_by_guid.get(guid)
        if note is None:
            self.notes.append(f"a reference to note {guid}, which the file does not hold, ignored")
            return
        uses = self.note_uses.get(guid, 0)
        self.note_uses[guid] = uses + 1
        # A note referred to from two places becomes two memos; the second needs its own UUID.
        memo_uuid = guid if uses == 0 else str(uuid_module.uuid5(_NOTE_COPY, f"{guid}:{uses}"))
        self.memos.append(
            BundleMemo(
                uuid=memo_uuid,
                target=target,
                target_uuid=target_uuid,
                coder=self._coder(note.get("creatingUser")),
                text=prefix + self._note_text(note),
                created_at=_when(note.get("creationDateTime"), self.now),
                updated_at=_when(
                    note.get("modifiedDateTime") or note.get("creationDateTime"), self.now
                ),
            )
        )

    # -- sources ---------------------------------------------------------------------

    def _sources(self, root: Any) -> None:
        sources = _child(root, "Sources")
        for element in () if sources is None else sources:
            kind = local_name(element.tag)
            if kind == "TextSource":
                self._text_source(element)
            elif kind in _MEDIA or kind.endswith("Source"):
                self._media_source(element, _MEDIA.get(kind, kind))

    def _media_source(self, element: Any, kind: str) -> None:
        guid = self._guid(element, f"{kind} source")
        name = one_line(element.get("name") or guid)
        self.media[guid] = f"{kind} source {name!r}"
        codings = sum(1 for e in element.iter() if local_name(e.tag) == "Coding")
        notes = sum(1 for e in element.iter() if local_name(e.tag) == "NoteRef")
        what = f"{kind} source {name!r}: qualcode reads text sources only"
        kept = f" (its {counted(notes, 'notes')} kept as project memos)" if notes else ""
        self.skipped.append(f"{what}{_codings_lost(codings)}{kept}")

    def _text_source(self, element: Any) -> None:
        guid = self._guid(element, "text source")
        raw_name = one_line(element.get("name") or "").strip() or f"source {guid[:8]}"
        if guid in self.sources:
            raise self.fail(f"{self.qde_name}: two sources have guid {guid}")
        content = _text_of(element, "PlainTextContent")
        if content is not None:
            raw = content
            cleaned = clean_text(raw)
        else:
            where = element.get("plainTextPath") or ""
            loaded = self._load_text(where, f"source {raw_name!r}") if where else None
            if loaded is None:
                self._textless(element, guid, raw_name, where)
                return
            raw, cleaned = loaded
        if not cleaned.text.strip():
            self.skipped.append(f"text source {raw_name!r}: its text is empty")
            self.media[guid] = f"empty source {raw_name!r}"
            return
        name = _unique(raw_name, self.source_names)
        if name != raw_name:
            self.notes.append(f"another source is called {raw_name!r}: this one is {name!r}")
        removed = [m.start() for m in _REMOVED.finditer(raw)]
        source = _Source(guid, name, ForeignText(raw, cleaned.text, removed), element)
        self.sources[guid] = source
        for selection in _children(element, "PlainTextSelection"):
            source.selections.append(self._selection(selection, guid))
        whole = list(_children(element, "Coding"))
        if whole:
            source.selections.append(
                _Selection(guid, guid, raw_name, 0, 0, None, whole, [], whole=True)
            )

    def _textless(self, element: Any, guid: str, name: str, where: str) -> None:
        """A text source whose text the file does not carry (ATLAS.ti's sample project
        ships an empty ``Sources/``; a path may point outside the archive): its codes
        are in the codebook, its codings cannot be placed, and the summary says so."""
        codings = sum(1 for e in element.iter() if local_name(e.tag) == "Coding")
        held = f"its text ({where}) is not in the file" if where else "it has no text"
        self.media[guid] = f"text source {name!r} without its text"
        self.skipped.append(f"text source {name!r}: {held}{_codings_lost(codings)}")

    def _selection(self, element: Any, source: str) -> _Selection:
        guid = self._guid(element, "selection")
        try:
            start = int(element.get("startPosition", ""))
            end = int(element.get("endPosition", ""))
        except ValueError:
            start, end = -1, -1  # reported when converted
        return _Selection(
            guid=guid,
            source=source,
            name=one_line(element.get("name") or ""),
            start=start,
            end=end,
            description=_text_of(element, "Description"),
            codings=list(_children(element, "Coding")),
            notes=[
                self._guid(ref, "note reference", "targetGUID")
                for ref in _children(element, "NoteRef")
            ],
            creating_user=element.get("creatingUser"),
        )

    def _load_text(self, where: str, what: str) -> tuple[str, CleanText] | None:
        """The raw text (BOM removed, line endings as written) and its stored form, or
        None when the archive does not hold it."""
        info = self._member_for(where, what)
        if info is None:
            return None
        data = self.archive.read(info, MAX_SOURCE_BYTES)
        label = f"{info.filename} (the text of {what})"
        if b"\x00" in data:
            raise self.fail(f"{label}: binary file, not text")
        try:
            raw = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise self.fail(f"{label}: not UTF-8 text, as REFI-QDA requires") from None
        try:
            cleaned = decode_clean_text(self.path, data)
        except InputFileError as error:
            if not data.strip():
                return raw, CleanText("", 0)
            raise self.fail(f"{label}: {error.reason}") from None
        return raw, cleaned

    def _member_for(self, where: str, what: str) -> zipfile.ZipInfo | None:
        """The archive member a ``plainTextPath`` names: ``internal://NAME`` (the
        standard's way, in ``sources/`` or ``Sources/``), or a bare relative name.
        Anything pointing outside the archive is not read: None, as for a text the
        archive does not hold (tools export projects without their sources), so the
        caller skips that source and says so."""
        reference = where.strip()
        inside = reference[len("internal://") :] if reference.startswith("internal://") else None
        if inside is None and re.match(
            r"^[a-zA-Z][a-zA-Z0-9+.-]*://|^/|^[a-zA-Z]:[\\/]", reference
        ):
            return None
        name = (inside if inside is not None else reference).replace("\\", "/").lstrip("/")
        if ".." in PurePosixPath(name).parts:
            raise self.fail(f"{self.qde_name}: the text of {what} has an unsafe path ({reference})")
        for candidate in (f"sources/{name}", name):
            info = self.archive.find(candidate)
            if info is not None:
                return info
        return None

    # -- positions -------------------------------------------------------------------

    def _reading(self) -> tuple[PositionReading, str, int]:
        pending = [
            (source.text, s.start, s.end)
            for source in self.sources.values()
            for s in source.selections
            if not s.whole
        ]
        if self.ours:
            # qualcode writes code points, and "\n" line endings only.
            return POSITION_READINGS[0], "because qualcode wrote the file", len(pending)
        reading, checked = choose_reading(pending)
        if not checked:
            return reading, "as the standard reads, with no selection to judge by", 0
        evidence = "as the reading that puts the most selection boundaries between words"
        return reading, evidence, checked

    def _selections(self, reading: PositionReading) -> None:
        seen: set[str] = set()
        for source in self.sources.values():
            for selection in source.selections:
                if selection.whole:
                    span: tuple[int, int] | None = (0, len(source.text.stored))
                else:
                    span = source.text.span(reading, selection.start, selection.end)
                if span is None:
                    self._misplaced(source, selection)
                    continue
                if self.ours and not selection.codings and self._turn(selection, span):
                    continue
                self._codings(source, selection, span, seen)

    def _misplaced(self, source: _Source, selection: _Selection) -> None:
        length = len(source.text.stored)
        problem = (
            f"runs past the end of the text ({length:,} characters)"
            if selection.start >= 0 and selection.end > selection.start
            else "has no valid start and end"
        )
        self.skipped.append(
            f"selection {selection.guid} in source {source.name!r} at "
            f"{selection.start}-{selection.end} {problem}; its "
            f"{counted(len(selection.codings), 'codings')} not imported"
        )

    def _turn(self, selection: _Selection, span: tuple[int, int]) -> bool:
        times = parse_turn_description(selection.description)
        if times is None:
            return False
        turn = BundleTurn(
            source=selection.source,
            case=None,
            speaker=selection.name or None,
            start=span[0],
            end=span[1],
            start_time=times[0],
            end_time=times[1],
        )
        self.turn_selections[selection.guid] = len(self.turns)
        self.turns.append(turn)
        return True

    def _codings(
        self, source: _Source, selection: _Selection, span: tuple[int, int], seen: set[str]
    ) -> None:
        by_note = {coding_note_guid(self._guid(c, "coding")): c for c in selection.codings}
        memos: dict[str, list[str]] = {}
        shared: list[str] = []
        for note in selection.notes:
            if note not in self.notes_by_guid:
                continue
            text = self._note_text(self.notes_by_guid[note])
            owner = by_note.get(note) if self.ours else None
            if owner is not None:
                memos.setdefault(self._guid(owner, "coding"), []).append(text)
            else:
                shared.append(text)
            self.note_uses[note] = self.note_uses.get(note, 0) + 1
        if selection.description and not self.ours and selection.description.strip():
            shared.append(clean_text(selection.description).text.strip())
        if not selection.codings:
            if shared:
                excerpt = source.text.stored[span[0] : span[1]]
                quote = excerpt if len(excerpt) <= 80 else excerpt[:79] + "…"
                self.memos.append(
                    BundleMemo(
                        uuid=selection.guid,
                        target="source",
                        target_uuid=source.uuid,
                        coder=self._coder(selection.creating_user),
                        text=f"On the passage at {span[0]}-{span[1]} ({quote!r}):\n\n"
                        + "\n\n".join(shared),
                        created_at=self.now,
                        updated_at=self.now,
                    )
                )
                self.notes.append(
                    f"an uncoded selection in source {source.name!r} carries a memo: kept "
                    "as a memo on the source"
                )
            return
        for coding in selection.codings:
            guid = self._guid(coding, "coding")
            ref = _child(coding, "CodeRef")
            code = None if ref is None else normalise_guid(ref.get("targetGUID") or "")
            if guid in seen:
                self.skipped.append(f"coding {guid}: its guid appears twice; the second skipped")
                continue
            if code not in self.codes:
                self.skipped.append(
                    f"coding {guid} in source {source.name!r}: its code ({code}) is not in "
                    "the codebook"
                )
                continue
            seen.add(guid)
            self.codings.append(
                BundleCoding(
                    uuid=guid,
                    source=source.uuid,
                    code=code,
                    coder=self._coder(coding.get("creatingUser")),
                    start=span[0],
                    end=span[1],
                    memo="\n\n".join([*memos.get(guid, []), *shared]),
                    origin="manual" if self.ours else "imported",
                    created_at=_when(coding.get("creationDateTime"), self.now),
                )
            )

    def _bundle_sources(self) -> Iterator[BundleSource]:
        for source in self.sources.values():
            text = source.text.stored
            element = source.element
            by = element.get("creatingUser")
            yield BundleSource(
                uuid=source.uuid,
                name=source.name,
                text=text,
                content_hash=content_hash(text),
                original_filename=one_line(element.get("name") or source.name),
                format="txt",
                characters=len(text),
                words=word_count(text),
                imported_at=_when(element.get("creationDateTime"), self.now),
                imported_by=self._coder(by) if by else None,
            )

    # -- cases, memos, what is left --------------------------------------------------

    def _cases(self, root: Any) -> tuple[tuple[Any, ...], ...]:
        variables: dict[str, BundleAttribute] = {}
        container = _child(root, "Variables")
        for variable in () if container is None else _children(container, "Variable"):
            name = one_line(variable.get("name") or "").strip()
            if name:
                kind = (variable.get("typeOfVariable") or "Text").strip()
                variables[self._guid(variable, "variable")] = BundleAttribute(
                    name=name,
                    type={"Integer": "number", "Float": "number", "Date": "date"}.get(kind, "text"),
                )
        cases: list[BundleCase] = []
        values: list[BundleValue] = []
        links: list[BundleLink] = []
        used: dict[str, BundleAttribute] = {}
        names: set[str] = set()
        container = _child(root, "Cases")
        for element in () if container is None else _children(container, "Case"):
            guid = self._guid(element, "case")
            raw = one_line(element.get("name") or "").strip() or f"case {guid[:8]}"
            cases.append(BundleCase(uuid=guid, name=_unique(raw, names), created_at=self.now))
            for value in _children(element, "VariableValue"):
                ref = _child(value, "VariableRef")
                attribute = variables.get(
                    normalise_guid((ref.get("targetGUID") or "") if ref is not None else "")
                )
                text = next(
                    (c.text or "" for c in value if local_name(c.tag).endswith("Value")), ""
                )
                if attribute is not None and text.strip():
                    used[attribute.name] = attribute
                    values.append(
                        BundleValue(case=guid, attribute=attribute.name, value=text.strip())
                    )
            for ref in _children(element, "SourceRef"):
                source = normalise_guid(ref.get("targetGUID") or "")
                if source in self.sources:
                    links.append(BundleLink(source=source, case=guid))
            for ref in _children(element, "SelectionRef"):
                index = self.turn_selections.get(normalise_guid(ref.get("targetGUID") or ""))
                if index is not None:
                    self.turns[index] = BundleTurn(**{**self.turns[index].as_dict(), "case": guid})
        return tuple(cases), tuple(used.values()), tuple(values), tuple(dict.fromkeys(links))

    def _memos(self, root: Any) -> None:
        for ref in _children(root, "NoteRef"):
            self._memo(self._guid(ref, "note reference", "targetGUID"), "project", None)
        for source in self.sources.values():
            for ref in _children(source.element, "NoteRef"):
                self._memo(self._guid(ref, "note reference", "targetGUID"), "source", source.uuid)
        book = _child(root, "CodeBook")
        for code in () if book is None else book.iter():
            if local_name(code.tag) != "Code":
                continue
            for ref in _children(code, "NoteRef"):
                self._memo(
                    self._guid(ref, "note reference", "targetGUID"),
                    "code",
                    normalise_guid(code.get("guid") or ""),
                )
        for guid in self.notes_by_guid:
            if guid not in self.note_uses:
                # A free-standing memo (ATLAS.ti's, or one on something not imported):
                # kept on the project rather than lost.
                self._memo(guid, "project", None)

    def _leftovers(self, root: Any) -> None:
        for kind, what in (("Sets", "Set"), ("Links", "Link"), ("Graphs", "Graph")):
            container = _child(root, kind)
            n = 0 if container is None else sum(1 for _ in _children(container, what))
            if n:
                plural = kind.lower()
                self.skipped.append(f"{counted(n, plural)}: qualcode has no place for {plural} yet")
