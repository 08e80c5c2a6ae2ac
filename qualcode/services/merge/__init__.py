"""Bringing projects together: peer researchers code on their own laptops, then merge.

Every project file, coder's exchange file or other tool's project arrives as a
``ProjectBundle`` (:mod:`qualcode.domain.bundle`), and one merge applies bundles to
a project. Everything is matched by UUID (identifiers by their case-folded key,
attributes by name), never by a code's or coder's name, so a renamed code keeps its
codings and two codes that merely share a name are never fused behind anyone's back.
What cannot be matched safely becomes a ``MergeConflict``; while any is unresolved
nothing is written.

The incoming files are read from private temporary copies (upgraded there if older),
so merging never changes them. The target is changed in one transaction, after a
backup taken while that transaction holds the write lock.

The target (or an incoming project) may be a database on a PostgreSQL server. An
incoming database is read through a private SQLite copy made by ``qualcode copy``'s
code (one consistent snapshot, checked table by table, the database never upgraded).
A target database is changed in one transaction too; an advisory lock taken in it makes
a second merge wait for the first, while coders go on coding (their rows carry their
own UUIDs; should one collide with a merged row, a constraint refuses the merge whole
and it can simply be run again). Before it writes, the database is copied into a
private SQLite file in this user's folder for the project, which opens as a project.

On a project with members merging is the owner's: it changes the codebook, the
sources and other coders' work. On PostgreSQL who is merging is the login.

Modules: ``reading`` (a project -> a bundle), ``target`` (what the target holds),
``apply`` and ``review`` (a bundle's records applied), ``tally`` (counts, conflicts).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from qualcode.domain.bundle import ProjectBundle
from qualcode.domain.errors import NotAllowedError, QualcodeError, ValidationError
from qualcode.domain.merge import MergeReport
from qualcode.domain.roles import Action, Role, refusal
from qualcode.services.base import login_coder, role_of
from qualcode.services.merge.apply import Merger
from qualcode.services.merge.reading import load_bundle, read_project
from qualcode.services.merge.tally import Tally
from qualcode.services.project import Project, ProjectLocation, Where, location_of
from qualcode.store.migrate import backup_file
from qualcode.store.models import AuditEntry

__all__ = ["apply_bundles", "load_bundle", "merge_projects", "read_project"]

# pg_advisory_xact_lock's key for "a merge is writing this database" (b"QCMG"); the
# schema lock (store/migrate.py) has a key of its own.
MERGE_LOCK = 0x51434D47
_WHY_OWNER = "merging is the owner's (it changes the codebook, sources and other coders' work)"


def _backup(path: Path) -> Path:
    for attempt in range(1, 100):
        try:
            return backup_file(path, "merge" if attempt == 1 else f"merge.{attempt}")
        except FileExistsError:
            continue
    raise QualcodeError(f"{path}: too many backups made this second; try again")


def _backup_database(project: Project) -> Path:
    """A private SQLite copy of the server project, made by `qualcode copy`'s code (so
    checked table by table and openable as a project), in this user's folder for the
    project: the server's own backups are its administrator's, this one is the merger's."""
    from qualcode.services.project_copy import copy_project  # project_copy imports merge's peers
    from qualcode.services.user_config import private_data_dir

    folder = private_data_dir("projects", project.uuid)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for attempt in range(1, 100):
        label = "merge" if attempt == 1 else f"merge.{attempt}"
        path = folder / f"{project.location.label}.backup-{label}-{stamp}.qcp"
        if path.exists():
            continue
        copy_project(project.location, path)
        return path
    raise QualcodeError(f"{folder}: too many backups made this second; try again")


def _require_owner(session: Session, coder: str | None) -> None:
    """Refuse a merge by anyone but an owner (anyone may merge into a project without
    members: it is its user's alone). On PostgreSQL the login says who is merging."""
    who = login_coder(session) or coder
    role = role_of(session, who)
    if role is Role.OWNER:
        return
    session.rollback()  # end the read the check began; nothing was written
    if role is None:
        raise NotAllowedError(
            f"{who or 'someone unnamed'} is not a member of this project, and {_WHY_OWNER}"
        )
    raise NotAllowedError(f"{refusal(who or '', role, Action.EDIT_CODEBOOK)}: {_WHY_OWNER}")


