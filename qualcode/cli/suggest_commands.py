"""Suggested codes from the command line: see them with their reasons, accept or
reject them, retrain the project's model, and measure how far to trust it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from qualcode.cli.common import (
    coder_option,
    echo,
    json_option,
    opened,
    print_json,
    print_json_list,
    print_table,
    project_argument,
    shorten,
)
from qualcode.cli.identity import resolve_coder
from qualcode.domain.suggestions import Evaluation, Scores, SuggestionRun, Unit
from qualcode.services.collection import collector_paused
from qualcode.services.project import Project
from qualcode.services.suggestions import CURVE, SuggestionService, model_path_for

unit_option = click.option(
    "--unit",
    type=click.Choice([u.value for u in Unit]),
    default=Unit.TURN.value,
    show_default=True,
    help="Suggest for whole speaker turns or single sentences.",
)
pipeline_option = click.option(
    "--pipeline",
    default=None,
    help="An installed spaCy pipeline, e.g. en_core_web_md (default: the configured "
    "one, else the blank English pipeline).",
)


def _service(
    project: Project, session: Any, coder: str | None, pipeline: str | None
) -> SuggestionService:
    return SuggestionService(session, coder, model_path=model_path_for(project), pipeline=pipeline)


class SuggestGroup(click.Group):
    """`qualcode suggest PROJECT ...` lists suggestions; `qualcode suggest accept ...`
    and the other words are sub-commands. A first argument that is not one of those
    words is taken as the project, so both read naturally."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["show", *args]
        return super().parse_args(ctx, args)


@click.group(cls=SuggestGroup)
def suggest() -> None:
    """Suggested codes, each with its reasons. Never applied without you.

    \b
    qualcode suggest PROJECT [--source NAME] [--unit turn|sentence] [--top K]
    qualcode suggest accept|reject PROJECT --source NAME --start N --end M --code CODE
    qualcode suggest train PROJECT
    qualcode suggest evaluate PROJECT
    """


@suggest.command("show")
@project_argument
@click.option("--source", "-s", help="Only this source (default: every source).")
@unit_option
@click.option(
    "--top", "top_k", type=int, default=3, show_default=True, help="Suggestions per unit."
)
@click.option(
    "--min-score",
    type=float,
    default=None,
    help="Leave out suggestions below this probability (0-1). Default: each code's own "
    "threshold, chosen by cross-validation on the project's coding when it was trained "
    "(`suggest evaluate` says which and why).",
)
@click.option(
    "--all-speakers",
    is_flag=True,
    help="Also suggest for interviewers' and facilitators' turns.",
)
@pipeline_option
@json_option
def show(
    project: Path,
    source: str | None,
    unit: str,
    top_k: int,
    min_score: float | None,
    all_speakers: bool,
    pipeline: str | None,
    as_json: bool,
) -> None:
    """List suggested codes per unit, with the reasons for each."""
    # One run, then the process ends: the collector would only walk the results.
    with collector_paused():
        with opened(project) as opened_project, opened_project.session() as session:
            run = _service(opened_project, session, None, pipeline).suggest(
                source=source,
                unit=Unit(unit),
                top_k=top_k,
                min_score=min_score,
                everyone=all_speakers,
            )
        for notice in run.notices:
            echo(f"note: {notice}", err=True)
        if as_json:
            print_json_list(_unit_json(u) for u in run.units if u.suggestions)
        else:
            _print_run(run)


def _unit_json(item: Any) -> dict[str, Any]:
    return {
        "source": item.unit.source,
        "start": item.unit.start,
        "end": item.unit.end,
        "text": item.unit.text,
        "suggestions": item.suggestions,
    }


def _print_run(run: SuggestionRun) -> None:
    shown = [u for u in run.units if u.suggestions]
    for item in shown:
        unit = item.unit
        # One write per unit, not per line: a whole project prints 100,000s of lines.
        lines = [f'{unit.source}  {unit.start}-{unit.end}  "{shorten(unit.text, 90)}"']
        for s in item.suggestions:
            lines.append(f"  {s.score:.2f}  {s.code_path}")
            lines.extend(f"          {reason}" for reason in s.reasons)
        lines.append("")
        echo("\n".join(lines))
    learnt = f", learnt from the coding of {run.learned_codes} codes" if run.learned_codes else ""
    echo(
        f"{sum(len(u.suggestions) for u in shown)} suggestions for {len(shown)} of "
        f"{len(run.units)} units (pipeline {run.pipeline}{learnt}). "
        "Accept with `qualcode suggest accept`, reject with `qualcode suggest reject`."
    )


def _answer_options(function: Any) -> Any:
    for option in reversed(
        [
            project_argument,
            click.option("--source", "-s", required=True, help="Source name."),
            click.option("--start", type=int, required=True, help="Start offset of the unit."),
            click.option("--end", type=int, required=True, help="End offset (exclusive)."),
            click.option(
                "--code", "-c", "code_ref", required=True, help="Code path, unique name or UUID."
            ),
            click.option("--score", type=float, default=0.0, help="The score it was shown with."),
            coder_option,
        ]
    ):
        function = option(function)
    return function


