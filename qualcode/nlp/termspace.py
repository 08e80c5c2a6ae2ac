"""Bags of lemmas as numpy vectors: the shared space every signal scores in.

Units are kept as flat arrays (token term ids plus where each unit starts), so a
million words score with a few array operations instead of a Python loop per pair.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from qualcode.nlp.pipeline import Analysis

_CHUNK = 20_000  # tokens per block: bounds memory at chunk x codes floats


class Vocabulary:
    """Term <-> column index; grows as new words are seen."""

    def __init__(self, terms: Iterable[str] = ()) -> None:
        self.index: dict[str, int] = {}
        self.terms: list[str] = []
        for term in terms:
            self.add(term)

    def add(self, term: str) -> int:
        found = self.index.get(term)
        if found is None:
            found = len(self.terms)
            self.index[term] = found
            self.terms.append(term)
        return found

    def __len__(self) -> int:
        return len(self.terms)


def content_lemmas(analysis: Analysis, start: int = 0, end: int | None = None) -> list[str]:
    """The meaning-carrying lemmas of ``analysis`` between two character offsets."""
    stop = end if end is not None else (analysis.ends[-1] if analysis.ends else 0)
    return [
        lemma
        for lemma, s, e, keep in zip(
            analysis.lemmas, analysis.starts, analysis.ends, analysis.content, strict=True
        )
        if keep and s >= start and e <= stop
    ]


@dataclass(slots=True)
class Bags:
    """Many bags of terms: ``terms[offsets[i]:offsets[i+1]]`` is bag i, counted."""

    terms: np.ndarray  # int32 term ids, one per distinct term per bag
    counts: np.ndarray  # float32 how often it occurs in the bag
    offsets: np.ndarray  # int64, len = bags + 1

    @classmethod
    def build(cls, bags: Sequence[Sequence[str]], vocab: Vocabulary, *, grow: bool) -> Bags:
        terms: list[int] = []
        counts: list[float] = []
        offsets = [0]
        index = vocab.index
        for bag in bags:
            for term, n in Counter(bag).items():
                column = vocab.add(term) if grow else index.get(term)
                if column is None:
                    continue
                terms.append(column)
                counts.append(float(n))
            offsets.append(len(terms))
        return cls(
            np.asarray(terms, dtype=np.int32),
            np.asarray(counts, dtype=np.float32),
            np.asarray(offsets, dtype=np.int64),
        )

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def owners(self) -> np.ndarray:
        """For every entry, the index of the bag it belongs to."""
        return np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.offsets))

    def document_frequency(self, size: int) -> np.ndarray:
        return np.bincount(self.terms, minlength=size).astype(np.float32)[:size]

    def weights(self, idf: np.ndarray) -> np.ndarray:
        """Sublinear tf times idf, L2-normalised per bag."""
        values = (1.0 + np.log(self.counts)) * idf[self.terms]
        norms = np.sqrt(_sum_by_bag(values * values, self.offsets))
        norms[norms == 0] = 1.0
        return (values / norms[self.owners()]).astype(np.float32)


def smooth_idf(df: np.ndarray, documents: int) -> np.ndarray:
    return (np.log((documents + 1.0) / (df + 1.0)) + 1.0).astype(np.float32)


def project(bags: Bags, weights: np.ndarray, matrix_t: np.ndarray) -> np.ndarray:
    """Dot every bag with every row of a (terms x rows) matrix: returns bags x rows.

    Blocked over tokens so memory stays at ``_CHUNK x rows`` however large the corpus.
    """
    rows = matrix_t.shape[1]
    out = np.zeros((len(bags), rows), dtype=np.float32)
    if len(bags.terms) == 0 or rows == 0:
        return out
    owners = bags.owners()
    in_range = bags.terms < matrix_t.shape[0]
    terms, values, owners = bags.terms[in_range], weights[in_range], owners[in_range]
    for begin in range(0, len(terms), _CHUNK):
        stop = begin + _CHUNK
        block = matrix_t[terms[begin:stop]] * values[begin:stop, None]
        _accumulate(out, owners[begin:stop], block)
    return out


def _accumulate(out: np.ndarray, owners: np.ndarray, block: np.ndarray) -> None:
    # owners are sorted, so each bag's rows are contiguous: reduceat sums them at once
    if len(owners) == 0:
        return
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    out[owners[starts]] += np.add.reduceat(block, starts, axis=0)


def _sum_by_bag(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    sums = np.zeros(len(offsets) - 1, dtype=np.float64)
    lengths = np.diff(offsets)
    nonempty = lengths > 0
    if nonempty.any():
        sums[nonempty] = np.add.reduceat(values.astype(np.float64), offsets[:-1][nonempty])
    return sums
