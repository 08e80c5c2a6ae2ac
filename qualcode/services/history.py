"""Undo and redo, per coder, across restarts.

Each coder has their own history, so undoing never takes back a colleague's work.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from qualcode.services.base import Service
from qualcode.services.changes import apply_change
from qualcode.store.models import HistoryEntry


@dataclass(frozen=True, slots=True)
class HistoryStep:
    action: str
    description: str


class HistoryService(Service):
    def undo(self) -> HistoryStep | None:
        """Take back this coder's latest change; None if there is nothing to undo."""
        return self._step(self._last_done, forward=False)

    def redo(self) -> HistoryStep | None:
        """Apply again the change most recently undone; None if there is none."""
        return self._step(self._next_undone, forward=True)

    def _step(
        self, find: Callable[[], HistoryEntry | None], *, forward: bool
    ) -> HistoryStep | None:
        with self._transaction():
            entry = find()
            if entry is None:
                return None
            apply_change(self.session, entry.action, json.loads(entry.payload), forward=forward)
            entry.undone = not forward
            self._audit(
                "redo" if forward else "undo",
                "history",
                None,
                change=entry.action,
                description=entry.description,
            )
            step = HistoryStep(entry.action, entry.description)
        return step

    def _last_done(self) -> HistoryEntry | None:
        coder = self._coder()
        return self.session.scalar(
            select(HistoryEntry)
            .where(HistoryEntry.coder_id == coder.id, HistoryEntry.undone.is_(False))
            .order_by(HistoryEntry.id.desc())
            .limit(1)
        )

    def _next_undone(self) -> HistoryEntry | None:
        coder = self._coder()
        last_done = (
            self.session.scalar(
                select(func.max(HistoryEntry.id)).where(
                    HistoryEntry.coder_id == coder.id, HistoryEntry.undone.is_(False)
                )
            )
            or 0
        )
        return self.session.scalar(
            select(HistoryEntry)
            .where(
                HistoryEntry.coder_id == coder.id,
                HistoryEntry.undone.is_(True),
                HistoryEntry.id > last_done,
            )
            .order_by(HistoryEntry.id)
            .limit(1)
        )
