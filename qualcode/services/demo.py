"""The demo project: the bundled transcripts and study codebook in a ready project."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from qualcode.domain.errors import QualcodeError
from qualcode.domain.records import SourceRecord
from qualcode.services.codebook import CodebookService
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
from qualcode.store.migrate import backup_file

ENV_DEMO_DIR = "QUALCODE_DEMO_DIR"
DEMO_CODEBOOK = "barriers-and-enablers.yaml"
PARTICIPANTS_SHEET = "participants.csv"


@dataclass(frozen=True, slots=True)
class DemoMaterial:
    transcripts: Path
    codebook: Path
    participants: Path


@dataclass(frozen=True, slots=True)
class DemoReport:
    path: Path
    built: bool
    backup: Path | None
    codebook: str
    codes: int
    sources: tuple[SourceRecord, ...]


def find_demo_material(root: Path | None = None) -> DemoMaterial:
    """The demo folders: $QUALCODE_DEMO_DIR, else the checkout qualcode runs from."""
    base = root or Path(os.environ.get(ENV_DEMO_DIR) or Path(__file__).resolve().parents[2])
    material = DemoMaterial(
        transcripts=base / "transcripts",
        codebook=base / "codebooks" / DEMO_CODEBOOK,
        participants=base / "transcripts" / PARTICIPANTS_SHEET,
    )
    for needed in (material.transcripts, material.codebook, material.participants):
        if not needed.exists():
            raise QualcodeError(
                f"{needed}: demo material not found; run qualcode from a checkout of its "
                f"repository (pip install -e .) or set {ENV_DEMO_DIR}"
            )
    return material


def build_demo(
    folder: Path, material: DemoMaterial, *, coder: str, fresh: bool = False
) -> DemoReport:
    """Open the demo project in ``folder``, building it first if needed.

    An existing demo is reopened, not rebuilt, because the researcher may have coded
    in it; ``fresh`` keeps a backup of it before starting again.
    """
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / "demo.qcp"
    backup: Path | None = None
    built = False
    if path.exists() and fresh:
        backup = backup_file(path, "demo")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    if not path.exists():
        _build(path, material, coder)
        built = True
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
