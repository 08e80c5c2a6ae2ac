"""Agreement between coders per code, per source and overall (issue 6).

For each code, every unit of text (a character, a sentence or a speaker turn) is
"coded" or "not coded" by each coder; the statistics come from
:mod:`qualcode.domain.agreement`. Characters are never materialised one by one: the
boundaries of all codings are swept once, per (source, code), in sorted order with
numpy, and each segment between two boundaries is weighed by its length.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
from sqlalchemy import select

from qualcode.domain.agreement import (
    AgreementReport,
    AgreementRow,
    Pattern,
    counts_from_patterns,
    statistics,
)
from qualcode.domain.errors import NotFoundError, ValidationError
from qualcode.domain.quotes import sentence_spans
from qualcode.domain.reports import CONSENSUS_CODER
from qualcode.services.base import Service
from qualcode.services.code_tree import CodeTree
from qualcode.services.export_gate import ALL_CHECKS, ExportChecks, ExportGate
from qualcode.services.sources import find_source
from qualcode.store.models import Coder, Source, SpeakerTurn

Unit = Literal["character", "sentence", "turn"]
UNITS: tuple[str, ...] = ("character", "sentence", "turn")


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
        session = self.session
        tree = CodeTree.load(session)
        names = dict(session.execute(select(Coder.id, Coder.name)).all())

        if sources:
            source_ids = list(dict.fromkeys(find_source(session, s).id for s in sources))
        else:
            source_ids = list(session.scalars(select(Source.id).order_by(Source.name)))
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
        cursor = session.connection().connection.cursor()
        try:
            codings = cursor.execute(
                f'SELECT source_id, code_id, coder_id, start, "end" FROM codings '
                f"WHERE source_id IN ({placeholders})",
                source_ids,
            ).fetchall()
        finally:
            cursor.close()

        compared = compared_coders(coders, names, {row[2] for row in codings})
        coder_index = {coder_id: i for i, coder_id in enumerate(compared)}
        coder_names = tuple(names[c] for c in compared)
        if len(compared) > 62:
            raise ValidationError("agreement compares at most 62 coders at once")

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
        everyone = (1 << len(compared)) - 1
        present = [everyone if absent_is_uncoded else 0] * len(source_ids)
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
            len(compared),
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
            pattern = (present[si], mask)
            uncoded = (present[si], 0)
            for patterns in (by_code[row], by_source[si]):
                patterns[pattern] = patterns.get(pattern, 0.0) + weight
                patterns[uncoded] -= weight
        overall: dict[Pattern, float] = defaultdict(float)
        for patterns in by_code:
            for key, weight in patterns.items():
                overall[key] += weight

        def row(
            kind: str, label: str, uuid: str | None, patterns: dict[Pattern, float]
        ) -> AgreementRow:
            counts = counts_from_patterns(patterns, len(compared))
            with_values = 0
            for (present_mask, _), weight in patterns.items():
                if weight:
                    with_values |= present_mask
            percent, kappa, alpha = statistics(counts)
            return AgreementRow(
                kind=kind,
                label=label,
                uuid=uuid,
                coders=tuple(n for i, n in enumerate(coder_names) if with_values >> i & 1),
                units=_number(counts.units),
                coded_by_any=_number(counts.coded_by_any),
                coded_by_all=_number(counts.coded_by_all),
                coded_by_some=_number(counts.coded_by_some),
                percent_agreement=percent,
                kappa=kappa,
                alpha=alpha,
                notes=tuple(f"{coder_names[i]} coded nothing" for i in counts.silent),
            )

        report = AgreementReport(
            unit=unit,
            coders=coder_names,
            absent_is_uncoded=absent_is_uncoded,
            include_subcodes=include_subcodes,
            overall=row("overall", "All codes", None, dict(overall)),
            by_code=tuple(
                row("code", tree.path(tree.by_id[c]), tree.by_id[c].uuid, by_code[i])
                for i, c in enumerate(row_codes)
            ),
            by_source=tuple(
                row("source", source_rows[s][1], source_rows[s][2], by_source[i])
                for i, s in enumerate(source_ids)
            ),
        )
        self._end_read()
        return report

    def export(
        self,
        path: Path,
        report: AgreementReport,
        *,
        by: str = "code",
        checks: ExportChecks = ALL_CHECKS,
    ) -> Path:
        """Write ``report``'s table to ``path`` (.xlsx, .csv or .docx) through the export
        gate (source names can name places). Returns the path written."""
        from qualcode.exporters.agreement import FORMATS, agreement_bytes  # only for -o

        gate = ExportGate(self.session, checks)
        path, file_format = gate.target(path, FORMATS, "the agreement table")
        data = agreement_bytes(gate.redact(report), file_format.name, by=by)
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
