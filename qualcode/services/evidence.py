"""Evidence tables for a report: frequencies, source of evidence, matrices, co-occurrence.

Every table is computed from one ``select_extracts`` call, or, for a Word report, from
the very passages the report quotes (``passages=``), so the counts agree with the
quotes printed beside them; how things are counted is set out in
``qualcode.domain.evidence``. All tables for 100,000 codings come back in under two
seconds (``benchmarks/bench_evidence.py``): the codings are grouped by code once, and
each code's row is built from per-participant tallies instead of another pass.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from qualcode.domain.codebook import join_path
from qualcode.domain.errors import NotFoundError, ValidationError
from qualcode.domain.evidence import (
    NO_PARTICIPANT,
    NOT_RECORDED,
    AttributeMatrix,
    CodeFrequency,
    CoOccurrence,
    CountBy,
    EvidenceRow,
    EvidenceTables,
    FrameworkCell,
    FrameworkMatrix,
    MatrixRow,
    SortOrder,
    SourceOfEvidence,
    natural_key,
    shorten,
)
from qualcode.domain.extract_merge import MergedExtract
from qualcode.domain.records import ExtractRecord
from qualcode.domain.reports import ReportFilter
from qualcode.services.base import Service
from qualcode.services.code_tree import CodeTree
from qualcode.services.collection import collector_paused
from qualcode.services.selection import select_extracts
from qualcode.services.stats import STAKEHOLDER_GROUP
from qualcode.store.models import Attribute

METHOD = "method"
AREA = "area"
EVERYTHING = ReportFilter()  # a frozen record, so one shared default is safe
QUOTE_LENGTH = 200  # characters of a quote in a framework cell
_LABEL_ATTRIBUTES = (STAKEHOLDER_GROUP, AREA)  # "MHP-01 (Mental health partner, T)"


@dataclass
class _Row:
    """A code in the report's scope with the tallies of its whole subtree."""

    uuid: str
    path: str
    depth: int
    parent: str | None
    own_codings: int = 0
    by_case: Counter[str | None] = field(default_factory=Counter)  # codings per participant
    sources: set[str] = field(default_factory=set)


