"""The unitized alpha family as a table, one definition for every place that shows it:
`qualcode agreement --family unitized`, the agreement screen's unitized view and the
agreement Word/XLSX exports (issue 16).

Words come before symbols (the readers are often peer researchers, not statisticians):
each of the four coefficients is named by the question it answers, with its symbol
beside it, and a coefficient that has no value says why in words instead of a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qualcode.domain.agreement import THRESHOLDS
from qualcode.domain.unitized_alpha import (
    BINARY,
    CODING,
    NO_DOUBLE_CODING,
    NOTHING_CODED,
    PER_CODE,
    UNITIZING,
    Coefficient,
    Confidence,
    UnitizedReport,
)

# What each of the overall three answers, in the order a reader asks.
QUESTIONS = {
    BINARY: "Found the same stretches",
    UNITIZING: "Same stretches, same codes",
    CODING: "Same codes where both coded",
}
# The question each answers, as a sentence (the screen's row description).
ANSWERS = {
    BINARY: "did the coders mark the same parts of the text as worth coding, whatever "
    "code they gave?",
    UNITIZING: "did they mark the same parts with the same codes, boundaries and codes together?",
    CODING: "where coders' stretches overlap, did they give the same code?",
    PER_CODE: "where this code was applied and another coder also coded, did they apply it too?",
}
NOBODY = "nobody coded this"
NOT_PAIRED = "never applied where another coder also coded"

HEADING = (
    "Krippendorff's unitized alpha family: stretches of text as the coders marked them, "
    "uncoded text counted as gaps"
)
EXPLANATION = (
    "|uα, found the same stretches: did the coders mark the same parts of the text as worth "
    "coding, whatever code they gave? uα, same stretches and same codes: boundaries and "
    "codes together, the strictest. cuα, same codes where both coded: where coders' "
    "stretches overlap, did they give the same code? (k)uα, one row per code: where this "
    "code was applied and another coder also coded, did they apply it too? For each, 1 is "
    "perfect agreement, 0 what chance would give, below 0 worse than chance; 0.800 or more "
    "is good, 0.667 the least for tentative conclusions (Krippendorff 2019, section 12.6). "
    "Text nobody coded counts as a gap the coders agree on only where all left it, and a "
    "stretch coded half-way counts as half agreement, so these are not high merely "
    "because most text is uncoded. D_o is the disagreement observed, D_e the disagreement "
    "chance would give; alpha = 1 - D_o / D_e."
)
SHORT_EXPLANATION = (
    "|uα: found the same stretches, any code. uα: same stretches and codes. cuα: same "
    "codes where coders overlap. (k)uα: one code. 1 perfect, 0 chance; 0.800 good, 0.667 "
    "tentative. Uncoded text counts as gaps, so alpha is not high just because most text "
    "is uncoded."
)
CONFIDENCE_EXPLANATION = (
    "95% interval: where alpha falls in 95 of 100 resamplings of the compared text "
    "(bootstrap, {draws} draws, seed {seed}: the same seed gives the same interval). "
    "P(α < 0.667), P(α < 0.8): the share of resamplings in which alpha fell below that "
    "bar, the chance that the true agreement is too low for tentative, or for good, "
    "conclusions."
)


@dataclass(frozen=True, slots=True)
class UnitizedRow:
    """One coefficient as a table shows it: ``label`` names it (the question it answers,
    or a code's path), ``kind`` is "overall" or "code"."""

    label: str
    kind: str
    coefficient: Coefficient
    confidence: Confidence | None
    note: str

    @property
    def symbol(self) -> str:
        return self.coefficient.name


@dataclass(frozen=True, slots=True)
class UnitizedRows:
    """The rows a table shows (overall three first, then per code, codebook order) and
    the codes left out because nobody coded them in the compared transcripts."""

    shown: tuple[UnitizedRow, ...]
    left_out: tuple[str, ...]


def coefficient_note(coefficient: Coefficient) -> str:
    """Why a coefficient has no value, in a few plain words (empty when it has one)."""
    if coefficient.value is not None or not coefficient.reason:
        return ""
    if coefficient.name == PER_CODE:
        return NOBODY if coefficient.segments == 0 else NOT_PAIRED
    if coefficient.reason == NO_DOUBLE_CODING:
        return "no stretch was coded by two coders at once"
    if coefficient.reason == NOTHING_CODED:
        return "nobody coded anything here"
    return coefficient.reason


def unitized_rows(report: UnitizedReport, *, show_uncoded: bool = False) -> UnitizedRows:
    """The family's rows; codes nobody coded only when asked for."""
    family = report.family
    overall = tuple(
        UnitizedRow(
            QUESTIONS[c.name],
            "overall",
            c,
            report.confidence_of(c.name),
            coefficient_note(c),
        )
        for c in (family.binary, family.unitizing, family.coding)
    )
    per_code = [
        UnitizedRow(
            c.code or "", "code", c, report.confidence_of(c.code or ""), coefficient_note(c)
        )
        for c in family.per_code
    ]
    shown = [r for r in per_code if show_uncoded or r.coefficient.segments]
    left_out = tuple(r.label for r in per_code if not show_uncoded and not r.coefficient.segments)
    return UnitizedRows((*overall, *shown), left_out)


def alpha_text(coefficient: Coefficient) -> str:
    """Three decimals, '-' where undefined (the note says why)."""
    if coefficient.value is None:
        return "-"
    return f"{coefficient.value:.3f}".replace("-0.000", "0.000")


def interval_text(confidence: Confidence | None) -> str:
    if confidence is None or confidence.low is None or confidence.high is None:
        return ""
    return f"{confidence.low:.3f} to {confidence.high:.3f}"


def below(confidence: Confidence | None, threshold: float) -> float | None:
    """P(alpha < threshold) from the bootstrap, None if not computed."""
    if confidence is None:
        return None
    return dict(confidence.below).get(threshold)


def _probability_text(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def with_confidence(report: UnitizedReport) -> bool:
    return bool(report.confidence)


def unitized_header(report: UnitizedReport) -> list[str]:
    """Column labels for text and files; the interval columns only when computed."""
    extra = ["95% interval", "P(α < 0.667)", "P(α < 0.8)"] if with_confidence(report) else []
    return ["Coefficient", "Measure", "Alpha", *extra, "D_o", "D_e", "Note"]


def unitized_text(row: UnitizedRow, report: UnitizedReport) -> list[str]:
    """A row as text in :func:`unitized_header` order."""
    c = row.coefficient
    defined = c.value is not None
    extra = (
        [
            interval_text(row.confidence),
            *(_probability_text(below(row.confidence, t)) for t in THRESHOLDS),
        ]
        if with_confidence(report)
        else []
    )
    return [
        row.label,
        row.symbol,
        alpha_text(c),
        *extra,
        f"{c.observed:.3f}" if defined else "",
        f"{c.expected:.3f}" if defined else "",
        row.note,
    ]


def unitized_numbers(row: UnitizedRow, report: UnitizedReport) -> list[str | float]:
    """A row with its figures as spreadsheet numbers (empty where undefined)."""
    c = row.coefficient

    def number(value: float | None) -> float | str:
        return "" if value is None or c.value is None else round(value, 4)

    extra: list[str | float] = []
    if with_confidence(report):
        conf = row.confidence
        extra = [
            number(conf.low if conf else None),
            number(conf.high if conf else None),
            *(number(below(conf, t)) for t in THRESHOLDS),
        ]
    return [
        row.label,
        row.symbol,
        number(c.value),
        *extra,
        number(c.observed),
        number(c.expected),
        row.note,
    ]


def unitized_sheet_header(report: UnitizedReport) -> list[str]:
    """As :func:`unitized_header`, the interval split into two number columns."""
    extra = (
        ["Interval low (95%)", "Interval high (95%)", "P(α < 0.667)", "P(α < 0.8)"]
        if with_confidence(report)
        else []
    )
    return ["Coefficient", "Measure", "Alpha", *extra, "D_o", "D_e", "Note"]


def _listed(names: Sequence[str]) -> str:
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


def compared_sentence(report: UnitizedReport) -> str:
    """Which transcripts were compared and which left out, and why, in words."""
    coders = report.family.coders
    n = len(report.sources)
    which = f"{n} transcript{'s' * (n != 1)} ({report.characters:,} characters)"
    if report.absent_is_uncoded:
        text = (
            f"Compared: {which}; a coder with no coding in a transcript counts as finding "
            "nothing to code there."
        )
    else:
        text = f"Compared: {which} that every compared coder coded."
    if report.left_out:
        m = len(report.left_out)
        whose = dict(report.uncoded_by)
        named = [
            f"{name} ({_listed(list(whose[name]))} coded nothing there)"
            if whose.get(name)
            else name
            for name in report.left_out
        ]
        text += (
            f" Left out: {_listed(named)} ({m} transcript{'s' * (m != 1)}), "
            "because not every coder coded there: a transcript a coder never opened "
            "would count as their disagreeing with all the others found"
            " (--absent-is-uncoded compares them too)."
        )
    if len(coders) < 2:
        text = (
            f"No unitized alpha: it {coefficient_note(report.family.binary)}. Agreement needs "
            "two coders or more who coded the same transcripts."
        )
    return text


def coders_sentence(report: UnitizedReport) -> str:
    coders = report.family.coders
    return f"Coders: {_listed(coders) or 'none with codings'}"


def confidence_sentence(report: UnitizedReport) -> str:
    """The bootstrap's explanation, with its draws and seed, or empty if not computed."""
    if not report.confidence:
        return ""
    first = report.confidence[0][1]
    return CONFIDENCE_EXPLANATION.format(draws=f"{first.draws:,}", seed=first.seed)
