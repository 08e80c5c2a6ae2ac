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


class StaleEditError(ConflictError):
    """Someone else changed the thing while this person was editing it.

    Nothing was saved. ``text`` is what this person wrote, kept so they can re-apply
    it; ``theirs`` is what is there now; ``version`` the version to edit against next.
    """

    def __init__(self, what: str, text: str, theirs: str, version: int) -> None:
        self.text = text
        self.theirs = theirs
        self.version = version
        super().__init__(
            f"someone else changed {what} while you were editing it; nothing was saved "
            f"(yours is kept to re-apply). It now reads: {_short(theirs)}"
        )


def _short(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return f'"{flat}"' if len(flat) <= limit else f'"{flat[: limit - 1]}…"'


class NotAllowedError(QualcodeError):
    """The acting coder's role in the project does not allow what they tried."""
