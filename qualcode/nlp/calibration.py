"""Turning raw evidence into probabilities, and choosing where to draw the line.

With coding, the zero-shot score, the learner's logit and the code's frequency are
blended by a small logistic regression fitted on held-out predictions (cross-
validation over the project's own coded units): its weights say how far to trust each
signal, so with little coding the codebook counts most, and its output is a
probability that a unit carries the code. The threshold that turns probabilities
into suggestions is chosen on the same held-out predictions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SHRINK = 50.0  # pulls the blend toward the codebook-only weights until coding outweighs it
RECALL_FLOOR = 0.6  # "most passages where a code applies get a suggestion"
MIN_POSITIVES_PER_CODE = 30  # below this a code uses the project's threshold
UNLABELLED_SHARE = 0.8  # no coding yet: four in five passages get a suggestion


@dataclass(frozen=True, slots=True)
class Blend:
    """logit = intercept + sum(weight * signal), the same for every code."""

    weights: tuple[float, ...]
    intercept: float

    def probabilities(self, *signals: np.ndarray) -> np.ndarray:
        logits = np.full(signals[0].shape, self.intercept, dtype=np.float64)
        for weight, signal in zip(self.weights, signals, strict=True):
            logits += weight * signal
        return (1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))).astype(np.float32)


def fit_blend(
    signals: list[np.ndarray],
    labels: np.ndarray,
    known: np.ndarray,
    start: Sequence[float] | None = None,
) -> Blend:
    """Newton's method on the pooled (unit, code) pairs whose label is known, with a
    Gaussian prior on the weights centred on ``start`` (the codebook-only blend), so
    that a little coding moves them a little and much coding moves them freely."""
    mask = known.ravel()
    x = np.column_stack([np.ones(int(mask.sum()))] + [s.ravel()[mask] for s in signals])
    y = labels.ravel()[mask].astype(np.float64)
    centre = np.zeros(x.shape[1])
    if start is not None:
        centre[1 : 1 + len(start)] = start
    beta = centre.copy()
    rate = float(np.clip(y.mean(), 1e-6, 1 - 1e-6)) if len(y) else 0.5
    beta[0] = np.log(rate / (1 - rate))
    ridge = SHRINK * np.eye(x.shape[1])
    ridge[0, 0] = 0.0

    def objective(b: np.ndarray) -> float:
        z = x @ b
        offset = b - centre
        return float(np.sum(np.logaddexp(0, z) - y * z) + 0.5 * offset @ ridge @ offset)

    current = objective(beta)
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -30, 30)))
        gradient = x.T @ (p - y) + ridge @ (beta - centre)
        hessian = (x * (p * (1 - p))[:, None]).T @ x + ridge + 1e-6 * np.eye(x.shape[1])
        change = np.linalg.solve(hessian, gradient)
        step = 1.0
        while step > 1e-4:  # damped Newton: never let the loss go up
            trial = beta - step * change
            value = objective(trial)
            if value <= current:
                break
            step /= 2
        else:
            break
        beta, improvement, current = trial, current - value, value
        if improvement < 1e-9 * max(1.0, abs(current)):
            break
    return Blend(tuple(float(b) for b in beta[1:]), float(beta[0]))


@dataclass(frozen=True, slots=True)
class Threshold:
    value: float
    precision: float
    recall: float
    f1: float
    reason: str


def choose_threshold(probabilities: np.ndarray, labels: np.ndarray, known: np.ndarray) -> Threshold:
    """The best F1 among thresholds that keep recall at least RECALL_FLOOR (or the
    best F1 outright if none does), on held-out probabilities."""
    scores = probabilities[known]
    gold = labels[known].astype(bool)
    positives = int(gold.sum())
    if positives == 0 or len(scores) == 0:
        return Threshold(0.5, 0.0, 0.0, 0.0, "no coded examples to choose from")
    order = np.argsort(-scores, kind="stable")
    ranked, hits = scores[order], gold[order]
    tp = np.cumsum(hits)
    taken = np.arange(1, len(ranked) + 1)
    # Only positions where the next score differs are real thresholds.
    last = np.r_[ranked[1:] != ranked[:-1], True]
    precision = (tp / taken)[last]
    recall = (tp / positives)[last]
    total = np.maximum(precision + recall, 1e-12)
    f1 = np.where(precision + recall > 0, 2 * precision * recall / total, 0.0)
    cut = ranked[last]
    enough = recall >= RECALL_FLOOR
    candidates = np.flatnonzero(enough) if enough.any() else np.arange(len(cut))
    best = int(candidates[np.argmax(f1[candidates])])
    why = (
        f"the best F1 that keeps recall at least {RECALL_FLOOR:.1f}"
        if enough.any()
        else "the best F1 (no threshold reaches recall " + f"{RECALL_FLOOR:.1f})"
    )
    return Threshold(
        float(cut[best]), float(precision[best]), float(recall[best]), float(f1[best]), why
    )


def per_code_thresholds(
    probabilities: np.ndarray, labels: np.ndarray, known: np.ndarray, project: float
) -> np.ndarray:
    """The project's threshold, or a code's own where it has enough coded examples."""
    out = np.full(labels.shape[1], project, dtype=np.float32)
    for code in range(labels.shape[1]):
        column_known = known[:, code]
        if int(labels[column_known, code].sum()) >= MIN_POSITIVES_PER_CODE:
            out[code] = choose_threshold(
                probabilities[:, [code]], labels[:, [code]], known[:, [code]]
            ).value
    return out


def share_threshold(probabilities: np.ndarray, share: float = UNLABELLED_SHARE) -> float:
    """With no coding to learn from: the threshold at which ``share`` of the units
    get at least one suggestion."""
    if probabilities.size == 0:
        return 0.5
    best = probabilities.max(axis=1)
    return float(np.quantile(best, 1.0 - share))
