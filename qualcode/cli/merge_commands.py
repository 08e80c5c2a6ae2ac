"""Bringing work together: merge whole projects, or send one coder's work by e-mail."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from qualcode.cli.common import (
    ProjectParam,
    coder_option,
    echo,
    export_checks_options,
    json_option,
    print_json,
    print_table,
    project_argument,
)
from qualcode.domain.merge import MergeReport
from qualcode.services.export_gate import ExportChecks
from qualcode.services.project import ProjectLocation
from qualcode.services.user_config import known_coder

resolve_option = click.option(
    "--resolve",
    "resolutions",
    multiple=True,
    metavar="UUID=CHOICE",
    help="Settle a reported conflict, e.g. --resolve 1111...=keep-target (repeatable).",
)
dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Show what would happen and write nothing."
)


def _parse(resolutions: tuple[str, ...]) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for item in resolutions:
        uuid, sep, choice = item.partition("=")
        if not sep or not uuid.strip() or not choice.strip():
            raise click.BadParameter(f"{item!r}: expected UUID=CHOICE", param_hint="--resolve")
        parsed[uuid.strip()] = choice.strip()
    return parsed


def _show(report: MergeReport, as_json: bool) -> None:
    if as_json:
        print_json(report)
    else:
        rows = [
            [c.kind, c.added, c.existing, c.renamed, c.conflicts, c.skipped, c.removed]
            for c in report.counts
            if c.added or c.existing or c.renamed or c.conflicts or c.skipped or c.removed
        ]
        print_table(
            ["Kind", "Added", "Already there", "Renamed", "Conflicts", "Skipped", "Removed"],
            rows,
            right=(1, 2, 3, 4, 5, 6),
        )
        for note in report.notes:
            echo(f"Note: {note}")
        if report.written:
            echo(f"Merged into {report.target}. Backup: {report.backup}")
        elif report.dry_run and not report.conflicts:
            echo("Dry run: nothing written.")
        elif not report.conflicts:
            echo(f"Nothing new: {report.target} already holds all of it; it was not changed.")
    if report.conflicts:
        echo(
            f"{len(report.conflicts)} conflict(s); nothing was written. Run again with:",
            err=True,
        )
        for conflict in report.conflicts:
            choices = "|".join(conflict.choices)
            echo(f"  --resolve {conflict.uuid}={choices}   # {conflict.description}", err=True)
        sys.exit(1)


@click.command()
@click.argument("target", type=ProjectParam())
@click.argument("sources", nargs=-1, required=True, type=ProjectParam())
@resolve_option
@dry_run_option
@json_option
@coder_option
def merge(
    target: Path | ProjectLocation,
    sources: tuple[Path | ProjectLocation, ...],
    resolutions: tuple[str, ...],
    dry_run: bool,
    as_json: bool,
    coder: str | None,
) -> None:
    """Merge the projects SOURCE... (or one REFI-QDA .qdpx file) into TARGET, by UUID.

    Codes and coders renamed on one laptop stay one code or coder; anything unsafe
    (a transcript whose text differs, a code moved elsewhere, two codes with one
    path) is listed and nothing is written until you settle it with --resolve.
    TARGET is backed up first; the SOURCE files are never changed. TARGET or a
    SOURCE may be a PostgreSQL URL: a server project is backed up into a private
    copy in your own data folder. On a project with members only an owner merges.
    """
    from qualcode.services.project_import import is_qdpx

    who = known_coder(coder)
    if any(isinstance(p, Path) and is_qdpx(p) for p in sources):
        _merge_qdpx(target, sources, _parse(resolutions), dry_run, as_json, who)
        return
    from qualcode.services.merge import merge_projects

    report = merge_projects(
        target, sources, resolutions=_parse(resolutions), dry_run=dry_run, coder=who
    )
    _show(report, as_json)


def _merge_qdpx(
    target: Path | ProjectLocation,
    sources: tuple[Path | ProjectLocation, ...],
    resolutions: dict[str, str],
    dry_run: bool,
    as_json: bool,
    coder: str | None,
) -> None:
    from qualcode.cli.exchange_import_commands import show_summary
    from qualcode.services.project_import import merge_qdpx

    if len(sources) != 1 or not isinstance(sources[0], Path):
        raise click.UsageError("merge one .qdpx file at a time")
    result = merge_qdpx(target, sources[0], resolutions=resolutions, dry_run=dry_run, coder=coder)
    if not as_json:
        show_summary(result.summary)
    _show(result.report, as_json)


@click.command("export-coder")
@project_argument
@click.option("--coder", required=True, help="The coder whose work to export.")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write (.qcc, JSON inside; readable by you only).",
)
@export_checks_options
def export_coder(project: Path, coder: str, output: Path, checks: ExportChecks) -> None:
    """Write one coder's codings, memos and decisions to a small file to e-mail.

    Transcripts are not included, only their UUIDs and checksums: the person who
    imports the file must already have the same sources in their project.
    """
    from qualcode.services.coder_exchange import export_coder as export

    written, held = export(
        project,
        coder,
        output,
        checks=checks,
    )
    summary = ", ".join(f"{n} {kind}" for kind, n in held.items())
    echo(f"Wrote {written}: {summary}.")


@click.command("import-coder")
@click.argument("project", type=ProjectParam(), metavar="PROJECT")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@resolve_option
@dry_run_option
@json_option
@coder_option
def import_coder(
    project: Path | ProjectLocation,
    file: Path,
    resolutions: tuple[str, ...],
    dry_run: bool,
    as_json: bool,
    coder: str | None,
) -> None:
    """Add a coder's work from FILE (made by export-coder) to PROJECT, by UUID.

    PROJECT may be a PostgreSQL URL. On a project with members only an owner
    imports (a coder sends their file to the owner).
    """
    from qualcode.services.coder_exchange import import_coder as apply

    report = apply(
        project, file, resolutions=_parse(resolutions), dry_run=dry_run, coder=known_coder(coder)
    )
    _show(report, as_json)
