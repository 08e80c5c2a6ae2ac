"""Every writer of a shared row moves its version, not only the edit dialogs (issue 15).

Each test reads a version as an edit dialog would, lets another writer change the row
(a merge, a codebook import, an undo, a statement written with ``update()`` or
``insert()``, the CLI), then saves with the old version: the save must be refused with
the person's text kept, never silently overwrite what the other writer did.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import insert, select, update

from qualcode.cli import cli
from qualcode.domain.errors import StaleEditError
from qualcode.domain.records import Codebook
from qualcode.domain.review import SpanAnchor
from qualcode.exporters.codebook_yaml import dump_codebook
from qualcode.services.codebook import CodebookService
from qualcode.services.history import HistoryService
from qualcode.services.memos import MemoService
from qualcode.services.merge import merge_projects
from qualcode.services.project import Project
from qualcode.services.review import ReviewService
from qualcode.services.sources import SourceService
from qualcode.store.models import Code, Coder, ReviewEntry, ReviewThread, new_uuid, utcnow
from tests.conftest import SMALL_CODEBOOK
from tests.merge_helpers import ENABLERS, RISK, TIME, laptop, make_base

SPAN = SpanAnchor("interview-sam", "Barriers > Time", 0, 9)


@pytest.fixture
def both(project_location: str | Path, interview_file: Path) -> Iterator[Project]:
    """The small codebook and one interview, on an SQLite file and on a real server."""
    with Project.create(project_location) as project:
        with project.session() as session:
            CodebookService(session, "Tester").import_codebook(SMALL_CODEBOOK)
            SourceService(session, "Tester").import_files([interview_file])
        yield project


def _time(project: Project) -> tuple[str, int]:
    with project.session() as session:
        read = next(c for c in CodebookService(session).list_codes() if c.uuid == TIME)
    return read.uuid, read.version


def _stale_definition(project: Project, version: int) -> StaleEditError:
    with project.session() as session, pytest.raises(StaleEditError) as refused:
        CodebookService(session, "Ann").update_code(
            TIME, expected_version=version, definition="Ann's careful definition"
        )
    assert refused.value.text == "Ann's careful definition"
    return refused.value


# -- both engines ----------------------------------------------------------------------------


def test_an_update_statement_moves_a_codes_version(both: Project) -> None:
    _, version = _time(both)
    with both.session() as session:
        session.execute(update(Code).where(Code.uuid == TIME).values(definition="Theirs"))
        session.commit()
    assert _stale_definition(both, version).theirs == "Theirs"
    assert _time(both)[1] == version + 1


def test_an_undo_of_a_definition_moves_the_version(both: Project) -> None:
    with both.session() as session:
        CodebookService(session, "Bo").update_code(TIME, definition="Bo's")
    _, version = _time(both)
    with both.session() as session:
        HistoryService(session, "Bo").undo()
    assert _stale_definition(both, version).theirs == "No time"


def _redefined(definition: str) -> Codebook:
    """The small codebook with Time's definition changed."""
    barriers = SMALL_CODEBOOK.codes[0]
    time = replace(barriers.children[0], definition=definition)
    codes = (replace(barriers, children=(time, *barriers.children[1:])), *SMALL_CODEBOOK.codes[1:])
    return replace(SMALL_CODEBOOK, codes=codes)


def test_a_codebook_import_that_redefines_a_code_moves_its_version(both: Project) -> None:
    _, version = _time(both)
    with both.session() as session:
        CodebookService(session, "Bo").import_codebook(_redefined("New"))
    assert _stale_definition(both, version).theirs == "New"


def test_an_undo_of_a_memo_edit_moves_the_memo_version(both: Project) -> None:
    with both.session() as session:
        memo = MemoService(session, "Ann").add("project", None, "first")
        MemoService(session, "Ann").edit(memo.uuid, "second")
        HistoryService(session, "Ann").undo()
    with both.session() as session:
        read = MemoService(session).list()[0]
        HistoryService(session, "Ann").redo()
    with both.session() as session, pytest.raises(StaleEditError) as refused:
        MemoService(session, "Ann").edit(memo.uuid, "mine", expected_version=read.version)
    assert (refused.value.text, refused.value.theirs) == ("mine", "second")


