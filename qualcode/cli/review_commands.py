"""Walking through disagreements at a review meeting: comment, set a status, decide
what stands (the consensus), from the command line (issue 6)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from qualcode.cli.common import echo, json_option, opened, print_json, project_argument, shorten
from qualcode.cli.identity import resolve_coder
from qualcode.domain.errors import NotFoundError, ValidationError
from qualcode.domain.review import (
    Anchor,
    ChoiceKind,
    CodingAnchor,
    ConsensusChoice,
    ConsensusProgress,
    ReviewItem,
    ReviewStatus,
    SpanAnchor,
    Thread,
)
from qualcode.services.consensus import ConsensusService
from qualcode.services.review import ReviewService, parse_status

F = TypeVar("F", bound=Callable[..., Any])
STATUS_WORDS = ", ".join(s.value.replace(" ", "-") for s in ReviewStatus)


def comparison_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The options that choose (and so number) the disagreements, as `review list`:
    the command receives them as one ``filters`` mapping for the services."""

    @functools.wraps(function)
    def command(
        *args: Any,
        coders: tuple[str, ...],
        codes: tuple[str, ...],
        sources: tuple[str, ...],
        **kwargs: Any,
    ) -> Any:
        filters = {"coders": coders or None, "codes": codes or None, "sources": sources or None}
        return function(*args, filters=filters, **kwargs)

    for option in (
        click.option(
            "--source", "sources", multiple=True, help="Only this source (repeat; default: all)."
        ),
        click.option(
            "--code", "codes", multiple=True, help="Only this code (repeat; default: all)."
        ),
        click.option(
            "--coder",
            "coders",
            multiple=True,
            help="Compare this coder (repeat; default: everyone but the consensus).",
        ),
    ):
        command = option(command)
    return command


def acting_option(function: F) -> F:
    return click.option(
        "--as",
        "acting",
        default=None,
        metavar="NAME",
        help="Your name as a coder (default: $QUALCODE_CODER or the saved name).",
    )(function)


ref_argument = click.argument("ref", metavar="REF")


def _resolve(
    service: ReviewService, ref: str, filters: dict[str, Any]
) -> tuple[Anchor, ReviewItem | None, Thread | None]:
    """What REF names: a number from `review list`, `coding:UUID`, or a thread UUID."""
    ref = ref.strip()
    if ref.isdigit():
        items = service.items(**filters)
        number = int(ref)
        if not 1 <= number <= len(items):
            raise NotFoundError(
                f"no disagreement {number} (review list shows 1-{len(items)})"
                if items
                else "there are no disagreements to review"
            )
        item = items[number - 1]
        return item.anchor, item, item.thread
    if ref.lower().startswith("coding:"):
        anchor = CodingAnchor(ref.split(":", 1)[1].strip())
        return anchor, None, service.thread_for(anchor)
    thread = service.thread(ref)
    if thread.coding_uuid:
        return CodingAnchor(thread.coding_uuid), None, thread
    return SpanAnchor(thread.source, thread.code_uuid, thread.start, thread.end), None, thread


def _summary(progress: ConsensusProgress) -> str:
    counts = ", ".join(f"{n} {status.value}" for status, n in progress.by_status.items() if n)
    plural = "s" * (progress.disagreements != 1)
    return (
        f"{progress.disagreements} disagreement{plural}, {progress.decided} decided"
        f"{f' ({counts})' if counts else ''}; "
        f"{progress.consensus_codings} consensus coding{'s' * (progress.consensus_codings != 1)}"
    )


def _item_json(item: ReviewItem) -> dict[str, Any]:
    d = item.disagreement
    return {
        "number": item.number,
        "status": item.status.value,
        "comments": len(item.thread.comments) if item.thread else 0,
        "decision": item.thread.decision.text if item.thread and item.thread.decision else None,
        "thread": item.thread.uuid if item.thread else None,
        "source": d.source,
        "code_uuid": item.code_uuid,
        "code_path": d.code_path,
        "start": d.start,
        "end": d.end,
        "coded_by": list(d.coded_by),
        "not_coded_by": list(d.not_coded_by),
        "text": d.text,
    }


