"""The suggester as one more coder (issue 12): the suggestions against each coder.

A small project whose figures are worked out by hand, with the suggester's codings
given; then the demo, where the suggestions are the real ones."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qualcode.domain.agreement import TOO_FEW_CODERS, nominal_alpha
from qualcode.domain.agreement_table import shown_suggester_table
from qualcode.domain.errors import ValidationError
from qualcode.domain.suggester_agreement import (
    SUGGESTIONS_CODER,
    SuggesterAgreement,
    SuggesterRow,
)
from qualcode.domain.suggestions import Unit
from qualcode.nlp.pipeline import BLANK
from qualcode.services.agreement import AgreementService
from qualcode.services.coding import CodingService
from qualcode.services.demo import build_demo, find_demo_material
from qualcode.services.demo_review import REVIEW_CODERS, add_review_coding
from qualcode.services.project import Project
from qualcode.services.suggestions import SuggestedCoding, SuggestionService, model_path_for
from qualcode.store.models import Coder, Coding, Source, SpeakerTurn
from tests.conftest import REPO, review_register
from tests.test_agreement_service import add_source

TIME = "11111111-1111-4111-8111-111111111112"
REVIEWED = ("mh-partner-interview-01", "local-area-leads-focus-group")


@pytest.fixture(autouse=True)
def no_configured_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUALCODE_SPACY_PIPELINE", raising=False)


def add_turns(project: Project, name: str, turns: Sequence[tuple[str, str]]) -> list[str]:
    """A source of speaker turns; returns each turn's words, to code by passage."""
    text = ""
    spans: list[tuple[int, int]] = []
    for speaker, said in turns:
        start = len(text) + len(speaker) + 2
        spans.append((start, start + len(said)))
        text += f"{speaker}: {said}\n\n"
    add_source(project, name, text, spans, speakers=[speaker for speaker, _ in turns])
    return [said for _, said in turns]


def code(project: Project, coder: str, source: str, code_: str, passage: str) -> None:
    with project.session() as session:
        CodingService(session, coder).add_passage(source, code_, passage)


def suggester(session: object, path: Path) -> SuggestionService:
    return SuggestionService(session, None, model_path=model_path_for(path), pipeline=BLANK)


def compared(project: Project, **options: object) -> SuggesterAgreement:
    with project.session() as session:
        return AgreementService(session).suggester_agreement(
            suggester(session, project.path),
            **options,  # type: ignore[arg-type]
        )


def kappa(pairs: Sequence[tuple[int, int]]) -> float:
    """Cohen's kappa from (first, second) decisions, worked out the long way."""
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first = sum(a for a, _ in pairs) / n
    second = sum(b for _, b in pairs) / n
    expected = first * second + (1 - first) * (1 - second)
    return (observed - expected) / (1 - expected)


@pytest.fixture
def small(project: Project, monkeypatch: pytest.MonkeyPatch) -> list[Unit]:
    """Two interviews; the suggester's codings are given, so the figures are known.

    s1: I0 (interviewer) P1 P2 I1 (interviewer) P3 P4 P5; s2: I (interviewer) Q1 Q2.
    Time: Ann P1 P2 and the question I0; Bo P1 P3 (Bo coded nothing in s2);
    suggestions P1 P3 P4 and Q1. Risk: Ann Q2 only.
    """
    s1 = add_turns(
        project,
        "s1",
        [
            ("Interviewer", "Do you have time for this?"),
            ("Sam", "One: we have no time."),
            ("Sam", "Two: capacity is thin."),
            ("Interviewer", "Anything else?"),
            ("Sam", "Three: the rota is full."),
            ("Sam", "Four: weekends too."),
            ("Sam", "Five: the weather was nice."),
        ],
    )
    s2 = add_turns(
        project,
        "s2",
        [("Interviewer", "Go on."), ("Kim", "Six: no time at all."), ("Kim", "Seven: risky.")],
    )
    for passage in (s1[1], s1[2], s1[0]):
        code(project, "Ann", "s1", "Time", passage)
    for passage in (s1[1], s1[4]):
        code(project, "Bo", "s1", "Time", passage)
    code(project, "Ann", "s2", "Risk", s2[2])
    with project.read_session() as session:
        turns = {
            (name, said): (source_id, start, end)
            for source_id, name, start, end, said in (
                (t.source_id, s.name, t.start, t.end, s.text[t.start : t.end])
                for t, s in session.execute(
                    select(SpeakerTurn, Source).join(Source, SpeakerTurn.source_id == Source.id)
                )
            )
        }
    suggested = [SuggestedCoding(*turns[("s1", s1[i])], TIME, 0.9) for i in (1, 4, 5)] + [
        SuggestedCoding(*turns[("s2", s2[1])], TIME, 0.8)
    ]
    asked: list[Unit] = []

    def given(self: SuggestionService, *, unit: Unit = Unit.TURN) -> list[SuggestedCoding]:
        asked.append(unit)
        return suggested

    monkeypatch.setattr(SuggestionService, "suggester_codings", given)
    return asked


