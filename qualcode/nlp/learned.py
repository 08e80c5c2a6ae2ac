"""What the engine learns from a project, saved beside it.

The model holds: the project's unit statistics (what every score is read against),
the team's examples (every coded passage and every rejected suggestion, analysed, for
the "like a passage you coded" reason), and, once there is coding, the fitted
learner with the blend and thresholds chosen by cross-validation on that coding.
Fingerprints of the codebook and of the sources say when it is out of date.

Saved as JSON with a checksum (never pickle: a project may come from someone else);
arrays are little-endian float32 in base64. Written atomically, readable by its
owner only.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qualcode.domain.private_files import write_private
from qualcode.nlp.calibration import Blend, Threshold
from qualcode.nlp.learner import Weights
from qualcode.nlp.zero_shot import CorpusStats

FORMAT = "qualcode-suggest-model/2"


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
class Fitted:
    """The learner, and how its output is blended and cut, chosen on held-out coding."""

    terms: tuple[str, ...]
    weights: Weights
    blend: Blend  # signals: zero-shot, learner logit, log prior
    prior: np.ndarray  # log share of coded units carrying each code
    thresholds: np.ndarray  # per code
    threshold: Threshold  # the project's, with why
    uses_learner: bool  # False when held-out coding said the learner did not help
    rows: int  # distinct passages learnt from


@dataclass(frozen=True, slots=True)
class LearnedModel:
    pipeline: str
    embedder: str
    trained_at: str
    codebook: str  # fingerprint of the codes' descriptions
    corpus: str  # fingerprint of the sources and unit kind the statistics come from
    code_uuids: tuple[str, ...]
    stats: CorpusStats
    examples: tuple[StoredExample, ...]
    fitted: Fitted | None

    def positives(self) -> Counter[str]:
        return Counter(e.code_uuid for e in self.examples if e.positive)

    def negatives(self) -> Counter[str]:
        return Counter(e.code_uuid for e in self.examples if not e.positive)

    # -- saving and loading -----------------------------------------------------------

    def save(self, path: Path) -> None:
        body = {
            "format": FORMAT,
            "pipeline": self.pipeline,
            "embedder": self.embedder,
            "trained_at": self.trained_at,
            "codebook": self.codebook,
            "corpus": self.corpus,
            "codes": list(self.code_uuids),
            "stats": _stats_json(self.stats),
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
            "fitted": _fitted_json(self.fitted) if self.fitted is not None else None,
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
                raise ModelError(
                    f"{path.name}: a model from another version of qualcode "
                    f"({body.get('format')!r}); run `qualcode suggest train` again"
                )
            model = cls(
                pipeline=str(body["pipeline"]),
                embedder=str(body["embedder"]),
                trained_at=str(body["trained_at"]),
                codebook=str(body["codebook"]),
                corpus=str(body["corpus"]),
                code_uuids=tuple(str(c) for c in body["codes"]),
                stats=_stats_from(body["stats"]),
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
                fitted=_fitted_from(body["fitted"]) if body["fitted"] is not None else None,
            )
            _check_shapes(model)
            return model
        except ModelError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ModelError(f"{path.name}: the model file is damaged ({error})") from None


def _check_shapes(model: LearnedModel) -> None:
    """Every array must fit the model's codes and terms: a signed file from a buggy or
    hostile writer is refused here, not met as an index error while scoring."""
    codes = len(model.code_uuids)
    stats = model.stats
    per_code = (stats.words_mean, stats.words_std, stats.meaning_mean, stats.meaning_std)
    if any(array.shape != (codes,) for array in per_code) or stats.centre.ndim != 1:
        raise ValueError("the statistics do not fit the model's codes")
    fitted = model.fitted
    if fitted is None:
        return
    weights = fitted.weights
    if (
        weights.sparse.shape != (len(fitted.terms), codes)
        or weights.dense.shape != (len(stats.centre), codes)
        or any(a.shape != (codes,) for a in (weights.intercept, fitted.prior, fitted.thresholds))
    ):
        raise ValueError("the learnt weights do not fit the model's codes and terms")


def _pack(array: np.ndarray) -> dict[str, Any]:
    data = np.ascontiguousarray(array, dtype="<f4")
    return {"shape": list(data.shape), "data": base64.b64encode(data.tobytes()).decode("ascii")}


def _unpack(packed: dict[str, Any]) -> np.ndarray:
    shape = tuple(int(n) for n in packed["shape"])
    data = np.frombuffer(base64.b64decode(packed["data"], validate=True), dtype="<f4")
    if data.size != int(np.prod(shape)):
        raise ValueError("an array's size does not match its shape")
    return data.reshape(shape).astype(np.float32)


def _stats_json(stats: CorpusStats) -> dict[str, Any]:
    return {
        "units": stats.units,
        "df": stats.document_frequency,
        "centre": _pack(stats.centre),
        "words_mean": _pack(stats.words_mean),
        "words_std": _pack(stats.words_std),
        "meaning_mean": _pack(stats.meaning_mean),
        "meaning_std": _pack(stats.meaning_std),
        "zero_threshold": stats.zero_threshold,
    }


def _stats_from(data: dict[str, Any]) -> CorpusStats:
    return CorpusStats(
        int(data["units"]),
        {str(k): int(v) for k, v in data["df"].items()},
        _unpack(data["centre"]),
        _unpack(data["words_mean"]),
        _unpack(data["words_std"]),
        _unpack(data["meaning_mean"]),
        _unpack(data["meaning_std"]),
        float(data["zero_threshold"]),
    )


def _blend_json(blend: Blend) -> dict[str, Any]:
    return {"weights": list(blend.weights), "intercept": blend.intercept}


def _blend_from(data: dict[str, Any]) -> Blend:
    return Blend(tuple(float(w) for w in data["weights"]), float(data["intercept"]))


def _fitted_json(fitted: Fitted) -> dict[str, Any]:
    t = fitted.threshold
    return {
        "terms": list(fitted.terms),
        "sparse": _pack(fitted.weights.sparse),
        "dense": _pack(fitted.weights.dense),
        "intercept": _pack(fitted.weights.intercept),
        "blend": _blend_json(fitted.blend),
        "prior": _pack(fitted.prior),
        "thresholds": _pack(fitted.thresholds),
        "threshold": [t.value, t.precision, t.recall, t.f1, t.reason],
        "uses_learner": fitted.uses_learner,
        "rows": fitted.rows,
    }


def _fitted_from(data: dict[str, Any]) -> Fitted:
    value, precision, recall, f1, reason = data["threshold"]
    return Fitted(
        terms=tuple(str(t) for t in data["terms"]),
        weights=Weights(
            _unpack(data["sparse"]), _unpack(data["dense"]), _unpack(data["intercept"])
        ),
        blend=_blend_from(data["blend"]),
        prior=_unpack(data["prior"]),
        thresholds=_unpack(data["thresholds"]),
        threshold=Threshold(float(value), float(precision), float(recall), float(f1), str(reason)),
        uses_learner=bool(data["uses_learner"]),
        rows=int(data["rows"]),
    )


def _canonical(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def stats_to_json(stats: CorpusStats) -> dict[str, Any]:
    """The statistics as a model file holds them (the service also caches them so)."""
    return _stats_json(stats)


def stats_from_json(data: dict[str, Any]) -> CorpusStats:
    """Raises ValueError, KeyError or TypeError on damaged data."""
    return _stats_from(data)
