"""A throwaway PostgreSQL cluster for the tests: started once per session, gone at the end.

``initdb`` into a fresh temporary directory, ``pg_ctl start`` listening on a Unix socket
in that directory only (``listen_addresses=''``: nothing on the network), trust
authentication (only the directory's owner can reach the socket), fsync off (the data
is thrown away). initdb and pg_ctl refuse to run as root, which CI is, so as root they
run as the ``postgres`` user, who then owns the directory.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

SERVER_USER = "postgres"
# Debian installs the server outside PATH, one folder per major version.
DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"
START_TIMEOUT_SECONDS = 60
ENV_BIN_DIR = "QUALCODE_POSTGRES_BIN"


class NoServer(Exception):
    """No PostgreSQL server can be started here; the message says why."""


def find_bin_dir() -> Path:
    """The folder holding initdb, pg_ctl and postgres: $QUALCODE_POSTGRES_BIN if set,
    else the one on PATH, else the newest Debian one."""
    chosen = os.environ.get(ENV_BIN_DIR)
    if chosen:
        candidates, debian = [Path(chosen)], []
    else:
        on_path = shutil.which("initdb")
        candidates = [Path(on_path).resolve().parent] if on_path else []
        debian = sorted(Path("/").glob(DEBIAN_BIN_GLOB.lstrip("/")), key=_major, reverse=True)
    for folder in [*candidates, *debian]:
        if all((folder / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
    raise NoServer("no PostgreSQL server binaries (initdb, pg_ctl) found; install `postgresql`")


def _major(folder: Path) -> int:
    version = folder.parent.name
    return int(version) if version.isdigit() else 0


@dataclass
class PostgresServer:
    """One running cluster; ``database()`` hands out fresh, empty databases on it."""

    bin_dir: Path
    base: Path
    as_user: str | None
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _running: bool = False

    @property
    def socket_dir(self) -> Path:
        return self.base

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    @classmethod
    def start(cls) -> PostgresServer:
        try:
            import psycopg  # noqa: F401  (the driver the tests talk through)
        except ImportError:
            raise NoServer("psycopg is not installed (pip install -e '.[test]')") from None
        bin_dir = find_bin_dir()
        as_user = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam(SERVER_USER)
            except KeyError:
                raise NoServer(f"running as root and there is no '{SERVER_USER}' user") from None
            if shutil.which("runuser") is None:
                raise NoServer("running as root and `runuser` is missing")
            as_user = SERVER_USER
        # Short: a Unix socket's path must fit in about 100 characters.
        base = Path(
            tempfile.mkdtemp(prefix="qc-pg-", dir="/tmp" if Path("/tmp").is_dir() else None)
        )
        server = cls(bin_dir, base, as_user)
        atexit.register(server.stop)  # even if pytest itself dies mid-session
        try:
            server._init_and_start()
        except BaseException:
            server.stop()
            raise
        return server

    def _init_and_start(self) -> None:
        if self.as_user is not None:
            entry = pwd.getpwnam(self.as_user)
            os.chown(self.base, entry.pw_uid, entry.pw_gid)
        self._run(
            "initdb",
            "-D", str(self.data_dir),
            "-U", SERVER_USER,
            "-A", "trust",
            "-E", "UTF8",
            "--locale=C",
            "--no-sync",
        )  # fmt: skip
        options = (
            f"-c listen_addresses='' -k {self.socket_dir} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            "pg_ctl",
            "-D", str(self.data_dir),
            "-l", str(self.base / "server.log"),
            "-o", options,
            "-w", "-t", str(START_TIMEOUT_SECONDS),
            "start",
        )  # fmt: skip
        self._running = True

    def _run(self, tool: str, *args: str) -> None:
        command: Sequence[str] = [str(self.bin_dir / tool), *args]
        if self.as_user is not None:
            command = ["runuser", "-u", self.as_user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.base)
        if result.returncode != 0:
            log = self.base / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise NoServer(
                f"{tool} failed: {result.stderr.strip() or result.stdout.strip()}"
                + (f"\n{tail}" if tail else "")
            )

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SERVER_USER}@/{database}?host={self.socket_dir}"

    def _admin(self):  # type: ignore[no-untyped-def]
        import psycopg

        return psycopg.connect(
            dbname="postgres", user=SERVER_USER, host=str(self.socket_dir), autocommit=True
        )

    def create_database(self) -> str:
        """A new, empty database; its name."""
        name = f"qc_test_{os.getpid()}_{next(self._numbers)}"
        with self._admin() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        # FORCE: a test that failed may have left a connection open.
        with self._admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self._running:
            self._running = False
            with contextlib.suppress(NoServer):
                self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)
