"""Matching that survives disguise (issue 11): a registered name is found however it is
written, and replaced where the replacement is unambiguous."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from qualcode.domain.folding import fold
from qualcode.domain.redaction import IdentifierEntry, Redactor
from qualcode.nlp.lemmas import dictionary_words
from qualcode.services.identifiers import IdentifierService
from qualcode.services.project import Project

JILLIAN = IdentifierEntry("Jillian Okafor", "[name]", "person")
DAWN = IdentifierEntry("Dawn Hendry", "[navigator]", "person")
MARK = IdentifierEntry("Mark Bell", "[worker]", "person")
WILL = IdentifierEntry("Will Thornton", "[name]", "person")
EVERYDAY = frozenset({"dawn", "mark", "bell", "will"})
FULLWIDTH = "\uff2a\uff49\uff4c\uff4c\uff49\uff41\uff4e"  # Jillian


def redactor(*entries: IdentifierEntry) -> Redactor:
    return Redactor(entries or (JILLIAN,), common_words=EVERYDAY)


# (as written, the span find_leaks reports, the text after apply)
DISGUISES = [
    ("write to jillian.okafor@example.org today", "jillian.okafor@example.org", "[name]"),
    ("follow @JillianOkafor now", "@JillianOkafor", "[name]"),
    ("user JillianOkafor1985 logged in", "JillianOkafor1985", "[name]"),
    ("user jillian_okafor logged in", "jillian_okafor", "[name]"),
    ("it was JillianOkafor who", "JillianOkafor", "[name]"),
    ("it was jillianokafor who", "jillianokafor", "[name]"),
    ("it was OkaforJillian who", "OkaforJillian", "[name]"),
    ("signed Okafor, Jillian here", "Okafor, Jillian", "[name]"),
    ("I asked jillian again", "jillian", "[name]"),
    ("I asked okafor again", "okafor", "[name]"),
    ("I asked Jillian again", "Jillian", "[name]"),
    ("I asked OKAFOR again", "OKAFOR", "[name]"),
    ("it was Jillian's idea", "Jillian's", "[name]'s"),
    ("it was Okafor\u2019s idea", "Okafor\u2019s", "[name]\u2019s"),
    ("it was JILLIAN'S idea", "JILLIAN'S", "[name]'S"),
    ("met Jil\u200elian Okafor there", "Jil\u200elian Okafor", "[name]"),
    ("met Jillian\u034fOkafor there", "Jillian\u034fOkafor", "[name]"),
    ("met \u2066Jillian\u2069 Okafor there", "Jillian\u2069 Okafor", "[name]"),
    ("met Oka\u180efor there", "Oka\u180efor", "[name]"),
    ("met Jil\u200blian there", "Jil\u200blian", "[name]"),
    ("met Jil\ufe0flian there", "Jil\ufe0flian", "[name]"),
    ("met \u0408illian \u041ekafor there", "\u0408illian \u041ekafor", "[name]"),
    ("met \u0408\u0456ll\u0456\u0430n there", "\u0408\u0456ll\u0456\u0430n", "[name]"),
    (f"met {FULLWIDTH} there", FULLWIDTH, "[name]"),
    ("met \U0001d409\U0001d422llian there", "\U0001d409\U0001d422llian", "[name]"),
    ("met J i l l i a n there", "J i l l i a n", "[name]"),
    ("met O K A F O R there", "O K A F O R", "[name]"),
    ("met J.i.l.l.i.a.n there", "J.i.l.l.i.a.n", "[name]"),
    ("met J i l l i a n O k a f o r there", "J i l l i a n O k a f o r", "[name]"),
    ("met Jillian0kafor there", "Jillian0kafor", "[name]"),
    ("met J1ll1an there", "J1ll1an", "[name]"),
    ("met Julian there", None, "met Julian there"),  # another name
    ("met JiIIian there", "JiIIian", "[name]"),
    ("met 0k4f0r there", "0k4f0r", "[name]"),
    ("met Okaf0r there", "Okaf0r", "[name]"),
    ("met J1lli4n 0kafor there", "J1lli4n 0kafor", "[name]"),
    ("met Jill\u00ecan Ok\u00e1for there", "Jill\u00ecan Ok\u00e1for", "[name]"),
]


@pytest.mark.parametrize(("text", "span", "after"), DISGUISES)
def test_find_leaks_sees_through_the_disguise(text: str, span: str | None, after: str) -> None:
    leaks = redactor().find_leaks(text)
    if span is None:
        assert leaks == []
        return
    assert [leak.found for leak in leaks] == [span]
    assert [text[leak.start : leak.end] for leak in leaks] == [span]
    assert leaks[0].original == "Jillian Okafor"


@pytest.mark.parametrize(("text", "span", "after"), DISGUISES)
def test_apply_replaces_the_disguised_name(text: str, span: str | None, after: str) -> None:
    redact = redactor()
    output = redact.apply(text)
    if span is None:
        assert output == text
        return
    assert output == text.replace(span, after)
    assert redact.find_leaks(output) == []
    assert redact.apply(output) == output


@pytest.mark.parametrize(
    "text",
    [
        "Th\u0435n \u0408illian \u041ekafor left.",
        "Then Jil\u200b\u200blian\u2060 Okafor left.",
        "\u00abThen Jill\u0456\u0430n\u00bb left.",
    ],
)
def test_a_disguised_match_replaces_exactly_its_own_code_points(text: str) -> None:
    leaks = redactor().find_leaks(text)
    assert len(leaks) == 1
    leak = leaks[0]
    assert text[leak.start : leak.end] == leak.found
    assert redactor().apply(text) == text[: leak.start] + "[name]" + text[leak.end :]
    # nothing invisible is left of the name, and nothing around it is taken
    assert fold(leak.found) in {"jillian okafor", "jillian"}
    assert not text[leak.end - 1].isspace() and fold(text[leak.end - 1]) != ""


def test_the_service_register_uses_the_dictionary_for_everyday_words(project: Project) -> None:
    service = IdentifierService(project.session(), "Ann")
    service.add("Dawn Hendry", "[navigator]", kind="person")
    service.add("Jillian Okafor", "[name]", kind="person")
    redact = IdentifierService(project.session(), "Ann").redactor()
    assert redact.apply("At dawn jillian left; Dawn and hendry too.") == (
        "At dawn [name] left; [navigator] and [navigator] too."
    )


def test_dictionary_words_are_lower_case_lemmas_not_names() -> None:
    words = dictionary_words()
    assert {"dawn", "bell", "mark", "will", "dean"} <= words
    assert not {"jillian", "okafor", "jill", "sandra"} & words


@pytest.mark.parametrize(
    ("text", "after"),
    [
        ("Then Dawn rang", "Then [navigator] rang"),
        ("up at dawn", "up at dawn"),
        ("DAWN rang", "[navigator] rang"),
        ("Dawn's team", "[navigator]'s team"),
        ("hendry rang", "[navigator] rang"),
        ("D4wn rang", "[navigator] rang"),
        ("dawn.hendry@nhs.net", "[navigator]"),
        ("dawn@nhs.net", "dawn@nhs.net"),
    ],
)
def test_an_everyday_word_counts_alone_only_with_a_capital(text: str, after: str) -> None:
    assert redactor(DAWN).apply(text) == after


def test_without_everyday_words_every_part_counts_in_any_case() -> None:
    assert Redactor([DAWN]).apply("up at dawn") == "up at [navigator]"


ORDINARY = """\
Interviewer: What did a normal day look like?

