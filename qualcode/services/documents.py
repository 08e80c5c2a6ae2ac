"""One transcript as the coding screen shows it: its text, turns and codings."""

from __future__ import annotations

from qualcode.domain.records import Document
from qualcode.services.base import Service
from qualcode.services.coding import CodingService
from qualcode.services.sources import find_source, turns_of


class DocumentService(Service):
    def document(self, source_name: str, coder: str | None = None) -> Document:
        """A transcript's text, turns and codings (``coder``'s only, if given) in one read:
        the three agree with each other, and a server sends the text once, not twice."""
        source = find_source(self.session, source_name)
        text = source.text
        turns = tuple(turns_of(self.session, source))
        codings = tuple(CodingService(self.session).in_source(source, coder))
        self._end_read()
        return Document(source_name, text, turns, codings)
