"""Opening and creating projects; the door from the CLI and TUI to the store.

A project lives at a location: a file (``study.qcp``) or a PostgreSQL database
(``postgresql+psycopg://user@host/dbname``). Everything here takes either.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from qualcode.domain.errors import QualcodeError
from qualcode.store.engine import READ_ONLY_OPTION, journal_mode
from qualcode.store.location import ProjectLocation, looks_like_url
from qualcode.store.migrate import (
    create_project_store,
    discard_project_database,
    open_project_store,
)
from qualcode.store.models import ProjectSetting, new_uuid

PROJECT_SUFFIX = ".qcp"
# What callers hand over: a path, what the person typed, or a parsed location.
Where = Path | str | ProjectLocation

__all__ = [
    "PROJECT_SUFFIX",
    "Project",
    "ProjectLocation",
    "Where",
    "location_of",
    "looks_like_url",
]


def location_of(where: Where) -> ProjectLocation:
    """The location a path, a typed string or a URL names (a password in a URL is refused)."""
    return ProjectLocation.parse(where)


class Project:
    """An open project (a file or a database). Hands out sessions; services do the work."""

    def __init__(self, location: Where, engine: Engine) -> None:
        self.location = location_of(location)
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            engine.execution_options(**{READ_ONLY_OPTION: True}), expire_on_commit=False
        )

    @classmethod
    def create(cls, where: Where, name: str | None = None) -> Project:
        location = location_of(where)
        path = location.path
        if path is not None and path.suffix != PROJECT_SUFFIX:
            raise QualcodeError(f"{path}: a project file name must end in {PROJECT_SUFFIX}")
        project = cls(location, create_project_store(location))
        try:
            with project.session() as session:
                session.add_all(
                    [
                        ProjectSetting(key="name", value=name or location.label),
                        ProjectSetting(key="uuid", value=new_uuid()),
                    ]
                )
                session.commit()
        except BaseException:
            if path is None:  # a file is removed by new_project; a database is emptied here
                discard_project_database(project._engine)
            project.close()
            raise
        return project

    @classmethod
    def open(cls, where: Where) -> Project:
        location = location_of(where)
        return cls(location, open_project_store(location))

    @property
    def path(self) -> Path:
        """The project file (for what only a file has: backups, copies, files beside it)."""
        return self.location.require_file("this action")

    @property
    def is_file(self) -> bool:
        return self.location.is_file

    @property
    def uuid(self) -> str:
        """The project's own identity, the same wherever it is copied or moved."""
        with self.read_session() as session:
            value = session.scalar(select(ProjectSetting.value).where(ProjectSetting.key == "uuid"))
        if not value:
            raise QualcodeError(f"{self.location}: the project has no UUID setting")
        return value

    def session(self) -> Session:
        """A session whose transactions take the write lock up front."""
        return self._sessions()

    def read_session(self) -> Session:
        """A session for reading only; it never waits behind a writer."""
        return self._read_sessions()

    @property
    def name(self) -> str:
        with self.read_session() as session:
            value = session.scalar(select(ProjectSetting.value).where(ProjectSetting.key == "name"))
        return value or self.location.label

    @property
    def journal_mode(self) -> str:
        return journal_mode(self._engine)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Project:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_project(where: Where) -> Project:
    return Project.open(where)


def create_project(where: Where, name: str | None = None) -> Project:
    return Project.create(where, name)


# SQLite's companions of a database file: a half-made project must not leave them either.
COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")


@contextmanager
def new_project(where: Where, name: str | None = None) -> Iterator[Project]:
    """Create a project and set it up in the block, all or nothing: if creating it or
    the block fails, the new file and its -wal/-shm/-journal are removed, so a refused
    `init --codebook` leaves no half-made project behind. An existing file is never
    touched (creating over it is refused before anything is written). On a server the
    tables made a moment ago in the (until then empty) database are dropped instead."""
    location = location_of(where)
    if location.path is None:
        with _new_database_project(location, name) as project:
            yield project
        return
    path = location.path
    if path.exists() or path.is_symlink():
        raise QualcodeError(f"{path}: already exists")
    try:
        project = create_project(path, name)
    except BaseException:
        if path.exists():  # it did not a moment ago: this half-made file is ours
            _discard(path)
        raise
    try:
        yield project
    except BaseException:
        project.close()
        _discard(path)
        raise
    project.close()


@contextmanager
def _new_database_project(location: ProjectLocation, name: str | None) -> Iterator[Project]:
    project = create_project(location, name)  # refused, untouched, unless the db is empty
    try:
        yield project
    except BaseException:
        discard_project_database(project._engine)
        project.close()
        raise
    project.close()


def _discard(path: Path) -> None:
    for file in (path, *(path.with_name(path.name + s) for s in COMPANION_SUFFIXES)):
        with suppress(FileNotFoundError):
            file.unlink()
