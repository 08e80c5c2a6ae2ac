"""What the codebook alone says about a unit: its words, and its meaning.

Two signals per (unit, code), each standardised per code over the project's units
(so that a code with a long definition or many keywords does not drown the others,
and so that the two can be added):

1. **words**: tf-idf cosine between the unit's lemmas and the code's codebook terms
   (names and keywords weigh most, then definition, include criteria and example; a
   parent lends its children a little; words only the exclusion criteria use push a
   code down), whole keyword phrases, and close misspellings of codebook words;
2. **meaning**: cosine between the unit's sentence vector and the nearest of the
   code's statements (name, definition, include criteria, keywords, example), all
   taken relative to the project's average unit so that everyday talk does not look
   like every code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from rapidfuzz import fuzz, process

from qualcode.domain.suggestions import CodeDescription
from qualcode.nlp.calibration import share_threshold
from qualcode.nlp.codebook_terms import CodebookTerms, build_codebook_terms
from qualcode.nlp.embeddings import Embedder
from qualcode.nlp.pipeline import Analysis, Pipeline
from qualcode.nlp.termspace import Bags, Vocabulary, content_lemmas, project, smooth_idf

PHRASE_BONUS = 0.08
FUZZY_CUTOFF = 85.0
FUZZY_MIN_LENGTH = 5
MIN_SPREAD = 0.02  # a code no unit resembles keeps a finite standard deviation
ZERO_SLOPE = 1.0  # zero-shot probability: logistic in the standardised evidence...
EXPECTED_CODES = 1.5  # ...centred on the chance a unit carries any one code
_MEANING_BLOCK = 8_192  # units whose similarity to every statement is held at once


@dataclass(frozen=True, slots=True)
class CorpusStats:
    """What the project's units are like: the denominators every score is read against."""

    units: int
    document_frequency: dict[str, int]  # content lemma -> units it occurs in
    centre: np.ndarray  # the average unit's sentence vector (zeros without an embedder)
    words_mean: np.ndarray  # per code
    words_std: np.ndarray
    meaning_mean: np.ndarray
    meaning_std: np.ndarray
    zero_threshold: float  # where four in five units get a zero-shot suggestion

    def idf(self, terms: Sequence[str]) -> np.ndarray:
        df = np.asarray([self.document_frequency.get(t, 0) for t in terms], dtype=np.float32)
        return smooth_idf(df, self.units)


@dataclass(slots=True)
class RawSignals:
    words: np.ndarray  # units x codes, before standardising
    meaning: np.ndarray
    bags: Bags  # the units' terms, for reasons
    weights: np.ndarray
    vocab: Vocabulary
    phrases: list[list[tuple[int, int, int, str]]]  # (code, first token, end token, text)
    vectors: np.ndarray  # units x dimensions, centred and unit length (or 0 columns)

    def rows(self, begin: int, end: int) -> RawSignals:
        """The signals of units ``begin`` to ``end`` (end exclusive)."""
        end = min(end, len(self.words))
        first, last = int(self.bags.offsets[begin]), int(self.bags.offsets[end])
        bags = Bags(
            self.bags.terms[first:last],
            self.bags.counts[first:last],
            self.bags.offsets[begin : end + 1] - first,
        )
        return RawSignals(
            self.words[begin:end],
            self.meaning[begin:end],
            bags,
            self.weights[first:last],
            self.vocab,
            self.phrases[begin:end],
            self.vectors[begin:end],
        )


