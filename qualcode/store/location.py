"""Where a project lives: an SQLite file, or a database on a PostgreSQL server.

One value, parsed once from what the person typed, that the rest of the store turns
into an engine. A URL never carries a password: libpq reads it from ``PGPASSWORD`` or
``~/.pgpass``, so it never shows in a shell history, a process list or an error message.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from qualcode.domain.errors import QualcodeError

POSTGRES_DRIVER = "postgresql+psycopg"
# What people paste: libpq's own spellings and SQLAlchemy's, all mean the same server.
_POSTGRES_SCHEMES = frozenset({"postgresql", "postgres", "postgresql+psycopg"})
_URL_SHAPE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
EXAMPLE_URL = "postgresql+psycopg://user@host/dbname"
PASSWORD_REFUSED = (
    "a password in the URL is refused (it would show in shell histories and process "
    "lists): put it in PGPASSWORD or ~/.pgpass, which libpq reads"
)


def looks_like_url(text: str) -> bool:
    """Whether ``text`` is shaped like ``scheme://...`` (so it is not a file name)."""
    return bool(_URL_SHAPE.match(text))


@dataclass(frozen=True, slots=True)
class ProjectLocation:
    """A project file (``path``) or a PostgreSQL database (``url``, no password in it)."""

    path: Path | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.path is None) == (self.url is None):
            raise ValueError("a project location is a file path or a database URL, not both")

    @classmethod
    def parse(cls, value: str | os.PathLike[str] | ProjectLocation) -> ProjectLocation:
        """The location a person typed: anything shaped like ``scheme://`` is a URL."""
        if isinstance(value, ProjectLocation):
            return value
        if isinstance(value, str) and looks_like_url(value):
            return cls(url=_normalised_url(value))
        return cls(path=Path(value))

    @property
    def is_file(self) -> bool:
        return self.path is not None

    @property
    def label(self) -> str:
        """A short name for people: the file's stem or the database's name."""
        if self.path is not None:
            return self.path.stem
        return str(self.sqlalchemy_url().database)

    @property
    def display(self) -> str:
        """How the location is shown and compared: the path, or the password-free URL."""
        return str(self.path) if self.path is not None else str(self.url)

    def __str__(self) -> str:
        return self.display

    def sqlalchemy_url(self) -> URL:
        if self.url is None:
            return URL.create("sqlite+pysqlite", database=str(self.path))
        return make_url(self.url)

    def require_file(self, what: str) -> Path:
        """The file behind this location, or a one-line refusal saying ``what`` needs one."""
        if self.path is None:
            raise QualcodeError(
                f"{self.display}: {what} works on project files only, not on a database"
            )
        return self.path


def _normalised_url(text: str) -> str:
    try:
        url = make_url(text)
    except ArgumentError:
        raise QualcodeError(f"{_scrubbed(text)}: not a database URL (e.g. {EXAMPLE_URL})") from None
    if url.drivername not in _POSTGRES_SCHEMES:
        raise QualcodeError(
            f"{url.drivername}: qualcode opens project files (.qcp) and PostgreSQL databases "
            f"({EXAMPLE_URL}), nothing else"
        )
    if url.password is not None or "password" in url.query:
        raise QualcodeError(PASSWORD_REFUSED)
    if not url.database:
        raise QualcodeError(f"{_display(url)}: the URL names no database (e.g. {EXAMPLE_URL})")
    return _display(url.set(drivername=POSTGRES_DRIVER))


def _display(url: URL) -> str:
    """A stable spelling: the same location always reads the same (query keys sorted)."""
    user = quote(url.username, safe="") + "@" if url.username else ""
    host = url.host or ""
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    port = f":{url.port}" if url.port else ""
    query = "&".join(
        f"{quote(key, safe='')}={quote(value, safe='/')}"
        for key in sorted(url.query)
        for value in _values(url.query[key])
    )
    database = quote(url.database or "", safe="")
    return f"{url.drivername}://{user}{host}{port}/{database}" + (f"?{query}" if query else "")


def _values(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _scrubbed(text: str) -> str:
    """``text`` with anything between ``:`` and ``@`` in its authority blanked out."""
    return re.sub(r"(://[^/@:]*):[^/@]*@", r"\1:***@", text)
