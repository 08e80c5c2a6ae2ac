"""Checks run on a .docx or .xlsx *before* python-docx or openpyxl opens it.

Both formats are zip files of XML. Those libraries trust the zip: they inflate
every part into memory and hand the XML to lxml. A hostile or damaged file
(a zip bomb, an XML entity bomb, a truncated download) must be refused here
with a plain reason, using only the zip's directory and the first bytes of
each XML part, so refusing it is fast and costs no memory.

Which parts are XML is not decided by their names: a part is parsed as XML
because ``[Content_Types].xml`` says so, whatever its suffix (a main document
called ``word/document.bin``). So a part is checked if its name ends in an XML
suffix, if the content types declare it XML (by override or by extension), or
if its first bytes look like XML. The first two must be sound XML; a part that
only looks like XML (an embedded font can start with "<" by chance) is refused
only if it really declares a DOCTYPE.
"""

from __future__ import annotations

import codecs
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO
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
_CONTENT_TYPES = "[Content_Types].xml"
_MAX_CONTENT_TYPES_BYTES = 4 * 1024 * 1024
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose BOM starts it
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_WHITESPACE = " \t\r\n"


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
            declared = _declared_xml(path, archive, infos)
            for info in infos:
                if info.file_size and not info.is_dir():
                    known = info.filename.lower().endswith(_XML_SUFFIXES) or declared(info)
                    _check_xml_prolog(path, archive, info, known=known)
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
    check_zip_directory(path, infos, method_problem=f"a compression method {kind} never writes")


def check_zip_directory(
    path: Path,
    infos: list[zipfile.ZipInfo],
    *,
    method_problem: str = "a compression method qualcode does not read",
    max_unpacked: int = MAX_UNPACKED_BYTES,
) -> None:
    """Refuse a zip by its directory alone: too many members, an encrypted member,
    an unusual compression method, a member or a total that expands suspiciously."""
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
            raise InputFileError(path, f"{info.filename} uses {method_problem}")
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
    if total > max_unpacked:
        if total > BOMB_RATIO / 10 * max(packed, 1):
            reason = f"looks like a zip bomb: its contents expand to {human_size(total)}"
        else:
            reason = f"its contents are too large once unpacked ({human_size(total)})"
        raise InputFileError(path, f"{reason} (the limit is {human_size(max_unpacked)})")


class _RootReached(Exception):
    """Raised from the expat handler once the prolog is over: nothing more to check."""


class _Declaration(Exception):
    """Raised when the prolog declares a DOCTYPE or an entity."""


def _declared_xml(
    path: Path, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]
) -> Callable[[zipfile.ZipInfo], bool]:
    """Whether ``[Content_Types].xml`` gives a part an XML content type.

    The content types part is checked like any XML part first, so once it passes it
    declares no entities and can be read whole.
    """
    info = next((i for i in infos if i.filename == _CONTENT_TYPES), None)
    if info is None:
        return lambda _info: False  # the library refuses such a package itself
    _check_xml_prolog(path, archive, info, known=True)
    if info.file_size > _MAX_CONTENT_TYPES_BYTES:
        raise InputFileError(path, f"{_CONTENT_TYPES} is too large to be real")
    extensions: set[str] = set()
    parts: set[str] = set()

    def on_start(name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if not attributes.get("ContentType", "").lower().endswith("xml"):
            return
        if local == "Default":
            extensions.add(attributes.get("Extension", "").lower())
        elif local == "Override":
            parts.add(attributes.get("PartName", "").lstrip("/").lower())

    parser = expat.ParserCreate()
    parser.StartElementHandler = on_start
    try:
        parser.Parse(archive.read(info), True)
    except expat.ExpatError:
        raise InputFileError(path, f"damaged XML in {_CONTENT_TYPES}") from None

    def declared(member: zipfile.ZipInfo) -> bool:
        name = member.filename.lower()
        _, dot, extension = name.rpartition("/")[2].rpartition(".")
        return name in parts or (bool(dot) and extension in extensions)

    return declared


def _looks_like_xml(head: bytes, *, complete: bool) -> bool:
    """Do these first bytes of a part start like XML ("<" after a BOM and spaces)?

    Tried in every encoding an XML parser detects by itself. Only spaces so far
    counts as XML unless the part ends there (``complete``).
    """
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return _starts_with_tag(head[len(bom) :], encoding, complete)
    return any(
        _starts_with_tag(head, encoding, complete)
        for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
    )


def _starts_with_tag(data: bytes, encoding: str, complete: bool) -> bool:
    unit = 4 if "32" in encoding else 2 if "16" in encoding else 1
    text = data[: len(data) - len(data) % unit].decode(encoding, errors="replace")
    stripped = text.lstrip(_XML_WHITESPACE)
    return stripped.startswith("<") or (not stripped and not complete)


def _check_xml_prolog(
    path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, known: bool
) -> None:
    """Refuse an XML part whose prolog has a DOCTYPE or entity declaration.

    Office never writes one; an entity "billion laughs" bomb needs one. Expat
    reads the prolog in whatever encoding the part declares and we stop at the
    root element, so only the first few kB are ever inflated. A part not ``known``
    to be XML is checked only if it starts like XML; if expat cannot read it, it
    is refused only if its first 64 kB spell out a declaration.
    """
    unsafe = InputFileError(
        path, f"unsafe XML in {info.filename}: it declares a DOCTYPE or entities"
    )
    with archive.open(info) as member:
        head = member.read(_PROLOG_CHUNK)
        if not known and not _looks_like_xml(head, complete=len(head) < _PROLOG_CHUNK):
            return
        seen: list[bytes] = []
        try:
            outcome = _parse_prolog(head, member, seen)
        except expat.ExpatError:
            if known:
                raise InputFileError(path, f"damaged XML in {info.filename}") from None
            outcome = "damaged"
        if outcome == "declaration":
            raise unsafe
        if not known and outcome != "root" and _spells_declaration(b"".join(seen), member):
            raise unsafe
    if known and outcome == "no root":
        raise InputFileError(path, f"damaged XML in {info.filename}: no root element found")


def _parse_prolog(head: bytes, member: IO[bytes], seen: list[bytes]) -> str:
    """Feed expat until the root element: "root", "declaration", "empty" or "no root".

    Every chunk fed is appended to ``seen``.
    """

    def on_doctype(*_args: object) -> None:
        raise _Declaration

    def on_start(*_args: object) -> None:
        raise _RootReached

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = on_doctype
    parser.EntityDeclHandler = on_doctype
    parser.StartElementHandler = on_start
    chunk, read = head, 0
    try:
        while read < _MAX_PROLOG_BYTES:
            read += len(chunk)
            seen.append(chunk)
            parser.Parse(chunk, not chunk)
            if not chunk:
                return "empty"  # a part with no element: python-docx will say what it thinks
            chunk = member.read(_PROLOG_CHUNK)
    except _RootReached:
        return "root"
    except _Declaration:
        return "declaration"
    return "no root"


def _spells_declaration(start: bytes, member: IO[bytes]) -> bool:
    """Does "<!DOCTYPE" or "<!ENTITY" appear in the part's first 64 kB, in any encoding?

    ``start`` is what was read of ``member`` so far. For a part expat could not
    read: a parser more lenient than expat might still.
    """
    data = start + member.read(max(0, _MAX_PROLOG_BYTES - len(start)))
    for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        text = data.decode(encoding, errors="ignore")
        if "<!DOCTYPE" in text or "<!ENTITY" in text:
            return True
    return False
