"""One-vs-rest logistic regression on lemma tf-idf plus sentence vectors, in NumPy.

Every code gets its own weights and intercept, fitted together by accelerated
gradient descent on the mean logistic loss plus an L2 penalty of ``1 / n`` (the same
strength as scikit-learn's default C = 1). The loss is convex and every feature row,
with the intercept's 1, has squared length at most 3 (a unit tf-idf vector beside a
unit sentence vector), so a fixed step of 1 / (3/4 + penalty) is safe and a few
hundred steps converge.

Labels come with a mask: a coded unit is a positive for its codes and a negative for
every other code; a rejected suggestion is a negative for that code only, and says
nothing about the others.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STEPS = 200
TOLERANCE = 1e-4  # relative change of the loss at which fitting stops early


@dataclass(slots=True)
class Features:
    """Rows of sparse tf-idf (CSR arrays over term ids) beside dense sentence vectors."""

    terms: np.ndarray  # int64 term id per entry
    values: np.ndarray  # float32 weight per entry
    offsets: np.ndarray  # int64, rows + 1
    dense: np.ndarray  # float32 rows x dimensions
    width: int  # number of term columns

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def rows(self, which: np.ndarray) -> Features:
        pieces = [np.arange(self.offsets[i], self.offsets[i + 1]) for i in which]
        entries = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
        lengths = np.diff(self.offsets)[which]
        offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        return Features(
            self.terms[entries], self.values[entries], offsets, self.dense[which], self.width
        )

    def owners(self) -> np.ndarray:
        return np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.offsets))


@dataclass(frozen=True, slots=True)
class Weights:
    sparse: np.ndarray  # terms x codes
    dense: np.ndarray  # dimensions x codes
    intercept: np.ndarray  # codes

    def logits(self, x: Features) -> np.ndarray:
        out = x.dense @ self.dense + self.intercept
        if len(x.terms):
            known = x.terms < self.sparse.shape[0]
            contributions = self.sparse[x.terms[known]] * x.values[known, None]
            owners = x.owners()[known]
            if len(owners):
                starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
                out[owners[starts]] += np.add.reduceat(contributions, starts, axis=0)
        return out.astype(np.float32)


def fit(x: Features, labels: np.ndarray, known: np.ndarray) -> Weights:
    """Fit every code at once. ``labels`` and ``known`` are rows x codes booleans."""
    rows, codes = labels.shape
    y = labels.astype(np.float32)
    mask = known.astype(np.float32)
    counts = np.maximum(mask.sum(axis=0), 1.0)
    penalty = 1.0 / max(rows, 1)
    # Start from each code's base rate, so early steps learn words, not frequencies.
    rate = np.clip((y * mask).sum(axis=0) / counts, 1e-3, 1 - 1e-3)
    weights = Weights(
        np.zeros((x.width, codes), dtype=np.float32),
        np.zeros((x.dense.shape[1], codes), dtype=np.float32),
        np.log(rate / (1 - rate)).astype(np.float32),
    )
    if rows == 0:
        return weights
    owners = x.owners()
    by_term = np.argsort(x.terms, kind="stable")
    sorted_terms = x.terms[by_term]
    term_starts = np.flatnonzero(np.r_[True, sorted_terms[1:] != sorted_terms[:-1]])
    step = 1.0 / (0.75 + penalty)  # 1 / Lipschitz bound of the mean loss's gradient
    momentum = weights
    previous_loss = np.inf
    t = 1.0
    for _ in range(STEPS):
        logits = momentum.logits(x)
        probabilities = _sigmoid(logits)
        error = (probabilities - y) * mask / counts  # each code's loss is its mean
        dense_grad = x.dense.T @ error + penalty * momentum.dense
        sparse_grad = penalty * momentum.sparse
        if len(x.terms):
            contributions = (error[owners] * x.values[:, None])[by_term]
            sparse_grad[sorted_terms[term_starts]] += np.add.reduceat(
                contributions, term_starts, axis=0
            )
        updated = Weights(
            momentum.sparse - step * sparse_grad,
            momentum.dense - step * dense_grad,
            momentum.intercept - step * error.sum(axis=0),
        )
        t_next = (1 + np.sqrt(1 + 4 * t * t)) / 2
        blend = (t - 1) / t_next
        momentum = Weights(
            updated.sparse + blend * (updated.sparse - weights.sparse),
            updated.dense + blend * (updated.dense - weights.dense),
            updated.intercept + blend * (updated.intercept - weights.intercept),
        )
        weights, t = updated, t_next
        loss = _loss(logits, y, mask, counts)
        if abs(previous_loss - loss) <= TOLERANCE * abs(loss):
            break
        previous_loss = loss
    return weights


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def _loss(logits: np.ndarray, y: np.ndarray, mask: np.ndarray, counts: np.ndarray) -> float:
    per = np.logaddexp(0, logits) - y * logits
    return float(((per * mask).sum(axis=0) / counts).sum())
