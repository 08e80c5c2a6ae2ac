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
from qualcode.services.project import PROJECT_SUFFIX, new_project


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
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def import_project(qdpx: Path, project: Path) -> ProjectImportResult:
    """Create the project ``project`` from ``qdpx``; refuse an existing file. On any
    failure no project file is left behind."""
    from qualcode.importers.project_qdpx import read_qdpx  # only this command needs it

    qdpx, project = Path(qdpx), Path(project)
    if project.exists() or project.is_symlink():
        raise QualcodeError(
            f"{project}: already exists; import-project makes a new project "
            f"(to add {qdpx.name} to this one, use `qualcode merge {project} {qdpx}`)"
        )
    if project.suffix != PROJECT_SUFFIX:
        raise QualcodeError(f"{project}: a project file name must end in {PROJECT_SUFFIX}")
    bundle, summary = read_qdpx(qdpx)
    with new_project(project, summary.project_name) as created:
        created.close()
        report = apply_bundles(project, [bundle], action="project.import-qdpx")
        if report.conflicts:  # an empty project has nothing to clash with; be sure
            raise ConflictError(f"{qdpx}: {report.conflicts[0].description}")
    if report.backup:
        # The backup is of the empty project made a moment ago: nothing to keep.
        Path(report.backup).unlink(missing_ok=True)
    return ProjectImportResult(summary, report)


def merge_qdpx(
    target: Path,
    qdpx: Path,
    *,
    resolutions: Mapping[str, str] | None = None,
    dry_run: bool = False,
) -> ProjectImportResult:
    """Add ``qdpx`` to the existing project ``target`` by GUID (backed up first;
    conflicts or ``dry_run`` write nothing)."""
    from qualcode.importers.project_qdpx import read_qdpx  # see import_project

    target = Path(target)
    if not target.is_file():
        raise QualcodeError(f"{target}: no such project file")
    bundle, summary = read_qdpx(Path(qdpx))
    report = apply_bundles(
        target, [bundle], resolutions=resolutions, dry_run=dry_run, action="project.merge-qdpx"
    )
    return ProjectImportResult(summary, report)
