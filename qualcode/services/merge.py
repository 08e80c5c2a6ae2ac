"""Bringing projects together: peer researchers code on their own laptops, then merge.

Everything is matched by UUID (identifiers by their case-folded key, attributes by
name), never by a code's or coder's name, so a renamed code keeps its codings and two
codes that merely share a name are never fused behind anyone's back. What cannot be
matched safely becomes a ``MergeConflict``; while any is unresolved nothing is written.

The incoming files are read from private temporary copies (upgraded there if older),
so merging never changes them. The target is changed in one transaction, after a
backup taken while that transaction holds the write lock.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import tempfile
import uuid as uuid_module
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qualcode.domain.bundle import ProjectBundle

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from qualcode.domain.codebook import join_path
from qualcode.domain.errors import ConflictError, QualcodeError, ValidationError
from qualcode.domain.merge import (
    KEEP_BOTH,
    KEEP_TARGET,
    MERGE_KINDS,
    SAME_CODER,
    SKIP,
    TAKE_INCOMING,
    MergeConflict,
    MergeCount,
    MergeReport,
)
from qualcode.services.project import Project
from qualcode.store.migrate import SQLITE_HEADER, NotAProjectError, backup_file
from qualcode.store.models import (
    Attribute,
    AuditEntry,
    Case,
    CaseAttributeValue,
    Code,
    Coder,
    Coding,
    Identifier,
    Memo,
    ProjectSetting,
    RemovedCoding,
    ReviewEntry,
    ReviewThread,
    Source,
    SourceCase,
    SpeakerTurn,
    SuggestionDecision,
    new_uuid,
)

Row = dict[str, Any]
# The copy of a source kept under "keep-both" gets a UUID derived from the original's
# UUID and text, so merging the same file again finds it instead of adding another.
_COPY_NAMESPACE = uuid_module.UUID("6f1d0c1e-8f5b-4c43-9a57-0b0d6c7c2a11")
_CODE_FIELDS = ("definition", "include", "exclude", "example", "keywords", "colour")


@dataclass
class Incoming:
    """One project's (or one coder's) rows, with references given as UUIDs.

    A source whose ``text`` is None travels by UUID and content hash only: the target
    must already hold it.
    """

    label: str
    coders: list[Row] = field(default_factory=list)
    codes: list[Row] = field(default_factory=list)
    cases: list[Row] = field(default_factory=list)
    attributes: list[Row] = field(default_factory=list)
    values: list[Row] = field(default_factory=list)
    sources: list[Row] = field(default_factory=list)
    turns: list[Row] = field(default_factory=list)
    links: list[Row] = field(default_factory=list)
    codings: list[Row] = field(default_factory=list)
    memos: list[Row] = field(default_factory=list)
    decisions: list[Row] = field(default_factory=list)
    identifiers: list[Row] = field(default_factory=list)
    settings: list[Row] = field(default_factory=list)
    threads: list[Row] = field(default_factory=list)  # review threads
    entries: list[Row] = field(default_factory=list)  # their entries
    removed: list[Row] = field(default_factory=list)  # codings removed there, by UUID


# -- reading a project -----------------------------------------------------------------


def _rows(session: Session, model: type, *columns: str) -> list[Row]:
    table_columns = [getattr(model, name) for name in columns]
    return [dict(row._mapping) for row in session.execute(select(*table_columns))]


def _rows_by_uuid(
    session: Session, model: type, columns: Sequence[str], **refs: Mapping[int, str]
) -> list[Row]:
    """Rows of ``model`` with each reference column ``<name>_id`` given instead as
    ``<name>``: the UUID its id stands for in ``refs[name]`` (no reference stays None)."""
    rows = _rows(session, model, *columns, *(f"{name}_id" for name in refs))
    for row in rows:
        for name, uuids in refs.items():
            key = row.pop(f"{name}_id")
            row[name] = uuids[key] if key is not None else None
    return rows


def load_incoming(session: Session, label: str) -> Incoming:
    """Every row of an open project, its integer keys replaced by UUIDs."""
    coder = {i: u for i, u in session.execute(select(Coder.id, Coder.uuid))}
    code = {i: u for i, u in session.execute(select(Code.id, Code.uuid))}
    source = {i: u for i, u in session.execute(select(Source.id, Source.uuid))}
    case = {i: u for i, u in session.execute(select(Case.id, Case.uuid))}
    attribute = {i: n for i, n in session.execute(select(Attribute.id, Attribute.name))}
    thread = {i: u for i, u in session.execute(select(ReviewThread.id, ReviewThread.uuid))}
    incoming = Incoming(label)
    incoming.coders = _rows(session, Coder, "uuid", "name", "created_at")
    incoming.codes = _rows_by_uuid(
        session, Code, ("uuid", "name", "position", "created_at", *_CODE_FIELDS), parent=code
    )
    incoming.cases = _rows(session, Case, "uuid", "name", "created_at")
    incoming.attributes = _rows(session, Attribute, "name", "type")
    incoming.values = [
        {"case": case[c], "attribute": attribute[a], "value": v}
        for c, a, v in session.execute(
            select(
                CaseAttributeValue.case_id,
                CaseAttributeValue.attribute_id,
                CaseAttributeValue.value,
            )
        )
    ]
    for row in _rows(
        session,
        Source,
        "uuid",
        "name",
        "text",
        "content_hash",
        "original_filename",
        "format",
        "characters",
        "words",
        "imported_at",
        "imported_by_id",
    ):
        by = row.pop("imported_by_id")
        row["imported_by"] = coder.get(by) if by is not None else None
        incoming.sources.append(row)
    incoming.turns = _rows_by_uuid(
        session,
        SpeakerTurn,
        ("speaker", "start", "end", "start_time", "end_time"),
        source=source,
        case=case,
    )
    incoming.links = [
        {"source": source[s], "case": case[c]}
        for s, c in session.execute(select(SourceCase.source_id, SourceCase.case_id))
    ]
    incoming.codings = _rows_by_uuid(
        session,
        Coding,
        ("uuid", "start", "end", "memo", "origin", "created_at"),
        source=source,
        code=code,
        coder=coder,
    )
    for row in _rows(
        session, Memo, "uuid", "target", "target_id", "coder_id", "text", "created_at", "updated_at"
    ):
        target_id = row.pop("target_id")
        lookup = {"source": source, "code": code}.get(row["target"], {})
        row["target_uuid"] = lookup.get(target_id) if target_id is not None else None
        row["coder"] = coder[row.pop("coder_id")]
        incoming.memos.append(row)
    incoming.decisions = _rows_by_uuid(
        session,
        SuggestionDecision,
        ("uuid", "start", "end", "decision", "score", "created_at"),
        source=source,
        code=code,
        coder=coder,
    )
    incoming.identifiers = _rows(
        session, Identifier, "uuid", "original", "key", "replacement", "kind", "note", "created_at"
    )
    incoming.settings = _rows(session, ProjectSetting, "key", "value")
    incoming.threads = _rows_by_uuid(
        session,
        ReviewThread,
        ("uuid", "start", "end", "coding_uuid", "created_at"),
        source=source,
        code=code,
    )
    incoming.entries = _rows_by_uuid(
        session,
        ReviewEntry,
        ("uuid", "kind", "text", "status", "created_at"),
        thread=thread,
        coder=coder,
    )
    incoming.removed = _rows(session, RemovedCoding, "uuid", "coder_uuid", "removed_at")
    return incoming


def read_project(path: Path) -> Incoming:
    """The rows of the project at ``path``, read from a private temporary copy.

    The copy is made with SQLite's backup API over a read-only connection, so the
    original is never written to, not even upgraded.
    """
    path = Path(path)
    if not path.is_file():
        raise QualcodeError(f"{path}: no such project file")
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise NotAProjectError(f"{path}: not a qualcode project (not an SQLite file)")
    with tempfile.TemporaryDirectory(prefix="qualcode-merge-") as folder:
        copy = Path(folder) / "incoming.qcp"
        try:
            original = sqlite3.connect(f"{path.resolve().as_uri()}?{_read_only(path)}", uri=True)
            try:
                destination = sqlite3.connect(copy)
                try:
                    original.backup(destination)
                finally:
                    destination.close()
            finally:
                original.close()
        except sqlite3.DatabaseError as error:
            raise NotAProjectError(f"{path}: not a qualcode project ({error})") from None
        with Project.open(copy) as project, project.read_session() as session:
            return load_incoming(session, str(path))


def _read_only(path: Path) -> str:
    """URI options that read ``path`` without leaving anything beside it.

    A read-only connection to a WAL project creates -wal and -shm files and, unable to
    checkpoint, leaves them behind. With no -wal present the file holds every committed
    row, so it is opened ``immutable`` (no locks, no companion files). With a -wal
    present (the project is open in someone's app, or it crashed) the newest rows are
    in it, so it is read the ordinary read-only way; those files already exist.
    """
    wal = path.with_name(path.name + "-wal")
    return "mode=ro" if wal.exists() else "mode=ro&immutable=1"


# -- the target's state ----------------------------------------------------------------


@dataclass
class _TargetCode:
    id: int
    parent: str | None
    name: str


class _Target:
    """What the target already holds, kept current as rows are added (set lookups)."""

    def __init__(self, session: Session) -> None:
        self.coders: dict[str, int] = {}
        self.coder_names: dict[str, str] = {}  # uuid -> name
        self.coder_by_name: dict[str, str] = {}  # name -> uuid
        for i, u, n in session.execute(select(Coder.id, Coder.uuid, Coder.name)):
            self.coders[u] = i
            self.coder_names[u] = n
            self.coder_by_name[n] = u
        id_to_uuid = {i: u for i, u in session.execute(select(Code.id, Code.uuid))}
        self.codes: dict[str, _TargetCode] = {}
        for i, u, p, n in session.execute(select(Code.id, Code.uuid, Code.parent_id, Code.name)):
            self.codes[u] = _TargetCode(i, id_to_uuid[p] if p is not None else None, n)
        # What a code says (definition, colour...), to tell when another file differs.
        self.code_fields: dict[str, tuple[Any, ...]] = {
            row[0]: tuple(row[1:])
            for row in session.execute(select(Code.uuid, *(getattr(Code, f) for f in _CODE_FIELDS)))
        }
        self.children: dict[tuple[str | None, str], str] = {
            (c.parent, c.name.casefold()): u for u, c in self.codes.items()
        }
        self.sources: dict[str, tuple[int, str]] = {
            u: (i, h)
            for i, u, h in session.execute(select(Source.id, Source.uuid, Source.content_hash))
        }
        self.source_names = set(session.scalars(select(Source.name)))
        self.cases = {u: i for i, u in session.execute(select(Case.id, Case.uuid))}
        self.case_names = set(session.scalars(select(Case.name)))
        self.attributes = {n: i for i, n in session.execute(select(Attribute.id, Attribute.name))}
        self.values = {
            (c, a): v
            for c, a, v in session.execute(
                select(
                    CaseAttributeValue.case_id,
                    CaseAttributeValue.attribute_id,
                    CaseAttributeValue.value,
                )
            )
        }
        self.links = set(session.execute(select(SourceCase.source_id, SourceCase.case_id)))
        self.links = {(s, c) for s, c in self.links}
        self.codings = set(session.scalars(select(Coding.uuid)))
        self.removed = set(session.scalars(select(RemovedCoding.uuid)))
        self.memos = set(session.scalars(select(Memo.uuid)))
        self.decisions = set(session.scalars(select(SuggestionDecision.uuid)))
        self.identifiers = {
            k: r for k, r in session.execute(select(Identifier.key, Identifier.replacement))
        }
        self.identifier_uuids = set(session.scalars(select(Identifier.uuid)))
        self.settings = set(session.scalars(select(ProjectSetting.key)))
        self.threads: dict[str, int] = {}
        self.thread_anchors: dict[tuple[int, str, int, int, str | None], int] = {}
        code_uuid = {c.id: u for u, c in self.codes.items()}
        for row in session.execute(
            select(
                ReviewThread.id,
                ReviewThread.uuid,
                ReviewThread.source_id,
                ReviewThread.code_id,
                ReviewThread.start,
                ReviewThread.end,
                ReviewThread.coding_uuid,
            )
        ):
            self.threads[row.uuid] = row.id
            key = (row.source_id, code_uuid[row.code_id], row.start, row.end, row.coding_uuid)
            self.thread_anchors.setdefault(key, row.id)
        self.entries = set(session.scalars(select(ReviewEntry.uuid)))

    def code_path(self, uuid: str | None) -> str:
        names: list[str] = []
        seen: set[str] = set()
        while uuid is not None and uuid in self.codes and uuid not in seen:
            seen.add(uuid)
            names.append(self.codes[uuid].name)
            uuid = self.codes[uuid].parent
        return join_path(reversed(names)) if names else "(top level)"


def _unique(name: str, taken: set[str] | Mapping[str, Any], fold: bool = False) -> str:
    def used(candidate: str) -> bool:
        key = candidate.casefold() if fold else candidate
        return key in taken

    number = 2
    candidate = name
    while used(candidate):
        candidate = f"{name} ({number})"
        number += 1
    return candidate


# -- applying one incoming set of rows ---------------------------------------------------


class _Merger:
    """Applies incoming rows to the target session, counting and collecting conflicts."""

    def __init__(self, session: Session, resolutions: Mapping[str, str]) -> None:
        self.session = session
        self.resolutions = dict(resolutions)
        self.target = _Target(session)
        self.counts: dict[str, dict[str, int]] = {k: defaultdict(int) for k in MERGE_KINDS}
        self.conflicts: dict[tuple[str, str], MergeConflict] = {}
        self.notes: list[str] = []

    # ---- bookkeeping

    def _count(self, kind: str, what: str, n: int = 1) -> None:
        self.counts[kind][what] += n

    def _decide(
        self, kind: str, uuid: str, description: str, choices: tuple[str, ...]
    ) -> str | None:
        """The researcher's resolution for this conflict, or None (and remember it)."""
        self._count(_KIND_OF_CONFLICT[kind], "conflicts")
        choice = self.resolutions.get(uuid)
        if choice is None:
            self.conflicts.setdefault((kind, uuid), MergeConflict(kind, uuid, description, choices))
            return None
        if choice not in choices:
            raise ValidationError(
                f"--resolve {uuid}={choice}: choose one of {', '.join(choices)} ({description})"
            )
        return choice

    def report(
        self, target: Path, labels: Sequence[str], backup: Path | None, dry_run: bool
    ) -> MergeReport:
        counts = tuple(
            MergeCount(
                kind,
                added=c["added"],
                existing=c["existing"],
                renamed=c["renamed"],
                conflicts=c["conflicts"],
                skipped=c["skipped"],
                removed=c["removed"],
            )
            for kind, c in self.counts.items()
        )
        written = not self.conflicts and not dry_run
        return MergeReport(
            target=str(target),
            sources=tuple(labels),
            counts=counts,
            conflicts=tuple(self.conflicts.values()),
            notes=tuple(self.notes),
            backup=str(backup) if backup and written else None,
            dry_run=dry_run,
            written=written,
        )

    def _insert_one(self, model: type, row: Row) -> int:
        result = self.session.execute(insert(model).values(**row))
        return int(result.inserted_primary_key[0])

    # ---- the whole of one incoming project

    def apply(self, incoming: Incoming) -> None:
        coder_map = self._coders(incoming)
        code_map = self._codes(incoming)
        case_map = self._cases(incoming)
        source_map = self._sources(incoming, coder_map, case_map)
        self._links(incoming, source_map, case_map)
        self._codings(incoming, source_map, code_map, coder_map)
        self._memos(incoming, source_map, code_map, coder_map)
        self._decisions(incoming, source_map, code_map, coder_map)
        self._review(incoming, source_map, code_map, coder_map)
        self._identifiers(incoming)
        self._settings(incoming)

    def _coders(self, incoming: Incoming) -> dict[str, int]:
        t = self.target
        mapping: dict[str, int] = {}
        for row in incoming.coders:
            uuid, name = row["uuid"], row["name"]
            if uuid in t.coders:
                mapping[uuid] = t.coders[uuid]
                here = t.coder_names[uuid]
                if here == name:
                    self._count("coders", "existing")
                    continue
                self._count("coders", "renamed")
                if self.resolutions.get(uuid) == TAKE_INCOMING:
                    if name in t.coder_by_name:
                        raise ConflictError(f"cannot rename coder '{here}': '{name}' is taken")
                    self.session.execute(update(Coder).where(Coder.uuid == uuid).values(name=name))
                    del t.coder_by_name[here]
                    t.coder_by_name[name] = uuid
                    t.coder_names[uuid] = name
                continue
            other = t.coder_by_name.get(name)
            if other is not None:
                choice = self._decide(
                    "coder-name",
                    uuid,
                    f"coder '{name}' in {incoming.label} is a different person (another UUID) "
                    f"from '{name}' here",
                    (KEEP_BOTH, SAME_CODER),
                )
                if choice != KEEP_BOTH:  # same-coder, or unresolved (nothing is written)
                    mapping[uuid] = t.coders[other]
                    continue
                name = _unique(name, t.coder_by_name)
            mapping[uuid] = self._insert_one(
                Coder, {"uuid": uuid, "name": name, "created_at": row["created_at"]}
            )
            t.coders[uuid] = mapping[uuid]
            t.coder_names[uuid] = name
            t.coder_by_name[name] = uuid
            self._count("coders", "added")
        return mapping

    def _codes(self, incoming: Incoming) -> dict[str, str]:
        """incoming code UUID -> the target code UUID its codings go to."""
        t = self.target
        mapping: dict[str, str] = {}
        for row in _parents_first(incoming.codes):
            uuid = row["uuid"]
            parent = mapping.get(row["parent"]) if row["parent"] else None
            if uuid in t.codes:
                mapping[uuid] = uuid
                self._existing_code(incoming, row, parent)
                continue
            clash = t.children.get((parent, row["name"].casefold()))
            name = row["name"]
            if clash is not None:
                choice = self._decide(
                    "code-name",
                    uuid,
                    f"code '{join_path([t.code_path(parent), name]) if parent else name}' in "
                    f"{incoming.label} is a different code (another UUID) from the one of "
                    f"that path here; keep-target puts its codings on this project's code",
                    (KEEP_TARGET, KEEP_BOTH),
                )
                if choice != KEEP_BOTH:
                    mapping[uuid] = clash
                    continue
                taken = {n for (p, n) in t.children if p == parent}
                name = _unique(name, taken, fold=True)
            values = {f: row[f] for f in _CODE_FIELDS}
            code_id = self._insert_one(
                Code,
                {
                    "uuid": uuid,
                    "parent_id": t.codes[parent].id if parent else None,
                    "name": name,
                    "position": row["position"],
                    "created_at": row["created_at"],
                    **values,
                },
            )
            t.codes[uuid] = _TargetCode(code_id, parent, name)
            t.code_fields[uuid] = tuple(values[f] for f in _CODE_FIELDS)
            t.children[(parent, name.casefold())] = uuid
            mapping[uuid] = uuid
            self._count("codes", "added")
        return mapping

    def _existing_code(self, incoming: Incoming, row: Row, parent: str | None) -> None:
        t = self.target
        uuid = row["uuid"]
        here = t.codes[uuid]
        take = self.resolutions.get(uuid) == TAKE_INCOMING
        if here.parent != parent:
            choice = self._decide(
                "code-parent",
                uuid,
                f"code '{t.code_path(uuid)}' is under '{t.code_path(here.parent)}' here but "
                f"under '{t.code_path(parent)}' in {incoming.label}",
                (KEEP_TARGET, TAKE_INCOMING),
            )
            if choice == TAKE_INCOMING:
                self._move_code(uuid, parent)
        mine = t.code_fields.get(uuid, ())
        differ = [
            f
            for f, value in zip(_CODE_FIELDS, mine, strict=False)
            if row.get(f) is not None and row[f] != value
        ]
        if differ:
            self.notes.append(
                f"code '{t.code_path(uuid)}': its {', '.join(differ)} differ in "
                f"{incoming.label}; this project's are kept"
            )
        if here.name != row["name"]:
            self._count("codes", "renamed")
            if take:
                self._rename_code(uuid, row["name"])
        elif here.parent == parent:
            self._count("codes", "existing")

    def _move_code(self, uuid: str, parent: str | None) -> None:
        t = self.target
        here = t.codes[uuid]
        ancestor = parent
        while ancestor is not None:
            if ancestor == uuid:
                raise ConflictError(f"cannot move code '{t.code_path(uuid)}' under itself")
            ancestor = t.codes[ancestor].parent
        if t.children.get((parent, here.name.casefold()), uuid) != uuid:
            raise ConflictError(
                f"cannot move code '{t.code_path(uuid)}': '{here.name}' is taken there"
            )
        self.session.execute(
            update(Code)
            .where(Code.id == here.id)
            .values(parent_id=t.codes[parent].id if parent else None)
        )
        del t.children[(here.parent, here.name.casefold())]
        here.parent = parent
        t.children[(parent, here.name.casefold())] = uuid

    def _rename_code(self, uuid: str, name: str) -> None:
        t = self.target
        here = t.codes[uuid]
        if t.children.get((here.parent, name.casefold()), uuid) != uuid:
            raise ConflictError(f"cannot rename code '{t.code_path(uuid)}': '{name}' is taken")
        self.session.execute(update(Code).where(Code.id == here.id).values(name=name))
        del t.children[(here.parent, here.name.casefold())]
        here.name = name
        t.children[(here.parent, name.casefold())] = uuid

    def _cases(self, incoming: Incoming) -> dict[str, int]:
        t = self.target
        mapping: dict[str, int] = {}
        for row in incoming.cases:
            uuid = row["uuid"]
            if uuid in t.cases:
                mapping[uuid] = t.cases[uuid]
                self._count("cases", "existing")
                continue
            name = _unique(row["name"], t.case_names)
            if name != row["name"]:
                self.notes.append(
                    f"case '{row['name']}' from {incoming.label} is another case than the "
                    f"one of that name here; added as '{name}'"
                )
            mapping[uuid] = t.cases[uuid] = self._insert_one(
                Case, {"uuid": uuid, "name": name, "created_at": row["created_at"]}
            )
            t.case_names.add(name)
            self._count("cases", "added")
        for row in incoming.attributes:
            if row["name"] in t.attributes:
                self._count("attributes", "existing")
                continue
            t.attributes[row["name"]] = self._insert_one(Attribute, dict(row))
            self._count("attributes", "added")
        new_values = []
        for row in incoming.values:
            key = (mapping[row["case"]], t.attributes[row["attribute"]])
            if key in t.values:
                if t.values[key] != row["value"]:
                    self.notes.append(
                        f"attribute '{row['attribute']}' of a case differs in "
                        f"{incoming.label} ({row['value']!r}); this project's value is kept"
                    )
                continue
            t.values[key] = row["value"]
            new_values.append({"case_id": key[0], "attribute_id": key[1], "value": row["value"]})
        if new_values:
            self.session.execute(insert(CaseAttributeValue), new_values)
        return mapping

    def _sources(
        self, incoming: Incoming, coder_map: dict[str, int], case_map: dict[str, int]
    ) -> dict[str, int | None]:
        """incoming source UUID -> target source id, or None when its rows are skipped."""
        t = self.target
        mapping: dict[str, int | None] = {}
        added: dict[str, int] = {}  # incoming uuid -> new target id (to copy its turns)
        for row in incoming.sources:
            uuid, digest = row["uuid"], row["content_hash"]
            carried = row.get("text") is not None
            new_uuid_ = uuid
            if uuid in t.sources and t.sources[uuid][1] == digest:
                mapping[uuid] = t.sources[uuid][0]
                self._count("sources", "existing")
                continue
            if uuid in t.sources:
                choices = (KEEP_TARGET, KEEP_BOTH) if carried else (KEEP_TARGET,)
                choice = self._decide(
                    "source-text",
                    uuid,
                    f"source '{row['name']}' has different text in {incoming.label}; "
                    f"keep-target skips that project's codings of it"
                    + ("; keep-both adds its version as another source" if carried else ""),
                    choices,
                )
                if choice != KEEP_BOTH:
                    mapping[uuid] = None
                    continue
                new_uuid_ = str(uuid_module.uuid5(_COPY_NAMESPACE, f"{uuid}:{digest}"))
                if new_uuid_ in t.sources:
                    mapping[uuid] = t.sources[new_uuid_][0]
                    self._count("sources", "existing")
                    continue
            elif not carried:
                self._decide(
                    "source-missing",
                    uuid,
                    f"source '{row['name']}' is not in this project; import it first, or "
                    f"skip the codings of it",
                    (SKIP,),
                )
                mapping[uuid] = None
                continue
            name = _unique(row["name"], t.source_names)
            values = {
                k: row[k]
                for k in (
                    "text",
                    "content_hash",
                    "original_filename",
                    "format",
                    "characters",
                    "words",
                    "imported_at",
                )
            }
            by = row.get("imported_by")
            source_id = self._insert_one(
                Source,
                {
                    "uuid": new_uuid_,
                    "name": name,
                    "imported_by_id": coder_map.get(by) if by else None,
                    **values,
                },
            )
            mapping[uuid] = added[uuid] = source_id
            t.sources[new_uuid_] = (source_id, digest)
            t.source_names.add(name)
            self._count("sources", "added")
        turns = [
            {
                "source_id": added[row["source"]],
                "speaker": row["speaker"],
                "start": row["start"],
                "end": row["end"],
                "start_time": row["start_time"],
                "end_time": row["end_time"],
                "case_id": case_map.get(row["case"]) if row["case"] else None,
            }
            for row in incoming.turns
            if row["source"] in added
        ]
        if turns:
            self.session.execute(insert(SpeakerTurn), turns)
            self._count("speaker turns", "added", len(turns))
        return mapping

    def _links(
        self, incoming: Incoming, source_map: dict[str, int | None], case_map: dict[str, int]
    ) -> None:
        new = []
        for row in incoming.links:
            source_id = source_map.get(row["source"])
            if source_id is None:
                continue
            key = (source_id, case_map[row["case"]])
            if key not in self.target.links:
                self.target.links.add(key)
                new.append({"source_id": key[0], "case_id": key[1]})
        if new:
            self.session.execute(insert(SourceCase), new)

    def _mapped(
        self,
        kind: str,
        rows: list[Row],
        known: set[str],
        source_map: dict[str, int | None],
        code_map: dict[str, str],
        coder_map: dict[str, int],
    ) -> list[Row]:
        """New rows of codings or decisions, their UUID references turned into ids."""
        codes = self.target.codes
        new: list[Row] = []
        for row in rows:
            if row["uuid"] in known:
                self._count(kind, "existing")
                continue
            source_id = source_map.get(row["source"])
            code = code_map.get(row["code"])
            if source_id is None or code is None:
                self._count(kind, "skipped")
                continue
            out = {k: v for k, v in row.items() if k not in ("source", "code", "coder")}
            out["source_id"] = source_id
            out["code_id"] = codes[code].id
            out["coder_id"] = coder_map[row["coder"]]
            known.add(row["uuid"])
            new.append(out)
        self._count(kind, "added", len(new))
        return new

    def _codings(self, incoming: Incoming, *maps: Any) -> None:
        self._removals(incoming)
        # A coding removed here stays removed: an older copy must not bring it back.
        kept = [row for row in incoming.codings if row["uuid"] not in self.target.removed]
        if len(kept) < len(incoming.codings):
            gone = len(incoming.codings) - len(kept)
            self._count("codings", "skipped", gone)
            self.notes.append(
                f"{gone} coding{'s were' if gone != 1 else ' was'} in {incoming.label} but "
                "had been removed here, and stayed removed"
            )
        rows = self._mapped("codings", kept, self.target.codings, *maps)
        if rows:
            self.session.execute(insert(Coding), rows)

    def _removals(self, incoming: Incoming) -> None:
        """Codings their coder removed in the incoming file are removed here too (a
        backup of the target was taken first), and remembered as removed."""
        new = [row for row in incoming.removed if row["uuid"] not in self.target.removed]
        if not new:
            return
        doomed = [row["uuid"] for row in new if row["uuid"] in self.target.codings]
        if doomed:
            owners = dict(
                self.session.execute(
                    select(Coding.uuid, Coder.uuid)
                    .join(Coder, Coder.id == Coding.coder_id)
                    .where(Coding.uuid.in_(doomed))
                ).all()
            )
            removed_by = {row["uuid"]: row["coder_uuid"] for row in new}
            # Only the coder's own removal counts: a tombstone never removes another's work.
            doomed = [u for u in doomed if owners.get(u) == removed_by[u]]
            if doomed:
                self.session.execute(delete(Coding).where(Coding.uuid.in_(doomed)))
                self.target.codings.difference_update(doomed)
                self._count("codings", "removed", len(doomed))
        self.session.execute(insert(RemovedCoding), new)
        self.target.removed.update(row["uuid"] for row in new)

    def _decisions(self, incoming: Incoming, *maps: Any) -> None:
        kind = "suggestion decisions"
        rows = self._mapped(kind, incoming.decisions, self.target.decisions, *maps)
        if rows:
            self.session.execute(insert(SuggestionDecision), rows)

    def _memos(
        self,
        incoming: Incoming,
        source_map: dict[str, int | None],
        code_map: dict[str, str],
        coder_map: dict[str, int],
    ) -> None:
        new = []
        for row in incoming.memos:
            if row["uuid"] in self.target.memos:
                self._count("memos", "existing")
                continue
            target_id: int | None = None
            if row["target"] == "source":
                target_id = source_map.get(row["target_uuid"])
            elif row["target"] == "code":
                code = code_map.get(row["target_uuid"])
                target_id = self.target.codes[code].id if code else None
            if row["target"] != "project" and target_id is None:
                self._count("memos", "skipped")
                continue
            self.target.memos.add(row["uuid"])
            new.append(
                {
                    "uuid": row["uuid"],
                    "target": row["target"],
                    "target_id": target_id,
                    "coder_id": coder_map[row["coder"]],
                    "text": row["text"],
                    "created_at": row["created_at"],
                    "updated_at": row["updated_at"],
                }
            )
        if new:
            self.session.execute(insert(Memo), new)
        self._count("memos", "added", len(new))

    def _review(
        self,
        incoming: Incoming,
        source_map: dict[str, int | None],
        code_map: dict[str, str],
        coder_map: dict[str, int],
    ) -> None:
        """Review threads by UUID; a thread about the very same passage (source, code,
        span and coding) as one here is the same thread, so its entries join that one.
        Entries are added by UUID: a discussion merges as the union of its entries."""
        t = self.target
        thread_map: dict[str, int | None] = {}
        combined = 0
        for row in incoming.threads:
            uuid = row["uuid"]
            if uuid in t.threads:
                thread_map[uuid] = t.threads[uuid]
                self._count("review threads", "existing")
                continue
            source_id = source_map.get(row["source"])
            code = code_map.get(row["code"])
            if source_id is None or code is None:
                thread_map[uuid] = None
                self._count("review threads", "skipped")
                continue
            key = (source_id, code, row["start"], row["end"], row["coding_uuid"])
            if key in t.thread_anchors:
                thread_map[uuid] = t.threads[uuid] = t.thread_anchors[key]
                self._count("review threads", "existing")
                combined += 1
                continue
            thread_id = self._insert_one(
                ReviewThread,
                {
                    "uuid": uuid,
                    "source_id": source_id,
                    "code_id": t.codes[code].id,
                    "start": row["start"],
                    "end": row["end"],
                    "coding_uuid": row["coding_uuid"],
                    "created_at": row["created_at"],
                },
            )
            thread_map[uuid] = t.threads[uuid] = t.thread_anchors[key] = thread_id
            self._count("review threads", "added")
        if combined:
            self.notes.append(
                f"{combined} review thread{'s' * (combined != 1)} from {incoming.label} "
                f"about the same passage as one here {'were' if combined != 1 else 'was'} "
                "combined with it"
            )
        new = []
        for row in incoming.entries:
            if row["uuid"] in t.entries:
                self._count("review entries", "existing")
                continue
            thread_id = thread_map.get(row["thread"])
            if thread_id is None:
                self._count("review entries", "skipped")
                continue
            t.entries.add(row["uuid"])
            new.append(
                {
                    "uuid": row["uuid"],
                    "thread_id": thread_id,
                    "coder_id": coder_map[row["coder"]],
                    "kind": row["kind"],
                    "text": row["text"],
                    "status": row["status"],
                    "created_at": row["created_at"],
                }
            )
        if new:
            self.session.execute(insert(ReviewEntry), new)
        self._count("review entries", "added", len(new))
        self._clashing_decisions(incoming, [e for e in new if e["kind"] == "decision"])

    def _clashing_decisions(self, incoming: Incoming, decisions: list[Row]) -> None:
        """Two laptops that decided the same passage differently both keep their
        consensus codings (merging only adds): say so, so the group decides again."""
        if not decisions:
            return
        ids = {e["thread_id"] for e in decisions}
        rows = self.session.execute(
            select(ReviewThread.id, ReviewThread.uuid, ReviewEntry.text)
            .join(ReviewEntry, ReviewEntry.thread_id == ReviewThread.id)
            .where(ReviewThread.id.in_(ids), ReviewEntry.kind == "decision")
        ).all()
        texts: dict[tuple[int, str], set[str]] = defaultdict(set)
        for thread_id, uuid, text in rows:
            texts[(thread_id, uuid)].add(text)
        clashes = [(uuid, said) for (_, uuid), said in sorted(texts.items()) if len(said) > 1]
        if clashes:
            uuid, said = clashes[0]
            more = f" and {len(clashes) - 1} more" if len(clashes) > 1 else ""
            self.notes.append(
                f"different decisions on the same passage after merging {incoming.label} "
                f"({'; '.join(sorted(said))}): both consensus versions are kept, so decide "
                f"again; see qualcode review show PROJECT {uuid}{more}"
            )

    def _identifiers(self, incoming: Incoming) -> None:
        t = self.target
        new = []
        for row in incoming.identifiers:
            if row["key"] in t.identifiers:
                self._count("identifiers", "existing")
                if t.identifiers[row["key"]] != row["replacement"]:
                    self.notes.append(
                        f"identifier '{row['original']}' is replaced by "
                        f"{row['replacement']!r} in {incoming.label}; this project's "
                        f"{t.identifiers[row['key']]!r} is kept"
                    )
                continue
            out = dict(row)
            if out["uuid"] in t.identifier_uuids:
                out["uuid"] = new_uuid()
            t.identifiers[row["key"]] = row["replacement"]
            t.identifier_uuids.add(out["uuid"])
            new.append(out)
        if new:
            self.session.execute(insert(Identifier), new)
        self._count("identifiers", "added", len(new))

    def _settings(self, incoming: Incoming) -> None:
        # The target keeps its own name and UUID; other settings it lacks are taken.
        new = [
            dict(row)
            for row in incoming.settings
            if row["key"] not in self.target.settings and row["key"] not in ("name", "uuid")
        ]
        if new:
            self.session.execute(insert(ProjectSetting), new)
            self.target.settings.update(row["key"] for row in new)


_KIND_OF_CONFLICT = {
    "coder-name": "coders",
    "code-name": "codes",
    "code-parent": "codes",
    "source-text": "sources",
    "source-missing": "sources",
}


def _parents_first(codes: list[Row]) -> list[Row]:
    by_parent: dict[str | None, list[Row]] = defaultdict(list)
    uuids = {row["uuid"] for row in codes}
    for row in codes:
        parent = row["parent"] if row["parent"] in uuids else None
        by_parent[parent].append(row)
    ordered: list[Row] = []
    stack = sorted(by_parent[None], key=lambda r: r["position"], reverse=True)
    while stack:
        row = stack.pop()
        ordered.append(row)
        stack.extend(sorted(by_parent[row["uuid"]], key=lambda r: r["position"], reverse=True))
    return ordered


# -- the entry points ----------------------------------------------------------------------


def _backup(path: Path) -> Path:
    for attempt in range(1, 100):
        try:
            return backup_file(path, "merge" if attempt == 1 else f"merge.{attempt}")
        except FileExistsError:
            continue
    raise QualcodeError(f"{path}: too many backups made this second; try again")


def _changes_anything(report: MergeReport, resolutions: Mapping[str, str] | None) -> bool:
    """Whether applying ``report`` changes the target: rows added or removed, or a
    researcher's resolution (a rename, a move, a copy) applied."""
    return bool(resolutions) or any(c.added or c.removed for c in report.counts)


def apply_incoming(
    target: Path,
    incoming: Sequence[Incoming],
    *,
    resolutions: Mapping[str, str] | None = None,
    dry_run: bool = False,
    action: str = "project.merge",
) -> MergeReport:
    """Apply rows to the project at ``target`` in one transaction, all or nothing."""
    target = Path(target)
    with Project.open(target) as project, project.session() as session:
        session.connection()  # BEGIN IMMEDIATE: nobody writes between backup and merge
        backup = None if dry_run else _backup(target)
        try:
            merger = _Merger(session, resolutions or {})
            for rows in incoming:
                merger.apply(rows)
            report = merger.report(target, [i.label for i in incoming], backup, dry_run)
            if report.written and not _changes_anything(report, resolutions):
                # Nothing new: leave the file as it was, and no backup to clutter the folder.
                report = dataclasses.replace(report, written=False, backup=None)
            if not report.written:
                session.rollback()
                if backup is not None:
                    backup.unlink(missing_ok=True)
                return report
            session.add(
                AuditEntry(
                    action=action,
                    entity="project",
                    entity_uuid=None,
                    details=json.dumps(
                        {
                            "from": report.sources,
                            "added": {c.kind: c.added for c in report.counts if c.added},
                            "resolutions": dict(resolutions or {}),
                        },
                        ensure_ascii=False,
                    ),
                )
            )
            session.commit()
            return report
        except BaseException:
            session.rollback()
            if backup is not None:
                backup.unlink(missing_ok=True)
            raise


def merge_projects(
    target: Path,
    sources: Sequence[Path],
    *,
    resolutions: Mapping[str, str] | None = None,
    dry_run: bool = False,
) -> MergeReport:
    """Merge the projects ``sources`` into ``target``, matching rows by UUID.

    With any unresolved conflict (or ``dry_run``) nothing is written and the report
    says what would happen; otherwise the target is backed up and changed at once.
    """
    target = Path(target)
    if not sources:
        raise ValidationError("name at least one project to merge in")
    for path in sources:
        if Path(path).resolve() == target.resolve():
            raise ValidationError(f"{path}: cannot merge a project into itself")
    if not target.is_file():
        raise QualcodeError(f"{target}: no such project file")
    # Every incoming file is read before the target is touched: a broken one refuses
    # the whole merge.
    incoming = [read_project(Path(p)) for p in sources]
    return apply_incoming(target, incoming, resolutions=resolutions, dry_run=dry_run)


# -- the project bundle seam (the merge reads and applies these) -------------------------

_BUNDLE_KINDS: dict[str, type[Any]] = {}


def _bundle_kinds() -> dict[str, type[Any]]:
    from qualcode.domain import bundle as b

    if not _BUNDLE_KINDS:
        _BUNDLE_KINDS.update(
            coders=b.BundleCoder,
            codes=b.BundleCode,
            cases=b.BundleCase,
            attributes=b.BundleAttribute,
            values=b.BundleValue,
            sources=b.BundleSource,
            turns=b.BundleTurn,
            links=b.BundleLink,
            codings=b.BundleCoding,
            memos=b.BundleMemo,
            decisions=b.BundleDecision,
            identifiers=b.BundleIdentifier,
            settings=b.BundleSetting,
            threads=b.BundleThread,
            entries=b.BundleEntry,
            removed=b.BundleRemoval,
        )
    return _BUNDLE_KINDS


def bundle_from_incoming(incoming: Incoming) -> ProjectBundle:
    from qualcode.domain.bundle import ProjectBundle

    return ProjectBundle(
        label=incoming.label,
        **{
            name: tuple(kind.from_mapping(row) for row in getattr(incoming, name))
            for name, kind in _bundle_kinds().items()
        },
    )


def incoming_from_bundle(bundle: ProjectBundle) -> Incoming:
    incoming = Incoming(bundle.label)
    for name in _bundle_kinds():
        setattr(incoming, name, [record.as_dict() for record in getattr(bundle, name)])
    return incoming


def load_bundle(session: Session, label: str) -> ProjectBundle:
    """Every record of an open project as a bundle."""
    return bundle_from_incoming(load_incoming(session, label))


def apply_bundles(
    target: Path,
    bundles: Sequence[ProjectBundle],
    *,
    resolutions: Mapping[str, str] | None = None,
    dry_run: bool = False,
    action: str = "project.merge",
) -> MergeReport:
    """Apply bundles to the project at ``target`` in one transaction, all or nothing,
    by the rules of a merge (matched by UUID; conflicts stop the write)."""
    return apply_incoming(
        target,
        [incoming_from_bundle(b) for b in bundles],
        resolutions=resolutions,
        dry_run=dry_run,
        action=action,
    )
