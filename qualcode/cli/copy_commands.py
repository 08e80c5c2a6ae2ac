"""Moving a project between a file and a PostgreSQL server: `qualcode copy`."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.common import ProjectParam, echo
from qualcode.services.project import ProjectLocation
from qualcode.services.project_copy import copy_project


@click.command()
@click.argument("source", type=ProjectParam(exists=True), metavar="SOURCE")
@click.argument("destination", type=ProjectParam(), metavar="DEST")
def copy(source: Path | ProjectLocation, destination: Path | ProjectLocation) -> None:
    """Copy a whole project to a new file or an empty PostgreSQL database.

    Either way round: study.qcp to postgresql+psycopg://user@host/dbname, a database
    back to a file, file to file or database to database. SOURCE is never changed.
    DEST must be new (a file that does not exist, or an empty database). Every table
    is compared with SOURCE afterwards; if anything differs, or anything fails on the
    way, DEST is left as it was. The password comes from PGPASSWORD or ~/.pgpass,
    never from the URL.
    """
    report = copy_project(source, destination)
    echo(f"Copied {report.source} to {report.destination} in {report.seconds:.1f} s:")
    echo(report.summary())
