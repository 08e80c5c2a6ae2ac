"""Applying one project bundle to the target session, record by record.

Records are matched by UUID (attributes by name, identifiers by their case-folded
key); a record that cannot be matched safely asks the researcher (a conflict in the
tally) and, while any is unresolved, the caller rolls everything back.
"""

from __future__ import annotations

import uuid as uuid_module
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CursorResult, delete, insert, select, update
from sqlalchemy.orm import Session

from qualcode.domain.bundle import (
    BundleCode,
    BundleCoding,
    BundleDecision,
    ProjectBundle,
)
from qualcode.domain.codebook import join_path
from qualcode.domain.errors import ConflictError, ValidationError
from qualcode.domain.merge import KEEP_BOTH, KEEP_TARGET, SAME_CODER, SKIP, TAKE_INCOMING
from qualcode.domain.text import numbered_name
from qualcode.services.changes import CODE_DESCRIPTION
from qualcode.services.merge.review import merge_review
from qualcode.services.merge.tally import Tally
from qualcode.services.merge.target import Target, TargetCode
from qualcode.services.merge.writer import IdMaps
from qualcode.store.models import (
    Attribute,
    Case,
    CaseAttributeValue,
    Code,
    Coder,
    Coding,
    Identifier,
    Memo,
    ProjectSetting,
    RemovedCoding,
    Source,
    SourceCase,
    SpeakerTurn,
    SuggestionDecision,
    new_uuid,
)

Row = dict[str, Any]
# The copy of a source kept under "keep-both" gets a UUID derived from the original's
# UUID and text, so merging the same file again finds it instead of adding another.
_COPY_NAMESPACE = uuid_module.UUID("6f1d0c1e-8f5b-4c43-9a57-0b0d6c7c2a11")
_SOURCE_FIELDS = (
    "text",
    "content_hash",
    "original_filename",
    "format",
    "characters",
    "words",
)


