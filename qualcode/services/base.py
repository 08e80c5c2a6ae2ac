"""What every service shares: its session, the acting coder, and the audit trail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qualcode.domain.errors import ValidationError
from qualcode.services.changes import Payload, apply_change
from qualcode.store.models import AuditEntry, Coder, HistoryEntry


class Service:
    """A use-case area bound to one session.

    ``coder_name`` is who is acting; read-only use cases do not need one. Each public
    method that changes the project commits before it returns, so every coding action
    is on disk the moment the researcher sees it done.
    """

    def __init__(self, session: Session, coder_name: str | None = None) -> None:
        self.session = session
        self.coder_name = coder_name.strip() if coder_name else None

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        try:
            yield
            self.session.commit()
        except BaseException:
            self.session.rollback()
            raise

    def _end_read(self) -> None:
        """Finish a read so no lock is held between a person's actions."""
        self.session.rollback()

    def _coder(self) -> Coder:
        if not self.coder_name:
            raise ValidationError("no coder name given (use --coder or set QUALCODE_CODER)")
        # Looked up once per service: one coding action asks for it several times.
        cached: Coder | None = getattr(self, "_coder_row", None)
        if cached is None or cached not in self.session:
            cached = get_or_create_coder(self.session, self.coder_name)
            self._coder_row = cached
        return cached

    def _audit(self, action: str, entity: str, entity_uuid: str | None, **details: Any) -> None:
        coder = self._coder() if self.coder_name else None
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
