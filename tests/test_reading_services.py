"""Extracts, search and the sources overview: what the workbench reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.domain.coverage import covered_length
from qualcode.domain.errors import ValidationError
from qualcode.services.coding import CodingService
from qualcode.services.extracts import ExtractService
from qualcode.services.project import Project
from qualcode.services.search import SearchService
from qualcode.services.sources import SourceService


@pytest.fixture
def coded(project: Project, interview_file: Path, tmp_path: Path) -> Project:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("file,speaker,case,stakeholder_group,area\n"
                     "interview-sam.txt,Sam,P1,Mental health partner,T\n")
    with project.session() as session:
        SourceService(session, "Tester").import_files([interview_file], sheet)
    return project


def test_covered_length_counts_overlaps_once() -> None:
    assert covered_length([]) == 0
    assert covered_length([(0, 10), (5, 15), (20, 25)]) == 20
    assert covered_length([(5, 6), (0, 10)]) == 10


def test_extracts_carry_speaker_case_and_attributes(coded: Project) -> None:
    with coded.session() as session:
        CodingService(session, "Ann").add_passage("interview-sam", "Time", "no time")
        CodingService(session, "Ann").add_passage("interview-sam", "Risk", "What gets in the way")
        extracts = ExtractService(session).extracts("Barriers")
    by_text = {e.coding.text: e for e in extracts}
    assert by_text["no time"].speaker == "Sam" and by_text["no time"].case == "P1"
    assert by_text["no time"].attributes == {"stakeholder_group": "Mental health partner",
                                             "area": "T"}
    assert by_text["What gets in the way"].speaker == "Interviewer"
    assert by_text["What gets in the way"].case is None


def test_exact_search_ignores_case_and_gives_context(coded: Project) -> None:
    with coded.read_session() as session:
        hits = SearchService(session).search("the NAVIGATOR")
    assert len(hits) == 1
    assert hits[0].match == "The navigator" and hits[0].after.startswith("role bridges")


def test_fuzzy_search_finds_misspellings(coded: Project) -> None:
    with coded.read_session() as session:
        service = SearchService(session)
        assert service.search("navigater roll", fuzzy=False) == []
        hits = service.search("navigater roll", fuzzy=True)
        with pytest.raises(ValidationError):
            service.search(" x ")
    assert hits and "navigator role" in hits[0].match.lower()


def test_overview_reports_participants_and_coding_progress(coded: Project) -> None:
    with coded.session() as session:
        text = SourceService(session).text("interview-sam")
        turns = SourceService(session).turns("interview-sam")
        whole = sum(t.end - t.start for t in turns)
        CodingService(session, "Ann").add("interview-sam", "Time", turns[0].start, turns[0].end)
        CodingService(session, "Bo").add("interview-sam", "Risk", turns[1].start, turns[1].end)
        (row,) = SourceService(session).overview(coder="Ann")
    assert text and row.cases == ("P1",) and row.stakeholder_groups == ("Mental health partner",)
    assert row.areas == ("T",)
    assert row.coded_by_me == pytest.approx((turns[0].end - turns[0].start) / whole)
    assert row.coded_by_anyone == pytest.approx(
        (turns[0].end - turns[0].start + turns[1].end - turns[1].start) / whole)
