"""Copying project files with SQLite's backup API: backups, and private read-only copies.

The backup API copies a consistent snapshot even while another connection writes
(or the file has a -wal beside it), so it is the one way qualcode copies a project.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from qualcode.domain.errors import QualcodeError

SQLITE_HEADER = b"SQLite format 3\x00"


class NotAProjectError(QualcodeError):
    """The file exists but is not a qualcode project."""


def copy_database(source: str | Path, destination: Path, *, uri: bool = False) -> None:
    """Copy the database ``source`` (a path, or an SQLite URI) into ``destination``."""
    original = sqlite3.connect(source, uri=uri)
    try:
        copy = sqlite3.connect(destination)
        try:
            original.backup(copy)
        finally:
            copy.close()
    finally:
        original.close()


def read_only_copy(path: Path, destination: Path) -> None:
    """Copy the project at ``path`` into ``destination`` without ever writing to it
    (not even to upgrade it): the copy can then be opened, upgraded and read freely."""
    if not path.is_file():
        raise QualcodeError(f"{path}: no such project file")
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise NotAProjectError(f"{path}: not a qualcode project (not an SQLite file)")
    try:
        copy_database(f"{path.resolve().as_uri()}?{_read_only(path)}", destination, uri=True)
    except sqlite3.DatabaseError as error:
        raise NotAProjectError(f"{path}: not a qualcode project ({error})") from None


def _read_only(path: Path) -> str:
    """URI options that read ``path`` without leaving anything beside it.

    A read-only connection to a WAL project creates -wal and -shm files and, unable to
    checkpoint, leaves them behind. With no -wal present the file holds every committed
    row, so it is opened ``immutable`` (no locks, no companion files). With a -wal
    present (the project is open in someone's app, or it crashed) the newest rows are
    in it, so it is read the ordinary read-only way; those files already exist.
    """
    wal = path.with_name(path.name + "-wal")
    return "mode=ro" if wal.exists() else "mode=ro&immutable=1"


def place_new_file(building: Path, path: Path) -> bool:
    """Give a finished project file (built under a hidden name beside ``path``) its
    name, never over a file that appeared meanwhile: False if one did. A hard link is
    atomic and refuses an existing name; without hard links, a checked rename."""
    try:
        os.link(building, path)
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links
        if path.exists() or path.is_symlink():
            return False
        os.rename(building, path)
    return True
