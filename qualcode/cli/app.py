"""The root command group; each area's commands live in their own module."""

from __future__ import annotations

import click

from qualcode import __version__
from qualcode.cli import codebook_commands, coding_commands, project_commands, source_commands
from qualcode.cli.common import QualcodeGroup


@click.group(cls=QualcodeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qualcode")
def cli() -> None:
    """qualcode: code interview and focus-group transcripts in the terminal.

    Start with `qualcode demo` to try it on a bundled study, or `qualcode init
    study.qcp` for your own project. Every command has --help.
    """


for module in (project_commands, source_commands, codebook_commands, coding_commands):
    for command in module.COMMANDS:
        cli.add_command(command)
