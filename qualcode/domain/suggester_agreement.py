"""The suggester as one more coder (issue 12): how well the suggestions agree with each
coder, per code.

The suggestions are compared with each coder in turn (pairwise: the suggestions vs Ann,
the suggestions vs Bo), not pooled into the team's alpha. "Does the suggester code this
the way each of us does?" is the question a team asks before trusting it, and a pooled
figure would hide whom it follows and would move with the number of coders. Beside
every pair is the coders' own alpha over the same units: the bar the suggester is
measured against.

The suggester is a pseudo-coder named :data:`SUGGESTIONS_CODER`, never a coder of the
project: nothing of it is saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qualcode.domain.agreement import Statistic

SUGGESTIONS_CODER = "suggestions"


@dataclass(frozen=True, slots=True)
class SuggesterRow:
    """One code (or source, or everything) compared between the suggestions and one coder.

    ``units`` are those both have a value for: units the suggester scored, in sources
    where the coder is present. ``kappa`` and ``alpha`` are those of the pair;
    ``coders_alpha`` is the coders' own alpha (everyone compared, without the
    suggestions) over the units the suggester scored.
    """

    kind: str  # "code", "source" or "overall"
    label: str  # code path, source name, or "All codes"
    uuid: str | None
    coder: str
    units: float
    both: float
    suggestions_only: float
    coder_only: float
    percent_agreement: Statistic
    kappa: Statistic
    alpha: Statistic
    coders_alpha: Statistic
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SuggesterAgreement:
    """The suggestions against each coder: per code (each coder's row in ``coders``
    order), per source, and over all codes (one row per coder)."""

    unit: str
    coders: tuple[str, ...]  # the coders the suggestions are compared with
    absent_is_uncoded: bool
    include_subcodes: bool
    overall: tuple[SuggesterRow, ...]
    by_code: tuple[SuggesterRow, ...] = field(default_factory=tuple)
    by_source: tuple[SuggesterRow, ...] = field(default_factory=tuple)


def suggester_rows(report: SuggesterAgreement, by: str = "code") -> list[SuggesterRow]:
    """The table's rows: per code (or source) and coder, then the overall rows."""
    return [*(report.by_code if by == "code" else report.by_source), *report.overall]


SUGGESTER_EXPLANATION = (
    "Each row compares the suggestions with one coder, as if the suggester were one more "
    "coder: the suggestions are those `qualcode suggest` makes at its threshold, each "
    "transcript scored by a model that did not learn from that transcript's coding. "
    "Alpha (Krippendorff's) and Kappa (Cohen's) of the pair: 1 is perfect, 0 chance "
    "level. Coders' alpha: the coders among themselves over the same {units}, the bar to "
    "compare with. Both / Suggested only / Coder only: {units} coded by both, by the "
    "suggestions alone, by the coder alone. Agree %: share of {units} where the two agree, "
    "coded or not. Counted: the {units} the suggester scores (what participants said; "
    "interviewer turns are left out, not counted as disagreement) in transcripts the "
    "coder coded. '-' means undefined (no variation, or no {units} in common)."
)
