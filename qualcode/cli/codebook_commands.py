"""Codebook import, export and display."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.common import (
    coder_option,
    echo,
    export_checks_options,
    json_option,
    opened,
    print_json,
    project_argument,
    shorten,
)
from qualcode.cli.identity import resolve_coder
from qualcode.services.codebook import CodebookService
from qualcode.services.export_gate import ExportChecks


@click.group()
def codebook() -> None:
    """Load, save and show the project's codebook."""


@codebook.command("import")
@project_argument
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@coder_option
def codebook_import(project: Path, file: Path, coder: str | None) -> None:
    """Merge a codebook FILE (.yaml, or .qdc from another tool) into the project, matching
    codes by UUID (a .qdc's GUIDs).

    Codes whose UUID the project knows are updated (renamed, moved, redefined) and keep
    their codings; new codes are added; codes missing from the file are kept.
    """
    with opened(project) as opened_project, opened_project.session() as session:
        report = CodebookService(session, resolve_coder(coder)).import_file(file)
    echo(
        f"Codebook '{report.name}': {len(report.added)} added, "
        f"{len(report.updated)} updated, {report.unchanged} unchanged."
    )
    for path in report.updated:
        echo(f"  updated: {path}")


@codebook.command("export")
@project_argument
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write: .yaml (what `codebook import` reads), .qdc (REFI-QDA, for other "
    "tools) or .docx (a Word table); default: print the YAML.",
)
@export_checks_options
def codebook_export(project: Path, output: Path | None, checks: ExportChecks) -> None:
    """Write the codebook as YAML (the same format `codebook import` reads)."""
    with opened(project) as opened_project, opened_project.read_session() as session:
        service = CodebookService(session)
        if output is None:
            echo(service.export_text(), nl=False)
            return
        written = service.export_file(
            output,
            checks=checks,
        )
    echo(f"Wrote {written}")


@codebook.command("show")
@project_argument
@click.option("--definitions", is_flag=True, help="Show each code's definition too.")
@json_option
def codebook_show(project: Path, definitions: bool, as_json: bool) -> None:
    """Show the code tree."""
    with opened(project) as opened_project, opened_project.read_session() as session:
        codes = CodebookService(session).list_codes()
    if as_json:
        print_json(codes)
        return
    if not codes:
        echo("The codebook is empty. Load one with: qualcode codebook import PROJECT FILE")
    for code in codes:
        echo(f"{'  ' * code.depth}{code.name}")
        if definitions and code.definition:
            echo(f"{'  ' * (code.depth + 1)}- {shorten(code.definition, 90)}")
