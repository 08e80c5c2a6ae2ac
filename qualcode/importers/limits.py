"""Size limits, and reading a file's bytes without ever going past them.

A researcher may point qualcode at the wrong thing (a video, a disk image, a
whole folder's zip). Checking the size *before* reading means such a mistake
costs a ``stat`` call, not gigabytes of memory.
"""

from __future__ import annotations

from pathlib import Path

from qualcode.domain.errors import InputFileError

MB = 1024 * 1024

DEFAULT_MAX_BYTES = 50 * MB
"""Largest file read_transcript accepts; a 10,000-word transcript is well under 1 MB."""

MAX_UNPACKED_BYTES = 30 * MB
"""Largest total a .docx/.xlsx may declare once unzipped (python-docx holds it all)."""

MAX_ZIP_MEMBERS = 10_000
BOMB_RATIO = 100
"""A member that shrank more than this much when zipped is suspicious..."""
BOMB_MIN_BYTES = 1 * MB
"""...but only once it is big enough to matter: small XML parts compress very well."""

MAX_CODEBOOK_CODES = 20_000
"""Most codes a codebook file may hold. The largest real codebooks have a few hundred;
a file past this is refused as soon as its 20,001st code is read, not imported for minutes."""
MAX_CODEBOOK_LEVELS = 50
"""Deepest a code may sit in a codebook file (a top-level code is level 1)."""


def human_size(n: int) -> str:
    """Sizes as a researcher reads them: "12.5 MB", "300 kB", "80 bytes"."""
    if n >= MB:
        value = n / MB
        return f"{value:.0f} MB" if value >= 10 else f"{value:.1f} MB".replace(".0 MB", " MB")
    if n >= 1024:
        return f"{n / 1024:.0f} kB"
    return f"{n} bytes"


def file_size(path: Path) -> int:
    """The size of ``path`` in bytes, with every way of not being a readable file explained."""
    try:
        if path.is_dir():
            raise InputFileError(path, "is a folder, not a file")
        return path.stat().st_size
    except FileNotFoundError:
        raise InputFileError(path, "file not found") from None
    except PermissionError:
        raise InputFileError(path, "permission denied: qualcode cannot read this file") from None
    except OSError as exc:
        raise InputFileError(path, f"cannot read the file ({exc.strerror or exc})") from None


def check_size(path: Path, max_bytes: int) -> int:
    """Refuse ``path`` if it is over ``max_bytes``; return its size."""
    size = file_size(path)
    if size > max_bytes:
        raise InputFileError(path, too_large_reason(size, max_bytes))
    return size


def too_large_reason(size: int, max_bytes: int) -> str:
    return f"file is too large ({human_size(size)}; the limit is {human_size(max_bytes)})"


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """All of ``path``'s bytes, refusing it before reading if it is over the limit.

    Reads at most ``max_bytes + 1`` bytes, so a file that grows after the ``stat``
    (a recording still being written) cannot slip past the limit either.
    """
    check_size(path, max_bytes)
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except PermissionError:
        raise InputFileError(path, "permission denied: qualcode cannot read this file") from None
    except OSError as exc:
        raise InputFileError(path, f"cannot read the file ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise InputFileError(path, too_large_reason(len(data), max_bytes))
    return data
