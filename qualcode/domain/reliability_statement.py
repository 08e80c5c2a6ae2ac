"""A reliability statement for a report: the facts, and the paragraph a reviewer expects.

O'Connor and Joffe (2020, "Intercoder reliability in qualitative research: debates and
practical guidelines", International Journal of Qualitative Methods 19) ask a report to
say which coefficient was used and why, how many coders took part, how much of the data
was coded by more than one of them, the unit of analysis, which version of the codebook
they coded against, and how disagreements were resolved. :func:`statement` writes that
paragraph from a :class:`ReliabilityFacts` record in plain English, and says so honestly
when a figure is weak, uncertain or could not be computed.

Choices where the sources are silent
------------------------------------
- **Thresholds**: Krippendorff (2019, Content Analysis, 4th ed., section 12.7) accepts
  alpha >= 0.800, and 0.667 <= alpha < 0.800 only for tentative conclusions; the
  statement calls a value below 0.667 too low to rely on, and one below 0.800 tentative.
- **A wide interval** is one whose two ends are more than :data:`WIDE_INTERVAL` (0.2)
  apart: at that width the interval spans both of Krippendorff's thresholds' bands.
- **Little double coding**: O'Connor and Joffe (2020) report that 10 to 25 % of the data
  is commonly double-coded; below :data:`FEW_SHARE` (10 %) of the characters, or fewer
  than two sources, the statement says the sample is small.
- **The headline coefficient** is uα (boundaries and codes together); |uα and cuα follow
  because they say whether a weak uα comes from where coders marked text or from which
  code they gave it (Krippendorff et al. 2016, section 5).
- **Decisions** are counted by the kind the group recorded (the decision entry's own
  words, written by :meth:`ConsensusChoice.describe`); a disagreement marked "agree" or
  "resolved" without a recorded decision counts as agreed in discussion.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from qualcode.domain.agreement import RELIABLE, TENTATIVE
from qualcode.domain.codebook import leaf
from qualcode.domain.review import ChoiceKind, ConsensusChoice

WIDE_INTERVAL = 0.2
FEW_SHARE = 0.10
CITATIONS = "Krippendorff, Mathet, Bouvry and Widlöcher 2016; Krippendorff 2019, section 12.6"
# What each coefficient measures, in words a peer researcher can repeat.
MEANING = {
    "uα": "where text was coded and with which code",
    "|uα": "whether the same text was coded at all, whatever the code",
    "cuα": "which code was applied where coders' stretches overlap",
}
MINUS = "\u2212"
NBSP = "\u00a0"  # keeps "95 %" and "uα = 0.79" on one line in a Word document


@dataclass(frozen=True, slots=True)
class CoefficientFact:
    """One coefficient as the statement reports it. ``code`` is set for a per-code (k)uα;
    ``below`` holds (threshold, probability that alpha is below it) from the bootstrap."""

    name: str
    value: float | None
    reason: str | None = None
    low: float | None = None
    high: float | None = None
    level: float = 0.95
    below: tuple[tuple[float, float], ...] = ()
    draws: int = 0
    code: str | None = None


@dataclass(frozen=True, slots=True)
class Resolution:
    """How a review settled the disagreements it found (see the module's choices)."""

    disagreements: int = 0
    agreed: int = 0  # marked agree or resolved, no decision recorded
    accepted_one: int = 0  # one coder's version
    accepted_all: int = 0  # both (all) coders' coding
    neither: int = 0  # agreed nothing is coded there
    edited_span: int = 0
    still_open: int = 0  # open, disagree or needs discussion

    @property
    def settled(self) -> int:
        return self.disagreements - self.still_open


@dataclass(frozen=True, slots=True)
class CodebookVersion:
    fingerprint: str  # see codebook_fingerprint
    codes: int
    last_changed: date | None


@dataclass(frozen=True, slots=True)
class ReliabilityFacts:
    """What a reliability statement reports. ``coefficients`` are uα, |uα and cuα (any
    missing is left out); ``per_code`` the (k)uα of each code. ``coder_names`` is empty
    unless the report names coders."""

    coefficients: tuple[CoefficientFact, ...]
    per_code: tuple[CoefficientFact, ...]
    coders: int
    coder_names: tuple[str, ...]
    sources_compared: int
    sources_all: int
    characters_compared: int
    characters_all: int
    codebook: CodebookVersion
    resolution: Resolution
    unit: str = "character"


def codebook_fingerprint(codes: Iterable[tuple[str, str, str]]) -> str:
    """A short hash of the codebook's (uuid, path, definition) triples: it changes when a
    code is added, removed, renamed, moved or redefined, and not when codes are listed in
    another order (sorted first), so two copies of one codebook print the same version."""
    canonical = json.dumps(sorted(codes), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:8]


def decision_kind(text: str) -> ChoiceKind | None:
    """The kind of a consensus decision from its entry's words (``describe()``, perhaps
    followed by ": note"); None for words no decision is written with."""
    fixed = {
        ChoiceKind.ALL: ConsensusChoice(ChoiceKind.ALL).describe(),
        ChoiceKind.NONE: ConsensusChoice(ChoiceKind.NONE).describe(),
    }
    for kind, words in fixed.items():
        if text == words or text.startswith(words + ":"):
            return kind
    if text.startswith("agreed an edited span "):
        return ChoiceKind.SPAN
    if text.startswith("accepted ") and "'s version" in text:
        return ChoiceKind.CODER
    return None


# -- numbers as journals print them --------------------------------------------------------


def number(value: float, places: int = 2) -> str:
    """``0.79``, ``−0.12``: fixed places and a true minus sign."""
    text = f"{value:.{places}f}"
    return MINUS + text[1:] if text.startswith("-") else text


def percent(part: int, whole: int) -> str:
    """``67 %`` (a space before the sign, as the brief's journals print it); ``<1 %`` for a
    share that would round to nothing but is not nothing."""
    if whole <= 0:
        return f"0{NBSP}%"
    share = 100 * part / whole
    if 0 < share < 0.5:
        return f"<1{NBSP}%"
    return f"{share:.0f}{NBSP}%"


def count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _spelled(n: int) -> str:
    """Small numbers in words, as a sentence may start with one."""
    return _WORDS[n] if 0 <= n < len(_WORDS) else f"{n:,}"


def probability(p: float) -> str:
    return "less than 0.01" if p < 0.005 else number(p)


def interval(fact: CoefficientFact) -> str:
    if fact.low is None or fact.high is None:
        return ""
    return f"{fact.level * 100:.0f}{NBSP}%{NBSP}CI {number(fact.low)} to {number(fact.high)}"


def _with_interval(fact: CoefficientFact) -> str:
    """``uα = 0.79 (95 % CI 0.72 to 0.85)``."""
    assert fact.value is not None
    shown = f"{fact.name}{NBSP}={NBSP}{number(fact.value)}"
    ci = interval(fact)
    return f"{shown} ({ci})" if ci else shown


def _series(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# -- the paragraph -------------------------------------------------------------------------


def statement(facts: ReliabilityFacts) -> str:
    """The reliability statement for a report's methods section: three paragraphs (the
    coefficient and the sample; the values; the codebook and the review), separated by
    blank lines."""
    return "\n\n".join(statement_paragraphs(facts))


def statement_paragraphs(facts: ReliabilityFacts) -> tuple[str, ...]:
    method = [_why(), _sample(facts)]
    if facts.sources_compared == 0 or facts.coders < 2:
        values = [_nothing_compared(facts)]
    else:
        values = _values(facts)
    process = [_codebook(facts.codebook), _review(facts.resolution)]
    return tuple(" ".join(p for p in part if p) for part in (method, values, process))


def _why() -> str:
    return (
        "Intercoder reliability was assessed with Krippendorff's unitized alpha family "
        f"({CITATIONS}), because the coders marked their own stretches of continuous text "
        "rather than coding units fixed in advance. Unlike percent agreement or Cohen's "
        "kappa counted character by character, which treat text that nobody coded as "
        "agreement, the unitized alphas count uncoded text as a category of its own and "
        "penalise partial overlap in proportion to its length."
    )


def _sample(facts: ReliabilityFacts) -> str:
    who = f"{_spelled(facts.coders).capitalize()} coder{'' if facts.coders == 1 else 's'}"
    if facts.coder_names:
        who += f" ({_series(list(facts.coder_names))})"
    if facts.coders < 2:
        return f"{who} coded the selected material."
    every = "both" if facts.coders == 2 else f"all {_spelled(facts.coders)}"
    if facts.sources_compared == facts.sources_all and facts.sources_all > 0:
        share = (
            f"all {count(facts.sources_all, 'source')} ({facts.characters_all:,} characters) "
            f"{'was' if facts.sources_all == 1 else 'were'} coded by {every} of them."
        )
    else:
        share = (
            f"{facts.sources_compared:,} of {count(facts.sources_all, 'source')} "
            f"({percent(facts.sources_compared, facts.sources_all)}), "
            f"{facts.characters_compared:,} of {facts.characters_all:,} characters "
            f"({percent(facts.characters_compared, facts.characters_all)} of the text), were "
            f"coded by {every} of them."
        )
    text = (
        f"{who} coded the material independently; {share} "
        f"The unit of analysis was the {facts.unit}: each coder's stretches were compared "
        "character by character, whatever their length."
    )
    few = facts.sources_compared < 2 or (
        facts.characters_all > 0 and facts.characters_compared / facts.characters_all < FEW_SHARE
    )
    if facts.sources_compared > 0 and few:
        text += (
            f" This is a small reliability sample (10 to 25{NBSP}% of the data is commonly "
            "double-coded; O'Connor and Joffe 2020), so the figures below are uncertain."
        )
    return text


def _nothing_compared(facts: ReliabilityFacts) -> str:
    if facts.coders < 2:
        return (
            "Fewer than two coders coded the selected material, so agreement between "
            "coders could not be assessed."
        )
    return (
        "No source was coded by every coder, so agreement between coders could not be "
        "assessed; double-coding some sources would make it possible."
    )


def _values(facts: ReliabilityFacts) -> list[str]:
    defined = [f for f in facts.coefficients if f.value is not None]
    undefined = [f for f in facts.coefficients if f.value is None]
    out: list[str] = []
    if defined:
        clauses = [f"{MEANING.get(f.name, f.name)}, {_with_interval(f)}" for f in defined]
        out.append(f"Agreement on {'; on '.join(clauses)}.")
        draws = max(f.draws for f in defined)
        if draws:
            level = defined[0].level * 100
            out.append(
                f"Intervals are {level:.0f}{NBSP}% bootstrap intervals ({draws:,} resamples)."
            )
    for fact in undefined:
        out.append(f"{fact.name} could not be computed: {fact.reason or 'no reason given'}.")
    headline = next((f for f in defined if f.name == "uα"), defined[0] if defined else None)
    if headline is not None:
        if headline.below:
            out.append(_below(headline))
        out.append(_judgement(headline))
        if _wide(headline):
            out.append(
                f"The interval for {headline.name} is wide, so the value is uncertain; "
                "double-coding more of the data would narrow it."
            )
    out.append(_weak_codes(facts.per_code))
    return [o for o in out if o]


def _below(fact: CoefficientFact) -> str:
    chances = [f"{number(t, 3)} is {probability(p)}" for t, p in sorted(fact.below, reverse=True)]
    return f"The probability that {fact.name} is below {', and below '.join(chances)}."


def _judgement(fact: CoefficientFact) -> str:
    assert fact.value is not None
    at = f"At {number(fact.value)}, {fact.name}"
    if fact.value >= RELIABLE:
        return (
            f"{at} is at or above 0.800, the level Krippendorff (2019) accepts for "
            "drawing conclusions from coded data."
        )
    if fact.value >= TENTATIVE:
        return (
            f"{at} is between 0.667 and 0.800, which Krippendorff (2019) accepts only "
            "for tentative conclusions."
        )
    return (
        f"{at} is below 0.667, the lowest value Krippendorff (2019) accepts even for "
        "tentative conclusions: the coding is not yet reliable, and findings resting on it "
        "should be read with caution."
    )


def _wide(fact: CoefficientFact) -> bool:
    return fact.low is not None and fact.high is not None and fact.high - fact.low > WIDE_INTERVAL


def _weak_codes(per_code: tuple[CoefficientFact, ...]) -> str:
    defined = [f for f in per_code if f.value is not None]
    weak = sorted(
        (f for f in defined if f.value is not None and f.value < TENTATIVE),
        key=lambda f: f.value or 0.0,
    )
    unpaired = len(per_code) - len(defined)
    text = ""
    if weak:
        shown = [f"{leaf(f.code or '')} ({number(f.value or 0.0)})" for f in weak[:3]]
        more = f" and {len(weak) - 3} more" if len(weak) > 3 else ""
        text = (
            f"By code, agreement was below 0.667 for {len(weak)} of "
            f"{count(len(defined), 'code')} that coders applied to the same text: "
            f"{'; '.join(shown)}{more}."
        )
    if unpaired:
        text += (
            f" For {count(unpaired, 'code')}, no two coders applied "
            f"{'it' if unpaired == 1 else 'the code'} to the same text, so "
            f"{'its' if unpaired == 1 else 'their'} agreement is undefined."
        )
    return text.strip()


def _codebook(codebook: CodebookVersion) -> str:
    text = (
        f"The coders worked from version {codebook.fingerprint} of the codebook "
        f"({count(codebook.codes, 'code')}; the version is a fingerprint of the codes, "
        "their place in the hierarchy and their definitions)"
    )
    if codebook.last_changed is not None:
        when = codebook.last_changed
        text += f", last changed on {when.day} {when:%B %Y}"
    return text + "."


def _review(r: Resolution) -> str:
    if r.disagreements == 0:
        return "The coders' coding left no disagreements to discuss."
    if r.settled == 0:
        return (
            f"The {count(r.disagreements, 'passage')} where coders disagreed had not yet been "
            "discussed, so there is no agreed version of the coding yet."
        )
    ways = [
        (r.accepted_one, "by accepting one coder's version"),
        (r.accepted_all, "by keeping every coder's coding"),
        (r.neither, "by agreeing the passage should not be coded"),
        (r.edited_span, "by agreeing an edited stretch"),
        (r.agreed, "by agreement without a recorded change"),
    ]
    settled = [f"{n:,} {words}" for n, words in ways if n]
    text = (
        f"The coders then discussed the {count(r.disagreements, 'passage')} where they "
        f"disagreed and resolved {r.settled:,}: {_series(settled)}."
    )
    if r.still_open:
        verb = "is" if r.still_open == 1 else "are"
        text += (
            f" The other {r.still_open:,} {verb} still open, so the agreed version of the "
            "coding is not yet final."
        )
    return text
