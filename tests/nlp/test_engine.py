"""The suggestion engine on the blank English pipeline: ranking, reasons and offsets."""

from __future__ import annotations

import numpy as np
import pytest

from qualcode.domain.suggestions import CodeDescription, TextUnit, TrainingExample, UnitSuggestions
from qualcode.nlp.embeddings import load_embedder
from qualcode.nlp.engine import Suggester
from qualcode.nlp.pipeline import BLANK, Pipeline, load_pipeline
from qualcode.nlp.termspace import content_lemmas
from qualcode.nlp.training import train
from tests.nlp.codebook import CODES, CORPUS, PATHS, corpus_stats, make_suggester


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    loaded = load_pipeline(None)
    assert loaded.name == BLANK
    return loaded


@pytest.fixture(scope="module")
def suggester(pipeline: Pipeline) -> Suggester:
    return make_suggester(CODES, pipeline)


def rank(suggester: Suggester, texts: list[str]) -> np.ndarray:
    return suggester.rank(texts, suggester.pipeline.analyse(texts))


def suggest_one(
    suggester: Suggester,
    text: str,
    prefix: str = "",
    *,
    top_k: int = 3,
    min_score: float | None = 0.0,
) -> tuple[UnitSuggestions, str]:
    """Suggestions for ``text`` as a unit of a source that starts with ``prefix``."""
    full = prefix + text
    analysis = suggester.pipeline.analyse([full])[0].slice(len(prefix), len(full))
    unit = TextUnit("src", len(prefix), len(full), text)
    (result,) = suggester.suggest([unit], [analysis], top_k=top_k, min_score=min_score)
    assert result.unit == unit
    return result, full


def words_of(suggester: Suggester, text: str) -> np.ndarray:
    """The codebook-words signal alone, per code (meaning moves with any change of text)."""
    raw = suggester.scorer.raw([text], suggester.pipeline.analyse([text]), suggester.stats)
    return raw.words[0]


def score_of(result: UnitSuggestions, path: str) -> float:
    return next((s.score for s in result.suggestions if s.code_path == path), 0.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My caseload is enormous and I am close to burnout most weeks.", "Workload"),
        ("There is such stigma, people judged me everywhere I went.", "Stigma"),
        ("I had no money left, the debt kept growing and my benefits were cut.", "Finance"),
    ],
)
def test_a_units_keywords_rank_that_code_first(
    suggester: Suggester, text: str, expected: str
) -> None:
    result, _ = suggest_one(suggester, text)
    assert result.suggestions[0].code_path == expected
    assert result.suggestions[0].score >= 0.35
    scores = rank(suggester, [text])
    assert PATHS[int(np.argmax(scores[0]))] == expected
    assert scores[0].max() > sorted(scores[0])[-2], "the keyword code should win clearly"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Honestly the waiting list is the worst part of it.", "waiting list"),
        ("Honestly the Waiting Lists are the worst part of it.", "Waiting Lists"),
        ("They wrote personality disorder on my notes.", "personality disorder"),
    ],
)
def test_keyword_phrases_are_matched_and_reported_with_their_offsets(
    suggester: Suggester, text: str, said: str
) -> None:
    result, full = suggest_one(suggester, text, prefix="Before. ")
    phrases = [(s, m) for s in result.suggestions for m in s.matched if " " in m.term]
    assert phrases, result
    suggestion, matched = phrases[0]
    assert f'keyword phrase "{matched.term}"' in suggestion.reasons
    assert matched.field == "keywords" and not matched.fuzzy
    assert full[matched.start : matched.end] == said
    unit = result.unit
    assert unit.text[matched.start - unit.start : matched.end - unit.start] == said


def test_a_keyword_phrase_adds_to_the_score_of_its_words(suggester: Suggester) -> None:
    together, _ = suggest_one(suggester, "The waiting list for everyone was long.")
    apart, _ = suggest_one(suggester, "The list for everyone was waiting long.")
    assert score_of(together, "Workload") > score_of(apart, "Workload") > 0


def test_a_phrase_said_twice_is_one_reason(suggester: Suggester) -> None:
    result, _ = suggest_one(
        suggester, "The waiting list was long. Then another waiting list after that one."
    )
    reasons = result.suggestions[0].reasons
    assert len(reasons) == len(set(reasons)), reasons


def test_a_misspelled_keyword_is_matched_as_fuzzy(suggester: Suggester) -> None:
    text = "My caseloadz are huge and nobody ever gets seen."
    result, full = suggest_one(suggester, text)
    top = result.suggestions[0]
    assert top.code_path == "Workload"
    fuzzy = [m for m in top.matched if m.fuzzy]
    assert [(m.term, full[m.start : m.end]) for m in fuzzy] == [("caseload", "caseloadz")]
    assert any('"caseloadz" ~ "caseload"' in reason for reason in top.reasons)


