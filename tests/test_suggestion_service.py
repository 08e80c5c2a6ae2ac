"""Suggested codes on the demo project: units, answers, learning, caching, no network."""

from __future__ import annotations

import shutil
import socket
import stat
from pathlib import Path

import pytest
import yaml
from sqlalchemy import delete, func, select

from qualcode.domain.errors import NotFoundError, ValidationError
from qualcode.domain.records import Origin
from qualcode.domain.suggestions import (
    Evaluation,
    SuggestionRun,
    TrainingExample,
    Unit,
    UnitSuggestions,
)
from qualcode.nlp.embeddings import load_embedder
from qualcode.nlp.pipeline import BLANK, Pipeline, load_pipeline
from qualcode.nlp.training import train
from qualcode.nlp.zero_shot import CodebookScorer
from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.demo import build_demo, find_demo_material
from qualcode.services.history import HistoryService
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
from qualcode.services.suggestions import STATS_KEY, SuggestionService, model_path_for
from qualcode.store.models import AnalysisCache, Code, SpeakerTurn, SuggestionDecision
from tests.conftest import REPO

ANSWER_KEY = REPO / "benchmarks" / "answer_key"
KEYED = ("case-study-lived-experience-01", "mh-partner-interview-02")


@pytest.fixture(autouse=True)
def no_configured_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUALCODE_SPACY_PIPELINE", raising=False)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project, built once, with its analysis cache already filled."""
    home = tmp_path_factory.mktemp("template-home")
    with pytest.MonkeyPatch.context() as patched:
        patched.setenv("QUALCODE_CONFIG_DIR", str(home / "config"))
        patched.setenv("QUALCODE_DATA_DIR", str(home / "data"))
        patched.delenv("QUALCODE_SPACY_PIPELINE", raising=False)
        report = build_demo(
            tmp_path_factory.mktemp("demo"), find_demo_material(REPO), coder="Tester"
        )
        with Project.open(report.path) as project, project.session() as session:
            service(session, report.path).suggest()
    return report.path


@pytest.fixture
def demo(template: Path, tmp_path: Path) -> Path:
    """A copy of the demo project of this test's own, to change at will."""
    path = tmp_path / "demo.qcp"
    shutil.copy2(template, path)
    return path


