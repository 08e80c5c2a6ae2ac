"""Checks run on a .docx or .xlsx *before* python-docx or openpyxl opens it.

Both formats are zip files of XML. Those libraries trust the zip: they inflate
every part into memory and hand the XML to lxml. A hostile or damaged file
(a zip bomb, an XML entity bomb, a truncated download) must be refused here
with a plain reason, using only the zip's directory and the first bytes of
each XML part, so refusing it is fast and costs no memory.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.parsers import expat

from qualcode.domain.errors import InputFileError
from qualcode.importers.limits import (
    BOMB_MIN_BYTES,
    BOMB_RATIO,
    MAX_UNPACKED_BYTES,
    MAX_ZIP_MEMBERS,
    human_size,
)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SAFE_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_PROLOG_CHUNK = 4096
_MAX_PROLOG_BYTES = 64 * 1024


def check_office_zip(path: Path, *, required: str, kind: str) -> None:
    """Refuse ``path`` unless it is a sane zip holding ``required``.

    ``kind`` names the format for messages ("Word", "Excel"). Checks, in order:
    an old binary or password-protected Office file; a valid zip; the required
    part; the number of parts; each part's and the total declared unpacked size;
    compression methods; and DOCTYPE/entity declarations in every XML part.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_OLE_MAGIC))
    except OSError as exc:
        raise InputFileError(path, f"cannot read the file ({exc.strerror or exc})") from None
    if head == _OLE_MAGIC:
        raise InputFileError(
            path,
            f"an old-style or password-protected {kind} file: "
            f"open it in {kind}, remove any password and save it again",
        )
    damaged = f"not a valid {kind} file (damaged or truncated zip)"
    if not zipfile.is_zipfile(path):
        raise InputFileError(path, damaged)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_directory(path, infos, required=required, kind=kind)
            for info in infos:
                if info.file_size and info.filename.lower().endswith(_XML_SUFFIXES):
                    _check_xml_prolog(path, archive, info)
    except InputFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        raise InputFileError(path, damaged) from None
    except NotImplementedError:
        raise InputFileError(path, f"not a valid {kind} file (unsupported zip feature)") from None


def _check_directory(path: Path, infos: list[zipfile.ZipInfo], *, required: str, kind: str) -> None:
    names = {info.filename for info in infos}
    if required not in names:
        article = "an" if kind[0] in "AEIOU" else "a"
        raise InputFileError(path, f"not {article} {kind} document: {required} is missing")
    if len(infos) > MAX_ZIP_MEMBERS:
        raise InputFileError(
            path,
            f"looks like a zip bomb: {len(infos):,} parts inside (the limit is "
            f"{MAX_ZIP_MEMBERS:,})",
        )
    total = 0
    packed = 0
    for info in infos:
        if info.compress_type not in _SAFE_METHODS:
            raise InputFileError(
                path, f"{info.filename} uses a compression method Office never writes"
            )
        if info.flag_bits & 0x1:
            raise InputFileError(path, f"{info.filename} is encrypted")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > BOMB_MIN_BYTES and ratio > BOMB_RATIO:
            raise InputFileError(
                path,
                f"looks like a zip bomb: {info.filename} expands to "
                f"{human_size(info.file_size)} from {human_size(info.compress_size)}",
            )
        total += info.file_size
        packed += info.compress_size
    if total > MAX_UNPACKED_BYTES:
        if total > BOMB_RATIO / 10 * max(packed, 1):
            reason = f"looks like a zip bomb: its contents expand to {human_size(total)}"
        else:
            reason = f"its contents are too large once unpacked ({human_size(total)})"
        raise InputFileError(path, f"{reason} (the limit is {human_size(MAX_UNPACKED_BYTES)})")


class _RootReached(Exception):
    """Raised from the expat handler once the prolog is over: nothing more to check."""


class _Declaration(Exception):
    """Raised when the prolog declares a DOCTYPE or an entity."""


def _check_xml_prolog(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse an XML part whose prolog has a DOCTYPE or entity declaration.

    Office never writes one; an entity "billion laughs" bomb needs one. Expat
    reads the prolog in whatever encoding the part declares and we stop at the
    root element, so only the first few kB are ever inflated.
    """

    def on_doctype(*_args: object) -> None:
        raise _Declaration

    def on_start(*_args: object) -> None:
        raise _RootReached

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = on_doctype
    parser.EntityDeclHandler = on_doctype
    parser.StartElementHandler = on_start
    read = 0
    try:
        with archive.open(info) as member:
            while read < _MAX_PROLOG_BYTES:
                chunk = member.read(_PROLOG_CHUNK)
                read += len(chunk)
                parser.Parse(chunk, not chunk)
                if not chunk:
                    return  # an empty part: python-docx will say what it thinks of it
    except _RootReached:
        return
    except _Declaration:
        raise InputFileError(
            path, f"unsafe XML in {info.filename}: it declares a DOCTYPE or entities"
        ) from None
    except expat.ExpatError:
        raise InputFileError(path, f"damaged XML in {info.filename}") from None
    raise InputFileError(path, f"damaged XML in {info.filename}: no root element found")
