"""The identifier register: what identifies someone in the project, and what replaces it.

Exports apply the register with :meth:`IdentifierService.redactor` and then check
their own output with it; ``check_file`` runs the same check on any file a
researcher is about to share. ``suggest`` proposes new entries from the sources.
An export first asks :meth:`IdentifierService.require_reviewed`: a register nobody
reviewed since the transcripts came in (an empty one included) is not a clean bill.
"""

from __future__ import annotations

import builtins
import json
import re
import zipfile
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from qualcode.domain.errors import (
    ConflictError,
    InputFileError,
    NotFoundError,
    QualcodeError,
    ValidationError,
)
from qualcode.domain.folding import fold
from qualcode.domain.redaction import (
    IDENTIFIER_KINDS,
    IdentifierEntry,
    IdentifierSuggestion,
    LocatedLeak,
    Redactor,
)
from qualcode.domain.register_status import (
    RegisteredSuggestions,
    RegisterStatus,
    UnreviewedRegisterError,
)
from qualcode.domain.roles import Action
from qualcode.exporters.readback import text_locations
from qualcode.importers.decoding import decode_text
from qualcode.importers.limits import DEFAULT_MAX_BYTES, check_size, read_bytes
from qualcode.importers.zip_safety import check_office_zip
from qualcode.services.base import Service
from qualcode.services.suggestions import configured_pipeline
from qualcode.store.models import (
    Attribute,
    CaseAttributeValue,
    Code,
    Identifier,
    ProjectSetting,
    Source,
    SpeakerTurn,
)

PLACES_SETTING = "identifier_places"
# Registering "Jo" un-groups its variant "Joe", which the next look then suggests on
# its own; a few looks are enough (each is a pass over every transcript).
SUGGESTION_ROUNDS = 3
# When the register was last reviewed, by whom, and which sources (by UUID) were in
# the project then: a source merged in from another laptop keeps its own, older,
# import time, so the time alone would count it as reviewed.
REVIEWED_AT_SETTING = "identifiers_reviewed_at"
REVIEWED_BY_SETTING = "identifiers_reviewed_by"
REVIEWED_SOURCES_SETTING = "identifiers_reviewed_sources"
# Values of an attribute with this in its name are participants' pseudonyms.
PSEUDONYM = "pseudonym"


def identifier_key(original: str) -> str:
    """The register's key: the original folded (case, accents, spacing), so "ZOË",
    "Zoe" and "zoë" are one identifier, as :class:`Redactor` treats them."""
    return " ".join(fold(original).split())


def _clean(text: str) -> str:
    return " ".join(text.split())


