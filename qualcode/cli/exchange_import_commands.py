"""Projects from other tools: `qualcode import-project FILE.qdpx PROJECT.qcp`."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.common import ProjectParam, echo, json_option, print_json
from qualcode.domain.project_import import ProjectImportSummary
from qualcode.services.project import ProjectLocation


def show_summary(summary: ProjectImportSummary) -> None:
    for line in summary.lines():
        echo(line)


@click.command("import-project")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE.qdpx")
@click.argument("project", type=ProjectParam(), metavar="PROJECT.qcp|URL")
@json_option
def import_project(file: Path, project: Path | ProjectLocation, as_json: bool) -> None:
    """Create PROJECT.qcp from a REFI-QDA project (FILE.qdpx) made by NVivo, ATLAS.ti,
    MAXQDA, QualCoder or qualcode.

    Codes, coders, text sources, codings, memos and participants are kept with their
    GUIDs, and every coding is placed on the words the other tool meant. The summary
    says what was not imported (PDF, picture, audio and video sources and their
    codings). PROJECT.qcp must not exist yet; to add a file to an existing project use
    `qualcode merge PROJECT.qcp FILE.qdpx`. A PostgreSQL URL makes the project in
    that database, which must be empty (then run `qualcode serve-setup URL`).
    """
    from qualcode.services.project_import import import_project as run

    result = run(file, project)
    if as_json:
        print_json(result)
        return
    show_summary(result.summary)
    echo(f"Created {project}.")
