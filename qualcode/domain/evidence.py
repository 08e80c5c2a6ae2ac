"""Evidence tables: how often each code was raised, by whom, and through which methods.

These are the tables a report writer builds from the coded data: "the most frequently
identified barriers", "which barriers were raised by which stakeholder groups", each
enabler's *source of evidence*, a framework matrix of participants by themes, and
which codes were applied together.

How everything is counted, in one place so that every table agrees:

- A row for a code counts the code **and all its sub-codes**: a theme's row totals its
  codes. Counts of distinct things (sources, participants, groups, methods) are
  unions over the sub-codes, not sums: a participant who raised two barriers is one
  participant behind "Barriers".
- ``codings`` counts coded passages (one per coding: two coders marking the same
  passage are two codings). ``sources`` counts distinct sources. A Word report's
  tables and chart count its quotes instead: one per passage, overlapping codings of a
  code by several coders merged once (``qualcode.domain.extract_merge``), the agreed
  version where a review agreed one; there ``codings`` is that number of passages.
- A coding belongs to the one participant (case) its extract is attributed to: the
  speaker turn it starts in, as in the quotes of a report, so that the counts beside
  a quote agree with its attribution. ``cases`` counts distinct participants;
  codings that no participant is attributed to (a facilitator's turn) count in
  ``codings`` and ``sources`` but not in ``cases``. (``qualcode stats`` instead counts
  every participant whose turns a coding touches, so for codings spanning several
  speakers its participant counts can be higher.)
- ``groups`` counts distinct stakeholder groups and ``methods`` lists the distinct
  data collection methods, both read from the attributes of those participants.
- Co-occurrence: two codings **co-occur** when they are in the same source, were made
  by the same coder, and their spans overlap (share at least one character; spans
  that only touch do not). The count for codes A and B is the number of distinct
  pairs of co-occurring codings with one coding in A (or its sub-codes) and the
  other in B (or its sub-codes). It is symmetric; on the diagonal it counts pairs
  within the code's subtree (for a theme: how often two of its codes were applied
  together). Two coders marking the same passage is agreement or disagreement, not
  co-occurrence, so pairs across coders are not counted. Between a report's passages
  (each applied by one or more coders) the same holds: two overlapping passages
  co-occur when at least one coder applied both codes, and count once however many did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from qualcode.domain.codebook import leaf

CountBy = Literal["codings", "cases"]
SortOrder = Literal["codebook", "frequency"]

NOT_RECORDED = "(not recorded)"  # a participant without a value for the attribute
NO_PARTICIPANT = "(no participant)"  # codings that no participant is attributed to
OMITTED = "[...]"  # how the study's reports mark words left out of a quote


@dataclass(frozen=True, slots=True)
class CodeFrequency:
    """One code's counts, including its sub-codes (``own_codings``: the code alone)."""

    code_uuid: str
    path: str
    depth: int
    codings: int
    sources: int
    cases: int
    groups: int  # distinct stakeholder groups
    methods: tuple[str, ...]  # distinct data collection methods, most codings first
    own_codings: int

    @property
    def name(self) -> str:
        return leaf(self.path)


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """A code's source of evidence: the distinct values (e.g. methods) it came up in.

    ``counts[i]`` is the number of codings behind ``values[i]``; values are ordered by
    that count, most first, then alphabetically.
    """

    code_uuid: str
    path: str
    depth: int
    values: tuple[str, ...]
    counts: tuple[int, ...]

    @property
    def text(self) -> str:
        """As a report's table writes it: "MEAM staff consultation; Deep dive consultation"."""
        return "; ".join(self.values)


@dataclass(frozen=True, slots=True)
class SourceOfEvidence:
    attribute: str
    rows: tuple[EvidenceRow, ...]


@dataclass(frozen=True, slots=True)
class MatrixRow:
    code_uuid: str
    path: str
    depth: int
    counts: tuple[int, ...]  # one per column of the matrix
    total: int  # codings, or distinct participants, over all columns


@dataclass(frozen=True, slots=True)
class AttributeMatrix:
    """Codes by the values of a participant attribute ("raised by which groups").

    With ``count_by="cases"`` a cell is the number of distinct participants with that
    value who raised the code; with ``"codings"`` the number of codings. ``totals``
    are the same counts over every coding in the table (the base for percentages).
    The column ``NOT_RECORDED`` appears only when needed: participants without a
    value and, when counting codings, codings no participant is attributed to.
    """

    attribute: str
    count_by: CountBy
    columns: tuple[str, ...]
    rows: tuple[MatrixRow, ...]
    totals: tuple[int, ...]
    total: int


@dataclass(frozen=True, slots=True)
class FrameworkCell:
    count: int  # codings
    quotes: tuple[str, ...]  # the first few, shortened, in source and text order


@dataclass(frozen=True, slots=True)
class FrameworkMatrix:
    """Participants (or groups of them) by codes, each cell a count and a few quotes.

    Rows are participants labelled like "MHP-01 (Mental health partner, T)", or, when
    ``case_attribute`` is set, that attribute's values. Columns are one level below
    what the report is about: the themes for the whole codebook, or the sub-codes of
    each code the report filter names (a code without sub-codes is its own column);
    each column includes its sub-codes.
    """

    case_attribute: str | None
    cases: tuple[str, ...]
    codes: tuple[str, ...]  # code paths
    cells: tuple[tuple[FrameworkCell, ...], ...]  # cells[row][column]


@dataclass(frozen=True, slots=True)
class CoOccurrence:
    """How often codes were applied together to the same passage (see module notes)."""

    codes: tuple[str, ...]  # code paths, in the order of the frequency table
    depths: tuple[int, ...]
    counts: tuple[tuple[int, ...], ...]  # symmetric

    def count(self, first: str, second: str) -> int:
        return self.counts[self.codes.index(first)][self.codes.index(second)]


@dataclass(frozen=True, slots=True)
class EvidenceTables:
    """All the tables of one report filter, computed from one selection of codings."""

    frequencies: tuple[CodeFrequency, ...]
    source_of_evidence: SourceOfEvidence
    matrix: AttributeMatrix
    framework: FrameworkMatrix
    cooccurrence: CoOccurrence


def shorten(text: str, limit: int = 200) -> str:
    """``text`` on one line, cut at a word to at most ``limit`` characters plus [...]."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit + 1]
    space = cut.rfind(" ")
    kept = cut[:space] if space > limit // 2 else flat[:limit]
    return f"{kept.rstrip(' ,;:')} {OMITTED}"


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts "case 2" before "case 10" and ignores case."""
    parts: list[tuple[int, int | str]] = []
    number = ""
    word = ""
    for char in text.casefold():
        if char in "0123456789":
            if word:
                parts.append((1, word))
                word = ""
            number += char
        else:
            if number:
                parts.append((0, int(number)))
                number = ""
            word += char
    if number:
        parts.append((0, int(number)))
    if word:
        parts.append((1, word))
    return tuple(parts)
