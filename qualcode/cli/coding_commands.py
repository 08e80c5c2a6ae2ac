"""Scriptable coding, memos and counts."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.common import (
    coder_option,
    echo,
    json_option,
    opened,
    print_json,
    print_table,
    project_argument,
    shorten,
)
from qualcode.cli.identity import resolve_coder
from qualcode.domain.records import CodingRecord
from qualcode.services.coding import CodingService
from qualcode.services.memos import MemoService


@click.group()
def code() -> None:
    """Apply, remove and list codings."""


@code.command("add")
@project_argument
@click.option("--source", "-s", required=True, help="Source name (see `qualcode sources`).")
@click.option(
    "--code",
    "-c",
    "code_ref",
    required=True,
    help="Code path ('Barriers > Mistrust'), unique name, or UUID.",
)
@click.option("--start", type=int, help="Start offset (characters, from 0).")
@click.option("--end", type=int, help="End offset (exclusive).")
@click.option("--passage", "-p", help="Code the place where this quoted passage occurs.")
@click.option("--occurrence", type=int, help="Which occurrence of --passage (1, 2, ...).")
@click.option("--memo", default="", help="A memo on the new coding.")
@coder_option
@json_option
def code_add(
    project: Path,
    source: str,
    code_ref: str,
    start: int | None,
    end: int | None,
    passage: str | None,
    occurrence: int | None,
    memo: str,
    coder: str | None,
    as_json: bool,
) -> None:
    """Code a passage of a source, by offsets or by quoting it."""
    by_offsets = start is not None or end is not None
    if by_offsets == (passage is not None):
        raise click.UsageError("give either --start and --end, or --passage")
    if by_offsets and (start is None or end is None):
        raise click.UsageError("--start and --end go together")
    with opened(project) as opened_project, opened_project.session() as session:
        service = CodingService(session, resolve_coder(coder))
        if passage is not None:
            record = service.add_passage(
                source, code_ref, passage, occurrence=occurrence, memo=memo
            )
        else:
            assert start is not None and end is not None
            record = service.add(source, code_ref, start, end, memo=memo)
    if as_json:
        print_json(record)
    else:
        echo(
            f"Coded {record.source} {record.start}-{record.end} as {record.code_path} "
            f"(coding {record.uuid})"
        )


@code.command("remove")
@project_argument
@click.argument("coding_uuid")
@coder_option
def code_remove(project: Path, coding_uuid: str, coder: str | None) -> None:
    """Remove one coding, by its UUID (see `qualcode code list`)."""
    with opened(project) as opened_project, opened_project.session() as session:
        record = CodingService(session, resolve_coder(coder)).remove(coding_uuid)
    echo(f"Removed {record.code_path} from {record.source} {record.start}-{record.end}")


@code.command("list")
@project_argument
@click.option("--source", "-s", help="Only this source.")
@click.option("--code", "-c", "code_ref", help="Only this code.")
@click.option("--subcodes", is_flag=True, help="With --code, include its sub-codes.")
@click.option("--coder", help="Only this coder's codings.")
@json_option
def code_list(
    project: Path,
    source: str | None,
    code_ref: str | None,
    subcodes: bool,
    coder: str | None,
    as_json: bool,
) -> None:
    """List codings with their coded text."""
    with opened(project) as opened_project, opened_project.read_session() as session:
        records = CodingService(session).list(
            source=source, code=code_ref, coder=coder, include_subcodes=subcodes
        )
    if as_json:
        print_json(records)
        return
    _print_codings(records)


def _print_codings(records: list[CodingRecord]) -> None:
    print_table(
        ["Coding", "Source", "Span", "Code", "Coder", "Text"],
        [
            [
                r.uuid[:8],
                r.source,
                f"{r.start}-{r.end}",
                shorten(r.code_path, 40),
                r.coder,
                shorten(r.text, 50),
            ]
            for r in records
        ],
    )
    echo(f"{len(records)} coding(s). Full UUIDs with --json.")


@click.group()
def memo() -> None:
    """Write and read memos on the project, a source, a code or a coding."""


@memo.command("add")
@project_argument
@click.argument("text")
@click.option("--source", "-s", help="A memo on this source.")
@click.option("--code", "-c", "code_ref", help="A memo on this code.")
@click.option("--coding", help="Set the memo of this coding (UUID).")
@coder_option
def memo_add(
    project: Path,
    text: str,
    source: str | None,
    code_ref: str | None,
    coding: str | None,
    coder: str | None,
) -> None:
    """Add a memo (on the whole project unless --source, --code or --coding)."""
    if sum(x is not None for x in (source, code_ref, coding)) > 1:
        raise click.UsageError("a memo is about one thing: --source, --code or --coding")
    who = resolve_coder(coder)
    with opened(project) as opened_project, opened_project.session() as session:
        if coding:
            record = CodingService(session, who).set_memo(coding, text)
            echo(f"Memo set on coding {record.uuid} ({record.code_path}).")
            return
        target = "source" if source else "code" if code_ref else "project"
        MemoService(session, who).add(target, source or code_ref, text)
    echo(f"Memo added to the {target}.")


@memo.command("list")
@project_argument
@click.option("--source", "-s", help="Only memos on this source.")
@click.option("--code", "-c", "code_ref", help="Only memos on this code.")
@json_option
def memo_list(project: Path, source: str | None, code_ref: str | None, as_json: bool) -> None:
    """List memos."""
    target = "source" if source else "code" if code_ref else None
    with opened(project) as opened_project, opened_project.read_session() as session:
        records = MemoService(session).list(target, source or code_ref)
    if as_json:
        print_json(records)
        return
    for record in records:
        about = record.target + (f" '{record.target_name}'" if record.target_name else "")
        echo(f"[{record.created_at:%Y-%m-%d %H:%M}] {record.coder} on {about}:")
        echo(f"    {record.text}")
    if not records:
        echo("No memos.")