class _Evidence:
    """One selection of codings (or of a report's passages), grouped by code and
    participant, ready for any table. ``coders[i]`` are the coders behind
    ``extracts[i]``: one for a coding, all who applied the code for a passage."""

    def __init__(
        self,
        extracts: list[ExtractRecord],
        rows: list[_Row],
        roots: list[str],
        attribute_names: dict[str, str],
        coders: list[tuple[str, ...]],
    ) -> None:
        self.extracts = extracts
        self.coders = coders
        self.rows = rows
        self.by_uuid = {row.uuid: row for row in rows}
        self.roots = roots
        self.attribute_names = attribute_names  # lower-case -> the project's spelling
        self.case_attributes: dict[str, dict[str, str]] = {}
        by_code: dict[str, list[ExtractRecord]] = defaultdict(list)
        for extract in extracts:
            by_code[extract.coding.code_uuid].append(extract)
            if extract.case is not None and extract.case not in self.case_attributes:
                self.case_attributes[extract.case] = {
                    name: str(value).strip() for name, value in extract.attributes.items()
                }
        self.by_code = by_code
        for uuid, group in by_code.items():
            row = self.by_uuid.get(uuid)
            if row is None:  # cannot happen: the selection keeps to the scope's codes
                continue
            counts = Counter(extract.case for extract in group)
            sources = {extract.coding.source for extract in group}
            row.own_codings = len(group)
            node: _Row | None = row
            while node is not None:  # add to the code and every ancestor in scope
                node.by_case.update(counts)
                node.sources |= sources
                node = self.by_uuid.get(node.parent) if node.parent else None
        self.all_by_case: Counter[str | None] = Counter(extract.case for extract in extracts)

    # --- participants' attributes ------------------------------------------------------

    def attribute(self, name: str) -> str:
        """The project's spelling of attribute ``name``; NotFoundError if there is none."""
        return _spelling(self.attribute_names, name)

    def values_of(self, attribute: str | None) -> dict[str, str]:
        """Each participant's value of ``attribute`` (participants without one left out)."""
        if attribute is None:
            return {}
        out: dict[str, str] = {}
        for case, attributes in self.case_attributes.items():
            value = attributes.get(attribute, "")
            if value:
                out[case] = value
        return out

    def lenient(self, name: str) -> str | None:
        """The project's spelling of ``name``, or None if it has no such attribute."""
        return self.attribute_names.get(name.lower())

    # --- tables ------------------------------------------------------------------------

    def ordered(self, sort: SortOrder) -> list[_Row]:
        if sort == "codebook":
            return list(self.rows)
        children: dict[str | None, list[_Row]] = defaultdict(list)
        for row in self.rows:
            children[row.parent if row.parent in self.by_uuid else None].append(row)

        def key(row: _Row) -> tuple[int, int, str]:
            return (-row.by_case.total(), -len(row.sources), row.path.casefold())

        out: list[_Row] = []

        def visit(parent: str | None) -> None:
            for row in sorted(children.get(parent, []), key=key):
                out.append(row)
                visit(row.uuid)

        visit(None)
        return out

    def frequencies(self, rows: list[_Row], method: str | None) -> tuple[CodeFrequency, ...]:
        groups = self.values_of(self.lenient(STAKEHOLDER_GROUP))
        methods = self.values_of(method)
        out = []
        for row in rows:
            cases = [case for case in row.by_case if case is not None]
            out.append(
                CodeFrequency(
                    code_uuid=row.uuid,
                    path=row.path,
                    depth=row.depth,
                    codings=row.by_case.total(),
                    sources=len(row.sources),
                    cases=len(cases),
                    groups=len({groups[case] for case in cases if case in groups}),
                    methods=_ranked(row.by_case, methods)[0],
                    own_codings=row.own_codings,
                )
            )
        return tuple(out)

    def source_of_evidence(self, rows: list[_Row], attribute: str) -> SourceOfEvidence:
        values = self.values_of(attribute)
        out = []
        for row in rows:
            names, counts = _ranked(row.by_case, values)
            out.append(EvidenceRow(row.uuid, row.path, row.depth, names, counts))
        return SourceOfEvidence(attribute, tuple(out))

    def matrix(self, rows: list[_Row], attribute: str, count_by: CountBy) -> AttributeMatrix:
        values = self.values_of(attribute)

        def tally(by_case: Counter[str | None]) -> Counter[str]:
            counts: Counter[str] = Counter()
            for case, codings in by_case.items():
                if case is None and count_by == "cases":
                    continue  # no participant to count
                value = values.get(case, NOT_RECORDED) if case is not None else NOT_RECORDED
                counts[value] += codings if count_by == "codings" else 1
            return counts

        totals = tally(self.all_by_case)
        columns = sorted((v for v in totals if v != NOT_RECORDED), key=natural_key)
        if totals.get(NOT_RECORDED):
            columns.append(NOT_RECORDED)
        matrix_rows = []
        for row in rows:
            counts = tally(row.by_case)
            matrix_rows.append(
                MatrixRow(
                    row.uuid,
                    row.path,
                    row.depth,
                    tuple(counts.get(column, 0) for column in columns),
                    sum(counts.values()),
                )
            )
        return AttributeMatrix(
            attribute=attribute,
            count_by=count_by,
            columns=tuple(columns),
            rows=tuple(matrix_rows),
            totals=tuple(totals.get(column, 0) for column in columns),
            total=sum(totals.values()),
        )

    def framework(
        self, columns: list[_Row], case_attribute: str | None, quotes_per_cell: int
    ) -> FrameworkMatrix:
        column_of: dict[str, list[int]] = defaultdict(list)
        for index, column in enumerate(columns):
            for row in self.rows:
                if row.uuid == column.uuid or _within(self.by_uuid, row, column.uuid):
                    column_of[row.uuid].append(index)
        values = self.values_of(case_attribute)
        labels: dict[str, str] = {}
        counts: dict[tuple[str, int], int] = defaultdict(int)
        quotes: dict[tuple[str, int], list[str]] = defaultdict(list)
        seen: dict[tuple[str, int], set[tuple[str, int, int]]] = defaultdict(set)
        for extract in self.extracts:
            targets = column_of.get(extract.coding.code_uuid)
            if not targets:
                continue
            case = extract.case
            if case is None:
                key = NO_PARTICIPANT
            elif case_attribute is None:
                key = case
            else:
                key = values.get(case, NOT_RECORDED)
            if key not in labels:
                labels[key] = self.case_label(key) if case_attribute is None else key
            for index in targets:
                cell = (key, index)
                counts[cell] += 1
                if len(quotes[cell]) < quotes_per_cell:
                    coding = extract.coding
                    span = (coding.source, coding.start, coding.end)
                    if span in seen[cell]:
                        continue  # the same passage coded twice: quote it once
                    seen[cell].add(span)
                    text = shorten(coding.text, QUOTE_LENGTH)
                    if case_attribute is not None and case is not None:
                        text = f"{case}: {text}"
                    quotes[cell].append(text)
        special = (NOT_RECORDED, NO_PARTICIPANT)
        keys = sorted((k for k in labels if k not in special), key=natural_key)
        keys += [k for k in special if k in labels]
        cells = tuple(
            tuple(
                FrameworkCell(counts.get((key, index), 0), tuple(quotes.get((key, index), ())))
                for index in range(len(columns))
            )
            for key in keys
        )
        return FrameworkMatrix(
            case_attribute=case_attribute,
            cases=tuple(labels[key] for key in keys),
            codes=tuple(column.path for column in columns),
            cells=cells,
        )

    def case_label(self, case: str) -> str:
        if case == NO_PARTICIPANT:
            return case
        attributes = self.case_attributes.get(case, {})
        details = []
        for wanted in _LABEL_ATTRIBUTES:
            name = self.lenient(wanted)
            value = attributes.get(name, "") if name else ""
            if value:
                details.append(value)
        return f"{case} ({', '.join(details)})" if details else case

    def framework_columns(self) -> list[_Row]:
        """One level below the report's codes: themes, or the named codes' sub-codes."""
        if not self.roots:
            return [row for row in self.rows if row.parent is None]
        columns: list[_Row] = []
        for uuid in self.roots:
            children = [row for row in self.rows if row.parent == uuid]
            for column in children or [self.by_uuid[uuid]]:
                if column not in columns:
                    columns.append(column)
        return columns

    def cooccurrence(self, rows: list[_Row]) -> CoOccurrence:
        # Pairs of overlapping codings (passages) with a coder in common in the same
        # source, per pair of (own) codes: a sweep over each coder's spans in each source.
        by_place: dict[tuple[str, str], list[tuple[int, int, int]]] = defaultdict(list)
        for index, (extract, coders) in enumerate(zip(self.extracts, self.coders, strict=True)):
            coding = extract.coding
            for coder in coders:
                by_place[(coding.source, coder)].append((coding.start, coding.end, index))
        found: list[tuple[int, int]] = []
        for spans in by_place.values():
            spans.sort()
            active: list[tuple[int, int]] = []
            for start, end, index in spans:
                if active:
                    active = [item for item in active if item[0] > start]
                    found.extend((other, index) for _, other in active)
                active.append((end, index))
        # A passage is swept once per coder who applied its code: two passages that
        # several coders share are found once per coder and count once.
        shared = any(len(coders) > 1 for coders in self.coders)
        codes = [extract.coding.code_uuid for extract in self.extracts]
        pairs: Counter[tuple[str, str]] = Counter()
        for first, second in set(found) if shared else found:
            code, other = codes[first], codes[second]
            pairs[(code, other) if code <= other else (other, code)] += 1
        position = {row.uuid: i for i, row in enumerate(rows)}
        lineage = {row.uuid: self.lineage(row) for row in rows}
        matrix = [[0] * len(rows) for _ in rows]
        for (first_code, second_code), count in pairs.items():
            cells: set[tuple[int, int]] = set()
            for a in lineage.get(first_code, ()):
                for b in lineage.get(second_code, ()):
                    cells.add((position[a], position[b]))
                    cells.add((position[b], position[a]))
            for i, j in cells:
                matrix[i][j] += count
        return CoOccurrence(
            codes=tuple(row.path for row in rows),
            depths=tuple(row.depth for row in rows),
            counts=tuple(tuple(line) for line in matrix),
        )

    def lineage(self, row: _Row) -> list[str]:
        """The code and its ancestors within the report's scope."""
        out = []
        node: _Row | None = row
        while node is not None:
            out.append(node.uuid)
            node = self.by_uuid.get(node.parent) if node.parent else None
        return out


