"""A coding removed on one laptop stays removed through merges: removals travel with
the file, and an older copy never brings a removed coding back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qualcode.domain.review import ChoiceKind, ConsensusChoice
from qualcode.services.coder_exchange import export_coder, import_coder
from qualcode.services.coding import CodingService
from qualcode.services.consensus import ConsensusService
from qualcode.services.history import HistoryService
from qualcode.services.merge import merge_projects
from qualcode.services.project import Project
from tests.merge_helpers import code, coding_uuids, laptop, make_base, sql


@pytest.fixture
def team_and_ann(tmp_path: Path, interview_file: Path) -> tuple[Path, Path]:
    base = make_base(tmp_path, interview_file)
    team, ann = laptop(base, "team"), laptop(base, "ann")
    code(ann, "Ann", "Barriers > Time", "no time")
    code(ann, "Ann", "Barriers > Risk", "nobody owns the risk")
    merge_projects(team, [ann])
    return team, ann


def remove(path: Path, coder: str, uuid: str) -> None:
    with Project.open(path) as project, project.session() as session:
        CodingService(session, coder).remove(uuid)


def test_a_coding_removed_on_a_laptop_is_removed_in_the_team_file(
    team_and_ann: tuple[Path, Path],
) -> None:
    team, ann = team_and_ann
    gone = sorted(coding_uuids(ann))[0]
    remove(ann, "Ann", gone)
    report = merge_projects(team, [ann])
    assert report.count("codings").removed == 1
    assert coding_uuids(team) == coding_uuids(ann)
    again = merge_projects(team, [ann])
    assert again.count("codings").removed == 0 and coding_uuids(team) == coding_uuids(ann)


def test_an_older_copy_does_not_bring_a_removed_coding_back(
    team_and_ann: tuple[Path, Path],
) -> None:
    team, ann = team_and_ann
    gone = sorted(coding_uuids(team))[0]
    remove(team, "Ann", gone)
    report = merge_projects(team, [ann])  # Ann's file still has it
    assert gone not in coding_uuids(team)
    assert report.count("codings").skipped == 1
    assert any("stayed removed" in note for note in report.notes)


def test_undo_of_a_removal_is_not_a_removal(team_and_ann: tuple[Path, Path]) -> None:
    team, ann = team_and_ann
    gone = sorted(coding_uuids(ann))[0]
    remove(ann, "Ann", gone)
    with Project.open(ann) as project, project.session() as session:
        HistoryService(session, "Ann").undo()
    report = merge_projects(team, [ann])
    assert report.count("codings").removed == 0 and gone in coding_uuids(team)


def test_a_removal_never_removes_another_coders_work(
    team_and_ann: tuple[Path, Path], tmp_path: Path
) -> None:
    team, _ = team_and_ann
    bo = laptop(team, "bo")
    target = sorted(coding_uuids(bo))[0]  # one of Ann's codings
    # A removal recorded against another coder (a damaged or hand-made file).
    sql(
        bo,
        "INSERT INTO removed_codings (uuid, coder_uuid, removed_at) VALUES (?, ?, ?)",
        target,
        "99999999-9999-4999-8999-999999999999",
        "2026-11-23 10:00:00",
    )
    report = merge_projects(team, [bo])
    assert report.count("codings").removed == 0 and target in coding_uuids(team)


def test_coder_files_carry_removals(team_and_ann: tuple[Path, Path], tmp_path: Path) -> None:
    team, ann = team_and_ann
    gone = sorted(coding_uuids(ann))[1]
    remove(ann, "Ann", gone)
    sent = tmp_path / "ann.qcc"
    assert export_coder(ann, "Ann", sent)[1]["removed codings"] == 1
    report = import_coder(team, sent)
    assert report.count("codings").removed == 1 and gone not in coding_uuids(team)


def test_a_consensus_decided_on_the_team_file_is_not_undone_by_an_old_copy(
    tmp_path: Path, interview_file: Path
) -> None:
    base = make_base(tmp_path, interview_file)
    code(base, "Ann", "Barriers > Time", "we just have no time")
    code(base, "Bo", "Barriers > Time", "no time")
    with Project.open(base) as project, project.session() as session:
        ConsensusService(session, "Ann").seed()  # "no time", which both coded
    old = tmp_path / "old-copy.qcp"
    shutil.copyfile(base, old)
    with Project.open(base) as project, project.session() as session:
        service = ConsensusService(session, "Ann")
        codings = CodingService(session).list()
        ann = next(c for c in codings if c.coder == "Ann")
        service.decide(
            "interview-sam",
            ann.code_path,
            ann.start,
            ann.end,
            ConsensusChoice(ChoiceKind.CODER, "Ann"),
        )

    def consensus(path: Path) -> set[tuple[int, int]]:
        with Project.open(path) as project, project.read_session() as session:
            return {(c.start, c.end) for c in CodingService(session).list(coder="consensus")}

    decided = consensus(base)
    assert decided != consensus(old)
    merge_projects(base, [old])
    assert consensus(base) == decided


def test_different_decisions_on_two_laptops_are_flagged(
    tmp_path: Path, interview_file: Path
) -> None:
    base = make_base(tmp_path, interview_file)
    code(base, "Ann", "Barriers > Time", "we just have no time")
    code(base, "Bo", "Barriers > Time", "no time")
    first, second = laptop(base, "first"), laptop(base, "second")
    for path, who in ((first, "Ann"), (second, "Bo")):
        with Project.open(path) as project, project.session() as session:
            ann = next(c for c in CodingService(session).list() if c.coder == "Ann")
            ConsensusService(session, who).decide(
                "interview-sam",
                ann.code_path,
                ann.start,
                ann.end,
                ConsensusChoice(ChoiceKind.CODER, who),
            )
    report = merge_projects(first, [second])
    (note,) = [n for n in report.notes if "different decisions" in n]
    assert "accepted Ann's version" in note and "accepted Bo's version" in note
    assert "decide again" in note and "review show" in note
    # The same decision made twice is no clash.
    third = laptop(first, "third")
    assert not [n for n in merge_projects(first, [third]).notes if "different decisions" in n]
