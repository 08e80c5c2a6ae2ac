"""A whole project (or one coder's part of it) as plain values keyed by UUID.

This is the seam between the file formats and the database. Importers (a ``.qdpx``,
a coder's exchange file, another qualcode project read through the store) produce a
``ProjectBundle`` without touching any database; exporters consume one; one merge
service applies a bundle to a project. Every reference between records is a UUID
(attributes by their name, which is their identity), never a database id, so a
bundle means the same thing in any project.

Positions are code points into the source's stored text, end exclusive, as
everywhere in qualcode: whoever builds a bundle from a foreign format converts
positions before they get here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any, Self

from qualcode.domain.codebook import join_path


@dataclass(frozen=True, slots=True)
class _Record:
    """Shared helpers for the records below (none has behaviour of its own)."""

    def as_dict(self) -> dict[str, Any]:
        """Field name -> value, shallow (for writing rows or JSON)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> Self:
        """The record from a mapping holding (at least) every field; extra keys are
        ignored so that older and newer files can be read."""
        return cls(**{f.name: row[f.name] for f in fields(cls) if f.name in row})


@dataclass(frozen=True, slots=True)
class BundleCoder(_Record):
    uuid: str
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class BundleCode(_Record):
    """A code of the tree; ``parent`` is the parent code's UUID (None at the top)."""

    uuid: str
    name: str
    parent: str | None
    position: int
    created_at: datetime
    definition: str = ""
    include: str = ""
    exclude: str = ""
    example: str = ""
    keywords: str = "[]"  # a JSON list, as stored
    colour: str | None = None


@dataclass(frozen=True, slots=True)
class BundleCase(_Record):
    """A participant (a case, in REFI-QDA's words)."""

    uuid: str
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class BundleAttribute(_Record):
    """An attribute of cases (stakeholder group, area...); its name is its identity."""

    name: str
    type: str


@dataclass(frozen=True, slots=True)
class BundleValue(_Record):
    """One case's value of one attribute (by case UUID and attribute name)."""

    case: str
    attribute: str
    value: str


@dataclass(frozen=True, slots=True)
class BundleSource(_Record):
    """A transcript. ``text`` None means it travels by UUID and content hash only (a
    coder's exchange file): the receiving project must already hold it."""

    uuid: str
    name: str
    text: str | None
    content_hash: str
    original_filename: str = ""
    format: str = "txt"
    characters: int = 0
    words: int = 0
    imported_at: datetime | None = None
    imported_by: str | None = None  # a coder UUID


@dataclass(frozen=True, slots=True)
class BundleTurn(_Record):
    """A speaker's turn in a source, optionally attributed to a case."""

    source: str
    case: str | None
    speaker: str | None
    start: int
    end: int
    start_time: float | None = None
    end_time: float | None = None


@dataclass(frozen=True, slots=True)
class BundleLink(_Record):
    """A case takes part in a source."""

    source: str
    case: str


@dataclass(frozen=True, slots=True)
class BundleCoding(_Record):
    uuid: str
    source: str
    code: str
    coder: str
    start: int
    end: int
    memo: str = ""
    origin: str = "manual"
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class BundleMemo(_Record):
    """A memo on the project (``target_uuid`` None), a source or a code."""

    uuid: str
    target: str  # "project", "source" or "code"
    target_uuid: str | None
    coder: str
    text: str
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class BundleDecision(_Record):
    """A researcher's accept or reject of a suggested code."""

    uuid: str
    source: str
    code: str
    coder: str
    start: int
    end: int
    decision: str
    score: float = 0.0
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class BundleIdentifier(_Record):
    """An entry of the identifier register."""

    uuid: str
    original: str
    key: str
    replacement: str
    kind: str = "other"
    note: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class BundleSetting(_Record):
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class BundleThread(_Record):
    """A peer-review discussion anchored on a passage coded with a code."""

    uuid: str
    source: str
    code: str
    start: int
    end: int
    coding_uuid: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class BundleEntry(_Record):
    """One comment or decision in a review thread (``thread`` is its UUID)."""

    uuid: str
    thread: str
    coder: str
    kind: str
    text: str = ""
    status: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class BundleRemoval(_Record):
    """A coding its coder removed: merging an older copy must not bring it back."""

    uuid: str
    coder_uuid: str
    removed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ProjectBundle:
    """Everything one file holds, as records keyed by UUID. ``label`` names where it
    came from (a file name) for reports; it is not part of the project."""

    label: str
    coders: tuple[BundleCoder, ...] = ()
    codes: tuple[BundleCode, ...] = ()
    cases: tuple[BundleCase, ...] = ()
    attributes: tuple[BundleAttribute, ...] = ()
    values: tuple[BundleValue, ...] = ()
    sources: tuple[BundleSource, ...] = ()
    turns: tuple[BundleTurn, ...] = ()
    links: tuple[BundleLink, ...] = ()
    codings: tuple[BundleCoding, ...] = ()
    memos: tuple[BundleMemo, ...] = ()
    decisions: tuple[BundleDecision, ...] = ()
    identifiers: tuple[BundleIdentifier, ...] = ()
    settings: tuple[BundleSetting, ...] = ()
    threads: tuple[BundleThread, ...] = ()
    entries: tuple[BundleEntry, ...] = ()
    removed: tuple[BundleRemoval, ...] = ()

    def with_records(self, **records: Iterable[Any]) -> ProjectBundle:
        """A copy with some kinds of record replaced (each given as any iterable)."""
        # Any: which fields are replaced is known only at run time, by name.
        changes: dict[str, Any] = {name: tuple(rows) for name, rows in records.items()}
        return replace(self, **changes)

    def setting(self, key: str) -> str | None:
        return next((s.value for s in self.settings if s.key == key), None)

    def code_paths(self) -> dict[str, str]:
        """Code UUID -> its path of names from the top ("Barriers > Funding")."""
        codes = {c.uuid: c for c in self.codes}
        paths: dict[str, str] = {}
        for uuid in codes:
            names: list[str] = []
            seen: set[str] = set()
            step: str | None = uuid
            while step is not None and step in codes and step not in seen:
                seen.add(step)
                names.append(codes[step].name)
                step = codes[step].parent
            paths[uuid] = join_path(reversed(names))
        return paths

    def codes_parents_first(self) -> list[BundleCode]:
        """Every code after its parent, siblings by position (a parent the bundle does
        not hold counts as the top level)."""
        uuids = {c.uuid for c in self.codes}
        children: dict[str | None, list[BundleCode]] = {}
        for code in self.codes:
            parent = code.parent if code.parent in uuids else None
            children.setdefault(parent, []).append(code)
        ordered: list[BundleCode] = []
        stack = sorted(children.get(None, []), key=lambda c: c.position, reverse=True)
        while stack:
            code = stack.pop()
            ordered.append(code)
            stack.extend(
                sorted(children.get(code.uuid, []), key=lambda c: c.position, reverse=True)
            )
        return ordered


def normalise_guid(guid: str) -> str:
    """A GUID as qualcode stores UUIDs: lower case, no braces or surrounding space
    (other tools write ``{ABCD-...}`` or upper case for the same identifier)."""
    return guid.strip().strip("{}").strip().lower()
