"""Shared CLI plumbing: options, opening projects, printing, and clean errors."""

from __future__ import annotations

import dataclasses
import functools
import json
import operator
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
from qualcode.domain.terminal import json_escape, printable
from qualcode.services.project import (
    Project,
    ProjectLocation,
    location_of,
    looks_like_url,
    open_project,
)
from qualcode.services.user_config import private_data_dir, private_file

F = TypeVar("F", bound=Callable[..., Any])


class ProjectParam(click.ParamType):
    """A project file, or a PostgreSQL URL (``postgresql+psycopg://user@host/dbname``).

    A file stays a ``Path`` (so commands that work on files keep doing so); a URL
    becomes a ``ProjectLocation``, its password refused. ``file_only`` names what only
    a file can do (a backup, a read-only copy), and a URL is refused in one line.
    """

    name = "project"

    def __init__(self, *, exists: bool = False, file_only: str | None = None) -> None:
        self._file = click.Path(exists=exists, dir_okay=False, path_type=Path)
        self._file_only = file_only

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Path | ProjectLocation:
        if isinstance(value, Path | ProjectLocation):
            return value
        if isinstance(value, str) and looks_like_url(value):
            try:
                location = location_of(value)
                if self._file_only:
                    location.require_file(self._file_only)
            except QualcodeError as error:
                self.fail(str(error), param, ctx)
            return location
        return self._file.convert(value, param, ctx)


project_argument = click.argument("project", type=ProjectParam(), metavar="PROJECT")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def export_checks_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The two ways past the export gate's checks, each said explicitly, handed to the
    command as one ``checks`` value."""
    from qualcode.services.export_gate import ExportChecks

    @functools.wraps(function)
    def command(*args: Any, allow_identifiers: bool, allow_unreviewed: bool, **kwargs: Any) -> Any:
        checks = ExportChecks(allow_identifiers, allow_unreviewed)
        return function(*args, checks=checks, **kwargs)

    command = click.option(
        "--allow-unreviewed",
        is_flag=True,
        help="Export even though the identifier register is empty or older than the "
        "newest transcripts (you take responsibility).",
    )(command)
    command = click.option(
        "--allow-identifiers",
        is_flag=True,
        help="Keep the file even if registered names are found in it (you take responsibility).",
    )(command)
    return command


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

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        # The root's own arguments are parsed here, before invoke: its usage errors
        # quote what was typed, so they are made printable too.
        with _printable_errors():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with _printable_errors():
            return self._invoke(ctx)

    def _invoke(self, ctx: click.Context) -> Any:
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


@contextmanager
def _printable_errors() -> Iterator[None]:
    """Every error message click prints quotes file names, source names or what was
    typed (click's own usage errors included): show it through the one sanitiser."""
    try:
        yield
    except click.ClickException as error:
        # click declares message Final (set once, in __init__); sanitising it in place
        # keeps the exception's own class, exit code and usage context.
        error.message = printable(error.message)  # type: ignore[misc]
        raise


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
def opened(path: Path | ProjectLocation) -> Iterator[Project]:
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


def echo(message: object = "", *, err: bool = False, nl: bool = True) -> None:
    """Print a line of text that may hold user-derived text (names, quotes, memos, file
    names): the one way qualcode's commands print, so no control sequence in a
    transcript or a file name ever reaches the terminal (see domain/terminal.py)."""
    _write(printable(str(message)), err=err, nl=nl)


def _write(text: str, *, err: bool = False, nl: bool = True) -> None:
    # The only call of click.echo in the CLI (tests/test_terminal_safety.py checks).
    click.echo(text, err=err, nl=nl)


def json_text(value: Any, **options: Any) -> str:
    """``json.dumps`` that is safe on a terminal and still exact for scripts."""
    return json_escape(json.dumps(value, ensure_ascii=False, **options))


def print_json(value: Any) -> None:
    _write(json_text(to_jsonable(value), indent=2))


_JSON_BATCH = 500  # items per write


def print_json_list(items: Iterable[Any]) -> None:
    """A JSON list written one compact item per line as it goes.

    For large outputs (suggestions for a whole project run to 100 MB): the C encoder
    does the work and no second copy of the output is held in memory.
    """
    # One encoder for every item (json.dumps with options builds one per call), and
    # one write per item.
    encoder = json.JSONEncoder(ensure_ascii=False, default=_json_default)
    _write("[", nl=False)
    # Written a batch of items at a time: click.echo flushes on every call, and one
    # flush per item was a twentieth of a million-word run.
    batch: list[str] = []
    for index, item in enumerate(items):
        batch.append((",\n" if index else "\n") + json_escape(encoder.encode(item)))
        if len(batch) == _JSON_BATCH:
            _write("".join(batch), nl=False)
            batch.clear()
    _write("".join(batch) + "\n]")


_CONVERTERS: dict[type, Callable[[Any], Any]] = {}


def _json_default(value: Any) -> Any:
    # Called once per record in a big run (600,000 times for a million words): the
    # converter for each type is worked out once, and for a dataclass it reads every
    # field in one attrgetter call.
    convert = _CONVERTERS.get(type(value))
    if convert is None:
        convert = _CONVERTERS[type(value)] = _converter(value)
    return convert(value)


def _converter(value: Any) -> Callable[[Any], Any]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = tuple(f.name for f in dataclasses.fields(value))
        if len(names) < 2:  # attrgetter of one name returns the value, not a tuple
            return lambda record: {name: getattr(record, name) for name in names}
        read = operator.attrgetter(*names)
        return lambda record: dict(zip(names, read(record), strict=True))
    if isinstance(value, Enum):
        return operator.attrgetter("value")
    if isinstance(value, datetime | date):
        return operator.methodcaller("isoformat")
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def print_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()
) -> None:
    """Plain aligned columns: readable over SSH and in any terminal, copyable as text."""
    cells = [[printable(str(h)) for h in headers]] + [
        [printable(str(c)) for c in row] for row in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        parts = [
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    _write(line(cells[0]))
    _write("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        _write(line(row))


def shorten(text: str, width: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."
