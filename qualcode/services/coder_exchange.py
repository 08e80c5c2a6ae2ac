"""One coder's work as a small file to send by e-mail, and applying it elsewhere.

The file holds the coder's codings, memos, suggestion decisions and review comments
(the threads they wrote in, with only their entries), the codes they
use (with their ancestors, paths and definitions, so a missing code can be
recreated) and the sources they are on by UUID and content hash only: never a
transcript's text, which is about vulnerable people and must not travel by e-mail.
The recipient must already hold those sources. Saved as JSON with a checksum,
written atomically, readable by its owner only.

The format is written by :mod:`qualcode.exporters.coder_exchange` and read by
:mod:`qualcode.importers.coder_exchange`; this service opens the project, passes the
export gate and applies what is read by the rules of a merge.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from qualcode.domain.bundle import ProjectBundle
from qualcode.domain.coder_exchange import FORMAT
from qualcode.domain.merge import MergeReport
from qualcode.exporters.coder_exchange import coder_document
from qualcode.importers.coder_exchange import read_coder_exchange
from qualcode.services.export_gate import ALL_CHECKS, ExportChecks, ExportGate
from qualcode.services.merge import apply_bundles, load_bundle
from qualcode.services.project import Project, Where
from qualcode.store.models import ProjectSetting

__all__ = ["FORMAT", "export_coder", "import_coder", "read_coder_file"]


def export_coder(
    project: Path,
    coder: str,
    output: Path,
    *,
    checks: ExportChecks = ALL_CHECKS,
) -> tuple[Path, dict[str, int]]:
    """Write ``coder``'s work in ``project`` to ``output`` through the export gate (memos
    and comments leave the project, so the register applies to them). Returns the
    path written and what the file holds."""
    with Project.open(project) as opened, opened.read_session() as session:
        gate = ExportGate(session, checks)
        output, file_format = gate.target(output, ("qcc", "json"), "a coder's exchange file")
        everything = load_bundle(session, str(project))
        project_uuid = session.scalar(
            select(ProjectSetting.value).where(ProjectSetting.key == "uuid")
        )
        data, held = coder_document(
            everything,
            coder,
            project_uuid=project_uuid,
            exported_at=datetime.now(UTC),
            redact=gate.redact,
        )
        gate.write({output: data}, file_format)
    return output, held


def read_coder_file(path: Path) -> ProjectBundle:
    """The records of a coder file, checked against its checksum."""
    return read_coder_exchange(Path(path))


def import_coder(
    project: Where,
    file: Path,
    *,
    resolutions: Mapping[str, str] | None = None,
    dry_run: bool = False,
    coder: str | None = None,
) -> MergeReport:
    """Apply a coder file to ``project`` (a file or a database) by the same rules as a
    merge of projects, and with the same rights: on a project with members only an
    owner imports, even a coder's own file, since it can add codes, coders and review
    threads, which are the owner's (and which a server's grants refuse a coder, midway)."""
    return apply_bundles(
        project,
        [read_coder_file(Path(file))],
        resolutions=resolutions,
        dry_run=dry_run,
        action="coder.import",
        coder=coder,
    )
