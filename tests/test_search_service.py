"""Search hits are whole words; forgiving search counts typos per word."""

from __future__ import annotations

from itertools import pairwise

from qualcode.services.search import PART_OF_WORD, _exact, _forgiving, allowed_edits

TEXT = (
    "Housing came first. The housing team, the housing officer: housing's the key.\n\n"
    "Sometimes there is no time. Mental health partnerships matter."
)


def words(spans: list[tuple[int, int, float]]) -> list[str]:
    return [TEXT[start:end] for start, end, _ in spans]


def test_exact_hits_widen_to_whole_words_and_rank_word_parts_lower() -> None:
    spans = _exact(TEXT, "ousin")
    assert words(spans) == ["Housing", "housing", "housing", "housing's"]
    assert {score for *_, score in spans} == {PART_OF_WORD}
    assert [score for *_, score in _exact(TEXT, "time")] == [PART_OF_WORD, 100.0]


def test_forgiving_finds_every_occurrence_in_a_paragraph_as_whole_words() -> None:
    assert words(_forgiving(TEXT, "housng")) == ["Housing", "housing", "housing"]
    assert words(_forgiving(TEXT, "partnreship")) == ["partnerships"]
    assert words(_forgiving(TEXT, "mentalhealth")) == ["Mental health"]


def test_short_words_are_not_guessed_at() -> None:
    assert allowed_edits("tim") == 0
    assert words(_forgiving(TEXT, "tme")) == []
    assert allowed_edits("housng") == 1 and allowed_edits("partnreship") == 2


def test_forgiving_hits_never_overlap() -> None:
    spans = _forgiving(TEXT, "housing team")
    ends = [(start, end) for start, end, _ in spans]
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in pairwise(ends))
