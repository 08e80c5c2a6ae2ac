"""Agreement between coders, per code or per source (issue 6). Kept in its own module so
that `qualcode agreement` loads only what it needs."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

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
from qualcode.domain.agreement import EXPLANATION, AgreementReport, unit_plural
from qualcode.domain.agreement_table import (
    SUGGESTER_COLUMNS,
    agreement_columns,
    agreement_table_rows,
    agreement_text,
    header,
    shown_suggester_table,
    suggester_table_rows,
)
from qualcode.domain.suggester_agreement import SUGGESTER_EXPLANATION, SuggesterAgreement
from qualcode.domain.unitized_table import EXPLANATION as UNITIZED_EXPLANATION
from qualcode.domain.unitized_table import (
    HEADING,
    coders_sentence,
    compared_sentence,
    confidence_sentence,
    unitized_header,
    unitized_rows,
    unitized_text,
)
from qualcode.services.agreement import UNITS, AgreementService
from qualcode.services.export_gate import ExportChecks
from qualcode.services.suggestions import SuggestionService, model_path_for
from qualcode.services.unitized import UnitizedService


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
    default=None,
    help="What is compared: characters, or sentences / speaker turns coded if any of it is "
    "(default: character; turn with --with-suggestions).",
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
@click.option(
    "--with-suggestions",
    is_flag=True,
    help="Compare the suggested codes with each coder, as one more coder: kappa and alpha "
    "per code between the suggestions `qualcode suggest` makes at its threshold and each "
    "coder, over turns or sentences. Cross-fitted: each transcript is scored by a model "
    "trained on the other transcripts' coding only, never its own (this trains a few "
    "models: seconds). Nothing is saved.",
)
@click.option(
    "--pipeline",
    default=None,
    help="With --with-suggestions: the spaCy pipeline suggestions use (default: the "
    "configured one, else the blank English pipeline).",
)
@click.option(
    "--family",
    type=click.Choice(["unit", "unitized"]),
    default="unit",
    show_default=True,
    help="unit: percent agreement, Cohen's kappa and Krippendorff's alpha over the --unit "
    "(characters, sentences or turns). unitized: Krippendorff's unitized alpha family over "
    "the stretches coders marked, uncoded text counted as gaps (|uα, uα, cuα and a (k)uα "
    "per code), over the transcripts every compared coder coded. With -o, a .docx or .xlsx "
    "of the unit family also holds the unitized table; with unitized, the file holds only it.",
)
@click.option(
    "--confidence",
    is_flag=True,
    help="With --family unitized: bootstrap 95% intervals and the chance that alpha is "
    "below 0.667 and 0.8 (a few seconds on a large project).",
)
@click.option(
    "--draws",
    type=click.IntRange(min=100),
    default=1000,
    show_default=True,
    help="With --confidence: how many bootstrap resamplings.",
)
@click.option(
    "--seed",
    type=int,
    default=20161,
    show_default=True,
    help="With --confidence: the random seed (the same seed gives the same intervals).",
)
@click.option(
    "--show-uncoded",
    is_flag=True,
    help="Also list the codes (or sources) nobody coded, with a note saying so; they are "
    "left out by default, since their figures say only that nobody coded them.",
)
@click.option(
    "--statement",
    is_flag=True,
    help="Print the reliability paragraph for a report's methods section instead of the "
    "table: the unitized alpha family with intervals, how much was double-coded, the "
    "codebook's version and how the review settled disagreements.",
)
@output_option("Also write the table to a .csv, .xlsx or .docx file (for a report or a meeting).")
@export_checks_options
@json_option
def agreement(
    project: Path,
    coders: tuple[str, ...],
    codes: tuple[str, ...],
    sources: tuple[str, ...],
    unit: str | None,
    by: str,
    absent_is_uncoded: bool,
    include_subcodes: bool,
    with_suggestions: bool,
    pipeline: str | None,
    family: str,
    confidence: bool,
    draws: int,
    seed: int,
    show_uncoded: bool,
    statement: bool,
    output: Path | None,
    checks: ExportChecks,
    as_json: bool,
) -> None:
    """Agreement between coders: percent agreement, Cohen's kappa, Krippendorff's alpha.

    With --with-suggestions, how well the suggested codes agree with each coder. With
    --family unitized, Krippendorff's unitized alpha family."""
    if statement:
        from qualcode.cli.reliability_commands import print_statement

        print_statement(
            project,
            coders=coders,
            codes=codes,
            sources=sources,
            include_subcodes=include_subcodes,
            as_json=as_json,
        )
        return
    if family == "unitized" and with_suggestions:
        raise click.UsageError("--family unitized compares coders only, not --with-suggestions")
    if family == "unitized" and unit is not None:
        raise click.UsageError(
            "--family unitized compares the stretches coders marked, character by character; "
            "--unit is for --family unit"
        )
    if confidence and family != "unitized":
        raise click.UsageError("--confidence is for --family unitized")
    # What is compared, the same for the coders' report and the suggestions'.
    chosen: dict[str, Any] = {
        "coders": coders or None,
        "codes": codes or None,
        "sources": sources or None,
        "unit": unit or ("turn" if with_suggestions else "character"),
        "absent_is_uncoded": absent_is_uncoded,
        "include_subcodes": include_subcodes,
    }
    if family == "unitized":
        _unitized(project, chosen, confidence, draws, seed, show_uncoded, output, checks, as_json)
        return
    report: AgreementReport | SuggesterAgreement
    with opened(project) as opened_project:
        # Suggestions write: scoring may add the transcripts' analyses to the project's cache.
        opened_session = opened_project.session if with_suggestions else opened_project.read_session
        with opened_session() as session:
            service = AgreementService(session)
            if with_suggestions:
                suggester = SuggestionService(
                    session, None, model_path=model_path_for(opened_project), pipeline=pipeline
                )
                report = service.suggester_agreement(suggester, **chosen)
            else:
                report = service.agreement(**chosen)
            written = None
            if output is not None:
                # A report's file carries the unitized family beside the unit table.
                unitized = (
                    None
                    if with_suggestions or output.suffix.lower() == ".csv"
                    else UnitizedService(session).family(**_unitized_choice(chosen))
                )
                written = service.export(output, report, by=by, checks=checks, unitized=unitized)
    if as_json:
        print_json(report)
    elif isinstance(report, SuggesterAgreement):
        _print_suggester_table(report, by, written, show_uncoded)
    else:
        _print_agreement_table(report, by, written, show_uncoded)