class Merger:
    """Applies bundles to the target session, counting and collecting conflicts."""

    def __init__(self, session: Session, tally: Tally) -> None:
        self.session = session
        self.tally = tally
        self.resolutions = tally.resolutions
        self.target = Target(session)
        # A bundle built by hand or from another tool may not date a record; the column
        # is required, so such records are dated by this merge.
        self.now = datetime.now(UTC)

    def when(self, value: datetime | None) -> datetime:
        return value if value is not None else self.now

    def insert_one(self, model: type, row: Row) -> int:
        result = self.session.execute(insert(model).values(**row))
        # Session.execute is typed as returning any Result; a one-row INSERT's is a
        # cursor's, which always has the new row's key.
        assert isinstance(result, CursorResult) and result.inserted_primary_key is not None
        return int(result.inserted_primary_key[0])

    # ---- the whole of one bundle

    def apply(self, bundle: ProjectBundle) -> None:
        """Every record of ``bundle``. A value this project cannot hold (text longer than
        its field, say) refuses the whole file, naming it: the caller rolls back."""
        try:
            self._apply(bundle)
        except ValidationError as error:
            raise ValidationError(f"{bundle.label}: {error}; nothing was changed") from error

    def _apply(self, bundle: ProjectBundle) -> None:
        maps = IdMaps()
        maps.coders = self._coders(bundle)
        maps.codes = self._codes(bundle)
        maps.cases = self._cases(bundle)
        maps.sources = self._sources(bundle, maps)
        self._links(bundle, maps)
        self._codings(bundle, maps)
        self._memos(bundle, maps)
        self._decisions(bundle, maps)
        merge_review(self, bundle, maps)
        self._identifiers(bundle)
        self._settings(bundle)

    def _coders(self, bundle: ProjectBundle) -> dict[str, int]:
        t = self.target
        mapping: dict[str, int] = {}
        for row in bundle.coders:
            uuid, name = row.uuid, row.name
            if uuid in t.coders:
                mapping[uuid] = t.coders[uuid]
                here = t.coder_names[uuid]
                if here == name:
                    self.tally.count("coders", "existing")
                    continue
                self.tally.count("coders", "renamed")
                if self.resolutions.get(uuid) == TAKE_INCOMING:
                    if name in t.coder_by_name:
                        raise ConflictError(f"cannot rename coder '{here}': '{name}' is taken")
                    self.session.execute(update(Coder).where(Coder.uuid == uuid).values(name=name))
                    del t.coder_by_name[here]
                    t.coder_by_name[name] = uuid
                    t.coder_names[uuid] = name
                continue
            other = t.coder_by_name.get(name)
            if other is not None:
                choice = self.tally.decide(
                    "coder-name",
                    uuid,
                    f"coder '{name}' in {bundle.label} is a different person (another UUID) "
                    f"from '{name}' here",
                    (KEEP_BOTH, SAME_CODER),
                )
                if choice != KEEP_BOTH:  # same-coder, or unresolved (nothing is written)
                    mapping[uuid] = t.coders[other]
                    continue
                name = numbered_name(name, t.coder_by_name)
            mapping[uuid] = self.insert_one(
                Coder, {"uuid": uuid, "name": name, "created_at": self.when(row.created_at)}
            )
            t.coders[uuid] = mapping[uuid]
            t.coder_names[uuid] = name
            t.coder_by_name[name] = uuid
            self.tally.count("coders", "added")
        return mapping

    def _codes(self, bundle: ProjectBundle) -> dict[str, str]:
        """incoming code UUID -> the target code UUID its codings go to."""
        t = self.target
        mapping: dict[str, str] = {}
        for row in bundle.codes_parents_first():
            uuid = row.uuid
            parent = mapping.get(row.parent) if row.parent else None
            if uuid in t.codes:
                mapping[uuid] = uuid
                self._existing_code(bundle, row, parent)
                continue
            clash = t.children.get((parent, row.name.casefold()))
            name = row.name
            if clash is not None:
                choice = self.tally.decide(
                    "code-name",
                    uuid,
                    f"code '{join_path([t.code_path(parent), name]) if parent else name}' in "
                    f"{bundle.label} is a different code (another UUID) from the one of "
                    f"that path here; keep-target puts its codings on this project's code",
                    (KEEP_TARGET, KEEP_BOTH),
                )
                if choice != KEEP_BOTH:
                    mapping[uuid] = clash
                    continue
                taken = {n for (p, n) in t.children if p == parent}
                name = numbered_name(name, taken, fold=True)
            values = {f: getattr(row, f) for f in CODE_DESCRIPTION}
            code_id = self.insert_one(
                Code,
                {
                    "uuid": uuid,
                    "parent_id": t.codes[parent].id if parent else None,
                    "name": name,
                    "position": row.position,
                    "created_at": self.when(row.created_at),
                    **values,
                },
            )
            t.codes[uuid] = TargetCode(code_id, parent, name)
            t.code_fields[uuid] = tuple(values[f] for f in CODE_DESCRIPTION)
            t.children[(parent, name.casefold())] = uuid
            mapping[uuid] = uuid
            self.tally.count("codes", "added")
        return mapping

    def _existing_code(self, bundle: ProjectBundle, row: BundleCode, parent: str | None) -> None:
        t = self.target
        uuid = row.uuid
        here = t.codes[uuid]
        take = self.resolutions.get(uuid) == TAKE_INCOMING
        if here.parent != parent:
            choice = self.tally.decide(
                "code-parent",
                uuid,
                f"code '{t.code_path(uuid)}' is under '{t.code_path(here.parent)}' here but "
                f"under '{t.code_path(parent)}' in {bundle.label}",
                (KEEP_TARGET, TAKE_INCOMING),
            )
            if choice == TAKE_INCOMING:
                self._move_code(uuid, parent)
        mine = t.code_fields.get(uuid, ())
        differ = [
            f
            for f, value in zip(CODE_DESCRIPTION, mine, strict=False)
            if getattr(row, f) is not None and getattr(row, f) != value
        ]
        if differ:
            self.tally.notes.append(
                f"code '{t.code_path(uuid)}': its {', '.join(differ)} differ in "
                f"{bundle.label}; this project's are kept"
            )
        if here.name != row.name:
            self.tally.count("codes", "renamed")
            if take:
                self._rename_code(uuid, row.name)
        elif here.parent == parent:
            self.tally.count("codes", "existing")

    def _move_code(self, uuid: str, parent: str | None) -> None:
        t = self.target
        here = t.codes[uuid]
        ancestor = parent
        while ancestor is not None:
            if ancestor == uuid:
                raise ConflictError(f"cannot move code '{t.code_path(uuid)}' under itself")
            ancestor = t.codes[ancestor].parent
        if t.children.get((parent, here.name.casefold()), uuid) != uuid:
            raise ConflictError(
                f"cannot move code '{t.code_path(uuid)}': '{here.name}' is taken there"
            )
        self.session.execute(
            update(Code)
            .where(Code.id == here.id)
            .values(parent_id=t.codes[parent].id if parent else None)
        )
        del t.children[(here.parent, here.name.casefold())]
        here.parent = parent
        t.children[(parent, here.name.casefold())] = uuid

    def _rename_code(self, uuid: str, name: str) -> None:
        t = self.target
        here = t.codes[uuid]
        if t.children.get((here.parent, name.casefold()), uuid) != uuid:
            raise ConflictError(f"cannot rename code '{t.code_path(uuid)}': '{name}' is taken")
        self.session.execute(update(Code).where(Code.id == here.id).values(name=name))
        del t.children[(here.parent, here.name.casefold())]
        here.name = name
        t.children[(here.parent, name.casefold())] = uuid

    def _cases(self, bundle: ProjectBundle) -> dict[str, int]:
        t = self.target
        mapping: dict[str, int] = {}
        for row in bundle.cases:
            uuid = row.uuid
            if uuid in t.cases:
                mapping[uuid] = t.cases[uuid]
                self.tally.count("cases", "existing")
                continue
            name = numbered_name(row.name, t.case_names)
            if name != row.name:
                self.tally.notes.append(
                    f"case '{row.name}' from {bundle.label} is another case than the "
                    f"one of that name here; added as '{name}'"
                )
            mapping[uuid] = t.cases[uuid] = self.insert_one(
                Case, {"uuid": uuid, "name": name, "created_at": self.when(row.created_at)}
            )
            t.case_names.add(name)
            self.tally.count("cases", "added")
        for attribute in bundle.attributes:
            if attribute.name in t.attributes:
                self.tally.count("attributes", "existing")
                continue
            t.attributes[attribute.name] = self.insert_one(Attribute, attribute.as_dict())
            self.tally.count("attributes", "added")
        new_values = []
        for value in bundle.values:
            key = (mapping[value.case], t.attributes[value.attribute])
            if key in t.values:
                if t.values[key] != value.value:
                    self.tally.notes.append(
                        f"attribute '{value.attribute}' of a case differs in "
                        f"{bundle.label} ({value.value!r}); this project's value is kept"
                    )
                continue
            t.values[key] = value.value
            new_values.append({"case_id": key[0], "attribute_id": key[1], "value": value.value})
        if new_values:
            self.session.execute(insert(CaseAttributeValue), new_values)
        return mapping

    def _sources(self, bundle: ProjectBundle, maps: IdMaps) -> dict[str, int | None]:
        """incoming source UUID -> target source id, or None when its rows are skipped."""
        t = self.target
        mapping: dict[str, int | None] = {}
        added: dict[str, int] = {}  # incoming uuid -> new target id (to copy its turns)
        for row in bundle.sources:
            uuid, digest = row.uuid, row.content_hash
            carried = row.text is not None
            new_uuid_ = uuid
            if uuid in t.sources and t.sources[uuid][1] == digest:
                mapping[uuid] = t.sources[uuid][0]
                self.tally.count("sources", "existing")
                continue
            if uuid in t.sources:
                choices = (KEEP_TARGET, KEEP_BOTH) if carried else (KEEP_TARGET,)
                choice = self.tally.decide(
                    "source-text",
                    uuid,
                    f"source '{row.name}' has different text in {bundle.label}; "
                    f"keep-target skips that project's codings of it"
                    + ("; keep-both adds its version as another source" if carried else ""),
                    choices,
                )
                if choice != KEEP_BOTH:
                    mapping[uuid] = None
                    continue
                new_uuid_ = str(uuid_module.uuid5(_COPY_NAMESPACE, f"{uuid}:{digest}"))
                if new_uuid_ in t.sources:
                    mapping[uuid] = t.sources[new_uuid_][0]
                    self.tally.count("sources", "existing")
                    continue
            elif not carried:
                self.tally.decide(
                    "source-missing",
                    uuid,
                    f"source '{row.name}' is not in this project; import it first, or "
                    f"skip the codings of it",
                    (SKIP,),
                )
                mapping[uuid] = None
                continue
            name = numbered_name(row.name, t.source_names)
            by = row.imported_by
            source_id = self.insert_one(
                Source,
                {
                    "uuid": new_uuid_,
                    "name": name,
                    "imported_by_id": maps.coders.get(by) if by else None,
                    **{k: getattr(row, k) for k in _SOURCE_FIELDS},
                    # Derived from the text, never taken from a file: spans are checked
                    # against it.
                    "characters": len(row.text or ""),
                    "imported_at": self.when(row.imported_at),
                },
            )
            mapping[uuid] = added[uuid] = source_id
            t.sources[new_uuid_] = (source_id, digest)
            t.source_names.add(name)
            self.tally.count("sources", "added")
        turns = [
            {
                "source_id": added[turn.source],
                "speaker": turn.speaker,
                "start": turn.start,
                "end": turn.end,
                "start_time": turn.start_time,
                "end_time": turn.end_time,
                "case_id": maps.cases.get(turn.case) if turn.case else None,
            }
            for turn in bundle.turns
            if turn.source in added
        ]
        if turns:
            self.session.execute(insert(SpeakerTurn), turns)
            self.tally.count("speaker turns", "added", len(turns))
        return mapping

    def _links(self, bundle: ProjectBundle, maps: IdMaps) -> None:
        new = []
        for link in bundle.links:
            source_id = maps.sources.get(link.source)
            if source_id is None:
                continue
            key = (source_id, maps.cases[link.case])
            if key not in self.target.links:
                self.target.links.add(key)
                new.append({"source_id": key[0], "case_id": key[1]})
        if new:
            self.session.execute(insert(SourceCase), new)

    def _mapped(
        self,
        kind: str,
        records: tuple[BundleCoding, ...] | tuple[BundleDecision, ...] | list[BundleCoding],
        known: set[str],
        maps: IdMaps,
    ) -> list[Row]:
        """New rows of codings or decisions, their UUID references turned into ids."""
        codes = self.target.codes
        new: list[Row] = []
        for record in records:
            if record.uuid in known:
                self.tally.count(kind, "existing")
                continue
            source_id = maps.sources.get(record.source)
            code = maps.codes.get(record.code)
            if source_id is None or code is None:
                self.tally.count(kind, "skipped")
                continue
            out = record.as_dict()
            del out["source"], out["code"], out["coder"]
            out["created_at"] = self.when(record.created_at)
            out["source_id"] = source_id
            out["code_id"] = codes[code].id
            out["coder_id"] = maps.coders[record.coder]
            known.add(record.uuid)
            new.append(out)
        self.tally.count(kind, "added", len(new))
        return new

    def _codings(self, bundle: ProjectBundle, maps: IdMaps) -> None:
        self._removals(bundle)
        # A coding removed here stays removed: an older copy must not bring it back.
        kept = [c for c in bundle.codings if c.uuid not in self.target.removed]
        if len(kept) < len(bundle.codings):
            gone = len(bundle.codings) - len(kept)
            self.tally.count("codings", "skipped", gone)
            self.tally.notes.append(
                f"{gone} coding{'s were' if gone != 1 else ' was'} in {bundle.label} but "
                "had been removed here, and stayed removed"
            )
        rows = self._mapped("codings", kept, self.target.codings, maps)
        rows = self._not_held_already(rows)
        if rows:
            self.session.execute(insert(Coding), rows)

    def _not_held_already(self, rows: list[Row]) -> list[Row]:
        """Rows without the one the coder already holds on that span with that code (the
        same person coding it in two copies): the database allows one (issue 15)."""
        columns = (Coding.source_id, Coding.code_id, Coding.coder_id, Coding.start, Coding.end)
        held = {tuple(row) for row in self.session.execute(select(*columns))}
        out = []
        for row in rows:
            key = (row["source_id"], row["code_id"], row["coder_id"], row["start"], row["end"])
            if key in held:
                self.tally.count("codings", "existing")
                self.tally.count("codings", "added", -1)
                continue
            held.add(key)
            out.append(row)
        return out

    def _removals(self, bundle: ProjectBundle) -> None:
        """Codings their coder removed in the incoming file are removed here too (a
        backup of the target was taken first), and remembered as removed."""
        new = [r for r in bundle.removed if r.uuid not in self.target.removed]
        if not new:
            return
        doomed = [r.uuid for r in new if r.uuid in self.target.codings]
        if doomed:
            owners = dict(
                self.session.execute(
                    select(Coding.uuid, Coder.uuid)
                    .join(Coder, Coder.id == Coding.coder_id)
                    .where(Coding.uuid.in_(doomed))
                ).all()
            )
            removed_by = {r.uuid: r.coder_uuid for r in new}
            # Only the coder's own removal counts: a tombstone never removes another's work.
            doomed = [u for u in doomed if owners.get(u) == removed_by[u]]
            if doomed:
                self.session.execute(delete(Coding).where(Coding.uuid.in_(doomed)))
                self.target.codings.difference_update(doomed)
                self.tally.count("codings", "removed", len(doomed))
        self.session.execute(
            insert(RemovedCoding),
            [
                {"uuid": r.uuid, "coder_uuid": r.coder_uuid, "removed_at": self.when(r.removed_at)}
                for r in new
            ],
        )
        self.target.removed.update(r.uuid for r in new)

    def _decisions(self, bundle: ProjectBundle, maps: IdMaps) -> None:
        kind = "suggestion decisions"
        rows = self._mapped(kind, bundle.decisions, self.target.decisions, maps)
        if rows:
            self.session.execute(insert(SuggestionDecision), rows)

    def _memos(self, bundle: ProjectBundle, maps: IdMaps) -> None:
        new = []
        for memo in bundle.memos:
            if memo.uuid in self.target.memos:
                self.tally.count("memos", "existing")
                continue
            target_id: int | None = None
            if memo.target == "source":
                target_id = maps.sources.get(memo.target_uuid or "")
            elif memo.target == "code":
                code = maps.codes.get(memo.target_uuid or "")
                target_id = self.target.codes[code].id if code else None
            if memo.target != "project" and target_id is None:
                self.tally.count("memos", "skipped")
                continue
            self.target.memos.add(memo.uuid)
            new.append(
                {
                    "uuid": memo.uuid,
                    "target": memo.target,
                    "target_id": target_id,
                    "coder_id": maps.coders[memo.coder],
                    "text": memo.text,
                    "created_at": self.when(memo.created_at),
                    "updated_at": self.when(memo.updated_at),
                }
            )
        if new:
            self.session.execute(insert(Memo), new)
        self.tally.count("memos", "added", len(new))

    def _identifiers(self, bundle: ProjectBundle) -> None:
        t = self.target
        new = []
        for entry in bundle.identifiers:
            if entry.key in t.identifiers:
                self.tally.count("identifiers", "existing")
                if t.identifiers[entry.key] != entry.replacement:
                    self.tally.notes.append(
                        f"identifier '{entry.original}' is replaced by "
                        f"{entry.replacement!r} in {bundle.label}; this project's "
                        f"{t.identifiers[entry.key]!r} is kept"
                    )
                continue
            out = entry.as_dict()
            out["created_at"] = self.when(entry.created_at)
            if out["uuid"] in t.identifier_uuids:
                out["uuid"] = new_uuid()
            t.identifiers[entry.key] = entry.replacement
            t.identifier_uuids.add(out["uuid"])
            new.append(out)
        if new:
            self.session.execute(insert(Identifier), new)
        self.tally.count("identifiers", "added", len(new))

    def _settings(self, bundle: ProjectBundle) -> None:
        # The target keeps its own name and UUID; other settings it lacks are taken.
        new = [
            setting.as_dict()
            for setting in bundle.settings
            if setting.key not in self.target.settings and setting.key not in ("name", "uuid")
        ]
        if new:
            self.session.execute(insert(ProjectSetting), new)
            self.target.settings.update(row["key"] for row in new)
