"""Speed work on suggestions (issue 12): same answers as the plain definitions, less work."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.domain.suggestions import TextUnit
from qualcode.importers import read_transcript
from qualcode.nlp.pipeline import BLANK, Analysis, Pipeline, load_pipeline
from qualcode.services import suggestions
from qualcode.services.coding import CodingService
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
from qualcode.services.suggestions import (
    SuggestionService,
    _covered_units,
    _overlaps_enough,
    model_path_for,
)
from tests.conftest import REPO

TIME = "11111111-1111-4111-8111-111111111112"
RISK = "11111111-1111-4111-8111-111111111113"


def covered_by_definition(
    units: list[TextUnit], spans_by_code: dict[str, list[tuple[int, int]]]
) -> set[tuple[int, int, str]]:
    """The check as it was first written: every unit against every coding."""
    return {
        (unit.start, unit.end, code)
        for unit in units
        for code, spans in spans_by_code.items()
        if any(_overlaps_enough(s, e, unit.start, unit.end) for s, e in spans)
    }


spans = st.tuples(st.integers(0, 200), st.integers(0, 60)).map(lambda p: (p[0], p[0] + p[1]))
codings = st.dictionaries(st.sampled_from([TIME, RISK]), st.lists(spans, max_size=12))


def as_units(pairs: list[tuple[int, int]]) -> list[TextUnit]:
    return [TextUnit("s", start, end, "x" * (end - start)) for start, end in pairs]


@st.composite
def side_by_side(draw: st.DrawFn) -> list[tuple[int, int]]:
    """Units as the service makes them: in order, never nested (gaps and touching ok)."""
    out: list[tuple[int, int]] = []
    position = 0
    for gap, length in draw(st.lists(st.tuples(st.integers(0, 5), st.integers(1, 30)))):
        out.append((position + gap, position + gap + length))
        position += gap + length
    return out


@settings(max_examples=300, deadline=None)
@given(units=side_by_side(), coded=codings)
def test_covered_units_agrees_with_the_definition_for_units_in_order(
    units: list[tuple[int, int]], coded: dict[str, list[tuple[int, int]]]
) -> None:
    text_units = as_units(units)
    assert _covered_units(text_units, coded) == covered_by_definition(text_units, coded)


@settings(max_examples=300, deadline=None)
@given(units=st.lists(spans, max_size=15), coded=codings)
def test_covered_units_agrees_with_the_definition_for_any_units(
    units: list[tuple[int, int]], coded: dict[str, list[tuple[int, int]]]
) -> None:
    """Overlapping, nested, repeated, empty and unsorted units too."""
    text_units = as_units(units)
    assert _covered_units(text_units, coded) == covered_by_definition(text_units, coded)


def test_the_already_coded_check_grows_with_the_codings_not_units_times_codings(
    tmp_path: Path, project: Project, project_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every turn coded "Time": each coding is compared with its own turn only."""
    turns = 60
    transcript = tmp_path / "many-turns.txt"
    transcript.write_text(
        "".join(f"P{n % 2 + 1}: We have no time for turn {n}.\n\n" for n in range(turns)),
        encoding="utf-8",
    )
    with project.session() as session:
        SourceService(session, "Ann").import_files([transcript])
    with project.session() as session:
        coding = CodingService(session, "Ann")
        for n in range(turns):
            coding.add_passage("many-turns", "Time", f"We have no time for turn {n}.")
    calls = 0

    def counting(start: int, end: int, unit_start: int, unit_end: int) -> bool:
        nonlocal calls
        calls += 1
        return _overlaps_enough(start, end, unit_start, unit_end)

    monkeypatch.setattr(suggestions, "_overlaps_enough", counting)
    with project.session() as session:
        run = SuggestionService(
            session, "Ann", model_path=model_path_for(project_path), pipeline=BLANK
        ).suggest(min_score=0.0)
    assert len(run.units) == turns
    assert not any(s.code_uuid == TIME for u in run.units for s in u.suggestions)
    assert calls <= 2 * turns


# -- analysis ----------------------------------------------------------------------------


def analysed_token_by_token(pipeline: Pipeline, text: str) -> Analysis:
    """The analysis as it was first written: one spaCy Token object at a time."""
    doc = pipeline.nlp(text)  # the whole pipeline, spaCy's sentencizer included
    words = [token for token in doc if not token.is_space]
    lemmas = [pipeline.lemmatiser.lemma(token.lower_) for token in words]
    sentences = (
        tuple((s.start_char, s.end_char) for s in doc.sents)
        if doc.has_annotation("SENT_START")
        else ((0, len(doc.text)),)
    )
    return Analysis(
        tuple(lemmas),
        tuple(token.idx for token in words),
        tuple(token.idx + len(token.text) for token in words),
        tuple(
            pipeline.lemmatiser.is_content(token.lower_, lemma)
            for token, lemma in zip(words, lemmas, strict=True)
        ),
        sentences,
    )


