"""Where coders differ: the passages to talk through at a review meeting (issue 6).

For one code in one source, the codings of the *present* coders (those with any coding
in the source) are swept once in position order. Between two consecutive coding
boundaries the set of coders covering the text is constant; a stretch is a
*disagreement* when that set is not empty and is not every present coder. Adjacent
pieces with the same set are merged, so a disagreement is a maximal stretch where the
same coders coded and the same coders did not. Text nobody coded is not listed: it is
not a disagreement about this code.

Pure Python; the service supplies codings and present coders.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class InvolvedCoding:
    """One coding that overlaps a disagreement: who, where, and their memo."""

    coder: str
    start: int
    end: int
    memo: str


@dataclass(frozen=True, slots=True)
class Disagreement:
    """``[start, end)`` of ``source`` where only ``coded_by`` applied ``code_path``."""

    source: str
    code_path: str
    start: int
    end: int
    text: str
    coded_by: tuple[str, ...]
    not_coded_by: tuple[str, ...]
    codings: tuple[InvolvedCoding, ...]
    code_uuid: str = ""  # the code's identity, for threads and decisions about it

    @property
    def summary(self) -> str:
        """'coded by Ann; not by Bo' (names as given)."""
        return f"coded by {', '.join(self.coded_by)}; not by {', '.join(self.not_coded_by)}"


def disagreeing_stretches(
    codings: Iterable[tuple[str, int, int]], present: Sequence[str]
) -> list[tuple[int, int, tuple[str, ...]]]:
    """Maximal ``(start, end, coded_by)`` stretches where some but not all of
    ``present`` coded, from ``(coder, start, end)`` codings of one code in one source.

    Codings by coders not in ``present`` and empty codings are ignored; ``coded_by``
    follows the order of ``present``. Fewer than two present coders: nothing.
    """
    order = {name: i for i, name in enumerate(present)}
    if len(order) < 2:
        return []
    events: list[tuple[int, int, int]] = []  # (position, +1/-1, coder index)
    for coder, start, end in codings:
        index = order.get(coder)
        if index is None or end <= start:
            continue
        events.append((start, 1, index))
        events.append((end, -1, index))
    events.sort()
    depth = [0] * len(order)
    out: list[tuple[int, int, tuple[str, ...]]] = []
    i = 0
    while i < len(events):
        position = events[i][0]
        while i < len(events) and events[i][0] == position:
            depth[events[i][2]] += events[i][1]
            i += 1
        if i == len(events):
            break
        following = events[i][0]
        coded = tuple(name for name, index in order.items() if depth[index] > 0)
        if not coded or len(coded) == len(order):
            continue
        if out and out[-1][1] == position and out[-1][2] == coded:
            out[-1] = (out[-1][0], following, coded)
        else:
            out.append((position, following, coded))
    return out