class IdentifierService(Service):
    """List, add, change and remove identifiers; suggest them; check text and files."""

    # -- reading ------------------------------------------------------------------------

    def list(self) -> list[IdentifierEntry]:
        rows = self.session.scalars(select(Identifier)).all()
        entries = sorted((_entry(row) for row in rows), key=lambda e: identifier_key(e.original))
        self._end_read()
        return entries

    def redactor(self) -> Redactor:
        """The register ready to apply to exported text and to check it afterwards.

        Parts of a person's name that are everyday English words ("Dawn", "Mark")
        count alone only when written with a capital."""
        from qualcode.nlp.lemmas import dictionary_words  # the nlp layer: loaded on use

        return Redactor(self.list(), common_words=dictionary_words())

    def status(self) -> RegisterStatus:
        """Whether the register was reviewed after every source came in."""
        settings = dict(
            self.session.execute(
                select(ProjectSetting.key, ProjectSetting.value).where(
                    ProjectSetting.key.in_(
                        (REVIEWED_AT_SETTING, REVIEWED_BY_SETTING, REVIEWED_SOURCES_SETTING)
                    )
                )
            ).all()
        )
        entries = len(self.session.scalars(select(Identifier.id)).all())
        sources = self.session.execute(
            select(Source.uuid, Source.name, Source.imported_at).order_by(Source.name)
        ).all()
        self._end_read()
        reviewed_at = _parse_time(settings.get(REVIEWED_AT_SETTING))
        reviewed = settings.get(REVIEWED_SOURCES_SETTING)
        reviewed_uuids = set(reviewed.split()) if reviewed is not None else None

        def unreviewed(uuid: str, imported_at: datetime) -> bool:
            if reviewed_at is None:
                return True
            if reviewed_uuids is not None and uuid not in reviewed_uuids:
                return True
            return imported_at > reviewed_at

        return RegisterStatus(
            entries=entries,
            reviewed_at=reviewed_at,
            sources=len(sources),
            unreviewed_sources=tuple(name for uuid, name, at in sources if unreviewed(uuid, at)),
            reviewed_by=settings.get(REVIEWED_BY_SETTING) if reviewed_at else None,
        )

    def require_reviewed(
        self, project_label: str, *, allow: bool = False, override: str | None = None
    ) -> RegisterStatus:
        """The status, or :class:`UnreviewedRegisterError` when the register needs a
        review first (unless ``allow``: the user said to go on anyway). ``override``
        replaces the message's "export anyway with --allow-unreviewed" where that
        flag does not exist (the terminal app)."""
        status = self.status()
        if status.needs_review and not allow:
            raise UnreviewedRegisterError(project_label, status, override=override)
        return status

    def places(self) -> builtins.list[str]:
        """The project's own place names, always looked for by ``suggest``."""
        value = self.session.scalar(
            select(ProjectSetting.value).where(ProjectSetting.key == PLACES_SETTING)
        )
        self._end_read()
        return _places(value)

    # -- changing -----------------------------------------------------------------------

    def add(
        self, original: str, replacement: str, kind: str = "other", note: str = ""
    ) -> IdentifierEntry:
        """Register ``original``; refused if it is registered already (in any case)."""
        original, replacement = _clean(original), _clean(replacement)
        kind = _kind(kind)
        with self._transaction():
            self._coder()
            self._require(Action.EDIT_REGISTER)
            rows = self.session.scalars(select(Identifier)).all()
            key = identifier_key(original)
            existing = next((r for r in rows if r.key == key), None)
            if existing is not None:
                raise ConflictError(
                    f"'{existing.original}' is already registered "
                    f"(replaced by {existing.replacement})"
                )
            _check(original, replacement, rows)
            row = Identifier(
                original=original, key=key, replacement=replacement, kind=kind, note=note.strip()
            )
            self.session.add(row)
            self.session.flush()
            self._audit("identifier.add", "identifier", row.uuid, kind=kind)
            entry = _entry(row)
        return entry

    def update(
        self, reference: str, replacement: str | None = None, kind: str | None = None
    ) -> IdentifierEntry:
        """Change what replaces an identifier, or its kind."""
        with self._transaction():
            self._coder()
            self._require(Action.EDIT_REGISTER)
            row = self._find(reference)
            if replacement is not None:
                replacement = _clean(replacement)
                others = [
                    r for r in self.session.scalars(select(Identifier)).all() if r.id != row.id
                ]
                _check(row.original, replacement, others)
                row.replacement = replacement
            if kind is not None:
                row.kind = _kind(kind)
            self._audit("identifier.update", "identifier", row.uuid, kind=row.kind)
            entry = _entry(row)
        return entry

    def remove(self, reference: str) -> IdentifierEntry:
        """Take an identifier (by UUID or original, any case) off the register."""
        with self._transaction():
            self._coder()
            self._require(Action.EDIT_REGISTER)
            row = self._find(reference)
            entry = _entry(row)
            self.session.delete(row)
            self._audit("identifier.remove", "identifier", row.uuid, kind=row.kind)
        return entry

    def add_places(self, names: Sequence[str]) -> builtins.list[str]:
        """Add place names to the project's list (kept once each, in any case)."""
        with self._transaction():
            self._coder()
            self._require(Action.EDIT_REGISTER)
            setting = self.session.get(ProjectSetting, PLACES_SETTING)
            places = _places(setting.value if setting else None)
            known = {identifier_key(p) for p in places}
            added = []
            for name in names:
                name = _clean(name)
                if name and identifier_key(name) not in known:
                    places.append(name)
                    known.add(identifier_key(name))
                    added.append(name)
            if added:
                value = "\n".join(places)
                if setting is None:
                    self.session.add(ProjectSetting(key=PLACES_SETTING, value=value))
                else:
                    setting.value = value
                self._audit("identifier.places", "project", None, added=len(added))
        return places

    def mark_reviewed(self, coder: str | None = None) -> RegisterStatus:
        """Record that ``coder`` (or the service's coder) reviewed the register now,
        with every source in the project. Adding or removing entries is not a review."""
        name = (coder or self.coder_name or "").strip()
        if not name:
            raise ValidationError("no coder name given (use --coder or set QUALCODE_CODER)")
        self.coder_name = name
        with self._transaction():
            self._coder()
            self._require(Action.EDIT_REGISTER)
            uuids = self.session.scalars(select(Source.uuid).order_by(Source.uuid)).all()
            values = {
                REVIEWED_AT_SETTING: datetime.now(UTC).isoformat(),
                REVIEWED_BY_SETTING: name,
                REVIEWED_SOURCES_SETTING: "\n".join(uuids),
            }
            for key, value in values.items():
                self.session.merge(ProjectSetting(key=key, value=value))
            entries = len(self.session.scalars(select(Identifier.id)).all())
            self._audit("identifier.reviewed", "project", None, sources=len(uuids), entries=entries)
        return self.status()

    # -- suggesting and checking --------------------------------------------------------

    def suggest(self, places: Sequence[str] = ()) -> builtins.list[IdentifierSuggestion]:
        """Words in the sources that look identifying and are not registered yet."""
        from qualcode.nlp.identifiers import (  # deferred: loads spaCy
            identifier_pipeline,
            suggest_identifiers,
        )

        texts = self._turn_texts()
        speakers: dict[str, list[str]] = defaultdict(list)
        for label, source in self.session.execute(
            select(SpeakerTurn.speaker, Source.name)
            .join(Source, Source.id == SpeakerTurn.source_id)
            .where(SpeakerTurn.speaker.isnot(None))
            .distinct()
        ):
            assert label is not None  # the query leaves unlabelled turns out
            speakers[label].append(source)
        words: set[str] = set()
        for name, keywords in self.session.execute(select(Code.name, Code.keywords)):
            words.update(re.findall(r"\w+", name.lower()))
            for keyword in _json_list(keywords):
                words.update(re.findall(r"\w+", keyword.lower()))
        known = [row.original for row in self.session.scalars(select(Identifier))]
        pseudonyms = self._pseudonyms()
        stored = _places(
            self.session.scalar(
                select(ProjectSetting.value).where(ProjectSetting.key == PLACES_SETTING)
            )
        )
        self._end_read()
        return suggest_identifiers(
            texts,
            identifier_pipeline(configured_pipeline()),
            known=known,
            codebook_words=words,
            places=[*stored, *places],
            speakers=speakers,
            pseudonyms=pseudonyms,
        )

    def add_suggestions(
        self, places: Sequence[str] = (), *, note: str = "suggested", skip: Sequence[str] = ()
    ) -> RegisteredSuggestions:
        """Register every suggestion (but those in ``skip``) with its proposed
        replacement, looking again while a registered one had spelling variants (they
        are then suggested on their own). One refusal does not stop the rest."""
        self._require(Action.EDIT_REGISTER)  # one refusal, not one per suggestion
        added: list[IdentifierSuggestion] = []
        refused: list[tuple[IdentifierSuggestion, str]] = []
        tried = {identifier_key(s) for s in skip}
        for _ in range(SUGGESTION_ROUNDS):
            fresh = [s for s in self.suggest(places) if identifier_key(s.text) not in tried]
            for suggestion in fresh:
                tried.add(identifier_key(suggestion.text))
                try:
                    self.add(
                        suggestion.text,
                        suggestion.replacement,
                        kind=suggestion.kind,
                        note=f"{note}: {suggestion.reason}",
                    )
                except QualcodeError as error:
                    refused.append((suggestion, str(error)))
                else:
                    added.append(suggestion)
            if not any(s.variants for s in fresh if s in added):
                break
        return RegisteredSuggestions(tuple(added), tuple(refused))

    def check_file(self, path: Path) -> builtins.list[LocatedLeak]:
        """Leaks in a file about to be shared: a .docx (paragraphs, tables, headers and
        footers) or any text file (.txt, .csv, .md ...)."""
        redactor = self.redactor()
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in {".docx", ".xlsx"}:
            check_size(path, DEFAULT_MAX_BYTES)
            word = suffix == ".docx"
            check_office_zip(
                path,
                required="word/document.xml" if word else "xl/workbook.xml",
                kind="Word" if word else "Excel",
            )
            try:
                parts = list(text_locations(path))
            except (zipfile.BadZipFile, KeyError, ValueError) as error:
                raise InputFileError(path, f"not a valid {suffix[1:]} file ({error})") from None
        elif suffix == ".csv":
            parts = list(text_locations(path))
        else:
            text = decode_text(path, read_bytes(path, DEFAULT_MAX_BYTES))
            return _by_line(redactor, text)
        return [
            LocatedLeak(where, leak) for where, text in parts for leak in redactor.find_leaks(text)
        ]

    # -- helpers ------------------------------------------------------------------------

    def _pseudonyms(self) -> set[str]:
        """Participants' pseudonyms: values of any attribute whose name says
        "pseudonym" (any case). Report attributions print them by design, so
        registering one would turn every attribution into "[name]"."""
        values = self.session.execute(
            select(Attribute.name, CaseAttributeValue.value).join(
                CaseAttributeValue, CaseAttributeValue.attribute_id == Attribute.id
            )
        ).all()
        return {v.strip() for name, v in values if v.strip() and PSEUDONYM in fold(name)}

    def _find(self, reference: str) -> Identifier:
        reference = reference.strip()
        row = self.session.scalar(select(Identifier).where(Identifier.uuid == reference))
        if row is None:
            key = identifier_key(reference)
            row = self.session.scalar(select(Identifier).where(Identifier.key == key))
        if row is None:
            raise NotFoundError(f"'{reference}' is not in the identifier register")
        return row

    def _turn_texts(self) -> builtins.list[tuple[str, str]]:
        """Each speaker turn as its own text (labels and headers left out), or the
        whole source when it has no turns."""
        texts: list[tuple[str, str]] = []
        turns: dict[int, list[tuple[int, int]]] = {}
        for source_id, start, end in self.session.execute(
            select(SpeakerTurn.source_id, SpeakerTurn.start, SpeakerTurn.end).order_by(
                SpeakerTurn.source_id, SpeakerTurn.start
            )
        ):
            turns.setdefault(source_id, []).append((start, end))
        for source in self.session.scalars(select(Source).order_by(Source.name)):
            spans = turns.get(source.id) or [(0, len(source.text))]
            texts.extend((source.name, source.text[a:b]) for a, b in spans)
        return texts


