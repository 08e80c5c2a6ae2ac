"""Agreement maths against hand-worked examples and published reference values."""

from __future__ import annotations

import pytest

from qualcode.domain.agreement import (
    NO_VARIATION,
    NOT_TWO_CODERS,
    TOO_FEW_CODERS,
    PairTable,
    binary_alpha,
    binary_patterns,
    cohen_kappa,
    coincidences,
    counts_from_patterns,
    nominal_alpha,
    percent_agreement,
    statistics,
)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section A:
# binary data, two observers, ten units.
BINARY_A = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
BINARY_B = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]

# The same paper, section C: nominal data, four observers, twelve units, missing values.
_ = None
NOMINAL = list(
    zip(
        [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
        [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
        strict=True,
    )
)


def binary(*columns: list[int | None]) -> object:
    return counts_from_patterns(binary_patterns(zip(*columns, strict=True)), len(columns))


def test_krippendorff_binary_example() -> None:
    counts = binary(BINARY_A, BINARY_B)
    assert (counts.o00, counts.o01, counts.o11) == (10, 4, 2)
    assert (counts.n0, counts.n1, counts.n) == (14, 6, 20)
    alpha = binary_alpha(counts)
    assert alpha.value == pytest.approx(1 - 19 * 4 / (14 * 6))
    assert round(alpha.value, 3) == 0.095
    # The general nominal form agrees with the binary one.
    assert nominal_alpha(zip(BINARY_A, BINARY_B, strict=True)).value == pytest.approx(alpha.value)


def test_krippendorff_nominal_example_with_missing_values() -> None:
    matrix = coincidences(NOMINAL)
    assert sum(matrix.values()) == pytest.approx(40)  # n: pairable values (unit 12 has one)
    assert matrix[(1, 1)] == pytest.approx(7)  # units 1, 8 and 11: 3 + 2 + 2
    alpha = nominal_alpha(NOMINAL)
    assert round(alpha.value, 3) == 0.743
    assert alpha.reason is None


def test_cohen_kappa_wikipedia_example() -> None:
    # 50 proposals: both yes 20, both no 15, A yes/B no 5, A no/B yes 10.
    kappa = cohen_kappa(PairTable(both=20, first_only=5, second_only=10, neither=15))
    assert kappa.value == pytest.approx(0.4)


def test_hand_worked_two_coders_over_characters() -> None:
    # Ann codes 40 of 100 characters, Bo 20, 10 of them together.
    patterns = {(3, 3): 10, (3, 1): 30, (3, 2): 10, (3, 0): 50}
    counts = counts_from_patterns(patterns, 2)
    assert counts.pair == PairTable(10, 30, 10, 50)
    assert (counts.coded_by_all, counts.coded_by_some, counts.units) == (10, 40, 100)
    percent, kappa, alpha = statistics(counts)
    assert percent.value == pytest.approx(0.6)
    assert kappa.value == pytest.approx((0.6 - 0.56) / 0.44)
    assert alpha.value == pytest.approx(1 - 199 * 40 / (140 * 60))


def test_three_coders_binary_matches_nominal_form() -> None:
    table = [(1, 0, 0), (1, 1, 1), (None, 1, 0), (0, 0, None), (1, None, None), (0, 0, 0)]
    counts = counts_from_patterns(binary_patterns(table), 3)
    assert counts.pair is None
    assert binary_alpha(counts).value == pytest.approx(nominal_alpha(table).value)
    assert cohen_kappa(counts.pair) == cohen_kappa(None)
    assert cohen_kappa(None).reason == NOT_TWO_CODERS
    # Pairwise: each unit's m values count as agreeing in proportion to agreeing pairs
    # (1 of 3 pairs, 3 of 3, 0 of 1, 1 of 1, unpairable, 3 of 3) out of 13 values.
    assert percent_agreement(counts).value == pytest.approx((1 + 3 + 0 + 2 + 3) / 13)


@pytest.mark.parametrize("value", [0, 1])
def test_no_variation_leaves_alpha_and_kappa_undefined(value: int) -> None:
    counts = binary([value] * 5, [value] * 5)
    percent, kappa, alpha = statistics(counts)
    assert percent.value == 1
    assert (kappa.value, kappa.reason) == (None, NO_VARIATION)
    assert (alpha.value, alpha.reason) == (None, NO_VARIATION)
    assert nominal_alpha([("a", "a"), ("a", "a")]).reason == NO_VARIATION


def test_one_coder_coded_nothing() -> None:
    counts = binary([1, 1, 0, 0, 0, 0, 0, 0, 0, 0], [0] * 10)
    assert counts.silent == (1,)
    percent, kappa, alpha = statistics(counts)
    assert percent.value == pytest.approx(0.8)
    assert kappa.value == pytest.approx(0)  # p_o equals p_e
    assert alpha.value == pytest.approx(1 - 19 * 2 / (18 * 2))
    assert alpha.value < 0


def test_a_single_unit() -> None:
    agree = binary([1], [1])
    assert binary_alpha(agree).reason == NO_VARIATION
    differ = binary([1], [0])
    assert binary_alpha(differ).value == pytest.approx(0)
    assert cohen_kappa(differ.pair).value == pytest.approx(0)
    assert nominal_alpha([("a", "b")]).value == pytest.approx(0)


def test_fewer_than_two_coders_with_values() -> None:
    counts = binary([1, 0, None], [None, None, 1])
    assert counts.units == 0
    for statistic in statistics(counts):
        assert (statistic.value, statistic.reason) == (None, TOO_FEW_CODERS)
    assert nominal_alpha([(1,), (2,)]).reason == TOO_FEW_CODERS
    assert nominal_alpha([]).reason == TOO_FEW_CODERS
    assert cohen_kappa(PairTable()).reason == TOO_FEW_CODERS


def test_coded_material_is_counted_apart_from_uncoded_text() -> None:
    # 1000 units: both coded 1, one coder 1 more, nobody the other 998. Percent agreement
    # looks near perfect; the coded material shows one agreement and one disagreement.
    counts = counts_from_patterns({(3, 3): 1, (3, 1): 1, (3, 0): 998}, 2)
    assert percent_agreement(counts).value == pytest.approx(0.999)
    assert (counts.coded_by_any, counts.coded_by_all, counts.coded_by_some) == (2, 1, 1)
