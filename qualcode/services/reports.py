"""Reports for report writers: Word documents of coded extracts with evidence tables,
quotes and tables as CSV/XLSX, the codebook as a Word table. Every one is written
through the export gate (:mod:`qualcode.services.export_gate`): the identifier
register applied to every string, the file read back and kept only if no registered
name or close variant is left in it.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from qualcode.domain.errors import ValidationError
from qualcode.domain.extract_merge import (
    MergedExtract,
    coder_count,
    coder_names,
    merge_extracts,
    prefer_agreed,
)
from qualcode.domain.quotes import attribution, trim, widen_to_sentences
from qualcode.domain.records import ExtractRecord
from qualcode.domain.reports import (
    CONSENSUS_CODER,
    DEFAULT_ATTRIBUTION,
    Report,
    ReportFilter,
    ReportOptions,
    ReportQuote,
    ReportSection,
    ReportTable,
)
from qualcode.services.base import Service
from qualcode.services.code_tree import CodeTree, codebook_last_changed
from qualcode.services.export_gate import ALL_CHECKS, ExportChecks, ExportGate, GateResult
from qualcode.services.selection import select_extracts
from qualcode.store.models import (
    Code,
    Identifier,
    Memo,
    ProjectSetting,
    Source,
    SpeakerTurn,
)

ATTRIBUTION_SETTING = "attribution_template"


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    extracts: int
    codes: int
    seconds: float
    checked: int  # pieces of text read back and checked
    leaks_allowed: int  # identifiers left in because the user said so


class ReportService(Service):
    # -- what goes in ------------------------------------------------------------------

    def attribution_template(self) -> str | None:
        value = self.session.scalar(
            select(ProjectSetting.value).where(ProjectSetting.key == ATTRIBUTION_SETTING)
        )
        self._end_read()
        return value

    def set_attribution_template(self, template: str) -> None:
        if "{" not in template:
            raise ValidationError(
                "an attribution template needs at least one {attribute}, "
                "e.g. '{stakeholder_group}, local area {area}'"
            )
        with self._transaction():
            row = self.session.get(ProjectSetting, ATTRIBUTION_SETTING)
            if row is None:
                self.session.add(ProjectSetting(key=ATTRIBUTION_SETTING, value=template))
            else:
                row.value = template

    def template(self, options: ReportOptions) -> str:
        """The attribution template a report with ``options`` uses."""
        return options.attribution or self.attribution_template() or DEFAULT_ATTRIBUTION

    def preview_attributions(
        self, report_filter: ReportFilter, options: ReportOptions, count: int = 3
    ) -> tuple[str, ...]:
        """Up to ``count`` different attributions the report would print, taken from
        its own extracts and with the identifier register applied, so the person can
        see how quotes will read before exporting."""
        template = self.template(options)
        extracts = prefer_agreed(select_extracts(self.session, report_filter))
        found: dict[str, None] = {}
        for extract in extracts:
            found.setdefault(attribution(template, extract.attributes), None)
            if len(found) == count:
                break
        from qualcode.services.identifiers import IdentifierService

        redactor = IdentifierService(self.session).redactor()
        self._end_read()
        return tuple(redactor.apply(text) for text in found)

    def build(self, report_filter: ReportFilter, options: ReportOptions) -> Report:
        """The report as records: sections in codebook order with their quotes, one
        quote per passage however many coders coded it (see
        :mod:`qualcode.domain.extract_merge`)."""
        extracts = select_extracts(self.session, report_filter)
        template = self.template(options)
        tree = CodeTree.load(self.session)
        shown = _shown_codes(tree, report_filter)
        texts, turns = self._texts_and_turns({e.coding.source for e in extracts})
        widen = _widener(texts, turns) if options.widen_to_sentences else None
        passages = merge_extracts(prefer_agreed(extracts), texts, widen)
        by_code: dict[str, list[MergedExtract]] = defaultdict(list)
        for passage in passages:
            by_code[passage.code_uuid].append(passage)
        several = _several_coders(e.coding.coder for e in extracts)
        memos = self._code_memos() if options.include_memos else {}
        sections: list[ReportSection] = []
        for depth, code in tree.in_order():
            if shown is not None and code.id not in shown:
                continue
            own = sorted(by_code.get(code.uuid, []), key=_order_key(options.order_by))
            quotes = tuple(self._quote(p, options, template, several) for p in own)
            memo_texts = tuple(memos.get(code.id, ()))
            if options.include_memos:
                memo_texts += tuple(f"{memo} ({coder})" for p in own for memo, coder in p.memos)
            sections.append(
                ReportSection(
                    code_uuid=code.uuid,
                    name=code.name,
                    path=tree.path(code),
                    depth=depth,
                    definition=code.definition,
                    quotes=quotes,
                    memos=memo_texts,
                    summary=_summary(own) if own or not tree.children.get(code.id) else "",
                )
            )
        tables: tuple[ReportTable, ...] = ()
        chart = None
        if options.include_tables:
            from qualcode.services.report_tables import evidence_report_tables

            # The tables count the quotes' own passages: merged once, above.
            tables, chart = evidence_report_tables(
                self.session,
                report_filter,
                options,
                passages,
                with_chart=options.include_chart,
                several_coders=several,
            )
        facts = self._title_page_facts(extracts, options)
        if options.include_reliability:
            facts["reliability"] = self._reliability(report_filter, options)
        self._end_read()
        return Report(
            title=options.title,
            subtitle=self._project_name(),
            scope=describe(report_filter, len(passages)),
            author=options.author,
            sections=tuple(sections),
            tables=tables,
            chart=chart,
            **facts,
        )

    # -- exports: each through the export gate ----------------------------------------

    def export_docx(
        self,
        path: Path,
        report_filter: ReportFilter,
        options: ReportOptions,
        *,
        checks: ExportChecks = ALL_CHECKS,
        preview: Callable[[tuple[str, ...]], None] | None = None,
    ) -> ExportResult:
        """The Word report through the export gate. ``preview`` is shown three of the
        report's own attributions (redacted) once the gate has accepted the
        destination and before anything is written."""
        from qualcode.exporters.docx_report import report_bytes

        started = time.perf_counter()
        gate = ExportGate(self.session, checks)
        path, file_format = gate.target(path, ("docx",), "a Word report")
        report = gate.redact(self.build(report_filter, options))
        if preview is not None:
            preview(first_attributions(report))
        written = gate.write({path: report_bytes(report)}, file_format)
        return _result(
            written,
            sum(len(s.quotes) for s in report.sections),
            sum(1 for s in report.sections if s.quotes),
            started,
        )

    def export_quotes(
        self,
        path: Path,
        report_filter: ReportFilter,
        *,
        attributes: Sequence[str] | None = None,
        checks: ExportChecks = ALL_CHECKS,
    ) -> ExportResult:
        """One quote per row (CSV or XLSX by the file's suffix)."""
        from qualcode.exporters.tables import quotes_bytes

        started = time.perf_counter()
        gate = ExportGate(self.session, checks)
        path, file_format = gate.target(path, ("csv", "xlsx"), "a quotes table")
        extracts = tuple(select_extracts(self.session, report_filter))
        self._end_read()
        names = tuple(attributes) if attributes is not None else tuple(_attribute_names(extracts))
        extracts, names = gate.redact((extracts, names))
        data = quotes_bytes(extracts, file_format.name, attributes=names)
        written = gate.write({path: data}, file_format)
        return _result(written, len(extracts), len({e.coding.code_uuid for e in extracts}), started)

    def export_tables(
        self,
        path: Path,
        report_filter: ReportFilter,
        options: ReportOptions,
        *,
        sort: str = "codebook",
        checks: ExportChecks = ALL_CHECKS,
    ) -> list[Path]:
        """The evidence tables as CSV files (one per table) or one XLSX workbook."""
        from qualcode.exporters.tables import tables_files
        from qualcode.services.evidence import EvidenceService

        gate = ExportGate(self.session, checks)
        path, file_format = gate.target(path, ("csv", "xlsx"), "the evidence tables")
        tables = EvidenceService(self.session).tables(
            report_filter,
            sort="frequency" if sort == "frequency" else "codebook",
            evidence_attribute=options.evidence_attribute,
            matrix_attribute=options.matrix_attribute,
        )
        self._end_read()
        files = tables_files(gate.redact(tables), path, file_format.name)
        return list(gate.write(files, file_format).paths)

    def export_codebook_docx(self, path: Path, checks: ExportChecks = ALL_CHECKS) -> Path:
        """The codebook as a Word table (name, definition, include, exclude, example)."""
        from qualcode.exporters.docx_report import table_document_bytes

        gate = ExportGate(self.session, checks)
        path, file_format = gate.target(path, ("docx",), "the codebook as a Word table")
        tree = CodeTree.load(self.session)
        rows: list[tuple[str, ...]] = []
        emphasis: list[int] = []
        for depth, code in tree.in_order():
            if depth == 0:
                emphasis.append(len(rows))
            rows.append(
                (
                    "    " * depth + code.name,
                    code.definition or "",
                    code.include or "",
                    code.exclude or "",
                    code.example or "",
                )
            )
        name = self._project_name()
        self._end_read()
        title, table = gate.redact(
            (
                f"Codebook: {name}",
                ReportTable(
                    title="Codebook",
                    caption=f"The codebook of {name}: {len(rows)} codes.",
                    headers=("Code", "Definition", "Include", "Exclude", "Example"),
                    rows=tuple(rows),
                    emphasis=tuple(emphasis),
                ),
            )
        )
        gate.write({path: table_document_bytes(title, table)}, file_format)
        return path

    # -- helpers -----------------------------------------------------------------------

    def _quote(
        self,
        passage: MergedExtract,
        options: ReportOptions,
        template: str,
        several: bool,
    ) -> ReportQuote:
        extract = passage.extract
        coding = extract.coding
        text = passage.text  # already widened to whole sentences when asked for
        details = []
        if options.show_source:
            details.append(coding.source)
        if options.show_time and extract.start_time is not None:
            seconds = int(extract.start_time)
            details.append(f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}")
        details.extend(_who(passage, options.show_coder, several))
        return ReportQuote(
            text=trim(text, options.max_words),
            attribution=attribution(template, extract.attributes),
            details=", ".join(details),
        )

    def _texts_and_turns(
        self, names: set[str]
    ) -> tuple[dict[str, str], dict[str, tuple[list[int], list[int]]]]:
        sources = {
            row.id: (row.name, row.text)
            for row in self.session.execute(
                select(Source.id, Source.name, Source.text).where(Source.name.in_(names))
            )
        }
        spans: dict[str, tuple[list[int], list[int]]] = {n: ([], []) for n, _ in sources.values()}
        for source_id, start, end in self.session.execute(
            select(SpeakerTurn.source_id, SpeakerTurn.start, SpeakerTurn.end)
            .where(SpeakerTurn.source_id.in_(sources))
            .order_by(SpeakerTurn.source_id, SpeakerTurn.start)
        ):
            starts, ends = spans[sources[source_id][0]]
            starts.append(start)
            ends.append(end)
        return {name: text for name, text in sources.values()}, spans

    def _code_memos(self) -> dict[int, list[str]]:
        memos: dict[int, list[str]] = defaultdict(list)
        for memo in self.session.scalars(select(Memo).where(Memo.target == "code")):
            if memo.target_id is not None:
                memos[memo.target_id].append(memo.text)
        return memos

    def _title_page_facts(
        self, extracts: Sequence[ExtractRecord], options: ReportOptions
    ) -> dict[str, Any]:
        """Coders, transcripts, codebook and register, for the report's title page."""
        coders = sorted({e.coding.coder for e in extracts})
        names = self._settings(("codebook_name", "name"))
        codes = self.session.scalar(select(func.count(Code.id))) or 0
        changed = codebook_last_changed(self.session)
        codebook = names.get("codebook_name") or names.get("name") or "Codebook"
        codebook += f": {codes} code{'' if codes == 1 else 's'}"
        if changed is not None:
            codebook += f", last changed {changed.day} {changed:%B %Y}"
        return {
            "coders": len(coders),
            "coder_names": tuple(coders) if options.show_coder else (),
            "sources": len({e.coding.source for e in extracts}),
            "codebook": codebook,
            "identifiers": self.session.scalar(select(func.count(Identifier.id))) or 0,
        }

    def _reliability(self, report_filter: ReportFilter, options: ReportOptions) -> str:
        """The reliability statement for the report's own codes and sources, between its
        coders (everyone's, when the report shows the agreed version: reliability is
        about the coders who reached it). Participant conditions (``where``) cannot
        narrow it: agreement is over whole transcripts' continua."""
        from qualcode.domain.reliability_statement import statement
        from qualcode.services.reliability import ReliabilityService

        coders = None if report_filter.consensus else report_filter.coders or None
        facts = ReliabilityService(self.session).facts(
            coders=coders,
            codes=report_filter.codes or None,
            sources=report_filter.sources or None,
            include_subcodes=bool(report_filter.codes),  # a report's code has its sub-codes
            name_coders=options.show_coder,
        )
        return statement(facts)

    def _settings(self, keys: Sequence[str]) -> dict[str, str]:
        rows = self.session.execute(
            select(ProjectSetting.key, ProjectSetting.value).where(ProjectSetting.key.in_(keys))
        )
        return {key: value for key, value in rows}

    def _project_name(self) -> str:
        return (
            self.session.scalar(select(ProjectSetting.value).where(ProjectSetting.key == "name"))
            or ""
        )


def first_attributions(report: Report, count: int = 3) -> tuple[str, ...]:
    """The first ``count`` different attributions under the report's quotes."""
    found: dict[str, None] = {}
    for section in report.sections:
        for quote in section.quotes:
            found.setdefault(quote.attribution, None)
            if len(found) == count:
                return tuple(found)
    return tuple(found)


def describe(report_filter: ReportFilter, extracts: int) -> str:
    """The selection in words, for the title page."""
    parts = [f"{extracts} coded extract{'s' if extracts != 1 else ''}"]
    if report_filter.codes:
        parts.append("codes: " + "; ".join(report_filter.codes))
    for name, values in report_filter.where:
        parts.append(f"{name}: {' or '.join(values)}")
    if report_filter.consensus:
        parts.append("the agreed (consensus) coding")
    elif report_filter.coders:
        parts.append("coded by " + ", ".join(report_filter.coders))
    else:
        parts.append(
            "everyone's coding, each passage once (the agreed version where a review agreed one)"
        )
    if report_filter.sources:
        parts.append("sources: " + ", ".join(report_filter.sources))
    return "; ".join(parts) + "."


def _shown_codes(tree: CodeTree, report_filter: ReportFilter) -> set[int] | None:
    """The chosen codes, their sub-codes, and their ancestors (as headings)."""
    if not report_filter.codes:
        return None
    shown: set[int] = set()
    for reference in report_filter.codes:
        code = tree.resolve(reference)
        shown.add(code.id)
        shown.update(c.id for c in tree.descendants(code))
        parent = code.parent_id
        while parent is not None:
            shown.add(parent)
            parent = tree.by_id[parent].parent_id
    return shown


def _order_key(order_by: str) -> Callable[[MergedExtract], tuple[str, str, int]]:
    if order_by == "source":
        return lambda p: ("", p.source, p.start)
    wanted = order_by.lower()

    def key(passage: MergedExtract) -> tuple[str, str, int]:
        value = next(
            (str(v) for k, v in passage.extract.attributes.items() if k.lower() == wanted),
            "\uffff",
        )
        return (value, passage.source, passage.start)

    return key


def _widener(
    texts: dict[str, str], turns: dict[str, tuple[list[int], list[int]]]
) -> Callable[[str, int, int], tuple[int, int]]:
    """Grow a coded span to the whole sentences it touches, within its speaker turn."""

    def widen(source: str, start: int, end: int) -> tuple[int, int]:
        text = texts[source]
        lo, hi = _turn_bounds(turns.get(source), start, len(text))
        return widen_to_sentences(text, start, end, lo, hi)

    return widen


def _several_coders(coders: Iterable[str]) -> bool:
    """Whether the selection holds more than one coder's work (the agreed version
    aside): only then is "coded by 3 coders" or "the agreed version" worth printing
    under a quote."""
    return len({c for c in coders if c.casefold() != CONSENSUS_CODER}) > 1


def _who(passage: MergedExtract, show_coder: bool, several: bool) -> list[str]:
    """Who stands behind a quote, in the words of its details line: how many coders
    applied the code (never who, unless the report writer asked for names)."""
    if passage.agreed:
        return ["the agreed version"] if several or show_coder else []
    if show_coder:
        return [coder_names(passage.coders)]
    return [coder_count(passage.coders)] if several else []


def _summary(passages: list[MergedExtract]) -> str:
    if not passages:
        return "No extracts coded with this code."
    extracts = [p.extract for p in passages]
    sources = {e.coding.source for e in extracts}
    cases = {e.case for e in extracts if e.case}
    groups = {
        str(value)
        for e in extracts
        for name, value in e.attributes.items()
        if name.lower() == "stakeholder_group"
    }
    text = f"{_count(len(passages), 'extract')} from {_count(len(sources), 'source')}"
    if cases:
        text += f", {_count(len(cases), 'participant')}"
    if groups:
        text += f" in {_count(len(groups), 'stakeholder group')}"
    return text + "."


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _turn_bounds(
    turns: tuple[list[int], list[int]] | None, offset: int, length: int
) -> tuple[int, int]:
    if not turns or not turns[0]:
        return 0, length
    starts, ends = turns
    index = bisect_right(starts, offset) - 1
    if index >= 0 and ends[index] > offset:
        return starts[index], ends[index]
    return offset, offset


def _result(written: GateResult, extracts: int, codes: int, started: float) -> ExportResult:
    return ExportResult(
        written.paths[0],
        extracts,
        codes,
        time.perf_counter() - started,
        written.checked,
        written.leaks_allowed,
    )


def _attribute_names(extracts: Sequence[ExtractRecord]) -> list[str]:
    seen: dict[str, None] = {}
    for extract in extracts:
        for name in extract.attributes:
            seen.setdefault(name, None)
    return list(seen)
