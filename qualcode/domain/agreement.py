"""Agreement between coders: percent agreement, Cohen's kappa, Krippendorff's alpha.

Pure maths on counts. The unit of analysis is anything the caller weighs: a character,
a sentence, a speaker turn. For one code, every coder with values for a unit says
"coded" (1) or "not coded" (0); the caller sums units with the same *pattern*:

    pattern = (present mask, coded mask) -> weight

where bit ``i`` of a mask stands for coder ``i``. A coder "present" for a unit has a
value for it; an absent coder is missing data (Krippendorff's alpha allows it). A unit
with fewer than two present coders is not pairable and counts for nothing.

From the patterns come Krippendorff's coincidence counts (``o00``, ``o01`` = ``o10``,
``o11``; ``n0``, ``n1``, ``n``), the two-coder contingency table Cohen's kappa needs,
and counts of agreement *within coded material* (units at least one coder coded,
split into coded by every present coder and by some only), so that a code with almost
no coding does not look perfect because of all the text nobody coded.

Where a statistic is undefined it is ``None`` with a reason, never a division by zero.
References: K. Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability"
(binary and nominal forms used here); J. Cohen (1960) for kappa.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

NO_VARIATION = "no variation"
TOO_FEW_CODERS = "fewer than two coders with values"
NOT_TWO_CODERS = "kappa needs exactly two coders"

Pattern = tuple[int, int]  # (present mask, coded mask)

# Krippendorff's bars for alpha (Content Analysis, 2019, section 12.6): reliable from
# 0.800; from 0.667 only for tentative conclusions. Every alpha qualcode shows is read
# against these, whichever family it belongs to.
RELIABLE = 0.8
TENTATIVE = 0.667
THRESHOLDS = (TENTATIVE, RELIABLE)


def strength(alpha: float) -> str:
    """Alpha read against Krippendorff's bars, in words."""
    if alpha >= RELIABLE:
        return "good agreement"
    if alpha >= TENTATIVE:
        return "tentative agreement"
    return "low agreement: worth discussing"


@dataclass(frozen=True, slots=True)
class Statistic:
    """A value, or ``None`` with the reason it is undefined."""

    value: float | None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class PairTable:
    """Two coders' coded / not-coded decisions over the units both have values for."""

    both: float = 0
    first_only: float = 0
    second_only: float = 0
    neither: float = 0

    @property
    def total(self) -> float:
        return self.both + self.first_only + self.second_only + self.neither


@dataclass(frozen=True, slots=True)
class AgreementCounts:
    """Everything the statistics need for one code (or a pool of codes).

    ``o00``, ``o01`` and ``o11`` are cells of the coincidence matrix (``o01`` equals
    ``o10``); ``units`` is the weight of pairable units; ``coded_by_all`` and
    ``coded_by_some`` split the pairable units at least one coder coded; ``pair`` is
    the contingency table when exactly two coders are compared; ``silent`` are the
    indices of coders who had values but coded nothing.
    """

    coders: int
    units: float = 0
    o00: float = 0
    o01: float = 0
    o11: float = 0
    coded_by_all: float = 0
    coded_by_some: float = 0
    pair: PairTable | None = None
    silent: tuple[int, ...] = ()

    @property
    def n0(self) -> float:
        return self.o00 + self.o01

    @property
    def n1(self) -> float:
        return self.o11 + self.o01

    @property
    def n(self) -> float:
        return self.o00 + 2 * self.o01 + self.o11

    @property
    def coded_by_any(self) -> float:
        return self.coded_by_all + self.coded_by_some


@dataclass(frozen=True, slots=True)
class AgreementRow:
    """Agreement for one code, one source, or everything selected (``kind``)."""

    kind: str  # "code", "source" or "overall"
    label: str  # code path, source name, or "All codes"
    uuid: str | None
    coders: tuple[str, ...]  # coders with values here
    units: float  # pairable units (characters, sentences or turns)
    coded_by_any: float
    coded_by_all: float
    coded_by_some: float
    percent_agreement: Statistic
    kappa: Statistic
    alpha: Statistic
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AgreementReport:
    """Agreement per code, per source and overall, for the chosen coders and codes."""

    unit: str
    coders: tuple[str, ...]
    absent_is_uncoded: bool
    include_subcodes: bool
    overall: AgreementRow
    by_code: tuple[AgreementRow, ...] = field(default_factory=tuple)
    by_source: tuple[AgreementRow, ...] = field(default_factory=tuple)


def counts_from_patterns(patterns: Mapping[Pattern, float], coders: int) -> AgreementCounts:
    """Coincidence counts and the rest from weighted (present, coded) patterns.

    A pairable unit with ``m`` present coders of whom ``k`` coded it adds, times its
    weight, ``k(k-1)/(m-1)`` to ``o11``, ``(m-k)(m-k-1)/(m-1)`` to ``o00`` and
    ``k(m-k)/(m-1)`` to ``o01`` (Krippendorff 2011, coincidences within units).
    """
    units = o00 = o01 = o11 = by_all = by_some = 0.0
    table = [0.0, 0.0, 0.0, 0.0]  # both, first only, second only, neither
    present_any = coded_any = 0
    for (present, coded), weight in patterns.items():
        coded &= present
        m = present.bit_count()
        if not weight or m < 2:
            continue
        k = coded.bit_count()
        units += weight
        o11 += weight * k * (k - 1) / (m - 1)
        o00 += weight * (m - k) * (m - k - 1) / (m - 1)
        o01 += weight * k * (m - k) / (m - 1)
        if k == m:
            by_all += weight
        elif k:
            by_some += weight
        present_any |= present
        coded_any |= coded
        if coders == 2:
            table[(3, 1, 2, 0)[coded]] += weight
    silent = tuple(i for i in range(coders) if present_any >> i & 1 and not coded_any >> i & 1)
    return AgreementCounts(
        coders=coders,
        units=units,
        o00=o00,
        o01=o01,
        o11=o11,
        coded_by_all=by_all,
        coded_by_some=by_some,
        pair=PairTable(*table) if coders == 2 else None,
        silent=silent,
    )


