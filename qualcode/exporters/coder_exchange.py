"""Writing one coder's exchange file: their part of a project as a checksummed JSON
document (format ``qualcode-coder/1``), the sources by UUID and content hash only.

The service passes the gate's redaction in, so that memos and comments leave the
project with the identifier register applied, before the checksum is taken over
exactly what is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from qualcode.domain.bundle import ProjectBundle
from qualcode.domain.coder_exchange import FORMAT, checksum, coder_part

Body = dict[str, Any]


def coder_document(
    bundle: ProjectBundle,
    coder_name: str,
    *,
    project_uuid: str | None,
    exported_at: datetime,
    redact: Callable[[Body], Body] | None = None,
) -> tuple[bytes, dict[str, int]]:
    """``coder_name``'s work in ``bundle`` as the file's bytes, and what it holds."""
    part = coder_part(bundle, coder_name)
    paths = part.code_paths()
    body: Body = {
        "format": FORMAT,
        "project": project_uuid,
        "exported_at": exported_at.isoformat(),
        "coder": _plain(part.coders[0]),
        "codes": [{**_plain(code), "path": paths[code.uuid]} for code in part.codes],
        "sources": [
            {"uuid": s.uuid, "name": s.name, "content_hash": s.content_hash} for s in part.sources
        ],
        "codings": [_plain(r) for r in part.codings],
        "memos": [_plain(r) for r in part.memos],
        "suggestion_decisions": [_plain(r) for r in part.decisions],
        "review_threads": [_plain(r) for r in part.threads],
        "review_entries": [_plain(r) for r in part.entries],
        "removed_codings": [_plain(r) for r in part.removed],
    }
    if redact is not None:
        body = redact(body)  # before the checksum, which covers what is written
    document = json.dumps(
        {"checksum": checksum(body), "coder_work": body}, ensure_ascii=False, indent=1
    )
    held = {
        "codes": len(body["codes"]),
        "sources": len(body["sources"]),
        "codings": len(part.codings),
        "memos": len(part.memos),
        "suggestion decisions": len(part.decisions),
        "review threads": len(part.threads),
        "review entries": len(part.entries),
        "removed codings": len(part.removed),
    }
    return document.encode("utf-8"), held


def _plain(record: Any) -> Body:
    """A record's fields, dates written in ISO 8601."""
    return {
        k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in record.as_dict().items()
    }
