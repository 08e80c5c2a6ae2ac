"""A review decision stays inside the disagreement it decides (issue 11).

`review decide N --span 120-180` (the README's example span) on a disagreement at
4503-4670 once widened the decision to 120-4670 and deleted a consensus coding all
three coders had agreed on. A span must overlap the disagreement (it is clipped to
it); consensus codings outside it, or of other codes, are never touched; the summary
counts what is really there.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from qualcode.cli.app import cli
from qualcode.domain.errors import ValidationError
from qualcode.domain.reports import CONSENSUS_CODER
from qualcode.domain.review import ChoiceKind, ConsensusChoice, ReviewStatus
from qualcode.services.coding import CodingService
from qualcode.services.consensus import ConsensusService
from qualcode.services.demo import build_demo, find_demo_material
from qualcode.services.project import Project
from qualcode.services.review import ReviewService
from tests.conftest import REPO
from tests.test_agreement_service import add_source

TEXT = "Hartwell, " * 10  # 100 characters


def add(project: Project, coder: str, code: str, start: int, end: int) -> str:
    with project.session() as session:
        return CodingService(session, coder).add("s1", code, start, end).uuid


def agreed(project: Project) -> set[tuple[str, str, int, int]]:
    """Every consensus coding as (uuid, code, start, end): identity included."""
    with project.read_session() as session:
        rows = CodingService(session).list(coder=CONSENSUS_CODER)
    return {(r.uuid, r.code_path.rsplit(" > ", 1)[-1], r.start, r.end) for r in rows}


@pytest.fixture
def trio(project: Project) -> tuple[Project, set[tuple[str, str, int, int]]]:
    """All three coded Time 50-60 (seeded into the consensus); Ann and Bo coded Time
    70-80 and Cy did not (the one disagreement); the consensus also has Risk 65-90."""
    add_source(project, "s1", TEXT)
    for coder in ("Ann", "Bo", "Cy"):
        add(project, coder, "Time", 50, 60)
    add(project, "Ann", "Time", 70, 80)
    add(project, "Bo", "Time", 70, 80)
    with project.session() as session:
        assert ConsensusService(session, "Ann").seed() == 1
    add(project, CONSENSUS_CODER, "Risk", 65, 90)
    (item,) = ReviewService(project.session()).items()
    assert (item.disagreement.start, item.disagreement.end) == (70, 80)
    return project, agreed(project)


def span(project: Project, start: int, end: int) -> None:
    with project.session() as session:
        ConsensusService(session, "Ann").decide(
            "s1", "Time", 70, 80, ConsensusChoice(ChoiceKind.SPAN, start=start, end=end)
        )


@pytest.mark.parametrize(("start", "end"), [(10, 20), (85, 95), (60, 70), (80, 90)])
def test_a_span_outside_the_disagreement_is_refused(trio, start: int, end: int) -> None:  # type: ignore[no-untyped-def]
    project, before = trio
    with pytest.raises(ValidationError, match=r"outside the disagreement .*s1 70-80"):
        span(project, start, end)
    assert agreed(project) == before
    (item,) = ReviewService(project.session()).items()
    assert item.status is ReviewStatus.OPEN and item.thread is None


@pytest.mark.parametrize(
    ("start", "end", "stored"),
    [
        (72, 78, (72, 78)),  # inside
        (70, 80, (70, 80)),  # exactly
        (55, 75, (70, 75)),  # across the start, into the agreed passage
        (75, 95, (75, 80)),  # across the end
        (0, 100, (70, 80)),  # across both
    ],
)
def test_a_span_is_clipped_to_the_disagreement(trio, start: int, end: int, stored) -> None:  # type: ignore[no-untyped-def]
    project, before = trio
    span(project, start, end)
    after = agreed(project)
    assert before <= after  # the agreed Time 50-60 and the Risk coding, uuids and all
    (new,) = after - before
    assert (new[1], new[2], new[3]) == ("Time", *stored)
    (item,) = ReviewService(project.session()).items()
    assert item.thread is not None and item.thread.decision is not None
    assert item.thread.decision.text == f"agreed an edited span {stored[0]}-{stored[1]}"


@pytest.mark.parametrize(
    "choice",
    [
        ConsensusChoice(ChoiceKind.ALL),
        ConsensusChoice(ChoiceKind.NONE),
        ConsensusChoice(ChoiceKind.CODER, coder="Ann"),
        ConsensusChoice(ChoiceKind.CODER, coder="Cy"),
    ],
)
def test_no_choice_touches_consensus_outside_the_disagreement(trio, choice) -> None:  # type: ignore[no-untyped-def]
    project, before = trio
    with project.session() as session:
        ConsensusService(session, "Ann").decide("s1", "Time", 70, 80, choice)
    after = agreed(project)
    assert before <= after
    assert {(c, s, e) for _, c, s, e in after - before} <= {("Time", 70, 80)}


def test_deciding_again_replaces_only_the_earlier_decision(trio) -> None:  # type: ignore[no-untyped-def]
    project, before = trio
    span(project, 70, 80)
    span(project, 74, 76)
    after = agreed(project)
    assert before <= after and {(c, s, e) for _, c, s, e in after - before} == {("Time", 74, 76)}


# --- through the CLI, on the README's own scenario -----------------------------------------


def run(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env={"QUALCODE_CODER": "Lead"})


def consensus_rows(path: Path) -> set[tuple[str, str, str, int, int]]:
    result = run("code", "list", path, "--coder", CONSENSUS_CODER, "--json")
    assert result.exit_code == 0, result.output
    return {
        (c["uuid"], c["source"], c["code_path"], c["start"], c["end"])
        for c in json.loads(result.output)
    }


@pytest.fixture(scope="module")
def reviewed_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("review-demo")
    return build_demo(folder, find_demo_material(REPO), coder="Lead", with_review=True).path


@pytest.fixture
def demo_copy(reviewed_demo: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo.qcp"
    path.write_bytes(reviewed_demo.read_bytes())
    return path


def test_the_readme_example_span_is_refused_and_nothing_is_lost(demo_copy: Path) -> None:
    assert run("review", "seed", demo_copy).exit_code == 0
    items = json.loads(run("review", "list", demo_copy, "--json").output)["items"]
    item = next(
        i
        for i in items
        if (i["source"], i["start"], i["end"]) == ("case-study-lived-experience-01", 4503, 4670)
    )
    number, source, code = item["number"], item["source"], item["code_path"]
    before = consensus_rows(demo_copy)
    # the passage all three agreed on, just before the disagreement, is in the consensus
    assert any(r[1:3] == (source, code) and r[4] <= 4503 for r in before)

    for outside in ("120-180", "4700-4800"):
        result = run("review", "decide", demo_copy, number, "--span", outside)
        assert result.exit_code == 1, result.output
        assert "4503-4670" in result.output and "Decided" not in result.output
        assert len(result.output.strip().splitlines()) == 1
        assert consensus_rows(demo_copy) == before

    result = run("review", "decide", demo_copy, number, "--span", "4400-4600")
    assert result.exit_code == 0, result.output
    assert "Decided: agreed an edited span 4503-4600." in result.output
    after = consensus_rows(demo_copy)
    assert before <= after
    assert {r[1:] for r in after - before} == {(source, code, 4503, 4600)}
    assert f"; {len(after)} consensus codings" in result.output  # counted after the change

    result = run("review", "decide", demo_copy, number, "--none")
    assert result.exit_code == 0, result.output
    assert consensus_rows(demo_copy) == before
    assert f"; {len(before)} consensus codings" in result.output
