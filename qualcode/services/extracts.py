"""Coded extracts: every passage coded with a code, placed by speaker and participant."""

from __future__ import annotations

from qualcode.domain.records import ExtractRecord
from qualcode.domain.reports import ReportFilter
from qualcode.services.base import Service
from qualcode.services.code_tree import CodeTree
from qualcode.services.selection import select_extracts


class ExtractService(Service):
    def extracts(
        self, code: str, *, include_subcodes: bool = True, coder: str | None = None
    ) -> list[ExtractRecord]:
        """The extracts of ``code`` (and its sub-codes), as a report would place them."""
        found = select_extracts(
            self.session, ReportFilter(codes=(code,), coders=(coder,) if coder else ())
        )
        if not include_subcodes:
            own = CodeTree.load(self.session).resolve(code).uuid
            found = [e for e in found if e.coding.code_uuid == own]
        self._end_read()
        return found
