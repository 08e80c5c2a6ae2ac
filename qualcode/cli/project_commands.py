"""Creating projects and the demo."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from qualcode.cli.common import ProjectParam, coder_option, echo, print_table
from qualcode.cli.identity import resolve_coder
from qualcode.services.user_config import known_coder, private_data_dir

if TYPE_CHECKING:
    from qualcode.services.demo import DemoReport


@click.command()
@click.argument("project", type=ProjectParam())
@click.option("--name", help="A name for the project (default: the file name).")
@click.option(
    "--codebook",
    "codebook_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A YAML codebook to load into the new project.",
)
@coder_option
def init(project: Path, name: str | None, codebook_file: Path | None, coder: str | None) -> None:
    """Create a new project file (PROJECT.qcp), readable by you only."""
    # Here, not at the top: `qualcode open` shares this module and needs neither (issue 13).
    from qualcode.services.codebook import CodebookService
    from qualcode.services.project import new_project

    who = resolve_coder(coder) if codebook_file else None
    report = None
    # All or nothing: a refused codebook leaves no project behind and says no "Created".
    with new_project(project, name) as opened:
        if codebook_file is not None:
            with opened.session() as session:
                report = CodebookService(session, who).import_file(codebook_file)
    if isinstance(project, Path):
        echo(f"Created {project} (only you can read it).")
    else:  # on a server, who can read it is the database's grants
        echo(f"Created the project in {project}.")
    if report is not None:
        echo(f"Loaded codebook '{report.name}': {len(report.added)} codes.")


def run_app(
    project: Path, coder: str | None, *, source: str | None = None, show_hint: bool = False
) -> None:
    # Textual loads only here, so that scripted commands stay quick (ARCHITECTURE.md).
    from qualcode.tui.app import QualcodeApp

    app = QualcodeApp(project, coder=known_coder(coder), open_source=source, show_hint=show_hint)
    app.run()
    if app.return_code:
        raise SystemExit(app.return_code)


@click.command("open")
@click.argument("project", type=ProjectParam(exists=True))
@click.option("--source", "-s", help="Open this transcript straight away.")
@coder_option
def open_(project: Path, source: str | None, coder: str | None) -> None:
    """Open a project in the coding workbench (the terminal app)."""
    run_app(project, coder, source=source)


@click.command()
@click.option(
    "--fresh",
    is_flag=True,
    help="Rebuild the demo project from scratch (the old one is kept as a backup).",
)
@click.option("--no-open", is_flag=True, help="Only build the demo and describe it.")
@click.option(
    "--with-coding",
    is_flag=True,
    help="Build it already coded by an 'Example coder' (for extracts, reports, reviews).",
)
@click.option(
    "--with-review",
    is_flag=True,
    help="Build it coded by three peer researchers (Asha, Ben, Carys), to try a review.",
)
@coder_option
def demo(
    fresh: bool, no_open: bool, with_coding: bool, with_review: bool, coder: str | None
) -> None:
    """Build the demo project from the bundled transcripts and codebook, and open it.

    Outside a terminal (in a script or a pipe) it describes what it built instead.
    """
    from qualcode.services.demo import build_demo, find_demo_material  # see init

    material = find_demo_material()
    report = build_demo(
        private_data_dir("demo"),
        material,
        coder=known_coder(coder) or "demo",
        fresh=fresh,
        with_coding=with_coding,
        with_review=with_review,
        with_register=True,  # reviewed for the demo, so exporting works out of the box
    )
    if no_open or not (sys.stdin.isatty() and sys.stdout.isatty()):
        _describe(report)
        if with_review:
            echo(
                f"      qualcode agreement {report.path}\n"
                f"      qualcode review list {report.path}\n"
                "      or open it and choose Compare coders in the command palette (ctrl+p)"
            )
        return
    first = next(
        (s.name for s in report.sources if s.name.startswith("mh-partner")), report.sources[0].name
    )
    run_app(report.path, coder, source=first, show_hint=True)


def _describe(report: DemoReport) -> None:
    verb = "Built" if report.built else "Opened existing"
    echo(f"{verb} demo project: {report.path}")
    if report.backup:
        echo(f"The previous demo project was kept as {report.backup}")
    echo(f"Codebook: {report.codebook} ({report.codes} codes)")
    print_table(
        ["Transcript", "Format", "Words", "Turns", "Participants"],
        [[s.name, s.format, s.words, s.turns, ", ".join(s.cases)] for s in report.sources],
        right=(2, 3),
    )
    echo(
        f"\nTry:  qualcode codebook show {report.path}\n"
        f"      qualcode code add {report.path} --source SOURCE --code 'CODE NAME' "
        "--passage 'words from the transcript'\n"
        f"      qualcode stats {report.path} --sort codings"
    )
