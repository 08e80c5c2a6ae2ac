"""Find a code by typing a few letters of it: fuzzy, typo-tolerant, word-order-tolerant.

Researchers pick codes from a codebook of dozens to hundreds of entries while their
attention is on the transcript, so the search has to forgive misspellings
("traning wrkforce"), half-typed words ("bridg"), words in any order and words that
are not in the name but in the code's keywords ("drug" -> "Co-occurring substance
use used as a reason to refuse"). Pure functions, no database: the picker calls
``rank_codes`` on every keystroke with the codes it already holds.

How a code is scored: every query word is compared with the words of the code's
name, its path (ancestors' names) and its keywords. A word scores 100 when it starts
a code word (so typing narrows as expected), 90 when it sits inside one, and its
rapidfuzz similarity when it is a near miss (a typo). Name words count in full,
keyword words at 85 % and path words at 80 %, so a code is found first by its own
name but can be found by its signals or its place in the tree. The code's score is
the mean over the query words (all words should match, as in any finder), plus a
small bonus for covering more of a short name and for starting with the query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from qualcode.domain.records import CodeRecord

__all__ = ["MIN_SCORE", "CodeMatch", "rank_codes"]

MIN_SCORE = 55.0
"""Matches scoring below this are dropped as noise."""

_NAME_WEIGHT = 1.0
_KEYWORD_WEIGHT = 0.85
_PATH_WEIGHT = 0.80

_PREFIX = 100.0
_INSIDE = 90.0
# A typo score below this is more often a different word than a misspelling.
_FUZZY_CUTOFF = 75.0
# Typos are only forgiven in words long enough for similarity to mean something:
# "use" vs "usr" or "gp" vs "go" would otherwise match half the codebook.
_FUZZY_MIN_LEN = 4
_INSIDE_MIN_LEN = 3

_WORD = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class CodeMatch:
    """One code found by a query, with where in its name to draw the match.

    ``matched`` holds ``(start, end)`` character spans (end exclusive) in
    ``code.name`` so the picker can embolden the letters the person typed.
    """

    code: CodeRecord
    score: float
    matched: tuple[tuple[int, int], ...] = ()


def _fold(text: str) -> str:
    """Lower-case with punctuation as spaces, keeping every character's position.

    rapidfuzz's ``utils.default_process`` does the same job but trims the ends, which
    would shift the offsets we need for highlighting; characters whose lower case is
    longer than one character (rare: "İ") are left as they are for the same reason.
    """
    out = []
    for char in text:
        if char.isalnum():
            lower = char.lower()
            out.append(lower if len(lower) == 1 else char)
        else:
            out.append(" ")
    return "".join(out)


@dataclass(frozen=True, slots=True)
class _Prepared:
    name_words: tuple[tuple[str, int], ...]  # (folded word, start offset in the name)
    name_folded: str
    path_words: frozenset[str]  # ancestors' names only: the name is scored on its own
    keyword_words: frozenset[str]

    @property
    def vocabulary(self) -> Iterable[str]:
        yield from (word for word, _ in self.name_words)
        yield from self.path_words
        yield from self.keyword_words


@lru_cache(maxsize=8192)
def _prepare(code: CodeRecord) -> _Prepared:
    # Cached because the same records are ranked again on every keystroke.
    name_folded = _fold(code.name)
    name_words = tuple((m.group(), m.start()) for m in _WORD.finditer(name_folded))
    ancestors = code.path.rsplit(" > ", 1)[0] if " > " in code.path else ""
    return _Prepared(
        name_words=name_words,
        name_folded=name_folded,
        path_words=frozenset(_fold(ancestors).split()),
        keyword_words=frozenset(_fold(" ".join(code.keywords)).split()),
    )


def _word_scores(query_word: str, vocabulary: list[str]) -> dict[str, float]:
    """How well one typed word matches each known word (only useful matches kept)."""
    scores: dict[str, float] = {}
    if len(query_word) >= _FUZZY_MIN_LEN:
        # Whole-word typos ("wrkforce") and half-typed words with a typo ("wrkfo"),
        # the latter by comparing with the start of each word. rapidfuzz runs both
        # loops in C, which keeps a keystroke well under a millisecond.
        for _, score, index in process.extract(
            query_word, vocabulary, scorer=fuzz.ratio, limit=None, score_cutoff=_FUZZY_CUTOFF
        ):
            scores[vocabulary[index]] = score
        cut = len(query_word) + 1
        heads = [word[:cut] for word in vocabulary]
        for _, score, index in process.extract(
            query_word, heads, scorer=fuzz.ratio, limit=None, score_cutoff=_FUZZY_CUTOFF
        ):
            word = vocabulary[index]
            # A typo in a half-typed word is less sure than one in a whole word.
            scores[word] = max(scores.get(word, 0.0), score * 0.95)
    for word in vocabulary:
        if word.startswith(query_word):
            scores[word] = _PREFIX
        elif len(query_word) >= _INSIDE_MIN_LEN and query_word in word:
            scores[word] = max(scores.get(word, 0.0), _INSIDE)
    return scores


def _name_spans(
    query_words: Sequence[str], prepared: _Prepared, word_scores: Sequence[dict[str, float]]
) -> tuple[tuple[int, int], ...]:
    """Character spans in the name that the query words matched, merged and sorted."""
    spans: list[tuple[int, int]] = []
    for query_word, scores in zip(query_words, word_scores, strict=True):
        for word, start in prepared.name_words:
            if word not in scores:
                continue
            if word.startswith(query_word):
                spans.append((start, start + len(query_word)))
            elif query_word in word:
                inside = start + word.index(query_word)
                spans.append((inside, inside + len(query_word)))
            else:  # a near miss: the whole word is what was meant
                spans.append((start, start + len(word)))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def rank_codes(
    query: str, codes: Sequence[CodeRecord], limit: int | None = None
) -> list[CodeMatch]:
    """Codes matching ``query``, best first; ties keep codebook order.

    An empty (or punctuation-only) query returns every code in the order given,
    scored 100, so the picker can show the whole tree before anything is typed.
    """
    query_words = _fold(query).split()
    if not query_words:
        everything = [CodeMatch(code, 100.0) for code in codes]
        return everything if limit is None else everything[:limit]

    prepared = [_prepare(code) for code in codes]
    vocabulary = sorted({word for item in prepared for word in item.vocabulary})
    word_scores = [_word_scores(word, vocabulary) for word in query_words]
    folded_query = " ".join(query_words)

    ranked: list[tuple[float, int, CodeMatch]] = []
    for position, (code, item) in enumerate(zip(codes, prepared, strict=True)):
        total = 0.0
        for scores in word_scores:
            if not scores:
                continue
            best = 0.0
            for word, _ in item.name_words:
                best = max(best, scores.get(word, 0.0) * _NAME_WEIGHT)
            if best < _PREFIX:
                for word in item.keyword_words:
                    best = max(best, scores.get(word, 0.0) * _KEYWORD_WEIGHT)
                for word in item.path_words:
                    best = max(best, scores.get(word, 0.0) * _PATH_WEIGHT)
            total += best
        base = total / len(query_words)
        # Early exit before the bonus: the bonus adds at most 8 points.
        if base * 0.92 + 8 < MIN_SCORE:
            continue
        spans = _name_spans(query_words, item, word_scores)
        covered = sum(end - start for start, end in spans)
        letters = len(item.name_folded.replace(" ", "")) or 1
        bonus = 5.0 * min(covered / letters, 1.0)
        if item.name_folded.lstrip().startswith(folded_query):
            bonus += 3.0
        score = min(100.0, base * 0.92 + bonus)
        if score >= MIN_SCORE:
            ranked.append((-score, position, CodeMatch(code, round(score, 2), spans)))

    ranked.sort(key=lambda entry: (entry[0], entry[1]))
    matches = [match for _, _, match in ranked]
    return matches if limit is None else matches[:limit]
