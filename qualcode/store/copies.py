"""Copying project files with SQLite's backup API: backups, and private read-only copies.

The backup API copies a consistent snapshot even while another connection writes
(or the file has a -wal beside it), so it is the one way qualcode copies a project.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from qualcode.domain.errors import QualcodeError

_HEADER_LENGTH = 100  # an SQLite file's header; anything shorter is not one


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


def application_id(path: Path) -> int | None:
    """The application id in the header of the SQLite file ``path``; None if it is not
    an SQLite file (or cannot be read).

    Asked through SQLite, never with a plain ``open()``: closing a plain handle on a
    database file drops every lock this process holds on it, its SQLite connections'
    included, so another process closing the project would think it the last one and
    delete the -wal from under them (SQLite's documented POSIX-lock pitfall). SQLite's
    own handles know of each other and keep the locks."""
    try:
        if not path.is_file() or path.stat().st_size < _HEADER_LENGTH:
            return None  # not a regular file (a FIFO could block), or too short
        connection = sqlite3.connect(
            f"{path.resolve().as_uri()}?{_read_only(path)}", uri=True, check_same_thread=False
        )
        try:
            row = connection.execute("PRAGMA application_id").fetchone()
        finally:
            connection.close()
    except (OSError, sqlite3.Error):
        return None
    return int(row[0])


def read_only_copy(path: Path, destination: Path) -> None:
    """Copy the project at ``path`` into ``destination`` without ever writing to it
    (not even to upgrade it): the copy can then be opened, upgraded and read freely."""
    if not path.is_file():
        raise QualcodeError(f"{path}: no such project file")
    if application_id(path) is None:
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