def _show_thread(thread: Thread | None) -> None:
    if thread is None or not thread.entries:
        echo("No comments yet.")
        return
    echo(f"Thread {thread.uuid}: {thread.status.value}")
    for entry in thread.entries:
        when = entry.created_at.strftime("%Y-%m-%d %H:%M")
        label = "" if entry.kind.value == "comment" else f"[{entry.kind.value}] "
        echo(f"  {when}  {entry.author}: {label}{entry.text}")


@click.group()
def review() -> None:
    """Talk through disagreements and agree a shared version (the consensus).

    Start with `qualcode review list`; refer to a disagreement by its number there
    (give show, comment, status and decide the same --coder/--code/--source options so
    the numbers match), to a thread by its UUID, or to a coding as coding:UUID.
    """


@review.command("list")
@project_argument
@comparison_options
@click.option(
    "--status",
    "statuses",
    multiple=True,
    help=f"Only disagreements with this status (repeat): {STATUS_WORDS}.",
)
@json_option
def list_(
    project: Path,
    filters: dict[str, Any],
    statuses: tuple[str, ...],
    as_json: bool,
) -> None:
    """The numbered disagreements with their status and comments, and the progress."""
    wanted = [parse_status(s) for s in statuses] or None
    with opened(project) as opened_project, opened_project.read_session() as session:
        items = ReviewService(session).items(**filters, status=wanted)
        progress = ConsensusService(session).progress(**filters)
    if as_json:
        print_json({"items": [_item_json(i) for i in items], "progress": progress})
        return
    for item in items:
        d = item.disagreement
        comments = len(item.thread.comments) if item.thread else 0
        echo(
            f"{item.number:>3}. [{item.status.value}] {d.source}  {d.code_path}  "
            f"{d.start}-{d.end}  {d.summary}"
            + (f"  ({comments} comment{'s' * (comments != 1)})" if comments else "")
        )
        echo(f"     \u201c{shorten(d.text, 90)}\u201d")
    if not items:
        echo("No disagreements" + (" with that status." if wanted else "."))
    echo(_summary(progress))


@review.command("show")
@project_argument
@ref_argument
@comparison_options
@json_option
def show(
    project: Path,
    ref: str,
    filters: dict[str, Any],
    as_json: bool,
) -> None:
    """A disagreement (or a coding's thread) with every comment, status and decision."""
    with opened(project) as opened_project, opened_project.read_session() as session:
        _, item, thread = _resolve(ReviewService(session), ref, filters)
    if as_json:
        print_json({"item": _item_json(item) if item else None, "thread": thread})
        return
    if item is not None:
        d = item.disagreement
        echo(f"{item.number}. {d.source}  {d.code_path}  {d.start}-{d.end}  {d.summary}")
        echo(f"   \u201c{shorten(d.text, 200)}\u201d")
        for coding in d.codings:
            memo = f": {shorten(coding.memo, 80)}" if coding.memo.strip() else ""
            echo(f"   {coding.coder} {coding.start}-{coding.end}{memo}")
    elif thread is not None:
        echo(f"{thread.source}  {thread.code_path}  {thread.start}-{thread.end}")
    _show_thread(thread)


@review.command("comment")
@project_argument
@ref_argument
@click.argument("text")
@comparison_options
@acting_option
def comment(
    project: Path,
    ref: str,
    text: str,
    filters: dict[str, Any],
    acting: str | None,
) -> None:
    """Add your comment to the thread about REF (starting it if needed)."""
    name = resolve_coder(acting, "--as")
    with opened(project) as opened_project, opened_project.session() as session:
        service = ReviewService(session, name)
        anchor, _, _ = _resolve(service, ref, filters)
        thread = service.comment(anchor, text)
    echo(f"Commented ({len(thread.comments)} in thread {thread.uuid}).")