class EvidenceService(Service):
    """Evidence tables over the codings a ``ReportFilter`` selects. Read only."""

    def known_attributes(self) -> tuple[str, ...]:
        """The project's participant attributes (e.g. stakeholder_group, area, method)."""
        names = tuple(sorted(self.session.scalars(select(Attribute.name)), key=str.casefold))
        self._end_read()
        return names

    def frequencies(
        self,
        report_filter: ReportFilter = EVERYTHING,
        *,
        sort: SortOrder = "codebook",
        method_attribute: str = METHOD,
        passages: Sequence[MergedExtract] | None = None,
    ) -> tuple[CodeFrequency, ...]:
        """Counts per code, sub-codes included, in codebook order or most frequent first.

        ``sort="frequency"`` keeps every code under its parent and orders siblings by
        codings, then sources (most first), then path: "the most frequently identified
        barriers" are the children of Barriers, in order. ``methods`` is empty in a
        project without ``method_attribute``. ``passages`` as for :meth:`tables`.
        """
        _check_options(sort=sort)
        with collector_paused():
            evidence = self._evidence(report_filter, passages=passages)
            rows = evidence.ordered(sort)
            return evidence.frequencies(rows, evidence.lenient(method_attribute))

    def source_of_evidence(
        self, report_filter: ReportFilter = EVERYTHING, attribute: str = METHOD
    ) -> SourceOfEvidence:
        """Per code, the distinct values of ``attribute`` (data collection methods) it
        came up in, e.g. "MEAM staff consultation; Local area lead consultation"."""
        with collector_paused():
            evidence = self._evidence(report_filter, attribute)
            return evidence.source_of_evidence(evidence.rows, evidence.attribute(attribute))

    def attribute_matrix(
        self,
        report_filter: ReportFilter = EVERYTHING,
        attribute: str = STAKEHOLDER_GROUP,
        count_by: CountBy = "cases",
    ) -> AttributeMatrix:
        """Codes by the values of ``attribute``: which groups raised which codes."""
        _check_options(count_by=count_by)
        with collector_paused():
            evidence = self._evidence(report_filter, attribute)
            return evidence.matrix(evidence.rows, evidence.attribute(attribute), count_by)

    def framework(
        self,
        report_filter: ReportFilter = EVERYTHING,
        case_attribute: str | None = None,
        quotes_per_cell: int = 2,
    ) -> FrameworkMatrix:
        """Participants (or the values of ``case_attribute``) by codes, with quotes."""
        _check_options(quotes_per_cell=quotes_per_cell)
        with collector_paused():
            evidence = self._evidence(report_filter, case_attribute)
            grouping = evidence.attribute(case_attribute) if case_attribute else None
            return evidence.framework(evidence.framework_columns(), grouping, quotes_per_cell)

    def cooccurrence(self, report_filter: ReportFilter = EVERYTHING) -> CoOccurrence:
        """How often each pair of codes was applied to overlapping passages."""
        with collector_paused():
            evidence = self._evidence(report_filter)
            return evidence.cooccurrence(evidence.rows)

    def tables(
        self,
        report_filter: ReportFilter = EVERYTHING,
        *,
        sort: SortOrder = "codebook",
        evidence_attribute: str = METHOD,
        matrix_attribute: str = STAKEHOLDER_GROUP,
        count_by: CountBy = "cases",
        case_attribute: str | None = None,
        quotes_per_cell: int = 2,
        passages: Sequence[MergedExtract] | None = None,
    ) -> EvidenceTables:
        """Every table at once, from one selection of codings.

        The source-of-evidence, matrix and co-occurrence rows follow the frequency
        table's order; ``evidence_attribute`` also fills the frequency table's methods.
        An attribute the project does not have is a NotFoundError that names the ones
        it has (``known_attributes``), raised before any coding is read.

        ``passages``: count these (a Word report's quotes, one per passage however many
        coders coded it, selected by ``report_filter``) instead of every coding; the
        filter then only sets which codes the tables are about.
        """
        _check_options(sort=sort, count_by=count_by, quotes_per_cell=quotes_per_cell)
        with collector_paused():
            evidence = self._evidence(
                report_filter,
                evidence_attribute,
                matrix_attribute,
                case_attribute,
                passages=passages,
            )
            method = evidence.attribute(evidence_attribute)
            attribute = evidence.attribute(matrix_attribute)
            grouping = evidence.attribute(case_attribute) if case_attribute else None
            rows = evidence.ordered(sort)
            return EvidenceTables(
                frequencies=evidence.frequencies(rows, method),
                source_of_evidence=evidence.source_of_evidence(rows, method),
                matrix=evidence.matrix(rows, attribute, count_by),
                framework=evidence.framework(
                    evidence.framework_columns(), grouping, quotes_per_cell
                ),
                cooccurrence=evidence.cooccurrence(rows),
            )

    # --- the one selection ---------------------------------------------------------------

    def _evidence(
        self,
        report_filter: ReportFilter,
        *attributes: str | None,
        passages: Sequence[MergedExtract] | None = None,
    ) -> _Evidence:
        attribute_names = {
            name.lower(): name for name in self.session.scalars(select(Attribute.name))
        }
        for name in attributes:
            if name is not None:
                _spelling(attribute_names, name)  # a typo fails before the long read
        if passages is None:
            extracts = select_extracts(self.session, report_filter)
            coders: list[tuple[str, ...]] = [(extract.coding.coder,) for extract in extracts]
        else:
            extracts = [passage.as_extract() for passage in passages]
            coders = [passage.coders for passage in passages]
        # Loaded after the selection, which ends its read and so expires ORM rows.
        tree = CodeTree.load(self.session)
        named: list[str] = []
        for reference in report_filter.codes:
            code = tree.resolve(reference)
            if code.uuid not in named:
                named.append(code.uuid)
        in_scope: set[int] | None = None
        if named:
            in_scope = set()
            for code in tree.by_id.values():
                if code.uuid in named:
                    in_scope.add(code.id)
                    in_scope.update(c.id for c in tree.descendants(code))
        rows: list[_Row] = []
        paths: dict[int, str] = {}
        for depth, code in tree.in_order():
            parent = tree.by_id.get(code.parent_id) if code.parent_id is not None else None
            paths[code.id] = (
                join_path((paths[parent.id], code.name)) if parent is not None else code.name
            )
            if in_scope is None or code.id in in_scope:
                in_parent_scope = parent is not None and (in_scope is None or parent.id in in_scope)
                rows.append(
                    _Row(
                        uuid=code.uuid,
                        path=paths[code.id],
                        depth=depth,
                        parent=parent.uuid if parent is not None and in_parent_scope else None,
                    )
                )
        self._end_read()
        # Named codes in codebook order, without those inside another named code.
        order = {row.uuid: i for i, row in enumerate(rows)}
        top = {row.uuid for row in rows if row.parent is None}
        roots = sorted((uuid for uuid in named if uuid in top), key=order.__getitem__)
        return _Evidence(extracts, rows, roots, attribute_names, coders)


