"""Reading a coder exchange file (format ``qualcode-coder/1``) into a project bundle.

The file comes by e-mail, so it is checked against its checksum and any fault is one
line naming the file. Its sources carry no text (``text`` None): the receiving
project must already hold them. Files from before peer review (issue 6) have no
review threads, entries or removed codings; they still read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from qualcode.domain.bundle import (
    BundleCode,
    BundleCoder,
    BundleCoding,
    BundleDecision,
    BundleEntry,
    BundleMemo,
    BundleRemoval,
    BundleSource,
    BundleThread,
    ProjectBundle,
)
from qualcode.domain.coder_exchange import FORMAT, checksum
from qualcode.domain.errors import InputFileError

_DATETIME_FIELDS = ("created_at", "updated_at", "removed_at")
R = TypeVar("R", bound=Any)


def read_coder_exchange(file: Path | bytes, label: str = "coder file") -> ProjectBundle:
    """The bundle in a coder file (a path, or its bytes with ``label`` naming it)."""
    path = file if isinstance(file, Path) else Path(label)
    try:
        data = file.read_bytes() if isinstance(file, Path) else file
        document = json.loads(data.decode("utf-8"))
    except FileNotFoundError:
        raise InputFileError(path, "no such file") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InputFileError(path, f"not a qualcode coder file ({error})") from None
    try:
        return _bundle(path, document)
    except InputFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InputFileError(path, f"not a qualcode coder file ({error})") from None


def _bundle(path: Path, document: Any) -> ProjectBundle:
    body = document["coder_work"]
    if checksum(body) != document["checksum"]:
        raise InputFileError(path, "the file is damaged (checksum mismatch)")
    if body.get("format") != FORMAT:
        raise InputFileError(path, f"unknown coder file format {body.get('format')!r}")
    return ProjectBundle(
        label=path.name,
        coders=(BundleCoder.from_mapping(_dated(body["coder"])),),
        codes=_records(BundleCode, body["codes"]),  # their "path" is for people
        sources=tuple(BundleSource.from_mapping({**r, "text": None}) for r in body["sources"]),
        codings=_records(BundleCoding, body["codings"]),
        memos=_records(BundleMemo, body["memos"]),
        decisions=_records(BundleDecision, body["suggestion_decisions"]),
        threads=_records(BundleThread, body.get("review_threads", [])),
        entries=_records(BundleEntry, body.get("review_entries", [])),
        removed=_records(BundleRemoval, body.get("removed_codings", [])),
    )


def _records(kind: type[R], rows: Iterable[dict[str, Any]]) -> tuple[R, ...]:
    return tuple(kind.from_mapping(_dated(row)) for row in rows)


def _dated(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for name in _DATETIME_FIELDS:
        if isinstance(out.get(name), str):
            out[name] = datetime.fromisoformat(out[name])
    return out
