"""Agreement between coders, per code or per source (issue 6). Kept in its own module so
that `qualcode agreement` loads only what it needs."""

from __future__ import annotations

import textwrap
from pathlib import Path

import click

from qualcode.cli.common import (
    echo,
    export_checks_options,
    json_option,
    opened,
    output_option,
    print_json,
    print_table,
    project_argument,
)
from qualcode.domain.agreement import (
    EXPLANATION,
    shown_row,
    table_header,
    table_rows,
    unit_plural,
)
from qualcode.services.agreement import UNITS, AgreementService
from qualcode.services.export_gate import ExportChecks


@click.command()
@project_argument
@click.option("--coder", "coders", multiple=True, help="Compare this coder (repeat; default: all).")
@click.option("--code", "codes", multiple=True, help="Report this code (repeat; default: all).")
@click.option(
    "--source", "sources", multiple=True, help="Count only this source (repeat; default: all)."
)
@click.option(
    "--unit",
    type=click.Choice(UNITS),
    default="character",
    show_default=True,
    help="What is compared: characters, or sentences / speaker turns coded if any of it is.",
)
@click.option(
    "--by",
    type=click.Choice(["code", "source"]),
    default="code",
    show_default=True,
    help="One row per code, or one row per source.",
)
@click.option(
    "--absent-is-uncoded",
    is_flag=True,
    help="Treat a coder with no coding in a source as 'not coded' rather than missing.",
)
@click.option(
    "--include-subcodes", is_flag=True, help="Count a code's sub-codes' codings as its own."
)
@output_option("Also write the table to a .csv, .xlsx or .docx file (for a report or a meeting).")
@export_checks_options
@json_option
def agreement(
    project: Path,
    coders: tuple[str, ...],
    codes: tuple[str, ...],
    sources: tuple[str, ...],
    unit: str,
    by: str,
    absent_is_uncoded: bool,
    include_subcodes: bool,
    output: Path | None,
    checks: ExportChecks,
    as_json: bool,
) -> None:
    """Agreement between coders: percent agreement, Cohen's kappa, Krippendorff's alpha."""
    with opened(project) as project_, project_.read_session() as session:
        report = AgreementService(session).agreement(
            coders=coders or None,
            codes=codes or None,
            sources=sources or None,
            unit=unit,  # type: ignore[arg-type]
            absent_is_uncoded=absent_is_uncoded,
            include_subcodes=include_subcodes,
        )
        written = None
        if output is not None:
            written = AgreementService(session).export(
                output,
                report,
                by=by,
                checks=checks,
            )
    if as_json:
        print_json(report)
        return
    echo(f"Coders: {', '.join(report.coders) or 'none with codings'}")
    print_table(
        table_header(report, by),
        [shown_row(r) for r in table_rows(report, by)],
        right=(1, 2, 3, 4, 5, 6, 7),
    )
    echo(textwrap.fill(EXPLANATION.format(units=unit_plural(report.unit)), width=88))
    if written is not None:
        echo(f"Wrote the agreement table to {written}")
