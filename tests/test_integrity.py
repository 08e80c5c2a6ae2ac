"""The database, not luck, keeps a project consistent with several coders writing at once:
unique codings and sibling names, versions on shared edits, undo per coder (issue 15)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import qualcode.services.codebook as codebook_module
import qualcode.services.coding as coding_module
from qualcode.domain.errors import ConflictError, StaleEditError
from qualcode.domain.review import CodingAnchor
from qualcode.services import changes
from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.history import HistoryService
from qualcode.services.memos import MemoService
from qualcode.services.project import Project
from qualcode.services.review import ReviewService
from qualcode.services.sources import SourceService
from qualcode.store import migrate
from qualcode.store.engine import create_private_file, make_engine
from qualcode.store.migrate import create_project_file, open_project_file

TIME = "11111111-1111-4111-8111-111111111112"


@pytest.fixture
def coded(project: Project, interview_file: Path) -> Project:
    with project.session() as session:
        SourceService(session, "Tester").import_files([interview_file])
    return project


def _sneak_in(module: object, monkeypatch: pytest.MonkeyPatch, sql: str) -> None:
    """Make another writer win the race: ``sql`` runs after the service's check and
    just before its own write, as another coder's commit would land."""
    original = changes.refereed

    def refereed(session: Session, explain: Callable[[], Exception | None]) -> Any:
        session.execute(text(sql))
        return original(session, explain)

    monkeypatch.setattr(module, "refereed", refereed)


# -- the database referees --------------------------------------------------------------