def rows_for(report: SuggesterAgreement, label: str) -> dict[str, SuggesterRow]:
    return {r.coder: r for r in report.by_code if r.label == label}


def test_the_suggestions_against_each_coder_by_hand(project: Project, small: list[Unit]) -> None:
    report = compared(project, unit="turn")
    assert small == [Unit.TURN]
    assert report.coders == ("Ann", "Bo") and report.unit == "turn"
    time = rows_for(report, "Barriers > Time")
    assert list(time) == ["Ann", "Bo"]

    # Against Ann: P1..P5 and Q1, Q2 (the questions are not the suggester's to code,
    # so Ann's coding of I0 is no disagreement). Suggestions, Ann:
    ann = [(1, 1), (0, 1), (1, 0), (1, 0), (0, 0), (1, 0), (0, 0)]
    row = time["Ann"]
    assert (row.units, row.both, row.suggestions_only, row.coder_only) == (7, 1, 3, 1)
    assert row.percent_agreement.value == pytest.approx(3 / 7)
    assert row.kappa.value == pytest.approx(kappa(ann)) == pytest.approx(-1 / 13)
    assert row.alpha.value == pytest.approx(nominal_alpha(ann).value)

    # Against Bo: only s1, where Bo coded; s2 is missing data for Bo.
    bo = [(1, 1), (0, 0), (1, 1), (1, 0), (0, 0)]
    row = time["Bo"]
    assert (row.units, row.both, row.suggestions_only, row.coder_only) == (5, 2, 1, 0)
    assert row.kappa.value == pytest.approx(kappa(bo)) == pytest.approx(8 / 13)
    assert row.alpha.value == pytest.approx(nominal_alpha(bo).value)

    # The bar: Ann and Bo among themselves over the same turns (P1..P5; in s2 Bo is
    # missing), not over the questions, which the plain agreement table counts.
    team = [(1, 1), (1, 0), (0, 1), (0, 0), (0, 0), (0, None), (0, None)]
    assert time["Ann"].coders_alpha.value == pytest.approx(nominal_alpha(team).value)
    assert time["Bo"].coders_alpha == time["Ann"].coders_alpha
    with project.read_session() as session:
        plain = AgreementService(session).agreement(unit="turn", codes=["Time"])
    assert plain.by_code[0].alpha.value != pytest.approx(time["Ann"].coders_alpha.value)

    risk = rows_for(report, "Barriers > Risk")
    assert risk["Ann"].notes == (f"{SUGGESTIONS_CODER} coded nothing",)
    assert risk["Ann"].coder_only == 1 and risk["Ann"].kappa.value == pytest.approx(0)
    assert risk["Bo"].notes == ("neither coded it",)

    # Overall: one row per coder, pooling every code's turns (five codes).
    assert [r.coder for r in report.overall] == ["Ann", "Bo"]
    assert report.overall[0].units == 5 * 7 and report.overall[1].units == 5 * 5
    assert report.overall[0].both == 1 and report.overall[0].coder_only == 2
    assert [(r.label, r.coder) for r in report.by_source] == [
        ("s1", "Ann"),
        ("s1", "Bo"),
        ("s2", "Ann"),
        ("s2", "Bo"),
    ]
    assert report.by_source[3].units == 0
    assert report.by_source[3].kappa.reason == TOO_FEW_CODERS

    # The table names each code once, above its coders' rows.
    shown = shown_suggester_table(report)
    assert [r[:2] for r in shown[2:4]] == [["Barriers > Time", "Ann"], ["", "Bo"]]


def test_sentences_subcodes_and_one_coder(project: Project, small: list[Unit]) -> None:
    report = compared(project, unit="sentence", codes=["Barriers"], include_subcodes=True)
    assert small == [Unit.SENTENCE]
    (ann, bo) = report.by_code
    assert ann.label == "Barriers" and (ann.both, bo.both) == (1, 2)
    # Ann's Risk in Q2 now counts for Barriers, beside the suggestions' Time in Q1.
    assert ann.coder_only == 2
    only = compared(project, unit="turn", coders=["Bo"])
    assert only.coders == ("Bo",)
    assert only.by_code[1].coders_alpha.reason == TOO_FEW_CODERS


