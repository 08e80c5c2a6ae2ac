"""The demo project: the bundled transcripts and study codebook in a ready project."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qualcode.domain.errors import QualcodeError
from qualcode.domain.records import SourceRecord
from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.demo_material import DemoMaterial, read_key
from qualcode.services.demo_material import (  # where the CLI and tests find the demo
    find_demo_material as find_demo_material,
)
from qualcode.services.demo_review import add_review_coding
from qualcode.services.identifiers import IdentifierService
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
from qualcode.services.suggestions import model_path_for
from qualcode.store.migrate import backup_file

EXAMPLE_CODER = "Example coder"
# Suggested in the demo but naming no one and nowhere: a cat, a football club.
DEMO_NOT_IDENTIFIERS = ("Biscuit", "Leeds")


@dataclass(frozen=True, slots=True)
class DemoReport:
    path: Path
    built: bool
    backup: Path | None
    codebook: str
    codes: int
    sources: tuple[SourceRecord, ...]


def build_demo(
    folder: Path,
    material: DemoMaterial,
    *,
    coder: str,
    fresh: bool = False,
    with_coding: bool = False,
    with_review: bool = False,
    with_register: bool = False,
) -> DemoReport:
    """Open the demo project in ``folder``, building it first if needed.

    An existing demo is reopened, not rebuilt, because the researcher may have coded
    in it; ``fresh`` keeps a backup of it before starting again. ``with_coding`` codes
    it as the answer key does; ``with_review`` as three peer researchers would, each a
    little differently, ready for a review. ``with_register`` fills the identifier
    register from the suggestions (never the participants' pseudonyms) and marks it
    reviewed, so the demo exports out of the box; without it an export asks for the
    register to be reviewed first, as it would in a real study.
    """
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / "demo.qcp"
    backup: Path | None = None
    built = False
    if path.exists() and fresh:
        backup = backup_file(path, "demo")
        _move_model(path, backup)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    if not path.exists():
        _build(path, material, coder)
        built = True
        if with_coding:
            add_example_coding(path, material)
        if with_review:
            add_review_coding(path, material)
        if with_register:
            add_demo_register(path, coder)
    with Project.open(path) as project, project.read_session() as session:
        codes = len(CodebookService(session).list_codes())
        codebook = CodebookService(session).export_codebook().name
        sources = tuple(SourceService(session).list_sources())
    return DemoReport(path, built, backup, codebook, codes, sources)


def _build(path: Path, material: DemoMaterial, coder: str) -> None:
    try:
        with Project.create(path, name="Demo: mental health involvement study") as project:
            with project.session() as session:
                CodebookService(session, coder).import_file(material.codebook)
                service = SourceService(session, coder)
                files = service.collect([material.transcripts])
                report = service.import_files(files, material.participants)
            if not report.committed:
                problems = "; ".join(f"{p.path}: {p.reason}" for p in report.problems)
                raise QualcodeError(f"the demo transcripts could not be imported: {problems}")
    except BaseException:
        # A half-built demo would be reopened next time as if whole: remove it.
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise


def _move_model(path: Path, backup: Path) -> None:
    """The learned suggestion model goes with the old project's backup: left beside
    the new project it would suggest from passages that exist only in the backup."""
    model = model_path_for(path)
    if model.exists():
        model.replace(model_path_for(backup))


def add_demo_register(path: Path, coder: str) -> int:
    """Register every identifier suggested in the demo with its proposed replacement,
    then mark the register reviewed; returns how many were registered.

    The suggestions leave out the participants' pseudonyms, so attributions keep them.
    """
    with Project.open(path) as project, project.session() as session:
        service = IdentifierService(session, coder)
        registered = service.add_suggestions(note="demo", skip=DEMO_NOT_IDENTIFIERS)
        service.mark_reviewed()
    return len(registered.added)


def add_example_coding(path: Path, material: DemoMaterial) -> int:
    """Code the demo as a colleague would have (as "Example coder"), so extracts,
    reports and suggestions have something to work with. Returns the codings made."""
    key = read_key(material.example_coding)
    made = 0
    with Project.open(path) as project, project.session() as session:
        service = CodingService(session, EXAMPLE_CODER)
        for passage in key:
            for code in passage.codes:
                service.add_passage(passage.source, code, passage.quote)
                made += 1
    return made
