"""The one way a file leaves the project.

Every file qualcode writes for people outside the project (Word reports, quotes,
evidence, agreement and disagreement tables, the codebook, a coder's exchange file)
passes this gate, in this order:

1. **Where and what.** The format is chosen from the export's own list by the file
   name's suffix, or added when there is none; any other suffix is refused before
   anything is built (:func:`qualcode.exporters.formats.format_for`). A destination
   that is the open project, its backups or journal, or any database file is refused.
2. **The register is current.** An empty register, or sources imported since it was
   last reviewed, stops the export unless the person said to go on.
3. **Replaced before written.** :meth:`ExportGate.redact` applies the identifier
   register to every string of the records the exporter will draw from (chart
   labels and table headers included), by walking the records rather than by each
   exporter remembering to call it.
4. **Read back before kept.** Each file is written to a private temporary file beside
   its destination and read back whole, as its format (every XML part of a Word or
   Excel file, every file of a multi-file export, every JSON value). Only if every
   file passes are they all moved into place; otherwise every temporary file is
   removed and nothing is left behind.

One export is not for people outside the project: a copy of the whole project with
its original transcripts, for the team's own archive or for moving to another tool
(``export-project`` without ``--pseudonymise``). Its gate is made with
:meth:`ExportGate.original_copy`: step 1 and the private, atomic write of step 4 hold,
but the register is neither required nor applied and nothing is scanned for names,
because the names are meant to be there. The command says so to the person.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from qualcode.domain.errors import InputFileError, QualcodeError
from qualcode.domain.redaction import Redactor
from qualcode.domain.strings import map_strings
from qualcode.exporters.formats import FileFormat, format_for
from qualcode.store.migrate import database_kind, database_path

T = TypeVar("T")

# Files SQLite keeps beside a database while it is open or being changed.
_DATABASE_COMPANIONS = ("-wal", "-shm", "-journal")


class IdentifierLeakError(QualcodeError):
    """An export still contains a registered identifier; nothing was kept."""

    def __init__(self, path: Path, leaks: list[tuple[str, str, str]]) -> None:
        self.path = path
        self.leaks = leaks  # (location, what was found, registered original)
        where, found, original = leaks[0]
        more = f" and {len(leaks) - 1} more" if len(leaks) > 1 else ""
        super().__init__(
            f"{path}: {where} still contains '{found}' (registered identifier "
            f"'{original}'){more}; the export was not kept. Add the variant to the "
            "register (qualcode identifiers add), or export anyway with --allow-identifiers"
        )


class ProtectedDestinationError(QualcodeError):
    """The output would overwrite a project, a backup of one, or another database."""


@dataclass(frozen=True, slots=True)
class ExportChecks:
    """The two ways past the gate's checks, each said explicitly by the person."""

    allow_identifiers: bool = False  # keep the file even if a registered name is in it
    allow_unreviewed: bool = False  # export although the register is not reviewed


ALL_CHECKS = ExportChecks()  # the default: nothing is let past


@dataclass(frozen=True, slots=True)
class GateResult:
    paths: tuple[Path, ...]
    checked: int  # pieces of text read back and checked
    leaks_allowed: int  # identifiers left in because the person said so