def _entry(row: Identifier) -> IdentifierEntry:
    return IdentifierEntry(
        original=row.original,
        replacement=row.replacement,
        kind=row.kind,
        uuid=row.uuid,
        note=row.note,
    )


def _kind(kind: str) -> str:
    kind = kind.strip().lower()
    if kind not in IDENTIFIER_KINDS:
        raise ValidationError(f"kind must be one of {', '.join(IDENTIFIER_KINDS)}, not '{kind}'")
    return kind


def _check(original: str, replacement: str, others: Sequence[Identifier]) -> None:
    """Refuse entries that would make applying the register leak or never settle."""
    if sum(1 for c in original if c.isalnum()) < 2:
        raise ValidationError("an identifier needs at least two letters or digits")
    if not replacement:
        raise ValidationError("give the replacement, e.g. [name] or [local area]")
    if _contains(replacement, original):
        raise ValidationError(
            f"the replacement {replacement} contains '{original}' itself, so it would "
            "still identify"
        )
    for other in others:
        if _contains(replacement, other.original):
            raise ValidationError(
                f"the replacement {replacement} contains the registered '{other.original}'"
            )
        if _contains(other.replacement, original):
            raise ConflictError(
                f"'{original}' appears in the replacement for '{other.original}' "
                f"({other.replacement}); change that replacement first"
            )


def _contains(text: str, original: str) -> bool:
    """Whether the register entry ``original`` would match somewhere in ``text``."""
    probe = Redactor([IdentifierEntry(original, "\x00")])
    return any(leak.reason == "registered" for leak in probe.find_leaks(text))


def _parse_time(value: str | None) -> datetime | None:
    """A stored review time; a damaged one reads as never reviewed (the safe side)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _places(value: str | None) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def _json_list(value: str) -> list[str]:
    try:
        loaded = json.loads(value or "[]")
    except ValueError:
        return []
    return [str(x) for x in loaded] if isinstance(loaded, list) else []


def _by_line(redactor: Redactor, text: str) -> list[LocatedLeak]:
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    located = []
    line = 0
    for leak in redactor.find_leaks(text):
        while line + 1 < len(starts) and starts[line + 1] <= leak.start:
            line += 1
        located.append(LocatedLeak(f"line {line + 1}", leak))
    return located
