"""The agreement tables' columns and notes, one definition for every place that shows them:
the agreement screen, `qualcode agreement` and the CSV, XLSX and Word exports (issue 13).

The coefficient that matters comes first (Krippendorff's alpha; Cohen's kappa only where
exactly two coders are compared), then how much was coded and a note on why a row reads
as it does; percent agreement comes last, because over characters it is high whatever
the coding: it counts the text nobody coded. A row nobody coded has no percentage at
all: "100%" there would only say that nobody coded it, which the note says in words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qualcode.domain.agreement import (
    NO_VARIATION,
    AgreementReport,
    AgreementRow,
    Statistic,
    shown_count,
    shown_statistic,
    table_rows,
    unit_plural,
)
from qualcode.domain.codebook import ancestor_paths
from qualcode.domain.suggester_agreement import SuggesterAgreement, SuggesterRow, suggester_rows

NOBODY = "nobody coded this"
SUB_CODES_ONLY = "sub-codes only"
NEITHER = "neither coded it"


@dataclass(frozen=True, slots=True)
class Column:
    """One column: ``key`` says what it holds, ``label`` heads it in the CLI and the
    exports, ``short`` on the screen, where width is scarce."""

    key: str
    label: str
    short: str = ""

    @property
    def screen_label(self) -> str:
        return self.short or self.label


ALPHA = Column("alpha", "Alpha")
KAPPA = Column("kappa", "Kappa")
CODED = Column("coded", "Coded")
NOTE = Column("note", "Note")
AGREE = Column("agree", "Agree %")
BY_ALL = Column("all", "By all")
BY_SOME = Column("some", "By some")
UNITS = Column("units", "Units")  # labelled with the unit where there is room
# What the screen keeps in view however narrow, then what may scroll.
LEADING = (ALPHA, KAPPA, CODED, NOTE)
TRAILING = (AGREE, BY_ALL, BY_SOME, UNITS)
COLUMNS = (*LEADING, *TRAILING)

CODER = Column("coder", "Coder")
CODERS_ALPHA = Column("coders_alpha", "Coders' alpha", "Coders' α")
BOTH = Column("both", "Both")
SUGGESTED_ONLY = Column("suggestions_only", "Suggested only", "Sugg. only")
CODER_ONLY = Column("coder_only", "Coder only")
# The suggestions against one coder: the pair's alpha, then the coders' own beside it
# (the bar to compare with), then what each coded; percent agreement last again.
SUGGESTER_COLUMNS = (
    CODER,
    ALPHA,
    KAPPA,
    CODERS_ALPHA,
    BOTH,
    SUGGESTED_ONLY,
    CODER_ONLY,
    NOTE,
    AGREE,
    UNITS,
)
PROPORTION = "Agree (proportion)"  # spreadsheets carry a number a sheet can format


def name_label(by: str) -> str:
    return "Code" if by == "code" else "Source"


def units_label(unit: str) -> str:
    return unit_plural(unit).capitalize()


def agreement_columns(report: AgreementReport) -> tuple[Column, ...]:
    """The statistic columns, in order; kappa only where exactly two coders are compared
    (it is not defined for more)."""
    return tuple(c for c in COLUMNS if c is not KAPPA or len(report.coders) == 2)


def header(columns: Sequence[Column], by: str, unit: str) -> list[str]:
    """Column labels for text and files: the units column named by its unit."""
    return [name_label(by), *(units_label(unit) if c is UNITS else c.label for c in columns)]


def listed(names: Sequence[str]) -> str:
    """Names as a sentence lists them: "Ann, Bo and Cy"."""
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


def uncoded(row: AgreementRow) -> bool:
    """Nobody coded this code or source (the overall row is always shown)."""
    return row.kind != "overall" and not row.coded_by_any


def themes_over_coded(rows: Iterable[AgreementRow]) -> set[str]:
    """The paths of codes with a coded code somewhere below them."""
    return ancestor_paths(r.label for r in rows if r.coded_by_any and r.kind == "code")


def note(row: AgreementRow, *, heading: bool = False) -> str:
    """Why a row reads as it does, in a few plain words; ``heading``: a theme nobody
    coded itself, over coded sub-codes."""
    if not row.coded_by_any:
        return SUB_CODES_ONLY if heading else NOBODY
    silent = [n.removesuffix(" coded nothing") for n in row.notes if n.endswith(" coded nothing")]
    parts = [n for n in row.notes if not n.endswith(" coded nothing")]
    if silent:
        parts.insert(0, f"{listed(silent)} coded nothing")
    if row.alpha.value is None and row.alpha.reason == NO_VARIATION:
        parts.append("everyone coded all of it")
    elif row.alpha.value is None and row.alpha.reason:
        parts.append(row.alpha.reason)
    return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class TableRows:
    """The rows a table shows, each with its note, and the rows left out (nobody coded
    them), in codebook order with the overall row last."""

    shown: tuple[tuple[AgreementRow, str], ...]
    left_out: tuple[AgreementRow, ...]


def agreement_table_rows(
    report: AgreementReport, by: str = "code", *, show_uncoded: bool = False
) -> TableRows:
    """The table's rows: those nobody coded only if asked for."""
    rows = table_rows(report, by)
    themes = themes_over_coded(rows)
    shown = tuple(
        (r, note(r, heading=r.label in themes and r.kind == "code"))
        for r in rows
        if show_uncoded or not uncoded(r)
    )
    return TableRows(shown, tuple(r for r in rows if not show_uncoded and uncoded(r)))


