"""What a report is about: which codings, by whom, from where.

Every export (Word report, quotes table, evidence tables) takes one ``ReportFilter``
so that "the barriers raised by local area leads, as agreed" means the same thing in
the quotes as in the counts beside them.
"""

from __future__ import annotations

from dataclasses import dataclass

CONSENSUS_CODER = "consensus"  # the agreed version of a peer review (see issue 6)
DEFAULT_ATTRIBUTION = "{pseudonym|stakeholder_group}, {area:area}"


@dataclass(frozen=True, slots=True)
class ReportFilter:
    """Empty fields mean "no restriction".

    ``codes`` are code references (path, unique name or UUID); a code includes its
    sub-codes. ``where`` holds (attribute, accepted values) pairs, compared without
    regard to case; every pair must hold. ``consensus`` keeps only the agreed coding.
    """

    codes: tuple[str, ...] = ()
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()
    coders: tuple[str, ...] = ()
    consensus: bool = False
    sources: tuple[str, ...] = ()

    @classmethod
    def parse_where(cls, conditions: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """``area=L`` or ``stakeholder_group=Local area lead,MEAM staff`` -> pairs."""
        from qualcode.domain.errors import ValidationError

        pairs: dict[str, list[str]] = {}
        for condition in conditions:
            name, sep, values = condition.partition("=")
            if not sep or not name.strip() or not values.strip():
                raise ValidationError(
                    f"--where '{condition}': write it as attribute=value (e.g. area=L)"
                )
            pairs.setdefault(name.strip(), []).extend(
                v.strip() for v in values.split(",") if v.strip()
            )
        return tuple((name, tuple(values)) for name, values in pairs.items())


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """How a Word report looks. ``attribution`` is a template over participant
    attributes: ``{a|b}`` takes the first of a or b that the participant has, and a
    comma-separated part whose fields are all missing is left out; ``{area:area}``
    reads an area letter as "local area G" and "National" as "national"."""

    title: str = "Coded extracts"
    attribution: str | None = None  # None: the project's template, else DEFAULT_ATTRIBUTION
    order_by: str = "source"  # "source", "stakeholder_group", "date" or any attribute
    show_source: bool = False
    show_time: bool = False
    show_coder: bool = False
    include_memos: bool = False
    widen_to_sentences: bool = True
    max_words: int | None = None  # trim longer extracts, marking omissions [...]
    include_tables: bool = True
    include_chart: bool = True
    evidence_attribute: str = "method"
    matrix_attribute: str = "stakeholder_group"
    author: str = ""
    include_reliability: bool = False  # a "Reliability" section (issue 16's statement)


@dataclass(frozen=True, slots=True)
class ReportQuote:
    text: str
    attribution: str
    details: str  # source, time, coder when asked for; "" otherwise


@dataclass(frozen=True, slots=True)
class ReportSection:
    """One code of the codebook, at its depth in the tree, with its extracts."""

    code_uuid: str
    name: str
    path: str
    depth: int
    definition: str
    quotes: tuple[ReportQuote, ...]
    memos: tuple[str, ...]
    summary: str  # e.g. "7 extracts from 4 sources, 5 participants in 3 groups"


@dataclass(frozen=True, slots=True)
class ReportTable:
    title: str
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    emphasis: tuple[int, ...] = ()  # rows to set in bold (themes above their codes)


@dataclass(frozen=True, slots=True)
class ChartData:
    """A bar chart as data: drawn by the exporter from labels that have already been
    through the identifier register (a picture cannot be read back and checked)."""

    title: str
    caption: str
    labels: tuple[str, ...]
    values: tuple[int, ...]
    axis: str = "Coded extracts"  # what the bars count, under the axis


@dataclass(frozen=True, slots=True)
class Report:
    title: str
    subtitle: str
    scope: str  # what was selected, in words
    author: str
    sections: tuple[ReportSection, ...]
    tables: tuple[ReportTable, ...]
    chart: ChartData | None
    # For the title page (issue 13): who coded, from what, against which codebook.
    coders: int = 0  # coders whose codings are in the selection
    coder_names: tuple[str, ...] = ()  # only when the report names coders (--show-coder)
    sources: int = 0  # transcripts the quotes come from
    codebook: str = ""  # name, size and when it last changed, in words
    identifiers: int = 0  # entries in the identifier register applied to every string
    reliability: str = ""  # the reliability statement, when the report includes one
