"""One coder's work as a small file to send by e-mail, and applying it elsewhere.

The file holds the coder's codings, memos, suggestion decisions and review comments
(the threads they wrote in, with only their entries), the codes they
use (with their ancestors, paths and definitions, so a missing code can be
recreated) and the sources they are on by UUID and content hash only: never a
transcript's text, which is about vulnerable people and must not travel by e-mail.
The recipient must already hold those sources. Saved as JSON with a checksum,
written atomically, readable by its owner only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from qualcode.domain.codebook import join_path
from qualcode.domain.errors import InputFileError, NotFoundError
from qualcode.domain.merge import MergeReport
from qualcode.exporters.formats import FileFormat
from qualcode.services.export_gate import ALL_CHECKS, ExportChecks, ExportGate
from qualcode.services.merge import Incoming, apply_incoming, load_incoming
from qualcode.services.project import Project
from qualcode.store.models import ProjectSetting

FORMAT = "qualcode-coder/1"
_DATETIME_FIELDS = ("created_at", "updated_at", "removed_at")


def export_coder(
    project: Path,
    coder: str,
    output: Path,
    *,
    checks: ExportChecks = ALL_CHECKS,
) -> tuple[Path, dict[str, int]]:
    """Write ``coder``'s work in ``project`` to ``output`` through the export gate (memos
    and comments leave the project, so the register applies to them). Returns the
    path written and what the file holds."""
    with Project.open(Path(project)) as opened, opened.read_session() as session:
        gate = ExportGate(session, checks)
        output, file_format = gate.target(output, ("qcc", "json"), "a coder's exchange file")
        everything = load_incoming(session, str(project))
        project_uuid = session.scalar(
            select(ProjectSetting.value).where(ProjectSetting.key == "uuid")
        )
        written = _write_coder_file(gate, file_format, output, everything, project_uuid, coder)
    return output, written


def _write_coder_file(
    gate: ExportGate,
    file_format: FileFormat,
    output: Path,
    everything: Incoming,
    project_uuid: str | None,
    coder: str,
) -> dict[str, int]:
    person = next((c for c in everything.coders if c["name"] == coder.strip()), None)
    if person is None:
        raise NotFoundError(f"no coder named '{coder}' in this project")
    mine = person["uuid"]
    codings = [r for r in everything.codings if r["coder"] == mine]
    memos = [r for r in everything.memos if r["coder"] == mine]
    decisions = [r for r in everything.decisions if r["coder"] == mine]
    entries = [r for r in everything.entries if r["coder"] == mine]
    spoken_in = {r["thread"] for r in entries}
    threads = [r for r in everything.threads if r["uuid"] in spoken_in]
    removed = [r for r in everything.removed if r["coder_uuid"] == mine]
    code_uuids = {r["code"] for r in codings + decisions + threads}
    code_uuids |= {r["target_uuid"] for r in memos if r["target"] == "code"}
    source_uuids = {r["source"] for r in codings + decisions + threads}
    source_uuids |= {r["target_uuid"] for r in memos if r["target"] == "source"}
    codes = {r["uuid"]: r for r in everything.codes}
    wanted: set[str] = set()
    for uuid in code_uuids:  # the codes and their ancestors, so the tree can be rebuilt
        while uuid is not None and uuid not in wanted and uuid in codes:
            wanted.add(uuid)
            uuid = codes[uuid]["parent"]

    def path(uuid: str) -> str:
        names = []
        while uuid is not None:
            names.append(codes[uuid]["name"])
            uuid = codes[uuid]["parent"]
        return join_path(reversed(names))

    body = {
        "format": FORMAT,
        "project": project_uuid,
        "exported_at": datetime.now(UTC).isoformat(),
        "coder": _plain(person),
        "codes": [{**_plain(codes[u]), "path": path(u)} for u in sorted(wanted, key=path)],
        "sources": [
            {"uuid": r["uuid"], "name": r["name"], "content_hash": r["content_hash"]}
            for r in everything.sources
            if r["uuid"] in source_uuids
        ],
        "codings": [_plain(r) for r in codings],
        "memos": [_plain(r) for r in memos],
        "suggestion_decisions": [_plain(r) for r in decisions],
        "review_threads": [_plain(r) for r in threads],
        "review_entries": [_plain(r) for r in entries],
        "removed_codings": [_plain(r) for r in removed],
    }
    body = gate.redact(body)  # before the checksum, which covers what is written
    document = json.dumps(
        {"checksum": _digest(body), "coder_work": body}, ensure_ascii=False, indent=1
    )
    gate.write({output: document.encode("utf-8")}, file_format)
    return {
        "codes": len(body["codes"]),
        "sources": len(body["sources"]),
        "codings": len(codings),
        "memos": len(memos),
        "suggestion decisions": len(decisions),
        "review threads": len(threads),
        "review entries": len(entries),
        "removed codings": len(removed),
    }


def read_coder_file(path: Path) -> Incoming:
    """The rows of a coder file, checked against its checksum."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputFileError(path, "no such file") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InputFileError(path, f"not a qualcode coder file ({error})") from None
    try:
        body = document["coder_work"]
        if _digest(body) != document["checksum"]:
            raise InputFileError(path, "the file is damaged (checksum mismatch)")
        if body.get("format") != FORMAT:
            raise InputFileError(path, f"unknown coder file format {body.get('format')!r}")
        codes = [{k: v for k, v in _dated(r).items() if k != "path"} for r in body["codes"]]
        return Incoming(
            label=path.name,
            coders=[_dated(body["coder"])],
            codes=codes,
            sources=[{**r, "text": None} for r in body["sources"]],
            codings=[_dated(r) for r in body["codings"]],
            memos=[_dated(r) for r in body["memos"]],
            decisions=[_dated(r) for r in body["suggestion_decisions"]],
            # Files from before peer review threads (issue 6) have neither key.
            threads=[_dated(r) for r in body.get("review_threads", [])],
            entries=[_dated(r) for r in body.get("review_entries", [])],
            removed=[_dated(r) for r in body.get("removed_codings", [])],
        )
    except InputFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InputFileError(path, f"not a qualcode coder file ({error})") from None


def import_coder(
    project: Path,
    file: Path,
    *,
    resolutions: Mapping[str, str] | None = None,
    dry_run: bool = False,
) -> MergeReport:
    """Apply a coder file to ``project`` by the same rules as a merge of projects."""
    incoming = read_coder_file(Path(file))
    return apply_incoming(
        Path(project),
        [incoming],
        resolutions=resolutions,
        dry_run=dry_run,
        action="coder.import",
    )


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}


def _dated(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for name in _DATETIME_FIELDS:
        if isinstance(out.get(name), str):
            out[name] = datetime.fromisoformat(out[name])
    return out


def _digest(body: Any) -> str:
    canonical = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
