"""Agreement between coders, per code or per source (issue 6). Kept in its own module so
that `qualcode agreement` loads only what it needs."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.common import json_option, opened, print_json, print_table, project_argument
from qualcode.domain.agreement import AgreementRow, Statistic
from qualcode.services.agreement import UNITS, AgreementService

FOOTER = """\
Agree: share of agreeing pairs of coders over all {units} (coded or not).
Kappa: Cohen's kappa, two coders only. Alpha: Krippendorff's alpha (nominal), any
number of coders; a coder with no coding in a source is missing data there. Both
correct for chance: 1 is perfect, 0 is chance level, below 0 worse than chance.
'-' means undefined: no variation (nobody coded it, or everyone everything) or fewer
than two coders with values. Coded: {units} anyone coded; All/Some: coded by every
coder present or only some - agreement within coded material, which the uncoded
text does not flatter."""


def _statistic(value: Statistic, percent: bool = False) -> str:
    if value.value is None:
        return "-"
    shown = f"{value.value:.1%}" if percent else f"{value.value:.3f}"
    return shown.replace("-0.000", "0.000")  # a tiny negative rounds to zero, unsigned


def _count(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


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
    if as_json:
        print_json(report)
        return
    units = {"character": "characters", "sentence": "sentences", "turn": "turns"}[unit]
    click.echo(f"Coders: {', '.join(report.coders) or 'none with codings'}")
    rows: list[AgreementRow] = [*(report.by_code if by == "code" else report.by_source)]
    rows.append(report.overall)
    print_table(
        [
            "Code" if by == "code" else "Source",
            units.capitalize(),
            "Coded",
            "All",
            "Some",
            "Agree",
            "Kappa",
            "Alpha",
            "Notes",
        ],
        [
            [
                r.label,
                _count(r.units),
                _count(r.coded_by_any),
                _count(r.coded_by_all),
                _count(r.coded_by_some),
                _statistic(r.percent_agreement, percent=True),
                _statistic(r.kappa),
                _statistic(r.alpha),
                "; ".join(
                    r.notes
                    + tuple(
                        f"{name}: {s.reason}"
                        for name, s in (("alpha", r.alpha),)
                        if s.reason and s.value is None
                    )
                ),
            ]
            for r in rows
        ],
        right=(1, 2, 3, 4, 5, 6, 7),
    )
    click.echo(FOOTER.format(units=units))