def test_a_misspelling_scores_like_the_word_it_stands_for(suggester: Suggester) -> None:
    workload = PATHS.index("Workload")
    right = words_of(suggester, "My caseload is huge and nobody ever gets seen.")[workload]
    wrong = words_of(suggester, "My caseloadz is huge and nobody ever gets seen.")[workload]
    unrelated_text = "My cassowary is huge and nobody ever gets seen."
    # Close, not equal: the misspelling is rarer in the project, so its idf is higher.
    assert wrong > 0 and wrong == pytest.approx(right, rel=0.25)
    assert words_of(suggester, unrelated_text)[workload] == 0
    unrelated, _ = suggest_one(suggester, unrelated_text)
    assert not any(m.fuzzy for s in unrelated.suggestions for m in s.matched)
    misspelt, _ = suggest_one(suggester, "My caseloadz is huge and nobody ever gets seen.")
    assert score_of(misspelt, "Workload") > score_of(unrelated, "Workload")


def test_fuzzy_matching_stops_short_of_different_words(suggester: Suggester) -> None:
    # The cut-off (fuzz.ratio 85) is a trade-off: "stigmer" (76.9 to "stigma") is
    # missed, because anything that lets it in also lets "truth" stand for "trust"
    # (80.0), a different word altogether.
    result, _ = suggest_one(suggester, "The stigmer of it all, you feel it everywhere you go.")
    assert not any(m.fuzzy for s in result.suggestions for m in s.matched)


def test_words_from_the_exclusion_criteria_lower_a_codes_score(suggester: Suggester) -> None:
    plain, _ = suggest_one(suggester, "People judged me because I was stuck at home.")
    excluded, _ = suggest_one(suggester, "People judged me because I was on benefits at home.")
    assert 0 < score_of(excluded, "Stigma") < score_of(plain, "Stigma")
    stigma = next(s for s in excluded.suggestions if s.code_path == "Stigma")
    assert any(
        r.startswith("lowered by words in its exclusion criteria") and "benefits" in r
        for r in stigma.reasons
    )


def test_a_use_other_code_pointer_in_the_exclusion_does_not_lower(suggester: Suggester) -> None:
    """'(use Finance)' names the other code: its words must not count against Stigma."""
    stigma = PATHS.index("Stigma")
    plain = words_of(suggester, "People judged me about my haircut.")[stigma]
    pointer = words_of(suggester, "People judged me about my finance.")[stigma]
    assert pointer == pytest.approx(plain, abs=1e-3)
    result, _ = suggest_one(suggester, "People judged me about my finance.")
    stigma_suggestion = next(s for s in result.suggestions if s.code_path == "Stigma")
    assert not any(r.startswith("lowered by") for r in stigma_suggestion.reasons)


@pytest.mark.parametrize(
    "prefix",
    ["Ça va 😀 — café naïve, “quoted”. ", "👩🏽‍⚕️ said: ", "Zoë: "],
)
def test_offsets_are_code_points_into_the_source(suggester: Suggester, prefix: str) -> None:
    assert len(prefix.encode("utf-8")) != len(prefix)  # byte offsets would be caught
    text = "Café 🙂 talk: my caseload is huge and the waiting list grows."
    result, full = suggest_one(suggester, text, prefix=prefix)
    workload = next(s for s in result.suggestions if s.code_path == "Workload")
    said = {full[m.start : m.end] for m in workload.matched}
    assert said == {"caseload", "waiting list", "waiting", "list"}
    for matched in workload.matched:
        assert result.unit.start <= matched.start < matched.end <= result.unit.end


@pytest.mark.parametrize(
    "text",
    [
        "caseload " * 50,
        "stigma judged personality disorder stigma judged " * 5,
        "money benefits debt money benefits debt",
        "money benefits benefits money",  # all exclusion words for Stigma
        "Workload Stigma Finance caseload burnout judged debt waiting list",
        "a",
        "!!!",
    ],
)
def test_scores_stay_between_0_and_1(suggester: Suggester, text: str) -> None:
    scores = rank(suggester, [text])
    assert scores.shape == (1, len(CODES))
    assert np.all(scores >= 0) and np.all(scores <= 1)
    result, _ = suggest_one(suggester, text)
    assert all(0 < s.score <= 1 for s in result.suggestions)


