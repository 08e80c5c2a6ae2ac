"""Who belongs to a shared project, in which role, and (on PostgreSQL) with which login.

A project starts with no members and its user is its owner. The first member added
makes the person adding them the owner too, so a project is never left without one.
On PostgreSQL adding a member also creates (or grants) their database login, so the
server enforces the role as well as qualcode.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import literal_column, select
from sqlalchemy.orm import Session

from qualcode.domain.errors import ConflictError, NotFoundError, ValidationError
from qualcode.domain.roles import Action, Role
from qualcode.services.base import Service, get_or_create_coder, has_members
from qualcode.store import roles_sql
from qualcode.store.location import ProjectLocation
from qualcode.store.models import Coder, Member

Where = str | Path | ProjectLocation
# Where a new login's password may come from besides a hidden prompt (never an argument).
MEMBER_PASSWORD_ENV = roles_sql.PASSWORD_ENV


@dataclass(frozen=True, slots=True)
class MemberRecord:
    coder: str
    role: Role
    login: str | None


@dataclass(frozen=True, slots=True)
class MemberChange:
    member: MemberRecord
    became_owner: MemberRecord | None  # the person adding, on the project's first add
    login_created: bool


class MembersService(Service):
    def list(self) -> list[MemberRecord]:
        rows = self.session.execute(
            select(Coder.name, Member.role, Member.login).join(Member, Member.coder_id == Coder.id)
        ).all()
        self._end_read()
        order = list(Role)
        records = [MemberRecord(name, Role(role), login) for name, role, login in rows]
        return sorted(records, key=lambda r: (order.index(r.role), r.coder.casefold()))

    def new_login(self, name: str, login: str | None = None) -> str | None:
        """The database login that adding ``name`` would create: None on SQLite, or
        where the login exists already (so there is no password to ask for)."""
        if not _on_server(self.session):
            return None
        login = (login or " ".join(name.split())).strip()
        exists = roles_sql.login_exists(self.session.connection(), login)
        self._end_read()
        return None if exists else login

    def add(
        self, name: str, role: Role, *, login: str | None = None, password: str | None = None
    ) -> MemberChange:
        """Give ``name`` ``role`` (a member already: their role changes). On PostgreSQL
        ``login`` (default: ``name``) is the database login that is this coder; a login
        created for them gets ``password`` (or $QUALCODE_MEMBER_PASSWORD's)."""
        name = " ".join(name.split())
        if not name:
            raise ValidationError("a member needs a name")
        server = _on_server(self.session)
        login = (login or name).strip() if server else None
        with self._transaction():
            became_owner = None
            if not has_members(self.session):
                became_owner = self._first_owner(name, role, server)
            else:
                self._require(Action.EDIT_MEMBERS)
            coder = get_or_create_coder(self.session, name)
            member = self.session.scalar(select(Member).where(Member.coder_id == coder.id))
            if member is None:
                member = Member(coder_id=coder.id, role=role.value, login=login)
                self.session.add(member)
            else:
                self._refuse_last_owner(member, role)
                member.role = role.value
                member.login = login or member.login
            self.session.flush()
            created = False
            if server and member.login:
                created = roles_sql.grant_login(
                    self.session.connection(), member.login, role, password
                )
            self._audit("member.add", "member", coder.uuid, role=role.value, login=member.login)
            record = MemberRecord(coder.name, Role(member.role), member.login)
        return MemberChange(record, became_owner, created)

    def remove(self, name: str) -> MemberRecord:
        """Take ``name`` out of the project (their codings stay, theirs still)."""
        with self._transaction():
            self._require(Action.EDIT_MEMBERS)
            coder = self.session.scalar(select(Coder).where(Coder.name == name.strip()))
            member = (
                None
                if coder is None
                else self.session.scalar(select(Member).where(Member.coder_id == coder.id))
            )
            if coder is None or member is None:
                raise NotFoundError(f"{name} is not a member of this project")
            self._refuse_last_owner(member, None)
            record = MemberRecord(coder.name, Role(member.role), member.login)
            if member.login and _on_server(self.session):
                roles_sql.revoke_login(self.session.connection(), member.login)
            self.session.delete(member)
            self._audit("member.remove", "member", coder.uuid, role=member.role)
        return record

    def prepare_server(self) -> builtins.list[str]:
        """Give this PostgreSQL project its group roles, grants and row-level security
        (again if run again: it only ever sets the same rules). The group roles' names."""
        if not _on_server(self.session):
            raise ValidationError(
                "serve-setup prepares a PostgreSQL database; a project file needs no setup"
            )
        with self._transaction():
            groups = roles_sql.prepare(self.session.connection())
            self._audit("server.setup", "project", None, groups=groups)
        return groups

    def _first_owner(self, name: str, role: Role, server: bool) -> MemberRecord | None:
        """The person adding the first member becomes the owner (unless they are adding
        themselves, as anything: then they are the owner)."""
        adder = self._identity()
        if server:
            login: str = self.session.execute(select(literal_column("current_user"))).scalar_one()
            adder = adder or login
        if not adder:
            raise ValidationError(
                "the first member added makes you the owner: say who you are (--coder)"
            )
        if adder.casefold() == name.casefold():
            if role is not Role.OWNER:
                raise ValidationError(f"{adder}: the project's first member is its owner")
            return None
        coder = get_or_create_coder(self.session, adder)
        owner_login = login if server else None
        self.session.add(Member(coder_id=coder.id, role=Role.OWNER.value, login=owner_login))
        self.session.flush()
        self._audit("member.add", "member", coder.uuid, role=Role.OWNER.value, first=True)
        return MemberRecord(coder.name, Role.OWNER, owner_login)

    def _refuse_last_owner(self, member: Member, new_role: Role | None) -> None:
        if member.role != Role.OWNER.value or new_role is Role.OWNER:
            return
        owners = self.session.scalars(select(Member.id).where(Member.role == Role.OWNER.value))
        if len(owners.all()) <= 1:
            raise ConflictError("a project needs an owner: add another owner first")


def _on_server(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def prepare_for_team(where: Where, name: str | None, coder: str | None) -> tuple[bool, list[str]]:
    """Make (if the database is empty) and prepare a PostgreSQL project for a team:
    whether it was made, and the group roles' names."""
    from qualcode.services.project import Project, location_of  # project imports services
    from qualcode.store.copies import NotAProjectError

    location = location_of(where)
    if location.is_file:
        raise ValidationError(
            "serve-setup prepares a PostgreSQL database (postgresql+psycopg://...); "
            "a project file needs no setup"
        )
    try:
        project, made = Project.open(location), False
    except NotAProjectError:
        project, made = Project.create(location, name), True
    try:
        with project.session() as session:
            groups = MembersService(session, coder).prepare_server()
    finally:
        project.close()
    return made, groups
