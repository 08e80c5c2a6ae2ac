"""A coder's preferences kept in the project: blind coding.

Blind coding hides everyone else's codings from a coder while they code, so a double
coding is independent. It is per coder and per project, and remembered: a peer
researcher who switches it on stays blind until they switch it off.
"""

from __future__ import annotations

from sqlalchemy import select

from qualcode.services.base import Service
from qualcode.store.models import ProjectSetting

_BLIND = "blind_coding:"


class PreferenceService(Service):
    def blind(self) -> bool:
        """Whether the acting coder codes blind in this project."""
        if not self.coder_name:
            return False
        key = _BLIND + self._coder_key()
        value = self.session.scalar(select(ProjectSetting.value).where(ProjectSetting.key == key))
        self._end_read()
        return value == "on"

    def set_blind(self, on: bool) -> bool:
        with self._transaction():
            key = _BLIND + self._coder().uuid
            row = self.session.get(ProjectSetting, key)
            if row is None:
                self.session.add(ProjectSetting(key=key, value="on" if on else "off"))
            else:
                row.value = "on" if on else "off"
            self._audit("coder.blind", "coder", self._coder().uuid, on=on)
        return on

    def _coder_key(self) -> str:
        # Reading should not create the coder row: look it up, else nothing is stored.
        from qualcode.store.models import Coder

        uuid = self.session.scalar(select(Coder.uuid).where(Coder.name == self.coder_name))
        return uuid or "-"
