"""Every passage where coders differ, for a review meeting (issue 6)."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.common import (
    echo,
    export_checks_options,
    json_option,
    opened,
    output_option,
    print_json,
    project_argument,
    shorten,
)
from qualcode.services.disagreements import DisagreementService
from qualcode.services.export_gate import ExportChecks


@click.command()
@project_argument
@click.option("--coder", "coders", multiple=True, help="Compare this coder (repeat; default: all).")
@click.option("--code", "codes", multiple=True, help="List this code (repeat; default: all).")
@click.option(
    "--source", "sources", multiple=True, help="Look only in this source (repeat; default: all)."
)
@output_option("Write the list to a .csv, .xlsx or .docx file (identifiers replaced).")
@export_checks_options
@json_option
def disagreements(
    project: Path,
    coders: tuple[str, ...],
    codes: tuple[str, ...],
    sources: tuple[str, ...],
    output: Path | None,
    checks: ExportChecks,
    as_json: bool,
) -> None:
    """Every passage where some coders applied a code and others did not.

    A coder with no coding at all in a source is not counted there (missing, not
    disagreeing); the consensus coder is left out unless named with --coder.
    """
    options = {"coders": coders or None, "codes": codes or None, "sources": sources or None}
    with opened(project) as opened_project, opened_project.read_session() as session:
        service = DisagreementService(session)
        if output is not None:
            written, count = service.export(
                output,
                checks=checks,
                **options,
            )
            echo(f"Wrote {count} disagreement{'s' * (count != 1)} to {written}")
            return
        items = service.disagreements(**options)
    if as_json:
        print_json(items)
        return
    if not items:
        echo("No disagreements: the coders agree wherever they were compared.")
        return
    source = None
    for item in items:
        if item.source != source:
            source = item.source
            echo(f"\n{source}")
        echo(f"  {item.code_path}  [{item.start}-{item.end}]  {item.summary}")
        echo(f"    \u201c{shorten(item.text, 100)}\u201d")
        for coding in item.codings:
            memo = f": {shorten(coding.memo, 80)}" if coding.memo.strip() else ""
            echo(f"    {coding.coder} {coding.start}-{coding.end}{memo}")
    echo(f"\n{len(items)} disagreement{'s' * (len(items) != 1)}")