@pytest.fixture(scope="module")
def coded_template(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project with two transcripts coded as their answer keys say."""
    path = tmp_path_factory.mktemp("coded") / "demo.qcp"
    shutil.copy2(template, path)
    code_answer_key(path)
    return path


@pytest.fixture
def coded(coded_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo.qcp"
    shutil.copy2(coded_template, path)
    return path


def answer_key_codings() -> int:
    return sum(
        len(passage["codes"])
        for name in KEYED
        for passage in yaml.safe_load((ANSWER_KEY / f"{name}.yaml").read_text(encoding="utf-8"))[
            "passages"
        ]
    )


@pytest.fixture(scope="module")
def turn_run(template: Path) -> SuggestionRun:
    with Project.open(template) as project, project.session() as session:
        return service(session, template).suggest()


def service(session: object, project_path: Path, coder: str | None = "Ann") -> SuggestionService:
    return SuggestionService(
        session, coder, model_path=model_path_for(project_path), pipeline=BLANK
    )


def suggest(path: Path, **options: object) -> SuggestionRun:
    with Project.open(path) as project, project.session() as session:
        return service(session, path).suggest(**options)  # type: ignore[arg-type]


def source_texts(path: Path) -> dict[str, str]:
    with Project.open(path) as project, project.read_session() as session:
        sources = SourceService(session)
        return {s.name: sources.text(s.name) for s in sources.list_sources()}


def code_answer_key(path: Path, coder: str = "Ann", sources: tuple[str, ...] = KEYED) -> int:
    """Code the passages the demo transcripts were written to illustrate."""
    count = 0
    with Project.open(path) as project, project.session() as session:
        coding = CodingService(session, coder)
        for name in sources:
            data = yaml.safe_load((ANSWER_KEY / f"{name}.yaml").read_text(encoding="utf-8"))
            for passage in data["passages"]:
                for code in passage["codes"]:
                    coding.add_passage(name, code, passage["quote"])
                    count += 1
    return count


def codes_for(run: SuggestionRun, source: str, start: int, end: int) -> list[str]:
    (found,) = [
        u for u in run.units if (u.unit.source, u.unit.start, u.unit.end) == (source, start, end)
    ]
    return [s.code_uuid for s in found.suggestions]


def first_suggested(run: SuggestionRun, at_least: int = 1) -> UnitSuggestions:
    return next(u for u in run.units if len(u.suggestions) >= at_least)


# -- units and offsets ------------------------------------------------------------------


def test_suggestions_come_with_units_whose_offsets_slice_the_source(
    template: Path, turn_run: SuggestionRun
) -> None:
    texts = source_texts(template)
    with Project.open(template) as project, project.session() as session:
        suggester = service(session, template)._engine(Unit.TURN, False).suggester
    assert suggester.fitted is None
    zero_threshold = suggester.stats.zero_threshold
    assert 0 < zero_threshold < 1
    assert turn_run.pipeline == BLANK and turn_run.notices == () and turn_run.learned_codes == 0
    assert {u.unit.source for u in turn_run.units} == set(texts)
    suggested = [u for u in turn_run.units if u.suggestions]
    assert len(suggested) > 100
    for item in turn_run.units:
        unit = item.unit
        assert texts[unit.source][unit.start : unit.end] == unit.text
        assert unit.text == unit.text.strip() and unit.text
        assert len(item.suggestions) <= 3
        assert [s.score for s in item.suggestions] == sorted(
            (s.score for s in item.suggestions), reverse=True
        )
        for suggestion in item.suggestions:
            assert zero_threshold <= suggestion.score + 1e-3 <= 1 + 1e-3 and suggestion.reasons
            for matched in suggestion.matched:
                assert unit.start <= matched.start < matched.end <= unit.end
    for name in texts:
        starts = [u.unit.start for u in turn_run.units if u.unit.source == name]
        assert starts and starts == sorted(starts), name


def test_one_source_and_top_k(template: Path, turn_run: SuggestionRun) -> None:
    run = suggest(template, source="mh-partner-interview-02", top_k=1)
    assert {u.unit.source for u in run.units} == {"mh-partner-interview-02"}
    assert all(len(u.suggestions) <= 1 for u in run.units)
    everything = [u for u in turn_run.units if u.unit.source == "mh-partner-interview-02"]
    assert [u.unit for u in run.units] == [u.unit for u in everything]
    assert [u.suggestions[:1] for u in run.units] == [u.suggestions[:1] for u in everything]


def test_sentences_are_more_and_shorter_units_than_turns(
    template: Path, turn_run: SuggestionRun
) -> None:
    sentences = suggest(template, unit=Unit.SENTENCE)
    texts = source_texts(template)
    turns = [u.unit for u in turn_run.units]
    assert len(sentences.units) > 2 * len(turns)
    mean = lambda units: sum(u.end - u.start for u in units) / len(units)  # noqa: E731
    assert mean([u.unit for u in sentences.units]) < mean(turns) / 2
    for item in sentences.units:
        unit = item.unit
        assert texts[unit.source][unit.start : unit.end] == unit.text
        assert any(  # a sentence never runs across a turn's edge
            t.source == unit.source and t.start <= unit.start and unit.end <= t.end for t in turns
        ), unit


def test_interviewer_turns_are_left_out_unless_everyone_is_asked_for(
    template: Path, turn_run: SuggestionRun
) -> None:
    with Project.open(template) as project, project.read_session() as session:
        sources = SourceService(session)
        turns = {s.name: sources.turns(s.name) for s in sources.list_sources()}
    asking = {(name, t.start, t.end) for name, ts in turns.items() for t in ts if t.case is None}
    answering = {(name, t.start, t.end) for name, ts in turns.items() for t in ts if t.case}
    assert asking and answering

    def inside(unit, spans: set[tuple[str, int, int]]) -> bool:  # type: ignore[no-untyped-def]
        return any(n == unit.source and s <= unit.start and unit.end <= e for n, s, e in spans)

    assert not any(inside(u.unit, asking) for u in turn_run.units)
    assert all(inside(u.unit, answering) for u in turn_run.units)
    everyone = suggest(template, everyone=True)
    assert sum(inside(u.unit, asking) for u in everyone.units) >= len(asking) * 0.9
    assert len(everyone.units) > len(turn_run.units)


def test_bad_requests_are_refused(template: Path) -> None:
    with pytest.raises(ValidationError, match="--top"):
        suggest(template, top_k=0)
    for score in (-0.1, 1.5):
        with pytest.raises(ValidationError, match="--min-score"):
            suggest(template, min_score=score)
    with pytest.raises(NotFoundError, match="no-such-source"):
        suggest(template, source="no-such-source")


def test_min_score_filters(template: Path, turn_run: SuggestionRun) -> None:
    strict = suggest(template, min_score=0.8)
    assert all(s.score >= 0.8 for u in strict.units for s in u.suggestions)
    assert sum(len(u.suggestions) for u in strict.units) < sum(
        len(u.suggestions) for u in turn_run.units
    )


# -- accepting and rejecting ------------------------------------------------------------


def test_accepting_codes_the_unit_as_suggested_by_the_accepting_coder(
    demo: Path, turn_run: SuggestionRun
) -> None:
    item = first_suggested(turn_run, 2)  # the copy is the template: same units
    unit, chosen, other = item.unit, item.suggestions[0], item.suggestions[1]
    with Project.open(demo) as project, project.session() as session:
        record = service(session, demo, "Bo").accept(
            unit.source, unit.start, unit.end, chosen.code_uuid, score=chosen.score
        )
        listed = CodingService(session).list(source=unit.source)
        decisions = session.scalars(select(SuggestionDecision)).all()
    assert record.origin is Origin.SUGGESTED and record.coder == "Bo"
    assert (record.source, record.start, record.end) == (unit.source, unit.start, unit.end)
    assert record.text == unit.text and record.code_uuid == chosen.code_uuid
    assert [c.uuid for c in listed] == [record.uuid]
    assert [(d.decision, d.start, d.end) for d in decisions] == [("accepted", unit.start, unit.end)]
    now = codes_for(suggest(demo), unit.source, unit.start, unit.end)
    assert chosen.code_uuid not in now and other.code_uuid in now


def test_accepting_an_unknown_code_changes_nothing(demo: Path, turn_run: SuggestionRun) -> None:
    unit = first_suggested(turn_run).unit
    with Project.open(demo) as project, project.session() as session:
        with pytest.raises(NotFoundError):
            service(session, demo).accept(unit.source, unit.start, unit.end, "No such code")
        assert CodingService(session).list() == []
        assert session.scalar(select(func.count()).select_from(SuggestionDecision)) == 0


def test_undoing_an_accepted_suggestion_brings_it_back(demo: Path, turn_run: SuggestionRun) -> None:
    item = first_suggested(turn_run)
    unit, chosen = item.unit, item.suggestions[0]
    with Project.open(demo) as project, project.session() as session:
        service(session, demo).accept(unit.source, unit.start, unit.end, chosen.code_uuid)
        step = HistoryService(session, "Ann").undo()
        assert step is not None and step.action == "coding.add"
        assert CodingService(session).list() == []
    assert chosen.code_uuid in codes_for(suggest(demo), unit.source, unit.start, unit.end)


def test_rejecting_hides_a_suggestion_and_undo_brings_it_back(
    demo: Path, turn_run: SuggestionRun
) -> None:
    item = first_suggested(turn_run, 2)
    unit, chosen, other = item.unit, item.suggestions[0], item.suggestions[1]
    where = (unit.source, unit.start, unit.end)
    with Project.open(demo) as project, project.session() as session:
        service(session, demo, "Bo").reject(*where, chosen.code_path, score=chosen.score)
    now = codes_for(suggest(demo), *where)
    assert chosen.code_uuid not in now and other.code_uuid in now
    with Project.open(demo) as project, project.session() as session:
        assert HistoryService(session, "Ann").undo() is None  # Bo's change, not Ann's
        step = HistoryService(session, "Bo").undo()
        assert step is not None and step.action == "suggestion.reject"
        assert session.scalar(select(func.count()).select_from(SuggestionDecision)) == 0
    assert chosen.code_uuid in codes_for(suggest(demo), *where)
    with Project.open(demo) as project, project.session() as session:
        assert HistoryService(session, "Bo").redo() is not None
    assert chosen.code_uuid not in codes_for(suggest(demo), *where)


def test_a_rejection_is_learnt_as_a_negative(demo: Path, turn_run: SuggestionRun) -> None:
    unit = first_suggested(turn_run).unit
    code = first_suggested(turn_run).suggestions[0].code_uuid
    with Project.open(demo) as project, project.session() as session:
        answers = service(session, demo, "Bo")
        answers.reject(unit.source, unit.start, unit.end, code)
        (example,) = answers.training_examples()
        report = answers.train()
    assert (example.positive, example.coder, example.text) == (False, "Bo", unit.text)
    assert (report.examples, report.negatives, report.codes) == (0, 1, 0)
    assert "too little coding" in report.threshold


def test_rejecting_refuses_bad_offsets_and_unknown_codes(demo: Path) -> None:
    with Project.open(demo) as project, project.session() as session:
        answers = service(session, demo)
        with pytest.raises(ValidationError):
            answers.reject("mh-partner-interview-02", 50, 10, "Challenges in support > Mistrust")
        with pytest.raises(NotFoundError):
            answers.reject("mh-partner-interview-02", 10, 50, "No such code")
        with pytest.raises(NotFoundError):
            answers.reject("no-such-source", 10, 50, "Challenges in support > Mistrust")
        assert session.scalar(select(func.count()).select_from(SuggestionDecision)) == 0


# -- learning ---------------------------------------------------------------------------


def test_training_then_suggesting_uses_the_model(coded: Path) -> None:
    before = suggest(coded)
    assert any("no trained model yet" in n for n in before.notices)
    assert before.learned_codes == 0
    with Project.open(coded) as project, project.session() as session:
        answers = service(session, coded)
        report = answers.train()
    path = model_path_for(coded)
    assert report.path == path and path.name == "demo.qcp.suggest-model.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    count = answer_key_codings()
    assert report.examples == count and report.negatives == 0 and report.codes > 10
    assert "cross-validation" in report.threshold
    after = suggest(coded)
    assert after.notices == ()
    assert after.learned_codes == report.codes
    reasons = [r for u in after.units for s in u.suggestions for r in s.reasons]
    assert any("coded" in r for r in reasons)
    closest = [s.closest for u in after.units for s in u.suggestions if s.closest]
    assert closest and all(c.coder == "Ann" for c in closest)
    assert any(s.examples > 0 for u in after.units for s in u.suggestions)


def test_a_damaged_model_gives_a_notice_and_codebook_suggestions(coded: Path) -> None:
    demo = coded
    with Project.open(demo) as project, project.session() as session:
        service(session, demo).train()
    path = model_path_for(demo)
    path.write_bytes(path.read_bytes()[:-40])  # cut short, as by a full disk
    run = suggest(demo)
    assert len(run.notices) == 1
    notice = run.notices[0]
    assert "demo.qcp.suggest-model.json" in notice and "damaged" in notice
    assert run.learned_codes == 0
    assert sum(len(u.suggestions) for u in run.units) > 100
    assert not any("coded" in r for u in run.units for s in u.suggestions for r in s.reasons)


def test_a_model_from_another_pipeline_is_not_used(coded: Path) -> None:
    other = Pipeline(load_pipeline(BLANK).nlp, "en_core_web_md")
    text = "Once it's on your notes, that's it."
    example = TrainingExample("some-code", text, True, "Ann", "x", 0, len(text))
    with Project.open(coded) as project, project.session() as session:
        codes = service(session, coded)._codes()
    stats = CodebookScorer(codes, other, load_embedder()).corpus_stats(
        [text], other.analyse([text])
    )
    train(codes, other, load_embedder(), [example], stats=stats).save(model_path_for(coded))
    run = suggest(coded)
    assert run.learned_codes == 0
    assert any("en_core_web_md" in n and BLANK in n for n in run.notices), run.notices
    assert sum(len(u.suggestions) for u in run.units) > 100


def test_a_missing_model_with_coding_present_gives_a_notice(coded: Path) -> None:
    run = suggest(coded)
    assert [n for n in run.notices if "no trained model yet" in n]
    assert sum(len(u.suggestions) for u in run.units) > 100


def test_evaluation_on_the_projects_own_coding(coded_template: Path) -> None:
    demo = coded_template
    with Project.open(demo) as project, project.session() as session:
        result = service(session, demo).evaluate(folds=3)
        code_paths = {c.path for c in CodebookService(session).list_codes()}
    assert isinstance(result, Evaluation)
    assert result.folds == 3 and result.units >= 20
    assert result.codes and all(row.examples > 0 for row in result.codes)
    assert [row.examples for row in result.codes] == sorted(
        (row.examples for row in result.codes), reverse=True
    )
    for scores in (result.model, result.baseline):
        for value in (scores.top1, scores.recall_at_3, scores.precision, scores.micro_f1):
            assert 0 <= value <= 1
    assert result.model.top1 > result.baseline.top1
    assert {row.code_path for row in result.codes} <= code_paths
    coded = [point.coded for point in result.curve]
    # 0 (the codebook alone), the sizes below what a fold trains on, then everything
    assert len(coded) >= 2 and coded[0] == 0 and coded == sorted(set(coded))
    assert result.curve[-1].model.top1 >= result.curve[0].model.top1  # never worse for learning
    assert result.zero_shot is not None and result.zero_shot == result.curve[0].model
    assert result.curve[-1].model == result.model
    assert "cross-validation" in result.threshold_reason
    assert 0 < result.threshold < 1


def test_training_is_needed_until_the_model_matches_the_coding(coded: Path) -> None:
    with Project.open(coded) as project, project.session() as session:
        answers = service(session, coded)
        assert answers.needs_training()  # no model yet
        answers.train()
        assert not answers.needs_training()
    code_answer_key(coded, coder="Bo", sources=KEYED[:1])
    with Project.open(coded) as project, project.session() as session:
        assert service(session, coded).needs_training()  # coded since


def test_evaluation_needs_enough_coded_units(demo: Path) -> None:
    with Project.open(demo) as project, project.session() as session:
        with pytest.raises(ValidationError, match="folds"):
            service(session, demo).evaluate(folds=1)
        with pytest.raises(ValidationError, match="only 0 coded turns"):
            service(session, demo).evaluate(folds=3)


# -- the analysis cache -----------------------------------------------------------------


def test_sources_are_analysed_once_then_read_from_the_cache(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Project.open(demo) as project, project.session() as session:
        session.execute(delete(AnalysisCache))
        session.commit()
    texts = set(source_texts(demo).values())
    analysed: list[str] = []
    original = Pipeline.analyse

    def counting(self: Pipeline, batch):  # type: ignore[no-untyped-def]
        analysed.extend(batch)
        return original(self, batch)

    monkeypatch.setattr(Pipeline, "analyse", counting)
    first = suggest(demo)
    assert texts <= set(analysed) and sum(t in texts for t in analysed) == len(texts)
    with Project.open(demo) as project, project.read_session() as session:
        rows = session.scalars(
            select(AnalysisCache).where(~AnalysisCache.content_hash.startswith(STATS_KEY))
        ).all()
    assert len(rows) == len(texts) and {r.pipeline for r in rows} == {BLANK}

    analysed.clear()
    second = suggest(demo)
    assert not texts & set(analysed), "the second run analysed a source again"
    assert second == first  # what comes back from the cache is what was analysed
    assert suggest(demo, unit=Unit.SENTENCE).units  # sentences come from the cache too
    assert not texts & set(analysed)


def count_corpus_stats(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each time the project's statistics are worked out from every unit, its size."""
    calls: list[int] = []
    original = CodebookScorer.corpus_stats_and_signals

    def counting(self: CodebookScorer, texts, analyses):  # type: ignore[no-untyped-def]
        calls.append(len(texts))
        return original(self, texts, analyses)

    monkeypatch.setattr(CodebookScorer, "corpus_stats_and_signals", counting)
    return calls


def stats_entries(path: Path) -> list[str]:
    with Project.open(path) as project, project.read_session() as session:
        return sorted(
            session.scalars(
                select(AnalysisCache.content_hash).where(
                    AnalysisCache.content_hash.startswith(STATS_KEY)
                )
            )
        )


def clear_stats(path: Path) -> None:
    with Project.open(path) as project, project.session() as session:
        session.execute(
            delete(AnalysisCache).where(AnalysisCache.content_hash.startswith(STATS_KEY))
        )
        session.commit()


def test_codebook_only_statistics_are_worked_out_once_then_read(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No model yet: the first run works the statistics out from every unit and keeps
    them; later runs, and one transcript's suggestions, read them instead."""
    clear_stats(demo)
    calls = count_corpus_stats(monkeypatch)
    first = suggest(demo)
    assert len(calls) == 1 and len(stats_entries(demo)) == 1
    assert suggest(demo) == first
    one = suggest(demo, source=KEYED[0])
    assert len(calls) == 1
    assert one.units == tuple(u for u in first.units if u.unit.source == KEYED[0])
    sentences = suggest(demo, unit=Unit.SENTENCE)
    assert suggest(demo, unit=Unit.SENTENCE) == sentences
    assert len(calls) == 2 and len(stats_entries(demo)) == 2  # one for each kind of unit


def test_cached_statistics_are_worked_out_again_when_the_units_change(
    demo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clear_stats(demo)
    calls = count_corpus_stats(monkeypatch)
    suggest(demo)
    before = stats_entries(demo)
    assert len(calls) == 1 and len(before) == 1
    with Project.open(demo) as project, project.session() as session:
        # A participant's turn becomes nobody's: no longer a unit, though no text changed.
        turn = session.scalars(
            select(SpeakerTurn).where(SpeakerTurn.case_id.is_not(None)).limit(1)
        ).one()
        turn.case_id = None
        session.commit()
    suggest(demo)
    assert len(calls) == 2
    transcript = tmp_path / "new-one.txt"
    transcript.write_text("P1: The waiting list was months long.\n", encoding="utf-8")
    with Project.open(demo) as project, project.session() as session:
        SourceService(session, "Ann").import_files([transcript])
    suggest(demo)
    assert len(calls) == 3
    with Project.open(demo) as project, project.session() as session:
        code = session.scalars(select(Code).limit(1)).one()
        code.definition += " And more."
        session.commit()
    suggest(demo)
    assert len(calls) == 4
    suggest(demo, everyone=True)
    assert len(calls) == 5
    after = stats_entries(demo)
    assert len(after) == 2 and not set(after) & set(before)  # replaced, not piled up


def test_the_codebook_scorer_is_built_once_per_codebook_in_a_process(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workbench asks for one transcript at a time: the codebook is analysed and
    embedded once, until it changes."""
    from qualcode.nlp import zero_shot
    from qualcode.services import suggestions

    built: list[int] = []
    original = zero_shot.build_codebook_terms

    def counting(codes, pipeline):  # type: ignore[no-untyped-def]
        built.append(len(codes))
        return original(codes, pipeline)

    monkeypatch.setattr(zero_shot, "build_codebook_terms", counting)
    suggestions._SCORERS.clear()
    first = suggest(demo, source=KEYED[0])
    assert suggest(demo, source=KEYED[0]) == first
    suggest(demo, source=KEYED[1])
    assert len(built) == 1
    with Project.open(demo) as project, project.session() as session:
        code = session.scalars(select(Code).limit(1)).one()
        code.definition += " And more."
        session.commit()
    suggest(demo, source=KEYED[0])
    assert len(built) == 2 and len(suggestions._SCORERS) == 1


def test_one_transcript_at_a_time_reuses_the_model_until_it_is_retrained(
    coded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In one process (the workbench), the model file is read and the coded passages
    embedded once, not for every transcript asked for; a new model is read again."""
    from qualcode.nlp.learned import LearnedModel
    from qualcode.services import suggestions

    with Project.open(coded) as project, project.session() as session:
        service(session, coded).train()
    loads: list[Path] = []
    original = LearnedModel.load.__func__  # type: ignore[attr-defined]

    def counting(cls, path):  # type: ignore[no-untyped-def]
        loads.append(path)
        return original(cls, path)

    monkeypatch.setattr(LearnedModel, "load", classmethod(counting))
    suggestions._MODELS.clear()
    first = suggest(coded, source=KEYED[0])
    assert any(s.closest for u in first.units for s in u.suggestions)
    engine = suggestions._SUGGESTERS[0][3]
    assert suggest(coded, source=KEYED[0]) == first
    suggest(coded, source=KEYED[1])
    assert len(loads) == 1 and suggestions._SUGGESTERS[0][3] is engine
    with Project.open(coded) as project, project.session() as session:
        service(session, coded).train()
    assert suggest(coded, source=KEYED[0]) == first  # the same coding, learnt again
    assert len(loads) == 2 and suggestions._SUGGESTERS[0][3] is not engine


# -- no network -------------------------------------------------------------------------


def test_suggesting_and_training_never_touch_the_network(
    coded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = coded
    attempts: list[str] = []

    def refuse(name: str):  # type: ignore[no-untyped-def]
        def refused(*args: object, **kwargs: object) -> None:
            attempts.append(name)
            raise OSError(f"network use in a test: {name}")

        return refused

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("socket.getaddrinfo"))
    load_pipeline.cache_clear()  # loading the pipeline is checked too
    try:
        with Project.open(demo) as project, project.session() as session:
            answers = service(session, demo)
            answers.train()
            run = answers.suggest()
    finally:
        load_pipeline.cache_clear()
    assert attempts == []
    assert run.learned_codes > 0 and sum(len(u.suggestions) for u in run.units) > 100
