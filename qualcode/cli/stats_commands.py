"""Counts per code, for report writers and scripts. Kept in its own module so that
`qualcode stats` loads only what counting needs."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.common import echo, json_option, opened, print_json, print_table, project_argument
from qualcode.domain.codebook import leaf
from qualcode.services.stats import StatsService


@click.command()
@project_argument
@click.option("--coder", help="Count only this coder's codings.")
@click.option(
    "--sort",
    type=click.Choice(["codebook", "codings"]),
    default="codebook",
    show_default=True,
    help="codebook order, or most coded first.",
)
@json_option
def stats(project: Path, coder: str | None, sort: str, as_json: bool) -> None:
    """Per code: codings, sources, participants (cases) and stakeholder groups."""
    with opened(project) as opened_project, opened_project.read_session() as session:
        rows = StatsService(session).code_stats(coder=coder)
    if as_json:
        print_json(rows)
        return
    if sort == "codings":
        rows = sorted(rows, key=lambda r: (-r.total_codings, r.path))
    print_table(
        ["Code", "Codings", "Sources", "Cases", "Groups"],
        [
            [
                ("  " * r.depth if sort == "codebook" else "")
                + (leaf(r.path) if sort == "codebook" else r.path),
                r.total_codings,
                r.total_sources,
                r.total_cases,
                r.total_stakeholder_groups,
            ]
            for r in rows
        ],
        right=(1, 2, 3, 4),
    )
    echo(
        "Counts for a code include its sub-codes. Cases are participants; groups are "
        "distinct stakeholder groups."
    )
