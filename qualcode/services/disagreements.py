"""Every passage where coders differ, with both codings and memos (issue 6).

The companion of :mod:`qualcode.services.agreement`: the same coders (default: everyone
with codings except the consensus coder), the same idea of a *present* coder (one
with any coding in the source; elsewhere they are missing, not disagreeing), and the
stretches themselves from :func:`qualcode.domain.disagreements.disagreeing_stretches`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from qualcode.domain.disagreements import Disagreement
from qualcode.services.base import Service
from qualcode.services.disagreement_finding import find_disagreements
from qualcode.services.export_gate import ALL_CHECKS, ExportChecks, ExportGate
from qualcode.services.review import ReviewService


class DisagreementService(Service):
    def disagreements(
        self,
        *,
        coders: Sequence[str] | None = None,
        codes: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
    ) -> list[Disagreement]:
        """Per source and code, the maximal stretches some present coders coded and
        others did not, ordered by source name, then position, then codebook order.

        ``coders``: names to compare (default: all with codings but the consensus
        coder). ``codes``: references (default: every code; sub-codes are separate
        codes). ``sources``: names or UUIDs (default: all).
        """
        found = find_disagreements(self.session, coders=coders, codes=codes, sources=sources)
        self._end_read()
        return found

    def export(
        self,
        path: Path,
        *,
        coders: Sequence[str] | None = None,
        codes: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
        checks: ExportChecks = ALL_CHECKS,
    ) -> tuple[Path, int]:
        """Write the disagreements to ``path`` (.xlsx, .csv or .docx) through the export
        gate, numbered as `qualcode review list` numbers them and each with its status
        and discussion. Returns the path written and how many were written."""
        from qualcode.exporters.disagreements import FORMATS, disagreements_bytes

        gate = ExportGate(self.session, checks)
        path, file_format = gate.target(path, FORMATS, "the disagreements list")
        reviewed = ReviewService(self.session).items(coders=coders, codes=codes, sources=sources)
        items, threads = gate.redact(
            (tuple(r.disagreement for r in reviewed), tuple(r.thread for r in reviewed))
        )
        data = disagreements_bytes(items, file_format.name, threads)
        return gate.write({path: data}, file_format).paths[0], len(items)
