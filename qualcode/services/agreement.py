"""Agreement between coders per code, per source and overall (issue 6).

For each code, every unit of text (a character, a sentence or a speaker turn) is
"coded" or "not coded" by each coder; the statistics come from
:mod:`qualcode.domain.agreement`. Characters are never materialised one by one: the
boundaries of all codings are swept once, per (source, code), in sorted order with
numpy, and each segment between two boundaries is weighed by its length.

The suggester can be one more coder (issue 12, :meth:`AgreementService.suggester_agreement`):
its codings come from ``SuggestionService.suggester_codings`` and are swept with the rest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from sqlalchemy import select

from qualcode.domain.agreement import (
    AgreementReport,
    AgreementRow,
    PairTable,
    Pattern,
    counts_from_patterns,
    statistics,
)
from qualcode.domain.errors import NotFoundError, ValidationError
from qualcode.domain.quotes import sentence_spans
from qualcode.domain.reports import CONSENSUS_CODER
from qualcode.domain.suggester_agreement import (
    SUGGESTIONS_CODER,
    SuggesterAgreement,
    SuggesterRow,
)
from qualcode.domain.suggestions import Unit as SuggestionUnit
from qualcode.domain.unitized_alpha import UnitizedReport
from qualcode.services.base import Service
from qualcode.services.code_tree import CodeTree
from qualcode.services.export_gate import ALL_CHECKS, ExportChecks, ExportGate
from qualcode.services.selection import speaker_turns
from qualcode.services.sources import chosen_source_ids

# The rule for which turns suggestions score, so the suggester is missing data elsewhere.
from qualcode.services.suggestions import (
    SuggestedCoding,
    SuggestionService,
    spoken_by_participants,
)
from qualcode.store.engine import fetch_rows
from qualcode.store.models import Coder, Source, SpeakerTurn

Unit = Literal["character", "sentence", "turn"]
UNITS: tuple[str, ...] = ("character", "sentence", "turn")
SUGGESTED_UNITS: tuple[str, ...] = ("turn", "sentence")
SUGGESTER_ID = -1  # the suggestions' stand-in coder id: never a row of the coders table


@dataclass(slots=True)
class _Tally:
    """What the sweep found, before it becomes report rows."""

    coder_names: tuple[str, ...]
    codes: list[tuple[str, str]]  # (path, uuid) per code row
    sources: list[tuple[str, str]]  # (name, uuid) per source
    by_code: list[dict[Pattern, float]]
    by_source: list[dict[Pattern, float]]
    overall: dict[Pattern, float]


class AgreementService(Service):
    def agreement(
        self,
        *,
        coders: Sequence[str] | None = None,
        codes: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
        unit: Unit = "character",
        absent_is_uncoded: bool = False,
        include_subcodes: bool = False,
    ) -> AgreementReport:
        """Percent agreement, Cohen's kappa and Krippendorff's alpha between coders.

        ``coders``: names to compare (default: everyone with codings, except the
        consensus coder). ``codes``: references to report on (default: every code).
        ``sources``: names or UUIDs (default: all).

        ``unit``: ``character`` weighs every code point; ``sentence`` (sentences
        clipped to speaker turns) and ``turn`` count a unit as coded by a coder if any
        of it is. A source without turns is one turn; text outside every turn is not
        counted in unit mode.

        Missing data: a coder is *present* in a source if they have any coding in it
        (of any code); in sources where they have none they are missing data, which
        alpha allows and which kappa and percent agreement leave out (those units
        are only pairable if two coders are present). With ``absent_is_uncoded`` every
        chosen coder counts as present everywhere, so no coding means "not coded".

        Subcodes: a code's row counts only codings of that very code, unless
        ``include_subcodes`` adds its descendants' codings (union per coder). The
        overall row pools every reported code's units.
        """
        if unit not in UNITS:
            raise ValidationError(f"unknown unit '{unit}' (choose from {', '.join(UNITS)})")
        tally = self._tally(
            coders, codes, sources, unit, absent_is_uncoded, include_subcodes, suggested=None
        )
        count = len(tally.coder_names)

        def row(
            kind: str, label: str, uuid: str | None, patterns: dict[Pattern, float]
        ) -> AgreementRow:
            counts = counts_from_patterns(patterns, count)
            with_values = 0
            for (present_mask, _), weight in patterns.items():
                if weight:
                    with_values |= present_mask
            percent, kappa, alpha = statistics(counts)
            return AgreementRow(
                kind=kind,
                label=label,
                uuid=uuid,
                coders=tuple(n for i, n in enumerate(tally.coder_names) if with_values >> i & 1),
                units=_number(counts.units),
                coded_by_any=_number(counts.coded_by_any),
                coded_by_all=_number(counts.coded_by_all),
                coded_by_some=_number(counts.coded_by_some),
                percent_agreement=percent,
                kappa=kappa,
                alpha=alpha,
                notes=tuple(f"{tally.coder_names[i]} coded nothing" for i in counts.silent),
            )

        report = AgreementReport(
            unit=unit,
            coders=tally.coder_names,
            absent_is_uncoded=absent_is_uncoded,
            include_subcodes=include_subcodes,
            overall=row("overall", "All codes", None, tally.overall),
            by_code=tuple(
                row("code", label, uuid, patterns)
                for (label, uuid), patterns in zip(tally.codes, tally.by_code, strict=True)
            ),
            by_source=tuple(
                row("source", label, uuid, patterns)
                for (label, uuid), patterns in zip(tally.sources, tally.by_source, strict=True)
            ),
        )
        self._end_read()
        return report

    def suggester_agreement(
        self,
        suggester: SuggestionService,
        *,
        coders: Sequence[str] | None = None,
        codes: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
        unit: Unit = "turn",
        absent_is_uncoded: bool = False,
        include_subcodes: bool = False,
    ) -> SuggesterAgreement:
        """The suggester as one more coder: per code, kappa and alpha between the
        suggestions (``suggester.suggester_codings``: at its threshold, each source
        scored by a model that did not learn from it) and each coder in turn.

        Pairwise, because the question is "how well does it agree with each of us";
        every row also carries the coders' own alpha over the same units, the bar to
        compare with. The options mean what they mean for :meth:`agreement`.

        Units are turns or sentences, what suggestions are made for: over characters a
        suggestion for a whole turn would disagree with every passage coded inside it.
        A suggested unit marks every unit here it touches, like a coding (the engine's
        sentence boundaries can differ a little from the ones counted here).

        Missing data: the suggestions are present in every source they scored, and only
        on the units they scored. Interviewer turns (and the sentences in them) are
        never scored, so the suggester is missing data there rather than "not coded":
        a coder who codes a question is not disagreeing with the suggester. A coder is
        present where they coded anything, as in :meth:`agreement`.
        """
        if unit not in SUGGESTED_UNITS:
            raise ValidationError(
                f"suggestions are made for whole turns or sentences, so they are compared "
                f"over turns or sentences (--unit turn or sentence), not {unit}s"
            )
        suggested = suggester.suggester_codings(unit=SuggestionUnit(unit))
        tally = self._tally(
            coders, codes, sources, unit, absent_is_uncoded, include_subcodes, suggested
        )
        humans = tally.coder_names[:-1]

        def rows(
            kind: str, label: str, uuid: str | None, patterns: dict[Pattern, float]
        ) -> list[SuggesterRow]:
            return _suggester_rows(kind, label, uuid, patterns, humans)

        report = SuggesterAgreement(
            unit=unit,
            coders=humans,
            absent_is_uncoded=absent_is_uncoded,
            include_subcodes=include_subcodes,
            overall=tuple(rows("overall", "All codes", None, tally.overall)),
            by_code=tuple(
                r
                for (label, uuid), patterns in zip(tally.codes, tally.by_code, strict=True)
                for r in rows("code", label, uuid, patterns)
            ),
            by_source=tuple(
                r
                for (label, uuid), patterns in zip(tally.sources, tally.by_source, strict=True)
                for r in rows("source", label, uuid, patterns)
            ),
        )
        self._end_read()
        return report

    def _tally(
        self,
        coders: Sequence[str] | None,
        codes: Sequence[str] | None,
        sources: Sequence[str] | None,
        unit: str,
        absent_is_uncoded: bool,
        include_subcodes: bool,
        suggested: Sequence[SuggestedCoding] | None,
    ) -> _Tally:
        """Weighted (present, coded) patterns per code, per source and overall.

        With ``suggested``, the suggestions are one more coder, the last column. Where
        they scored nothing (interviewer turns) a marker column, one past the last, is
        swept with the codings, and its segments move the suggester to missing data.
        """
        session = self.session
        tree = CodeTree.load(session)
        names = dict(session.execute(select(Coder.id, Coder.name)).all())

        source_ids = chosen_source_ids(session, sources)
        source_rows = {
            row[0]: row
            for row in session.execute(
                select(Source.id, Source.name, Source.uuid, Source.characters).where(
                    Source.id.in_(source_ids)
                )
            )
        }
        source_ids = [s for s in source_ids if s in source_rows]

        # One row per coding, straight from the DB-API cursor (see stats.py for why).
        placeholders = ", ".join("?" * len(source_ids))
        codings = fetch_rows(
            session.connection(),
            f'SELECT source_id, code_id, coder_id, start, "end" FROM codings '
            f"WHERE source_id IN ({placeholders})",
            source_ids,
        )

        compared = compared_coders(coders, names, {row[2] for row in codings})
        coder_index = {coder_id: i for i, coder_id in enumerate(compared)}
        coder_names = tuple(names[c] for c in compared)
        # Bits of a 64-bit mask; the suggestions take two (their column and the marker).
        most = 62 if suggested is None else 60
        if len(compared) > most:
            raise ValidationError(f"agreement compares at most {most} coders at once")

        if codes:
            row_codes = list(dict.fromkeys(tree.resolve(c).id for c in codes))
        else:
            row_codes = [code.id for _, code in tree.in_order()]
        row_of = {code_id: i for i, code_id in enumerate(row_codes)}
        rows_for: dict[int, list[int]] = {code_id: [i] for code_id, i in row_of.items()}
        if include_subcodes:
            for code_id, i in row_of.items():
                for child in tree.descendants(tree.by_id[code_id]):
                    rows_for.setdefault(child.id, []).append(i)

        source_index = {s: i for i, s in enumerate(source_ids)}
        columns = len(compared)
        suggester_bit = unscored_bit = 0
        if suggested is not None:
            code_id_of = {code.uuid: code.id for _, code in tree.in_order()}
            codings = [c for c in codings if c[2] in coder_index]
            codings += [
                (s.source_id, code_id_of[s.code_uuid], SUGGESTER_ID, s.start, s.end)
                for s in suggested
                if s.source_id in source_index and s.code_uuid in code_id_of
            ]
            coder_index[SUGGESTER_ID] = columns
            suggester_bit = 1 << columns
            unscored_bit = 1 << (columns + 1)
            coder_names += (SUGGESTIONS_CODER,)
            columns += 1
        everyone = (1 << columns) - 1
        present = [everyone if absent_is_uncoded else suggester_bit] * len(source_ids)
        if not absent_is_uncoded:
            for source_id, _, coder_id, _, _ in codings:
                if coder_id in coder_index:
                    present[source_index[source_id]] |= 1 << coder_index[coder_id]

        # Codings in the chosen coders and codes, one per report row they count for.
        src: list[int] = []
        grp_row: list[int] = []
        col: list[int] = []
        starts: list[int] = []
        ends: list[int] = []
        for source_id, code_id, coder_id, start, end in codings:
            ci = coder_index.get(coder_id)
            targets = rows_for.get(code_id)
            if ci is None or not targets:
                continue
            si = source_index[source_id]
            for row in targets:
                src.append(si)
                grp_row.append(row)
                col.append(ci)
                starts.append(start)
                ends.append(end)
        if suggested is not None:
            for source_id, start, end in self._unscored(source_ids):
                for row in range(len(row_codes)):
                    src.append(source_index[source_id])
                    grp_row.append(row)
                    col.append(columns)
                    starts.append(start)
                    ends.append(end)
        src_a = np.asarray(src, dtype=np.int64)
        start_a = np.asarray(starts, dtype=np.int64)
        end_a = np.asarray(ends, dtype=np.int64)

        if unit == "character":
            lengths = [int(source_rows[s][3]) for s in source_ids]
        else:
            spans = self._units(source_ids, unit)
            lengths = [len(spans[s][0]) for s in source_ids]
            start_a, end_a = _to_unit_indices(src_a, start_a, end_a, source_ids, spans)

        segments = _sweep(
            src_a * max(len(row_codes), 1) + np.asarray(grp_row, dtype=np.int64),
            np.asarray(col, dtype=np.int64),
            start_a,
            end_a,
            columns + (suggested is not None),
        )

        # Start from "nobody coded anything", then move each coded segment's weight.
        base: dict[Pattern, float] = defaultdict(float)
        for si, length in enumerate(lengths):
            base[(present[si], 0)] += length
        by_code: list[dict[Pattern, float]] = [dict(base) for _ in row_codes]
        by_source: list[dict[Pattern, float]] = [
            {(present[si], 0): float(lengths[si] * len(row_codes))} for si in range(len(lengths))
        ]
        rows_count = max(len(row_codes), 1)
        for group, mask, weight in segments:
            si, row = divmod(group, rows_count)
            present_here = present[si]
            if mask & unscored_bit:  # the suggester never scored this stretch
                present_here &= ~suggester_bit
                mask &= ~unscored_bit
            pattern = (present_here, mask)
            uncoded = (present[si], 0)
            for patterns in (by_code[row], by_source[si]):
                patterns[pattern] = patterns.get(pattern, 0.0) + weight
                patterns[uncoded] -= weight
        overall: dict[Pattern, float] = defaultdict(float)
        for patterns in by_code:
            for key, weight in patterns.items():
                overall[key] += weight

        return _Tally(
            coder_names=coder_names,
            codes=[(tree.path(tree.by_id[c]), tree.by_id[c].uuid) for c in row_codes],
            sources=[(source_rows[s][1], source_rows[s][2]) for s in source_ids],
            by_code=by_code,
            by_source=by_source,
            overall=dict(overall),
        )

    def _unscored(self, source_ids: list[int]) -> list[tuple[int, int, int]]:
        """(source, start, end) of the turns suggestions never score: the interviewer's,
        by the rule the suggestions themselves follow."""
        out: list[tuple[int, int, int]] = []
        for source_id, turns in speaker_turns(self.session, source_ids).items():
            rows = [(start, end, speaker, case) for start, end, speaker, case, _ in turns]
            scored = set(spoken_by_participants(rows, everyone=False))
            if not scored:  # nobody but the interviewer: suggestions score the whole text
                continue
            out += [(source_id, s, e) for s, e, _, _ in rows if (s, e) not in scored]
        return out

    def export(
        self,
        path: Path,
        report: AgreementReport | SuggesterAgreement | None,
        *,
        by: str = "code",
        checks: ExportChecks = ALL_CHECKS,
        unitized: UnitizedReport | None = None,
    ) -> Path:
        """Write ``report``'s table to ``path`` (.xlsx, .csv or .docx) through the export
        gate (source names can name places). Returns the path written.

        ``unitized``: the unitized alpha family, as a second table (a second sheet in
        XLSX, a section in Word); with ``report`` None, the file holds only it (and a CSV,
        which has room for one table, holds it)."""
        # only for -o
        from qualcode.exporters.agreement import FORMATS, agreement_bytes
        from qualcode.exporters.suggester_agreement import suggester_agreement_bytes

        gate = ExportGate(self.session, checks)
        path, file_format = gate.target(path, FORMATS, "the agreement table")
        shown_unitized = gate.redact(unitized) if unitized is not None else None
        if isinstance(report, SuggesterAgreement):
            data = suggester_agreement_bytes(gate.redact(report), file_format.name, by=by)
        else:
            data = agreement_bytes(
                gate.redact(report) if report is not None else None,
                file_format.name,
                by=by,
                unitized=shown_unitized,
            )
        self._end_read()
        return gate.write({path: data}, file_format).paths[0]

    def _units(self, source_ids: list[int], unit: str) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Each source's units as sorted, non-overlapping (starts, ends) arrays."""
        turns: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for source_id, start, end in self.session.execute(
            select(SpeakerTurn.source_id, SpeakerTurn.start, SpeakerTurn.end)
            .where(SpeakerTurn.source_id.in_(source_ids))
            .order_by(SpeakerTurn.source_id, SpeakerTurn.start)
        ):
            turns[source_id].append((start, end))
        texts = dict(
            self.session.execute(
                select(Source.id, Source.text).where(Source.id.in_(source_ids))
            ).all()
        )
        out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for source_id in source_ids:
            text = texts[source_id]
            parts = turns.get(source_id) or [(0, len(text))]
            if unit == "sentence":
                spans = [s for lo, hi in parts for s in sentence_spans(text, lo, hi)]
            else:
                spans = [p for p in parts if text[p[0] : p[1]].strip()]
            out[source_id] = (
                np.asarray([s for s, _ in spans], dtype=np.int64),
                np.asarray([e for _, e in spans], dtype=np.int64),
            )
        return out


