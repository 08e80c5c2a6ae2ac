"""PostgreSQL roles, grants and row-level security for a shared project.

Each project database gets four group roles (NOLOGIN), named with the database's name
so two projects on one server never share them. A member's login is made a member of
one group. What each group may write follows ``qualcode.domain.roles``; which rows
follows row-level security: a login changes only rows whose coder is its own (looked
up in ``members`` by ``current_user``, so no SECURITY DEFINER function is needed). The
database's owner (who runs ``serve-setup`` and the migrations) is not bound by the
policies: row-level security is enabled, not forced. The audit log can only be added to.
"""

from __future__ import annotations

import hashlib
import os

from sqlalchemy import Connection, text

from qualcode.domain.errors import QualcodeError
from qualcode.domain.reports import CONSENSUS_CODER
from qualcode.domain.roles import Action, Role, may

# The environment variable a new login's password is read from (never the command line).
PASSWORD_ENV = "QUALCODE_MEMBER_PASSWORD"
_GROUP_SUFFIX = {
    Role.OWNER: "owner",
    Role.REVIEWER: "reviewer",
    Role.CODER: "coder",
    Role.READER: "reader",
}
_MAX_NAME = 63  # PostgreSQL truncates identifiers beyond this

# Tables each writing group may change; everything is readable by every group.
OWNER_TABLES = (
    "codes",
    "sources",
    "cases",
    "attributes",
    "case_attribute_values",
    "source_cases",
    "speaker_turns",
    "identifiers",
    "members",
    "coders",  # others only add a name (with its first action), never rename one
)
# Tables where a login writes only its own coder's rows (column naming the coder).
OWN_ROW_TABLES = {
    "codings": "coder_id",
    "memos": "coder_id",
    "suggestion_decisions": "coder_id",
    "review_entries": "coder_id",
    "history": "coder_id",
    # A removal is remembered by the coder's UUID: its coder is looked up by it.
    "removed_codings": "(SELECT c.id FROM coders c WHERE c.uuid = removed_codings.coder_uuid)",
}
# Shared by everyone who codes: review threads (the talk's heading; each entry in it is
# its writer's own) and the suggestion engine's cache of derived data.
SHARED_TABLES = ("review_threads", "analysis_cache")
_BLIND_PREFIX = "blind_coding:"  # services/preferences.py: a coder's own setting


def group_role(database: str, role: Role) -> str:
    """The group role for ``role`` in ``database``, e.g. ``qualcode_coder_study``."""
    name = f"qualcode_{_GROUP_SUFFIX[role]}_{database}"
    if len(name) <= _MAX_NAME:
        return name
    digest = hashlib.sha256(database.encode()).hexdigest()[:12]
    return f"qualcode_{_GROUP_SUFFIX[role]}_{database[:30]}_{digest}"


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _my_coder() -> str:
    return "(SELECT m.coder_id FROM members m WHERE m.login = current_user)"


def _my_role_is(*roles: Role) -> str:
    listed = ", ".join(f"'{role.value}'" for role in roles)
    return f"EXISTS (SELECT 1 FROM members m WHERE m.login = current_user AND m.role IN ({listed}))"


def _roles_that(action: Action) -> list[Role]:
    return [role for role in Role if may(role, action)]


def _own_row(column: str) -> str:
    """A row this login may write: its coder's own; the consensus coder's for reviewers
    and owners; any for owners (merging codes moves everyone's codings)."""
    consensus = (
        f"{column} IN (SELECT c.id FROM coders c WHERE lower(c.name) = '{CONSENSUS_CODER}') "
        f"AND {_my_role_is(*_roles_that(Action.DECIDE_CONSENSUS))}"
    )
    owner = _my_role_is(*_roles_that(Action.EDIT_CODEBOOK))
    return f"({column} = {_my_coder()} OR ({consensus}) OR {owner})"


