"""Exports for report writers: a Word report, quotes and evidence tables as CSV/XLSX,
and the codebook as a Word table. Every export applies the identifier register and
checks its own output for names before it is kept."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from qualcode.cli.common import (
    echo,
    export_checks_options,
    opened,
    output_option,
    project_argument,
)
from qualcode.domain.reports import ReportFilter, ReportOptions
from qualcode.services.export_gate import ExportChecks
from qualcode.services.reports import ExportResult, ReportService

F = Callable[..., Any]

output = output_option("The file to write.", required=True)


def filter_options(function: F) -> F:
    """The options every export shares, handed to the command as one ``report_filter``."""

    @functools.wraps(function)
    def command(
        *args: Any,
        codes: tuple[str, ...],
        where: tuple[str, ...],
        coders: tuple[str, ...],
        consensus: bool,
        sources: tuple[str, ...],
        **kwargs: Any,
    ) -> Any:
        if consensus and coders:
            raise click.UsageError("use --coder or --consensus, not both")
        report_filter = ReportFilter(
            codes=codes,
            where=ReportFilter.parse_where(where),
            coders=coders,
            consensus=consensus,
            sources=sources,
        )
        return function(*args, report_filter=report_filter, **kwargs)

    options = [
        click.option(
            "--codes",
            "codes",
            multiple=True,
            help="Only these codes (and their sub-codes); repeat for several.",
        ),
        click.option(
            "--where",
            "where",
            multiple=True,
            metavar="ATTRIBUTE=VALUE[,VALUE]",
            help="Only participants with this attribute value, e.g. area=L; repeatable.",
        ),
        click.option(
            "--coder", "coders", multiple=True, help="Only this coder's coding; repeatable."
        ),
        click.option(
            "--consensus", is_flag=True, help="Only the coding the group agreed (a peer review)."
        ),
        click.option("--source", "sources", multiple=True, help="Only this source; repeatable."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group()
def export() -> None:
    """Word reports, quotes and evidence tables for report writers."""


@export.command("docx")
@project_argument
@output
@filter_options
@click.option("--title", default="Coded extracts", show_default=True, help="The report's title.")
@click.option(
    "--order-by",
    default="source",
    show_default=True,
    help="Order extracts under each code by source, stakeholder_group, date or any attribute.",
)
@click.option(
    "--attribution",
    default=None,
    help="Attribution template, e.g. '{stakeholder_group}, {area:area}' "
    "(default: the project's, see `qualcode export attribution`).",
)
@click.option("--show-source", is_flag=True, help="Name the source under each quote.")
@click.option("--show-time", is_flag=True, help="Give the turn's time in the recording.")
@click.option(
    "--show-coder",
    is_flag=True,
    help="Name who coded each extract (by default a quote says only how many coders "
    "applied the code).",
)
@click.option("--memos", is_flag=True, help="Include code memos and coding memos.")
@click.option(
    "--max-words",
    type=click.IntRange(min=5),
    default=None,
    help="Trim longer extracts to whole sentences, marking what is left out [...].",
)
@click.option(
    "--no-widen",
    is_flag=True,
    help="Quote exactly what was coded, even part of a sentence (default: whole sentences).",
)
@click.option("--no-tables", is_flag=True, help="Leave out the evidence tables and chart.")
@click.option("--no-chart", is_flag=True, help="Leave out the bar chart.")
@click.option(
    "--reliability",
    is_flag=True,
    help="Add a Reliability section: the paragraph `qualcode agreement --statement` prints "
    "(unitized alpha with intervals, double coding, codebook version, the review's outcome).",
)
@click.option(
    "--evidence-attribute",
    default="method",
    show_default=True,
    help="The attribute listed as each code's source of evidence.",
)
@click.option(
    "--matrix-attribute",
    default="stakeholder_group",
    show_default=True,
    help="The attribute of the codes-by-attribute table.",
)
@export_checks_options
def export_docx(
    project: Path,
    output: Path,
    report_filter: ReportFilter,
    title: str,
    order_by: str,
    attribution: str | None,
    show_source: bool,
    show_time: bool,
    show_coder: bool,
    memos: bool,
    max_words: int | None,
    no_widen: bool,
    no_tables: bool,
    no_chart: bool,
    reliability: bool,
    evidence_attribute: str,
    matrix_attribute: str,
    checks: ExportChecks,
) -> None:
    """A Word report: quotes under the codebook's headings, attributed by group and
    area, with frequency and source-of-evidence tables and a chart. Each passage is
    quoted once: the agreed version where a review agreed one, otherwise the coders'
    overlapping codings of a code as one quote. Three attributions are printed first,
    so you can see how quotes will read."""
    options = ReportOptions(
        title=title,
        attribution=attribution,
        order_by=order_by,
        show_source=show_source,
        show_time=show_time,
        show_coder=show_coder,
        include_memos=memos,
        widen_to_sentences=not no_widen,
        max_words=max_words,
        include_tables=not no_tables,
        include_chart=not no_chart,
        evidence_attribute=evidence_attribute,
        matrix_attribute=matrix_attribute,
        include_reliability=reliability,
    )
    with opened(project) as opened_project, opened_project.session() as session:
        result = ReportService(session).export_docx(
            output,
            report_filter,
            options,
            checks=checks,
            preview=_preview,
        )
    _done(result, "quotes")


@export.command("quotes")
@project_argument
@output
@filter_options
@click.option(
    "--attributes",
    default=None,
    help="Comma-separated participant attributes to include (default: all).",
)
@export_checks_options
def export_quotes(
    project: Path,
    output: Path,
    report_filter: ReportFilter,
    attributes: str | None,
    checks: ExportChecks,
) -> None:
    """One coded quote per row, as CSV or XLSX (by the file name)."""
    names = [a.strip() for a in attributes.split(",") if a.strip()] if attributes else None
    with opened(project) as opened_project, opened_project.session() as session:
        result = ReportService(session).export_quotes(
            output,
            report_filter,
            attributes=names,
            checks=checks,
        )
    _done(result, "quotes")


@export.command("tables")
@project_argument
@output
@filter_options
@click.option(
    "--evidence-attribute",
    default="method",
    show_default=True,
    help="Source of evidence attribute.",
)
@click.option(
    "--matrix-attribute",
    default="stakeholder_group",
    show_default=True,
    help="The attribute of the codes-by-attribute table.",
)
@click.option(
    "--sort",
    type=click.Choice(["codebook", "frequency"]),
    default="codebook",
    show_default=True,
    help="Codebook order, or most frequently identified first (within each theme).",
)
@export_checks_options
def export_tables(
    project: Path,
    output: Path,
    report_filter: ReportFilter,
    evidence_attribute: str,
    matrix_attribute: str,
    sort: str,
    checks: ExportChecks,
) -> None:
    """Evidence tables: frequencies, source of evidence, codes by attribute, framework
    matrix and co-occurrence; CSV (one file each) or one XLSX workbook."""
    options = ReportOptions(
        evidence_attribute=evidence_attribute, matrix_attribute=matrix_attribute
    )
    with opened(project) as opened_project, opened_project.session() as session:
        written = ReportService(session).export_tables(
            output,
            report_filter,
            options,
            sort=sort,
            checks=checks,
        )
    for path in written:
        echo(f"wrote {path}")


@export.command("codebook")
@project_argument
@output
@export_checks_options
def export_codebook(project: Path, output: Path, checks: ExportChecks) -> None:
    """The codebook as a Word table (name, definition, include, exclude, example)."""
    with opened(project) as opened_project, opened_project.read_session() as session:
        path = ReportService(session).export_codebook_docx(
            output,
            checks=checks,
        )
    echo(f"wrote {path}")


@export.command("attribution")
@project_argument
@click.argument("template", required=False)
def attribution(project: Path, template: str | None) -> None:
    """Show or set how quotes are attributed in this project, e.g.
    '{pseudonym|stakeholder_group}, {area:area}' ({area:area} reads an area letter
    as "local area G" and "National" as "national")."""
    from qualcode.domain.reports import DEFAULT_ATTRIBUTION

    with opened(project) as opened_project, opened_project.session() as session:
        service = ReportService(session)
        if template:
            service.set_attribution_template(template)
        current = service.attribution_template()
    echo(current or f"{DEFAULT_ATTRIBUTION} (the default)")


def _preview(attributions: tuple[str, ...]) -> None:
    if attributions:
        shown = "; ".join(f"\u201c{a}\u201d" for a in attributions)
        echo(f"Quotes attributed as, e.g.: {shown} (change with --attribution)")


def _done(result: ExportResult, what: str) -> None:
    note = (
        f"; {result.leaks_allowed} registered identifier(s) LEFT IN because you allowed it"
        if result.leaks_allowed
        else "; no registered identifier found in it"
    )
    echo(
        f"wrote {result.path}: {result.extracts} {what} under {result.codes} codes "
        f"in {result.seconds:.1f} s (checked {result.checked} pieces of text{note})"
    )
