"""Writing a whole project for other tools: REFI-QDA ``.qdpx``."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.common import echo, export_checks_options, project_argument
from qualcode.services.export_gate import ALL_CHECKS, ExportChecks


@click.command("export-project")
@project_argument
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The .qdpx file to write (readable by you only).",
)
@click.option(
    "--pseudonymise",
    is_flag=True,
    help="Apply the identifier register to the transcripts and every name and memo, "
    "keeping each coding on the same words (for sharing and archives).",
)
@export_checks_options
def export_project(project: Path, output: Path, pseudonymise: bool, checks: ExportChecks) -> None:
    """Write PROJECT as a REFI-QDA project (.qdpx) that NVivo, ATLAS.ti, MAXQDA and
    QualCoder can open: coders, codes, transcripts, participants and their
    attributes, codings and memos.

    By default the file holds the original transcripts, for your team's own archive
    or for moving to another tool. Use --pseudonymise for a copy to share: the
    identifier register must be reviewed, and the file is checked for names.
    """
    from qualcode.services.project_export import export_project as export

    if not pseudonymise and checks != ALL_CHECKS:
        raise click.UsageError(
            "--allow-identifiers and --allow-unreviewed only apply with --pseudonymise: "
            "without it the file holds the original transcripts and nothing is checked"
        )
    written = export(project, output, pseudonymise=pseudonymise, checks=checks)
    echo(
        f"Wrote {written.path}: {written.sources} sources, {written.codes} codes, "
        f"{written.codings} codings, {written.cases} participants, {written.coders} coders, "
        f"{written.memos} memos."
    )
    if written.pseudonymised:
        left = (
            f"; {written.leaks_allowed} registered identifier(s) LEFT IN because you allowed it"
            if written.leaks_allowed
            else ""
        )
        echo(f"Pseudonymised with the identifier register; {written.checked} texts checked{left}.")
    else:
        echo(
            "Warning: this file contains the original transcripts (not pseudonymised) "
            "and is readable by you only; use --pseudonymise for a copy to share."
        )
