"""What every service shares: its session, the acting coder, and the audit trail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.domain.errors import ValidationError
from qualcode.store.models import AuditEntry, Coder


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
        return get_or_create_coder(self.session, self.coder_name)

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


def get_or_create_coder(session: Session, name: str) -> Coder:
    coder = session.scalar(select(Coder).where(Coder.name == name))
    if coder is None:
        coder = Coder(name=name)
        session.add(coder)
        session.flush()
    return coder