class CodebookScorer:
    """The zero-shot signals for one codebook, pipeline and embedder."""

    def __init__(
        self, codes: Sequence[CodeDescription], pipeline: Pipeline, embedder: Embedder | None
    ) -> None:
        self.pipeline = pipeline
        self.embedder = embedder
        self.codebook: CodebookTerms = build_codebook_terms(codes, pipeline)
        self.codes = self.codebook.codes
        norms = np.linalg.norm(self.codebook.positive, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        self.positive_t = np.ascontiguousarray((self.codebook.positive / norms).T)
        self.negative_t = np.ascontiguousarray((self.codebook.negative / norms).T)
        self._fuzzy: dict[str, tuple[int, float] | None] = {}
        self._fuzzy_targets = list(self.codebook.vocab.terms)
        self.code_vectors, self._statement_starts = self._code_vectors()

    def _code_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """One vector per statement a code makes (its name, definition, include
        criteria, keywords, example), grouped by code, and where each code's begin.

        A unit is as close in meaning to a code as to the nearest of its statements: a
        passage that fits one include criterion fits the code, however different the
        other statements are."""
        if self.embedder is None:
            return np.zeros((0, 0), dtype=np.float32), np.zeros(0, dtype=np.int64)
        statements: list[str] = []
        starts: list[int] = []
        for code in self.codes:
            starts.append(len(statements))
            parts = (code.definition, code.include, ", ".join(code.keywords), code.example)
            statements.append(code.name)
            statements.extend(part for part in parts if part)
        return self.embedder.embed(statements), np.asarray(starts, dtype=np.int64)

    # -- the signals ------------------------------------------------------------------

    def raw(
        self,
        texts: Sequence[str],
        analyses: Sequence[Analysis],
        stats: CorpusStats | None,
        vectors: np.ndarray | None = None,
    ) -> RawSignals:
        """The signals before standardising; ``vectors`` are the texts' embeddings if
        already computed."""
        bags = [content_lemmas(a) for a in analyses]
        vocab = Vocabulary(self.codebook.vocab.terms)
        unit_bags = Bags.build(bags, vocab, grow=True)
        idf = (
            stats.idf(vocab.terms)
            if stats is not None
            else smooth_idf(unit_bags.document_frequency(len(vocab)), len(unit_bags))
        )
        weights = unit_bags.weights(idf)
        words = project(unit_bags, weights, self._with_aliases(vocab, self.positive_t))
        words -= project(unit_bags, weights, self.negative_t)
        phrases = [self.phrases(a) for a in analyses]
        for row, found in enumerate(phrases):
            for code in {code for code, *_ in found}:
                words[row, code] += PHRASE_BONUS
        vectors, meaning = self._meaning(texts, stats, vectors)
        return RawSignals(words, meaning, unit_bags, weights, vocab, phrases, vectors)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self.embedder is None:
            return np.zeros((len(texts), 0), dtype=np.float32)
        return self.embedder.embed(texts)

    def _meaning(
        self, texts: Sequence[str], stats: CorpusStats | None, vectors: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        if self.embedder is None:
            empty = np.zeros((len(texts), 0), dtype=np.float32)
            return empty, np.zeros((len(texts), len(self.codes)), dtype=np.float32)
        if vectors is None:
            vectors = self.embedder.embed(texts)
        centre = stats.centre if stats is not None else vectors.mean(axis=0)
        statements = _normalise(self.code_vectors - centre).T
        centred = np.empty(vectors.shape, dtype=np.float32)
        nearest = np.zeros((len(vectors), len(self.codes)), dtype=np.float32)
        # A block of units at a time: the similarities to every statement of every code
        # are five times the size of the vectors, a third of the peak memory of a
        # million-word run when worked out for all units at once.
        for begin in range(0, len(vectors), _MEANING_BLOCK):
            rows = slice(begin, begin + _MEANING_BLOCK)
            centred[rows] = _normalise(vectors[rows] - centre)
            similarity = centred[rows] @ statements
            nearest[rows] = np.maximum.reduceat(similarity, self._statement_starts, axis=1)
        return centred, nearest

    def standardised(self, raw: RawSignals, stats: CorpusStats) -> tuple[np.ndarray, np.ndarray]:
        words = (raw.words - stats.words_mean) / stats.words_std
        meaning = (raw.meaning - stats.meaning_mean) / stats.meaning_std
        return words.astype(np.float32), meaning.astype(np.float32)

    def corpus_stats(self, texts: Sequence[str], analyses: Sequence[Analysis]) -> CorpusStats:
        """Statistics of every unit of the project, from which scores are read."""
        return self.corpus_stats_and_signals(texts, analyses)[0]

    def corpus_stats_and_signals(
        self, texts: Sequence[str], analyses: Sequence[Analysis]
    ) -> tuple[CorpusStats, RawSignals]:
        """The statistics, and the units' raw signals they were read from (the same as
        :meth:`raw` gives with these statistics: scoring the same units need not work
        them out again)."""
        df: dict[str, int] = {}
        for analysis in analyses:
            for term in set(content_lemmas(analysis)):
                df[term] = df.get(term, 0) + 1
        vectors = self.embed(texts)
        centre = (
            vectors.mean(axis=0)
            if len(texts)
            else np.zeros(self.code_vectors.shape[1], dtype=np.float32)
        )
        zeros, ones = np.zeros(len(self.codes)), np.ones(len(self.codes))
        draft = CorpusStats(
            len(analyses), df, centre.astype(np.float32), zeros, ones, zeros, ones, 0.5
        )
        raw = self.raw(texts, analyses, draft, vectors)
        stats = CorpusStats(
            len(analyses),
            df,
            draft.centre,
            _mean(raw.words),
            _spread(raw.words),
            _mean(raw.meaning),
            _spread(raw.meaning),
            0.5,
        )
        probabilities = self.zero_probability(*self.standardised(raw, stats))
        return replace(stats, zero_threshold=share_threshold(probabilities)), raw

    # -- zero-shot probability ----------------------------------------------------------

    @property
    def suggestable(self) -> np.ndarray:
        """Codes that may be suggested before anyone has used them: not group headings
        (codes with sub-codes), which codebooks keep for talk that fits no sub-code."""
        parents = {code.parent_uuid for code in self.codes if code.parent_uuid}
        return np.asarray([code.uuid not in parents for code in self.codes], dtype=bool)

    def zero_evidence(self, words: np.ndarray, meaning: np.ndarray) -> np.ndarray:
        """Words and meaning, standardised, with equal say (words alone without a model)."""
        if self.embedder is None:
            return words
        return (words + meaning) / np.float32(np.sqrt(2.0))

    def zero_weights(self) -> tuple[float, float]:
        """The weights of words and meaning in the zero-shot probability's logit."""
        if self.embedder is None:
            return (ZERO_SLOPE, 0.0)
        share = ZERO_SLOPE / float(np.sqrt(2.0))
        return (share, share)

    def zero_intercept(self) -> float:
        """The zero-shot logit of average evidence: the chance a unit has any one code."""
        prior = min(EXPECTED_CODES / max(len(self.codes), 2), 0.5)
        return float(np.log(prior / (1 - prior)))

    def zero_probability(
        self, words: np.ndarray, meaning: np.ndarray, suggestable: np.ndarray | None = None
    ) -> np.ndarray:
        """``suggestable`` defaults to :attr:`suggestable`; a suggester passes its own,
        which also lets in group headings the team has coded with."""
        prior = min(EXPECTED_CODES / max(len(self.codes), 2), 0.5)
        # In place after the first product (a new array): over a million words each
        # temporary is tens of megabytes.
        probabilities = self.zero_evidence(words, meaning) * np.float32(ZERO_SLOPE)
        probabilities += np.float32(np.log(prior / (1 - prior)))
        np.clip(probabilities, -30, 30, out=probabilities)
        np.negative(probabilities, out=probabilities)
        np.exp(probabilities, out=probabilities)
        probabilities += 1.0
        np.reciprocal(probabilities, out=probabilities)
        allowed = self.suggestable if suggestable is None else suggestable
        probabilities[:, ~allowed] = 0.0
        return probabilities.astype(np.float32, copy=False)

    # -- words ------------------------------------------------------------------------

    def _with_aliases(self, vocab: Vocabulary, matrix_t: np.ndarray) -> np.ndarray:
        """Extend the codebook's term rows with rows for close misspellings of them."""
        known = len(self.codebook.vocab)
        rows = np.zeros((len(vocab), matrix_t.shape[1]), dtype=np.float32)
        rows[:known] = matrix_t
        for offset, term in enumerate(vocab.terms[known:]):
            alias = self.alias(term)
            if alias is not None:
                target, similarity = alias
                rows[known + offset] = matrix_t[target] * similarity
        return rows

    def alias(self, term: str) -> tuple[int, float] | None:
        if term in self._fuzzy:
            return self._fuzzy[term]
        found: tuple[int, float] | None = None
        if len(term) >= FUZZY_MIN_LENGTH and term.isalpha():
            match = process.extractOne(
                term, self._fuzzy_targets, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
            )
            if match is not None and len(match[0]) >= FUZZY_MIN_LENGTH:
                found = (int(match[2]), float(match[1]) / 100.0)
        self._fuzzy[term] = found
        return found

    def phrases(self, analysis: Analysis) -> list[tuple[int, int, int, str]]:
        found: list[tuple[int, int, int, str]] = []
        lemmas = analysis.lemmas
        table = self.codebook.phrases
        if table.keys().isdisjoint(lemmas):  # most units: no phrase starts here, say so fast
            return found
        for i, lemma in enumerate(lemmas):
            for phrase in table.get(lemma, ()):
                size = len(phrase.lemmas)
                if lemmas[i : i + size] == phrase.lemmas:
                    found.append((phrase.code, i, i + size, phrase.text))
        return found


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32, copy=False)


def _mean(matrix: np.ndarray) -> np.ndarray:
    if len(matrix) == 0:
        return np.zeros(matrix.shape[1], dtype=np.float32)
    return matrix.mean(axis=0).astype(np.float32)


def _spread(matrix: np.ndarray) -> np.ndarray:
    if len(matrix) < 2:
        return np.ones(matrix.shape[1], dtype=np.float32)
    return np.maximum(matrix.std(axis=0), MIN_SPREAD).astype(np.float32)
