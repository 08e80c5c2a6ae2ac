"""Identifier suggestions from transcripts, on the blank pipeline and with an entity
recogniser, measured on the demo transcripts' planted fictional identifiers."""

from __future__ import annotations

import pytest

from qualcode.importers import read_transcript
from qualcode.nlp.identifiers import suggest_identifiers
from qualcode.nlp.pipeline import load_pipeline
from tests.conftest import REPO

PLANTED = (
    "Dawn Hendry", "Quentin Farrow", "Brindlecombe", "Elmfield House", "Callum Reid",
    "Dr Okonjo", "Thornleigh estate", "Dr Anita Ramesh", "Steve Kershaw", "Wexcombe",
    "Sandra Whitlock", "Hollinsbrook", "Gemma", "Kestrel Park estate", "Tony Ferris",
    "Eastwick Moor", "Shona", "Gary Lister", "Ashgrove estate", "Lorraine", "Mick",
    "Hartwell", "Castlegate Medical Centre", "Sandra Bell", "Dr Fenwick", "Redmoor",
    "Willow Tree Women's Centre",
)  # fmt: skip
# Suggestions on the demo that name no one and no place (the rest are identifiers the
# demo's writers planted without listing them: "Jo", "Bev", "St Brigid", ...).
NOT_IDENTIFIERS = {"Biscuit", "Leeds"}  # a cat; a football club


@pytest.fixture(scope="module")
def demo_turns() -> tuple[list[tuple[str, str]], list[str]]:
    texts: list[tuple[str, str]] = []
    speakers: set[str] = set()
    for path in sorted((REPO / "transcripts").iterdir()):
        if path.suffix == ".csv":
            continue
        parsed = read_transcript(path)
        for turn in parsed.turns:
            texts.append((path.stem, parsed.text[turn.start : turn.end]))
            if turn.speaker:
                speakers.add(turn.speaker)
    return texts, sorted(speakers)


def _suggest(texts, **options):  # type: ignore[no-untyped-def]
    options.setdefault("known", [])
    options.setdefault("codebook_words", set())
    return suggest_identifiers(texts, load_pipeline(None), **options)


def test_most_planted_identifiers_are_suggested_on_the_blank_pipeline(demo_turns) -> None:  # type: ignore[no-untyped-def]
    texts, speakers = demo_turns
    suggestions = _suggest(texts, speakers=speakers)
    offered = {s.text.casefold() for s in suggestions} | {
        v.casefold() for s in suggestions for v in s.variants
    }
    missed = [p for p in PLANTED if p.casefold() not in offered]
    assert len(missed) <= len(PLANTED) * 0.2, missed
    wrong = [s.text for s in suggestions if s.text in NOT_IDENTIFIERS]
    assert len(wrong) <= 0.1 * len(suggestions)
    # speakers' names are people (a role label never is); never a day or an acronym
    texts_offered = {s.text for s in suggestions}
    by_text = {s.text: s for s in suggestions}
    for name in ("Helen Brook", "Imran"):
        assert by_text[name].kind == "person" and "a speaker label" in by_text[name].reason
    assert not texts_offered & {"Peer researcher", "Interviewer", "Q", "Navigator", "CPN"}
    assert not texts_offered & {"Wednesdays", "GPs", "DNAs", "Terrifying", "Honestly"}
    assert by_text["Dr Okonjo"].kind == "person" and by_text["Dr Okonjo"].replacement == "[name]"
    assert by_text["Thornleigh estate"].kind == "place"
    assert by_text["Thornleigh estate"].replacement == "[local area]"
    assert by_text["Castlegate Medical Centre"].replacement == "[organisation]"
    hartwell = by_text["Hartwell"]
    assert hartwell.count == 5 and hartwell.sources == ("case-study-lived-experience-01",)
    assert hartwell.reason


def test_registered_codebook_and_role_words_are_left_out() -> None:
    texts = [
        ("a", "We met Jill Evans with the navigator. Then Evans rang Jill about Mistrust."),
        ("b", "The Facilitator said Jill would call. Facilitator is great."),
    ]
    suggestions = _suggest(
        texts, known=["Jill"], codebook_words={"mistrust"}, speakers=["Facilitator"]
    )
    assert [s.text for s in suggestions] == ["Evans"]
    assert suggestions[0].count == 2 and suggestions[0].sources == ("a",)


