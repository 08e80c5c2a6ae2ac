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
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from qualcode.domain.codebook import parent_of
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
_NOT_WORD = re.compile(r"[\W_]")


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
    spaced = _NOT_WORD.sub(" ", text)
    lowered = spaced.lower()
    if len(lowered) == len(spaced):
        return lowered
    return "".join(lower if len(lower := char.lower()) == 1 else char for char in spaced)


@dataclass(frozen=True, slots=True)
class _Prepared:
    name_words: tuple[tuple[str, int], ...]  # (folded word, start offset in the name)
    name_folded: str
    path_words: frozenset[str]  # ancestors' names only: the name is scored on its own
    keyword_words: frozenset[str]


def _prepare(code: CodeRecord) -> _Prepared:
    name_folded = _fold(code.name)
    name_words = tuple((m.group(), m.start()) for m in _WORD.finditer(name_folded))
    ancestors = parent_of(code.path)
    return _Prepared(
        name_words=name_words,
        name_folded=name_folded,
        path_words=frozenset(_fold(ancestors).split()),
        keyword_words=frozenset(_fold(" ".join(code.keywords)).split()),
    )


class _Index:
    """Every word of a list of codes, pointing back at the codes that hold it.

    Built once per codebook and reused while the same records are ranked again on
    each keystroke: looking a few matched words up in here is what keeps a keystroke
    within a few milliseconds for hundreds of codes.
    """

    def __init__(self, codes: Sequence[CodeRecord]) -> None:
        self.codes = tuple(codes)
        self.prepared = [_prepare(code) for code in self.codes]
        # word -> {code position: weight of the best field of that code holding it};
        # fields go from least to most weight, so the last one written is the best.
        postings: dict[str, dict[int, float]] = {}
        for position, item in enumerate(self.prepared):
            for words, weight in (
                (item.path_words, _PATH_WEIGHT),
                (item.keyword_words, _KEYWORD_WEIGHT),
                ((word for word, _ in item.name_words), _NAME_WEIGHT),
            ):
                for word in words:
                    postings.setdefault(word, {})[position] = weight
        self.postings = {word: tuple(held.items()) for word, held in postings.items()}
        self.vocabulary = sorted(self.postings)
        self._scores: dict[str, dict[str, float]] = {}

    def word_scores(self, query_word: str) -> dict[str, float]:
        scores = self._scores.get(query_word)
        if scores is None:
            # Typing "traning w", "traning wr" ... asks about "traning" every time.
            if len(self._scores) > 512:
                self._scores.clear()
            scores = self._scores[query_word] = _word_scores(query_word, self.vocabulary)
        return scores


_last_index: _Index | None = None


def _index_for(codes: Sequence[CodeRecord]) -> _Index:
    """The index of ``codes``, reused when the very same records come back.

    Records are frozen, and the index keeps them alive, so the same object ids in
    the same order mean the same codes.
    """
    global _last_index
    index = _last_index
    if (
        index is None
        or len(index.codes) != len(codes)
        or any(a is not b for a, b in zip(index.codes, codes, strict=True))
    ):
        index = _last_index = _Index(codes)
    return index


def _word_scores(query_word: str, vocabulary: list[str]) -> dict[str, float]:
    """How well one typed word matches each known word (only useful matches kept)."""
    scores: dict[str, float] = {}
    if len(query_word) >= _FUZZY_MIN_LEN:
        # Whole-word typos ("wrkforce") and half-typed words with a typo ("wrkfo"),
        # the latter by comparing with the start of each word. rapidfuzz runs both
        # loops over the whole vocabulary in C; only the matches come back to Python.
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

    index = _index_for(codes)
    word_scores = [index.word_scores(word) for word in query_words]
    folded_query = " ".join(query_words)

    totals = [0.0] * len(index.codes)
    for scores in word_scores:
        best: dict[int, float] = {}
        for word, score in scores.items():
            for position, weight in index.postings[word]:
                weighted = score * weight
                if weighted > best.get(position, 0.0):
                    best[position] = weighted
        for position, value in best.items():
            totals[position] += value

    ranked: list[tuple[float, int, CodeMatch]] = []
    # The bonus adds at most 8 points, so weaker codes need no closer look.
    floor = (MIN_SCORE - 8) / 0.92 * len(query_words)
    for position, total in enumerate(totals):
        if total < floor:
            continue
        item = index.prepared[position]
        base = total / len(query_words)
        spans = _name_spans(query_words, item, word_scores)
        covered = sum(end - start for start, end in spans)
        letters = len(item.name_folded.replace(" ", "")) or 1
        bonus = 5.0 * min(covered / letters, 1.0)
        if item.name_folded.lstrip().startswith(folded_query):
            bonus += 3.0
        score = min(100.0, base * 0.92 + bonus)
        if score >= MIN_SCORE:
            code = index.codes[position]
            ranked.append((-score, position, CodeMatch(code, round(score, 2), spans)))

    ranked.sort(key=lambda entry: (entry[0], entry[1]))
    matches = [match for _, _, match in ranked]
    return matches if limit is None else matches[:limit]