def test_characters_are_refused_and_nothing_is_saved(project: Project, small: list[Unit]) -> None:
    with pytest.raises(ValidationError, match="turns or sentences"):
        compared(project, unit="character")
    assert small == []
    with project.read_session() as session:
        before = set(session.scalars(select(Coder.name)))
    compared(project, unit="turn")
    with project.read_session() as session:
        after = set(session.scalars(select(Coder.name)))
    assert SUGGESTIONS_CODER not in after and after == before


def test_saved_for_a_report_through_the_export_gate(
    project: Project, small: list[Unit], tmp_path: Path
) -> None:
    from qualcode.exporters.readback import text_locations

    review_register(project.path)
    report = compared(project, unit="turn")
    with project.read_session() as session:
        written = AgreementService(session).export(tmp_path / "with-suggestions.docx", report)
    texts = [t for _, t in text_locations(written)]
    assert "Agreement between the suggestions and each coder" in texts
    # A code once, its coders' rows below it; rows where neither coded anything left out.
    assert texts.count("Barriers > Time") == 1 and "Coders' alpha" in texts
    assert not any("neither coded it" in t for t in texts)
    at = texts.index("Barriers > Risk")
    assert texts[at + 1] == "Ann" and "suggestions coded nothing" in texts[at + 2 : at + 10]


# -- on the demo, with the real suggestions --------------------------------------------


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patched:
        patched.setenv("QUALCODE_CONFIG_DIR", str(home / "config"))
        patched.setenv("QUALCODE_DATA_DIR", str(home / "data"))
        patched.delenv("QUALCODE_SPACY_PIPELINE", raising=False)
        path = build_demo(
            tmp_path_factory.mktemp("demo"), find_demo_material(REPO), coder="Tester"
        ).path
        with Project.open(path) as project, project.session() as session:
            suggester(session, path).suggester_codings()  # fills the analysis cache
    return path


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo.qcp"
    shutil.copy2(demo_template, path)
    return path


def codings_by_source(path: Path) -> dict[str, list[SuggestedCoding]]:
    with Project.open(path) as project, project.session() as session:
        names = dict(session.execute(select(Source.id, Source.name)).all())
        out: dict[str, list[SuggestedCoding]] = {}
        for coding in suggester(session, path).suggester_codings():
            out.setdefault(names[coding.source_id], []).append(coding)
    return out


def test_each_source_is_scored_by_a_model_that_did_not_learn_from_it(demo: Path) -> None:
    zero_shot = codings_by_source(demo)
    assert zero_shot and all(0 <= c.score <= 1 for cs in zero_shot.values() for c in cs)
    coded = REVIEWED[0]
    add_review_coding(demo, find_demo_material(REPO), sources=(coded,))
    learned = codings_by_source(demo)
    # Only this source is coded: its own model learnt from nothing, as before any coding.
    assert learned[coded] == zero_shot[coded]
    # The others learnt from it.
    others = [name for name in learned if name != coded]
    assert any(learned[name] != zero_shot.get(name) for name in others)


def test_the_demo_reviewed_by_three_coders(demo: Path) -> None:
    material = find_demo_material(REPO)
    add_review_coding(demo, material, sources=REVIEWED)
    with Project.open(demo) as project, project.session() as session:
        before = session.scalar(select(func.count()).select_from(Coding))
        ids = dict(session.execute(select(Source.name, Source.id)).all())
        codings = suggester(session, demo).suggester_codings()
        report = AgreementService(session).suggester_agreement(suggester(session, demo))
        after = session.scalar(select(func.count()).select_from(Coding))
        coders = set(session.scalars(select(Coder.name)))
    assert before == after and SUGGESTIONS_CODER not in coders
    assert report.coders == tuple(sorted(REVIEW_CODERS))
    codes = {r.label for r in report.by_code}
    assert len(report.by_code) == len(codes) * len(REVIEW_CODERS)
    # Every coder coded both reviewed transcripts: each suggested (turn, code) there is
    # either agreed with or the suggester's alone, whoever the coder.
    reviewed = {ids[name] for name in REVIEWED}
    suggested = len(
        {(c.source_id, c.start, c.code_uuid) for c in codings if c.source_id in reviewed}
    )
    for row in report.overall:
        assert row.both + row.suggestions_only == suggested
        assert row.both > 0 and row.kappa.value is not None and 0 < row.kappa.value < 1
        assert row.coders_alpha.value is not None
