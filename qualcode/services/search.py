"""Finding words in transcripts: exact (ignoring case) or forgiving typos.

A hit always covers whole words of the stored text (code points, end exclusive), so
the list shows "housing", never "housin" or "ousing", and jumping to a hit selects
exactly the word(s) that matched.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from itertools import pairwise

from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy import select

from qualcode.domain.errors import ValidationError
from qualcode.domain.records import SearchHit
from qualcode.services.base import Service
from qualcode.services.sources import find_source
from qualcode.store.models import Source

CONTEXT = 60
PART_OF_WORD = 95.0  # the score of an exact match that is only part of a word
# A word: letters and digits, with inner apostrophes or hyphens ("don't", "follow-up").
_WORD = re.compile(r"\w+(?:['’\-]\w+)*")
_BLANK_LINE = re.compile(r"\n\s*\n")


class SearchService(Service):
    def search(
        self, query: str, *, source: str | None = None, fuzzy: bool = False, limit: int = 500
    ) -> list[SearchHit]:
        """Hits in text order (exact) or best first, then in text order (fuzzy)."""
        query = " ".join(query.split())
        if len(query) < 2:
            raise ValidationError("search for at least two characters")
        if source:
            sources = [find_source(self.session, source)]
        else:
            sources = list(self.session.scalars(select(Source).order_by(Source.name)))
        hits: list[SearchHit] = []
        for row in sources:
            spans = _forgiving(row.text, query) if fuzzy else _exact(row.text, query)
            hits.extend(_hit(row.name, row.text, start, end, score) for start, end, score in spans)
        self._end_read()
        if fuzzy:
            hits.sort(key=lambda h: -h.score)  # stable: text order within a score
        return hits[:limit]


def _exact(text: str, query: str) -> list[tuple[int, int, float]]:
    """Every occurrence ignoring case, widened to the whole words it falls in."""
    folded, needle = text.casefold(), query.casefold()
    if len(folded) != len(text):  # casefolding changed lengths; offsets need lower()
        folded, needle = text.lower(), query.lower()
    if len(folded) != len(text):
        folded, needle = text, query
    spans: dict[tuple[int, int], float] = {}
    at = folded.find(needle)
    while at != -1:
        span = _widen(text, at, at + len(needle))
        # Inside a longer word ("time" in "sometimes") ranks after the word itself.
        spans.setdefault(span, 100.0 if span == (at, at + len(needle)) else PART_OF_WORD)
        at = folded.find(needle, at + len(needle))
    return [(start, end, score) for (start, end), score in spans.items()]


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow a span to word boundaries, so a hit never starts or ends mid-word."""
    while start > 0 and _in_word(text, start - 1):
        start -= 1
    while end < len(text) and _in_word(text, end):
        end += 1
    return start, end


def _in_word(text: str, at: int) -> bool:
    char = text[at]
    if char.isalnum() or char == "_":
        return True
    # An apostrophe or hyphen between two letters belongs to the word ("don't").
    return (
        char in "'’-"
        and 0 < at < len(text) - 1
        and text[at - 1].isalnum()
        and text[at + 1].isalnum()
    )


def _forgiving(text: str, query: str) -> list[tuple[int, int, float]]:
    """Exact hits, then runs of whole words a typo or two away from the query.

    Each run of as many words as the query has (or one more, so "mentalhealth" finds
    "mental health") is compared with the query, ignoring case and punctuation, by
    counting edits (a swapped pair of letters is one). The best matches win and never
    overlap each other.
    """
    exact = _exact(text, query)
    folded_query = " ".join(_WORD.findall(query.casefold())) or query.casefold()
    edits = allowed_edits(folded_query)
    if not edits:
        return exact
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    size = max(1, len(_WORD.findall(query)))
    candidates: list[tuple[int, int, float]] = list(exact)
    for width in (size, size + 1):
        windows = list(_windows(text, words, width))
        choices = [
            " ".join(text[a:b].casefold() for a, b in words[i : i + width]) for i, _, _ in windows
        ]
        for choice, distance, index in process.extract(
            folded_query, choices, scorer=OSA.distance, score_cutoff=edits, limit=None
        ):
            _, start, end = windows[index]
            similarity = 100.0 * (1 - distance / max(len(choice), len(folded_query)))
            candidates.append((start, end, similarity))
    return _best_without_overlaps(candidates)


def allowed_edits(query: str) -> int:
    """Typos forgiven for a query this long: none for very short words, where one
    changed letter makes another word, then one more for every five letters or so."""
    length = len(query)
    if length <= 3:
        return 0
    if length <= 8:
        return 1
    if length <= 14:
        return 2
    return 3


def _windows(text: str, words: list[tuple[int, int]], width: int) -> Iterator[tuple[int, int, int]]:
    """``(first word index, start, end)`` of each run of ``width`` words in one paragraph."""
    for i in range(len(words) - width + 1):
        run = words[i : i + width]
        if any(
            _BLANK_LINE.search(text, a_end, b_start) for (_, a_end), (b_start, _) in pairwise(run)
        ):
            continue
        yield i, run[0][0], run[-1][1]


def _best_without_overlaps(
    candidates: list[tuple[int, int, float]],
) -> list[tuple[int, int, float]]:
    """Best score first (then the shorter, then the earlier); drop any that overlap a kept
    one. Kept spans never overlap, so one sorted list of them answers "is this free?"."""
    starts: list[int] = []
    ends: list[int] = []
    kept: list[tuple[int, int, float]] = []
    for start, end, score in sorted(candidates, key=lambda c: (-c[2], c[1] - c[0], c[0])):
        at = bisect_left(starts, end)  # kept spans starting before this one ends
        if at and ends[at - 1] > start:
            continue
        starts.insert(at, start)
        ends.insert(at, end)
        kept.append((start, end, score))
    return sorted(kept, key=lambda c: c[0])


def _hit(name: str, text: str, start: int, end: int, score: float) -> SearchHit:
    return SearchHit(
        source=name,
        start=start,
        end=end,
        before=" ".join(text[max(0, start - CONTEXT) : start].split()),
        match=text[start:end],
        after=" ".join(text[end : end + CONTEXT].split()),
        score=round(score, 1),
    )
