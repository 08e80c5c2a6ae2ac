"""The watcher that tells a poller someone committed, and what the live service reads."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from qualcode.domain.project_changes import NO_CHANGES, Activity
from qualcode.domain.review import CodingAnchor
from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.history import HistoryService
from qualcode.services.live import LiveWatch
from qualcode.services.memos import MemoService
from qualcode.services.project import Project
from qualcode.services.review import ReviewService
from qualcode.services.sources import SourceService
from qualcode.store.watch import (
    AlwaysLook,
    PostgresNotifyWatcher,
    SqliteDataVersionWatcher,
    watcher_for,
)
from tests.conftest import SMALL_CODEBOOK

SOURCE = "interview-sam"
TIME = "11111111-1111-4111-8111-111111111112"  # Barriers > Time in SMALL_CODEBOOK


@pytest.fixture
def coded(project: Project, interview_file: Path) -> Project:
    with project.session() as session:
        SourceService(session, "Tester").import_files([interview_file])
    return project


@pytest.fixture
def watch(coded: Project) -> Iterator[LiveWatch]:
    live = LiveWatch(coded)
    yield live
    live.close()


def _engine_of(project: Project):  # type: ignore[no-untyped-def]
    with project.read_session() as session:
        return session.get_bind()


def _add(project: Project, coder: str = "Ben", start: int = 0, end: int = 11) -> str:
    with project.session() as session:
        return CodingService(session, coder).add(SOURCE, TIME, start, end).uuid


# --- the watcher ----------------------------------------------------------------------


def test_sqlite_watcher_sees_another_connections_commit_and_nothing_else(
    coded: Project,
) -> None:
    watcher = watcher_for(_engine_of(coded))
    assert isinstance(watcher, SqliteDataVersionWatcher)
    assert watcher.poll()  # the first poll has nothing to compare with
    assert not watcher.poll()
    with coded.read_session() as session:  # reading is not a change
        CodebookService(session).list_codes()
    assert not watcher.poll()
    _add(coded)
    assert watcher.poll()
    assert not watcher.poll()
    watcher.close()
    assert watcher.poll()  # closed: it cannot tell, so it says "look"


def test_sqlite_watcher_sees_another_process(coded: Project) -> None:
    watcher = watcher_for(_engine_of(coded))
    watcher.poll()
    script = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
        "c.execute(\"UPDATE project_settings SET value = 'x' WHERE key = 'name'\"); c.commit()"
    )
    subprocess.run([sys.executable, "-c", script, str(coded.path)], check=True)
    assert watcher.poll()
    watcher.close()


def test_engines_without_a_cheap_signal_always_look(tmp_path: Path) -> None:
    class Other:  # only the dialect's name matters to the choice
        name = "mysql"

    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    engine.dialect = Other()  # type: ignore[assignment]
    watcher = watcher_for(engine)
    assert isinstance(watcher, AlwaysLook)
    assert watcher.poll() and watcher.poll()


@pytest.fixture
def coded_on_server(postgres_url: str, interview_file: Path) -> Iterator[Project]:
    with Project.create(postgres_url) as project:
        with project.session() as session:
            CodebookService(session, "Tester").import_codebook(SMALL_CODEBOOK)
            SourceService(session, "Tester").import_files([interview_file])
        yield project


def _heard(watcher: PostgresNotifyWatcher) -> bool:
    """A poll once every commit made so far has reached the watcher (delivery is
    asynchronous; the TUI would hear of a late one at its next poll)."""
    watcher.sync()
    return watcher.poll()


def test_postgres_watcher_hears_another_connections_commit_and_nothing_else(
    coded_on_server: Project, postgres_url: str
) -> None:
    watcher = watcher_for(_engine_of(coded_on_server))
    assert isinstance(watcher, PostgresNotifyWatcher)
    assert watcher.poll()  # the first poll has nothing to compare with
    assert not _heard(watcher)
    with coded_on_server.read_session() as session:  # reading is not a change
        CodebookService(session).list_codes()
    with coded_on_server.session() as session:  # nor is a write transaction that wrote nothing
        CodebookService(session).list_codes()
    assert not _heard(watcher)
    with Project.open(postgres_url) as other:  # another engine: another coder's process
        _add(other)
    assert _heard(watcher)
    assert not _heard(watcher)
    _add(coded_on_server, start=12, end=20)  # through the watcher's own engine too
    _add(coded_on_server, start=21, end=30)
    assert _heard(watcher)  # two commits, one piece of news
    assert not _heard(watcher)
    watcher.close()
    assert watcher.poll()  # closed: it cannot tell, so it says "look"


def test_postgres_watcher_hears_nothing_of_a_rolled_back_write(coded_on_server: Project) -> None:
    engine = coded_on_server._engine  # a writer's engine, not the read-only sessions' view
    watcher = watcher_for(engine)
    assert isinstance(watcher, PostgresNotifyWatcher)
    watcher.poll()
    with engine.connect() as connection:
        connection.execute(text("UPDATE project_settings SET value = 'x' WHERE key = 'name'"))
        connection.rollback()
    assert not _heard(watcher)
    with engine.connect() as connection:  # the same connection again, now committing
        connection.execute(text("UPDATE project_settings SET value = 'x' WHERE key = 'name'"))
        connection.commit()
    assert _heard(watcher)
    watcher.close()


def test_committing_a_failed_write_on_postgres_rolls_back_quietly(coded_on_server: Project) -> None:
    engine = coded_on_server._engine
    watcher = watcher_for(engine)
    assert isinstance(watcher, PostgresNotifyWatcher)
    watcher.poll()
    with engine.connect() as connection:
        connection.execute(text("UPDATE project_settings SET value = 'x' WHERE key = 'name'"))
        with pytest.raises(DBAPIError):
            connection.execute(text("SELECT 1 / 0"))
        connection.commit()  # the server rolls it back; the notice is not what fails
    assert not _heard(watcher)
    watcher.close()


def test_postgres_watcher_says_look_after_losing_its_connection(
    coded_on_server: Project,
) -> None:
    watcher = watcher_for(_engine_of(coded_on_server))
    assert isinstance(watcher, PostgresNotifyWatcher)
    watcher.poll()
    watcher._connection.close()  # as a server restart would leave it
    assert watcher.poll()  # cannot tell: look
    assert watcher.poll()  # listening again, and may have missed something meanwhile
    assert not _heard(watcher)
    _add(coded_on_server)
    assert _heard(watcher)
    watcher.close()


def test_live_watch_on_postgres_names_the_coding(
    coded_on_server: Project, postgres_url: str
) -> None:
    live = LiveWatch(coded_on_server)
    token = live.current()
    assert live.changes_since(token) == (token, NO_CHANGES)
    with Project.open(postgres_url) as other:
        _add(other, "Ben")
    live._watcher.sync()  # type: ignore[attr-defined]  (delivery is asynchronous)
    token2, changes = live.changes_since(token)
    assert changes.codings_in(SOURCE) and changes.activity == (Activity("Ben", "coding.add", 1),)
    assert live.changes_since(token2) == (token2, NO_CHANGES)
    live.close()


# --- the live service -----------------------------------------------------------------


def test_nothing_committed_reads_nothing_and_says_nothing(watch: LiveWatch) -> None:
    token = watch.current()
    assert watch.changes_since(token) == (token, NO_CHANGES)


def test_a_coding_names_its_source_and_coder(coded: Project, watch: LiveWatch) -> None:
    token = watch.current()
    _add(coded, "Ben")
    _add(coded, "Ben", 12, 20)
    token2, changes = watch.changes_since(token)
    assert token2 != token
    assert changes.codings and changes.codings_in(SOURCE) and not changes.codings_anywhere
    assert not changes.codebook
    assert changes.activity == (Activity("Ben", "coding.add", 2),)
    assert watch.changes_since(token2) == (token2, NO_CHANGES)


def test_a_removed_coding_refreshes_every_transcript(coded: Project, watch: LiveWatch) -> None:
    uuid = _add(coded)
    token = watch.current()
    with coded.session() as session:
        CodingService(session, "Ben").remove(uuid)
    _, changes = watch.changes_since(token)
    assert changes.codings_in(SOURCE) and changes.codings_anywhere


def test_codebook_memo_review_and_undo_are_told_apart(coded: Project, watch: LiveWatch) -> None:
    token = watch.current()
    with coded.session() as session:
        CodebookService(session, "Ben").update_code(TIME, name="Time pressure")
    token, changes = watch.changes_since(token)
    assert changes.codebook and not changes.codings

    with coded.session() as session:
        MemoService(session, "Ben").add("project", None, "A thought")
    token, changes = watch.changes_since(token)
    assert changes.memos and not changes.codebook and not changes.codings

    uuid = _add(coded)
    token, _ = watch.changes_since(token)
    with coded.session() as session:
        ReviewService(session, "Ben").comment(CodingAnchor(uuid), "Is this time?")
    token, changes = watch.changes_since(token)
    assert changes.review and changes.review_sources == frozenset({SOURCE})
    assert not changes.codings

    with coded.session() as session:
        HistoryService(session, "Ben").undo()  # takes back the comment
    token, changes = watch.changes_since(token)
    assert changes.review and changes.activity == (Activity("Ben", "undo", 1),)


def test_a_flood_of_changes_refreshes_everything(
    coded: Project, watch: LiveWatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("qualcode.services.live.MOST_ENTRIES", 2)
    token = watch.current()
    for start in (0, 12, 21):
        _add(coded, start=start, end=start + 5)
    token2, changes = watch.changes_since(token)
    assert changes.codings_anywhere and changes.codebook and changes.review
    assert watch.changes_since(token2) == (token2, NO_CHANGES)
