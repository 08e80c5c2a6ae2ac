"""Quotes for reports: attribution templates, widening to sentences, trimming."""

from __future__ import annotations

import pytest

from qualcode.domain.errors import ValidationError
from qualcode.domain.quotes import OMISSION, attribution, trim, widen_to_sentences
from qualcode.domain.reports import ReportFilter

TEMPLATE = "{pseudonym|stakeholder_group}, local area {area}"


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"stakeholder_group": "Local area lead", "area": "G"}, "Local area lead, local area G"),
        (
            {"stakeholder_group": "Person with lived experience", "pseudonym": "Dean", "area": "G"},
            "Dean, local area G",
        ),
        ({"stakeholder_group": "MEAM staff", "pseudonym": ""}, "MEAM staff"),
        ({"Stakeholder_Group": "Local area lead", "AREA": "L"}, "Local area lead, local area L"),
        ({}, "Participant"),
    ],
)
def test_attribution_fills_what_the_participant_has(attributes, expected) -> None:  # type: ignore[no-untyped-def]
    assert attribution(TEMPLATE, attributes) == expected


def test_widening_takes_whole_sentences_inside_the_turn() -> None:
    text = "Sam: Hello there. We have no time at all, honestly. The trust is huge!\nAnn: Yes."
    lo, hi = 5, text.index("\n")
    start = text.index("no time")
    a, b = widen_to_sentences(text, start, start + len("no time"), lo, hi)
    assert text[a:b] == "We have no time at all, honestly."
    start = text.index("trust")
    a, b = widen_to_sentences(text, start, start + 5, lo, hi)
    assert text[a:b] == "The trust is huge!"  # never runs into the next speaker


def test_widening_keeps_a_passage_that_is_already_whole_sentences() -> None:
    text = "One. Two three. Four."
    start, end = text.index("Two"), text.index("Four") - 1
    assert widen_to_sentences(text, start, end, 0, len(text)) == (start, end)


def test_trimming_keeps_whole_sentences_and_marks_the_rest() -> None:
    assert (
        trim("One two three. Four five six seven. Eight nine.", 5) == f"One two three. {OMISSION}"
    )
    assert trim("One two three four five six seven eight", 4) == f"One two three four {OMISSION}"
    assert trim("Short and\nsweet.", 10) == "Short and sweet."


def test_where_conditions_parse_and_refuse_nonsense() -> None:
    assert ReportFilter.parse_where(("area=L,N", "stakeholder_group=Local area lead")) == (
        ("area", ("L", "N")),
        ("stakeholder_group", ("Local area lead",)),
    )
    with pytest.raises(ValidationError, match="attribute=value"):
        ReportFilter.parse_where(("area",))