@review.command("status")
@project_argument
@ref_argument
@click.argument("status", metavar="STATUS")
@comparison_options
@acting_option
def status(
    project: Path,
    ref: str,
    status: str,
    filters: dict[str, Any],
    acting: str | None,
) -> None:
    """Set the status of REF: open, agree, disagree, needs-discussion or resolved."""
    value = parse_status(status)
    name = resolve_coder(acting, "--as")
    with opened(project) as opened_project, opened_project.session() as session:
        service = ReviewService(session, name)
        anchor, _, _ = _resolve(service, ref, filters)
        thread = service.set_status(anchor, value)
    echo(f"Marked {thread.status.value} (thread {thread.uuid}).")


_SPAN = re.compile(r"^\s*(\d+)\s*[-:]\s*(\d+)\s*$")


@review.command("decide")
@project_argument
@ref_argument
@click.option("--accept", "accept", metavar="CODER", help="Accept this coder's version.")
@click.option("--all", "all_", is_flag=True, help="Accept everyone's coding (both versions).")
@click.option("--none", "none_", is_flag=True, help="Agree the disputed text is not coded.")
@click.option(
    "--span",
    "span",
    metavar="START-END",
    help="Agree an edited span instead (it must overlap the disagreement).",
)
@click.option("--note", default="", help="Why the group decided so (kept in the thread).")
@comparison_options
@acting_option
def decide(
    project: Path,
    ref: str,
    accept: str | None,
    all_: bool,
    none_: bool,
    span: str | None,
    note: str,
    filters: dict[str, Any],
    acting: str | None,
) -> None:
    """Record what stands for disagreement REF, as the consensus coder's coding.

    Nobody's own coding changes; inside the disagreement, the consensus codings of
    that code are replaced by the choice, and nothing outside it changes (an edited
    span is clipped to it). Undo with `u` in the app.
    """
    given = [bool(accept), all_, none_, span is not None]
    if sum(given) != 1:
        raise click.UsageError("choose one of --accept CODER, --all, --none or --span START-END")
    if accept:
        choice = ConsensusChoice(ChoiceKind.CODER, coder=accept)
    elif all_:
        choice = ConsensusChoice(ChoiceKind.ALL)
    elif none_:
        choice = ConsensusChoice(ChoiceKind.NONE)
    else:
        match = _SPAN.match(span or "")
        if match is None:
            raise click.BadParameter(f"{span!r}: expected START-END", param_hint="--span")
        choice = ConsensusChoice(ChoiceKind.SPAN, start=int(match[1]), end=int(match[2]))
    name = resolve_coder(acting, "--as")
    with opened(project) as opened_project, opened_project.session() as session:
        anchor, _, _ = _resolve(ReviewService(session, name), ref, filters)
        if not isinstance(anchor, SpanAnchor):
            raise ValidationError(
                "decide needs a disagreement (a number from `review list` or a thread "
                "about one), not a single coding"
            )
        service = ConsensusService(session, name)
        thread = service.decide(
            anchor.source,
            anchor.code,
            anchor.start,
            anchor.end,
            choice,
            coders=filters["coders"],
            note=note,
        )
        progress = service.progress(**filters)
    decision = thread.decision
    echo(f"Decided: {decision.text if decision else choice.describe()}.")
    echo(_summary(progress))


@review.command("seed")
@project_argument
@comparison_options
@acting_option
def seed(
    project: Path,
    filters: dict[str, Any],
    acting: str | None,
) -> None:
    """Start the consensus from what every coder agreed (safe to run again)."""
    name = resolve_coder(acting, "--as")
    with opened(project) as opened_project, opened_project.session() as session:
        service = ConsensusService(session, name)
        added = service.seed(**filters)
        progress = service.progress(**filters)
    echo(
        f"Added {added} agreed passage{'s' * (added != 1)} to the consensus."
        if added
        else "Nothing new: the consensus already has every agreed passage."
    )
    echo(_summary(progress))