Participant: I'd be up at dawn, honestly, because the bell went at six. You mark the
sheet, you will see the nurse, and the will to carry on comes and goes. I said to the
key worker, if you email sam.jones@example.org or the team at help@thornbury.nhs.uk,
or message @helpdesk, someone will ring the bell for you. My granddad read J. R. R.
Tolkien to me, and C. S. Lewis. We met at 5am, walked 70m to the A1 road, 3D printed a
mark for the door. The ill and the old, a kind word, planning and annual leave,
a 1985 photo, a sandwich from the Dean Street deli and a ray of sun at 4pm.
I mean, a b c d e f, in that order, and that's it.
"""


def test_no_new_false_positives_on_ordinary_interview_english() -> None:
    register = (
        IdentifierEntry("Jill", "[psychologist]", "person"),
        JILLIAN,
        DAWN,
        MARK,
        WILL,
        IdentifierEntry("Ann", "[name]", "person"),
        IdentifierEntry("Sam Ng", "[client]", "person"),
        IdentifierEntry("Tom Ray", "[client]", "person"),
        IdentifierEntry("Kestrel Park estate", "[local area]", "place"),
    )
    redact = Redactor(register, common_words=dictionary_words())
    assert redact.find_leaks(ORDINARY) == []
    assert redact.apply(ORDINARY) == ORDINARY


def test_a_form_two_entries_share_with_different_replacements_is_refused() -> None:
    grace = IdentifierEntry("Grace Okafor", "[mother]", "person")
    redact = redactor(JILLIAN, grace)
    text = "Okafor said Jillian Okafor and Grace Okafor came; okafor.family@example.org"
    assert redact.apply(text) == "Okafor said [name] and [mother] came; okafor.family@example.org"
    leaks = redact.find_leaks(redact.apply(text))
    assert [leak.found for leak in leaks] == ["Okafor", "okafor.family@example.org"]
    # the same replacement for both: nothing to decide
    sister = IdentifierEntry("Grace Okafor", "[name]", "person")
    assert redactor(JILLIAN, sister).apply("Okafor said") == "[name] said"


def test_a_whole_name_beats_a_part_of_another() -> None:
    jill = IdentifierEntry("Jillian", "[psychologist]", "person")
    assert redactor(JILLIAN, jill).apply("Jillian and Okafor and Jillian Okafor") == (
        "[psychologist] and [name] and [name]"
    )


_PIECES = [
    "Jillian",
    "Okafor",
    "jillian",
    "0kafor",
    "J i l l i a n",
    "\u0408illian",
    "Jil\u200blian",
    "Dawn",
    "dawn",
    "Hendry",
    "Mark",
    "Bell",
    "Grace",
    "@",
    ".",
    "_",
    "'s",
    "'",
    "-",
    " ",
    "  ",
    "\n",
    "1985",
    "[name]",
    "[navigator]",
    "[",
    "]",
    "example.org",
    "and",
    "a",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14))
@example(["Jillian", "s'", "Jillian"])  # a possessive only once "[name]" follows it
def test_applying_twice_changes_nothing(pieces: list[str]) -> None:
    grace = IdentifierEntry("Grace Okafor", "[mother]", "person")
    redact = redactor(JILLIAN, DAWN, MARK, grace)
    text = "".join(pieces)
    once = redact.apply(text)
    assert redact.apply(once) == once