def _changes_anything(report: MergeReport, resolutions: Mapping[str, str] | None) -> bool:
    """Whether applying ``report`` changes the target: rows added or removed, or a
    researcher's resolution (a rename, a move, a copy) applied."""
    return bool(resolutions) or any(c.added or c.removed for c in report.counts)


def apply_bundles(
    target: Where,
    bundles: Sequence[ProjectBundle],
    *,
    resolutions: Mapping[str, str] | None = None,
    dry_run: bool = False,
    action: str = "project.merge",
    coder: str | None = None,
    back_up: bool = True,
) -> MergeReport:
    """Apply bundles to the project at ``target`` in one transaction, all or nothing,
    by the rules of a merge (matched by UUID; conflicts stop the write). ``coder`` is
    who is merging (on a project with members, only an owner may); ``back_up`` False
    only for a project made a moment ago, which has nothing to lose."""
    location = location_of(target)
    with Project.open(location) as project, project.session() as session:
        if location.path is not None:
            session.connection()  # BEGIN IMMEDIATE: nobody writes between backup and merge
        _require_owner(session, coder)  # before anything is written or backed up
        if location.path is None:
            # A second merge waits here for the first to commit, then sees what it wrote.
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MERGE_LOCK})
        backup = None
        if back_up and not dry_run:
            path = location.path
            backup = _backup(path) if path is not None else _backup_database(project)
        try:
            report = _apply(session, location, bundles, resolutions, dry_run, action, backup)
        except BaseException:
            session.rollback()
            if backup is not None:
                backup.unlink(missing_ok=True)
            raise
        if not report.written and backup is not None:
            backup.unlink(missing_ok=True)
        return report


def _apply(
    session: Session,
    location: ProjectLocation,
    bundles: Sequence[ProjectBundle],
    resolutions: Mapping[str, str] | None,
    dry_run: bool,
    action: str,
    backup: Path | None,
) -> MergeReport:
    """The bundles applied in ``session``: committed if they change anything (with an
    audit entry, which other coders' apps read as news), else rolled back."""
    tally = Tally(resolutions or {})
    merger = Merger(session, tally)
    for bundle in bundles:
        merger.apply(bundle)
    report = tally.report(location.path or Path(), [b.label for b in bundles], backup, dry_run)
    report = dataclasses.replace(report, target=location.display)
    if report.written and not _changes_anything(report, resolutions):
        # Nothing new: leave the project as it was, and no backup to clutter the folder.
        report = dataclasses.replace(report, written=False, backup=None)
    if not report.written:
        session.rollback()
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
    session.commit()  # on PostgreSQL the engine NOTIFYs listeners within this commit
    return report


def _same(one: ProjectLocation, other: ProjectLocation) -> bool:
    if one.path is not None and other.path is not None:
        return one.path.resolve() == other.path.resolve()
    return one == other


def merge_projects(
    target: Where,
    sources: Sequence[Where],
    *,
    resolutions: Mapping[str, str] | None = None,
    dry_run: bool = False,
    coder: str | None = None,
) -> MergeReport:
    """Merge the projects ``sources`` into ``target``, matching rows by UUID.

    With any unresolved conflict (or ``dry_run``) nothing is written and the report
    says what would happen; otherwise the target is backed up and changed at once.
    """
    location = location_of(target)
    if not sources:
        raise ValidationError("name at least one project to merge in")
    for where in sources:
        if _same(location_of(where), location):
            raise ValidationError(f"{where}: cannot merge a project into itself")
    if location.path is not None and not location.path.is_file():
        raise QualcodeError(f"{location.path}: no such project file")
    # Every incoming project is read before the target is touched: a broken one refuses
    # the whole merge.
    bundles = [read_project(where) for where in sources]
    return apply_bundles(location, bundles, resolutions=resolutions, dry_run=dry_run, coder=coder)
