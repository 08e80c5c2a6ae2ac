"""Creating projects and the demo."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.common import coder_name, coder_option, print_table
from qualcode.cli.identity import data_dir
from qualcode.services.codebook import CodebookService
from qualcode.services.demo import DemoReport, build_demo, find_demo_material
from qualcode.services.project import create_project


@click.command()
@click.argument("project", type=click.Path(dir_okay=False, path_type=Path))
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
    who = coder_name(coder) if codebook_file else None
    with create_project(project, name) as opened:
        click.echo(f"Created {project} (only you can read it).")
        if codebook_file is not None:
            with opened.session() as session:
                report = CodebookService(session, who).import_file(codebook_file)
            click.echo(f"Loaded codebook '{report.name}': {len(report.added)} codes.")


@click.command()
@click.option(
    "--fresh",
    is_flag=True,
    help="Rebuild the demo project from scratch (the old one is kept as a backup).",
)
@coder_option
def demo(fresh: bool, coder: str | None) -> None:
    """Build the demo project from the bundled transcripts and codebook, and show it."""
    material = find_demo_material()
    report = build_demo(data_dir() / "demo", material, coder=coder_name(coder), fresh=fresh)
    _describe(report)


def _describe(report: DemoReport) -> None:
    verb = "Built" if report.built else "Opened existing"
    click.echo(f"{verb} demo project: {report.path}")
    if report.backup:
        click.echo(f"The previous demo project was kept as {report.backup}")
    click.echo(f"Codebook: {report.codebook} ({report.codes} codes)")
    print_table(
        ["Transcript", "Format", "Words", "Turns", "Participants"],
        [[s.name, s.format, s.words, s.turns, ", ".join(s.cases)] for s in report.sources],
        right=(2, 3),
    )
    click.echo(
        f"\nTry:  qualcode codebook show {report.path}\n"
        f"      qualcode code add {report.path} --source SOURCE --code 'CODE NAME' "
        "--passage 'words from the transcript'\n"
        f"      qualcode stats {report.path} --sort codings"
    )


