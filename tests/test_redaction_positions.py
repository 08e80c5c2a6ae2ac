"""Positions moved with the text when the identifier register is applied (a
pseudonymised .qdpx keeps every coding on the same words)."""

from __future__ import annotations

import re

import pytest

from qualcode.domain.redaction import IdentifierEntry, Redactor

JILL = IdentifierEntry("Jill Evans", "[psychologist]", "person")
ANN = IdentifierEntry("Ann", "[name]", "person")
THORN = IdentifierEntry("Thornleigh", "[local area]", "place")
REDACTOR = Redactor((JILL, ANN, THORN))


def words(text: str, phrase: str, occurrence: int = 0) -> tuple[int, int]:
    found = [m.span() for m in re.finditer(re.escape(phrase), text)]
    return found[occurrence]


def moved(text: str, start: int, end: int) -> str:
    redacted = REDACTOR.apply_mapped(text)
    new_start, new_end = redacted.span(start, end)
    return redacted.text[new_start:new_end]


def test_the_text_is_what_apply_gives() -> None:
    text = "Jill Evans met Ann in Thornleigh; Jill's notes. Ann\u2019s too."
    assert REDACTOR.apply_mapped(text).text == REDACTOR.apply(text)


TEXT = (
    "At first Jill Evans said the bus was late. \U0001f68c Then Ann\u2019s sister "
    "spoke about Thornleigh and Ann's job in Thornleigh, cafe\u0301 work. The end."
)


@pytest.mark.parametrize(
    "phrase",
    [
        "At first",  # before every name
        "At first Jill Evans said",  # across a name
        "Jill Evans",  # exactly a name
        "said the bus was late. \U0001f68c Then",  # between names, after an emoji
        "Then Ann\u2019s sister",  # a possessive inside
        "Ann's job in Thornleigh",  # two names
        "cafe\u0301 work. The end.",  # after every name, combining accent
        "Thornleigh, cafe\u0301",
        "",  # an empty selection stays empty
    ],
)
def test_a_moved_selection_holds_the_redacted_words(phrase: str) -> None:
    start, end = words(TEXT, phrase)
    assert moved(TEXT, start, end) == REDACTOR.apply(TEXT[start:end])


def test_a_selection_inside_a_name_covers_its_whole_replacement() -> None:
    start, end = words(TEXT, "Evans")
    assert moved(TEXT, start, end) == "[psychologist]"
    start, _ = words(TEXT, "ill Evans")
    assert moved(TEXT, start, start + 2) == "[psychologist]"


def test_a_start_inside_a_name_moves_to_its_start_and_an_end_to_its_end() -> None:
    start, _ = words(TEXT, "Evans said")
    _, end = words(TEXT, "Thornl")
    assert (
        moved(TEXT, start, end)
        == REDACTOR.apply(TEXT)[
            words(REDACTOR.apply(TEXT), "[psychologist]")[0] : words(
                REDACTOR.apply(TEXT), "[local area]"
            )[1]
        ]
    )


def test_a_selection_ending_right_before_a_name_does_not_take_it() -> None:
    _, end = words(TEXT, "At first ")
    assert moved(TEXT, 0, end) == "At first "
    start, _ = words(TEXT, " said")
    assert moved(TEXT, start, start + 5) == " said"


def test_a_possessive_stays_with_the_selection_as_written() -> None:
    text = "Ann's bag and Anns' bags"
    start, end = words(text, "Ann's")
    assert moved(text, start, end) == "[name]'s"
    start, end = words(text, "Ann")
    assert moved(text, start, end) == "[name]"
    start, end = words(text, "Anns'")
    assert moved(text, start, end) == "[name]'s"
    assert moved(text, start, start + 3) == "[name]'s"  # rewritten: one piece


def test_positions_are_code_points_past_emoji_and_combining_marks() -> None:
    text = "\U0001f600\U0001f600 cafe\u0301 Ann e\u0301 Ann \U0001f44d\U0001f3fd end"
    redacted = REDACTOR.apply_mapped(text)
    start, end = words(text, "\U0001f44d\U0001f3fd end")
    new_start, new_end = redacted.span(start, end)
    assert redacted.text[new_start:new_end] == "\U0001f44d\U0001f3fd end"
    start, end = words(text, "e\u0301 Ann", 0)
    new_start, new_end = redacted.span(start, end)
    assert redacted.text[new_start:new_end] == "e\u0301 [name]"


def test_names_touching_other_letters_are_mapped_through_every_pass() -> None:
    text = "Anns'Ann and Ann"
    redacted = REDACTOR.apply_mapped(text)
    assert redacted.text == REDACTOR.apply(text)
    start, end = words(text, "and Ann")
    new_start, new_end = redacted.span(start, end)
    assert redacted.text[new_start:new_end] == "and [name]"
    assert redacted.span(len(text), len(text)) == (len(redacted.text), len(redacted.text))


def test_text_without_names_keeps_every_position() -> None:
    redacted = REDACTOR.apply_mapped("nothing to see")
    assert redacted.text == "nothing to see"
    assert [redacted.start(i) for i in range(15)] == list(range(15))
