"""Turning what a person typed (files, folders, globs) into the files to import."""

from __future__ import annotations

import glob
from collections.abc import Iterable
from pathlib import Path

from qualcode.domain.errors import InputFileError


def _wanted(path: Path, suffixes: frozenset[str]) -> bool:
    # Word leaves "~$name.docx" lock files beside open documents; they are not transcripts.
    name = path.name
    return path.suffix.lower() in suffixes and not name.startswith((".", "~$"))


def collect_files(arguments: Iterable[str | Path], suffixes: frozenset[str]) -> list[Path]:
    """Files named directly are kept whatever their type (so a wrong one is reported);
    folders are searched recursively and globs expanded for the supported types only."""
    found: list[Path] = []
    for argument in arguments:
        text = str(argument)
        path = Path(text)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and _wanted(p, suffixes)))
        elif path.exists():
            found.append(path)
        elif glob.has_magic(text):
            matches = sorted(Path(m) for m in glob.glob(text, recursive=True))
            files = [m for m in matches if m.is_file() and _wanted(m, suffixes)]
            if not files:
                raise InputFileError(text, "no transcript files match this pattern")
            found.extend(files)
        else:
            raise InputFileError(text, "no such file or folder")
    unique: dict[Path, None] = {}
    for path in found:
        unique.setdefault(path.resolve(), None)
    return list(unique)
