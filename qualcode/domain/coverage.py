"""How much of a text a set of spans covers, counting overlaps once."""

from __future__ import annotations

from collections.abc import Iterable


def covered_length(spans: Iterable[tuple[int, int]]) -> int:
    total = 0
    current_start = current_end = -1
    for start, end in sorted(spans):
        if start > current_end:
            total += max(0, current_end - current_start)
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    total += max(0, current_end - current_start)
    return total