def test_entries_inserted_by_a_statement_move_their_threads_version(both: Project) -> None:
    with both.session() as session:
        read = ReviewService(session, "Ann").comment(SPAN, "why here?", expected_version=0)
        thread_id = session.scalar(select(ReviewThread.id).where(ReviewThread.uuid == read.uuid))
        bo = session.scalar(select(Coder.id).where(Coder.name == "Ann"))
        session.execute(
            insert(ReviewEntry),
            [
                {
                    "uuid": new_uuid(),
                    "thread_id": thread_id,
                    "coder_id": bo,
                    "kind": "comment",
                    "text": "from another laptop",
                    "created_at": utcnow(),
                }
            ],
        )
        session.commit()
    with both.session() as session, pytest.raises(StaleEditError) as refused:
        ReviewService(session, "Ann").comment(SPAN, "my reply", expected_version=read.version)
    assert refused.value.text == "my reply" and "from another laptop" in refused.value.theirs


def test_a_reply_and_its_undo_each_move_the_thread_once(both: Project) -> None:
    with both.session() as session:
        first = ReviewService(session, "Ann").comment(SPAN, "one", expected_version=0)
        second = ReviewService(session, "Ann").comment(SPAN, "two", expected_version=first.version)
        HistoryService(session, "Ann").undo()
        after = ReviewService(session).thread_for(SPAN)
    assert second.version == first.version + 1
    assert after is not None and after.version == second.version + 1


# -- merges (SQLite files) -------------------------------------------------------------------


@pytest.fixture
def laptops(tmp_path: Path, interview_file: Path) -> tuple[Path, Path]:
    base = make_base(tmp_path, interview_file)
    return laptop(base, "ann"), laptop(base, "bo")


def _version(path: Path, uuid: str) -> int:
    with Project.open(path) as project, project.session() as session:
        return next(c.version for c in CodebookService(session).list_codes() if c.uuid == uuid)


def test_a_merge_taking_the_incoming_name_moves_the_version(laptops: tuple[Path, Path]) -> None:
    ann, bo = laptops
    with Project.open(bo) as project, project.session() as session:
        CodebookService(session, "Bo").update_code(TIME, name="Lack of time")
    version = _version(ann, TIME)
    merge_projects(ann, [bo], resolutions={TIME: "take-incoming"})
    with (
        Project.open(ann) as project,
        project.session() as session,
        pytest.raises(StaleEditError) as refused,
    ):
        CodebookService(session, "Ann").update_code(
            TIME, expected_version=version, name="No time at all"
        )
    assert (refused.value.text, refused.value.theirs) == ("No time at all", "Lack of time")


def test_a_merge_taking_the_incoming_parent_moves_the_version(laptops: tuple[Path, Path]) -> None:
    ann, bo = laptops
    with Project.open(bo) as project, project.session() as session:
        CodebookService(session, "Bo").move_code(RISK, ENABLERS)
    version = _version(ann, RISK)
    merge_projects(ann, [bo], resolutions={RISK: "take-incoming"})
    with (
        Project.open(ann) as project,
        project.session() as session,
        pytest.raises(StaleEditError),
    ):
        CodebookService(session, "Ann").move_code(RISK, None, expected_version=version)


def test_a_merge_adding_to_a_discussion_moves_its_version(laptops: tuple[Path, Path]) -> None:
    ann, _ = laptops
    with Project.open(ann) as project, project.session() as session:
        read = ReviewService(session, "Ann").comment(SPAN, "why here?", expected_version=0)
    bo_copy = laptop(ann, "bo-copy")
    with Project.open(bo_copy) as project, project.session() as session:
        ReviewService(session, "Bo").comment(SPAN, "it fits", expected_version=read.version)
    merge_projects(ann, [bo_copy])
    with (
        Project.open(ann) as project,
        project.session() as session,
        pytest.raises(StaleEditError) as refused,
    ):
        ReviewService(session, "Ann").comment(SPAN, "my reply", expected_version=read.version)
    assert refused.value.text == "my reply" and "it fits" in refused.value.theirs


# -- the CLI ---------------------------------------------------------------------------------


def test_the_cli_codebook_import_moves_the_version(project: Project, tmp_path: Path) -> None:
    _, version = _time(project)
    path = tmp_path / "codebook.yaml"
    path.write_text(dump_codebook(_redefined("From CLI")), encoding="utf-8")
    args = ["codebook", "import", str(project.path), str(path), "--coder", "Bo"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert _stale_definition(project, version).theirs == "From CLI"
