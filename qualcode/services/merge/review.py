"""Merging peer-review discussions: threads by UUID or by the passage they are about,
entries by UUID, so a discussion merges as the union of its entries."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import insert, select

from qualcode.domain.bundle import ProjectBundle
from qualcode.services.merge.writer import IdMaps, MergeWriter
from qualcode.store.models import ReviewEntry, ReviewThread


def merge_review(merger: MergeWriter, bundle: ProjectBundle, maps: IdMaps) -> None:
    """Review threads by UUID; a thread about the very same passage (source, code,
    span and coding) as one here is the same thread, so its entries join that one."""
    thread_map = _threads(merger, bundle, maps)
    new = _entries(merger, bundle, maps, thread_map)
    _clashing_decisions(merger, bundle, [e for e in new if e["kind"] == "decision"])


def _threads(merger: MergeWriter, bundle: ProjectBundle, maps: IdMaps) -> dict[str, int | None]:
    t, tally = merger.target, merger.tally
    thread_map: dict[str, int | None] = {}
    combined = 0
    for thread in bundle.threads:
        uuid = thread.uuid
        if uuid in t.threads:
            thread_map[uuid] = t.threads[uuid]
            tally.count("review threads", "existing")
            continue
        source_id = maps.sources.get(thread.source)
        code = maps.codes.get(thread.code)
        if source_id is None or code is None:
            thread_map[uuid] = None
            tally.count("review threads", "skipped")
            continue
        key = (source_id, code, thread.start, thread.end, thread.coding_uuid)
        if key in t.thread_anchors:
            thread_map[uuid] = t.threads[uuid] = t.thread_anchors[key]
            tally.count("review threads", "existing")
            combined += 1
            continue
        thread_id = merger.insert_one(
            ReviewThread,
            {
                "uuid": uuid,
                "source_id": source_id,
                "code_id": t.codes[code].id,
                "start": thread.start,
                "end": thread.end,
                "coding_uuid": thread.coding_uuid,
                "created_at": merger.when(thread.created_at),
            },
        )
        thread_map[uuid] = t.threads[uuid] = t.thread_anchors[key] = thread_id
        tally.count("review threads", "added")
    if combined:
        tally.notes.append(
            f"{combined} review thread{'s' * (combined != 1)} from {bundle.label} "
            f"about the same passage as one here {'were' if combined != 1 else 'was'} "
            "combined with it"
        )
    return thread_map


def _entries(
    merger: MergeWriter, bundle: ProjectBundle, maps: IdMaps, thread_map: dict[str, int | None]
) -> list[dict[str, Any]]:
    t, tally = merger.target, merger.tally
    new = []
    for entry in bundle.entries:
        if entry.uuid in t.entries:
            tally.count("review entries", "existing")
            continue
        thread_id = thread_map.get(entry.thread)
        if thread_id is None:
            tally.count("review entries", "skipped")
            continue
        t.entries.add(entry.uuid)
        new.append(
            {
                "uuid": entry.uuid,
                "thread_id": thread_id,
                "coder_id": maps.coders[entry.coder],
                "kind": entry.kind,
                "text": entry.text,
                "status": entry.status,
                "created_at": merger.when(entry.created_at),
            }
        )
    if new:
        merger.session.execute(insert(ReviewEntry), new)
    tally.count("review entries", "added", len(new))
    return new


def _clashing_decisions(
    merger: MergeWriter, bundle: ProjectBundle, decisions: list[dict[str, Any]]
) -> None:
    """Two laptops that decided the same passage differently both keep their
    consensus codings (merging only adds): say so, so the group decides again."""
    if not decisions:
        return
    ids = {e["thread_id"] for e in decisions}
    rows = merger.session.execute(
        select(ReviewThread.id, ReviewThread.uuid, ReviewEntry.text)
        .join(ReviewEntry, ReviewEntry.thread_id == ReviewThread.id)
        .where(ReviewThread.id.in_(ids), ReviewEntry.kind == "decision")
    ).all()
    texts: dict[tuple[int, str], set[str]] = defaultdict(set)
    for thread_id, uuid, text in rows:
        texts[(thread_id, uuid)].add(text)
    clashes = [(uuid, said) for (_, uuid), said in sorted(texts.items()) if len(said) > 1]
    if clashes:
        uuid, said = clashes[0]
        more = f" and {len(clashes) - 1} more" if len(clashes) > 1 else ""
        merger.tally.notes.append(
            f"different decisions on the same passage after merging {bundle.label} "
            f"({'; '.join(sorted(said))}): both consensus versions are kept, so decide "
            f"again; see qualcode review show PROJECT {uuid}{more}"
        )
