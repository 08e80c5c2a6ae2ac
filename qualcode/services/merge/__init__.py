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

Modules: ``reading`` (a project -> a bundle), ``target`` (what the target holds),
``apply`` and ``review`` (a bundle's records applied), ``tally`` (counts, conflicts).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from qualcode.domain.bundle import ProjectBundle
from qualcode.domain.errors import QualcodeError, ValidationError
from qualcode.domain.merge import MergeReport
from qualcode.services.merge.apply import Merger
from qualcode.services.merge.reading import load_bundle, read_project
from qualcode.services.merge.tally import Tally
from qualcode.services.project import Project
from qualcode.store.migrate import backup_file
from qualcode.store.models import AuditEntry

__all__ = ["apply_bundles", "load_bundle", "merge_projects", "read_project"]


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
    target = Path(target)
    with Project.open(target) as project, project.session() as session:
        session.connection()  # BEGIN IMMEDIATE: nobody writes between backup and merge
        backup = None if dry_run else _backup(target)
        try:
            tally = Tally(resolutions or {})
            merger = Merger(session, tally)
            for bundle in bundles:
                merger.apply(bundle)
            report = tally.report(target, [b.label for b in bundles], backup, dry_run)
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
    bundles = [read_project(Path(p)) for p in sources]
    return apply_bundles(target, bundles, resolutions=resolutions, dry_run=dry_run)
