"""Shared CLI plumbing: options, opening projects, printing, and clean errors."""

from __future__ import annotations

import dataclasses
import json
import os
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

import click

from qualcode.domain.errors import QualcodeError
from qualcode.services.project import Project, open_project
from qualcode.services.user_config import private_data_dir, private_file

F = TypeVar("F", bound=Callable[..., Any])

project_argument = click.argument(
    "project", type=click.Path(dir_okay=False, path_type=Path), metavar="PROJECT"
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def export_checks_options(function: F) -> F:
    """The two ways past the export gate's checks, each said explicitly."""
    function = click.option(
        "--allow-unreviewed",
        is_flag=True,
        help="Export even though the identifier register is empty or older than the "
        "newest transcripts (you take responsibility).",
    )(function)
    return click.option(
        "--allow-identifiers",
        is_flag=True,
        help="Keep the file even if registered names are found in it (you take responsibility).",
    )(function)


def output_option(help: str, *, required: bool = False) -> Callable[[F], F]:
    """``-o/--output FILE`` for a command that writes a file."""
    return click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        required=required,
        help=help,
    )


def coder_option(function: F) -> F:
    return click.option(
        "--coder",
        "coder",
        default=None,
        help="Your name as a coder (default: $QUALCODE_CODER or the saved name).",
    )(function)


class QualcodeGroup(click.Group):
    """A group that turns every expected failure into one line and an exit code of 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QualcodeError as error:
            raise click.ClickException(str(error)) from error
        except (
            click.ClickException,
            click.exceptions.Exit,
            click.Abort,
            SystemExit,
            BrokenPipeError,
        ):
            raise
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            raise click.ClickException(f"{where}{error.strerror or error}") from error
        except Exception as error:
            if os.environ.get("QUALCODE_DEBUG"):
                raise
            log = _log_unexpected(error)
            raise click.ClickException(
                f"unexpected {type(error).__name__}: {error} (details in {log})"
            ) from error


def _log_unexpected(error: Exception) -> Path:
    """Append the traceback to errors.log (0600, in an 0700 folder: tracebacks can
    quote transcript text). Written directly rather than through logging.basicConfig,
    which does nothing once any handler is installed and creates files 0644."""
    path = private_file(private_data_dir("logs") / "errors.log")
    when = datetime.now().astimezone().isoformat(timespec="seconds")
    entry = f"{when} ERROR qualcode\n{''.join(traceback.format_exception(error))}\n"
    with path.open("a", encoding="utf-8", errors="replace") as handle:
        handle.write(entry)
    return path


@contextmanager
def opened(path: Path) -> Iterator[Project]:
    project = open_project(path)
    try:
        yield project
    finally:
        project.close()


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def print_json(value: Any) -> None:
    click.echo(json.dumps(to_jsonable(value), ensure_ascii=False, indent=2))


def print_json_list(items: Iterable[Any]) -> None:
    """A JSON list written one compact item per line as it goes.

    For large outputs (suggestions for a whole project run to 100 MB): the C encoder
    does the work and no second copy of the output is held in memory.
    """
    click.echo("[", nl=False)
    for index, item in enumerate(items):
        click.echo(",\n" if index else "\n", nl=False)
        click.echo(json.dumps(item, ensure_ascii=False, default=_json_default), nl=False)
    click.echo("\n]")


_FIELDS: dict[type, tuple[str, ...]] = {}


def _json_default(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kind = type(value)
        names = _FIELDS.get(kind)
        if names is None:
            names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
        return {name: getattr(value, name) for name in names}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def print_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()
) -> None:
    """Plain aligned columns: readable over SSH and in any terminal, copyable as text."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        parts = [
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    click.echo(line(cells[0]))
    click.echo("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        click.echo(line(row))


def shorten(text: str, width: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."
