"""What every service shares: its session, the acting coder, and the audit trail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import delete, exists, literal_column, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from qualcode.domain.errors import NotAllowedError, ValidationError
from qualcode.domain.reports import CONSENSUS_CODER
from qualcode.domain.roles import Action, Role, change_action, may, refusal
from qualcode.services.changes import Payload, apply_change
from qualcode.store.models import AuditEntry, Coder, HistoryEntry, Member


class Service:
    """A use-case area bound to one session.

    ``coder_name`` is who is acting; read-only use cases do not need one. Each public
    method that changes the project commits before it returns, so every coding action
    is on disk the moment the researcher sees it done.
    """

    def __init__(self, session: Session, coder_name: str | None = None) -> None:
        self.session = session
        self.coder_name = coder_name.strip() if coder_name else None
        self._identity_known = False
        self._role_known = False  # None is a role answer: not a member
        self._role_cache: Role | None = None

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        try:
            yield
            self.session.commit()
        except DBAPIError as error:
            self.session.rollback()
            refused = refused_by_server(error)
            if refused is not None:
                raise refused from None
            raise
        except BaseException:
            self.session.rollback()
            raise

    def _end_read(self) -> None:
        """Finish a read so no lock is held between a person's actions."""
        self.session.rollback()

    def _identity(self) -> str | None:
        """Who is acting. On PostgreSQL a member's login says who they are, whatever
        name they gave: a coder cannot act as a colleague by typing their name."""
        if not self._identity_known:
            self._identity_known = True
            login_name = login_coder(self.session)
            if login_name is not None:
                if self.coder_name and self.coder_name.casefold() != login_name.casefold():
                    raise NotAllowedError(
                        f"on this server you are {login_name} (your database login); "
                        f"you cannot act as {self.coder_name}"
                    )
                self.coder_name = login_name
        return self.coder_name

    def _role(self) -> Role | None:
        """The acting coder's role; None if the project has members and they are not one.
        A project without members is its user's alone: they are its owner."""
        if not self._role_known:
            self._role_cache = role_of(self.session, self._identity())
            self._role_known = True
        return self._role_cache

    def _require(self, action: Action) -> None:
        """Refuse ``action`` unless the acting coder's role allows it."""
        role = self._role()
        if role is None or not may(role, action):
            self.session.rollback()  # end the read the check began; nothing was written
            raise NotAllowedError(refusal(self.coder_name or "someone unnamed", role, action))

    def _require_own(self, coder_id: int, what: str) -> None:
        """Refuse changing ``what`` unless the acting coder made it. The consensus
        version belongs to the review: reviewers (and owners) change it. A project
        without members keeps today's freedom."""
        if not has_members(self.session) or coder_id == self._coder().id:
            return
        owner = self.session.get(Coder, coder_id)
        if owner is not None and owner.name.casefold() == CONSENSUS_CODER:
            self._require(Action.DECIDE_CONSENSUS)
            return
        raise NotAllowedError(
            f"{what} was made by {owner.name if owner else 'another coder'}; "
            "only they can change it"
        )

    def _coder(self) -> Coder:
        self._identity()
        if not self.coder_name:
            raise ValidationError("no coder name given (use --coder or set QUALCODE_CODER)")
        # Looked up once per service: one coding action asks for it several times.
        cached: Coder | None = getattr(self, "_coder_row", None)
        if cached is None or cached not in self.session:
            cached = get_or_create_coder(self.session, self.coder_name)
            self._coder_row = cached
        return cached

    def _audit(self, action: str, entity: str, entity_uuid: str | None, **details: Any) -> None:
        coder = self._coder() if self._identity() else None
        self.session.add(
            AuditEntry(
                coder_id=coder.id if coder else None,
                action=action,
                entity=entity,
                entity_uuid=entity_uuid,
                details=json.dumps(details, ensure_ascii=False, default=str),
            )
        )

    def _perform(self, action: str, payload: Payload, description: str) -> None:
        """Apply an undoable change and remember it in this coder's history.

        Call inside ``_transaction`` so the change, its history entry and its audit
        row are committed together or not at all. A new change ends the redo chain.
        """
        self._require(change_action(action))
        coder = self._coder()
        apply_change(self.session, action, payload, forward=True)
        self.session.execute(
            delete(HistoryEntry).where(HistoryEntry.coder_id == coder.id, HistoryEntry.undone)
        )
        self.session.add(
            HistoryEntry(
                coder_id=coder.id,
                action=action,
                description=description,
                payload=json.dumps(payload, ensure_ascii=False),
            )
        )
        self._audit(
            action,
            action.split(".")[0],
            payload.get("uuid") or _inner_uuid(payload),
            description=description,
        )


def _inner_uuid(payload: Payload) -> str | None:
    for value in payload.values():
        if isinstance(value, dict) and "uuid" in value:
            return str(value["uuid"])
    return None


def _find_coder(session: Session, name: str) -> Coder | None:
    return session.scalar(select(Coder).where(Coder.name == name))


def get_or_create_coder(session: Session, name: str) -> Coder:
    """The coder called ``name``, added on their first action.

    Two first actions at once (the same person in two terminals, on a server) can both
    look, find no one and add: the unique name refuses the second, in a SAVEPOINT so
    only that insert is undone, and the row the first added is used.
    """
    coder = _find_coder(session, name)
    if coder is not None:
        return coder
    coder = Coder(name=name)
    try:
        with session.begin_nested():
            session.add(coder)
    except IntegrityError:
        found = _find_coder(session, name)
        if found is None:  # refused for some other reason
            raise
        return found
    return coder


def has_members(session: Session) -> bool:
    return bool(session.scalar(select(exists().where(Member.id.is_not(None)))))


def role_of(session: Session, coder_name: str | None) -> Role | None:
    """``coder_name``'s role: owner where nobody was ever added, None for a non-member."""
    if not has_members(session):
        return Role.OWNER
    if not coder_name:
        return None
    role = session.scalar(
        select(Member.role).join(Coder, Coder.id == Member.coder_id).where(Coder.name == coder_name)
    )
    return Role(role) if role else None


def login_coder(session: Session) -> str | None:
    """On PostgreSQL, the coder whose login this connection uses (None elsewhere, or
    for a login that is nobody's, such as the database's administrator)."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return None
    return session.scalar(
        select(Coder.name)
        .join(Member, Member.coder_id == Coder.id)
        .where(Member.login == literal_column("current_user"))
    )


_INSUFFICIENT_PRIVILEGE = "42501"  # PostgreSQL: a grant or a row-level policy said no


def refused_by_server(error: DBAPIError) -> NotAllowedError | None:
    """The database's own refusal (grants, row-level security) as a one-line error."""
    if getattr(error.orig, "sqlstate", None) != _INSUFFICIENT_PRIVILEGE:
        return None
    reason = str(error.orig).strip().splitlines()[0] if error.orig else "permission denied"
    return NotAllowedError(f"the database refused this for your login: {reason}")
