"""How good are the suggestions? Ranking and threshold measures, with a baseline.

recall@3 alone flatters a model (three guesses from a handful of frequent codes go a
long way), so every figure is reported beside the trivial "always suggest the most
frequent codes" baseline, and per code beside how many examples it had.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from qualcode.domain.suggestions import (
    CodeDescription,
    CodeEvaluation,
    Evaluation,
    LearningPoint,
    Scores,
    TrainingExample,
)
from qualcode.nlp.pipeline import Analysis

Gold = frozenset[int]  # indices into the codebook's codes


@dataclass(frozen=True, slots=True)
class LabelledUnit:
    """A unit with the codes people gave it; ``example`` turns it into training data."""

    analysis: Analysis
    text: str
    gold: Gold
    source: str = ""
    start: int = 0
    end: int = 0
    coder: str = ""


def measure(scores: np.ndarray, gold: Sequence[Gold], threshold: float | np.ndarray) -> Scores:
    """Ranking (top-1, recall@3) and decision (P, R, F1 at ``threshold``) measures.

    ``threshold`` is one number, one per code, or one per unit and code."""
    if len(gold) == 0:
        return Scores(0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :3]
    top1 = float(np.mean([order[i, 0] in g for i, g in enumerate(gold)]))
    recalls = [len(set(order[i].tolist()) & g) / len(g) for i, g in enumerate(gold) if g]
    recall3 = float(np.mean(recalls)) if recalls else 0.0
    passing = scores >= np.broadcast_to(np.asarray(threshold, dtype=np.float32), scores.shape)
    predicted = [set(np.flatnonzero(passing[i]).tolist()) for i in range(len(gold))]
    return _decisions(predicted, gold, top1, recall3)


def _decisions(
    predicted: Sequence[set[int]], gold: Sequence[Gold], top1: float, recall3: float
) -> Scores:
    tp = sum(len(p & g) for p, g in zip(predicted, gold, strict=True))
    fp = sum(len(p - g) for p, g in zip(predicted, gold, strict=True))
    fn = sum(len(g - p) for p, g in zip(predicted, gold, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    per_code = per_code_f1(predicted, gold)
    macro = float(np.mean([f for _, _, f in per_code.values()])) if per_code else 0.0
    return Scores(top1, recall3, precision, recall, _f1(precision, recall), macro)


def per_code_f1(
    predicted: Sequence[set[int]], gold: Sequence[Gold]
) -> dict[int, tuple[float, float, float]]:
    """Precision, recall and F1 for every code that people used."""
    codes = set().union(*gold) if gold else set()
    out: dict[int, tuple[float, float, float]] = {}
    for code in codes:
        tp = sum(1 for p, g in zip(predicted, gold, strict=True) if code in p and code in g)
        fp = sum(1 for p, g in zip(predicted, gold, strict=True) if code in p and code not in g)
        fn = sum(1 for p, g in zip(predicted, gold, strict=True) if code not in p and code in g)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        out[code] = (precision, recall, _f1(precision, recall))
    return out


def baseline_scores(train_gold: Sequence[Gold], units: int, codes: int) -> tuple[np.ndarray, int]:
    """Scores that rank codes by how often they were used in training, for every unit,
    and how many codes the baseline should predict (the typical number per unit)."""
    frequency = Counter(code for g in train_gold for code in g)
    row = np.zeros(codes, dtype=np.float32)
    for rank, (code, _) in enumerate(frequency.most_common()):
        row[code] = 1.0 - rank / (len(frequency) + 1)
    per_unit = round(float(np.mean([len(g) for g in train_gold]))) if train_gold else 1
    return np.tile(row, (units, 1)), max(1, per_unit)


Ranked = np.ndarray | tuple[np.ndarray, np.ndarray]  # scores, or scores and thresholds
Rank = Callable[[Sequence[TrainingExample], Sequence[LabelledUnit]], Ranked]


def cross_validate(
    units: Sequence[LabelledUnit],
    codes: Sequence[CodeDescription],
    rank: Rank,
    *,
    folds: int,
    threshold: float = 0.5,
    seed: int = 7,
    curve: Sequence[int] = (),
) -> Evaluation:
    """k-fold: train on the other folds' units, score this fold's, pool the results.

    ``rank(training_examples, units)`` returns scores units x codes, or the scores
    and the per-code thresholds the trained model chose (``threshold`` is used when
    it returns scores only). ``curve`` lists training sizes for a learning curve:
    each fold trains on that many of its training units (drawn at random, the same
    draw growing with the size), always tested on the same held-out units; 0 is the
    codebook alone.
    """
    if len(units) < 2:
        raise ValueError("at least two coded units are needed to evaluate")
    folds = max(2, min(folds, len(units)))
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(units))
    assignment = np.empty(len(units), dtype=np.int64)
    assignment[order] = np.arange(len(units)) % folds
    draws = {fold: rng.permutation(np.flatnonzero(assignment != fold)) for fold in range(folds)}
    gold = [u.gold for u in units]
    smallest = min(len(d) for d in draws.values())
    sizes = sorted({int(n) for n in curve if 0 <= n < smallest})

    def run(size: int | None) -> tuple[np.ndarray, np.ndarray, list[set[int]], np.ndarray]:
        scores = np.zeros((len(units), len(codes)), dtype=np.float32)
        cuts = np.zeros((len(units), len(codes)), dtype=np.float32)
        baseline = np.zeros_like(scores)
        predicted: list[set[int]] = [set() for _ in units]
        for fold in range(folds):
            test = np.flatnonzero(assignment == fold)
            train = draws[fold] if size is None else draws[fold][:size]
            examples = [
                TrainingExample(
                    codes[code].uuid,
                    units[i].text,
                    True,
                    units[i].coder,
                    units[i].source,
                    units[i].start,
                    units[i].end,
                )
                for i in sorted(train)
                for code in sorted(units[i].gold)
            ]
            ranked = rank(examples, [units[int(i)] for i in test])
            fold_scores, fold_cuts = ranked if isinstance(ranked, tuple) else (ranked, threshold)
            scores[test] = fold_scores
            cuts[test] = fold_cuts
            fold_baseline, how_many = baseline_scores(
                [units[i].gold for i in train], len(test), len(codes)
            )
            baseline[test] = fold_baseline
            top: Sequence[int] = (
                np.argsort(-fold_baseline[0], kind="stable")[:how_many].tolist()
                if len(test)
                else []
            )
            for i in test:
                predicted[i] = {int(c) for c in top if fold_baseline[0, c] > 0}
        return scores, cuts, predicted, baseline

    def scored(scores: np.ndarray, cuts: np.ndarray) -> Scores:
        return measure(scores, gold, cuts)

    def most_frequent(predicted: list[set[int]], baseline: np.ndarray) -> Scores:
        ranked = measure(baseline, gold, np.inf)
        return _decisions(predicted, gold, ranked.top1, ranked.recall_at_3)

    points: list[LearningPoint] = []
    zero: Scores | None = None
    for size in sizes:
        scores, cuts, predicted, baseline = run(size)
        points.append(LearningPoint(size, scored(scores, cuts), most_frequent(predicted, baseline)))
        if size == 0:
            zero = points[-1].model
    model_scores, cuts, base_predicted, baseline = run(None)
    model = scored(model_scores, cuts)
    base = most_frequent(base_predicted, baseline)
    if sizes:
        points.append(LearningPoint(int(min(len(d) for d in draws.values())), model, base))
    predicted = [
        set(np.flatnonzero(model_scores[i] >= cuts[i]).tolist()) for i in range(len(units))
    ]
    per_code = per_code_f1(predicted, gold)
    counts = Counter(code for g in gold for code in g)
    rows = tuple(
        CodeEvaluation(codes[code].uuid, codes[code].path, counts[code], *per_code[code])
        for code in sorted(per_code, key=lambda c: (-counts[c], codes[c].path))
    )
    typical = float(np.median(cuts)) if cuts.size else threshold
    return Evaluation(
        len(units), folds, typical, model, base, rows, zero_shot=zero, curve=tuple(points)
    )


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0
