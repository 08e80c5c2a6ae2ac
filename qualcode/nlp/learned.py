"""What the engine learns from the team's coding, saved per project.

The model is the team's examples, analysed: every coded passage (a positive for its
code) and every rejected suggestion (a negative), as lemmas, with who coded it and
where. The engine folds them into each code's prototype (codebook wording plus the
centroid of its coded passages, minus the centroid of rejected ones): with 5 to 100
examples a code, similarity to such a prototype beats a classifier trained from
scratch, which learns only the frequent codes until it has hundreds of examples.
The nearest single example is the "why?" a researcher can check.

Saved as JSON with a checksum (never pickle: a project may come from someone else),
written atomically and readable by its owner only.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qualcode.domain.files import write_private
from qualcode.domain.suggestions import TrainingExample
from qualcode.nlp.pipeline import Pipeline
from qualcode.nlp.termspace import content_lemmas

FORMAT = "qualcode-suggest-model/1"
MAX_EXAMPLES_PER_CODE = 300  # the latest ones; keeps big projects' models small and fast


class ModelError(Exception):
    """The model file is missing, damaged or from another version."""


@dataclass(frozen=True, slots=True)
class StoredExample:
    code_uuid: str
    positive: bool
    coder: str
    source: str
    start: int
    end: int
    text: str
    lemmas: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LearnedModel:
    pipeline: str
    trained_at: str
    examples: tuple[StoredExample, ...]

    def positives(self) -> Counter[str]:
        return Counter(e.code_uuid for e in self.examples if e.positive)

    def negatives(self) -> Counter[str]:
        return Counter(e.code_uuid for e in self.examples if not e.positive)

    # -- saving and loading -----------------------------------------------------------

    def save(self, path: Path) -> None:
        body = {
            "format": FORMAT,
            "pipeline": self.pipeline,
            "trained_at": self.trained_at,
            "examples": [
                {
                    "code": e.code_uuid,
                    "positive": e.positive,
                    "coder": e.coder,
                    "source": e.source,
                    "start": e.start,
                    "end": e.end,
                    "text": e.text,
                    "lemmas": list(e.lemmas),
                }
                for e in self.examples
            ],
        }
        payload = _canonical(body)
        document = json.dumps(
            {"checksum": hashlib.sha256(payload.encode("utf-8")).hexdigest(), "model": body},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        write_private(path, document)

    @classmethod
    def load(cls, path: Path) -> LearnedModel:
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ModelError(f"{path.name}: no trained model yet") from None
        except (OSError, UnicodeDecodeError) as error:
            raise ModelError(f"{path.name}: cannot be read ({error})") from None
        try:
            document = json.loads(raw)
            body = document["model"]
            digest = hashlib.sha256(_canonical(body).encode("utf-8")).hexdigest()
            if digest != document["checksum"]:
                raise ModelError(f"{path.name}: the model file is damaged (checksum mismatch)")
            if body.get("format") != FORMAT:
                raise ModelError(f"{path.name}: unknown model format {body.get('format')!r}")
            return cls(
                pipeline=str(body["pipeline"]),
                trained_at=str(body["trained_at"]),
                examples=tuple(
                    StoredExample(
                        code_uuid=str(e["code"]),
                        positive=bool(e["positive"]),
                        coder=str(e["coder"]),
                        source=str(e["source"]),
                        start=int(e["start"]),
                        end=int(e["end"]),
                        text=str(e["text"]),
                        lemmas=tuple(str(x) for x in e["lemmas"]),
                    )
                    for e in body["examples"]
                ),
            )
        except ModelError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ModelError(f"{path.name}: the model file is damaged ({error})") from None


def train(examples: Sequence[TrainingExample], pipeline: Pipeline) -> LearnedModel:
    """Analyse the examples once, so every later suggestion run can use them at once."""
    started = datetime.now(UTC).isoformat()
    kept = _bounded(examples)
    analyses = pipeline.analyse([e.text for e in kept])
    stored = tuple(
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
    )
    return LearnedModel(pipeline.name, started, stored)


def _bounded(examples: Sequence[TrainingExample]) -> list[TrainingExample]:
    """At most MAX_EXAMPLES_PER_CODE of each kind per code, the latest ones kept."""
    seen: dict[tuple[str, bool], int] = defaultdict(int)
    kept: list[TrainingExample] = []
    for example in reversed(examples):
        key = (example.code_uuid, example.positive)
        if seen[key] < MAX_EXAMPLES_PER_CODE and example.text.strip():
            seen[key] += 1
            kept.append(example)
    kept.reverse()
    return kept


def _canonical(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
