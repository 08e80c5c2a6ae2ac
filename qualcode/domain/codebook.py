"""Code paths: how a code's place in the tree is written and read.

Names are joined with " > " because study names contain "/" ("Information sharing /
data restrictions"), so the separator is the one character a name may not hold.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Protocol

from qualcode.domain.errors import ValidationError
from qualcode.domain.records import CodebookEntry

PATH_SEPARATOR = " > "
_SEPARATOR_INPUT = re.compile(r"\s*>\s*")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def join_path(names: Iterable[str]) -> str:
    return PATH_SEPARATOR.join(names)


def split_path(path: str) -> list[str]:
    """Names in a path as typed by a person: spaces around ">" are optional."""
    return [part for part in _SEPARATOR_INPUT.split(path.strip()) if part]


def child_path(parent: str | None, name: str) -> str:
    """The path of a code named ``name`` under ``parent`` (None or "" for the top level)."""
    return f"{parent}{PATH_SEPARATOR}{name}" if parent else name


def path_names(path: str) -> list[str]:
    """Names in a stored path (written by ``join_path``), top level first."""
    return path.split(PATH_SEPARATOR)


def leaf(path: str) -> str:
    """The code's own name: the last name in its path."""
    return path.rsplit(PATH_SEPARATOR, 1)[-1]


def parent_of(path: str) -> str:
    """The path of the code's parent, "" for a top-level code."""
    return path.rsplit(PATH_SEPARATOR, 1)[0] if PATH_SEPARATOR in path else ""


def path_depth(path: str) -> int:
    """How many codes sit above this one (0 at the top level)."""
    return path.count(PATH_SEPARATOR)


def ancestor_paths(paths: Iterable[str]) -> set[str]:
    """The paths of every code above one of ``paths``."""
    return {join_path(names[:i]) for names in map(path_names, paths) for i in range(1, len(names))}


def is_within(path: str, ancestor: str) -> bool:
    """Whether the code at ``path`` is ``ancestor`` or one of its sub-codes.

    Compared name by name: "Barriers > Timely" is not within "Barriers > Time".
    """
    return path == ancestor or path.startswith(ancestor + PATH_SEPARATOR)


# C0/C1 controls: a name or keyword is one line of visible text (line breaks are also here),
# in every codebook format read.
NOT_IN_NAMES = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def check_code_name(name: str) -> str:
    """The name stripped, or a ValidationError saying why it cannot be a code name."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationError("a code needs a name")
    if ">" in cleaned:
        raise ValidationError(f"code name '{cleaned}' may not contain '>' (it separates paths)")
    if len(cleaned) > 300:
        raise ValidationError(f"code name '{cleaned[:40]}...' is longer than 300 characters")
    return cleaned


def walk_entries(
    entries: Iterable[CodebookEntry], parents: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], int, CodebookEntry]]:
    """Every entry depth first, with its ancestors' names and its position among siblings."""
    for position, entry in enumerate(entries):
        yield parents, position, entry
        yield from walk_entries(entry.children, (*parents, entry.name))


class StoredCode(Protocol):
    """A code as the project keeps it (a row, or a bundle's record): keywords as JSON.

    Read-only members, so that a frozen record is one as well as a row."""

    @property
    def name(self) -> str: ...
    @property
    def uuid(self) -> str: ...
    @property
    def definition(self) -> str: ...
    @property
    def include(self) -> str: ...
    @property
    def exclude(self) -> str: ...
    @property
    def example(self) -> str: ...
    @property
    def keywords(self) -> str: ...
    @property
    def colour(self) -> str | None: ...


def codebook_entry(code: StoredCode, children: tuple[CodebookEntry, ...]) -> CodebookEntry:
    """``code`` as a codebook file writes it, with its sub-codes already made."""
    return CodebookEntry(
        name=code.name,
        uuid=code.uuid,
        definition=code.definition,
        include=code.include,
        exclude=code.exclude,
        example=code.example,
        keywords=tuple(json.loads(code.keywords or "[]")),
        colour=code.colour,
        children=children,
    )
