"""Read a human-edited YAML codebook (docs/codebook-format.md) into a ``Codebook``.

Researchers edit these files in a text editor, so every problem is reported with the
line and the code path where it sits, and nothing in the file is guessed at: a typo
in a key, a lost ``#`` colour or a duplicated name is refused rather than dropped.
"""

from __future__ import annotations

import codecs
import difflib
import re
from pathlib import Path
from typing import Any

import yaml

from qualcode.domain.codebook import NOT_IN_NAMES, check_code_name, child_path
from qualcode.domain.errors import InputFileError, ValidationError
from qualcode.domain.records import Codebook, CodebookEntry
from qualcode.importers.limits import (
    MAX_CODEBOOK_CODES,
    MAX_CODEBOOK_LEVELS,
    MB,
    read_bytes,
    too_large_reason,
)
from qualcode.importers.safe_yaml import MarkedMapping, TooDeep, TooManyMappings, load_text_yaml

FORMAT = "qualcode-codebook/1"
MAX_BYTES = 5 * MB

_FORMAT_PATTERN = re.compile(r"qualcode-codebook/(\S+)")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_COLOUR = re.compile(r"#[0-9a-f]{6}")
# In longer texts tabs and line breaks are the researcher's; other controls would reach a
# terminal as escape sequences (a quoted "\e[2J" is legal YAML), so they are refused.
_NOT_IN_TEXTS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

TOP_KEYS = ("format", "name", "description", "codes")
CODE_KEYS = (
    "name",
    "uuid",
    "colour",
    "definition",
    "include",
    "exclude",
    "example",
    "keywords",
    "codes",
)
TEXT_KEYS = ("definition", "include", "exclude", "example")


class CodebookFileError(InputFileError):
    """A codebook file with one or more problems; ``problems`` lists them all.

    The message shows the first problem (and how many more there are) so the CLI can
    print it as one line; a checker can print every entry of ``problems``.
    """

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        reason = problems[0]
        if len(problems) > 1:
            more = len(problems) - 1
            reason += f" (and {more} more problem{'s' if more > 1 else ''})"
        super().__init__(path, reason)
        self.problems = tuple(problems)


def read_codebook(path: Path) -> Codebook:
    """Read and validate a codebook file; any problem raises ``InputFileError``."""
    path = Path(path)
    raw = read_bytes(path, MAX_BYTES)
    # UTF-8 is what editors save; UTF-16 only with a BOM (Notepad's "Unicode").
    encoding = (
        "utf-16" if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"
    )
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        raise InputFileError(
            path, f"is not UTF-8 text (bad byte at position {error.start}); save it as UTF-8"
        ) from None
    return parse_codebook(text, str(path))


def parse_codebook(text: str, origin: str) -> Codebook:
    """Parse codebook YAML; ``origin`` names the file in error messages."""
    if len(text) > MAX_BYTES:
        raise InputFileError(origin, too_large_reason(len(text), MAX_BYTES))
    data = _load(text, origin)
    return _Validator(origin).codebook(data)


_TOO_DEEP = (
    "is nested too deeply to be a codebook "
    f"(codes may sit at most {MAX_CODEBOOK_LEVELS} levels deep)"
)


def _load(text: str, origin: str) -> Any:
    try:
        return load_text_yaml(
            text,
            # A code at level n is a mapping n*2+1 deep; its keyword list one more.
            max_depth=2 * MAX_CODEBOOK_LEVELS + 2,
            # Every code is a mapping, and so is the top level.
            max_mappings=MAX_CODEBOOK_CODES + 1,
        )
    except TooManyMappings:
        raise InputFileError(
            origin,
            f"has too many codes: more than {MAX_CODEBOOK_CODES:,}, the limit for a codebook",
        ) from None
    except TooDeep:
        raise InputFileError(origin, _TOO_DEEP) from None
    except yaml.MarkedYAMLError as error:
        if "nesting depth" in str(error.problem):
            raise InputFileError(origin, _TOO_DEEP) from None  # libyaml's own limit, at 1000
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = error.problem or error.context or "unreadable"
        raise InputFileError(origin, f"is not valid YAML ({where}{problem})") from None
    except yaml.YAMLError as error:
        raise InputFileError(origin, f"is not valid YAML ({error})") from None
    except RecursionError:
        raise InputFileError(origin, _TOO_DEEP) from None


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a block of keys"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {value!r}"
    return repr(value)


