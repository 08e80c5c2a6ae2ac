"""Opening and creating projects; the door from the CLI and TUI to the store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from qualcode.domain.errors import QualcodeError
from qualcode.store.engine import READ_ONLY_OPTION, journal_mode
from qualcode.store.migrate import create_project_file, open_project_file
from qualcode.store.models import ProjectSetting, new_uuid

PROJECT_SUFFIX = ".qcp"


class Project:
    """An open project file. Hands out sessions; services do the work."""

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = path
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            engine.execution_options(**{READ_ONLY_OPTION: True}), expire_on_commit=False
        )

    @classmethod
    def create(cls, path: Path, name: str | None = None) -> Project:
        path = Path(path)
        if path.suffix != PROJECT_SUFFIX:
            raise QualcodeError(f"{path}: a project file name must end in {PROJECT_SUFFIX}")
        project = cls(path, create_project_file(path))
        with project.session() as session:
            session.add_all(
                [
                    ProjectSetting(key="name", value=name or path.stem),
                    ProjectSetting(key="uuid", value=new_uuid()),
                ]
            )
            session.commit()
        return project

    @classmethod
    def open(cls, path: Path) -> Project:
        path = Path(path)
        return cls(path, open_project_file(path))

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
        return value or self.path.stem

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


def open_project(path: Path | str) -> Project:
    return Project.open(Path(path))


def create_project(path: Path | str, name: str | None = None) -> Project:
    return Project.create(Path(path), name)


# SQLite's companions of a database file: a half-made project must not leave them either.
COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")


@contextmanager
def new_project(path: Path | str, name: str | None = None) -> Iterator[Project]:
    """Create a project and set it up in the block, all or nothing: if creating it or
    the block fails, the new file and its -wal/-shm/-journal are removed, so a refused
    `init --codebook` leaves no half-made project behind. An existing file is never
    touched (creating over it is refused before anything is written)."""
    path = Path(path)
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


def _discard(path: Path) -> None:
    for file in (path, *(path.with_name(path.name + s) for s in COMPANION_SUFFIXES)):
        with suppress(FileNotFoundError):
            file.unlink()