def binary_patterns(table: Iterable[Sequence[int | bool | None]]) -> dict[Pattern, float]:
    """Patterns from a units x coders table of 1 (coded), 0 (not coded) or None (missing)."""
    patterns: dict[Pattern, float] = defaultdict(float)
    for row in table:
        present = coded = 0
        for index, value in enumerate(row):
            if value is not None:
                present |= 1 << index
                if value:
                    coded |= 1 << index
        patterns[(present, coded)] += 1
    return dict(patterns)


def percent_agreement(counts: AgreementCounts) -> Statistic:
    """Share of agreeing pairs of values within units (for two coders: of agreeing units)."""
    if counts.n == 0:
        return Statistic(None, TOO_FEW_CODERS)
    return Statistic((counts.o00 + counts.o11) / counts.n)


def cohen_kappa(pair: PairTable | None) -> Statistic:
    """Cohen's kappa for two coders: (p_o - p_e) / (1 - p_e)."""
    if pair is None:
        return Statistic(None, NOT_TWO_CODERS)
    total = pair.total
    if total == 0:
        return Statistic(None, TOO_FEW_CODERS)
    observed = (pair.both + pair.neither) / total
    first = (pair.both + pair.first_only) / total
    second = (pair.both + pair.second_only) / total
    expected = first * second + (1 - first) * (1 - second)
    if expected >= 1 - 1e-12:
        return Statistic(None, NO_VARIATION)
    return Statistic((observed - expected) / (1 - expected))


def binary_alpha(counts: AgreementCounts) -> Statistic:
    """Krippendorff's alpha for binary nominal data: 1 - (n-1) o01 / (n0 n1)."""
    if counts.n == 0:
        return Statistic(None, TOO_FEW_CODERS)
    if counts.n0 == 0 or counts.n1 == 0:
        return Statistic(None, NO_VARIATION)
    return Statistic(1 - (counts.n - 1) * counts.o01 / (counts.n0 * counts.n1))


def coincidences(
    table: Iterable[Sequence[Hashable | None]],
) -> dict[tuple[Hashable, Hashable], float]:
    """Krippendorff's coincidence matrix from a units x coders table (None = missing)."""
    matrix: dict[tuple[Hashable, Hashable], float] = defaultdict(float)
    for row in table:
        values = [v for v in row if v is not None]
        m = len(values)
        if m < 2:
            continue
        for i, a in enumerate(values):
            for j, b in enumerate(values):
                if i != j:
                    matrix[(a, b)] += 1 / (m - 1)
    return dict(matrix)


def nominal_alpha(table: Iterable[Sequence[Hashable | None]]) -> Statistic:
    """Krippendorff's alpha for nominal values of two or more coders, missing allowed.

    ``alpha = 1 - (n-1) (n - sum_c o_cc) / (n^2 - sum_c n_c^2)``.
    """
    matrix = coincidences(table)
    n = sum(matrix.values())
    if n == 0:
        return Statistic(None, TOO_FEW_CODERS)
    totals: dict[Hashable, float] = defaultdict(float)
    for (a, _), weight in matrix.items():
        totals[a] += weight
    expected = n * n - sum(t * t for t in totals.values())
    if expected <= 1e-12:
        return Statistic(None, NO_VARIATION)
    observed = n - sum(w for (a, b), w in matrix.items() if a == b)
    return Statistic(1 - (n - 1) * observed / expected)


def statistics(counts: AgreementCounts) -> tuple[Statistic, Statistic, Statistic]:
    """Percent agreement, Cohen's kappa (two coders only) and Krippendorff's alpha."""
    return percent_agreement(counts), cohen_kappa(counts.pair), binary_alpha(counts)


def shown_statistic(value: Statistic, percent: bool = False) -> str:
    """A statistic as a table shows it: 3 decimals (or a percentage), '-' if undefined."""
    if value.value is None:
        return "-"
    shown = f"{value.value:.1%}" if percent else f"{value.value:.3f}"
    return shown.replace("-0.000", "0.000")  # a tiny negative rounds to zero, unsigned


def shown_count(value: float) -> str:
    """Whole counts with thousands separators; pooled weights to one decimal."""
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def table_rows(report: AgreementReport, by: str = "code") -> list[AgreementRow]:
    """The rows of the agreement table: one per code (or source), then the overall row."""
    return [*(report.by_code if by == "code" else report.by_source), report.overall]


def unit_plural(unit: str) -> str:
    return {"character": "characters", "sentence": "sentences", "turn": "turns"}[unit]


EXPLANATION = (
    "Alpha: Krippendorff's alpha (nominal), agreement beyond chance for any number of "
    "coders: 1 is perfect, 0 chance level, below 0 worse than chance; 0.800 or more is "
    "good, 0.667 the least for tentative conclusions. Kappa: Cohen's kappa, shown for two "
    "coders only. '-' means undefined: no variation (everyone coded all of it) or fewer "
    "than two coders with values; a coder with no coding in a source is missing data "
    "there. Coded: {units} anyone coded. Note: why a row reads as it does. Agree %: share "
    "of agreeing pairs of coders over all {units}, coded or not, so it is high whatever "
    "the coding. By all / By some: {units} coded by every coder present or only some - "
    "agreement within coded material, which the uncoded text does not flatter."
)