def _statistic_text(statistic: Statistic, coded: bool, percent: bool = False) -> str:
    if percent and not coded:
        return ""
    return shown_statistic(statistic, percent=percent)


def _statistic_number(statistic: Statistic, coded: bool) -> float | str:
    """A statistic as a spreadsheet number, empty where undefined or nobody coded."""
    if statistic.value is None or not coded:
        return ""
    return round(statistic.value, 4)


def agreement_values(row: AgreementRow, text_note: str) -> dict[str, tuple[str, float | str]]:
    """Each column's value of a row, as text and as a spreadsheet number."""
    coded = bool(row.coded_by_any)
    return {
        "alpha": (_statistic_text(row.alpha, coded), _statistic_number(row.alpha, coded)),
        "kappa": (_statistic_text(row.kappa, coded), _statistic_number(row.kappa, coded)),
        "coded": (shown_count(row.coded_by_any), row.coded_by_any),
        "note": (text_note, text_note),
        "agree": (
            _statistic_text(row.percent_agreement, coded, percent=True),
            _statistic_number(row.percent_agreement, coded),
        ),
        "all": (shown_count(row.coded_by_all), row.coded_by_all),
        "some": (shown_count(row.coded_by_some), row.coded_by_some),
        "units": (shown_count(row.units), row.units),
    }


def agreement_text(row: AgreementRow, text_note: str, columns: Sequence[Column]) -> list[str]:
    values = agreement_values(row, text_note)
    return [row.label, *(values[c.key][0] for c in columns)]


def agreement_numbers(
    row: AgreementRow, text_note: str, columns: Sequence[Column]
) -> list[str | float]:
    values = agreement_values(row, text_note)
    return [row.label, *(values[c.key][1] for c in columns)]


# -- the suggester as one more coder -------------------------------------------------------


def suggester_uncoded(row: SuggesterRow) -> bool:
    """Neither the suggestions nor the coder coded this (the overall rows always show)."""
    return row.kind != "overall" and not (row.both or row.suggestions_only or row.coder_only)


def suggester_note(row: SuggesterRow) -> str:
    notes = list(row.notes)
    if suggester_uncoded(row) and NEITHER not in notes:
        notes.insert(0, NEITHER)
    elif row.units and row.alpha.value is None and row.alpha.reason:
        notes.append(f"alpha: {row.alpha.reason}")
    return "; ".join(notes)


def suggester_table_rows(
    report: SuggesterAgreement, by: str = "code", *, show_uncoded: bool = False
) -> tuple[list[SuggesterRow], list[SuggesterRow]]:
    """The rows shown (per code or source and coder, then overall) and those left out."""
    rows = suggester_rows(report, by)
    if show_uncoded:
        return rows, []
    return [r for r in rows if not suggester_uncoded(r)], [r for r in rows if suggester_uncoded(r)]


def suggester_values(row: SuggesterRow) -> dict[str, tuple[str, float | str]]:
    coded = not suggester_uncoded(row)
    return {
        "coder": (row.coder, row.coder),
        "alpha": (_statistic_text(row.alpha, coded), _statistic_number(row.alpha, coded)),
        "kappa": (_statistic_text(row.kappa, coded), _statistic_number(row.kappa, coded)),
        "coders_alpha": (
            shown_statistic(row.coders_alpha),
            _statistic_number(row.coders_alpha, True),
        ),
        "both": (shown_count(row.both), row.both),
        "suggestions_only": (shown_count(row.suggestions_only), row.suggestions_only),
        "coder_only": (shown_count(row.coder_only), row.coder_only),
        "note": (suggester_note(row), suggester_note(row)),
        "agree": (
            _statistic_text(row.percent_agreement, coded, percent=True),
            _statistic_number(row.percent_agreement, coded),
        ),
        "units": (shown_count(row.units), row.units),
    }


def shown_suggester_table(
    report: SuggesterAgreement, by: str = "code", *, show_uncoded: bool = True
) -> list[list[str]]:
    """Rows as text in :data:`SUGGESTER_COLUMNS` order, a code's name only on the first of
    its coders' rows (the rows below read as a group under it)."""
    out: list[list[str]] = []
    previous: tuple[str, str] | None = None
    shown, _ = suggester_table_rows(report, by, show_uncoded=show_uncoded)
    for row in shown:
        key = (row.kind, row.label)
        values = suggester_values(row)
        label = row.label if key != previous else ""
        out.append([label, *(values[c.key][0] for c in SUGGESTER_COLUMNS)])
        previous = key
    return out


def suggester_numbers(row: SuggesterRow) -> list[str | float]:
    values = suggester_values(row)
    return [row.label, *(values[c.key][1] for c in SUGGESTER_COLUMNS)]
