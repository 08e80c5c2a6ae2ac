"""Reading a project (an open session, or a file read from a private copy) as a bundle."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.domain.bundle import (
    BundleAttribute,
    BundleCase,
    BundleCode,
    BundleCoder,
    BundleCoding,
    BundleDecision,
    BundleEntry,
    BundleIdentifier,
    BundleLink,
    BundleMemo,
    BundleRemoval,
    BundleSetting,
    BundleSource,
    BundleThread,
    BundleTurn,
    BundleValue,
    ProjectBundle,
)
from qualcode.services.changes import CODE_DESCRIPTION
from qualcode.services.project import Project, Where, location_of
from qualcode.store.copies import read_only_copy
from qualcode.store.models import (
    Attribute,
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
)

R = TypeVar("R")


def _records(
    session: Session,
    kind: type[R],
    model: type,
    columns: Sequence[str],
    **refs: Mapping[int, str],
) -> tuple[R, ...]:
    """Every row of ``model`` as a ``kind`` record; each reference column ``<name>_id``
    is given instead as ``<name>``: the UUID its id stands for in ``refs[name]``."""
    selected = [getattr(model, name) for name in (*columns, *(f"{n}_id" for n in refs))]
    records = []
    for row in session.execute(select(*selected)):
        values: dict[str, Any] = dict(zip(columns, row, strict=False))
        for name, key in zip(refs, row[len(columns) :], strict=True):
            values[name] = refs[name][key] if key is not None else None
        records.append(kind(**values))
    return tuple(records)


def _uuids(session: Session, model: Any) -> dict[int, str]:
    return {i: u for i, u in session.execute(select(model.id, model.uuid))}


def load_bundle(session: Session, label: str) -> ProjectBundle:
    """Every record of an open project as a bundle, its integer keys replaced by UUIDs."""
    coder, code, source = _uuids(session, Coder), _uuids(session, Code), _uuids(session, Source)
    case, thread = _uuids(session, Case), _uuids(session, ReviewThread)
    attribute = {i: n for i, n in session.execute(select(Attribute.id, Attribute.name))}
    return ProjectBundle(
        label=label,
        coders=_records(session, BundleCoder, Coder, ("uuid", "name", "created_at")),
        codes=_records(
            session,
            BundleCode,
            Code,
            ("uuid", "name", "position", "created_at", *CODE_DESCRIPTION),
            parent=code,
        ),
        cases=_records(session, BundleCase, Case, ("uuid", "name", "created_at")),
        attributes=_records(session, BundleAttribute, Attribute, ("name", "type")),
        values=_records(
            session, BundleValue, CaseAttributeValue, ("value",), case=case, attribute=attribute
        ),
        sources=_records(
            session,
            BundleSource,
            Source,
            (
                "uuid",
                "name",
                "text",
                "content_hash",
                "original_filename",
                "format",
                "characters",
                "words",
                "imported_at",
            ),
            imported_by=coder,
        ),
        turns=_records(
            session,
            BundleTurn,
            SpeakerTurn,
            ("speaker", "start", "end", "start_time", "end_time"),
            source=source,
            case=case,
        ),
        links=_records(session, BundleLink, SourceCase, (), source=source, case=case),
        codings=_records(
            session,
            BundleCoding,
            Coding,
            ("uuid", "start", "end", "memo", "origin", "created_at"),
            source=source,
            code=code,
            coder=coder,
        ),
        memos=_memos(session, source, code, coder),
        decisions=_records(
            session,
            BundleDecision,
            SuggestionDecision,
            ("uuid", "start", "end", "decision", "score", "created_at"),
            source=source,
            code=code,
            coder=coder,
        ),
        identifiers=_records(
            session,
            BundleIdentifier,
            Identifier,
            ("uuid", "original", "key", "replacement", "kind", "note", "created_at"),
        ),
        settings=_records(session, BundleSetting, ProjectSetting, ("key", "value")),
        threads=_records(
            session,
            BundleThread,
            ReviewThread,
            ("uuid", "start", "end", "coding_uuid", "created_at"),
            source=source,
            code=code,
        ),
        entries=_records(
            session,
            BundleEntry,
            ReviewEntry,
            ("uuid", "kind", "text", "status", "created_at"),
            thread=thread,
            coder=coder,
        ),
        removed=_records(
            session, BundleRemoval, RemovedCoding, ("uuid", "coder_uuid", "removed_at")
        ),
    )


def _memos(
    session: Session, source: dict[int, str], code: dict[int, str], coder: dict[int, str]
) -> tuple[BundleMemo, ...]:
    """Memos point at a source or a code by id (or at nothing: the project)."""
    targets = {"source": source, "code": code}
    columns = (Memo.uuid, Memo.target, Memo.target_id, Memo.coder_id, Memo.text)
    return tuple(
        BundleMemo(
            uuid=row.uuid,
            target=row.target,
            target_uuid=(
                targets.get(row.target, {}).get(row.target_id)
                if row.target_id is not None
                else None
            ),
            coder=coder[row.coder_id],
            text=row.text,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
        for row in session.execute(select(*columns, Memo.created_at, Memo.updated_at))
    )


def read_project(where: Where) -> ProjectBundle:
    """The project at ``where`` as a bundle, read from a private temporary copy.

    A file is copied with SQLite's backup API over a read-only connection, so the
    original is never written to, not even upgraded. A database on a server is copied
    by `qualcode copy`'s code, in one consistent snapshot, checked table by table (and
    refused, not upgraded, if its schema is older), so coders working on it meanwhile
    neither tear what is read nor are held up.
    """
    location = location_of(where)
    with tempfile.TemporaryDirectory(prefix="qualcode-merge-") as folder:
        copy = Path(folder) / "incoming.qcp"
        if location.path is not None:
            read_only_copy(location.path, copy)
        else:
            from qualcode.services.project_copy import copy_project  # it imports project

            copy_project(location, copy)
        with Project.open(copy) as project, project.read_session() as session:
            return load_bundle(session, location.display)