prose = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "We",
                "had",
                "NO",
                "time",
                "caseloads",
                "Co-occurring",
                "don't",
                "it\u2019s",
                "Um,",
                "yeah.",
                "Really?!",
                "P1:",
                "\n\n",
                "  ",
                "\t",
                "\u00e9t\u00e9",
                "\U0001f600",
                "...",
                "e.g.",
                "Dr.",
                "3pm",
                "--",
                "(laughs)",
                '"Yes."',
                "(fine.)",
                "1.5",
                "!!!",
                "\u2026",
                "\u3002",
                "?",
                ".",
                "'",
            ]
        ),
        st.text(max_size=8),
    ),
    max_size=40,
).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(text=prose)
def test_analysis_from_arrays_matches_token_by_token(text: str) -> None:
    pipeline = load_pipeline(BLANK)
    assert pipeline.analyse([text]) == [analysed_token_by_token(pipeline, text)]


def test_analysis_of_the_demo_transcripts_matches_token_by_token() -> None:
    pipeline = load_pipeline(BLANK)
    texts = demo_texts()
    assert texts
    assert pipeline.analyse(texts) == [analysed_token_by_token(pipeline, t) for t in texts]


def demo_texts() -> list[str]:
    return [
        read_transcript(file).text
        for file in sorted((REPO / "transcripts").iterdir())
        if file.suffix in {".txt", ".docx", ".vtt", ".srt"}
    ]


# -- reasons -----------------------------------------------------------------------------


def test_closest_coded_passages_are_those_of_the_plain_definition() -> None:
    """Found for a whole block at once, the closest coded passage of each suggestion is
    the one a passage-by-passage comparison picks (most similar, if similar enough)."""
    from qualcode.domain.suggestions import ClosestExample, TrainingExample
    from qualcode.nlp.embeddings import load_embedder
    from qualcode.nlp.engine import MIN_EXAMPLE_SIMILARITY
    from qualcode.nlp.training import train
    from tests.nlp.codebook import CODES, CORPUS, corpus_stats, make_suggester

    if load_embedder() is None:
        pytest.skip("no sentence-meaning model: there are no closest passages")
    pipeline = load_pipeline(BLANK)
    coded = {0: "c-work", 5: "c-work", 1: "c-stigma", 11: "c-stigma", 2: "c-fin", 10: "c-fin"}
    examples = [
        TrainingExample(code, CORPUS[i], True, "Ann", "src", 0, len(CORPUS[i]))
        for i, code in coded.items()
    ]
    stats = corpus_stats(CODES, pipeline)
    model = train(CODES, pipeline, load_embedder(), examples, stats=stats)
    suggester = make_suggester(CODES, pipeline, model)
    texts = [*CORPUS, "The list for help was long and people judged me for the debt."]
    analyses = pipeline.analyse(texts)
    units = [TextUnit("src", 0, len(t), t) for t in texts]
    results = suggester.suggest(units, analyses, top_k=3, min_score=0.0)
    vectors = suggester.scorer.raw(texts, analyses, suggester.stats).vectors
    positives = [e for e in model.examples if e.positive]
    embedded = suggester.scorer.embed([e.text for e in positives]) - suggester.stats.centre
    example_vectors = embedded / np.linalg.norm(embedded, axis=1, keepdims=True)

    def closest(row: int, code_uuid: str) -> ClosestExample | None:
        best: tuple[float, int] | None = None
        for index, example in enumerate(positives):
            if example.code_uuid != code_uuid:
                continue
            similarity = float(example_vectors[index] @ vectors[row])
            if best is None or similarity > best[0]:
                best = (similarity, index)
        if best is None or best[0] < MIN_EXAMPLE_SIMILARITY:
            return None
        e = positives[best[1]]
        return ClosestExample(e.source, e.start, e.end, e.text, e.coder, round(best[0], 2))

    found = [
        (s.closest, closest(row, s.code_uuid))
        for row, result in enumerate(results)
        for s in result.suggestions
    ]
    assert len(found) == 3 * len(texts)
    assert any(got is not None for got, _ in found) and any(got is None for got, _ in found)
    assert [got for got, _ in found] == [expected for _, expected in found]


def test_units_worked_out_for_the_statistics_score_as_if_worked_out_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Scoring with the signals the statistics were read from (block by block) gives
    the same records as working the units out afresh."""
    from qualcode.domain.suggestions import TextUnit
    from qualcode.nlp import engine
    from qualcode.nlp.embeddings import load_embedder
    from qualcode.nlp.engine import Suggester
    from qualcode.nlp.pipeline import load_pipeline
    from qualcode.nlp.zero_shot import CodebookScorer
    from tests.nlp.codebook import CODES, CORPUS

    pipeline = load_pipeline(None)
    scorer = CodebookScorer(CODES, pipeline, load_embedder())
    analyses = pipeline.analyse(list(CORPUS))
    stats, raw = scorer.corpus_stats_and_signals(list(CORPUS), analyses)
    units = [TextUnit("s", 0, len(t), t) for t in CORPUS]
    suggester = Suggester(CODES, pipeline, scorer.embedder, stats=stats, scorer=scorer)
    fresh = suggester.suggest(units, analyses, min_score=0.0)
    reused = suggester.suggest(units, analyses, min_score=0.0, raw=raw)
    assert reused == fresh
    monkeypatch.setattr(engine, "_BLOCK", 5)  # rows sliced across blocks
    assert suggester.suggest(units[3:], analyses[3:], min_score=0.0, raw=raw.rows(3, 99)) == (
        suggester.suggest(units[3:], analyses[3:], min_score=0.0)
    )
    assert sum(len(u.suggestions) for u in fresh) > 0