def _unitized_choice(chosen: dict[str, Any]) -> dict[str, Any]:
    """The unit table's selection, as the unitized family takes it (no unit: it is the
    stretches coders marked)."""
    return {k: v for k, v in chosen.items() if k != "unit"}


def _unitized(
    project: Path,
    chosen: dict[str, Any],
    confidence: bool,
    draws: int,
    seed: int,
    show_uncoded: bool,
    output: Path | None,
    checks: ExportChecks,
    as_json: bool,
) -> None:
    """`--family unitized`: the family, its material, and what each coefficient answers."""
    with opened(project) as opened_project, opened_project.read_session() as session:
        report = UnitizedService(session).family(
            **_unitized_choice(chosen), confidence=confidence, draws=draws, seed=seed
        )
        written = None
        if output is not None:
            written = AgreementService(session).export(output, None, checks=checks, unitized=report)
    if as_json:
        print_json(report)
        return
    echo(HEADING + ".")
    echo(coders_sentence(report) + ".")
    echo(textwrap.fill(compared_sentence(report), width=88))
    if len(report.family.coders) >= 2:
        rows = unitized_rows(report, show_uncoded=show_uncoded)
        headers = unitized_header(report)
        print_table(
            headers,
            [unitized_text(row, report) for row in rows.shown],
            right=[i for i, h in enumerate(headers) if h not in ("Coefficient", "Measure", "Note")],
        )
        if rows.left_out:
            echo(
                f"{len(rows.left_out)} codes nobody coded in the compared transcripts are "
                "left out (--show-uncoded lists them)."
            )
        echo(textwrap.fill(UNITIZED_EXPLANATION, width=88))
        if report.confidence:
            echo(textwrap.fill(confidence_sentence(report), width=88))
    if written is not None:
        echo(f"Wrote the unitized agreement table to {written}")


def _print_agreement_table(
    report: AgreementReport, by: str, written: Path | None, show_uncoded: bool
) -> None:
    """Alpha first and percent agreement last, as the agreement screen shows them."""
    echo(
        textwrap.fill(
            f"Agreement by {unit_plural(report.unit)} (percent agreement, Cohen's kappa and "
            f"Krippendorff's alpha, each {report.unit} coded or not; --family unitized for "
            "the unitized alpha family):",
            width=88,
        )
    )
    echo(f"Coders: {', '.join(report.coders) or 'none with codings'}")
    columns = agreement_columns(report)
    rows = agreement_table_rows(report, by, show_uncoded=show_uncoded)
    print_table(
        header(columns, by, report.unit),
        [agreement_text(row, note, columns) for row, note in rows.shown],
        right=[i + 1 for i, c in enumerate(columns) if c.key != "note"],
    )
    if rows.left_out:
        kind = "codes" if by == "code" else "sources"
        echo(f"{len(rows.left_out)} {kind} nobody coded are left out (--show-uncoded lists them).")
    echo(textwrap.fill(EXPLANATION.format(units=unit_plural(report.unit)), width=88))
    if written is not None:
        echo(f"Wrote the agreement table to {written}")


def _print_suggester_table(
    report: SuggesterAgreement, by: str, written: Path | None, show_uncoded: bool
) -> None:
    """The suggestions against each coder: one row per code and coder."""
    echo(
        f"The suggestions compared with {', '.join(report.coders) or 'nobody (no codings yet)'}"
        f", over {unit_plural(report.unit)}:"
    )
    print_table(
        header(SUGGESTER_COLUMNS, by, report.unit),
        shown_suggester_table(report, by, show_uncoded=show_uncoded),
        right=[i + 1 for i, c in enumerate(SUGGESTER_COLUMNS) if c.key not in ("coder", "note")],
    )
    _, left_out = suggester_table_rows(report, by, show_uncoded=show_uncoded)
    if left_out:
        echo(
            f"{len(left_out)} rows where neither the suggestions nor the coder coded anything "
            "are left out (--show-uncoded lists them)."
        )
    echo(textwrap.fill(SUGGESTER_EXPLANATION.format(units=unit_plural(report.unit)), width=88))
    if written is not None:
        echo(f"Wrote the table to {written}")
