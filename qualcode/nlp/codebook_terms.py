"""What the codebook says about each code, as weighted terms and phrases.

This is the zero-example signal. Each field of a code counts with its own weight (a
keyword says more than a word of the definition), terms used by many codes count
less than terms only one code uses, a parent's words help its children a little,
and words only the exclusion criteria use push a code down.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from qualcode.domain.suggestions import CodeDescription
from qualcode.nlp.pipeline import Analysis, Pipeline
from qualcode.nlp.termspace import Vocabulary

FIELD_WEIGHTS: dict[str, float] = {
    "name": 2.0,
    "keywords": 2.0,
    "definition": 1.0,
    "include": 1.0,
    "example": 0.6,
}
PARENT_SHARE = 0.3  # how much of a parent's wording a child inherits
EXCLUDE_WEIGHT = 0.6
PHRASE_WEIGHT = 2.0  # a whole keyword phrase found verbatim (on lemmas)


@dataclass(frozen=True, slots=True)
class Phrase:
    lemmas: tuple[str, ...]
    code: int
    text: str


@dataclass(slots=True)
class CodebookTerms:
    codes: list[CodeDescription]
    vocab: Vocabulary
    positive: np.ndarray  # codes x terms, before corpus weighting
    negative: np.ndarray
    phrases: dict[str, list[Phrase]]  # by first lemma
    fields: dict[tuple[int, int], str] = field(default_factory=dict)  # (code, term) -> field


def build_codebook_terms(codes: Sequence[CodeDescription], pipeline: Pipeline) -> CodebookTerms:
    codes = list(codes)
    pieces: list[tuple[int, str, str]] = []  # (code, field, text)
    for index, code in enumerate(codes):
        pieces.append((index, "name", code.name))
        for name in ("definition", "include", "example", "exclude"):
            text = getattr(code, name)
            if text:
                pieces.append((index, name, _strip_references(text) if name == "exclude" else text))
        for keyword in code.keywords:
            pieces.append((index, "keywords", keyword))
    analyses = pipeline.analyse([text for _, _, text in pieces])

    own: list[dict[str, dict[str, float]]] = [defaultdict(dict) for _ in codes]
    phrases: dict[str, list[Phrase]] = defaultdict(list)
    for (index, name, text), analysis in zip(pieces, analyses, strict=True):
        lemmas = _content(analysis)
        bag = own[index][name]
        for lemma in lemmas:
            bag[lemma] = bag.get(lemma, 0.0) + 1.0
        if name == "keywords" and len(analysis.lemmas) > 1:
            sequence = tuple(analysis.lemmas)
            phrases[sequence[0]].append(Phrase(sequence, index, text))

    by_uuid = {code.uuid: i for i, code in enumerate(codes)}
    vocab = Vocabulary()
    rows_pos: list[dict[int, float]] = []
    rows_neg: list[dict[int, float]] = []
    fields: dict[tuple[int, int], str] = {}
    for index, code in enumerate(codes):
        positive: dict[int, float] = defaultdict(float)
        best: dict[int, tuple[float, str]] = {}
        for name, weight in FIELD_WEIGHTS.items():
            for lemma, count in own[index][name].items():
                column = vocab.add(lemma)
                value = weight * (1.0 + math.log(count))
                positive[column] += value
                if value > best.get(column, (0.0, ""))[0]:
                    best[column] = (value, name)
        parent = by_uuid.get(code.parent_uuid) if code.parent_uuid else None
        if parent is not None:
            for name in ("name", "keywords", "definition"):
                for lemma, count in own[parent][name].items():
                    column = vocab.add(lemma)
                    value = PARENT_SHARE * FIELD_WEIGHTS[name] * (1.0 + math.log(count))
                    positive[column] += value
                    best.setdefault(column, (value, "parent"))
        negative = {
            vocab.add(lemma): EXCLUDE_WEIGHT
            for lemma in own[index]["exclude"]
            if vocab.index.get(lemma) not in positive
        }
        rows_pos.append(dict(positive))
        rows_neg.append(negative)
        fields.update({(index, column): name for column, (_, name) in best.items()})

    positive_matrix = _dense(rows_pos, len(vocab))
    negative_matrix = _dense(rows_neg, len(vocab))
    # A term many codes use tells them apart less: weight by inverse code frequency.
    spread = (positive_matrix > 0).sum(axis=0).astype(np.float32)
    specificity = np.log1p(len(codes) / np.maximum(spread, 1.0)).astype(np.float32)
    return CodebookTerms(
        codes,
        vocab,
        positive_matrix * specificity,
        negative_matrix * specificity,
        dict(phrases),
        fields,
    )


def _dense(rows: list[dict[int, float]], width: int) -> np.ndarray:
    matrix = np.zeros((len(rows), width), dtype=np.float32)
    for index, row in enumerate(rows):
        if row:
            matrix[index, list(row)] = list(row.values())
    return matrix


def _content(analysis: Analysis) -> list[str]:
    return [lemma for lemma, keep in zip(analysis.lemmas, analysis.content, strict=True) if keep]


def _strip_references(text: str) -> str:
    """Drop "(use Other code)" pointers: those words describe the other code."""
    out: list[str] = []
    depth = 0
    buffer: list[str] = []
    for ch in text:
        if ch == "(":
            depth += 1
            buffer = []
        elif ch == ")" and depth:
            depth -= 1
            inner = "".join(buffer)
            if not inner.lower().lstrip().startswith("use "):
                out.append(inner)
        elif depth:
            buffer.append(ch)
        else:
            out.append(ch)
    return "".join(out)