def test_speaker_labels_that_are_names_are_suggested_as_people() -> None:
    texts = [("a", "Sam said Jill would call. Sam is great."), ("b", "Nothing to see.")]
    speakers = {"Sam": ["a", "b"], "Interviewer": ["a"], "P2": ["b"], "Jill": ["b"]}
    suggestions = {s.text: s for s in _suggest(texts, known=["Jill"], speakers=speakers)}
    assert set(suggestions) == {"Sam"}  # Jill is registered; the others are roles
    sam = suggestions["Sam"]
    assert sam.kind == "person" and sam.replacement == "[name]"
    assert sam.sources == ("a", "b") and sam.count == 4  # two mentions, two transcripts
    assert "a speaker label" in sam.reason


def test_spelling_variants_are_grouped_under_the_commonest() -> None:
    texts = [("a", "I asked Jill. Then I saw Jill's mum, and Jil again, and later Jill.")]
    [jill] = _suggest(texts)
    assert jill.text == "Jill" and jill.variants == ("Jil",) and jill.count == 4


def test_titles_place_words_and_the_places_list() -> None:
    texts = [
        (
            "a",
            "she saw Dr. Fenwick and Mrs Bell near the Ashgrove estate by "
            "Elmfield House, then went down to the quay at Portmoor.",
        )
    ]
    suggestions = {s.text: s for s in _suggest(texts, places=["portmoor", "Nowhere"])}
    assert suggestions["Dr. Fenwick"].kind == "person"
    assert suggestions["Mrs Bell"].kind == "person"
    assert suggestions["Ashgrove estate"].kind == "place"
    assert suggestions["Elmfield House"].kind == "organisation"
    assert suggestions["Portmoor"].reason.endswith("in the places list")
    assert "Nowhere" not in suggestions


def test_bracketed_descriptions_are_never_suggested() -> None:
    texts = [("a", "It was [Navigator Bob] and then [the Advanced Nurse Practitioner] left.")]
    assert _suggest(texts) == []


def test_named_entities_are_used_when_the_pipeline_has_a_recogniser() -> None:
    import spacy

    from qualcode.nlp.pipeline import Pipeline

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler", name="ner")
    ruler.add_patterns(
        [  # type: ignore[attr-defined]
            {"label": "GPE", "pattern": "hartwell"},
            {"label": "ORG", "pattern": [{"LOWER": "the"}, {"LOWER": "lighthouse"}]},
        ]
    )
    texts = [("a", "we lived in hartwell, near the lighthouse charity")]
    suggestions = {
        s.text: s
        for s in suggest_identifiers(texts, Pipeline(nlp, "test"), known=[], codebook_words=set())
    }
    assert suggestions["hartwell"].kind == "place"
    assert suggestions["lighthouse"].kind == "organisation"
    assert "named entity (ORG)" in suggestions["lighthouse"].reason


def test_suggesting_on_the_demo_is_quick(demo_turns) -> None:  # type: ignore[no-untyped-def]
    import time

    texts, speakers = demo_turns
    _suggest(texts[:5])  # load the lexicon once
    started = time.perf_counter()
    _suggest(texts, speakers=speakers)
    assert time.perf_counter() - started < 5


def test_pseudonyms_are_never_suggested_as_speakers_or_in_the_text() -> None:
    texts = [
        ("a", "Marie said Sandra Bell rang. Then Dean's mum rang Marie."),
        ("b", "Dean went with Jill to see MARIE."),
    ]
    speakers = {"Dean": ["b"], "Marie": ["a"], "Helen Brook": ["a"]}
    suggestions = {
        s.text: s for s in _suggest(texts, speakers=speakers, pseudonyms=["Dean", " marie "])
    }
    assert not {"Dean", "Marie", "MARIE"} & set(suggestions)
    assert {"Sandra Bell", "Jill", "Helen Brook"} <= set(suggestions)
    assert "a speaker label" in suggestions["Helen Brook"].reason


def test_the_review_demo_speaker_and_housing_officer_are_suggested(demo_turns) -> None:  # type: ignore[no-untyped-def]
    """The peer-review demo's report printed "Sandra Bell" (issue 11): she must be
    offered, as must the caption speakers' display names."""
    texts, speakers = demo_turns
    offered = {s.text for s in _suggest(texts, speakers=speakers)}
    assert {"Sandra Bell", "Helen Brook", "Rachel Green", "Sam Okoro"} <= offered
