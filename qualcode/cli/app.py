"""The root command group. Commands load on first use: a script calling `qualcode
stats` should not pay for importing what `qualcode import` needs."""

from __future__ import annotations

import importlib

import click

from qualcode import __version__
from qualcode.cli.common import QualcodeGroup

# command name -> "module:attribute" under qualcode.cli
COMMANDS = {
    "init": "project_commands:init",
    "open": "project_commands:open_",
    "demo": "project_commands:demo",
    "import": "source_commands:import_",
    "sources": "source_commands:sources",
    "codebook": "codebook_commands:codebook",
    "code": "coding_commands:code",
    "memo": "coding_commands:memo",
    "stats": "stats_commands:stats",
    "agreement": "agreement_commands:agreement",
    "disagreements": "disagreement_commands:disagreements",
    "review": "review_commands:review",
    "suggest": "suggest_commands:suggest",
    "identifiers": "identifier_commands:identifiers",
    "export": "export_commands:export",
    "merge": "merge_commands:merge",
    "export-coder": "merge_commands:export_coder",
    "import-coder": "merge_commands:import_coder",
    "import-project": "exchange_import_commands:import_project",
    "export-project": "exchange_export_commands:export_project",
    "copy": "copy_commands:copy",
    "members": "members_commands:members",
    "serve-setup": "members_commands:serve_setup",
}


class LazyGroup(QualcodeGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attribute = target.split(":")
        command = getattr(importlib.import_module(f"qualcode.cli.{module}"), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qualcode")
def cli() -> None:
    """qualcode: code interview and focus-group transcripts in the terminal.

    Start with `qualcode demo` to try it on a bundled study, or `qualcode init
    study.qcp` for your own project. Every command has --help.
    """
