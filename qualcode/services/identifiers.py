"""The identifier register: what identifies someone in the project, and what replaces it.

Exports apply the register with :meth:`IdentifierService.redactor` and then check
their own output with it; ``check_file`` runs the same check on any file a
researcher is about to share. ``suggest`` proposes new entries from the sources.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select

from qualcode.domain.errors import (
    ConflictError,
    InputFileError,
    NotFoundError,
    ValidationError,
)
from qualcode.domain.redaction import (
    IDENTIFIER_KINDS,
    IdentifierEntry,
    IdentifierSuggestion,
    LocatedLeak,
    Redactor,
    fold,
)
from qualcode.exporters.readback import text_locations
from qualcode.importers.decoding import decode_text
from qualcode.importers.limits import DEFAULT_MAX_BYTES, check_size, read_bytes
from qualcode.importers.zip_safety import check_office_zip
from qualcode.services.base import Service
from qualcode.services.suggestions import configured_pipeline
from qualcode.store.models import Code, Identifier, ProjectSetting, Source, SpeakerTurn

PLACES_SETTING = "identifier_places"


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

    def places(self) -> list[str]:
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
            row = self._find(reference)
            entry = _entry(row)
            self.session.delete(row)
            self._audit("identifier.remove", "identifier", row.uuid, kind=row.kind)
        return entry

    def add_places(self, names: Sequence[str]) -> list[str]:
        """Add place names to the project's list (kept once each, in any case)."""
        with self._transaction():
            self._coder()
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

    # -- suggesting and checking --------------------------------------------------------

    def suggest(self, places: Sequence[str] = ()) -> list[IdentifierSuggestion]:
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
            speakers[label].append(source)
        words: set[str] = set()
        for name, keywords in self.session.execute(select(Code.name, Code.keywords)):
            words.update(re.findall(r"\w+", name.lower()))
            for keyword in _json_list(keywords):
                words.update(re.findall(r"\w+", keyword.lower()))
        known = [row.original for row in self.session.scalars(select(Identifier))]
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
        )

    def check_text(self, text: str) -> list[LocatedLeak]:
        """Leaks in ``text``, each located by its line."""
        return _by_line(self.redactor(), text)

    def check_file(self, path: Path) -> list[LocatedLeak]:
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

    def _find(self, reference: str) -> Identifier:
        reference = reference.strip()
        row = self.session.scalar(select(Identifier).where(Identifier.uuid == reference))
        if row is None:
            key = identifier_key(reference)
            row = self.session.scalar(select(Identifier).where(Identifier.key == key))
        if row is None:
            raise NotFoundError(f"'{reference}' is not in the identifier register")
        return row

    def _turn_texts(self) -> list[tuple[str, str]]:
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
