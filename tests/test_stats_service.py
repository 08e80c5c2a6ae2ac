"""Counts per code: codings, sources, cases (via speaker turns) and stakeholder groups."""

from __future__ import annotations

from pathlib import Path

from qualcode.services.coding import CodingService
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
from qualcode.services.stats import StatsService

GROUP = """Facilitator: Welcome everyone.

Ann: We have no time at all, none.

Bo: Same here, no time, and the risk sits with us.

Cy: For us the risk is the bigger thing.
"""


def test_counts_follow_turns_to_cases_and_groups(project: Project, tmp_path: Path,
                                                 interview_file: Path) -> None:
    group = tmp_path / "group.txt"
    group.write_text(GROUP, encoding="utf-8")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "file,speaker,case,stakeholder_group\n"
        "group.txt,Ann,A,Local area lead\n"
        "group.txt,Bo,B,Local area lead\n"
        "group.txt,Cy,C,MEAM staff\n"
        "interview-sam.txt,Sam,S,Mental health partner\n",
        encoding="utf-8",
    )
    with project.session() as session:
        SourceService(session, "Tester").import_files([group, interview_file], sheet)
        coding = CodingService(session, "Ann")
        coding.add_passage("group", "Time", "We have no time at all")
        coding.add_passage("group", "Time", "Same here, no time")
        coding.add_passage("interview-sam", "Time", "we just have no time")
        # one coding spanning two turns counts both speakers
        coding.add_passage("group", "Risk", "the risk sits with us.\n\nCy: For us the risk")
        CodingService(session, "Bo").add_passage("group", "Risk", "the risk is the bigger")
    with project.read_session() as session:
        rows = {r.path: r for r in StatsService(session).code_stats()}
        only_bo = {r.path: r for r in StatsService(session).code_stats(coder="Bo")}
    time = rows["Barriers > Time"]
    assert (time.codings, time.sources, time.cases, time.stakeholder_groups) == (3, 2, 3, 2)
    risk = rows["Barriers > Risk"]
    assert (risk.codings, risk.sources, risk.cases, risk.stakeholder_groups) == (2, 1, 2, 2)
    barriers = rows["Barriers"]
    assert (barriers.codings, barriers.total_codings) == (0, 5)
    assert (barriers.total_sources, barriers.total_cases, barriers.total_stakeholder_groups) == (
        2, 4, 3)
    assert rows["Enablers"].total_codings == 0
    assert only_bo["Barriers > Risk"].codings == 1 and only_bo["Barriers > Time"].codings == 0


def test_whole_file_participant_counts_for_a_source_without_speakers(project: Project,
                                                                     tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Field notes: the team had no time to meet.\n", encoding="utf-8")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("file,case,stakeholder_group\nnotes.txt,N1,Local area lead\n")
    with project.session() as session:
        SourceService(session, "Tester").import_files([notes], sheet)
        CodingService(session, "Ann").add_passage("notes", "Time", "no time")
    with project.read_session() as session:
        time = next(r for r in StatsService(session).code_stats() if r.path == "Barriers > Time")
    assert (time.cases, time.stakeholder_groups) == (1, 1)
