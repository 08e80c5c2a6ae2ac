"""Loading hand-edited YAML as plain text, lists and mappings, in one linear pass.

The data is built straight from the parser's events (libyaml's C parser when PyYAML
has it, else PyYAML's own), rather than through PyYAML's composer and constructor:
that is several times faster on a large file, and it lets every hostile construct be
refused the moment it is seen:

- aliases (``*name``): a few lines of nested aliases expand into billions of items
  when walked;
- tags (``!!python/object``, ``!!binary``): these files hold only text;
- nesting deeper than ``max_depth``: libyaml's composer recurses in C, and nothing
  real needs it;
- more than ``max_mappings`` mappings: the caller's item limit (a codebook's codes
  are mappings), so a file far past it is refused after reading only that many;
- a key twice in one mapping: the second would silently win.

Every plain scalar is text (``no`` and ``2020`` are the words, not False and an
int); an empty plain value is ``None``. Each mapping is a :class:`MarkedMapping`
that remembers the line of each of its keys, for messages.
"""

from __future__ import annotations

from typing import Any, cast

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.error import Mark
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
)

_LOADER = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


class MarkedMapping(dict[Any, Any]):
    """A YAML mapping that remembers where it and each of its keys sit (1-based lines)."""

    def __init__(self, line: int, key_lines: dict[str, int] | None = None) -> None:
        super().__init__()
        self.line = line
        self.key_lines = key_lines if key_lines is not None else {}

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class TooManyMappings(yaml.MarkedYAMLError):
    """More mappings than the caller allows; raised as soon as one too many starts."""


class TooDeep(yaml.MarkedYAMLError):
    """Collections nested deeper than the caller allows."""


class _Key:
    """A mapping reading the value of ``key``."""

    __slots__ = ("key", "mapping")

    def __init__(self, mapping: MarkedMapping, key: Any) -> None:
        self.mapping = mapping
        self.key = key


def load_text_yaml(text: str, *, max_depth: int, max_mappings: int) -> Any:
    """The single document in ``text`` as str / None / list / MarkedMapping.

    Raises a :class:`yaml.MarkedYAMLError` (with a mark saying where) for anything
    refused, :class:`TooDeep` or :class:`TooManyMappings` for the two limits.
    """
    # Open collections, innermost last; a mapping reading a value has a _Key above it.
    stack: list[Any] = []
    root: Any = None
    documents = 0
    mappings = 0
    depth = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise ComposerError(
                    "expected a single document in the stream",
                    None,
                    "but found another document",
                    _start(event),
                )
            continue
        if isinstance(event, AliasEvent):
            raise ComposerError(
                None, None, "aliases (*name) are not allowed in a codebook", _start(event)
            )
        if isinstance(event, ScalarEvent | CollectionStartEvent) and event.tag is not None:
            raise ComposerError(
                None,
                None,
                f"tags like {event.tag!r} are not allowed in a codebook",
                _start(event),
            )
        if isinstance(event, MappingEndEvent | SequenceEndEvent):
            stack.pop()  # a key holding this collection was popped when it was stored
            depth -= 1
            continue
        if isinstance(event, ScalarEvent):
            plain_empty = event.implicit[0] and event.value == ""
            value: Any = None if plain_empty else event.value
        elif isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > max_depth:
                raise TooDeep(None, None, f"more than {max_depth} levels", _start(event))
            if isinstance(event, MappingStartEvent):
                mappings += 1
                if mappings > max_mappings:
                    raise TooManyMappings(None, None, f"more than {max_mappings:,}", _start(event))
                value = MarkedMapping(_start(event).line + 1)
            else:
                value = []
        else:
            continue  # stream start and end, document end
        if stack:
            _add(stack, value, _start(event))
        else:
            root = value
        if isinstance(value, MarkedMapping | list):
            stack.append(value)
    return root


def _start(event: Event) -> Mark:
    """Where ``event`` starts: every event either parser makes is marked."""
    # The stubs type a mark as PyYAML's Mark or libyaml's, and an error's as PyYAML's
    # only; libyaml's has the same fields, and PyYAML's own errors carry either.
    return cast(Mark, event.start_mark)


def _add(stack: list[Any], value: Any, mark: Mark) -> None:
    """Put ``value`` where the innermost open collection expects its next item."""
    top = stack[-1]
    if isinstance(top, list):
        top.append(value)
    elif isinstance(top, _Key):
        top.mapping[top.key] = value
        stack.pop()
    else:  # a mapping expecting a key
        if isinstance(value, MarkedMapping | list):
            raise ConstructorError(
                None, None, "a key must be a single word or phrase, not a block or list", mark
            )
        if value in top:
            raise ConstructorError(
                None, None, f"the key {value!r} appears twice in the same block", mark
            )
        if isinstance(value, str):
            top.key_lines[value] = mark.line + 1
        top[value] = None  # keeps the key's place even if its value never arrives
        stack.append(_Key(top, value))