def test_a_coding_another_terminal_just_added_is_already_coded_not_a_crash(
    coded: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    with coded.session() as session:
        service = CodingService(session, "Ann")
        coder_id = service._coder().id
        _sneak_in(
            coding_module,
            monkeypatch,
            'insert into codings (uuid, source_id, code_id, coder_id, start, "end", memo, '
            f"origin, created_at) select 'raced', s.id, c.id, {coder_id}, 5, 9, '', 'manual', "
            "'2026-01-01' from sources s, codes c where c.uuid = '" + TIME + "'",
        )
        with pytest.raises(ConflictError, match=r"Ann has already coded 5-9 .* \(coding raced\)"):
            service.add("interview-sam", "Time", 5, 9)


def test_a_sibling_name_another_coder_just_took_is_refused_clearly(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    with project.session() as session:
        service = CodebookService(session, "Ann")
        _sneak_in(
            codebook_module,
            monkeypatch,
            "insert into codes (uuid, name, definition, include, exclude, example, keywords, "
            "position, created_at, version) values ('raced', 'TRUST', '', '', '', '', '[]', 9, "
            "'2026-01-01', 1)",
        )
        with pytest.raises(ConflictError, match="already a code 'Trust' there"):
            service.add_code("Trust")


def test_top_level_names_are_unique_ignoring_case_in_the_database(project: Project) -> None:
    with project.session() as session, pytest.raises(IntegrityError, match="UNIQUE constraint"):
        session.execute(
            text(
                "insert into codes (uuid, name, definition, include, exclude, example, "
                "keywords, position, created_at) "
                "values ('x', 'barriers', '', '', '', '', '[]', 0, '2026-01-01')"
            )
        )


def test_a_new_sibling_goes_after_the_last_even_after_a_delete(project: Project) -> None:
    with project.session() as session:
        service = CodebookService(session, "Ann")
        for name in ("A", "B", "C"):
            service.add_code(name, parent="Enablers")
        service.delete_code("Enablers > B")
        added = service.add_code("D", parent="Enablers")
        children = [c for c in service.list_codes() if c.parent_uuid == added.parent_uuid]
    assert [c.name for c in children][-1] == "D"
    assert added.position > max(c.position for c in children if c.name != "D")


# -- optimistic concurrency ---------------------------------------------------------------


def test_a_stale_rename_is_refused_keeping_the_name_typed(project: Project) -> None:
    with project.session() as ann_session, project.session() as bo_session:
        ann, bo = CodebookService(ann_session, "Ann"), CodebookService(bo_session, "Bo")
        read = next(c for c in ann.list_codes() if c.name == "Time")
        bo.update_code(read.uuid, expected_version=read.version, name="Lack of time")
        with pytest.raises(StaleEditError) as refused:
            ann.update_code(read.uuid, expected_version=read.version, name="No time")
        assert refused.value.text == "No time" and refused.value.theirs == "Lack of time"
        assert "someone else changed code 'Lack of time'" in str(refused.value)
        again = ann.update_code(read.uuid, expected_version=refused.value.version, name="No time")
    assert again.name == "No time" and again.version == read.version + 2


def test_a_stale_definition_or_move_is_refused(project: Project) -> None:
    with project.session() as ann_session, project.session() as bo_session:
        ann, bo = CodebookService(ann_session, "Ann"), CodebookService(bo_session, "Bo")
        read = next(c for c in ann.list_codes() if c.name == "Risk")
        bo.update_code(read.uuid, definition="Theirs")
        with pytest.raises(StaleEditError) as refused:
            ann.update_code(read.uuid, expected_version=read.version, definition="Mine")
        assert (refused.value.text, refused.value.theirs) == ("Mine", "Theirs")
        with pytest.raises(StaleEditError):
            ann.move_code(read.uuid, "Enablers", expected_version=read.version)


def test_a_stale_memo_edit_keeps_the_text_and_shows_theirs(project: Project) -> None:
    with project.session() as ann_session, project.session() as bo_session:
        memo = MemoService(ann_session, "Ann").add("project", None, "first")
        MemoService(bo_session, "Bo").edit(memo.uuid, "Bo's", expected_version=memo.version)
        with pytest.raises(StaleEditError) as refused:
            MemoService(ann_session, "Ann").edit(
                memo.uuid, "Ann's long thought", expected_version=memo.version
            )
        assert (refused.value.text, refused.value.theirs) == ("Ann's long thought", "Bo's")
        assert [m.text for m in MemoService(ann_session).list()] == ["Bo's"]


def test_a_stale_coding_memo_is_refused(coded: Project) -> None:
    with coded.session() as session:
        coding = CodingService(session, "Ann").add("interview-sam", "Time", 5, 9)
        CodingService(session, "Bo").set_memo(coding.uuid, "Bo's", read="")
        with pytest.raises(StaleEditError) as refused:
            CodingService(session, "Ann").set_memo(coding.uuid, "Ann's", read="")
        assert (refused.value.text, refused.value.theirs) == ("Ann's", "Bo's")


def test_a_reply_to_a_discussion_that_moved_on_is_handed_back(coded: Project) -> None:
    with coded.session() as session:
        coding = CodingService(session, "Ann").add("interview-sam", "Time", 5, 9)
        anchor = CodingAnchor(coding.uuid)
        first = ReviewService(session, "Ann").comment(anchor, "why here?", expected_version=0)
        ReviewService(session, "Bo").comment(anchor, "it fits", expected_version=first.version)
        with pytest.raises(StaleEditError) as refused:
            ReviewService(session, "Cy").comment(anchor, "agree", expected_version=first.version)
        assert refused.value.text == "agree" and refused.value.theirs == "Bo: it fits"
        thread = ReviewService(session).thread_for(anchor)
    assert thread is not None and [e.text for e in thread.entries] == ["why here?", "it fits"]


# -- undo stays per coder -----------------------------------------------------------------


def test_undo_takes_back_only_the_coders_own_work(coded: Project) -> None:
    with coded.session() as session:
        ann, bo = CodingService(session, "Ann"), CodingService(session, "Bo")
        ann.add("interview-sam", "Time", 1, 5)
        bo_coding = bo.add("interview-sam", "Time", 1, 5)
        ann.add("interview-sam", "Risk", 10, 20)
        undo = HistoryService(session, "Ann")
        assert undo.undo() is not None and undo.undo() is not None
        assert undo.undo() is None
        left = CodingService(session).list()
    assert [(c.coder, c.uuid) for c in left] == [("Bo", bo_coding.uuid)]


def test_undoing_a_coding_someone_removed_since_says_so(coded: Project) -> None:
    with coded.session() as session:
        coding = CodingService(session, "Ann").add("interview-sam", "Time", 1, 5)
        CodingService(session, "Bo").remove(coding.uuid)
        with pytest.raises(ConflictError, match=r"cannot undo or redo: coding .* no longer exists"):
            HistoryService(session, "Ann").undo()
        assert CodingService(session).list() == []


def test_undoing_a_rename_someone_renamed_again_leaves_theirs(project: Project) -> None:
    with project.session() as session:
        CodebookService(session, "Ann").update_code("Time", name="No time")
        CodebookService(session, "Bo").update_code("No time", name="Lack of time")
        with pytest.raises(ConflictError, match="was changed since"):
            HistoryService(session, "Ann").undo()
        assert "Lack of time" in [c.name for c in CodebookService(session).list_codes()]


# -- migration 0007 -----------------------------------------------------------------------


def _old_project_with_duplicates(path: Path) -> None:
    create_private_file(path)
    engine = make_engine(path)
    migrate._run(engine, "upgrade", "0006")
    rows = [
        "insert into coders (id, uuid, name, created_at) values (1, 'k1', 'Ann', '2023-01-01')",
        "insert into sources (id, uuid, name, text, content_hash, original_filename, format, "
        "characters, words, imported_at) values (1, 's1', 'talk', 'abcdefghij', 'h', 't.txt', "
        "'txt', 10, 1, '2023-01-01')",
        "insert into codes (id, uuid, name, definition, include, exclude, example, keywords, "
        "position, created_at) values (1, 'c1', 'Trust', '', '', '', '', '[]', 0, '2023-01-01'),"
        " (2, 'c2', 'trust', 'second', '', '', '', '[]', 1, '2023-01-01'),"
        " (3, 'c3', 'Trust (2)', '', '', '', '', '[]', 2, '2023-01-01')",
        'insert into codings (id, uuid, source_id, code_id, coder_id, start, "end", memo, '
        "origin, created_at) values (1, 'g1', 1, 1, 1, 0, 4, 'first thought', 'manual', "
        "'2023-01-01'), (2, 'g2', 1, 1, 1, 0, 4, 'second thought', 'manual', '2023-01-02'), "
        "(3, 'g3', 1, 1, 1, 0, 4, 'first thought', 'manual', '2023-01-03')",
        'insert into review_threads (id, uuid, source_id, code_id, start, "end", coding_uuid, '
        "created_at) values (1, 't1', 1, 1, 0, 4, 'g2', '2023-01-02')",
    ]
    with engine.begin() as connection:
        for row in rows:
            connection.exec_driver_sql(row)
    engine.dispose()


def test_migration_0007_repairs_an_old_project_losing_no_work(tmp_path: Path) -> None:
    path = tmp_path / "old.qcp"
    _old_project_with_duplicates(path)
    open_project_file(path).dispose()
    assert len(list(tmp_path.glob("old.qcp.backup-0006-*"))) == 1
    db = sqlite3.connect(path)
    assert db.execute("select uuid, memo from codings").fetchall() == [
        ("g1", "first thought\n\nsecond thought")
    ]
    assert db.execute("select coding_uuid from review_threads").fetchall() == [("g1",)]
    assert {r[0] for r in db.execute("select uuid from removed_codings")} == {"g2", "g3"}
    assert db.execute("select uuid, name, version from codes order by id").fetchall() == [
        ("c1", "Trust", 1),
        ("c2", "trust (3)", 1),
        ("c3", "Trust (2)", 1),
    ]
    audit = [
        (entity, uuid, json.loads(details))
        for entity, uuid, details in db.execute(
            "select entity, entity_uuid, details from audit_log where action = 'migration.repair'"
        )
    ]
    assert [(e, u) for e, u, _ in audit] == [("coding", "g1"), ("code", "c2")]
    assert audit[0][2]["merged"] == ["g2", "g3"]
    assert audit[1][2] == {"migration": "0007", "renamed_from": "trust", "renamed_to": "trust (3)"}


def test_migrated_and_new_projects_have_the_same_integrity_indexes(tmp_path: Path) -> None:
    """Alembic cannot compare expression indexes on SQLite, so compare the SQL itself."""
    new, old = tmp_path / "new.qcp", tmp_path / "old.qcp"
    create_project_file(new).dispose()
    _old_project_with_duplicates(old)
    open_project_file(old).dispose()

    def indexes(path: Path) -> set[tuple[str, str]]:
        rows = sqlite3.connect(path).execute(
            "select name, sql from sqlite_master where type = 'index' and sql is not null"
        )
        return set(rows)

    assert indexes(new) == indexes(old)
    assert (
        "uq_codes_sibling_name",
        "CREATE UNIQUE INDEX uq_codes_sibling_name ON codes (coalesce(parent_id, 0), lower(name))",
    ) in indexes(new)


def test_merging_a_copy_where_the_coder_coded_the_same_span_again_keeps_one(
    coded: Project, project_path: Path, tmp_path: Path
) -> None:
    import shutil

    from qualcode.services.merge import merge_projects

    coded.close()
    copy = tmp_path / "laptop.qcp"
    shutil.copy(project_path, copy)
    for path in (project_path, copy):
        with Project.open(path) as opened, opened.session() as session:
            CodingService(session, "Ann").add("interview-sam", "Time", 5, 9)
    merge_projects(project_path, [copy])
    with Project.open(project_path) as opened, opened.session() as session:
        assert len(CodingService(session).list()) == 1
