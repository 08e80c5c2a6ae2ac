"""A whole project as a REFI-QDA ``.qdpx`` file, for other tools and for archiving.

Two kinds of file, both through the export gate:

- **Pseudonymised** (``pseudonymise=True``, for sharing and archives that leave the
  team): the identifier register is applied to the transcripts and to every other
  string (names of sources, cases and codes, memos, descriptions, speakers), every
  coding and speaker turn is moved to the same words in the redacted text, and the
  gate requires a reviewed register and scans the written file for names.
- **Original** (the default, for the team's own archive or moving to another tool):
  the project as it is, transcripts and all. The gate's ``original_copy`` protects
  the destination and writes the file atomically, readable by its owner only; there
  is no register to apply and nothing to scan for, and the command says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from qualcode.domain.bundle import ProjectBundle
from qualcode.services.export_gate import ALL_CHECKS, ExportChecks, ExportGate
from qualcode.services.project import Project, ProjectLocation, location_of

WHAT = "a REFI-QDA project"


@dataclass(frozen=True, slots=True)
class ProjectExport:
    """What was written."""

    path: Path
    pseudonymised: bool
    coders: int
    codes: int
    sources: int
    cases: int
    codings: int
    memos: int  # memos on the project, sources and codes, and codings' memos
    checked: int  # pieces of text the gate read back and scanned (0 for an original copy)
    leaks_allowed: int  # registered names left in because the person said so


def export_project(
    project: Path | ProjectLocation,
    output: Path,
    *,
    pseudonymise: bool = False,
    checks: ExportChecks = ALL_CHECKS,
) -> ProjectExport:
    """Write ``project`` to ``output`` (``.qdpx``) and say what the file holds."""
    from qualcode.exporters.project_qdpx import dump_qdpx
    from qualcode.services.merge import load_bundle

    with Project.open(project) as opened, opened.read_session() as session:
        gate = ExportGate(session, checks) if pseudonymise else ExportGate.original_copy(session)
        output, file_format = gate.target(output, ("qdpx",), WHAT)
        bundle = written_part(load_bundle(session, str(project)))
        name = bundle.setting("name") or location_of(project).label
        if pseudonymise:
            bundle = pseudonymised(gate, bundle)
            name = gate.redact(name)
        result = gate.write({output: dump_qdpx(bundle, name)}, file_format)
    return ProjectExport(
        path=result.paths[0],
        pseudonymised=pseudonymise,
        coders=len(bundle.coders),
        codes=len(bundle.codes),
        sources=len(bundle.sources),
        cases=len(bundle.cases),
        codings=len(bundle.codings),
        memos=len(bundle.memos) + sum(1 for c in bundle.codings if c.memo),
        checked=result.checked,
        leaks_allowed=result.leaks_allowed,
    )


def written_part(bundle: ProjectBundle) -> ProjectBundle:
    """What a .qdpx holds. The identifier register is left out above all (it is the
    list of real names); suggestion decisions, review threads and removed codings
    have no place in QDA-XML, and of the settings only the project's name is used."""
    return bundle.with_records(
        identifiers=(),
        decisions=(),
        threads=(),
        entries=(),
        removed=(),
        settings=(s for s in bundle.settings if s.key == "name"),
    )


def pseudonymised(gate: ExportGate, bundle: ProjectBundle) -> ProjectBundle:
    """``bundle`` with the register applied to every string, codings and turns moved
    to the same words in the redacted transcripts."""
    from qualcode.exporters.project_qdpx import moved_to_redacted

    redactor = gate.redactor
    texts = {s.uuid: redactor.apply_mapped(s.text) for s in bundle.sources if s.text is not None}
    moved = moved_to_redacted(bundle, texts)
    # The transcripts are already redacted (with their positions); the rest of the
    # strings go through the gate's walk, so a field added later is covered too.
    others = gate.redact(moved.with_records(sources=(replace(s, text=None) for s in moved.sources)))
    back = {uuid: text.text for uuid, text in texts.items()}
    return others.with_records(sources=(replace(s, text=back.get(s.uuid)) for s in others.sources))
