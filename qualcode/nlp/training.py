"""Learning from a project's coding: the learner, the blend and the thresholds.

Training units are the team's coded passages (one per distinct span, carrying every
code anyone gave it) and rejected suggestions (a negative for that code only); all
of them, with no cap, so frequent codes stay frequent. Held-out predictions from
k-fold cross-validation choose how much the learner is trusted beside the codebook
and the code's frequency, and where the threshold lies; the learner is then fitted
on everything. If held-out coding shows the learner does not help, it is left out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from qualcode.domain.suggestions import CodeDescription, TrainingExample
from qualcode.nlp.calibration import (
    Blend,
    choose_threshold,
    fit_blend,
    per_code_thresholds,
)
from qualcode.nlp.embeddings import Embedder, embedder_name
from qualcode.nlp.engine import features
from qualcode.nlp.learned import Fitted, LearnedModel, StoredExample
from qualcode.nlp.learner import Weights, fit
from qualcode.nlp.pipeline import Analysis, Pipeline
from qualcode.nlp.termspace import Vocabulary, content_lemmas
from qualcode.nlp.zero_shot import CodebookScorer, CorpusStats

FOLDS = 5
MIN_ROWS = 20  # coded passages before learning is tried: 5 folds of at least 4


def codebook_fingerprint(codes: Sequence[CodeDescription]) -> str:
    described = [
        [c.uuid, c.path, c.parent_uuid, c.definition, c.include, c.exclude, c.example, *c.keywords]
        for c in codes
    ]
    return hashlib.sha256(json.dumps(described).encode("utf-8")).hexdigest()[:16]


@dataclass(slots=True)
class _Rows:
    texts: list[str]
    analyses: list[Analysis]  # of the texts
    labels: np.ndarray  # rows x codes
    known: np.ndarray
    examples: list[StoredExample]


def _rows(examples: Sequence[TrainingExample], index: dict[str, int], pipeline: Pipeline) -> _Rows:
    """One row per distinct passage: coded passages know every code, rejections one."""
    by_span: dict[tuple[str, int, int, str], tuple[set[int], set[int]]] = {}
    for example in examples:
        code = index.get(example.code_uuid)
        if code is None or not example.text.strip():
            continue
        key = (example.source, example.start, example.end, example.text)
        positives, negatives = by_span.setdefault(key, (set(), set()))
        (positives if example.positive else negatives).add(code)
    texts = [key[3] for key in by_span]
    labels = np.zeros((len(texts), len(index)), dtype=bool)
    known = np.zeros_like(labels)
    for row, (positives, negatives) in enumerate(by_span.values()):
        if positives:
            known[row] = True
            labels[row, list(positives)] = True
        known[row, list(negatives)] = True
    kept = [e for e in examples if e.code_uuid in index and e.text.strip()]
    distinct = list(dict.fromkeys(e.text for e in kept))  # each text analysed once
    by_text = dict(zip(distinct, pipeline.analyse(distinct), strict=True))
    analyses = [by_text[e.text] for e in kept]
    stored = [
        StoredExample(
            e.code_uuid,
            e.positive,
            e.coder,
            e.source,
            e.start,
            e.end,
            e.text,
            tuple(content_lemmas(a)),
        )
        for e, a in zip(kept, analyses, strict=True)
    ]
    return _Rows(texts, [by_text[t] for t in texts], labels, known, stored)


def _log_prior(labels: np.ndarray, known: np.ndarray) -> np.ndarray:
    coded = known.all(axis=1) if known.size else np.zeros(0, dtype=bool)
    counts = labels[coded].sum(axis=0).astype(np.float64)
    # Add-one smoothing: a code nobody has used yet is rare, not impossible.
    return np.log((counts + 1.0) / (coded.sum() + labels.shape[1])).astype(np.float32)


def _top1(probabilities: np.ndarray, labels: np.ndarray) -> float:
    rows = np.flatnonzero(labels.any(axis=1))
    if not len(rows):
        return 0.0
    best = probabilities[rows].argmax(axis=1)
    return float(labels[rows, best].mean())


def _ranks_better(learned: np.ndarray, codebook: np.ndarray, labels: np.ndarray) -> bool:
    """Does the learned blend put a right code first on more held-out passages than
    the codebook alone, by more than chance would (a one-sigma sign test on the
    passages where the two disagree)?"""
    rows = np.flatnonzero(labels.any(axis=1))
    if not len(rows):
        return False
    right_learned = labels[rows, learned[rows].argmax(axis=1)]
    right_codebook = labels[rows, codebook[rows].argmax(axis=1)]
    wins = int((right_learned & ~right_codebook).sum())
    losses = int((right_codebook & ~right_learned).sum())
    return wins - losses > np.sqrt(wins + losses)


def train(
    codes: Sequence[CodeDescription],
    pipeline: Pipeline,
    embedder: Embedder | None,
    examples: Sequence[TrainingExample],
    *,
    stats: CorpusStats,
    corpus: str = "",
    scorer: CodebookScorer | None = None,
    folds: int = FOLDS,
    seed: int = 7,
) -> LearnedModel:
    """Everything suggestions need, from the statistics and the coding so far."""
    started = datetime.now(UTC).isoformat()
    scorer = scorer or CodebookScorer(codes, pipeline, embedder)
    index = {code.uuid: i for i, code in enumerate(scorer.codes)}
    rows = _rows(examples, index, pipeline)
    fitted: Fitted | None = None
    coded_rows = int(rows.known.all(axis=1).sum()) if len(rows.texts) else 0
    if coded_rows >= MIN_ROWS and rows.labels.any(axis=0).sum() >= 2:
        fitted = _fit(scorer, stats, rows, folds, seed)
    return LearnedModel(
        pipeline=pipeline.name,
        embedder=embedder_name(embedder),
        trained_at=started,
        codebook=codebook_fingerprint(scorer.codes),
        corpus=corpus,
        code_uuids=tuple(c.uuid for c in scorer.codes),
        stats=stats,
        examples=tuple(rows.examples),
        fitted=fitted,
    )


def _fit(scorer: CodebookScorer, stats: CorpusStats, rows: _Rows, folds: int, seed: int) -> Fitted:
    analyses = rows.analyses
    raw = scorer.raw(rows.texts, analyses, stats)
    words, meaning = scorer.standardised(raw, stats)
    terms = Vocabulary(raw.vocab.terms[i] for i in np.unique(raw.bags.terms))
    x = features(raw, terms)
    labels, known = rows.labels, rows.known
    n = len(rows.texts)
    folds = max(2, min(folds, n))
    order = np.random.default_rng(seed).permutation(n)
    assignment = np.empty(n, dtype=np.int64)
    assignment[order] = np.arange(n) % folds
    held_logits = np.zeros(labels.shape, dtype=np.float32)
    held_prior = np.zeros(labels.shape, dtype=np.float32)
    for fold in range(folds):
        test = np.flatnonzero(assignment == fold)
        train_rows = np.flatnonzero(assignment != fold)
        weights = fit(x.rows(train_rows), labels[train_rows], known[train_rows])
        # The learner's evidence beyond its base rate: the prior is a signal of its own.
        held_logits[test] = weights.logits(x.rows(test)) - weights.intercept
        held_prior[test] = _log_prior(labels[train_rows], known[train_rows])

    start = scorer.zero_weights()
    with_learner = fit_blend([words, meaning, held_logits, held_prior], labels, known, start)
    without = fit_blend([words, meaning, held_prior], labels, known, start)
    p_with = with_learner.probabilities(words, meaning, held_logits, held_prior)
    p_without = without.probabilities(words, meaning, held_prior)
    suggestable = scorer.suggestable | labels.any(axis=0)
    top_with = _top1(p_with * suggestable, labels)
    top_without = _top1(p_without * suggestable, labels)
    learned = p_with if top_with >= top_without else p_without
    codebook = scorer.zero_probability(words, meaning, suggestable)
    codebook_only = not _ranks_better(learned * suggestable, codebook, labels)
    if codebook_only:
        # Held-out coding says the codebook alone still ranks better: keep to it, and
        # only let the coding choose the threshold.
        blend = Blend((*start, 0.0), scorer.zero_intercept())
        uses_learner = False
        held = blend.probabilities(words, meaning, held_prior) * suggestable
    else:
        uses_learner = top_with >= top_without
        blend = with_learner if uses_learner else without
        held = (p_with if uses_learner else p_without) * suggestable
    threshold = choose_threshold(held, labels, known)
    reason = (
        ("the codebook alone ranked your coding best so far; " if codebook_only else "")
        + f"{threshold.reason} on {folds}-fold cross-validation of {n} coded or rejected "
        f"passages (precision {threshold.precision:.2f}, recall {threshold.recall:.2f})"
    )
    threshold = type(threshold)(
        threshold.value, threshold.precision, threshold.recall, threshold.f1, reason
    )
    thresholds = per_code_thresholds(held, labels, known, threshold.value)
    final = fit(x, labels, known)
    return Fitted(
        terms=tuple(terms.terms),
        weights=Weights(final.sparse, final.dense, np.zeros_like(final.intercept)),
        blend=blend,
        prior=_log_prior(labels, known),
        thresholds=thresholds,
        threshold=threshold,
        uses_learner=uses_learner,
        rows=n,
    )
