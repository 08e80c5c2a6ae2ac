"""One extract per passage, however many coders coded it.

A project coded by several peer researchers holds the same passage once per coder;
a report that quoted each coding would repeat every quote three times. Here the
codings of one code in one source that *overlap* (share at least one code point)
become one extract spanning all of them, re-read from the stored text, and the
extract remembers how many coders applied the code. Codings that only touch (one
ends where the next starts) stay separate: two sentences next to each other are two
quotes, and a coder who coded them separately meant them as two.

Where the group agreed a version of a source in a peer review (codings by
:data:`~qualcode.domain.reports.CONSENSUS_CODER`), only the agreed codings of that
source are reported: :func:`prefer_agreed` picks them before merging.

Offsets are code points, end exclusive, as everywhere in qualcode.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from qualcode.domain.records import ExtractRecord
from qualcode.domain.reports import CONSENSUS_CODER


@dataclass(frozen=True, slots=True)
class MergedExtract:
    """One passage of one code, from one or more overlapping codings.

    ``extract`` is the earliest-starting coding of the passage: the passage is placed
    (speaker, participant, attributes, time) where it starts, as a single coding is.
    """

    extract: ExtractRecord
    start: int
    end: int
    text: str
    coders: tuple[str, ...]  # distinct, in alphabetical order
    memos: tuple[tuple[str, str], ...]  # (memo, coder) of the merged codings that have one

    @property
    def source(self) -> str:
        return self.extract.coding.source

    @property
    def code_uuid(self) -> str:
        return self.extract.coding.code_uuid

    @property
    def agreed(self) -> bool:
        """The group's agreed version, not an individual coder's."""
        return len(self.coders) == 1 and self.coders[0].casefold() == CONSENSUS_CODER

    def as_extract(self) -> ExtractRecord:
        """The passage as one extract, placed where it starts and spanning (and quoting)
        all of it: what a report's evidence tables count, so they count its quotes."""
        coding = replace(self.extract.coding, start=self.start, end=self.end, text=self.text)
        return replace(self.extract, coding=coding)


def prefer_agreed(extracts: Iterable[ExtractRecord]) -> list[ExtractRecord]:
    """In every source where some extract is agreed (consensus) coding, keep only the
    agreed ones; elsewhere keep everything. Order is kept."""
    extracts = list(extracts)
    agreed_sources = {
        e.coding.source for e in extracts if e.coding.coder.casefold() == CONSENSUS_CODER
    }
    return [
        e
        for e in extracts
        if e.coding.source not in agreed_sources or e.coding.coder.casefold() == CONSENSUS_CODER
    ]


Widen = Callable[[str, int, int], tuple[int, int]]  # (source, start, end) -> quoted span


def merge_extracts(
    extracts: Iterable[ExtractRecord], texts: Mapping[str, str], widen: Widen | None = None
) -> list[MergedExtract]:
    """Overlapping extracts of the same code in the same source as one extract each.

    ``texts`` maps a source's name to its stored text, from which a merged passage is
    re-read at its merged offsets. ``widen`` gives the span a report quotes for a coded
    span (whole sentences, say); spans are merged as quoted, so two coders who coded
    two halves of one sentence give that sentence once. Different codes never merge;
    touching extracts do not. The result is in source, start, end order.
    """
    groups: dict[tuple[str, str], list[tuple[int, int, ExtractRecord]]] = defaultdict(list)
    for extract in extracts:
        coding = extract.coding
        start, end = (
            widen(coding.source, coding.start, coding.end)
            if widen
            else (
                coding.start,
                coding.end,
            )
        )
        groups[(coding.source, coding.code_uuid)].append((start, end, extract))
    merged: list[MergedExtract] = []
    for (source, _), members in groups.items():
        members.sort(key=lambda m: (m[0], m[1]))
        for run in _overlapping_runs(members):
            merged.append(_merge(run, texts[source]))
    merged.sort(key=lambda m: (m.source, m.start, m.end, m.extract.coding.code_path))
    return merged


_Member = tuple[int, int, ExtractRecord]  # the span as quoted, and its coding


def _overlapping_runs(members: Sequence[_Member]) -> list[list[_Member]]:
    """``members`` (sorted by start) cut into chains where each overlaps the span so far."""
    runs: list[list[_Member]] = []
    end = -1
    for member in members:
        if runs and member[0] < end:
            runs[-1].append(member)
            end = max(end, member[1])
        else:
            runs.append([member])
            end = member[1]
    return runs


def _merge(run: Sequence[_Member], text: str) -> MergedExtract:
    start = run[0][0]
    end = max(member[1] for member in run)
    codings = [member[2].coding for member in run]
    return MergedExtract(
        extract=run[0][2],
        start=start,
        end=end,
        text=text[start:end],
        coders=tuple(sorted({c.coder for c in codings}, key=str.casefold)),
        memos=tuple((c.memo, c.coder) for c in codings if c.memo),
    )


def coder_count(coders: Sequence[str]) -> str:
    """ "coded by 3 coders", never naming them."""
    return f"coded by {len(coders)} coder{'' if len(coders) == 1 else 's'}"


def coder_names(coders: Sequence[str]) -> str:
    """ "coded by Asha, Ben and Carys", for when the report writer asked for names."""
    if len(coders) == 1:
        return f"coded by {coders[0]}"
    return f"coded by {', '.join(coders[:-1])} and {coders[-1]}"
