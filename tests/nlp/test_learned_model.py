"""The learned model: what coding and rejections teach it, and its file on disk."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from qualcode.domain.suggestions import Suggestion, TextUnit, TrainingExample
from qualcode.nlp import learned, training
from qualcode.nlp.calibration import MIN_POSITIVES_PER_CODE
from qualcode.nlp.embeddings import load_embedder
from qualcode.nlp.engine import Suggester
from qualcode.nlp.learned import FORMAT, LearnedModel, ModelError
from qualcode.nlp.learner import Features, fit
from qualcode.nlp.pipeline import Pipeline, load_pipeline
from qualcode.nlp.zero_shot import CorpusStats
from tests.nlp.codebook import CODES, PATHS, corpus_stats, make_suggester

# Nothing in the codebook says "landlord", "gas meter" or "rent arrears": only coding does.
UNUSUAL = "I felt judged by the landlord when the gas meter ran out and the rent arrears piled up."
REJECTED = "They judged the way I dressed at the interview."


def example(
    code: str, text: str, positive: bool = True, coder: str = "Ann", start: int = 3
) -> TrainingExample:
    return TrainingExample(code, text, positive, coder, "interview-1", start, start + len(text))


EXAMPLES = (
    example("c-fin", "The gas meter ran out again and the landlord wanted the rent arrears paid."),
    example("c-fin", "Landlord kept phoning about rent arrears, the gas meter was empty."),
    example("c-fin", "We had no gas on the meter all week and the landlord was at the door."),
    example("c-stigma", "They looked at me like I was dirt when I walked in.", coder="Bo"),
    example("c-stigma", "Everyone judged me the minute they saw my file.", coder="Bo"),
)

_WHEN = ("in January", "last winter", "after Christmas", "every month", "this spring", "again")
_TOPICS = {
    "c-fin": (
        "The landlord wrote about the rent arrears {}.",
        "The gas meter ran out {} and we sat in the cold.",
    ),
    "c-stigma": (
        "They looked at me like I was dirt {}.",
        "People whispered about my diagnosis {}.",
    ),
    "c-work": (
        "The team was short of nurses {} and nobody got a break.",
        "I worked double shifts {} with no one to cover.",
    ),
}
# Enough distinct coded passages (36) for the learner, the blend and the thresholds.
CODED = tuple(
    example(code, template.format(when), start=100 * i)
    for i, (code, template, when) in enumerate(
        (code, template, when)
        for code, templates in _TOPICS.items()
        for template in templates
        for when in _WHEN
    )
)


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return load_pipeline(None)


@pytest.fixture(scope="module")
def stats(pipeline: Pipeline) -> CorpusStats:
    return corpus_stats(CODES, pipeline)


def train(
    examples: Sequence[TrainingExample], pipeline: Pipeline, stats: CorpusStats
) -> LearnedModel:
    return training.train(CODES, pipeline, load_embedder(), examples, stats=stats)


@pytest.fixture(scope="module")
def model(pipeline: Pipeline, stats: CorpusStats) -> LearnedModel:
    """A few examples: too few to learn from, enough for reasons."""
    return train(EXAMPLES, pipeline, stats)


@pytest.fixture(scope="module")
def fitted(pipeline: Pipeline, stats: CorpusStats) -> LearnedModel:
    """Enough coding for the learner."""
    return train(CODED, pipeline, stats)


def scores(pipeline: Pipeline, model: LearnedModel | None, text: str) -> np.ndarray:
    return make_suggester(CODES, pipeline, model).rank([text], pipeline.analyse([text]))[0]


def test_training_counts_examples_per_code(model: LearnedModel) -> None:
    assert model.positives() == {"c-fin": 3, "c-stigma": 2}
    assert not model.negatives()
    assert model.pipeline == "blank:en"
    assert model.embedder == load_embedder().name


def test_coding_teaches_a_code_the_codebook_does_not_describe(
    pipeline: Pipeline, fitted: LearnedModel
) -> None:
    assert fitted.fitted is not None and fitted.fitted.uses_learner
    before = scores(pipeline, None, UNUSUAL)
    assert PATHS[int(before.argmax())] != "Finance"
    after = scores(pipeline, fitted, UNUSUAL)
    assert PATHS[int(after.argmax())] == "Finance"
    assert after[PATHS.index("Finance")] > before[PATHS.index("Finance")]


def test_below_twenty_coded_passages_the_codebook_alone_scores(
    pipeline: Pipeline, model: LearnedModel
) -> None:
    assert model.fitted is None
    for text in ("My caseload is enormous and I am close to burnout.", UNUSUAL):
        np.testing.assert_allclose(scores(pipeline, model, text), scores(pipeline, None, text))


def test_thresholds_come_from_the_codebook_until_there_is_coding(
    pipeline: Pipeline, model: LearnedModel, fitted: LearnedModel, stats: CorpusStats
) -> None:
    few = make_suggester(CODES, pipeline, model)
    assert training.MIN_ROWS == 20 and len({e.text for e in EXAMPLES}) < 20
    np.testing.assert_array_equal(few.thresholds, np.full(len(CODES), stats.zero_threshold))
    assert 0 < stats.zero_threshold < 1
    many = make_suggester(CODES, pipeline, fitted)
    assert fitted.fitted is not None and fitted.fitted.rows == len(CODED) >= 20
    np.testing.assert_array_equal(many.thresholds, fitted.fitted.thresholds)
    chosen = fitted.fitted.threshold
    assert 0 < chosen.value < 1 and "cross-validation" in chosen.reason
    assert f"{len(CODED)} coded or rejected passages" in chosen.reason
    # Each code has fewer than MIN_POSITIVES_PER_CODE examples: all use the project's.
    assert max(fitted.positives().values()) < MIN_POSITIVES_PER_CODE
    np.testing.assert_allclose(fitted.fitted.thresholds, chosen.value)


def test_a_rejected_example_lowers_its_code_for_that_text(
    pipeline: Pipeline, stats: CorpusStats, fitted: LearnedModel
) -> None:
    rejections = [example("c-stigma", REJECTED, False, "Cy", start=5000 + i) for i in range(3)]
    rejected = train([*CODED, *rejections], pipeline, stats)
    assert rejected.negatives() == {"c-stigma": 3}
    stigma = PATHS.index("Stigma")
    assert scores(pipeline, rejected, REJECTED)[stigma] < scores(pipeline, fitted, REJECTED)[stigma]
    similar = "People judged me at the interview about my clothes."
    reasons = _suggestion(pipeline, rejected, similar, "Stigma").reasons
    assert any("3 rejections" in r for r in reasons), reasons


def test_a_rejection_is_a_negative_for_its_code_only(pipeline: Pipeline) -> None:
    index = {code.uuid: i for i, code in enumerate(CODES)}
    rows = training._rows(
        [example("c-fin", EXAMPLES[0].text), example("c-stigma", REJECTED, False)],
        index,
        pipeline,
    )
    assert rows.texts == [EXAMPLES[0].text, REJECTED]
    # A coded passage is known for every code (positive for its own)...
    assert rows.known[0].all() and rows.labels[0].tolist() == [False, False, True]
    # ...a rejection says nothing about the codes it was not suggested for.
    assert rows.known[1].tolist() == [False, True, False] and not rows.labels[1].any()


def test_the_learner_ignores_what_a_row_does_not_know() -> None:
    rng = np.random.default_rng(3)
    dense = rng.normal(size=(12, 4)).astype(np.float32)
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    x = Features(
        np.zeros(0, dtype=np.int64),
        np.zeros(0, dtype=np.float32),
        np.zeros(13, dtype=np.int64),
        dense,
        0,
    )
    labels = np.zeros((12, 2), dtype=bool)
    labels[:6, 0] = labels[6:, 1] = True
    known = np.ones_like(labels)
    unknown_flipped = labels.copy()
    known_partly = known.copy()
    # Row 0 flipped for code 1 but marked unknown there: code 1 must not notice.
    unknown_flipped[0, 1] = True
    known_partly[0, 1] = False
    base = fit(x, labels, known)
    masked = fit(x, unknown_flipped, known_partly)
    masked_unflipped = fit(x, labels, known_partly)
    told = fit(x, unknown_flipped, known)
    # What a row says about a code it does not know is not read at all...
    np.testing.assert_array_equal(masked.dense, masked_unflipped.dense)
    # ...while the same label, known, moves that code's weights;
    assert not np.allclose(told.dense[:, 1], base.dense[:, 1], atol=1e-3)
    # and not knowing code 1 there leaves code 0 as it was.
    np.testing.assert_allclose(masked.dense[:, 0], base.dense[:, 0], atol=1e-3)


def test_every_example_is_learnt_with_no_cap(pipeline: Pipeline, stats: CorpusStats) -> None:
    many = [
        example("c-fin", f"Rent arrears letter number {i} came today.", start=10 * i)
        for i in range(450)
    ]
    others = [e for e in CODED if e.code_uuid != "c-fin"]
    model = train([*many, *others], pipeline, stats)
    assert model.positives()["c-fin"] == 450
    assert len(model.examples) == 450 + len(others)
    assert model.fitted is not None and model.fitted.rows == 450 + len(others)
    # the project's frequencies stay as coded: finance is the most common code by far
    assert PATHS[int(np.argmax(model.fitted.prior))] == "Finance"


def _suggestion(pipeline: Pipeline, model: LearnedModel, text: str, path: str) -> Suggestion:
    suggester = make_suggester(CODES, pipeline, model)
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


@pytest.mark.parametrize("which", ["model", "fitted"])
def test_save_and_load_give_the_same_model_and_scores(
    tmp_path: Path, pipeline: Pipeline, request: pytest.FixtureRequest, which: str
) -> None:
    original: LearnedModel = request.getfixturevalue(which)
    path = tmp_path / "study.qcp.suggest-model.json"
    original.save(path)
    loaded = LearnedModel.load(path)
    again = tmp_path / "again.json"
    loaded.save(again)
    assert again.read_bytes() == path.read_bytes()
    assert (
        json.loads(path.read_text(encoding="utf-8"))["model"]["format"]
        == FORMAT
        == ("qualcode-suggest-model/2")
    )
    assert (loaded.examples, loaded.code_uuids) == (original.examples, original.code_uuids)
    assert (loaded.fitted is None) == (original.fitted is None)
    if loaded.fitted is not None and original.fitted is not None:
        assert loaded.fitted.threshold == original.fitted.threshold
        assert loaded.fitted.blend == original.fitted.blend
    texts = [UNUSUAL, REJECTED, "My caseload is huge.", EXAMPLES[0].text]
    analyses = pipeline.analyse(texts)
    embedder = load_embedder()
    np.testing.assert_allclose(
        Suggester(CODES, pipeline, embedder, model=loaded).rank(texts, analyses),
        Suggester(CODES, pipeline, embedder, model=original).rank(texts, analyses),
        atol=1e-6,
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
    assert str(raised.value) == (
        f"{path.name}: a model from another version of qualcode "
        "('qualcode-suggest-model/999'); run `qualcode suggest train` again"
    )


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
    pipeline: Pipeline, stats: CorpusStats, fitted: LearnedModel
) -> None:
    trained = train([example("c-fin", "   "), *CODED, example("gone", UNUSUAL)], pipeline, stats)
    assert trained.positives() == fitted.positives()
    np.testing.assert_allclose(
        scores(pipeline, trained, UNUSUAL), scores(pipeline, fitted, UNUSUAL), atol=1e-5
    )


def _short_statistics(model: LearnedModel) -> LearnedModel:
    stats = dataclasses.replace(model.stats, words_mean=model.stats.words_mean[:-1])
    return dataclasses.replace(model, stats=stats)


def _weights_for_fewer_terms(model: LearnedModel) -> LearnedModel:
    assert model.fitted is not None
    fitted = dataclasses.replace(model.fitted, terms=model.fitted.terms[:-1])
    return dataclasses.replace(model, fitted=fitted)


def _thresholds_for_fewer_codes(model: LearnedModel) -> LearnedModel:
    assert model.fitted is not None
    fitted = dataclasses.replace(model.fitted, thresholds=model.fitted.thresholds[:-1])
    return dataclasses.replace(model, fitted=fitted)


@pytest.mark.parametrize(
    "misfit", [_short_statistics, _weights_for_fewer_terms, _thresholds_for_fewer_codes]
)
def test_a_signed_model_whose_arrays_do_not_fit_is_refused_by_name(
    tmp_path: Path, fitted: LearnedModel, misfit: Callable[[LearnedModel], LearnedModel]
) -> None:
    """A correctly signed file from a buggy or hostile writer: refused when read, not
    met later as an index error while scoring."""
    path = tmp_path / "study.qcp.suggest-model.json"
    misfit(fitted).save(path)
    with pytest.raises(ModelError, match=r"^study\.qcp\.suggest-model\.json: .*do not fit"):
        LearnedModel.load(path)
    fitted.save(path)
    assert LearnedModel.load(path).fitted is not None
