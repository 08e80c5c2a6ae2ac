"""Learning cheaply that someone else committed to the project since we last asked.

The TUI asks twice a second; almost always nothing has changed, so the answer to
"anything new?" must cost next to nothing and read no table.

SQLite: ``PRAGMA data_version`` on one connection kept for the purpose. Its value is
only meaningful compared with itself on the same connection: it changes when *another*
connection (in this process or any other: a second terminal, a ``qualcode code`` run)
has committed since the last call, and never for this connection's own commits, which
is why the watcher holds a connection of its own and never writes through it. It reads
the database header in a statement's own brief read, not a page of any table, so in
WAL mode it never waits behind a writer. A change counter table
bumped by triggers would tell the same thing but would need a migration and turn every
write into two; data_version is free.

PostgreSQL has no data_version. Every transaction that writes sends ``NOTIFY`` on a
channel before committing (store/engine.py), and the server delivers it to listeners
at the commit, never for a rollback. :class:`PostgresNotifyWatcher` keeps one
connection of its own that ``LISTEN``s and, when polled, takes what has already arrived
on its socket without waiting and without a round trip to the server. Delivery is
asynchronous: a commit that has just returned may reach the watcher a moment later, so
a poll may tell of it only at the next poll (half a second later, for the TUI), but
never misses it; :meth:`PostgresNotifyWatcher.sync` makes sure with one round trip, for a caller
(a test) that must know now. Should that connection break (a server restart) every poll
says "maybe" while it reconnects.

The seam is :class:`ChangeWatcher`; :class:`AlwaysLook`, for any other engine, says
"maybe" on every poll, and the caller's own cheap query (the newest audit entry's id)
decides.
"""

from __future__ import annotations

from contextlib import suppress
from threading import Lock
from typing import Any, Protocol

from sqlalchemy import Engine

from qualcode.store.engine import CHANGE_CHANNEL


class ChangeWatcher(Protocol):
    """Tells whether another connection may have committed since the last poll."""

    def poll(self) -> bool:
        """True if something may have changed since the previous poll (True on the
        first poll, and whenever the watcher cannot tell)."""
        ...

    def close(self) -> None:
        """Give the watcher's connection back; later polls answer True."""
        ...


class SqliteDataVersionWatcher:
    """``PRAGMA data_version`` on a connection of the watcher's own (see the module)."""

    def __init__(self, engine: Engine) -> None:
        self._connection: Any = engine.raw_connection()
        self._last: int | None = None
        # Polls come from worker threads and close from the UI thread: one at a time.
        self._lock = Lock()

    def poll(self) -> bool:
        with self._lock:
            if self._connection is None:
                return True
            cursor = self._connection.cursor()
            try:
                version = int(cursor.execute("PRAGMA data_version").fetchone()[0])
            finally:
                cursor.close()
            changed = version != self._last
            self._last = version
            return changed

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


class PostgresNotifyWatcher:
    """``LISTEN`` on a psycopg connection of the watcher's own (see the module)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Any = None
        self._closed = False
        self._first = True
        self._lock = Lock()
        self._listen()

    def _listen(self) -> None:
        # Detached: the pool never hands this connection to anyone else, and it stays
        # in autocommit so the LISTEN holds without an open transaction.
        proxy = self._engine.raw_connection()
        proxy.detach()
        connection = proxy.dbapi_connection
        assert connection is not None  # None only once the proxy is closed
        connection.rollback()  # whatever the pool's ping left open
        connection.autocommit = True
        connection.execute(f"LISTEN {CHANGE_CHANNEL}")
        self._connection = connection

    def poll(self) -> bool:
        with self._lock:
            if self._closed:
                return True
            try:
                if self._connection is None:
                    self._listen()
                    return True  # missed whatever came while it was down
                # Drain them all: many commits since the last poll are one piece of news.
                heard = list(self._connection.notifies(timeout=0))
                first, self._first = self._first, False
                return first or bool(heard)
            except Exception:  # any driver failure: we cannot tell
                self._drop()
                return True

    def sync(self) -> None:
        """Make sure every commit that returned before this call has reached us: one
        round trip, after which the server has sent what was pending (kept for the next
        poll by the driver)."""
        with self._lock:
            if self._connection is None:
                return
            try:
                self._connection.execute("SELECT 1")
            except Exception:  # the next poll finds it broken and says "maybe"
                self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            with suppress(Exception):  # already broken
                self._connection.close()
            self._connection = None

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._drop()


class AlwaysLook:
    """For engines without a cheap signal yet: every poll may have news."""

    def poll(self) -> bool:
        return True

    def close(self) -> None:
        return None


def watcher_for(engine: Engine) -> ChangeWatcher:
    """The cheapest watcher the engine allows."""
    if engine.dialect.name == "sqlite":
        return SqliteDataVersionWatcher(engine)
    if engine.dialect.name == "postgresql":
        return PostgresNotifyWatcher(engine)
    return AlwaysLook()
