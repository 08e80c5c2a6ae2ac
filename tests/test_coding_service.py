"""Coding by offsets and by passage, removing, memos, listing, and the audit trail."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from qualcode.domain.errors import ConflictError, NotFoundError, ValidationError
from qualcode.domain.records import Origin
from qualcode.services.coding import CodingService
from qualcode.services.memos import MemoService
from qualcode.services.project import Project
from qualcode.services.sources import SourceService


@pytest.fixture
def coded(project: Project, interview_file: Path) -> Project:
    with project.session() as session:
        SourceService(session, "Tester").import_files([interview_file])
    return project


def test_coding_by_offsets_and_overlapping_codes(coded: Project) -> None:
    with coded.session() as session:
        service = CodingService(session, "Ann")
        text = SourceService(session).text("interview-sam")
        start = text.index("we just have no time")
        first = service.add("interview-sam", "Time", start, start + 20)
        second = service.add("interview-sam", "Barriers > Risk", start, start + 60)
        listed = service.list(source="interview-sam")
    assert first.text == "we just have no time"
    assert first.origin is Origin.MANUAL and first.coder == "Ann"
    assert [c.uuid for c in listed] == [first.uuid, second.uuid]


def test_coding_by_passage_forgives_whitespace_and_quotes(coded: Project) -> None:
    with coded.session() as session:
        record = CodingService(session, "Ann").add_passage(
            "interview-sam", "Bridging roles", "The  navigator role\nbridges the gap")
    assert record.text == "The navigator role bridges the gap"


def test_ambiguous_or_missing_passages_are_refused(coded: Project) -> None:
    with coded.session() as session:
        service = CodingService(session, "Ann")
        with pytest.raises(ValidationError, match="occurs 2 times"):
            service.add_passage("interview-sam", "Time", "Interviewer:")
        assert service.add_passage("interview-sam", "Time", "Interviewer:", occurrence=2).start > 0
        with pytest.raises(NotFoundError, match="not found"):
            service.add_passage("interview-sam", "Time", "words nobody said")


@pytest.mark.parametrize(("start", "end", "message"), [
    (-1, 5, "0 <= start < end"), (10, 10, "0 <= start < end"), (0, 10**6, "past the end"),
])
def test_bad_offsets_are_refused(coded: Project, start: int, end: int, message: str) -> None:
    with coded.session() as session, pytest.raises(ValidationError, match=message):
        CodingService(session, "Ann").add("interview-sam", "Time", start, end)


def test_the_same_coding_twice_by_one_coder_is_refused_but_another_coder_may(
        coded: Project) -> None:
    with coded.session() as session:
        CodingService(session, "Ann").add("interview-sam", "Time", 0, 10)
        with pytest.raises(ConflictError, match="already coded"):
            CodingService(session, "Ann").add("interview-sam", "Time", 0, 10)
        CodingService(session, "Bo").add("interview-sam", "Time", 0, 10)
        assert len(CodingService(session).list(coder="Bo")) == 1


def test_remove_memo_and_audit(coded: Project, project_path: Path) -> None:
    with coded.session() as session:
        service = CodingService(session, "Ann")
        record = service.add("interview-sam", "Time", 0, 10, memo="first thoughts")
        assert service.set_memo(record.uuid, "second thoughts").memo == "second thoughts"
        service.remove(record.uuid)
        assert service.list() == []
        with pytest.raises(NotFoundError):
            service.remove(record.uuid)
    with sqlite3.connect(project_path) as connection:
        actions = connection.execute(
            "select action, entity from audit_log where entity = 'coding' order by id").fetchall()
    assert actions == [("coding.add", "coding"), ("coding.memo", "coding"),
                       ("coding.remove", "coding")]


def test_every_action_is_on_disk_when_the_call_returns(coded: Project,
                                                       project_path: Path) -> None:
    with coded.session() as session:
        CodingService(session, "Ann").add("interview-sam", "Time", 0, 10)
        # another connection, as another process would see it, before this session closes
        with sqlite3.connect(project_path) as other:
            assert other.execute("select count(*) from codings").fetchone() == (1,)


def test_list_by_code_with_subcodes(coded: Project) -> None:
    with coded.session() as session:
        service = CodingService(session, "Ann")
        service.add("interview-sam", "Time", 0, 10)
        service.add("interview-sam", "Risk", 5, 15)
        assert len(service.list(code="Barriers")) == 0
        assert len(service.list(code="Barriers", include_subcodes=True)) == 2


def test_memos_on_project_source_and_code(coded: Project) -> None:
    with coded.session() as session:
        service = MemoService(session, "Ann")
        service.add("project", None, "Remember the anonymity rules")
        service.add("source", "interview-sam", "Noisy recording")
        service.add("code", "Time", "Split into staff time and money?")
        with pytest.raises(ValidationError, match="empty"):
            service.add("project", None, "   ")
        memos = service.list()
        on_code = service.list("code", "Barriers > Time")
    assert [(m.target, m.target_name) for m in memos] == [
        ("project", None), ("source", "interview-sam"), ("code", "Barriers > Time")]
    assert [m.text for m in on_code] == ["Split into staff time and money?"]
