"""The suggestion engine: one ranked, explained score per (unit, code).

Signals, all cosines in a tf-idf space over lemmas, so they can be mixed:

1. the codebook (names, keywords, definitions, include and exclude criteria, example),
   with whole keyword phrases and close misspellings;
2. what the team has coded: similarity to each code's prototype and to its nearest
   coded example, weighted by how many examples the code has;
3. word vectors, when the installed pipeline has them.

The engine never touches the database: services hand it analysed units and the
learned model, and it hands back records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from qualcode.domain.suggestions import (
    ClosestExample,
    CodeDescription,
    MatchedTerm,
    Suggestion,
    TextUnit,
    UnitSuggestions,
)
from qualcode.nlp.codebook_terms import CodebookTerms, build_codebook_terms
from qualcode.nlp.learned import LearnedModel, StoredExample
from qualcode.nlp.pipeline import Analysis, Pipeline
from qualcode.nlp.termspace import Bags, Vocabulary, content_lemmas, project, smooth_idf

DEFAULT_MIN_SCORE = 0.5  # best micro-F1 on the demo lay between 0.5 and 0.6
PHRASE_BONUS = 0.08
EXAMPLE_SHARE = 1.0  # coded passages' centroid, beside the codebook's 1.0 (times n/(n+1))
REJECTED_SHARE = 0.5
MIN_EXAMPLE_SIMILARITY = 0.05
VECTOR_WEIGHT = 0.15  # word-vector similarity, only when the pipeline has vectors
CODE_NORM_POWER = 1.0  # 1 = cosine; lower lets codes with long descriptions keep more
FUZZY_CUTOFF = 85.0
FUZZY_MIN_LENGTH = 5
PARENT_FACTOR = 0.85  # codebooks ask for the most specific code; parents are for general talk
SHORT_UNIT = 8  # content words below which a unit's score is damped (one word is thin evidence)
SCALE = 0.22  # calibration: a combined cosine of SCALE shows as 0.63
_BLOCK = 4_000  # units scored together


@dataclass(slots=True)
class _Block:
    """Scores, and what reasons are read from."""

    final: np.ndarray  # units x codes, calibrated 0-1
    bags: Bags  # the units' terms and weights, for finding the closest coded example
    weights: np.ndarray
    phrases: list[list[tuple[int, int, int, str]]]  # (code, first token, end token, text)


class Suggester:
    """Scores units against a codebook, helped by the project's wording and coding.

    Build one per request: ``corpus`` is every unit of the project (for idf: words
    rare in the project say more), ``model`` the team's analysed examples, if any.
    """

    def __init__(
        self,
        codes: Sequence[CodeDescription],
        pipeline: Pipeline,
        model: LearnedModel | None = None,
        *,
        corpus: Sequence[Analysis] = (),
    ) -> None:
        self.pipeline = pipeline
        self.codebook: CodebookTerms = build_codebook_terms(codes, pipeline)
        self.codes = self.codebook.codes
        self.model = model
        self._index = {code.uuid: i for i, code in enumerate(self.codes)}
        self._fuzzy: dict[str, tuple[int, float] | None] = {}
        # Misspellings are matched against the codebook's own words only.
        self._fuzzy_targets = list(self.codebook.vocab.terms)
        self._corpus_df: Counter[str] = Counter()
        self._corpus_size = 0
        parents = {code.parent_uuid for code in self.codes if code.parent_uuid}
        self._code_factor = np.asarray(
            [PARENT_FACTOR if code.uuid in parents else 1.0 for code in self.codes],
            dtype=np.float32,
        )
        self._examples: list[StoredExample] = []
        self._positive_members: dict[int, list[int]] = {}
        self._tokens_for: Analysis | None = None
        self._tokens: list[tuple[str, int, int, int, bool, str]] = []
        self._example_matrix_t = np.zeros((0, 0), dtype=np.float32)
        self.examples_per_code = np.zeros(len(self.codes), dtype=np.int64)
        self.rejections_per_code = np.zeros(len(self.codes), dtype=np.int64)
        self._set_profiles()
        if corpus:
            self._learn_corpus(corpus)
        if model is not None:
            self._learn_examples(model)

    def _set_profiles(self) -> None:
        norms = np.linalg.norm(self.codebook.positive, axis=1, keepdims=True) ** CODE_NORM_POWER
        norms[norms == 0] = 1.0
        self._positive_t = np.ascontiguousarray((self.codebook.positive / norms).T)
        self._negative_t = np.ascontiguousarray((self.codebook.negative / norms).T)

    # -- learning -----------------------------------------------------------------------

    def _learn_corpus(self, analyses: Sequence[Analysis]) -> None:
        """Count in how many units each term occurs, for idf: rare words say more."""
        for analysis in analyses:
            self._corpus_df.update(set(content_lemmas(analysis)))
        self._corpus_size += len(analyses)

    def _learn_examples(self, model: LearnedModel) -> None:
        """Fold the team's examples into each code's prototype.

        A code's coded passages add their centroid, weighted n / (n + 1) of the
        codebook's own weight for n examples; rejected ones go into what pushes the code
        down. The examples are kept, weighted, for finding the closest one.
        """
        examples = [e for e in model.examples if e.code_uuid in self._index]
        if not examples:
            return
        vocab = self.codebook.vocab
        bags = Bags.build([e.lemmas for e in examples], vocab, grow=True)
        weights = bags.weights(self._idf(vocab, bags))
        positive = _widen(self.codebook.positive, len(vocab))
        negative = _widen(self.codebook.negative, len(vocab))
        norms = np.linalg.norm(positive, axis=1)
        codes = np.asarray([self._index[e.code_uuid] for e in examples], dtype=np.int64)
        for code in np.unique(codes):
            for wanted in (True, False):
                rows = [i for i in np.flatnonzero(codes == code) if examples[i].positive == wanted]
                if not rows:
                    continue
                centroid = np.zeros(len(vocab), dtype=np.float32)
                for row in rows:
                    span = slice(bags.offsets[row], bags.offsets[row + 1])
                    centroid[bags.terms[span]] += weights[span]
                centroid /= max(float(np.linalg.norm(centroid)), 1e-9)
                if wanted:
                    n = len(rows)
                    positive[code] += EXAMPLE_SHARE * n / (n + 1) * norms[code] * centroid
                    self.examples_per_code[code] = n
                    for column in np.flatnonzero(centroid):
                        self.codebook.fields.setdefault((int(code), int(column)), "coded")
                else:
                    negative[code] += REJECTED_SHARE * norms[code] * centroid
                    self.rejections_per_code[code] = len(rows)
        self.codebook.positive = positive
        self.codebook.negative = negative
        self._set_profiles()
        self._examples = examples
        self._example_matrix_t = np.ascontiguousarray(bags.dense(weights, len(vocab)).T)
        for index, example in enumerate(examples):
            if example.positive:
                self._positive_members.setdefault(int(codes[index]), []).append(index)

    # -- scoring ------------------------------------------------------------------------

    def rank(self, analyses: Sequence[Analysis]) -> np.ndarray:
        """Calibrated scores, units x codes, without building reasons (for evaluation)."""
        blocks = [
            self._score(list(analyses[i : i + _BLOCK])).final
            for i in range(0, len(analyses), _BLOCK)
        ]
        if not blocks:
            return np.zeros((0, len(self.codes)), dtype=np.float32)
        return np.vstack(blocks)

    def suggest(
        self,
        units: Sequence[TextUnit],
        analyses: Sequence[Analysis],
        *,
        top_k: int = 3,
        min_score: float = DEFAULT_MIN_SCORE,
        keep: Callable[[TextUnit, str], bool] | None = None,
    ) -> list[UnitSuggestions]:
        """The best ``top_k`` codes per unit scoring at least ``min_score``, explained.

        ``keep(unit, code_uuid)`` can rule codes out first (already coded there, or
        rejected), so that only what will be shown is explained.
        """
        results: list[UnitSuggestions] = []
        for begin in range(0, len(units), _BLOCK):
            chunk = list(analyses[begin : begin + _BLOCK])
            block = self._score(chunk)
            for row, (unit, analysis) in enumerate(
                zip(units[begin : begin + _BLOCK], chunk, strict=True)
            ):
                scores = block.final[row]
                candidates = np.flatnonzero(scores >= max(min_score, 1e-9))
                order = candidates[np.argsort(-scores[candidates], kind="stable")]
                chosen: list[int] = []
                for code in order:
                    if keep is None or keep(unit, self.codes[int(code)].uuid):
                        chosen.append(int(code))
                        if len(chosen) == top_k:
                            break
                suggestions = tuple(
                    self._explain(block, row, code, analysis, unit) for code in chosen
                )
                results.append(UnitSuggestions(unit, suggestions))
        return results

    def _score(self, analyses: list[Analysis]) -> _Block:
        bags = [content_lemmas(a) for a in analyses]
        vocab = Vocabulary(self.codebook.vocab.terms)
        unit_bags = Bags.build(bags, vocab, grow=True)
        weights = unit_bags.weights(self._idf(vocab, unit_bags))
        combined = project(unit_bags, weights, self._with_aliases(vocab, self._positive_t))
        combined -= project(unit_bags, weights, self._negative_t)
        phrases = [self._phrases(a) for a in analyses]
        for row, found in enumerate(phrases):
            for code in {code for code, *_ in found}:
                combined[row, code] += PHRASE_BONUS
        combined *= self._code_factor
        sizes = np.asarray([len(set(bag)) for bag in bags], dtype=np.float32)
        combined *= np.sqrt(np.minimum(1.0, sizes / SHORT_UNIT))[:, None]
        if self.pipeline.has_vectors:
            combined += VECTOR_WEIGHT * self._vector_similarity(vocab, unit_bags, weights)
        final = 1.0 - np.exp(-np.clip(combined, 0, None) / SCALE)
        return _Block(final, unit_bags, weights, phrases)

    def _vector_similarity(
        self, vocab: Vocabulary, unit_bags: Bags, weights: np.ndarray
    ) -> np.ndarray:
        """Cosine of tf-idf-weighted mean word vectors, centred so that shared
        everyday words do not make everything look alike. Only with a pipeline that
        ships vectors (e.g. en_core_web_md); catches synonyms no keyword lists."""
        vectors = self.pipeline.term_vectors(vocab.terms)
        assert vectors is not None
        known = self._positive_t.shape[0]
        codes = self._positive_t.T @ vectors[:known]
        units = project(unit_bags, weights, vectors)
        centre = (
            units.mean(axis=0, keepdims=True)
            if len(units) > 1
            else codes.mean(axis=0, keepdims=True)
        )
        units = _normalise(units - centre)
        codes = _normalise(codes - centre)
        return np.clip(units @ codes.T, 0.0, None)

    def _idf(self, vocab: Vocabulary, unit_bags: Bags) -> np.ndarray:
        if self._corpus_size:
            df = np.asarray(
                [self._corpus_df.get(term, 0) for term in vocab.terms], dtype=np.float32
            )
            return smooth_idf(df, self._corpus_size)
        return smooth_idf(unit_bags.document_frequency(len(vocab)), len(unit_bags))

    def _with_aliases(self, vocab: Vocabulary, matrix_t: np.ndarray) -> np.ndarray:
        """Extend the codebook's term rows with rows for close misspellings of them."""
        known = len(self.codebook.vocab)
        extra = vocab.terms[known:]
        rows = np.zeros((len(vocab), matrix_t.shape[1]), dtype=np.float32)
        rows[:known] = matrix_t
        for offset, term in enumerate(extra):
            alias = self._alias(term)
            if alias is not None:
                target, similarity = alias
                rows[known + offset] = matrix_t[target] * similarity
        return rows

    def _alias(self, term: str) -> tuple[int, float] | None:
        if term in self._fuzzy:
            return self._fuzzy[term]
        found: tuple[int, float] | None = None
        if len(term) >= FUZZY_MIN_LENGTH and term.isalpha():
            match = process.extractOne(
                term,
                self._fuzzy_targets,
                scorer=fuzz.ratio,
                score_cutoff=FUZZY_CUTOFF,
            )
            if match is not None and len(match[0]) >= FUZZY_MIN_LENGTH:
                found = (int(match[2]), float(match[1]) / 100.0)
        self._fuzzy[term] = found
        return found

    def _phrases(self, analysis: Analysis) -> list[tuple[int, int, int, str]]:
        found: list[tuple[int, int, int, str]] = []
        lemmas = analysis.lemmas
        table = self.codebook.phrases
        for i, lemma in enumerate(lemmas):
            for phrase in table.get(lemma, ()):
                size = len(phrase.lemmas)
                if lemmas[i : i + size] == phrase.lemmas:
                    found.append((phrase.code, i, i + size, phrase.text))
        return found

    # -- reasons ------------------------------------------------------------------------

    def _token_columns(
        self, analysis: Analysis, unit: TextUnit
    ) -> list[tuple[str, int, int, int, bool, str]]:
        """(lemma, start, end, codebook column, fuzzy?, words as said) for each content
        token the codebook knows, worked out once per unit for all its suggestions."""
        if self._tokens_for is analysis:
            return self._tokens
        index = self.codebook.vocab.index
        out: list[tuple[str, int, int, int, bool, str]] = []
        for lemma, start, end, keep in zip(
            analysis.lemmas, analysis.starts, analysis.ends, analysis.content, strict=True
        ):
            if not keep:
                continue
            column = index.get(lemma)
            fuzzy = False
            if column is None:
                alias = self._alias(lemma)
                if alias is None:
                    continue
                column, fuzzy = alias[0], True
            said = unit.text[start - unit.start : end - unit.start].lower() or lemma
            out.append((lemma, start, end, column, fuzzy, said))
        self._tokens_for, self._tokens = analysis, out
        return out

    def _explain(
        self, block: _Block, row: int, code: int, analysis: Analysis, unit: TextUnit
    ) -> Suggestion:
        description = self.codes[code]
        matched: list[MatchedTerm] = []
        reasons: list[str] = []
        for phrase_code, first, last, text in block.phrases[row]:
            if phrase_code == code:
                matched.append(
                    MatchedTerm(text, analysis.starts[first], analysis.ends[last - 1], "keywords")
                )
                reason = f'keyword phrase "{text}"'
                if reason not in reasons:
                    reasons.append(reason)
        words: list[tuple[float, str]] = []
        fuzzy_words: list[str] = []
        excluded: list[str] = []
        seen: set[str] = set()
        tokens = self._token_columns(analysis, unit)
        if tokens:
            columns = [t[3] for t in tokens]
            positive = self._positive_t[columns, code].tolist()
            negative = self._negative_t[columns, code].tolist()
            for (lemma, start, end, column, fuzzy, said), plus, minus in zip(
                tokens, positive, negative, strict=True
            ):
                if plus > 0:
                    term = self.codebook.vocab.terms[column]
                    field = self.codebook.fields.get((code, column), "definition")
                    matched.append(MatchedTerm(term, start, end, field, fuzzy))
                    if lemma not in seen:
                        seen.add(lemma)
                        if fuzzy:
                            fuzzy_words.append(f'"{said}" ~ "{term}"')
                        else:
                            words.append((plus, f"{said} ({_field(field)})"))
                elif minus > 0 and lemma not in seen:
                    seen.add(lemma)
                    excluded.append(said)
        if words:
            ordered = [text for _, text in sorted(words, key=lambda w: -w[0])]
            reasons.append("codebook words: " + ", ".join(ordered[:6]))
        if fuzzy_words:
            reasons.append("close spellings: " + ", ".join(fuzzy_words[:3]))
        closest = self._closest(block, row, code)
        if closest is not None:
            where = f" in {closest.source}" if closest.source else ""
            reasons.append(
                f"like a passage {closest.coder} coded{where} (similarity {closest.similarity:.2f})"
            )
        examples = int(self.examples_per_code[code])
        rejections = int(self.rejections_per_code[code])
        if examples or rejections:
            learnt = f"learnt from {examples} coded example{'s' if examples != 1 else ''}"
            if rejections:
                learnt += f" and {rejections} rejection{'s' if rejections != 1 else ''}"
            reasons.append(learnt)
        if excluded:
            reasons.append("lowered by words in its exclusion criteria: " + ", ".join(excluded[:4]))
        if not reasons:
            reasons.append("similar wording to the code's description")
        return Suggestion(
            code_uuid=description.uuid,
            code_path=description.path,
            score=round(float(block.final[row, code]), 3),
            reasons=tuple(reasons),
            matched=tuple(sorted(matched, key=lambda m: m.start)),
            closest=closest,
            examples=examples,
        )

    def _closest(self, block: _Block, row: int, code: int) -> ClosestExample | None:
        members = self._positive_members.get(code)
        if not members:
            return None
        span = slice(block.bags.offsets[row], block.bags.offsets[row + 1])
        terms, weights = block.bags.terms[span], block.weights[span]
        inside = terms < self._example_matrix_t.shape[0]
        sims = weights[inside] @ self._example_matrix_t[terms[inside]][:, members]
        if sims.size == 0:
            return None
        best = int(np.argmax(sims))
        if sims[best] <= MIN_EXAMPLE_SIMILARITY:
            return None
        example = self._examples[members[best]]
        return ClosestExample(
            example.source,
            example.start,
            example.end,
            example.text,
            example.coder,
            round(float(sims[best]), 2),
        )


_FIELD_NAMES = {
    "keywords": "keyword",
    "parent": "parent code",
    "coded": "from coded passages",
}


def _field(name: str) -> str:
    return _FIELD_NAMES.get(name, name)


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def _widen(matrix: np.ndarray, width: int) -> np.ndarray:
    wider = np.zeros((matrix.shape[0], width), dtype=np.float32)
    wider[:, : matrix.shape[1]] = matrix
    return wider
