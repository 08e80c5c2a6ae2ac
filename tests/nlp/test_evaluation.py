"""Evaluation measures, worked out by hand, and k-fold cross-validation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from qualcode.domain.suggestions import CodeDescription, Scores, TrainingExample
from qualcode.nlp.evaluation import (
    LabelledUnit,
    baseline_scores,
    cross_validate,
    measure,
    per_code_f1,
)
from qualcode.nlp.pipeline import Analysis

CODES = tuple(CodeDescription(f"uuid-{i}", f"Code {i}", None) for i in range(4))


def gold(*codes: int) -> frozenset[int]:
    return frozenset(codes)


def test_measure_on_a_hand_made_matrix() -> None:
    scores = np.array(
        [
            [0.9, 0.5, 0.2, 0.1],  # top 0 (right); top-3 has 0; >= 0.5: {0, 1}
            [0.6, 0.8, 0.4, 0.0],  # top 1 (wrong); top-3 {1, 0, 2} misses 3; >= 0.5: {0, 1}
            [0.1, 0.3, 0.7, 0.45],  # top 2 (right); top-3 {2, 3, 1} has both; >= 0.5: {2}
            [0.2, 0.1, 0.6, 0.05],  # top 2 (right); top-3 {2, 0, 1} has 1 of 2; >= 0.5: {2}
        ],
        dtype=np.float32,
    )
    result = measure(scores, [gold(0), gold(3), gold(2, 3), gold(2, 3)], threshold=0.5)
    # tp = 1 + 0 + 1 + 1 = 3, fp = 1 + 2 + 0 + 0 = 3, fn = 0 + 1 + 1 + 1 = 3
    # per code people used: 0 -> P 1/2 R 1 F1 2/3; 2 -> P 1 R 1 F1 1; 3 -> F1 0
    expected = Scores(
        top1=3 / 4,
        recall_at_3=(1 + 0 + 1 + 1 / 2) / 4,
        precision=3 / 6,
        recall=3 / 6,
        micro_f1=1 / 2,
        macro_f1=(2 / 3 + 1 + 0) / 3,
    )
    for field in Scores.__dataclass_fields__:
        assert getattr(result, field) == pytest.approx(getattr(expected, field)), field
    # the same without the last unit: P 2/5, R 2/4, F1 4/9
    three = measure(scores[:3], [gold(0), gold(3), gold(2, 3)], threshold=0.5)
    assert (three.top1, three.recall_at_3) == pytest.approx((2 / 3, 2 / 3))
    assert (three.precision, three.recall, three.micro_f1) == pytest.approx((2 / 5, 1 / 2, 4 / 9))


def test_the_threshold_is_inclusive_and_changes_only_the_decisions() -> None:
    scores = np.array([[0.5, 0.4, 0.0], [0.2, 0.6, 0.5]], dtype=np.float32)
    golds = [gold(0), gold(2)]
    at = measure(scores, golds, threshold=0.5)
    # predicted {0} and {1, 2}: tp 2, fp 1, fn 0
    assert (at.precision, at.recall) == pytest.approx((2 / 3, 1.0))
    assert at.micro_f1 == pytest.approx(0.8)
    above = measure(scores, golds, threshold=0.55)
    # predicted {} and {1}: tp 0
    assert (above.precision, above.recall, above.micro_f1, above.macro_f1) == (0, 0, 0, 0)
    assert (at.top1, at.recall_at_3) == (above.top1, above.recall_at_3) == (0.5, 1.0)


def test_measure_of_nothing_is_zero() -> None:
    assert measure(np.zeros((0, 4), dtype=np.float32), [], 0.5) == Scores(0, 0, 0, 0, 0, 0)


def test_per_code_f1_counts_only_codes_people_used() -> None:
    predicted = [{0, 1, 3}, {1}, {1, 2}]  # 3 is predicted but nobody used it
    result = per_code_f1(predicted, [gold(0), gold(0), gold(1, 2)])
    assert set(result) == {0, 1, 2}
    assert result[0] == pytest.approx((1.0, 0.5, 2 / 3))
    assert result[1] == pytest.approx((1 / 3, 1.0, 0.5))
    assert result[2] == pytest.approx((1.0, 1.0, 1.0))


def test_the_baseline_ranks_the_most_frequent_codes_first() -> None:
    train_gold = [gold(1), gold(1, 2), gold(1), gold(2), gold(0)]
    scores, how_many = baseline_scores(train_gold, units=3, codes=4)
    assert scores.shape == (3, 4)
    assert np.all(scores == scores[0])  # the same guess for every unit
    assert list(np.argsort(-scores[0], kind="stable")) == [1, 2, 0, 3]
    assert scores[0, 3] == 0  # never used: never suggested
    assert how_many == 1  # 6 codes over 5 units rounds to 1 a unit
    _, two = baseline_scores([gold(0, 1), gold(1, 2), gold(0, 2, 3)], units=1, codes=4)
    assert two == 2


def _units(golds: Sequence[frozenset[int]]) -> list[LabelledUnit]:
    """Units with distinct hand-made analyses, so an oracle can tell them apart."""
    return [
        LabelledUnit(
            Analysis((f"word{i}",), (0,), (6,), (True,), ((0, 6),)),
            f"unit number {i}",
            g,
            source="s",
            start=10 * i,
            end=10 * i + 6,
            coder="Ann",
        )
        for i, g in enumerate(golds)
    ]


def test_cross_validation_with_a_perfect_oracle_scores_one() -> None:
    golds = [gold(i % 4) for i in range(10)] + [gold(0, 2), gold(1, 3)]
    units = _units(golds)
    calls: list[tuple[int, int]] = []

    def oracle(examples: Sequence[TrainingExample], tested: Sequence[LabelledUnit]) -> np.ndarray:
        analyses = [u.analysis for u in tested]
        trained = {e.text for e in examples}
        assert trained.isdisjoint(u.text for u in tested), "a test unit leaked into training"
        assert all(e.positive and e.coder == "Ann" for e in examples)
        assert all((e.source, e.end - e.start) == ("s", 6) for e in examples)
        calls.append((len(examples), len(analyses)))
        out = np.zeros((len(analyses), len(CODES)), dtype=np.float32)
        for row, unit in enumerate(tested):
            out[row, sorted(unit.gold)] = 0.9
        return out

    result = cross_validate(units, CODES, oracle, folds=3, threshold=0.5)
    assert (result.units, result.folds, result.threshold) == (12, 3, 0.5)
    assert len(calls) == 3 and sum(n for _, n in calls) == 12  # each unit tested once
    # every fold trains on every code of every other unit: 14 codings in all, twice over
    assert sum(n for n, _ in calls) == 2 * sum(len(g) for g in golds)
    model = result.model
    assert model.top1 == 1.0 and model.recall_at_3 == 1.0
    assert (model.precision, model.recall, model.micro_f1, model.macro_f1) == (1, 1, 1, 1)
    assert [row.code_path for row in result.codes] == ["Code 0", "Code 1", "Code 2", "Code 3"]
    assert [row.examples for row in result.codes] == [4, 4, 3, 3]
    assert all((r.precision, r.recall, r.f1) == (1, 1, 1) for r in result.codes)
    assert result.baseline.top1 < 1


def test_cross_validation_baseline_predicts_the_most_frequent_code() -> None:
    # Left out one at a time, code 0 is always the most frequent of the other five.
    units = _units([gold(0), gold(0), gold(0), gold(0), gold(1), gold(2)])

    def nothing(examples: Sequence[TrainingExample], tested: Sequence[LabelledUnit]) -> np.ndarray:
        return np.zeros((len(tested), len(CODES)), dtype=np.float32)

    result = cross_validate(units, CODES, nothing, folds=6, threshold=0.5)
    assert result.folds == 6
    base = result.baseline
    assert base.top1 == pytest.approx(4 / 6)
    assert (base.precision, base.recall) == pytest.approx((4 / 6, 4 / 6))
    # code 0: P 4/6, R 1, F1 0.8; codes 1 and 2 never predicted: F1 0
    assert base.macro_f1 == pytest.approx(0.8 / 3)
    assert result.model.precision == 0 and result.model.recall == 0


def test_cross_validation_needs_two_units_and_caps_the_folds() -> None:
    def nothing(examples: Sequence[TrainingExample], tested: Sequence[LabelledUnit]) -> np.ndarray:
        return np.zeros((len(tested), len(CODES)), dtype=np.float32)

    with pytest.raises(ValueError, match="two"):
        cross_validate(_units([gold(0)]), CODES, nothing, folds=5, threshold=0.5)
    assert cross_validate(_units([gold(0)] * 3), CODES, nothing, folds=10, threshold=0.5).folds == 3


def test_the_oracles_thresholds_are_used_when_it_returns_them() -> None:
    units = _units([gold(i % 4) for i in range(8)])

    def confident(
        examples: Sequence[TrainingExample], tested: Sequence[LabelledUnit]
    ) -> tuple[np.ndarray, np.ndarray]:
        out = np.full((len(tested), len(CODES)), 0.3, dtype=np.float32)
        for row, unit in enumerate(tested):
            out[row, sorted(unit.gold)] = 0.4
        return out, np.full(len(CODES), 0.35, dtype=np.float32)

    result = cross_validate(units, CODES, confident, folds=4, threshold=0.5)
    assert result.threshold == pytest.approx(0.35)
    assert (result.model.precision, result.model.recall) == (1, 1)


def test_the_learning_curve_grows_from_the_codebook_alone() -> None:
    golds = [gold(i % 4) for i in range(40)]
    units = _units(golds)
    sizes_seen: list[int] = []

    def learns(examples: Sequence[TrainingExample], tested: Sequence[LabelledUnit]) -> np.ndarray:
        """Right for a unit once a training example with the same gold was seen."""
        trained = {e.code_uuid for e in examples}
        sizes_seen.append(len(examples))
        out = np.zeros((len(tested), len(CODES)), dtype=np.float32)
        for row, unit in enumerate(tested):
            for code in unit.gold:
                out[row, code] = 0.9 if CODES[code].uuid in trained else 0.0
            out[row, (max(unit.gold) + 1) % len(CODES)] += 0.1
        return out

    result = cross_validate(units, CODES, learns, folds=4, curve=(0, 1, 10, 100, 25))
    coded = [point.coded for point in result.curve]
    # 100 is more than a fold trains on (30 units): it is left out; the whole is last.
    assert coded == [0, 1, 10, 25, 30]
    assert coded == sorted(coded)
    assert result.zero_shot is not None and result.zero_shot == result.curve[0].model
    assert result.zero_shot.top1 == 0  # nothing learnt: always the wrong code first
    assert result.curve[-1].model == result.model and result.model.top1 == 1
    tops = [point.model.top1 for point in result.curve]
    assert tops == sorted(tops) and tops[-1] > tops[0]
    assert all(p.most_frequent.top1 <= 0.25 + 1e-9 for p in result.curve[1:])
    assert 0 in sizes_seen


def test_no_curve_unless_asked() -> None:
    units = _units([gold(i % 4) for i in range(8)])

    def nothing(examples: Sequence[TrainingExample], tested: Sequence[LabelledUnit]) -> np.ndarray:
        return np.zeros((len(tested), len(CODES)), dtype=np.float32)

    result = cross_validate(units, CODES, nothing, folds=2)
    assert result.curve == () and result.zero_shot is None