def _to_unit_indices(
    src: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    source_ids: list[int],
    spans: dict[int, tuple[np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray]:
    """Code point spans as half-open ranges of the units they touch."""
    first = np.zeros_like(start)
    last = np.zeros_like(end)
    for si, source_id in enumerate(source_ids):
        where = src == si
        if not where.any():
            continue
        unit_starts, unit_ends = spans[source_id]
        # Units overlapping [s, e): those ending after s and starting before e.
        first[where] = np.searchsorted(unit_ends, start[where], side="right")
        last[where] = np.searchsorted(unit_starts, end[where], side="left")
    return first, last


def _sweep(
    group: np.ndarray, coder: np.ndarray, start: np.ndarray, end: np.ndarray, coders: int
) -> list[tuple[int, int, float]]:
    """(group, coded mask, weight) for the coded stretches of every group.

    Every coding is a +1 at its start and a -1 at its end in its coder's column; after
    sorting the boundaries by group and position, a running sum per coder says who
    covers the segment up to the next boundary (it returns to zero at the end of each
    group, so one cumulative sum serves all groups).
    """
    keep = end > start
    group, coder, start, end = group[keep], coder[keep], start[keep], end[keep]
    if not len(group):
        return []
    position = np.concatenate([start, end])
    groups = np.concatenate([group, group])
    order = np.lexsort((position, groups))
    position, groups = position[order], groups[order]
    columns = np.concatenate([coder, coder])[order]
    delta = np.zeros((len(order), coders), dtype=np.int32)
    delta[np.arange(len(order)), columns] = np.concatenate(
        [np.ones(len(start), np.int32), -np.ones(len(end), np.int32)]
    )[order]
    depth = np.cumsum(delta, axis=0)
    masks = (depth > 0).astype(np.int64) @ (np.int64(1) << np.arange(coders, dtype=np.int64))
    length = np.zeros(len(order), dtype=np.int64)
    same = groups[1:] == groups[:-1]
    length[:-1] = np.where(same, position[1:] - position[:-1], 0)
    take = (length > 0) & (masks != 0)
    groups, masks, length = groups[take], masks[take], length[take]
    if not len(groups):
        return []
    order = np.lexsort((masks, groups))
    groups, masks, length = groups[order], masks[order], length[order]
    breaks = np.flatnonzero((groups[1:] != groups[:-1]) | (masks[1:] != masks[:-1])) + 1
    firsts = np.concatenate([[0], breaks])
    sums = np.add.reduceat(length, firsts)
    return list(
        zip(
            groups[firsts].tolist(),
            masks[firsts].tolist(),
            sums.astype(float).tolist(),
            strict=True,
        )
    )


def _number(value: float) -> float:
    """Whole counts as ints (characters and units are whole; pooled weights may not be)."""
    return int(value) if float(value).is_integer() else value


def _project(patterns: dict[Pattern, float], bits: Sequence[int]) -> dict[Pattern, float]:
    """The patterns of a few coders only (``bits``, renumbered 0, 1, ...)."""
    out: dict[Pattern, float] = defaultdict(float)
    for (present, coded), weight in patterns.items():
        kept_present = kept_coded = 0
        for new, old in enumerate(bits):
            kept_present |= (present >> old & 1) << new
            kept_coded |= (coded >> old & 1) << new
        out[(kept_present, kept_coded)] += weight
    return dict(out)


def _suggester_rows(
    kind: str,
    label: str,
    uuid: str | None,
    patterns: dict[Pattern, float],
    coders: tuple[str, ...],
) -> list[SuggesterRow]:
    """One row per coder: the suggestions (the last column) against that coder."""
    suggestions = len(coders)
    scored = {k: w for k, w in patterns.items() if k[0] >> suggestions & 1}
    team = counts_from_patterns(_project(scored, range(suggestions)), suggestions)
    coders_alpha = statistics(team)[2]
    out: list[SuggesterRow] = []
    for i, coder in enumerate(coders):
        counts = counts_from_patterns(_project(patterns, (suggestions, i)), 2)
        percent, kappa, alpha = statistics(counts)
        pair = counts.pair or PairTable()
        out.append(
            SuggesterRow(
                kind=kind,
                label=label,
                uuid=uuid,
                coder=coder,
                units=_number(counts.units),
                both=_number(pair.both),
                suggestions_only=_number(pair.first_only),
                coder_only=_number(pair.second_only),
                percent_agreement=percent,
                kappa=kappa,
                alpha=alpha,
                coders_alpha=coders_alpha,
                notes=_silent_notes(counts.silent, (SUGGESTIONS_CODER, coder)),
            )
        )
    return out


def _silent_notes(silent: tuple[int, ...], names: tuple[str, str]) -> tuple[str, ...]:
    if len(silent) == 2:
        return ("neither coded it",)
    return tuple(f"{names[j]} coded nothing" for j in silent)


def compared_coders(
    wanted: Sequence[str] | None, names: dict[int, str], with_codings: set[int]
) -> list[int]:
    """The coders a comparison is about, by id: those named (in that order), else
    everyone who coded something except the consensus coder (the agreed version is
    compared only when asked for). Shared by agreement and the disagreements list."""
    if wanted:
        by_name = {name.casefold(): coder_id for coder_id, name in names.items()}
        out: list[int] = []
        for name in wanted:
            coder_id = by_name.get(name.strip().casefold())
            if coder_id is None:
                known = ", ".join(sorted(names.values())) or "none"
                raise NotFoundError(f"no coder '{name}' in this project (known: {known})")
            if coder_id not in out:
                out.append(coder_id)
        return out
    return sorted(
        (c for c in with_codings if names[c].casefold() != CONSENSUS_CODER),
        key=lambda c: names[c].casefold(),
    )
