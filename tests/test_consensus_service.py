"""The consensus layer (issue 6): decisions stored as the consensus coder's codings."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from qualcode.cli.app import cli
from qualcode.domain.errors import NotFoundError, ValidationError
from qualcode.domain.reports import CONSENSUS_CODER
from qualcode.domain.review import (
    ChoiceKind,
    ConsensusChoice,
    EntryKind,
    ReviewStatus,
)
from qualcode.services.agreement import AgreementService
from qualcode.services.coding import CodingService
from qualcode.services.consensus import ConsensusService
from qualcode.services.disagreements import DisagreementService
from qualcode.services.history import HistoryService
from qualcode.services.project import Project
from qualcode.services.review import ReviewService
from tests.merge_helpers import code as code_passage
from tests.merge_helpers import make_base
from tests.test_agreement_service import add_source

TEXT = "Hartwell, " * 10  # 100 characters


def code(project: Project, coder: str, code_: str, start: int, end: int, memo: str = "") -> str:
    with project.session() as session:
        return CodingService(session, coder).add("s1", code_, start, end, memo=memo).uuid


def consensus(project: Project, code_: str = "Time") -> list[tuple[int, int]]:
    with project.read_session() as session:
        rows = CodingService(session).list(code=code_, coder=CONSENSUS_CODER)
    return sorted((r.start, r.end) for r in rows)


def decide(project: Project, choice: ConsensusChoice, start: int = 0, end: int = 20, **kw):  # type: ignore[no-untyped-def]
    with project.session() as session:
        return ConsensusService(session, "Ann").decide("s1", "Time", start, end, choice, **kw)


@pytest.fixture
def pair(project: Project) -> Project:
    """Ann coded Time 0-30, Bo 20-40: disagreements 0-20 (Ann) and 30-40 (Bo)."""
    add_source(project, "s1", TEXT)
    code(project, "Ann", "Time", 0, 30)
    code(project, "Bo", "Time", 20, 40)
    return project


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        # Only the disagreement 0-20 changes (issue 11): Ann coded it, Bo did not.
        (ConsensusChoice(ChoiceKind.CODER, coder="ann"), [(0, 20)]),
        (ConsensusChoice(ChoiceKind.CODER, coder="Bo"), []),
        (ConsensusChoice(ChoiceKind.ALL), [(0, 20)]),
        (ConsensusChoice(ChoiceKind.NONE), []),
        (ConsensusChoice(ChoiceKind.SPAN, start=5, end=35), [(5, 20)]),  # clipped to 0-20
        (ConsensusChoice(ChoiceKind.SPAN, start=5, end=15), [(5, 15)]),
    ],
)
def test_every_choice(pair: Project, choice: ConsensusChoice, expected: list) -> None:  # type: ignore[type-arg]
    thread = decide(pair, choice, note="talked it through")
    assert consensus(pair) == expected
    assert thread.status is ReviewStatus.RESOLVED and (thread.start, thread.end) == (0, 20)
    decision = thread.decision
    assert decision is not None and decision.author == "Ann"
    assert decision.kind is EntryKind.DECISION
    assert decision.text.endswith(": talked it through")
    # only the disagreement decided is resolved; Bo's 30-40 is still to talk about
    items = ReviewService(pair.session(), "Ann").items()
    assert [i.status for i in items] == [ReviewStatus.RESOLVED, ReviewStatus.OPEN]


def test_accepting_a_coder_who_coded_nothing_there_leaves_nothing(pair: Project) -> None:
    code(pair, "Cy", "Risk", 90, 100)
    decide(pair, ConsensusChoice(ChoiceKind.CODER, coder="Cy"))
    assert consensus(pair) == []
    assert "Cy's version" in ReviewService(pair.session()).items()[0].thread.decision.text  # type: ignore[union-attr]
    with pytest.raises(NotFoundError):
        decide(pair, ConsensusChoice(ChoiceKind.CODER, coder="Nobody"))
    with pytest.raises(ValidationError):
        decide(pair, ConsensusChoice(ChoiceKind.SPAN, start=90, end=120))


def test_consensus_sticking_out_of_the_disagreement_keeps_its_outside_parts(
    pair: Project,
) -> None:
    outside = code(pair, CONSENSUS_CODER, "Time", 60, 70, memo="kept as is")
    sticking = code(pair, CONSENSUS_CODER, "Time", 15, 25, memo="from before")
    decide(pair, ConsensusChoice(ChoiceKind.NONE))
    assert consensus(pair) == [(20, 25), (60, 70)]
    with pair.read_session() as session:
        rows = {(r.start, r.end): r for r in CodingService(session).list(coder=CONSENSUS_CODER)}
    assert rows[(60, 70)].uuid == outside and rows[(60, 70)].memo == "kept as is"
    assert rows[(20, 25)].memo == "from before" and rows[(20, 25)].uuid != sticking
    # a consensus coding that only touches the disagreement is left as it is
    decide(pair, ConsensusChoice(ChoiceKind.ALL))
    assert consensus(pair) == [(0, 20), (20, 25), (60, 70)]
    # nobody else's coding was changed
    with pair.read_session() as session:
        others = CodingService(session).list(code="Time")
    assert sorted((r.coder, r.start, r.end) for r in others if r.coder != CONSENSUS_CODER) == [
        ("Ann", 0, 30),
        ("Bo", 20, 40),
    ]


def test_a_chain_of_overlapping_codings_is_decided_one_disagreement_at_a_time(
    pair: Project,
) -> None:
    code(pair, "Ann", "Time", 35, 60)  # overlaps Bo's 20-40, which overlaps Ann's 0-30
    code(pair, "Ann", "Time", 80, 90)  # not in the chain
    decide(pair, ConsensusChoice(ChoiceKind.CODER, coder="Bo"))
    assert consensus(pair) == []  # Bo did not code 0-20
    decide(pair, ConsensusChoice(ChoiceKind.ALL))
    assert consensus(pair) == [(0, 20)]
    decide(pair, ConsensusChoice(ChoiceKind.ALL), 30, 35)
    assert consensus(pair) == [(0, 20), (30, 35)]
    items = ReviewService(pair.session()).items()
    assert [(i.disagreement.start, i.status) for i in items] == [
        (0, ReviewStatus.RESOLVED),
        (30, ReviewStatus.RESOLVED),
        (40, ReviewStatus.OPEN),
        (80, ReviewStatus.OPEN),
    ]


def test_a_decision_is_one_undoable_step(pair: Project) -> None:
    before = code(pair, CONSENSUS_CODER, "Time", 35, 50)
    ReviewService(pair.session(), "Bo").comment(
        ReviewService(pair.session()).items()[0].anchor, "Ann's is right"
    )
    decide(pair, ConsensusChoice(ChoiceKind.ALL))
    assert consensus(pair) == [(0, 20), (35, 50)]
    step = HistoryService(pair.session(), "Ann").undo()
    assert step is not None and step.action == "consensus.decide"
    with pair.read_session() as session:
        rows = CodingService(session).list(coder=CONSENSUS_CODER)
    assert [(r.uuid, r.start, r.end) for r in rows] == [(before, 35, 50)]
    items = ReviewService(pair.session()).items()
    assert items[0].thread is not None and items[0].thread.decision is None
    assert [e.text for e in items[0].thread.entries] == ["Ann's is right"]
    assert items[1].thread is None  # created by the decision, gone with it
    HistoryService(pair.session(), "Ann").redo()
    assert consensus(pair) == [(0, 20), (35, 50)]
    assert ReviewService(pair.session()).items()[0].status is ReviewStatus.RESOLVED


def test_seed_copies_what_everyone_agreed_once(pair: Project) -> None:
    code(pair, "Bo", "Risk", 70, 80)  # Ann coded no Risk: nothing agreed there
    code(pair, "Ann", "Time", 60, 70)
    code(pair, "Bo", "Time", 60, 70)
    with pair.session() as session:
        assert ConsensusService(session, "Ann").seed() == 2
    assert consensus(pair) == [(20, 30), (60, 70)]
    assert consensus(pair, "Risk") == []
    with pair.session() as session:
        assert ConsensusService(session, "Ann").seed() == 0
    with pair.session() as session:
        progress = ConsensusService(session, "Ann").progress()
    assert (progress.disagreements, progress.decided, progress.consensus_codings) == (3, 0, 2)
    assert progress.by_status[ReviewStatus.OPEN] == 3
    decide(pair, ConsensusChoice(ChoiceKind.NONE))
    with pair.session() as session:
        progress = ConsensusService(session, "Ann").progress()
    assert (progress.disagreements, progress.decided) == (3, 1)
    assert progress.by_status[ReviewStatus.RESOLVED] == 1


def test_consensus_is_not_compared_as_a_coder(pair: Project) -> None:
    with pair.read_session() as session:
        before = DisagreementService(session).disagreements()
    decide(pair, ConsensusChoice(ChoiceKind.SPAN, start=0, end=90))
    with pair.read_session() as session:
        after = DisagreementService(session).disagreements()
        report = AgreementService(session).agreement()
    assert after == before
    assert report.coders == ("Ann", "Bo")


def test_export_docx_consensus_has_only_the_agreed_coding(
    tmp_path: Path, interview_file: Path
) -> None:
    path = make_base(tmp_path, interview_file)
    code_passage(path, "Ann", "Barriers > Time", "no time")
    code_passage(path, "Bo", "Barriers > Time", "The trust is huge")
    with Project.open(path) as project:
        items = ReviewService(project.session()).items()
        assert [i.disagreement.text for i in items] == ["no time", "The trust is huge"]
        with project.session() as session:
            service = ConsensusService(session, "Ann")
            first, second = items[0].disagreement, items[1].disagreement
            service.decide(
                first.source, "Time", first.start, first.end, ConsensusChoice(ChoiceKind.ALL)
            )
            service.decide(
                second.source, "Time", second.start, second.end, ConsensusChoice(ChoiceKind.NONE)
            )
    out = tmp_path / "consensus.docx"
    args = ["export", "docx", str(path), "-o", str(out), "--no-tables", "--no-widen"]
    result = CliRunner().invoke(cli, [*args, "--consensus"])
    assert result.exit_code == 0, result.output
    quotes = " ".join(p.text for p in Document(str(out)).paragraphs if p.style.name == "Quote")
    assert "no time" in quotes and "trust is huge" not in quotes
    # Issue 13: by default a report quotes the agreed version where there is one; the
    # coders' own coding is asked for by name.
    result = CliRunner().invoke(cli, [*args, "--coder", "Ann", "--coder", "Bo"])
    assert result.exit_code == 0, result.output
    quotes = " ".join(p.text for p in Document(str(out)).paragraphs if p.style.name == "Quote")
    assert "no time" in quotes and "trust is huge" in quotes


def test_seeding_is_undone_in_one_step(pair: Project) -> None:
    with pair.session() as session:
        assert ConsensusService(session, "Bo").seed(codes=["Time"], sources=["s1"]) == 1
    assert consensus(pair) == [(20, 30)]
    step = HistoryService(pair.session(), "Bo").undo()
    assert step is not None and step.description == "copy 1 agreed passage into the consensus"
    assert consensus(pair) == []
