"""Krippendorff's unitized alpha family (domain/unitized_alpha).

Expected values marked "by hand" were worked out on paper from the definitions in
Krippendorff, Mathet, Bouvry and Widlöcher (2016), Quality & Quantity 50:2347-2364
(observed coincidences = overlap lengths over ordered coder pairs / (m - 1); expected
e[c,k] = (l[c.] l[.k] - [c=k] S[c]) / (l.. - S/l..), units squared, gaps plain), with
the arithmetic in the comments so a reader can check it without running anything.
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from qualcode.domain.unitized_alpha import (
    CODE_NOT_PAIRED,
    NO_DOUBLE_CODING,
    NOTHING_CODED,
    Continuum,
    Segment,
    bootstrap,
    unitized_family,
)

S = Segment


def close(value: float | None, expected: Fraction | float) -> bool:
    return value is not None and value == pytest.approx(float(expected), abs=1e-12)


def two_coder_source(length: int) -> Continuum:
    return Continuum("s", length, (S("A", "a", 2, 6), S("B", "a", 3, 7)))


def test_two_coders_one_code_by_hand() -> None:
    # Stretches: [0,2) gap/gap, [2,3) a/gap, [3,6) a/a, [6,7) gap/a, [7,10) gap/gap.
    # l_gg = 2*(2+3) = 10, l_ag = l_ga = 2, l_aa = 2*3 = 6; l.. = 20.
    # S_gap = 2+4+3+3 = 12 (plain), S_a = 4^2+4^2 = 32; denominator 20 - 44/20 = 17.8.
    # e_gg = (144-12)/17.8, e_aa = (64-32)/17.8 -> D_e = (20 - 164/17.8)/20 = 48/89.
    # D_o = 4/20 = 1/5; uα = 1 - (1/5)/(48/89) = 151/240.
    family = unitized_family([two_coder_source(10)], ["A", "B"], ["a"])
    assert close(family.unitizing.observed, Fraction(1, 5))
    assert close(family.unitizing.expected, Fraction(48, 89))
    assert close(family.unitizing.value, Fraction(151, 240))
    # With one code, coded-or-not is the same distinction as the code itself.
    assert close(family.binary.value, Fraction(151, 240))
    assert family.unitizing.length == 10 and family.unitizing.segments == 2


def test_uncoded_text_changes_expected_disagreement_exactly() -> None:
    # Ten more uncoded characters: l_gg = 30, l.. = 40; S_gap = 2+14+3+13 = 32, S_a = 32;
    # denominator 40 - 64/40 = 38.4; e_gg = (1024-32)/38.4, e_aa = 32/38.4;
    # D_e = (40 - 1024/38.4)/40 = 1/3 (it was 48/89); D_o = 4/40; uα = 1 - 0.3 = 0.7.
    family = unitized_family([two_coder_source(20)], ["A", "B"], ["a"])
    assert close(family.unitizing.expected, Fraction(1, 3))
    assert close(family.unitizing.observed, Fraction(1, 10))
    assert close(family.unitizing.value, Fraction(7, 10))


def three_coders() -> Continuum:
    # [0,2): A a, B a, C a.  [2,4): A a, B b, C gap.  [4,10): all gap.
    segments = (S("A", "a", 0, 4), S("B", "a", 0, 2), S("B", "b", 2, 4), S("C", "a", 0, 2))
    return Continuum("s", 10, segments)


def test_three_coders_coding_and_per_code_by_hand() -> None:
    # cu matrix (units only, / (m-1) = 2): l*_aa = 2*(9-3)/2 = 6, l*_ab = l*_ba = 1.
    # Pairable mass = mean overlap with the other coders' units: A's a (4+2)/2 = 3,
    # B's a (2+2)/2 = 2, B's b (2+0)/2 = 1, C's a 2 -> S*_a = 9+4+4 = 17, S*_b = 1.
    # denominator 8 - 18/8 = 5.75; e*_aa = (49-17)/5.75, e*_bb = 0, e*_ab = 7/5.75.
    # cuα: D_o = 2/8, D_e = (8 - 32/5.75)/8 = 7/23 -> 1 - (1/4)(23/7) = 5/28.
    # (k)uα a: D_o = 1/7, D_e = (7/5.75)/(39/5.75) = 7/39 -> 1 - 39/49 = 10/49.
    # (k)uα b: D_o = 1, D_e = 1 -> 0.
    family = unitized_family([three_coders()], ["A", "B", "C"], ["a", "b"])
    assert close(family.coding.observed, Fraction(1, 4))
    assert close(family.coding.expected, Fraction(7, 23))
    assert close(family.coding.value, Fraction(5, 28))
    per_a, per_b = family.per_code
    assert (per_a.code, per_b.code) == ("a", "b")
    assert close(per_a.value, Fraction(10, 49))
    assert close(per_b.value, 0)
    assert family.coding.coders == 3


def test_pairable_mass_keeps_expected_coincidences_non_negative() -> None:
    # The chosen convention: B's b unit is pairable with A only (C left [2,4) uncoded), so
    # its mass is (2+0)/2 = 1 and e*_bb = (1 - 1)/5.75 = 0, making D_e for b exactly 1.
    # Squared overlap with the union of others (2^2 = 4) or the mean of per-pair squares
    # ((4+0)/2 = 2) would give e*_bb < 0 and D_e for b = 1 - (negative) > 1.
    family = unitized_family([three_coders()], ["A", "B", "C"], ["a", "b"])
    assert close(family.per_code[1].expected, 1)


def test_two_sources_never_share_a_unit() -> None:
    # X (4): A a[2,4), B a[2,4).  Y (4): A a[0,2), B nothing.
    # l_gg = 4+4, l_aa = 4, l_ag = l_ga = 2; l.. = 16. Units kept apart at X's end:
    # S_a = 2^2+2^2+2^2 = 12, S_gap = 2+2+2+4 = 10; denominator 16 - 22/16 = 14.625;
    # D_e = (16 - (90+24)/14.625)/16 = 20/39 (merged across the end it would be 60/113).
    # D_o = 4/16; uα = 1 - (1/4)(39/20) = 0.5125.
    x = Continuum("x", 4, (S("A", "a", 2, 4), S("B", "a", 2, 4)))
    y = Continuum("y", 4, (S("A", "a", 0, 2),))
    family = unitized_family([x, y], ["A", "B"], ["a"])
    assert close(family.unitizing.expected, Fraction(20, 39))
    assert close(family.unitizing.value, Fraction(41, 80))
    assert family.unitizing.length == 8


def test_touching_and_overlapping_same_code_segments_are_one_unit() -> None:
    whole = Continuum("s", 10, (S("A", "a", 2, 6), S("B", "a", 3, 7)))
    touching = Continuum("s", 10, (S("A", "a", 2, 4), S("A", "a", 4, 6), S("B", "a", 3, 7)))
    overlapping = Continuum("s", 10, (S("A", "a", 2, 5), S("A", "a", 3, 6), S("B", "a", 3, 7)))
    expected = unitized_family([whole], ["A", "B"], ["a"]).unitizing
    for continuum in (touching, overlapping):
        got = unitized_family([continuum], ["A", "B"], ["a"]).unitizing
        assert got.value == pytest.approx(expected.value)
        assert got.expected == pytest.approx(expected.expected)


def test_overlapping_different_codes_form_a_combined_value() -> None:
    # A: a[0,4) and b[2,6), so [2,4) is "a+b"; B: a[0,6). Disagreement on [2,4) (a+b vs a)
    # and [4,6) (b vs a): D_o = 2*(2+2)/20 = 0.4. Coded-or-not agrees everywhere.
    a_and_b = (S("A", "a", 0, 4), S("A", "b", 2, 6))
    family = unitized_family(
        [Continuum("s", 10, (*a_and_b, S("B", "a", 0, 6)))], ["A", "B"], ["a", "b"]
    )
    assert close(family.unitizing.observed, Fraction(2, 5))
    assert close(family.binary.value, 1)
    same_combination = (*a_and_b, S("B", "a", 0, 4), S("B", "b", 2, 6))
    agreed = unitized_family([Continuum("s", 10, same_combination)], ["A", "B"], ["a", "b"])
    assert close(agreed.unitizing.value, 1)
    assert close(agreed.coding.value, 1)


def random_coding(rng: random.Random, coder: str, length: int, count: int) -> list[Segment]:
    segments = []
    for _ in range(count):
        start = rng.randrange(length - 200)
        segments.append(S(coder, rng.choice("abc"), start, start + rng.randint(20, 200)))
    return segments


def test_identical_coding_gives_one() -> None:
    rng = random.Random(3)
    one = random_coding(rng, "A", 5000, 30)
    two = random_coding(rng, "A", 3000, 20)
    coders = ["A", "B", "C"]
    continua = [
        Continuum(name, length, tuple(S(c, s.code, s.start, s.end) for c in coders for s in segs))
        for name, length, segs in (("one", 5000, one), ("two", 3000, two))
    ]
    family = unitized_family(continua, coders, ["a", "b", "c"])
    for coefficient in (family.binary, family.unitizing, family.coding, *family.per_code):
        assert close(coefficient.value, 1)
        assert coefficient.observed == 0


def test_independent_random_coding_tends_to_zero() -> None:
    rng = random.Random(20161)
    coders = ["A", "B", "C", "D"]
    segments = [s for c in coders for s in random_coding(rng, c, 400_000, 600)]
    family = unitized_family([Continuum("s", 400_000, tuple(segments))], coders, ["a", "b", "c"])
    for coefficient in (family.binary, family.unitizing, family.coding, *family.per_code):
        assert coefficient.value is not None
        assert abs(coefficient.value) < 0.05


def test_symmetric_in_coders() -> None:
    continua, coders = bootstrap_data()
    codes = ["a", "b", "c"]
    first = unitized_family(continua, coders, codes)
    second = unitized_family(continua, ["C", "A", "B"], codes)
    for x, y in zip(
        (first.binary, first.unitizing, first.coding, *first.per_code),
        (second.binary, second.unitizing, second.coding, *second.per_code),
        strict=True,
    ):
        assert x.value == pytest.approx(y.value, abs=1e-12)
    assert 0 < first.unitizing.value < 1  # a real test of symmetry, not two 1s


def test_one_coder_is_undefined() -> None:
    family = unitized_family([two_coder_source(10)], ["A"], ["a"])
    for coefficient in (family.binary, family.unitizing, family.coding, *family.per_code):
        assert coefficient.value is None
        assert "at least two coders" in coefficient.reason


def test_nothing_coded_is_undefined() -> None:
    family = unitized_family([Continuum("s", 10, ())], ["A", "B"], ["a"])
    assert family.unitizing.value is None and family.unitizing.reason == NOTHING_CODED
    assert family.binary.reason == NOTHING_CODED
    assert family.coding.reason == NO_DOUBLE_CODING
    assert family.per_code[0].reason == CODE_NOT_PAIRED.format(code="a")


def test_one_code_where_coders_overlap_leaves_coding_undefined() -> None:
    family = unitized_family([two_coder_source(10)], ["A", "B"], ["a", "b"])
    assert family.coding.value is None
    assert "expected disagreement is zero" in family.coding.reason
    assert family.per_code[1].value is None  # b never applied


def test_a_coder_who_coded_nothing_takes_part() -> None:
    # B saw nothing: l_ag = l_ga = 4, l_gg = 2*6 = 12; l.. = 20; S_a = 16, S_gap = 6 + 10.
    # denominator 20 - 32/20 = 18.4; e_gg = (256-16)/18.4, e_aa = (16-16)/18.4 = 0;
    # D_e = (20 - 240/18.4)/20 = 128/368 = 8/23; D_o = 8/20; uα = 1 - (2/5)(23/8) = -3/20.
    continuum = Continuum("s", 10, (S("A", "a", 2, 6),))
    family = unitized_family([continuum], ["A", "B"], ["a"])
    assert close(family.unitizing.value, Fraction(-3, 20))
    assert family.unitizing.coders == 2


def test_other_coders_and_codes_are_ignored() -> None:
    extra = (S("Z", "a", 0, 10), S("A", "zz", 0, 10))
    continuum = Continuum("s", 10, (*two_coder_source(10).segments, *extra))
    family = unitized_family([continuum], ["A", "B"], ["a"])
    assert close(family.unitizing.value, Fraction(151, 240))
    assert family.unitizing.segments == 2


def test_segment_outside_its_source_is_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        unitized_family([Continuum("s", 5, (S("A", "a", 3, 8),))], ["A", "B"], ["a"])


def bootstrap_data() -> tuple[list[Continuum], list[str]]:
    rng = random.Random(11)
    coders = ["A", "B", "C"]
    base = random_coding(rng, "A", 20_000, 80)
    segments = []
    for c in coders:
        for s in base:
            # Coders agree on most of each stretch, off by a few characters, sometimes on code.
            code = s.code if rng.random() < 0.85 else rng.choice("abc")
            start = max(0, s.start + rng.randint(-8, 8))
            segments.append(S(c, code, start, min(20_000, s.end + rng.randint(-8, 8))))
    return [Continuum("s", 20_000, tuple(segments))], coders


def test_bootstrap_same_seed_same_interval_and_brackets_the_estimate() -> None:
    continua, coders = bootstrap_data()
    codes = ["a", "b", "c"]
    family = unitized_family(continua, coders, codes)
    for which, code, point in (
        ("uα", None, family.unitizing),
        ("|uα", None, family.binary),
        ("cuα", None, family.coding),
        ("(k)uα", "b", family.per_code[1]),
    ):
        first = bootstrap(continua, coders, codes, which, code, draws=400, seed=5)
        again = bootstrap(continua, coders, codes, which, code, draws=400, seed=5)
        assert first == again
        assert first.low < point.value < first.high
        assert first.draws == 400 and first.seed == 5 and first.level == 0.95
    other = bootstrap(continua, coders, codes, "uα", draws=400, seed=6)
    assert other != bootstrap(continua, coders, codes, "uα", draws=400, seed=5)


def test_bootstrap_probabilities_below_thresholds() -> None:
    continua, coders = bootstrap_data()
    result = bootstrap(
        continua, coders, ["a", "b", "c"], "cuα", draws=300, thresholds=(0, 0.8, 1.01)
    )
    (t0, p0), (t1, p1), (t2, p2) = result.below
    assert (t0, t1, t2) == (0, 0.8, 1.01)
    assert p0 <= p1 <= p2 == 1.0
    assert (
        result.below
        == bootstrap(
            continua, coders, ["a", "b", "c"], "coding", draws=300, thresholds=(0, 0.8, 1.01)
        ).below
    )


def test_bootstrap_of_undefined_alpha_and_bad_requests() -> None:
    nothing = [Continuum("s", 10, ())]
    result = bootstrap(nothing, ["A", "B"], ["a"], "uα")
    assert (result.low, result.high, result.below) == (None, None, ())
    with pytest.raises(ValueError, match="unknown coefficient"):
        bootstrap(nothing, ["A", "B"], ["a"], "kappa")
    with pytest.raises(ValueError, match="needs one of the codes"):
        bootstrap(nothing, ["A", "B"], ["a"], "(k)uα", "zz")
