"""The suggestion engine: one calibrated, explained probability per (unit, code).

Before any coding, a unit's score for a code is the codebook's evidence (its words
and its meaning, see :mod:`qualcode.nlp.zero_shot`) read as a probability. Once the
team has coded, a logistic regression learnt from every coded and rejected passage
(:mod:`qualcode.nlp.learner`) joins in, blended with the codebook's evidence and the
code's frequency by weights chosen on held-out coding (:mod:`qualcode.nlp.training`).
A code is suggested where its probability reaches its threshold, also chosen on
held-out coding. The closest coded passage is found for the reasons only.

The engine never touches the database: services hand it analysed units, the corpus
statistics and the learned model, and it hands back records.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import compress

import numpy as np

from qualcode.domain.suggestions import (
    ClosestExample,
    CodeDescription,
    MatchedTerm,
    Suggestion,
    TextUnit,
    UnitSuggestions,
)
from qualcode.nlp.embeddings import Embedder
from qualcode.nlp.learned import LearnedModel, StoredExample
from qualcode.nlp.learner import Features
from qualcode.nlp.pipeline import Analysis, Pipeline
from qualcode.nlp.termspace import Vocabulary
from qualcode.nlp.zero_shot import CodebookScorer, CorpusStats, RawSignals

MEANING_REASON = 1.5  # standard deviations above the code's average: worth saying
MIN_EXAMPLE_SIMILARITY = 0.3  # cosine of centred sentence vectors
_BLOCK = 4_000  # units scored together


@dataclass(slots=True)
class Scored:
    """Probabilities for a block of units, and what reasons are read from."""

    probabilities: np.ndarray  # units x codes
    raw: RawSignals
    meaning: np.ndarray  # standardised, units x codes


def features(raw: RawSignals, terms: Vocabulary) -> Features:
    """The learner's input for scored units: their tf-idf over ``terms`` (words the
    model never saw are dropped) beside their sentence vectors."""
    mapping = np.asarray([terms.index.get(t, -1) for t in raw.vocab.terms], dtype=np.int64)
    columns = mapping[raw.bags.terms] if len(raw.bags.terms) else np.zeros(0, dtype=np.int64)
    keep = columns >= 0
    owners = raw.bags.owners()[keep]
    offsets = np.searchsorted(owners, np.arange(len(raw.bags) + 1)).astype(np.int64)
    return Features(columns[keep], raw.weights[keep], offsets, raw.vectors, len(terms))


class Suggester:
    """Scores units against a codebook with the project's statistics and model.

    ``stats`` describe every unit of the project; ``model``, if given, must have
    been trained on this codebook (the service checks its fingerprint).
    """

    def __init__(
        self,
        codes: Sequence[CodeDescription],
        pipeline: Pipeline,
        embedder: Embedder | None,
        *,
        stats: CorpusStats | None = None,
        model: LearnedModel | None = None,
        scorer: CodebookScorer | None = None,
    ) -> None:
        self.scorer = scorer or CodebookScorer(codes, pipeline, embedder)
        self.codes = self.scorer.codes
        self.pipeline = pipeline
        self.model = model
        if stats is None:
            if model is None:
                raise ValueError("a Suggester needs the corpus statistics or a model")
            stats = model.stats
        self.stats = stats
        self.fitted = model.fitted if model is not None else None
        self._index = {code.uuid: i for i, code in enumerate(self.codes)}
        self.examples_per_code = np.zeros(len(self.codes), dtype=np.int64)
        self.rejections_per_code = np.zeros(len(self.codes), dtype=np.int64)
        self._examples: list[StoredExample] = []
        self._members: dict[int, list[int]] = {}
        if model is not None:
            for example in model.examples:
                code = self._index.get(example.code_uuid)
                if code is None:
                    continue
                if example.positive:
                    self.examples_per_code[code] += 1
                    self._members.setdefault(code, []).append(len(self._examples))
                    self._examples.append(example)
                else:
                    self.rejections_per_code[code] += 1
        self._terms = Vocabulary(self.fitted.terms) if self.fitted is not None else None
        self._code_example_vectors: dict[int, np.ndarray] = {}
        self.suggestable = self.scorer.suggestable | (self.examples_per_code > 0)
        self._by_column: dict[int, tuple[dict[int, float], dict[int, float]]] = {}
        self._learnt = [
            _learnt(int(examples), int(rejections))
            for examples, rejections in zip(
                self.examples_per_code, self.rejections_per_code, strict=True
            )
        ]

    @property
    def thresholds(self) -> np.ndarray:
        """Each code's threshold: chosen on held-out coding, or the zero-shot one."""
        if self.fitted is not None:
            return self.fitted.thresholds
        return np.full(len(self.codes), self.stats.zero_threshold, dtype=np.float32)

    @property
    def learned_codes(self) -> int:
        return int((self.examples_per_code > 0).sum())

    # -- scoring ------------------------------------------------------------------------

    def rank(self, texts: Sequence[str], analyses: Sequence[Analysis]) -> np.ndarray:
        """Probabilities, units x codes, without reasons (for evaluation)."""
        blocks = [
            self._score(texts[i : i + _BLOCK], analyses[i : i + _BLOCK]).probabilities
            for i in range(0, len(analyses), _BLOCK)
        ]
        if not blocks:
            return np.zeros((0, len(self.codes)), dtype=np.float32)
        return np.vstack(blocks)

    def _score(
        self,
        texts: Sequence[str],
        analyses: Sequence[Analysis],
        raw: RawSignals | None = None,
    ) -> Scored:
        if raw is None:
            raw = self.scorer.raw(texts, analyses, self.stats)
        words, meaning = self.scorer.standardised(raw, self.stats)
        codebook_only = True
        if self.fitted is None or self._terms is None:
            probabilities = self.scorer.zero_probability(words, meaning, self.suggestable)
        else:
            fitted = self.fitted
            prior = np.broadcast_to(fitted.prior, words.shape)
            if fitted.uses_learner:
                logits = fitted.weights.logits(features(raw, self._terms))
                probabilities = fitted.blend.probabilities(words, meaning, logits, prior)
                codebook_only = False
            else:
                probabilities = fitted.blend.probabilities(words, meaning, prior)
                codebook_only = fitted.blend.weights[-1] == 0.0
        if codebook_only:
            # No content words, nothing for the codebook to go on: the meaning signal
            # of "Nothing." or "" is only its distance from the average unit. (What
            # the team codes such units with is learnt, once there is a learner or a
            # frequency prior.)
            probabilities[np.diff(raw.bags.offsets) == 0] = 0.0
        probabilities = probabilities * self.suggestable
        return Scored(probabilities.astype(np.float32), raw, meaning)

    def suggest(
        self,
        units: Sequence[TextUnit],
        analyses: Sequence[Analysis],
        *,
        top_k: int = 3,
        min_score: float | None = None,
        keep: Callable[[TextUnit, str], bool] | None = None,
        raw: RawSignals | None = None,
    ) -> list[UnitSuggestions]:
        """The best ``top_k`` codes per unit that reach their threshold (or
        ``min_score`` for every code, if given), explained.

        ``keep(unit, code_uuid)`` can rule codes out first (already coded there, or
        rejected), so that only what will be shown is explained. ``raw`` are the
        units' signals, if they were already worked out with these statistics.
        """
        cut = (
            self.thresholds
            if min_score is None
            else np.full(len(self.codes), min_score, dtype=np.float32)
        )
        cut = np.maximum(cut, 1e-6)
        results: list[UnitSuggestions] = []
        for begin in range(0, len(units), _BLOCK):
            chunk_units = units[begin : begin + _BLOCK]
            chunk = list(analyses[begin : begin + _BLOCK])
            block = self._score(
                [u.text for u in chunk_units],
                chunk,
                None if raw is None else raw.rows(begin, begin + _BLOCK),
            )
            chosen = self._choose(block.probabilities >= cut, block, chunk_units, top_k, keep)
            closest = self._closest_all(block, chosen)
            for row, (unit, analysis) in enumerate(zip(chunk_units, chunk, strict=True)):
                codes = chosen[row]
                explained = (
                    self._explain(block, row, codes, analysis, unit, closest) if codes else ()
                )
                results.append(UnitSuggestions(unit, explained))
        return results

    def _choose(
        self,
        passing: np.ndarray,
        block: Scored,
        units: Sequence[TextUnit],
        top_k: int,
        keep: Callable[[TextUnit, str], bool] | None,
    ) -> list[list[int]]:
        """Per unit, the codes to show: best first, up to ``top_k`` that ``keep`` allows."""
        chosen: list[list[int]] = [[] for _ in units]
        # The whole block sorted at once (codes that pass first, best first; ties by
        # codebook order); each unit then reads only its passing codes.
        order = np.argsort(np.where(passing, -block.probabilities, np.inf), axis=1, kind="stable")
        counts = passing.sum(axis=1)
        for row in np.flatnonzero(counts).tolist():
            picked = chosen[row]
            unit = units[row]
            for code in order[row, : counts[row]].tolist():
                if keep is None or keep(unit, self.codes[code].uuid):
                    picked.append(code)
                    if len(picked) == top_k:
                        break
        return chosen

    # -- reasons ------------------------------------------------------------------------

    def _column_weights(self, column: int) -> tuple[dict[int, float], dict[int, float]]:
        """For one codebook term: the codes it raises and the codes it lowers (its
        exclusion criteria), with the weights. A term that raises a code is never read as
        lowering it. Looked up per token when explaining, so worked out once per term."""
        found = self._by_column.get(column)
        if found is None:
            plus = self.scorer.positive_t[column]
            minus = self.scorer.negative_t[column]
            up = plus > 0
            found = self._by_column[column] = (
                dict(zip(up.nonzero()[0].tolist(), plus[up].tolist(), strict=True)),
                dict.fromkeys(((minus > 0) & ~up).nonzero()[0].tolist(), 0.0),
            )
        return found

    def _token_columns(
        self, analysis: Analysis, unit: TextUnit
    ) -> list[tuple[str, int, int, int, bool, str]]:
        """(lemma, start, end, codebook column, fuzzy?, words as said) for each content
        token the codebook knows, worked out once per unit for all its suggestions."""
        index = self.scorer.codebook.vocab.index
        out: list[tuple[str, int, int, int, bool, str]] = []
        # compress() skips the stop words and punctuation in C: three tokens in four.
        for lemma, start, end in compress(
            zip(analysis.lemmas, analysis.starts, analysis.ends, strict=True), analysis.content
        ):
            column = index.get(lemma)
            fuzzy = False
            if column is None:
                alias = self.scorer.alias(lemma)
                if alias is None:
                    continue
                column, fuzzy = alias[0], True
            said = unit.text[start - unit.start : end - unit.start].lower() or lemma
            out.append((lemma, start, end, column, fuzzy, said))
        return out

    def _explain(
        self,
        block: Scored,
        row: int,
        codes: Sequence[int],
        analysis: Analysis,
        unit: TextUnit,
        closest: dict[tuple[int, int], ClosestExample],
    ) -> tuple[Suggestion, ...]:
        """The suggestions of ``codes`` for one unit, each with its reasons.

        What every code's reasons read from the unit (its tokens' codebook weights, its
        phrases) is worked out once for the unit: a million-word run explains a quarter
        of a million suggestions.
        """
        tokens = self._token_columns(analysis, unit)
        weights = [self._column_weights(token[3]) for token in tokens]
        phrases: dict[int, list[tuple[int, int, int, str]]] = {}
        for found in block.raw.phrases[row]:
            phrases.setdefault(found[0], []).append(found)
        meaning = block.meaning[row].tolist() if block.meaning.shape[1] else None
        scores = block.probabilities[row].tolist()
        codebook = self.scorer.codebook
        terms, fields = codebook.vocab.terms, codebook.fields
        out: list[Suggestion] = []
        for code in codes:
            matched: list[MatchedTerm] = []
            reasons: list[str] = []
            for _, first, last, text in phrases.get(code, ()):
                matched.append(
                    MatchedTerm(text, analysis.starts[first], analysis.ends[last - 1], "keywords")
                )
                reason = f'keyword phrase "{text}"'
                if reason not in reasons:
                    reasons.append(reason)
            words: list[tuple[float, str]] = []
            fuzzy_words: list[str] = []
            seen: set[str] = set()
            excluded: list[str] = []
            for (lemma, start, end, column, fuzzy, said), (up, down) in zip(
                tokens, weights, strict=True
            ):
                weight = up.get(code)
                if weight is not None:
                    term = terms[column]
                    field = fields.get((code, column), "definition")
                    matched.append(MatchedTerm(term, start, end, field, fuzzy))
                    if lemma not in seen:
                        seen.add(lemma)
                        if fuzzy:
                            fuzzy_words.append(f'"{said}" ~ "{term}"')
                        else:
                            label = _FIELD_NAMES.get(field, field)
                            words.append((weight, f"{said} ({label})"))
                elif code in down and lemma not in seen:
                    seen.add(lemma)
                    excluded.append(said)
            if words:
                ordered = [text for _, text in sorted(words, key=lambda w: -w[0])]
                reasons.append("codebook words: " + ", ".join(ordered[:6]))
            if fuzzy_words:
                reasons.append("close spellings: " + ", ".join(fuzzy_words[:3]))
            if meaning is not None and meaning[code] >= MEANING_REASON:
                reasons.append("similar in meaning to the code's definition")
            example = closest.get((row, code))
            if example is not None:
                where = f" in {example.source}" if example.source else ""
                reasons.append(
                    f"like a passage {example.coder} coded{where} "
                    f"(similarity {example.similarity:.2f})"
                )
            if self._learnt[code]:
                reasons.append(self._learnt[code])
            if excluded:
                reasons.append(
                    "lowered by words in its exclusion criteria: " + ", ".join(excluded[:4])
                )
            if not reasons:
                reasons.append("similar wording to the code's description")
            if phrases.get(code):  # tokens come in order; phrases interleave with them
                matched.sort(key=lambda m: m.start)
            description = self.codes[code]
            out.append(
                Suggestion(
                    code_uuid=description.uuid,
                    code_path=description.path,
                    score=round(scores[code], 3),
                    reasons=tuple(reasons),
                    matched=tuple(matched),
                    closest=example,
                    examples=int(self.examples_per_code[code]),
                )
            )
        return tuple(out)

    def _closest_all(
        self, block: Scored, chosen: Sequence[Sequence[int]]
    ) -> dict[tuple[int, int], ClosestExample]:
        """For each (row, code) chosen, the coded passage of that code most like the unit
        in meaning, if like enough: one product per code for the whole block, rather
        than one per suggestion."""
        if not self._examples or block.raw.vectors.shape[1] == 0:
            return {}
        rows_by_code: dict[int, list[int]] = {}
        for row, codes in enumerate(chosen):
            for code in codes:
                if code in self._members:
                    rows_by_code.setdefault(code, []).append(row)
        out: dict[tuple[int, int], ClosestExample] = {}
        for code, rows in rows_by_code.items():
            members = self._members[code]
            similarities = self._vectors_of_code(code) @ block.raw.vectors[rows].T
            best = similarities.argmax(axis=0)
            values = similarities[best, np.arange(len(rows))]
            for row, index, value in zip(rows, best.tolist(), values.tolist(), strict=True):
                if value < MIN_EXAMPLE_SIMILARITY:
                    continue
                example = self._examples[members[index]]
                out[row, code] = ClosestExample(
                    example.source,
                    example.start,
                    example.end,
                    example.text,
                    example.coder,
                    round(value, 2),
                )
        return out

    def _vectors_of_code(self, code: int) -> np.ndarray:
        """The coded passages of ``code`` in meaning (centred, unit length), embedded
        on first use: most runs explain a few codes' suggestions, or none, and one
        transcript's suggestions need only some codes' passages."""
        vectors = self._code_example_vectors.get(code)
        if vectors is None:
            texts = [self._examples[i].text for i in self._members[code]]
            centred = self.scorer.embed(texts) - self.stats.centre
            norms = np.linalg.norm(centred, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            vectors = self._code_example_vectors[code] = (centred / norms).astype(np.float32)
        return vectors


def _learnt(examples: int, rejections: int) -> str:
    """The reason that says what a code's suggestions were learnt from ("" if nothing)."""
    if not examples and not rejections:
        return ""
    learnt = f"learnt from {examples} coded example{'s' if examples != 1 else ''}"
    if rejections:
        learnt += f" and {rejections} rejection{'s' if rejections != 1 else ''}"
    return learnt


_FIELD_NAMES = {
    "keywords": "keyword",
    "parent": "parent code",
    "coded": "from coded passages",
}
