"""The learned model: what coding and rejections teach it, and its file on disk."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from qualcode.domain.suggestions import TextUnit, TrainingExample
from qualcode.nlp import learned
from qualcode.nlp.engine import Suggester
from qualcode.nlp.learned import FORMAT, LearnedModel, ModelError, train
from qualcode.nlp.pipeline import Pipeline, load_pipeline
from tests.nlp.codebook import CODES, PATHS

# Nothing in the codebook says "landlord", "gas meter" or "rent arrears": only coding does.
UNUSUAL = "I felt judged by the landlord when the gas meter ran out and the rent arrears piled up."
REJECTED = "They judged the way I dressed at the interview."


def example(code: str, text: str, positive: bool = True, coder: str = "Ann") -> TrainingExample:
    return TrainingExample(code, text, positive, coder, "interview-1", 3, 3 + len(text))


EXAMPLES = (
    example("c-fin", "The gas meter ran out again and the landlord wanted the rent arrears paid."),
    example("c-fin", "Landlord kept phoning about rent arrears, the gas meter was empty."),
    example("c-fin", "We had no gas on the meter all week and the landlord was at the door."),
    example("c-stigma", "They looked at me like I was dirt when I walked in.", coder="Bo"),
    example("c-stigma", "Everyone judged me the minute they saw my file.", coder="Bo"),
)


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return load_pipeline(None)


@pytest.fixture(scope="module")
def model(pipeline: Pipeline) -> LearnedModel:
    return train(EXAMPLES, pipeline)


def scores(pipeline: Pipeline, model: LearnedModel | None, text: str) -> np.ndarray:
    return Suggester(CODES, pipeline, model).rank(pipeline.analyse([text]))[0]


def test_training_counts_examples_per_code(model: LearnedModel) -> None:
    assert model.positives() == {"c-fin": 3, "c-stigma": 2}
    assert not model.negatives()
    assert model.pipeline == "blank:en"


def test_coding_teaches_a_code_the_codebook_does_not_describe(
    pipeline: Pipeline, model: LearnedModel
) -> None:
    before = scores(pipeline, None, UNUSUAL)
    assert PATHS[int(before.argmax())] != "Finance"
    assert before[PATHS.index("Finance")] == 0
    after = scores(pipeline, model, UNUSUAL)
    assert PATHS[int(after.argmax())] == "Finance"
    assert after[PATHS.index("Finance")] > before.max()


def test_codes_without_examples_score_as_the_codebook_alone_says(
    pipeline: Pipeline, model: LearnedModel
) -> None:
    text = "My caseload is enormous and I am close to burnout."
    workload = PATHS.index("Workload")
    assert scores(pipeline, model, text)[workload] == pytest.approx(
        scores(pipeline, None, text)[workload], abs=1e-5
    )


def test_a_rejected_example_lowers_its_code_for_that_text(
    pipeline: Pipeline, model: LearnedModel
) -> None:
    rejected = train([*EXAMPLES, example("c-stigma", REJECTED, False, "Cy")], pipeline)
    assert rejected.negatives() == {"c-stigma": 1}
    stigma = PATHS.index("Stigma")
    assert scores(pipeline, rejected, REJECTED)[stigma] < scores(pipeline, model, REJECTED)[stigma]
    similar = "People judged me at the interview about my clothes."
    reasons = _suggestion(pipeline, rejected, similar, "Stigma").reasons
    assert any("1 rejection" in r for r in reasons), reasons


def test_a_rejection_counts_even_before_the_code_has_coded_examples(
    pipeline: Pipeline,
) -> None:
    only_rejected = train([example("c-stigma", REJECTED, False)], pipeline)
    stigma = PATHS.index("Stigma")
    assert (
        scores(pipeline, only_rejected, REJECTED)[stigma] < scores(pipeline, None, REJECTED)[stigma]
    )


def _suggestion(pipeline: Pipeline, model: LearnedModel, text: str, path: str):  # type: ignore[no-untyped-def]
    suggester = Suggester(CODES, pipeline, model)
    unit = TextUnit("interview-2", 0, len(text), text)
    (result,) = suggester.suggest([unit], pipeline.analyse([text]), top_k=3, min_score=0.0)
    return next(s for s in result.suggestions if s.code_path == path)


def test_the_closest_example_is_given_with_its_coder(
    pipeline: Pipeline, model: LearnedModel
) -> None:
    finance = _suggestion(pipeline, model, UNUSUAL, "Finance")
    assert finance.examples == 3
    closest = finance.closest
    assert closest is not None
    assert closest.coder == "Ann" and closest.source == "interview-1"
    assert closest.text in {e.text for e in EXAMPLES if e.code_uuid == "c-fin"}
    assert (closest.start, closest.end) == (3, 3 + len(closest.text))
    assert 0 < closest.similarity <= 1
    assert any(r.startswith("like a passage Ann coded in interview-1") for r in finance.reasons)
    assert "learnt from 3 coded examples" in finance.reasons
    stigma = _suggestion(pipeline, model, "Everyone judged me, like I was dirt.", "Stigma")
    assert stigma.closest is not None and stigma.closest.coder == "Bo"


def test_save_and_load_give_the_same_scores(
    tmp_path: Path, pipeline: Pipeline, model: LearnedModel
) -> None:
    path = tmp_path / "study.qcp.suggest-model.json"
    model.save(path)
    loaded = LearnedModel.load(path)
    assert loaded == model
    texts = [UNUSUAL, REJECTED, "My caseload is huge.", EXAMPLES[0].text]
    analyses = pipeline.analyse(texts)
    np.testing.assert_allclose(
        Suggester(CODES, pipeline, loaded).rank(analyses),
        Suggester(CODES, pipeline, model).rank(analyses),
        atol=1e-4,
    )


def test_the_model_file_is_private_and_written_whole(tmp_path: Path, model: LearnedModel) -> None:
    path = tmp_path / "study.qcp.suggest-model.json"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o644)
    model.save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left over
    assert json.loads(path.read_text(encoding="utf-8"))["model"]["format"] == FORMAT
    fresh = tmp_path / "new" / "other.suggest-model.json"
    model.save(fresh)
    assert stat.S_IMODE(os.stat(fresh).st_mode) == 0o600


def _truncate(path: Path) -> None:
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])


def _bad_json(path: Path) -> None:
    path.write_text("{this is not json", encoding="utf-8")


def _not_an_object(path: Path) -> None:
    path.write_text("[1, 2, 3]", encoding="utf-8")


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _not_utf8(path: Path) -> None:
    path.write_bytes(b"\xff\xfe\x00garbage")


def _edited(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert '"coder":"Ann"' in text
    path.write_text(text.replace('"coder":"Ann"', '"coder":"Eve"', 1), encoding="utf-8")


def _no_checksum(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    del document["checksum"]
    path.write_text(json.dumps(document), encoding="utf-8")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_truncate, "damaged"),
        (_bad_json, "damaged"),
        (_not_an_object, "damaged"),
        (_empty, "damaged"),
        (_not_utf8, "cannot be read"),
        (_edited, "checksum"),
        (_no_checksum, "damaged"),
    ],
)
def test_a_damaged_model_file_is_refused_by_name(
    tmp_path: Path, model: LearnedModel, damage: Callable[[Path], None], message: str
) -> None:
    path = tmp_path / "study.qcp.suggest-model.json"
    model.save(path)
    damage(path)
    with pytest.raises(ModelError) as raised:
        LearnedModel.load(path)
    assert str(raised.value).startswith(path.name + ":")
    assert message in str(raised.value)


def test_a_model_of_another_format_is_refused_by_name(
    tmp_path: Path, model: LearnedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "study.qcp.suggest-model.json"
    with monkeypatch.context() as patched:  # a well-formed file from another version
        patched.setattr(learned, "FORMAT", "qualcode-suggest-model/999")
        model.save(path)
    assert learned.FORMAT != "qualcode-suggest-model/999"
    with pytest.raises(ModelError) as raised:
        LearnedModel.load(path)
    assert str(raised.value) == (f"{path.name}: unknown model format 'qualcode-suggest-model/999'")


def test_a_model_with_a_bad_value_inside_is_refused_by_name(
    tmp_path: Path, model: LearnedModel
) -> None:
    """A correctly signed file whose contents are wrong (say, from a buggy writer)."""
    bad = dataclasses.replace(
        model, examples=(dataclasses.replace(model.examples[0], start="three"),)
    )
    path = tmp_path / "study.qcp.suggest-model.json"
    bad.save(path)
    with pytest.raises(ModelError, match=r"^study\.qcp\.suggest-model\.json: .*damaged"):
        LearnedModel.load(path)


def test_a_missing_model_file_is_a_model_error(tmp_path: Path) -> None:
    path = tmp_path / "study.qcp.suggest-model.json"
    with pytest.raises(ModelError, match=r"study\.qcp\.suggest-model\.json: no trained model"):
        LearnedModel.load(path)


def test_blank_examples_are_not_learnt_and_unknown_codes_are_ignored(
    pipeline: Pipeline, model: LearnedModel
) -> None:
    trained = train([example("c-fin", "   "), *EXAMPLES, example("gone", UNUSUAL)], pipeline)
    assert trained.positives() == {"c-fin": 3, "c-stigma": 2, "gone": 1}
    np.testing.assert_allclose(
        scores(pipeline, trained, UNUSUAL), scores(pipeline, model, UNUSUAL), atol=1e-5
    )
