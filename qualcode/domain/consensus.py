"""Stretches of text as sorted interval lists: the arithmetic of a consensus decision.

An interval is ``(start, end)``, end exclusive, in code points. Pure Python; the
consensus service supplies codings and applies the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Interval = tuple[int, int]


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-empty intervals with overlapping or touching ones joined."""
    out: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def clip(intervals: Iterable[Interval], start: int, end: int) -> list[Interval]:
    """The parts of ``intervals`` inside ``[start, end)``, joined."""
    return union((max(s, start), min(e, end)) for s, e in intervals)


def subtract(intervals: Iterable[Interval], start: int, end: int) -> list[Interval]:
    """The parts of ``intervals`` outside ``[start, end)``, joined."""
    pieces: list[Interval] = []
    for s, e in intervals:
        pieces.append((s, min(e, start)))
        pieces.append((max(s, end), e))
    return union(pieces)


def intersect_all(sets: Sequence[Iterable[Interval]]) -> list[Interval]:
    """Where every one of ``sets`` covers the text (nothing if there are no sets)."""
    if not sets:
        return []
    result = union(sets[0])
    for other in sets[1:]:
        theirs = union(other)
        out: list[Interval] = []
        i = j = 0
        while i < len(result) and j < len(theirs):
            start = max(result[i][0], theirs[j][0])
            end = min(result[i][1], theirs[j][1])
            if end > start:
                out.append((start, end))
            if result[i][1] < theirs[j][1]:
                i += 1
            else:
                j += 1
        result = out
    return result


def overlap(a: Interval, b: Interval) -> int:
    """How many code points two intervals share."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))
