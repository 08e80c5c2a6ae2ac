"""The project's tables. One DeclarativeBase; every column typed with ``Mapped``.

Identity is the UUID column on every entity that can travel between projects
(coders, codes, sources, cases, codings, memos); integer keys stay inside one file.
"""

from __future__ import annotations

import uuid as uuid_module
from datetime import UTC, datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    func,
    literal,
    literal_column,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import DateTime, TypeDecorator

from qualcode.store import write_rules

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Datetimes stored naive in UTC and handed back timezone-aware.

    SQLite keeps no zone; without this a time read back would silently lose it.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def new_uuid() -> str:
    return str(uuid_module.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _uuid_column() -> Mapped[str]:
    return mapped_column(String(36), unique=True, nullable=False, default=new_uuid)


def _version_column() -> Mapped[int]:
    """How many times the row was edited, for optimistic concurrency: an edit names the
    version it read, and the ORM's versioned UPDATE refuses it if someone got there first."""
    return mapped_column(Integer, nullable=False, default=1, server_default="1")


class ProjectSetting(Base):
    """Key/value facts about the project (its name, its UUID, settings)."""

    __tablename__ = "project_settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


class Coder(Base):
    __tablename__ = "coders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = _uuid_column()
    name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Code(Base):
    __tablename__ = "codes"
    __table_args__ = (
        Index("ix_codes_parent_name", "parent_id", "name"),
        # Sibling names are unique ignoring case, top-level codes too (NULL parent as 0):
        # the database, not a read before the write, referees two coders adding at once.
        Index(
            "uq_codes_sibling_name",
            func.coalesce(literal_column("parent_id"), literal(0)),
            func.lower(literal_column("name")),
            unique=True,
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = _uuid_column()
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("codes.id", ondelete="RESTRICT"), nullable=True
    )
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    definition: Mapped[str] = mapped_column(Text, nullable=False, default="")
    include: Mapped[str] = mapped_column(Text, nullable=False, default="")
    exclude: Mapped[str] = mapped_column(Text, nullable=False, default="")
    example: Mapped[str] = mapped_column(Text, nullable=False, default="")
    keywords: Mapped[str] = mapped_column(Text, nullable=False, default="[]")  # JSON list
    colour: Mapped[str | None] = mapped_column(String(7), nullable=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    version: Mapped[int] = _version_column()

    __mapper_args__ = {"version_id_col": version}


class Source(Base):
    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = _uuid_column()
    name: Mapped[str] = mapped_column(String(300), nullable=False, unique=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    original_filename: Mapped[str] = mapped_column(String(500), nullable=False)
    format: Mapped[str] = mapped_column(String(10), nullable=False)
    characters: Mapped[int] = mapped_column(Integer, nullable=False)
    words: Mapped[int] = mapped_column(Integer, nullable=False)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("coders.id"), nullable=True)

    turns: Mapped[list[SpeakerTurn]] = relationship(
        back_populates="source", order_by="SpeakerTurn.start", cascade="all, delete-orphan"
    )


class Case(Base):
    """A participant (or a group treated as one case) with typed attributes."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = _uuid_column()
    name: Mapped[str] = mapped_column(String(300), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Attribute(Base):
    __tablename__ = "attributes"
    __table_args__ = (CheckConstraint("type IN ('text', 'number', 'date')", name="type"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    type: Mapped[str] = mapped_column(String(10), nullable=False)


class CaseAttributeValue(Base):
    """A case's value for an attribute, stored as canonical text (ISO dates, repr floats)."""

    __tablename__ = "case_attribute_values"
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    attribute_id: Mapped[int] = mapped_column(
        ForeignKey("attributes.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[str] = mapped_column(Text, nullable=False)


class SourceCase(Base):
    """Which cases speak in (or are the subject of) a source."""

    __tablename__ = "source_cases"
    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class SpeakerTurn(Base):
    __tablename__ = "speaker_turns"
    __table_args__ = (
        Index("ix_speaker_turns_source_start", "source_id", "start"),
        CheckConstraint('start >= 0 AND "end" > start', name="span"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), nullable=False
    )
    speaker: Mapped[str | None] = mapped_column(String(200), nullable=True)
    start: Mapped[int] = mapped_column(Integer, nullable=False)
    end: Mapped[int] = mapped_column(Integer, nullable=False)
    start_time: Mapped[float | None] = mapped_column(Float, nullable=True)
    end_time: Mapped[float | None] = mapped_column(Float, nullable=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), nullable=True, index=True
    )

    source: Mapped[Source] = relationship(back_populates="turns")


class Coding(Base):
    __tablename__ = "codings"
    __table_args__ = (
        Index("ix_codings_source_start", "source_id", "start"),
        Index("ix_codings_code", "code_id"),
        # Covers the counting query, so `stats` reads the index instead of whole rows; unique,
        # so one coder cannot hold the same code on the same span twice (two terminals or
        # two processes racing included).
        Index("ix_codings_counts", "code_id", "source_id", "start", "end", "coder_id", unique=True),
        CheckConstraint('start >= 0 AND "end" > start', name="span"),
        CheckConstraint("origin IN ('manual', 'suggested', 'imported')", name="origin"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = _uuid_column()
    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="RESTRICT"), nullable=False
    )
    code_id: Mapped[int] = mapped_column(
        ForeignKey("codes.id", ondelete="RESTRICT"), nullable=False
    )
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id"), nullable=False, index=True)
    start: Mapped[int] = mapped_column(Integer, nullable=False)
    end: Mapped[int] = mapped_column(Integer, nullable=False)
    memo: Mapped[str] = mapped_column(Text, nullable=False, default="")
    origin: Mapped[str] = mapped_column(String(10), nullable=False, default="manual")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Memo(Base):
    """A memo on the project, a source or a code (a coding's memo lives on the coding)."""

    __tablename__ = "memos"
    __table_args__ = (
        CheckConstraint("target IN ('project', 'source', 'code')", name="target"),
        Index("ix_memos_target", "target", "target_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = _uuid_column()
    target: Mapped[str] = mapped_column(String(10), nullable=False)
    target_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id"), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    version: Mapped[int] = _version_column()

    __mapper_args__ = {"version_id_col": version}


class AuditEntry(Base):
    """Who changed what, when: one row per change, written in the change's transaction."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, index=True)
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("coders.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(50), nullable=False)
    entity: Mapped[str] = mapped_column(String(20), nullable=False)
    entity_uuid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    details: Mapped[str] = mapped_column(Text, nullable=False, default="{}")  # JSON


class SuggestionDecision(Base):
    """A researcher's answer to a suggested code: accepted (with the coding it made)
    or rejected (remembered so it is not suggested again, and learnt from)."""

    __tablename__ = "suggestion_decisions"
    __table_args__ = (
        Index("ix_suggestion_decisions_source", "source_id", "start"),
        CheckConstraint("decision IN ('accepted', 'rejected')", name="decision"),
        CheckConstraint('start >= 0 AND "end" > start', name="span"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = _uuid_column()
    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), nullable=False
    )
    code_id: Mapped[int] = mapped_column(
        ForeignKey("codes.id", ondelete="CASCADE"), nullable=False, index=True
    )
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id"), nullable=False)
    start: Mapped[int] = mapped_column(Integer, nullable=False)
    end: Mapped[int] = mapped_column(Integer, nullable=False)
    decision: Mapped[str] = mapped_column(String(10), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class AnalysisCache(Base):
    """A source's text as the suggestion engine analysed it, keyed by content hash and
    pipeline, so re-running suggestions only analyses what changed."""

    __tablename__ = "analysis_cache"
    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    pipeline: Mapped[str] = mapped_column(String(100), primary_key=True)
    data: Mapped[str] = mapped_column(Text, nullable=False)  # JSON


class HistoryEntry(Base):
    """One undoable change by one coder, kept across restarts.

    ``payload`` holds everything needed to apply the change in either direction,
    naming rows by UUID so an undo still works after other rows were recreated.
    """

    __tablename__ = "history"
    __table_args__ = (Index("ix_history_coder_undone", "coder_id", "undone"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id"), nullable=False)
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)  # JSON
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    undone: Mapped[bool] = mapped_column(nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ReviewThread(Base):
    """A peer-review discussion about one code in ``[start, end)`` of a source, or about
    one coding (``coding_uuid``: a UUID, not a key, so the talk outlives the coding).

    Its entries are append-only, so two laptops' threads merge by union of entries.
    """

    __tablename__ = "review_threads"
    __table_args__ = (
        Index("ix_review_threads_source_code", "source_id", "code_id", "start"),
        CheckConstraint('start >= 0 AND "end" > start', name="span"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = _uuid_column()
    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), nullable=False
    )
    code_id: Mapped[int] = mapped_column(
        ForeignKey("codes.id", ondelete="CASCADE"), nullable=False, index=True
    )
    start: Mapped[int] = mapped_column(Integer, nullable=False)
    end: Mapped[int] = mapped_column(Integer, nullable=False)
    coding_uuid: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # Bumped by every entry appended or taken back (store/write_rules.py; not the ORM's
    # versioning: a thread's own fields hardly change), so a reply says which state of the
    # talk it read.
    version: Mapped[int] = _version_column()


class ReviewEntry(Base):
    """One coder's comment, change of status or consensus decision in a thread."""

    __tablename__ = "review_entries"
    __table_args__ = (
        CheckConstraint("kind IN ('comment', 'status', 'decision')", name="kind"),
        CheckConstraint(
            "status IS NULL OR status IN "
            "('open', 'agree', 'disagree', 'needs discussion', 'resolved')",
            name="status",
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = _uuid_column()
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("review_threads.id", ondelete="CASCADE"), nullable=False, index=True
    )
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class RemovedCoding(Base):
    """A coding that was removed here, by UUID: so a merge of an older copy of the
    project does not bring it back, and a merge elsewhere can remove it too."""

    __tablename__ = "removed_codings"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    coder_uuid: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    removed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Identifier(Base):
    """A line of the identifier register: a word that identifies someone, and the
    bracketed description that replaces it in everything exported.

    ``key`` is the original case-folded, so one identifier is registered only once
    however it is capitalised.
    """

    __tablename__ = "identifiers"
    __table_args__ = (
        CheckConstraint("kind IN ('person', 'place', 'organisation', 'other')", name="kind"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = _uuid_column()
    original: Mapped[str] = mapped_column(String(300), nullable=False)
    key: Mapped[str] = mapped_column(String(300), nullable=False, unique=True)
    replacement: Mapped[str] = mapped_column(String(300), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="other")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Member(Base):
    """A coder's role in a shared project and, on PostgreSQL, the database login that is
    that coder. No rows: nobody was ever added, and whoever uses the project owns it."""

    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint("role IN ('owner', 'reviewer', 'coder', 'read-only')", name="role"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coder_id: Mapped[int] = mapped_column(
        ForeignKey("coders.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    login: Mapped[str | None] = mapped_column(String(63), nullable=True, unique=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


__all__ = [
    "AnalysisCache",
    "Attribute",
    "AuditEntry",
    "Base",
    "Case",
    "CaseAttributeValue",
    "Code",
    "Coder",
    "Coding",
    "HistoryEntry",
    "Identifier",
    "Member",
    "Memo",
    "ProjectSetting",
    "RemovedCoding",
    "ReviewEntry",
    "ReviewThread",
    "Source",
    "SourceCase",
    "SpeakerTurn",
    "SuggestionDecision",
    "new_uuid",
    "utcnow",
]


# Every session of these models bumps versions and keeps text within its columns,
# however a service writes (see store/write_rules.py).
write_rules.install(Base)