class ExportGate:
    """Built per export with the project's session; see the module's steps."""

    def __init__(self, session: Session, checks: ExportChecks = ALL_CHECKS) -> None:
        self.session = session
        self.checks = checks
        engine = session.get_bind()
        # A project binds its sessions to an engine, never to one connection.
        assert isinstance(engine, Engine)
        self.project = database_path(engine)
        self._redactor: Redactor | None = None
        self.keeps_originals = False

    @classmethod
    def original_copy(cls, session: Session) -> ExportGate:
        """The gate for a copy of the project with its original transcripts (see the
        module): destination checks and a private, atomic write only."""
        gate = cls(session, ALL_CHECKS)
        gate.keeps_originals = True
        return gate

    # -- 1 and 2: before anything is built ---------------------------------------------

    def target(self, path: Path, formats: Sequence[str], what: str) -> tuple[Path, FileFormat]:
        """The path to write (a missing suffix added) and its format, after refusing a
        wrong suffix, a protected destination and an unreviewed register."""
        given = Path(path).expanduser()
        self.refuse_protected(given)  # first: "that is your project" says more than a suffix
        chosen, file_format = format_for(given, formats, what)
        if chosen != given:
            self.refuse_protected(chosen)
        if not self.keeps_originals:
            self._require_reviewed_register()
        return chosen, file_format

    def refuse_protected(self, path: Path) -> None:
        if path.is_dir():
            raise ProtectedDestinationError(f"{path}: is a folder; give a file name")
        if path.exists() and not path.is_file():
            # A device, pipe or socket: moving a file into its place would replace it.
            raise ProtectedDestinationError(f"{path}: is not a regular file; give a file name")
        resolved = path.resolve()
        if self.project is not None:
            project = self.project.resolve()
            same = resolved == project or (path.exists() and os.path.samefile(path, project))
            if same:
                raise ProtectedDestinationError(
                    f"{path}: is the open project; an export never overwrites it. "
                    "Choose another file name"
                )
            if resolved.parent == project.parent and (
                resolved.name.startswith(f"{project.name}.backup")
                or resolved.name in {project.name + c for c in _DATABASE_COMPANIONS}
            ):
                raise ProtectedDestinationError(
                    f"{path}: belongs to the open project (its backup or journal); "
                    "an export never overwrites it. Choose another file name"
                )
        kind = database_kind(path)
        for companion in _DATABASE_COMPANIONS:
            if kind is None and path.name.endswith(companion):
                owner = path.with_name(path.name.removesuffix(companion))
                if database_kind(owner):
                    kind = f"part of {owner.name}"
        if kind is not None:
            raise ProtectedDestinationError(
                f"{path}: is {kind}; an export never overwrites a database. "
                "Choose another file name"
            )

    def _require_reviewed_register(self) -> None:
        from qualcode.services.identifiers import IdentifierService

        label = self.project.name if self.project is not None else "the project"
        IdentifierService(self.session).require_reviewed(label, allow=self.checks.allow_unreviewed)

    # -- 3: replaced before written ----------------------------------------------------

    @property
    def redactor(self) -> Redactor:
        if self._redactor is None:
            from qualcode.services.identifiers import IdentifierService

            self._redactor = IdentifierService(self.session).redactor()
        return self._redactor

    def redact(self, record: T) -> T:
        """``record`` with the register applied to every string in it."""
        if self.keeps_originals:
            raise QualcodeError("an original copy of the project is never redacted")
        return map_strings(record, self.redactor.apply)

    # -- 4: read back before kept ------------------------------------------------------

    def write(self, files: Mapping[Path, bytes], file_format: FileFormat) -> GateResult:
        """Write ``files`` (all of ``file_format``) or none of them."""
        for path in files:
            self.refuse_protected(path)
        temporary: dict[Path, Path] = {}
        try:
            for path, data in files.items():
                temporary[path] = _write_temporary(path, data)
            checked, leaks = (0, []) if self.keeps_originals else self._scan(temporary, file_format)
            if leaks and not self.checks.allow_identifiers:
                raise IdentifierLeakError(next(iter(files)), leaks)
            for path, written in temporary.items():
                try:
                    os.replace(written, path)
                except OSError as error:
                    raise _cannot_write(path, error) from None
            for folder in {path.parent for path in files}:
                _fsync_folder(folder)
        finally:
            for written in temporary.values():
                with contextlib.suppress(OSError):
                    written.unlink()
        return GateResult(tuple(files), checked, len(leaks))

    def _scan(
        self, temporary: Mapping[Path, Path], file_format: FileFormat
    ) -> tuple[int, list[tuple[str, str, str]]]:
        """Pieces of text read back, and every registered name found in them."""
        redactor = self.redactor
        leaks: list[tuple[str, str, str]] = []
        checked = 0
        for path, written in temporary.items():
            for where, text in file_format.read(written):
                checked += 1
                for leak in redactor.find_leaks(text):
                    context = leak.context.strip(" \u201c\u201d")
                    place = f"{where}: \u201c{context}\u201d"
                    if len(temporary) > 1:
                        place = f"{path.name}, {place}"
                    leaks.append((place, leak.found, leak.original))
        return checked, leaks


def _write_temporary(path: Path, data: bytes) -> Path:
    """``data`` in a private (0600) temporary file beside ``path``, synced to disk."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise _cannot_write(path, error) from None
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except OSError as error:
        Path(name).unlink(missing_ok=True)
        raise _cannot_write(path, error) from None
    return Path(name)


def _cannot_write(path: Path, error: OSError) -> InputFileError:
    return InputFileError(path, f"cannot be written ({error.strerror or error})")


def _fsync_folder(folder: Path) -> None:
    # Makes the renames durable; not every platform lets a folder be opened.
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
