"""What the coder exchange file's writer and reader agree on, and a coder's part of a
project (pure: no database, no file).

A coder's part holds their codings, memos, suggestion decisions and review comments
(the threads they wrote in, with only their entries), the codes they use with their
ancestors (so a missing code can be recreated where it belongs), and the sources
those are on. The file written from it carries the sources by UUID and content hash
only, never their text.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from qualcode.domain.bundle import BundleCoding, BundleDecision, BundleThread, ProjectBundle
from qualcode.domain.errors import NotFoundError

FORMAT = "qualcode-coder/1"


def checksum(body: Any) -> str:
    """The SHA-256 of ``body`` written canonically (sorted keys, no spaces)."""
    canonical = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def coder_part(bundle: ProjectBundle, coder_name: str) -> ProjectBundle:
    """The records of ``bundle`` that are ``coder_name``'s work, with the codes (and
    their ancestors, sorted by path) and sources they refer to."""
    person = next((c for c in bundle.coders if c.name == coder_name.strip()), None)
    if person is None:
        raise NotFoundError(f"no coder named '{coder_name}' in this project")
    mine = person.uuid
    codings = [r for r in bundle.codings if r.coder == mine]
    memos = [r for r in bundle.memos if r.coder == mine]
    decisions = [r for r in bundle.decisions if r.coder == mine]
    entries = [r for r in bundle.entries if r.coder == mine]
    spoken_in = {r.thread for r in entries}
    threads = [r for r in bundle.threads if r.uuid in spoken_in]
    anchored: list[BundleCoding | BundleDecision | BundleThread] = [*codings, *decisions, *threads]
    code_uuids = {r.code for r in anchored}
    code_uuids |= {r.target_uuid for r in memos if r.target == "code" and r.target_uuid}
    source_uuids = {r.source for r in anchored}
    source_uuids |= {r.target_uuid for r in memos if r.target == "source" and r.target_uuid}
    codes = {c.uuid: c for c in bundle.codes}
    wanted: set[str] = set()
    for uuid in code_uuids:  # the codes and their ancestors, so the tree can be rebuilt
        step: str | None = uuid
        while step is not None and step not in wanted and step in codes:
            wanted.add(step)
            step = codes[step].parent
    paths = bundle.code_paths()
    return ProjectBundle(
        label=bundle.label,
        coders=(person,),
        codes=tuple(codes[u] for u in sorted(wanted, key=lambda u: paths[u])),
        sources=tuple(s for s in bundle.sources if s.uuid in source_uuids),
        codings=tuple(codings),
        memos=tuple(memos),
        decisions=tuple(decisions),
        threads=tuple(threads),
        entries=tuple(entries),
        removed=tuple(r for r in bundle.removed if r.coder_uuid == mine),
    )
