"""Members of a shared project and preparing a PostgreSQL database for a team."""

from __future__ import annotations

import os
import sys
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
)
from qualcode.domain.roles import Role, parse_role
from qualcode.services.members import MEMBER_PASSWORD_ENV, MembersService, prepare_for_team
from qualcode.services.project import Project, ProjectLocation
from qualcode.services.user_config import known_coder

ROLE_NAMES = [role.value for role in Role]


def _role(ctx: click.Context, param: click.Parameter, value: str) -> Role:
    try:
        return parse_role(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.group()
def members() -> None:
    """Who works on a shared project, and in which role.

    \b
    qualcode members list PROJECT
    qualcode members add PROJECT NAME --role coder
    qualcode members remove PROJECT NAME

    Roles: owner (codebook, sources, members, identifier register), reviewer (a
    coder who also makes consensus decisions), coder (their own codings, memos and
    comments), read-only (read and export). A project with no members is its user's
    alone; the first member you add makes you its owner. On PostgreSQL NAME is also
    the member's database login (or give --login); a new login's password is taken
    from $QUALCODE_MEMBER_PASSWORD, or asked for (hidden, twice) on a terminal, or
    else set by the database administrator. It is never given as an argument.
    """


@members.command("list")
@project_argument
@json_option
def members_list(project: Path | ProjectLocation, as_json: bool) -> None:
    """Show each member, their role and (on PostgreSQL) their login."""
    with opened(project) as opened_project, opened_project.read_session() as session:
        rows = MembersService(session).list()
    if as_json:
        print_json(rows)
        return
    if not rows:
        echo("No members: whoever uses this project is its owner.")
        return
    print_table(["Member", "Role", "Login"], [[m.coder, m.role.value, m.login or ""] for m in rows])


@members.command("add")
@project_argument
@click.argument("name")
@click.option(
    "--role",
    required=True,
    callback=_role,
    metavar="|".join(ROLE_NAMES),
    help="What they may do.",
)
@click.option("--login", default=None, help="Their database login on PostgreSQL (default: NAME).")
@coder_option
def members_add(
    project: Path | ProjectLocation, name: str, role: Role, login: str | None, coder: str | None
) -> None:
    """Add NAME to the project in a role (or change their role)."""
    with opened(project) as opened_project:
        password = _new_password(opened_project, name, login)
        with opened_project.session() as session:
            change = MembersService(session, known_coder(coder)).add(
                name, role, login=login, password=password
            )
    if change.became_owner is not None:
        echo(f"{change.became_owner.coder} is the project's owner (its first member).")
    member = change.member
    echo(f"{member.coder} is now {member.role.value}.")
    if change.login_created:
        echo(f"Created the database login '{member.login}'; it needs a password to sign in.")


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _new_password(project: Project, name: str, login: str | None) -> str | None:
    """A new login's password, asked for (hidden, typed twice) when a person is at the
    terminal and $QUALCODE_MEMBER_PASSWORD does not give it; asked before the change's
    transaction begins, so nothing waits on the typing. None: the login exists, or
    the administrator sets it."""
    if project.is_file or os.environ.get(MEMBER_PASSWORD_ENV) or not stdin_is_terminal():
        return None
    with project.read_session() as session:
        new = MembersService(session).new_login(name, login)
    if new is None:
        return None
    password: str = click.prompt(
        f"Password for the new database login '{new}' (leave empty to let the "
        "administrator set it)",
        hide_input=True,
        confirmation_prompt=True,
        default="",
        show_default=False,
    )
    return password or None


@members.command("remove")
@project_argument
@click.argument("name")
@coder_option
def members_remove(project: Path | ProjectLocation, name: str, coder: str | None) -> None:
    """Take NAME out of the project (their codings stay)."""
    with opened(project) as opened_project, opened_project.session() as session:
        record = MembersService(session, known_coder(coder)).remove(name)
    echo(f"{record.coder} is no longer a member ({record.role.value} before).")


@click.command("serve-setup")
@project_argument
@click.option("--name", default=None, help="The project's name, if the database is new.")
@coder_option
def serve_setup(project: Path | ProjectLocation, name: str | None, coder: str | None) -> None:
    """Prepare a PostgreSQL database for a team: the project's schema, group roles
    per role (named after the database), grants and row-level security.

    Run it as the database's owner. Then add members with `qualcode members add`.
    """
    made, groups = prepare_for_team(project, name, known_coder(coder))
    display = project.display if isinstance(project, ProjectLocation) else project
    echo(f"{'Created the project and prepared' if made else 'Prepared'} {display}.")
    echo("Group roles: " + ", ".join(groups))
    echo("Next: qualcode members add PROJECT LOGIN --role owner|reviewer|coder|read-only")
