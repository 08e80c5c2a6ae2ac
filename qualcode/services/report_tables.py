"""The evidence tables and chart of a Word report, laid out for a page.

The full tables (framework cells with quotes, the whole co-occurrence matrix) go to
CSV/XLSX; a Word page gets what fits: counts per code in codebook order, each code's
source of evidence, codes by stakeholder group, participants by theme, and the pairs
of codes most often applied together.

Everything here counts what the report quotes: the passages it was given, one per
passage however many coders coded it (the agreed version where a review agreed one),
merged once by the report (:mod:`qualcode.domain.extract_merge`). Where several coders'
work is in the report, the captions say so.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from qualcode.domain.codebook import leaf, parent_of
from qualcode.domain.evidence import CodeFrequency, EvidenceTables
from qualcode.domain.extract_merge import MergedExtract
from qualcode.domain.reports import ChartData, ReportFilter, ReportOptions, ReportTable

TOP_PAIRS = 15
CHART_BARS = 25
# Said under the chart and Table 1 when the report holds several coders' work; the
# other tables that count extracts refer to it.
COUNTED_ONCE = (
    "Each extract is one quoted passage: overlapping codings of a code by several "
    "coders count once."
)
AS_IN_TABLE_1 = "Extracts are counted as in Table 1."


def evidence_report_tables(
    session: Session,
    report_filter: ReportFilter,
    options: ReportOptions,
    passages: Sequence[MergedExtract],
    *,
    with_chart: bool,
    several_coders: bool = False,
) -> tuple[tuple[ReportTable, ...], ChartData | None]:
    """The report's tables and chart, counting ``passages`` (the report's quotes)."""
    from qualcode.services.evidence import EvidenceService

    note = COUNTED_ONCE if several_coders else ""

    service = EvidenceService(session)
    known = {name.lower() for name in service.known_attributes()}
    # A project without e.g. a "method" attribute still gets its other tables.
    evidence = options.evidence_attribute.lower() in known
    by_attribute = options.matrix_attribute.lower() in known
    if not known:
        frequencies = service.frequencies(report_filter, passages=passages)
        chart = _chart(frequencies, note) if with_chart else None
        return (_frequencies_only(frequencies, note),), chart
    fallback = min(known)  # the first attribute in order
    tables = service.tables(
        report_filter,
        evidence_attribute=options.evidence_attribute if evidence else fallback,
        matrix_attribute=options.matrix_attribute if by_attribute else fallback,
        passages=passages,
    )
    chart = _chart(tables.frequencies, note) if with_chart else None
    see = AS_IN_TABLE_1 if several_coders else ""
    chosen = [_frequencies(tables, note), _most_frequent(tables, see)]
    if evidence:
        chosen.append(_source_of_evidence(tables, see))
    if by_attribute:
        chosen.append(_matrix(tables))
    chosen += [_framework(tables, see), _pairs(tables, several_coders)]
    return tuple(chosen), chart


def _noted(caption: str, note: str) -> str:
    return f"{caption} {note}" if note else caption


def _frequencies_only(frequencies: tuple[CodeFrequency, ...], note: str) -> ReportTable:
    rows = [(_indent(f.depth, f.name), str(f.codings), str(f.sources)) for f in frequencies]
    return ReportTable(
        title="Code frequencies",
        caption=_noted(
            "Coded extracts and sources per code (no participant attributes in this "
            "project, so no participant or group counts).",
            note,
        ),
        headers=("Code", "Extracts", "Sources"),
        rows=tuple(rows),
        emphasis=_themes([f.depth for f in frequencies]),
    )


def _indent(depth: int, name: str) -> str:
    return "\u2003" * depth + name  # em spaces: Word keeps them, unlike leading spaces


def _themes(depths: list[int]) -> tuple[int, ...]:
    return tuple(i for i, depth in enumerate(depths) if depth == 0)


def _frequencies(tables: EvidenceTables, note: str) -> ReportTable:
    rows = [
        (_indent(f.depth, f.name), str(f.codings), str(f.sources), str(f.cases), str(f.groups))
        for f in tables.frequencies
    ]
    return ReportTable(
        title="Code frequencies",
        caption=_noted(
            "Table 1: coded extracts, sources, participants and stakeholder groups per "
            "code. A theme's row includes its codes; participants and groups are counted once.",
            note,
        ),
        headers=("Code", "Extracts", "Sources", "Participants", "Groups"),
        rows=tuple(rows),
        emphasis=_themes([f.depth for f in tables.frequencies]),
    )


def _most_frequent(tables: EvidenceTables, note: str) -> ReportTable:
    leaves = _leaves(tables.frequencies)
    ranked = sorted(leaves, key=lambda f: (-f.codings, -f.sources, f.path))
    rows = [
        (str(rank), f.path, str(f.codings), str(f.sources), str(f.groups))
        for rank, f in enumerate(ranked[:15], start=1)
        if f.codings
    ]
    return ReportTable(
        title="Most frequently identified",
        caption=_noted(
            "Table 2: the codes with the most coded extracts, then the most sources.", note
        ),
        headers=("Rank", "Code", "Extracts", "Sources", "Groups"),
        rows=tuple(rows),
    )


def _source_of_evidence(tables: EvidenceTables, note: str) -> ReportTable:
    source = tables.source_of_evidence
    rows = [(_indent(r.depth, leaf(r.path)), r.text or "\u2014") for r in source.rows]
    return ReportTable(
        title="Source of evidence",
        caption=_noted(
            f"Table 3: for each code, the {source.attribute.replace('_', ' ')} values "
            "it came up in, most extracts first.",
            note,
        ),
        headers=("Code", "Source of evidence"),
        rows=tuple(rows),
        emphasis=_themes([r.depth for r in source.rows]),
    )


def _matrix(tables: EvidenceTables) -> ReportTable:
    matrix = tables.matrix
    counted = "participants" if matrix.count_by == "cases" else "extracts"
    rows = [
        (_indent(r.depth, leaf(r.path)), *(str(c) for c in r.counts), str(r.total))
        for r in matrix.rows
    ]
    return ReportTable(
        title=f"Codes by {matrix.attribute.replace('_', ' ')}",
        caption=f"Table 4: number of {counted} raising each code, by "
        f"{matrix.attribute.replace('_', ' ')}.",
        headers=("Code", *matrix.columns, "All"),
        rows=tuple(rows),
        emphasis=_themes([r.depth for r in matrix.rows]),
    )


def _framework(tables: EvidenceTables, note: str) -> ReportTable:
    framework = tables.framework
    rows = [
        (case, *(str(cell.count) if cell.count else "" for cell in cells))
        for case, cells in zip(framework.cases, framework.cells, strict=True)
    ]
    return ReportTable(
        title="Framework matrix",
        caption=_noted(
            "Table 5: coded extracts per participant and theme (the spreadsheet "
            "export has the quotes in each cell).",
            note,
        ),
        headers=("Participant", *(leaf(c) for c in framework.codes)),
        rows=tuple(rows),
    )


def _pairs(tables: EvidenceTables, several_coders: bool) -> ReportTable:
    co = tables.cooccurrence
    leaves = {f.path for f in _leaves(tables.frequencies)}
    pairs: list[tuple[int, str, str]] = []
    for i, first in enumerate(co.codes):
        for j in range(i + 1, len(co.codes)):
            second = co.codes[j]
            if first in leaves and second in leaves and co.counts[i][j]:
                pairs.append((co.counts[i][j], first, second))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    return ReportTable(
        title="Codes applied together",
        caption="Table 6: the pairs of codes most often applied to overlapping passages "
        "by the same coder."
        + (
            " Two overlapping quoted passages count once, however many coders applied "
            "both codes to them."
            if several_coders
            else ""
        ),
        headers=("Code", "Applied with", "Passages"),
        rows=tuple((leaf(a), leaf(b), str(n)) for n, a, b in pairs[:TOP_PAIRS]),
    )


def _leaves(frequencies: tuple[CodeFrequency, ...]) -> list[CodeFrequency]:
    parents = {parent_of(f.path) for f in frequencies}
    return [f for f in frequencies if f.path not in parents]


def _chart(frequencies: tuple[CodeFrequency, ...], note: str = "") -> ChartData | None:
    leaves = sorted(
        (f for f in _leaves(frequencies) if f.codings), key=lambda f: (-f.codings, f.path)
    )[:CHART_BARS]
    if not leaves:
        return None
    title = "Coded extracts per code (most frequent first)"
    return ChartData(
        title=title,
        # One string: the caption says what the chart says, then what a bar counts.
        caption=_noted(f"Figure 1: {title}.", note) if note else f"Figure 1: {title}",
        labels=tuple(f.name for f in leaves),
        values=tuple(f.codings for f in leaves),
    )
