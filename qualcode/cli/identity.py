"""Who is coding, for the command line: asked once on a terminal and remembered.

Peer researchers should not have to type their name for every command, and every
coding must say who made it. On a PostgreSQL project the database login says who is
coding (the services look it up), so nothing is asked there.
"""

from __future__ import annotations

import sys

import click

from qualcode.cli.common import echo
from qualcode.services.project import ProjectLocation
from qualcode.services.user_config import ENV_CODER, known_coder, save_coder


def resolve_coder(option: str | None, flag: str = "--coder") -> str:
    """The coder's name, asking once (and remembering) when nothing says it. ``flag``
    is the option that gives it on this command, for the error message."""
    name = known_coder(option)
    if name:
        return name
    if _on_server():
        return ""  # the login is the coder: the services take the name from it
    if not sys.stdin.isatty():
        raise click.ClickException(
            f"who is coding? pass {flag} NAME, set {ENV_CODER}, or run qualcode once in a "
            "terminal to be asked"
        )
    name = click.prompt("Your name as a coder (it is shown beside your codings)").strip()
    path = save_coder(name)
    echo(f"Saved; qualcode will use '{name}' from now on (change it in {path}).", err=True)
    return name


def _on_server() -> bool:
    """Whether the command being run works on a PostgreSQL project."""
    context = click.get_current_context(silent=True)
    project = context.params.get("project") if context is not None else None
    return isinstance(project, ProjectLocation) and not project.is_file
