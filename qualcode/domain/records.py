"""Frozen records passed between layers. Services return these, never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

AttributeValue = str | float | date


class AttributeType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"


class Origin(StrEnum):
    """Where a coding came from."""

    MANUAL = "manual"
    SUGGESTED = "suggested"
    IMPORTED = "imported"


# --- what importers produce (no identity yet) -------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedTurn:
    """One speaker turn. ``start``/``end`` cover the spoken words, not the label."""

    speaker: str | None
    start: int
    end: int
    start_time: float | None = None  # seconds from the start of the recording
    end_time: float | None = None


@dataclass(frozen=True, slots=True)
class ParsedTranscript:
    """A transcript file read into normalised text and speaker turns."""

    text: str
    turns: tuple[ParsedTurn, ...]
    original_name: str
    format: str  # "txt", "md", "docx", "vtt", "srt"
    notes: tuple[str, ...] = ()  # what the import changed, e.g. control characters removed


@dataclass(frozen=True, slots=True)
class ParticipantRow:
    """One row of a participants sheet.

    ``file`` and ``speaker`` say where the case speaks: both set means that speaker in
    that file; only ``file`` means the whole file; only ``speaker`` means that speaker
    label in every file.
    """

    case: str
    file: str | None
    speaker: str | None
    attributes: dict[str, AttributeValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ParticipantSheet:
    rows: tuple[ParticipantRow, ...]
    attribute_types: dict[str, AttributeType]
    notes: tuple[str, ...] = ()  # what reading the sheet changed, e.g. controls removed


@dataclass(frozen=True, slots=True)
class CodebookEntry:
    """A code as written in a codebook file, with its sub-codes."""

    name: str
    uuid: str | None = None
    definition: str = ""
    include: str = ""
    exclude: str = ""
    example: str = ""
    keywords: tuple[str, ...] = ()
    colour: str | None = None
    children: tuple[CodebookEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class Codebook:
    name: str
    description: str
    codes: tuple[CodebookEntry, ...]


# --- what services return ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CodeRecord:
    uuid: str
    name: str
    path: str
    parent_uuid: str | None
    depth: int
    position: int
    definition: str
    include: str
    exclude: str
    example: str
    keywords: tuple[str, ...]
    colour: str | None
    version: int = 1  # what an edit says it read (optimistic concurrency)


@dataclass(frozen=True, slots=True)
class TurnRecord:
    speaker: str | None
    start: int
    end: int
    start_time: float | None
    end_time: float | None
    case: str | None


@dataclass(frozen=True, slots=True)
class SourceRecord:
    uuid: str
    name: str
    original_filename: str
    format: str
    content_hash: str
    imported_at: datetime
    characters: int
    words: int
    turns: int
    cases: tuple[str, ...]
    codings: int


@dataclass(frozen=True, slots=True)
class CodingRecord:
    uuid: str
    source: str
    start: int
    end: int
    code_uuid: str
    code_path: str
    coder: str
    origin: Origin
    created_at: datetime
    memo: str
    text: str


@dataclass(frozen=True, slots=True)
class Document:
    """Everything the transcript view needs to show one source, read at one moment."""

    name: str
    text: str
    turns: tuple[TurnRecord, ...]
    codings: tuple[CodingRecord, ...]


@dataclass(frozen=True, slots=True)
class MemoRecord:
    uuid: str
    target: str  # "project", "source", "code"
    target_name: str | None
    coder: str
    text: str
    created_at: datetime
    updated_at: datetime
    version: int = 1  # what an edit says it read (optimistic concurrency)


@dataclass(frozen=True, slots=True)
class CodeStats:
    """Counts behind "the most frequently identified ..." statements."""

    code_uuid: str
    path: str
    depth: int
    codings: int
    sources: int
    cases: int
    stakeholder_groups: int
    # the same counts over the code and all its sub-codes
    total_codings: int
    total_sources: int
    total_cases: int
    total_stakeholder_groups: int


@dataclass(frozen=True, slots=True)
class ImportProblem:
    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    imported: tuple[str, ...]
    duplicates: tuple[tuple[str, str], ...]  # (file, name of the source it duplicates)
    problems: tuple[ImportProblem, ...]
    warnings: tuple[str, ...]
    committed: bool


@dataclass(frozen=True, slots=True)
class ExtractRecord:
    """A coded passage with everything a reader needs to place it."""

    coding: CodingRecord
    speaker: str | None
    case: str | None
    attributes: dict[str, AttributeValue]
    start_time: float | None


@dataclass(frozen=True, slots=True)
class SearchHit:
    source: str
    start: int
    end: int
    before: str
    match: str
    after: str
    score: float  # 100 for an exact match


@dataclass(frozen=True, slots=True)
class SourceOverview:
    """A row of the sources screen: who speaks, where, and how much is coded."""

    name: str
    words: int
    cases: tuple[str, ...]
    stakeholder_groups: tuple[str, ...]
    areas: tuple[str, ...]
    methods: tuple[str, ...]
    coded_by_me: float  # share of the spoken text, 0-1
    coded_by_anyone: float
