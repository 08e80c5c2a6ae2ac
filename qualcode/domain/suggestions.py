"""Records for suggested codes: what the engine is asked about and what it answers.

A suggestion is only ever a proposal with its reasons; it becomes a coding when a
researcher accepts it. Offsets are code points into the source text, end exclusive,
like every other offset in qualcode.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from qualcode.domain.codebook import join_path, leaf, walk_entries
from qualcode.domain.records import Codebook


class Unit(StrEnum):
    """The stretch of text a suggestion is made for."""

    SENTENCE = "sentence"
    TURN = "turn"


class Decision(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class TextUnit:
    """A sentence or a speaker turn of a source (or a loose quote, source "")."""

    source: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class CodeDescription:
    """What the engine knows of a code from the codebook."""

    uuid: str
    path: str
    parent_uuid: str | None
    definition: str = ""
    include: str = ""
    exclude: str = ""
    example: str = ""
    keywords: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return leaf(self.path)


@dataclass(frozen=True, slots=True)
class TrainingExample:
    """A coded passage (positive) or a rejected suggestion (negative) for one code."""

    code_uuid: str
    text: str
    positive: bool
    coder: str
    source: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class MatchedTerm:
    """A word or phrase of the unit that matched the codebook, with where it is."""

    term: str  # the codebook's word or phrase
    start: int  # into the source
    end: int
    field: str  # "name", "keywords", "definition", "include", "example", "exclude"
    fuzzy: bool = False


@dataclass(frozen=True, slots=True)
class ClosestExample:
    """The already-coded passage most like this unit, for the "why?" view."""

    source: str
    start: int
    end: int
    text: str
    coder: str
    similarity: float


@dataclass(frozen=True, slots=True)
class Suggestion:
    code_uuid: str
    code_path: str
    score: float  # 0-1
    reasons: tuple[str, ...]  # plain words, most telling first
    matched: tuple[MatchedTerm, ...]
    closest: ClosestExample | None
    examples: int  # how many coded examples of this code the model learnt from


@dataclass(frozen=True, slots=True)
class UnitSuggestions:
    unit: TextUnit
    suggestions: tuple[Suggestion, ...]


@dataclass(frozen=True, slots=True)
class SuggestionRun:
    """Everything one request returns, including what the engine could not use."""

    units: tuple[UnitSuggestions, ...]
    pipeline: str
    notices: tuple[str, ...]  # e.g. a damaged model file, no trained model yet
    learned_codes: int  # codes with at least one coded example in the model


@dataclass(frozen=True, slots=True)
class CodeEvaluation:
    code_uuid: str
    code_path: str
    examples: int
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True, slots=True)
class Scores:
    top1: float
    recall_at_3: float
    precision: float
    recall: float
    micro_f1: float
    macro_f1: float


@dataclass(frozen=True, slots=True)
class LearningPoint:
    """Held-out figures when the engine has learnt from ``coded`` units (0: codebook only)."""

    coded: int
    model: Scores
    most_frequent: Scores  # always suggest the codes most used in those units


@dataclass(frozen=True, slots=True)
class Evaluation:
    """k-fold results on a project's own coded units, beside a trivial baseline.

    ``threshold`` is the typical threshold the models chose (per code where a code
    had enough examples), ``threshold_reason`` how the model trained on all the
    coding chose its own; ``curve`` is the learning curve (empty if not asked for).
    """

    units: int
    folds: int
    threshold: float
    model: Scores
    baseline: Scores  # always suggest the most frequent codes
    codes: tuple[CodeEvaluation, ...]
    zero_shot: Scores | None = None
    threshold_reason: str = ""
    curve: tuple[LearningPoint, ...] = ()


def describe_codebook(codebook: Codebook) -> list[CodeDescription]:
    """Codebook entries as the engine sees them (a code without a UUID uses its path)."""
    out: list[CodeDescription] = []
    for parents, _, entry in walk_entries(codebook.codes):
        path = join_path((*parents, entry.name))
        parent_path = join_path(parents) if parents else None
        parent = next((c for c in out if c.path == parent_path), None)
        out.append(
            CodeDescription(
                uuid=entry.uuid or path,
                path=path,
                parent_uuid=parent.uuid if parent else None,
                definition=entry.definition,
                include=entry.include,
                exclude=entry.exclude,
                example=entry.example,
                keywords=tuple(entry.keywords),
            )
        )
    return out