@suggest.command("accept")
@_answer_options
@json_option
def accept(
    project: Path,
    source: str,
    start: int,
    end: int,
    code_ref: str,
    score: float,
    coder: str | None,
    as_json: bool,
) -> None:
    """Accept a suggestion: it becomes your coding, marked as suggested."""
    name = resolve_coder(coder)
    with opened(project) as opened_project, opened_project.session() as session:
        record = _service(opened_project, session, name, None).accept(
            source, start, end, code_ref, score=score
        )
    if as_json:
        print_json(record)
        return
    where = f"{record.source} {record.start}-{record.end}"
    echo(f"coded {where} with '{record.code_path}' ({record.uuid})")


@suggest.command("reject")
@_answer_options
def reject(
    project: Path,
    source: str,
    start: int,
    end: int,
    code_ref: str,
    score: float,
    coder: str | None,
) -> None:
    """Reject a suggestion: it is not suggested again, and the model learns from it."""
    name = resolve_coder(coder)
    with opened(project) as opened_project, opened_project.session() as session:
        _service(opened_project, session, name, None).reject(
            source, start, end, code_ref, score=score
        )
    echo(f"rejected '{code_ref}' for {source} {start}-{end}")


@suggest.command("train")
@project_argument
@pipeline_option
def train(project: Path, pipeline: str | None) -> None:
    """Learn from the project's codings and rejections (saved beside the project)."""
    with opened(project) as opened_project, opened_project.session() as session:
        report = _service(opened_project, session, None, pipeline).train()
    echo(
        f"trained on {report.examples} coded examples of {report.codes} codes and "
        f"{report.negatives} rejections in {report.seconds:.1f} s; saved to {report.path}"
    )
    echo(f"threshold {report.threshold}")


@suggest.command("evaluate")
@project_argument
@unit_option
@click.option("--folds", type=int, default=5, show_default=True, help="Number of folds.")
@click.option(
    "--curve/--no-curve",
    default=True,
    show_default=True,
    help="Also train on 0, 25, 50, 100, ... of each fold's coded units: the learning curve.",
)
@pipeline_option
@json_option
def evaluate(
    project: Path, unit: str, folds: int, curve: bool, pipeline: str | None, as_json: bool
) -> None:
    """k-fold check on your own coded units: which codes' suggestions to trust, which
    threshold was chosen and why, and how suggestions improve as you code more."""
    with opened(project) as opened_project, opened_project.session() as session:
        service = _service(opened_project, session, None, pipeline)
        result = service.evaluate(unit=Unit(unit), folds=folds, curve=CURVE if curve else ())
    if as_json:
        print_json(result)
        return
    _print_evaluation(result)


def _print_evaluation(result: Evaluation) -> None:
    echo(f"{result.units} coded units, {result.folds}-fold cross-validation")
    echo(f"threshold {result.threshold_reason}")
    rows = [_score_row("suggestions", result.model)]
    if result.zero_shot is not None:
        rows.append(_score_row("codebook only", result.zero_shot))
    rows.append(_score_row("most frequent codes", result.baseline))
    print_table(
        ["", "top-1", "recall@3", "precision", "recall", "F1", "macro-F1"],
        rows,
        right=(1, 2, 3, 4, 5, 6),
    )
    echo()
    if result.curve:
        echo("Learning curve: the same held-out units, after learning from n coded units")
        print_table(
            ["n", "top-1", "recall@3", "macro-F1", "most frequent: top-1"],
            [
                [
                    p.coded,
                    f"{p.model.top1:.2f}",
                    f"{p.model.recall_at_3:.2f}",
                    f"{p.model.macro_f1:.2f}",
                    f"{p.most_frequent.top1:.2f}",
                ]
                for p in result.curve
            ],
            right=(0, 1, 2, 3, 4),
        )
        echo()
    print_table(
        ["Code", "Examples", "Precision", "Recall", "F1"],
        [
            [c.code_path, c.examples, f"{c.precision:.2f}", f"{c.recall:.2f}", f"{c.f1:.2f}"]
            for c in result.codes
        ],
        right=(1, 2, 3, 4),
    )
    echo(
        "Examples are coded units with that code. Trust suggestions for codes with a "
        "high F1 and several examples; code more examples of the rest."
    )


def _score_row(label: str, s: Scores) -> list[str]:
    return [
        label,
        f"{s.top1:.2f}",
        f"{s.recall_at_3:.2f}",
        f"{s.precision:.2f}",
        f"{s.recall:.2f}",
        f"{s.micro_f1:.2f}",
        f"{s.macro_f1:.2f}",
    ]