@pytest.mark.parametrize("text", ["", " ", "   \n\t  ", "\n\n"])
def test_empty_units_get_no_suggestions(suggester: Suggester, text: str) -> None:
    result, _ = suggest_one(suggester, text)
    assert result.suggestions == ()
    scores = rank(suggester, [text])
    assert scores.shape == (1, len(CODES)) and not scores.any()


def test_rank_returns_units_by_codes_and_agrees_with_suggest(
    suggester: Suggester, pipeline: Pipeline
) -> None:
    texts = [
        "My caseload is enormous and I am close to burnout.",
        "",
        "People judged me and said I had a personality disorder.",
        "The weather was nice.",
        "My benefits were cut and the debt grew.",
    ]
    analyses = pipeline.analyse(texts)
    scores = suggester.rank(texts, analyses)
    assert scores.shape == (len(texts), len(CODES))
    assert suggester.rank([], []).shape == (0, len(CODES))
    units = [TextUnit("src", 0, len(t), t) for t in texts]
    results = suggester.suggest(units, analyses, top_k=len(CODES), min_score=0.0)
    assert [r.unit for r in results] == units
    for row, result in enumerate(results):
        for suggestion in result.suggestions:
            column = PATHS.index(suggestion.code_path)
            assert suggestion.score == pytest.approx(float(scores[row, column]), abs=1e-3)
        assert [s.score for s in result.suggestions] == sorted(
            (s.score for s in result.suggestions), reverse=True
        )
    assert [PATHS[int(i)] for i in scores[[0, 2, 4]].argmax(axis=1)] == [
        "Workload",
        "Stigma",
        "Finance",
    ]


def test_top_k_and_min_score_are_honoured(suggester: Suggester) -> None:
    text = "My caseload and burnout, being judged, and the debt and money worries."
    everything, _ = suggest_one(suggester, text, top_k=3, min_score=0.0)
    assert len(everything.suggestions) == 3
    one, _ = suggest_one(suggester, text, top_k=1, min_score=0.0)
    assert one.suggestions == everything.suggestions[:1]
    lowest = min(s.score for s in everything.suggestions)
    above, _ = suggest_one(suggester, text, top_k=3, min_score=lowest + 0.001)
    assert all(s.score >= lowest + 0.001 for s in above.suggestions)
    assert len(above.suggestions) < 3
    none, _ = suggest_one(suggester, text, top_k=3, min_score=1.0)
    assert none.suggestions == ()


GROUPED = [
    CodeDescription("p", "Barriers", None, keywords=("waiting",)),
    CodeDescription("c", "Barriers > Waiting", "p", keywords=("waiting",)),
]
WAITING = "So much waiting, waiting for months."


def test_group_headings_are_not_suggested(pipeline: Pipeline) -> None:
    suggester = make_suggester(GROUPED, pipeline, corpus=[*CORPUS, WAITING])
    result, _ = suggest_one(suggester, WAITING, top_k=2)
    assert [s.code_path for s in result.suggestions] == ["Barriers > Waiting"]
    assert rank(suggester, [WAITING])[0, 0] == 0


def test_a_group_heading_is_suggested_once_someone_codes_with_it(pipeline: Pipeline) -> None:
    stats = corpus_stats(GROUPED, pipeline, [*CORPUS, WAITING])
    coded = TrainingExample("p", "Waiting and waiting, and nobody came.", True, "Ann", "s", 0, 37)
    model = train(GROUPED, pipeline, load_embedder(), [coded], stats=stats)
    assert model.fitted is None  # one example: the codebook still speaks alone
    suggester = make_suggester(GROUPED, pipeline, model)
    result, _ = suggest_one(suggester, WAITING, top_k=2)
    assert "Barriers" in [s.code_path for s in result.suggestions]


@pytest.mark.parametrize("text", ["Nothing.", "N/a", "It was.", "Yes, I did."])
def test_a_unit_with_no_content_words_gets_no_suggestion(suggester: Suggester, text: str) -> None:
    assert not content_lemmas(suggester.pipeline.analyse([text])[0])
    result, _ = suggest_one(suggester, text, min_score=None)
    assert result.suggestions == ()
    assert not rank(suggester, [text]).any()


def test_colloquial_cos_does_not_match_co_hyphenated_codes(pipeline: Pipeline) -> None:
    codes = [
        CodeDescription(
            "a",
            "Co-occurring substance use",
            None,
            definition="Drug or alcohol use alongside mental ill health.",
        ),
        CodeDescription("b", "Mistrust", None, definition="Not trusting services."),
    ]
    text = "I never went back to the doctor cos they never listened, cos it was pointless."
    suggester = make_suggester(codes, pipeline)
    assert words_of(suggester, text)[0] == 0
    result, _ = suggest_one(suggester, text)
    assert not [m for s in result.suggestions for m in s.matched], result