def _unknown_key(key: Any, allowed: tuple[str, ...]) -> str:
    message = f"unknown key {key!r}"
    close = difflib.get_close_matches(str(key), allowed, n=1)
    if close:
        message += f" (did you mean {close[0]!r}?)"
    return message + f"; allowed keys are {', '.join(allowed)}"


class _Validator:
    """Turns loaded YAML into records, collecting every problem before raising."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.problems: list[str] = []
        self.uuids: dict[str, str] = {}  # uuid -> path of the code that has it

    def fail(self, line: int | None, where: str, problem: str) -> None:
        prefix = f"line {line}, " if line else ""
        self.problems.append(f"{prefix}{where}: {problem}" if where else f"{prefix}{problem}")

    def codebook(self, data: Any) -> Codebook:
        if data is None:
            raise InputFileError(self.origin, "is empty; a codebook needs at least a name")
        if not isinstance(data, dict):
            raise InputFileError(
                self.origin, f"should start with keys such as 'name:', found {_describe(data)}"
            )
        for key in data:
            if key not in TOP_KEYS:
                self.fail(_line(data, key), "top level", _unknown_key(key, TOP_KEYS))
        self._check_format(data.get("format"), _line(data, "format"))
        name = self._single_line(
            data.get("name"), _line(data, "name"), "top level", "codebook name"
        )
        description = self._text(
            data.get("description"), _line(data, "description"), "top level", "description"
        )
        codes = self._codes(data.get("codes"), None, _line(data, "codes"))
        if self.problems:
            raise CodebookFileError(self.origin, self.problems)
        return Codebook(name=name, description=description, codes=codes)

    def _check_format(self, value: Any, line: int | None) -> None:
        if value is None or value == FORMAT:
            return  # a hand-written file may leave the format out; it means version 1
        match = _FORMAT_PATTERN.fullmatch(value) if isinstance(value, str) else None
        if match:
            problem = (
                f"format {value!r} is not one this version of qualcode reads "
                f"(it reads {FORMAT}); is the file from a newer qualcode?"
            )
        else:
            problem = f"format should be {FORMAT!r}, found {_describe(value)}"
        self.fail(line, "top level", problem)

    def _single_line(self, value: Any, line: int | None, where: str, what: str) -> str:
        if value is None:
            self.fail(line, where, f"the {what} is missing")
            return ""
        if not isinstance(value, str):
            self.fail(line, where, f"the {what} should be text, found {_describe(value)}")
            return ""
        value = value.strip()
        if not value:
            self.fail(line, where, f"the {what} is empty")
        elif NOT_IN_NAMES.search(value):
            self.fail(line, where, f"the {what} should be a single line without control characters")
        return value

    def _text(self, value: Any, line: int | None, where: str, key: str) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            self.fail(line, where, f"{key} should be text, found {_describe(value)}")
            return ""
        found = sorted(set(_NOT_IN_TEXTS.findall(value)))
        if found:
            listed = ", ".join(f"U+{ord(ch):04X}" for ch in found[:3])
            self.fail(line, where, f"{key} contains control characters ({listed}); remove them")
        # A "|" block ends with a line break that is YAML syntax, not the researcher's
        # text; dropping trailing breaks makes "|", "|-" and quoted text read the same.
        return value.rstrip("\n")

    def _codes(
        self, value: Any, parent_path: str | None, line: int | None
    ) -> tuple[CodebookEntry, ...]:
        where = f"code {parent_path!r}" if parent_path else "top level"
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail(line, where, f"codes should be a list of codes, found {_describe(value)}")
            return ()
        entries: list[CodebookEntry] = []
        seen: set[str] = set()
        for number, item in enumerate(value, start=1):
            entry = self._code(item, parent_path, number, line)
            if entry is None:
                continue
            # Folded as the project compares names, so "Mistrust" and "mistrust" clash here
            # rather than half-way through a merge.
            folded = entry.name.casefold()
            if folded in seen:
                path = child_path(parent_path, entry.name)
                self.fail(
                    _line(item, "name"),
                    f"code {path!r}",
                    "another code with the same name sits beside it; sibling names must differ "
                    "(ignoring capitals)",
                )
            elif entry.name:
                seen.add(folded)
            entries.append(entry)
        return tuple(entries)

    def _code(
        self, item: Any, parent_path: str | None, number: int, parent_line: int | None
    ) -> CodebookEntry | None:
        placeholder = child_path(parent_path, f"(code {number})")
        if not isinstance(item, dict):
            self.fail(
                parent_line,
                f"code {placeholder!r}",
                f"a code should be a block of keys starting with 'name:', found {_describe(item)}",
            )
            return None
        problems_before = len(self.problems)
        name = self._code_name(item.get("name"), _line(item, "name"), f"code {placeholder!r}")
        named = len(self.problems) == problems_before
        path = child_path(parent_path, name) if named else placeholder
        where = f"code {path!r}"
        for key in item:
            if key not in CODE_KEYS:
                self.fail(_line(item, key), where, _unknown_key(key, CODE_KEYS))
        texts = {key: self._text(item.get(key), _line(item, key), where, key) for key in TEXT_KEYS}
        return CodebookEntry(
            name=name,
            uuid=self._uuid(item.get("uuid"), "uuid" in item, _line(item, "uuid"), path),
            colour=self._colour(item.get("colour"), "colour" in item, _line(item, "colour"), where),
            keywords=self._keywords(item.get("keywords"), _line(item, "keywords"), where),
            children=self._codes(item.get("codes"), path, _line(item, "codes")),
            **texts,
        )

    def _code_name(self, value: Any, line: int | None, where: str) -> str:
        if value is None:
            self.fail(line, where, "the name is missing")
            return ""
        if not isinstance(value, str):
            self.fail(line, where, f"the name should be text, found {_describe(value)}")
            return ""
        try:
            # The project's own rule, so a name reads the same here and in the database.
            name = check_code_name(value)
        except ValidationError as error:
            self.fail(line, where, str(error))
            return value.strip()
        if NOT_IN_NAMES.search(name):
            self.fail(line, where, f"the name {name!r} contains control characters")
        return name

    def _uuid(self, value: Any, present: bool, line: int | None, path: str) -> str | None:
        where = f"code {path!r}"
        if value is None:
            if present:
                self.fail(line, where, "uuid is empty; remove the line and qualcode will add one")
            return None
        if not isinstance(value, str) or not _UUID.fullmatch(value.strip().lower()):
            self.fail(
                line,
                where,
                f"uuid {value!r} is not a UUID (expected 8-4-4-4-12 hexadecimal digits); "
                "remove the line and qualcode will add one",
            )
            return None
        value = value.strip().lower()
        if value in self.uuids:
            self.fail(line, where, f"uuid {value} is already used by code {self.uuids[value]!r}")
        else:
            self.uuids[value] = path
        return value

    def _colour(self, value: Any, present: bool, line: int | None, where: str) -> str | None:
        if value is None:
            if present:
                # An unquoted "#c0392b" is a YAML comment, so the colour arrives empty.
                self.fail(
                    line, where, 'colour is empty; write it in quotes, e.g. colour: "#c0392b"'
                )
            return None
        if not isinstance(value, str) or not _COLOUR.fullmatch(value.strip().lower()):
            self.fail(line, where, f'colour {value!r} should look like "#c0392b" (#rrggbb)')
            return None
        return value.strip().lower()

    def _keywords(self, value: Any, line: int | None, where: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail(
                line,
                where,
                f"keywords should be a list like [time, capacity], found {_describe(value)}",
            )
            return ()
        keywords: list[str] = []
        for keyword in value:
            if not isinstance(keyword, str):
                self.fail(line, where, f"keywords should be text, found {_describe(keyword)}")
            elif not keyword.strip():
                self.fail(line, where, "keywords contains an empty keyword")
            elif NOT_IN_NAMES.search(keyword.strip()):
                self.fail(line, where, f"keyword {keyword.strip()!r} should be a single line")
            else:
                keywords.append(keyword.strip())
        return tuple(keywords)


def _line(mapping: dict[Any, Any], key: Any) -> int | None:
    return mapping.line_of(key) if isinstance(mapping, MarkedMapping) else None
