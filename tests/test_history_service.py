"""Undo and redo of coding, code and memo changes: per coder, and across restarts."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.domain.errors import ConflictError
from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.history import HistoryService
from qualcode.services.memos import MemoService
from qualcode.services.project import Project
from qualcode.services.sources import SourceService


@pytest.fixture
def coded(project: Project, interview_file: Path) -> Project:
    with project.session() as session:
        SourceService(session, "Tester").import_files([interview_file])
    return project


def _codings(project: Project) -> list[tuple[str, str, int, int]]:
    with project.read_session() as session:
        return [(c.code_path, c.coder, c.start, c.end) for c in CodingService(session).list()]


def _paths(project: Project) -> list[str]:
    with project.read_session() as session:
        return [c.path for c in CodebookService(session).list_codes()]


def test_undo_and_redo_a_coding_survive_a_restart(coded: Project, project_path: Path) -> None:
    with coded.session() as session:
        added = CodingService(session, "Ann").add("interview-sam", "Time", 0, 10)
    coded.close()
    with Project.open(project_path) as reopened:
        with reopened.session() as session:
            step = HistoryService(session, "Ann").undo()
        assert step is not None and step.description.startswith("code 'Time'")
        assert _codings(reopened) == []
    with Project.open(project_path) as reopened:
        with reopened.session() as session:
            assert HistoryService(session, "Ann").redo() is not None
            (again,) = CodingService(session).list()
        assert again.uuid == added.uuid  # the same coding comes back, not a copy


def test_undo_is_per_coder(coded: Project) -> None:
    with coded.session() as session:
        CodingService(session, "Ann").add("interview-sam", "Time", 0, 10)
        CodingService(session, "Bo").add("interview-sam", "Risk", 0, 10)
        HistoryService(session, "Ann").undo()
        assert HistoryService(session, "Ann").undo() is None
    assert _codings(coded) == [("Barriers > Risk", "Bo", 0, 10)]


def test_a_new_change_ends_the_redo_chain(coded: Project) -> None:
    with coded.session() as session:
        service, history = CodingService(session, "Ann"), HistoryService(session, "Ann")
        service.add("interview-sam", "Time", 0, 10)
        service.add("interview-sam", "Time", 20, 30)
        history.undo()
        history.undo()
        assert history.undo() is None
        step = history.redo()
        assert step is not None and step.description == "code 'Time' in interview-sam"
        service.add("interview-sam", "Risk", 5, 9)
        assert history.redo() is None
    assert [c[2] for c in _codings(coded)] == [0, 5]


def test_removing_a_coding_and_its_memo_are_undoable(coded: Project) -> None:
    with coded.session() as session:
        service, history = CodingService(session, "Ann"), HistoryService(session, "Ann")
        record = service.add("interview-sam", "Time", 0, 10, memo="first")
        service.set_memo(record.uuid, "second")
        service.remove(record.uuid)
        history.undo()
        assert CodingService(session).list()[0].memo == "second"
        history.undo()
        assert CodingService(session).list()[0].memo == "first"
        history.redo()
        history.redo()
        assert CodingService(session).list() == []


def test_code_rename_move_merge_and_delete_are_undoable(coded: Project) -> None:
    with coded.session() as session:
        codebook, history = CodebookService(session, "Ann"), HistoryService(session, "Ann")
        coding = CodingService(session, "Ann")
        coding.add("interview-sam", "Time", 0, 10)
        coding.add("interview-sam", "Risk", 0, 10)
        coding.add("interview-sam", "Risk", 20, 30)
        codebook.update_code("Time", name="Lack of time", colour="#112233")
        codebook.move_code("Lack of time", "Enablers")
        assert "Enablers > Lack of time" in _paths(coded)
        merged = codebook.merge_codes("Risk", "Enablers > Lack of time")
        assert merged.path == "Enablers > Lack of time"
        after_merge = _codings(coded)
        # the duplicate (same coder, same span) is folded into one
        assert sorted(after_merge) == [("Enablers > Lack of time", "Ann", 0, 10),
                                       ("Enablers > Lack of time", "Ann", 20, 30)]
        history.undo()  # merge
        assert sorted(_codings(coded)) == [("Barriers > Risk", "Ann", 0, 10),
                                           ("Barriers > Risk", "Ann", 20, 30),
                                           ("Enablers > Lack of time", "Ann", 0, 10)]
        history.undo()  # move
        history.undo()  # rename
        assert "Barriers > Time" in _paths(coded)
        for _ in range(3):
            history.redo()
        assert sorted(_codings(coded)) == sorted(after_merge)
        added = codebook.add_code("Unused", parent="Barriers")
        codebook.delete_code(added.uuid)
        assert "Barriers > Unused" not in _paths(coded)
        history.undo()
        assert "Barriers > Unused" in _paths(coded)
        with pytest.raises(ConflictError, match="has codings"):
            codebook.delete_code("Enablers > Lack of time")


def test_memo_add_edit_remove_are_undoable(coded: Project) -> None:
    with coded.session() as session:
        memos, history = MemoService(session, "Ann"), HistoryService(session, "Ann")
        memo = memos.add("source", "interview-sam", "draft")
        memos.edit(memo.uuid, "final")
        memos.remove(memo.uuid)
        assert memos.list() == []
        history.undo()
        assert [m.text for m in memos.list()] == ["final"]
        history.undo()
        assert [m.text for m in memos.list()] == ["draft"]


def test_undoing_a_memo_edit_restores_when_it_was_last_changed(coded: Project) -> None:
    with coded.session() as session:
        memos, history = MemoService(session, "Ann"), HistoryService(session, "Ann")
        memo = memos.add("source", "interview-sam", "draft")
        memos.edit(memo.uuid, "final")
        history.undo()
        (restored,) = memos.list()
    assert (restored.text, restored.updated_at) == ("draft", memo.updated_at)
