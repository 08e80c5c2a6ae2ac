"""Comment threads with a status (issue 6): on codings and on disagreements."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from qualcode.domain.errors import NotFoundError, ValidationError
from qualcode.domain.review import (
    CodingAnchor,
    EntryKind,
    ReviewStatus,
    SpanAnchor,
)
from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.history import HistoryService
from qualcode.services.project import Project
from qualcode.services.review import ReviewService, parse_status
from tests.conftest import SMALL_CODEBOOK
from tests.test_agreement_service import add_source

TEXT = "Hartwell, " * 10  # 100 characters
TIME = "11111111-1111-4111-8111-111111111112"


def code(project: Project, coder: str, source: str, code_: str, start: int, end: int) -> str:
    with project.session() as session:
        return CodingService(session, coder).add(source, code_, start, end).uuid


@pytest.fixture
def two_coders(project: Project) -> Project:
    add_source(project, "s1", TEXT)
    code(project, "Ann", "s1", "Time", 0, 30)
    code(project, "Bo", "s1", "Time", 20, 40)
    code(project, "Bo", "s1", "Risk", 70, 80)
    return project


def review(project: Project, coder: str = "Ann") -> ReviewService:
    return ReviewService(project.session(), coder)


def test_items_pair_disagreements_with_their_threads(two_coders: Project) -> None:
    items = review(two_coders).items()
    assert [(i.number, i.disagreement.start, i.disagreement.end) for i in items] == [
        (1, 0, 20),
        (2, 30, 40),
        (3, 70, 80),
    ]
    assert items[0].code_uuid == TIME and items[0].thread is None
    assert items[0].status is ReviewStatus.OPEN
    review(two_coders, "Bo").comment(items[1].anchor, "I think the whole turn is Time")
    review(two_coders, "Ann").set_status(items[1].anchor, "needs-discussion")
    again = review(two_coders).items()
    thread = again[1].thread
    assert thread is not None and again[0].thread is None and again[2].thread is None
    assert [(e.author, e.kind, e.status) for e in thread.entries] == [
        ("Bo", EntryKind.COMMENT, None),
        ("Ann", EntryKind.STATUS, ReviewStatus.NEEDS_DISCUSSION),
    ]
    assert thread.entries[1].text == "marked needs discussion"
    assert thread.entries[0].created_at <= thread.entries[1].created_at
    assert thread.entries[0].created_at.tzinfo is not None
    assert (datetime.now(UTC) - thread.entries[0].created_at).total_seconds() < 60
    assert thread.status is ReviewStatus.NEEDS_DISCUSSION
    assert [c.text for c in thread.comments] == ["I think the whole turn is Time"]
    assert (thread.source, thread.code_path, thread.start, thread.end) == (
        "s1",
        "Barriers > Time",
        30,
        40,
    )


def test_numbers_stay_the_same_under_a_status_filter(two_coders: Project) -> None:
    items = review(two_coders).items()
    review(two_coders).set_status(items[2].anchor, ReviewStatus.AGREE)
    agreed = review(two_coders).items(status=[ReviewStatus.AGREE])
    assert [i.number for i in agreed] == [3]
    still_open = review(two_coders).items(status=["open"])
    assert [i.number for i in still_open] == [1, 2]


def test_a_thread_follows_its_disagreement_when_a_coding_changes(two_coders: Project) -> None:
    first = review(two_coders).items()[0]
    review(two_coders).comment(first.anchor, "only the start?")
    code(two_coders, "Ann", "s1", "Time", 0, 5)  # another coding changes nothing of 0-20
    code(two_coders, "Bo", "s1", "Time", 10, 15)  # now 0-10 and 15-20 are the stretches
    items = review(two_coders).items()
    assert [(i.disagreement.start, i.disagreement.end) for i in items][:2] == [(0, 10), (15, 20)]
    assert items[0].thread is not None and items[0].thread.uuid == items[1].thread.uuid  # type: ignore[union-attr]


def test_threads_on_codings(two_coders: Project) -> None:
    coding = code(two_coders, "Ann", "s1", "Risk", 50, 60)
    thread = review(two_coders, "Bo").comment(CodingAnchor(coding), "Why risk?")
    assert thread.coding_uuid == coding and (thread.start, thread.end) == (50, 60)
    assert review(two_coders).thread_for(CodingAnchor(coding)) == thread
    review(two_coders).comment(CodingAnchor(coding), "Hartwell owns it")
    with two_coders.session() as session:
        CodingService(session, "Ann").remove(coding)
    survived = review(two_coders).thread(thread.uuid)  # outlives the coding
    assert [e.author for e in survived.entries] == ["Bo", "Ann"]
    assert review(two_coders).thread_for(CodingAnchor(coding)) is not None
    listed = review(two_coders).threads(source="s1")
    assert [t.uuid for t in listed] == [thread.uuid]
    assert review(two_coders).threads(status=ReviewStatus.RESOLVED) == []


def test_validation(two_coders: Project) -> None:
    service = review(two_coders)
    with pytest.raises(ValidationError):
        service.comment(SpanAnchor("s1", "Time", 0, 20), "   ")
    with pytest.raises(NotFoundError):
        service.comment(CodingAnchor("00000000-0000-4000-8000-000000000000"), "x")
    with pytest.raises(NotFoundError):
        service.comment(SpanAnchor("nope", "Time", 0, 20), "x")
    with pytest.raises(NotFoundError):
        service.comment(SpanAnchor("s1", "No such code", 0, 20), "x")
    with pytest.raises(ValidationError):
        service.comment(SpanAnchor("s1", "Time", 90, 101), "x")
    with pytest.raises(ValidationError):
        service.comment(SpanAnchor("s1", "Time", 20, 20), "x")
    with pytest.raises(NotFoundError):
        service.thread("00000000-0000-4000-8000-000000000000")
    with pytest.raises(ValidationError):
        parse_status("maybe")
    assert parse_status("Needs-Discussion") is ReviewStatus.NEEDS_DISCUSSION
    assert review(two_coders).threads() == []


def test_comments_and_statuses_are_undone_and_redone(two_coders: Project) -> None:
    anchor = SpanAnchor("s1", TIME, 0, 20)
    review(two_coders).comment(anchor, "first")
    review(two_coders).set_status(anchor, "agree")
    review(two_coders, "Bo").comment(anchor, "Bo's")
    step = HistoryService(two_coders.session(), "Ann").undo()
    assert step is not None and step.description == "mark agree on 'Time' in s1"
    thread = review(two_coders).thread_for(anchor)
    assert thread is not None and [e.text for e in thread.entries] == ["first", "Bo's"]
    assert thread.status is ReviewStatus.OPEN
    HistoryService(two_coders.session(), "Ann").undo()
    HistoryService(two_coders.session(), "Bo").undo()
    assert review(two_coders).thread_for(anchor) is None  # the empty thread goes too
    HistoryService(two_coders.session(), "Ann").redo()
    thread = review(two_coders).thread_for(anchor)
    assert thread is not None and [e.text for e in thread.entries] == ["first"]


def test_a_project_at_0005_is_backed_up_and_gains_review_tables(tmp_path: Path) -> None:
    from qualcode.store import migrate
    from qualcode.store.engine import create_private_file, make_engine

    path = tmp_path / "v5.qcp"
    create_private_file(path)
    engine = make_engine(path)
    migrate._run(engine, "upgrade", "0005")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "insert into coders (uuid, name, created_at) values ('u1', 'Ann', '2026-01-01')"
        )
    engine.dispose()
    with Project.open(path) as project:
        with project.session() as session:
            CodebookService(session, "Ann").import_codebook(SMALL_CODEBOOK)
        add_source(project, "s1", TEXT)
        code(project, "Ann", "s1", "Time", 0, 10)
        with project.session() as session:
            ReviewService(session, "Ann").comment(SpanAnchor("s1", "Time", 0, 10), "kept")
        with project.session() as session:
            (thread,) = ReviewService(session).threads()
    assert [(e.author, e.text) for e in thread.entries] == [("Ann", "kept")]
    (backup,) = tmp_path.glob("v5.qcp.backup-0005-*")
    with sqlite3.connect(backup) as old:
        tables = {r[0] for r in old.execute("select name from sqlite_master where type='table'")}
        assert old.execute("select version_num from alembic_version").fetchone() == ("0005",)
    assert "codings" in tables and "review_threads" not in tables


def test_threads_move_with_a_merged_code_and_back_on_undo(two_coders: Project) -> None:
    risk = review(two_coders).items()[2]
    review(two_coders).comment(risk.anchor, "is this really risk?")
    with two_coders.session() as session:
        CodebookService(session, "Ann").merge_codes("Risk", "Time")
    (thread,) = review(two_coders).threads()
    assert thread.code_path == "Barriers > Time" and thread.comments[0].text.startswith("is")
    HistoryService(two_coders.session(), "Ann").undo()
    (thread,) = review(two_coders).threads()
    assert thread.code_path == "Barriers > Risk"
    assert thread.code_uuid == "11111111-1111-4111-8111-111111111113"
