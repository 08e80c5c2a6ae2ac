"""Projects from other tools: a REFI-QDA ``.qdpx`` as a new project, or merged into one.

The file is read whole (``importers.project_qdpx``) before any project is touched, so a
refused file changes nothing; the bundle it gives is then applied by the merge service,
by GUID, in one transaction, with the same rules as merging two qualcode projects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from qualcode.domain.errors import ConflictError, QualcodeError
from qualcode.domain.merge import MergeReport
from qualcode.domain.project_import import ProjectImportSummary
from qualcode.services.merge import apply_bundles
from qualcode.services.project import (
    PROJECT_SUFFIX,
    ProjectLocation,
    Where,
    location_of,
    new_project,
)
from qualcode.store.migrate import database_kind


@dataclass(frozen=True, slots=True)
class ProjectImportResult:
    """What the file held and left out (``summary``), and what the project took in."""

    summary: ProjectImportSummary
    report: MergeReport


def is_qdpx(path: Path) -> bool:
    """Whether ``path`` is a REFI-QDA project rather than a qualcode one: by its suffix,
    or, whatever it is called (``study.zip``, a name without a suffix), by being a zip
    archive; a qualcode project is an SQLite file."""
    path = Path(path)
    if path.suffix.lower() == ".qdpx":
        return True
    if database_kind(path) is not None:
        return False  # and never a plain open() on a database (see database_kind)
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def import_project(qdpx: Path, project: Where) -> ProjectImportResult:
    """Create the project ``project`` from ``qdpx``: a new file (an existing one is
    refused) or an empty PostgreSQL database (one holding any table is refused). The
    file is read whole first; on any failure no project is left behind (no file, or
    the database as empty as it was)."""
    from qualcode.importers.project_qdpx import read_qdpx  # only this command needs it

    qdpx, location = Path(qdpx), location_of(project)
    _refuse_existing(qdpx, location)
    bundle, summary = read_qdpx(qdpx)
    with new_project(location, summary.project_name) as created:
        created.close()
        # A project made a moment ago has nothing to lose: no backup of it.
        report = apply_bundles(location, [bundle], action="project.import-qdpx", back_up=False)
        if report.conflicts:  # an empty project has nothing to clash with; be sure
            raise ConflictError(f"{qdpx}: {report.conflicts[0].description}")
    return ProjectImportResult(summary, report)


def _refuse_existing(qdpx: Path, location: ProjectLocation) -> None:
    """One line, before the file is read, if ``location`` is an existing file. (A
    database that holds any table is refused in one line when the project is made.)"""
    path = location.path
    if path is None:
        return
    if path.exists() or path.is_symlink():
        raise QualcodeError(
            f"{path}: already exists; import-project makes a new project "
            f"(to add {qdpx.name} to this one, use `qualcode merge {path} {qdpx}`)"
        )
    if path.suffix != PROJECT_SUFFIX:
        raise QualcodeError(f"{path}: a project file name must end in {PROJECT_SUFFIX}")


def merge_qdpx(
    target: Where,
    qdpx: Path,
    *,
    resolutions: Mapping[str, str] | None = None,
    dry_run: bool = False,
    coder: str | None = None,
) -> ProjectImportResult:
    """Add ``qdpx`` to the existing project ``target`` by GUID (backed up first;
    conflicts or ``dry_run`` write nothing)."""
    from qualcode.importers.project_qdpx import read_qdpx  # see import_project

    location = location_of(target)
    if location.path is not None and not location.path.is_file():
        raise QualcodeError(f"{location.path}: no such project file")
    bundle, summary = read_qdpx(Path(qdpx))
    report = apply_bundles(
        location,
        [bundle],
        resolutions=resolutions,
        dry_run=dry_run,
        action="project.merge-qdpx",
        coder=coder,
    )
    return ProjectImportResult(summary, report)
