"""Importing transcripts and listing sources."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from qualcode.cli.common import (
    coder_option,
    echo,
    json_option,
    opened,
    print_json,
    print_table,
    project_argument,
)
from qualcode.cli.identity import resolve_coder
from qualcode.domain.records import ImportReport
from qualcode.services.sources import SourceService


@click.command("import")
@project_argument
@click.argument("paths", nargs=-1)
@click.option(
    "--participants",
    "-p",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV or XLSX sheet mapping files and speakers to participants and their attributes.",
)
@click.option(
    "--continue-on-error",
    is_flag=True,
    help="Import the good files even if some are refused (the command still exits 1).",
)
@coder_option
@json_option
def import_(
    project: Path,
    paths: tuple[str, ...],
    participants: Path | None,
    continue_on_error: bool,
    coder: str | None,
    as_json: bool,
) -> None:
    """Import transcripts (.docx .txt .md .vtt .srt) from files, folders or globs.

    The batch is all-or-nothing: if any file is refused, nothing is imported (unless
    --continue-on-error); either way a refused file makes the command exit 1. Exact
    duplicates of transcripts already in the project are skipped. With only
    --participants, the sheet is applied to the sources already in the project.
    """
    if not paths and participants is None:
        raise click.UsageError("name transcript files or folders, or a --participants sheet")
    files = SourceService.collect(paths)
    who = resolve_coder(coder)
    with opened(project) as opened_project, opened_project.session() as session:
        service = SourceService(session, who)
        with click.progressbar(
            length=len(files), label="Reading", file=sys.stderr, show_pos=True
        ) as bar:
            report = service.import_files(
                files,
                participants,
                continue_on_error=continue_on_error,
                progress=lambda _path: bar.update(1),
            )
    if as_json:
        print_json(report)
    else:
        _print_report(report)
    # Any refused file fails the command, even when the good ones were imported, so a
    # script never mistakes a partial import for a complete one.
    if report.problems:
        raise SystemExit(1)


def _print_report(report: ImportReport) -> None:
    for problem in report.problems:
        echo(f"refused: {problem.path}: {problem.reason}", err=True)
    for file, existing in report.duplicates:
        echo(f"skipped: {file}: same text as source '{existing}' already in the project")
    for warning in report.warnings:
        echo(f"warning: {warning}", err=True)
    if not report.committed:
        echo(
            f"Nothing imported: {len(report.problems)} file(s) refused. Fix them, or use "
            "--continue-on-error to import the rest.",
            err=True,
        )
        return
    echo(
        f"Imported {len(report.imported)} transcript(s)"
        + (f"; {len(report.duplicates)} duplicate(s) skipped" if report.duplicates else "")
        + (f"; {len(report.problems)} refused" if report.problems else "")
        + "."
    )
    for name in report.imported:
        echo(f"  {name}")


@click.command()
@project_argument
@json_option
def sources(project: Path, as_json: bool) -> None:
    """List the project's transcripts with their size, turns, participants and codings."""
    with opened(project) as opened_project, opened_project.read_session() as session:
        records = SourceService(session).list_sources()
    if as_json:
        print_json(records)
        return
    print_table(
        ["Source", "Format", "Words", "Turns", "Codings", "Participants"],
        [[r.name, r.format, r.words, r.turns, r.codings, ", ".join(r.cases)] for r in records],
        right=(2, 3, 4),
    )
