"""Domain errors. Each carries a one-line message fit to show a researcher as is."""

from __future__ import annotations

from pathlib import Path


class QualcodeError(Exception):
    """Base of every error qualcode expects and explains; the CLI prints it as one line."""


class InputFileError(QualcodeError):
    """A file given to qualcode cannot be used. The message names the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class NotFoundError(QualcodeError):
    """A named thing (source, code, coding, coder) is not in the project."""


class ConflictError(QualcodeError):
    """The change would break a rule of the project (duplicate name, overlapping identity)."""


class ValidationError(QualcodeError):
    """A value given by the user is not acceptable (bad offsets, empty name...)."""
