"""The facts behind a reliability statement (issue 16), gathered from a project.

The unitized alpha family with bootstrap intervals comes from
:class:`~qualcode.services.unitized.UnitizedService`, the review's outcome from
:class:`~qualcode.services.review.ReviewService` (the same disagreements ``qualcode review
list`` shows, for the same coders, codes and sources), and the codebook's version from
its codes and the audit log. The paragraph itself is
:func:`qualcode.domain.reliability_statement.statement`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from qualcode.domain.reliability_statement import (
    CodebookVersion,
    CoefficientFact,
    ReliabilityFacts,
    Resolution,
    codebook_fingerprint,
    decision_kind,
    statement,
)
from qualcode.domain.review import ChoiceKind, ReviewItem, ReviewStatus
from qualcode.domain.unitized_alpha import Coefficient, UnitizedReport
from qualcode.services.base import Service
from qualcode.services.code_tree import CodeTree, codebook_last_changed
from qualcode.services.review import ReviewService
from qualcode.services.unitized import UnitizedService


class ReliabilityService(Service):
    def facts(
        self,
        *,
        coders: Sequence[str] | None = None,
        codes: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
        include_subcodes: bool = False,
        name_coders: bool = False,
        draws: int = 1000,
        seed: int = 20161,
    ) -> ReliabilityFacts:
        """The facts for ``coders`` (default: everyone who coded, but the consensus),
        ``codes`` (default: all) and ``sources`` (default: all). Coders are named only
        with ``name_coders`` (a report that names coders)."""
        report = UnitizedService(self.session).family(
            coders=coders,
            codes=codes,
            sources=sources,
            include_subcodes=include_subcodes,
            confidence=True,
            draws=draws,
            seed=seed,
        )
        items = ReviewService(self.session, self.coder_name).items(
            coders=coders, codes=codes, sources=sources
        )
        codebook = self.codebook_version()
        family = report.family
        return ReliabilityFacts(
            coefficients=tuple(
                _fact(c, report) for c in (family.unitizing, family.binary, family.coding)
            ),
            # A code nobody applied in the compared material (a theme coded only through
            # its sub-codes, say) has nothing to agree on; it is not "undefined agreement".
            per_code=tuple(_fact(c, report, c.code or "") for c in family.per_code if c.segments),
            coders=len(family.coders),
            coder_names=family.coders if name_coders else (),
            sources_compared=len(report.sources),
            sources_all=len(report.sources) + len(report.left_out),
            characters_compared=report.characters,
            characters_all=report.all_characters,
            codebook=codebook,
            resolution=resolution(items),
        )

    def statement(
        self,
        *,
        coders: Sequence[str] | None = None,
        codes: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
        include_subcodes: bool = False,
        name_coders: bool = False,
    ) -> tuple[ReliabilityFacts, str]:
        """The facts and the paragraph, both with the identifier register applied (by
        the export gate's redactor): the paragraph is written to be pasted into a report,
        and a code's or coder's name may be one the register replaces."""
        from qualcode.services.export_gate import ExportGate

        found = self.facts(
            coders=coders,
            codes=codes,
            sources=sources,
            include_subcodes=include_subcodes,
            name_coders=name_coders,
        )
        gate = ExportGate(self.session)
        redacted = gate.redact(found)
        paragraph = gate.redact(statement(redacted))
        self._end_read()
        return redacted, paragraph

    def codebook_version(self) -> CodebookVersion:
        """The codebook's fingerprint, size and the day it last changed (audit log)."""
        tree = CodeTree.load(self.session)
        triples = [(c.uuid, tree.path(c), c.definition or "") for _, c in tree.in_order()]
        changed = codebook_last_changed(self.session)
        self._end_read()
        return CodebookVersion(
            fingerprint=codebook_fingerprint(triples),
            codes=len(triples),
            last_changed=changed.date() if changed is not None else None,
        )


def _fact(coefficient: Coefficient, report: UnitizedReport, label: str = "") -> CoefficientFact:
    confidence = report.confidence_of(label or coefficient.name)
    return CoefficientFact(
        name=coefficient.name,
        value=coefficient.value,
        reason=coefficient.reason,
        low=confidence.low if confidence else None,
        high=confidence.high if confidence else None,
        level=confidence.level if confidence else 0.95,
        below=confidence.below if confidence else (),
        draws=confidence.draws if confidence else 0,
        code=coefficient.code,
    )


_STILL_OPEN = (ReviewStatus.OPEN, ReviewStatus.DISAGREE, ReviewStatus.NEEDS_DISCUSSION)


def resolution(items: Sequence[ReviewItem]) -> Resolution:
    """How the review settled ``items``: a recorded decision by its kind, else the status."""
    kinds: Counter[ChoiceKind | None] = Counter()
    agreed = still_open = 0
    for item in items:
        # A thread reopened after its decision is open again: its latest status wins.
        decision = item.thread.decision if item.thread is not None else None
        kind = decision_kind(decision.text) if decision is not None else None
        if item.status in _STILL_OPEN:
            still_open += 1
        elif kind is not None:
            kinds[kind] += 1
        else:
            agreed += 1
    return Resolution(
        disagreements=len(items),
        agreed=agreed,
        accepted_one=kinds[ChoiceKind.CODER],
        accepted_all=kinds[ChoiceKind.ALL],
        neither=kinds[ChoiceKind.NONE],
        edited_span=kinds[ChoiceKind.SPAN],
        still_open=still_open,
    )