def setup_statements(database: str, owner: str) -> list[str]:
    """The SQL that gives ``database``'s project its roles, grants and policies.
    ``owner`` is the login running it (the database owner): it keeps every right."""
    groups = {role: quote(group_role(database, role)) for role in Role}
    everyone = ", ".join(groups.values())
    # Who writes what follows the domain's table of roles, so the two cannot drift.
    writers = ", ".join(groups[r] for r in Role if may(r, Action.CODE))
    owners = ", ".join(groups[r] for r in Role if may(r, Action.EDIT_CODEBOOK))
    db = quote(database)
    statements = [
        f"REVOKE ALL ON DATABASE {db} FROM PUBLIC",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {everyone}",
        f"GRANT CONNECT ON DATABASE {db} TO {quote(owner)}",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA public TO {everyone}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC, {everyone}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {everyone}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {writers}",
        f"GRANT INSERT, UPDATE, DELETE ON {', '.join(OWNER_TABLES)} TO {owners}",
        f"GRANT INSERT, UPDATE, DELETE ON {', '.join(OWN_ROW_TABLES)} TO {writers}",
        f"GRANT INSERT, UPDATE, DELETE ON {', '.join(SHARED_TABLES)} TO {writers}",
        f"GRANT INSERT ON coders TO {writers}",
        # Row-level security leaves non-owners only their own blind-coding setting.
        f"GRANT INSERT, UPDATE, DELETE ON project_settings TO {everyone}",
        # Insert-only for everyone: nobody but the database's owner rewrites history.
        f"GRANT INSERT ON audit_log TO {writers}",
        # Readers only cache the suggestion engine's analysis (it is derived data).
        f"GRANT INSERT, UPDATE, DELETE ON analysis_cache TO {groups[Role.READER]}",
    ]
    for table, column in OWN_ROW_TABLES.items():
        statements += _policies(table, _own_row(column))
    owner_only = _my_role_is(*_roles_that(Action.EDIT_CODEBOOK))
    statements += _policies(
        "project_settings",
        f"({owner_only} OR key = '{_BLIND_PREFIX}' || "
        f"(SELECT c.uuid FROM coders c WHERE c.id = {_my_coder()}))",
    )
    statements += _policies(
        "audit_log", f"(coder_id IS NULL OR {_own_row('coder_id')})", insert_only=True
    )
    return statements


def _policies(table: str, check: str, *, insert_only: bool = False) -> list[str]:
    statements = [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS qc_read ON {table}",
        f"CREATE POLICY qc_read ON {table} FOR SELECT USING (true)",
        f"DROP POLICY IF EXISTS qc_write ON {table}",
    ]
    if insert_only:
        statements.append(f"CREATE POLICY qc_write ON {table} FOR INSERT WITH CHECK {check}")
    else:
        statements.append(
            f"CREATE POLICY qc_write ON {table} FOR ALL USING {check} WITH CHECK {check}"
        )
    return statements


def prepare(connection: Connection) -> list[str]:
    """Create the group roles (when missing) and apply the grants and policies; the
    names of the group roles."""
    database = connection.execute(text("SELECT current_database()")).scalar_one()
    owner = connection.execute(text("SELECT current_user")).scalar_one()
    names = [group_role(database, role) for role in Role]
    for name in names:
        if not _role_exists(connection, name):
            connection.exec_driver_sql(f"CREATE ROLE {quote(name)} NOLOGIN")
    for statement in setup_statements(database, owner):
        connection.exec_driver_sql(statement)
    return names


def _role_exists(connection: Connection, name: str) -> bool:
    found = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
    return found.first() is not None


def login_exists(connection: Connection, login: str) -> bool:
    return _role_exists(connection, login)


def grant_login(
    connection: Connection, login: str, role: Role, password: str | None = None
) -> bool:
    """Make ``login`` (created if missing, with ``password``, else the one in
    $QUALCODE_MEMBER_PASSWORD, else none: left for the administrator) a member of
    exactly ``role``'s group for this database. True if the login was created."""
    database = connection.execute(text("SELECT current_database()")).scalar_one()
    if not _role_exists(connection, group_role(database, role)):
        raise QualcodeError(
            f"database {database} has no qualcode roles yet: run `qualcode serve-setup` "
            "on it first (as its administrator)"
        )
    created = not _role_exists(connection, login)
    if created:
        password = password or os.environ.get(PASSWORD_ENV)
        if password:
            literal = connection.execute(text("SELECT quote_literal(:p)"), {"p": password})
            connection.exec_driver_sql(
                f"CREATE ROLE {quote(login)} LOGIN PASSWORD {literal.scalar_one()}"
            )
        else:
            connection.exec_driver_sql(f"CREATE ROLE {quote(login)} LOGIN")
    revoke_login(connection, login, database)
    connection.exec_driver_sql(f"GRANT {quote(group_role(database, role))} TO {quote(login)}")
    return created


def revoke_login(connection: Connection, login: str, database: str | None = None) -> None:
    """Take ``login`` out of every group of this database (the login itself stays: it
    may be someone's on other projects)."""
    if database is None:
        database = connection.execute(text("SELECT current_database()")).scalar_one()
    groups = [group_role(database, role) for role in Role]
    granted = connection.execute(
        text(
            "SELECT g.rolname FROM pg_auth_members am "
            "JOIN pg_roles g ON g.oid = am.roleid JOIN pg_roles u ON u.oid = am.member "
            "WHERE u.rolname = :login AND g.rolname = ANY(:groups)"
        ),
        {"login": login, "groups": groups},
    ).scalars()
    for group in list(granted):
        connection.exec_driver_sql(f"REVOKE {quote(group)} FROM {quote(login)}")