def _ranked(
    by_case: Counter[str | None], values: dict[str, str]
) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Distinct values of the participants behind a code, most codings first."""
    counts: Counter[str] = Counter()
    for case, codings in by_case.items():
        value = values.get(case) if case is not None else None
        if value:
            counts[value] += codings
    ranked = sorted(counts.items(), key=lambda item: (-item[1], natural_key(item[0])))
    return tuple(v for v, _ in ranked), tuple(n for _, n in ranked)


def _within(by_uuid: dict[str, _Row], row: _Row, ancestor: str) -> bool:
    node = by_uuid.get(row.parent) if row.parent else None
    while node is not None:
        if node.uuid == ancestor:
            return True
        node = by_uuid.get(node.parent) if node.parent else None
    return False


def _spelling(names: dict[str, str], name: str) -> str:
    found = names.get(name.strip().lower())
    if found is None:
        known = ", ".join(sorted(names.values(), key=str.casefold)) or "none"
        raise NotFoundError(f"no attribute '{name}' in this project (known: {known})")
    return found


def _check_options(
    *, sort: str = "codebook", count_by: str = "cases", quotes_per_cell: int = 0
) -> None:
    if sort not in ("codebook", "frequency"):
        raise ValidationError(f"unknown order '{sort}' (use codebook or frequency)")
    if count_by not in ("codings", "cases"):
        raise ValidationError(f"unknown count '{count_by}' (use codings or cases)")
    if quotes_per_cell < 0:
        raise ValidationError("quotes per cell cannot be negative")
