"""Every string inside a record, rewritten by one function.

Exports and the terminal both need "apply this to every piece of text the record
holds, whatever its shape": the identifier register before a file is written, the
terminal sanitiser before text is shown. Walking the record generically means a
field added later (a chart label, a table header) is covered without anyone
remembering to add it, which is how leaks were found before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar, cast

T = TypeVar("T")


def map_strings(value: T, function: Callable[[str], str]) -> T:
    """``value`` with ``function`` applied to every string in it: dataclass fields,
    tuple, list and set items, dict keys and values, at any depth.

    Frozen dataclasses are rebuilt with :func:`dataclasses.replace`; other values
    (numbers, bytes, None) are returned as they are. Strings that ``function`` leaves
    unchanged keep their identity, so an unchanged record costs little.
    """
    cache: dict[str, str] = {}

    def one(text: str) -> str:
        done = cache.get(text)
        if done is None:
            done = cache[text] = function(text)
        return done

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return one(item)
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            changes = {}
            for field in dataclasses.fields(item):
                if not field.init:
                    continue
                old = getattr(item, field.name)
                new = walk(old)
                if new is not old:
                    changes[field.name] = new
            return dataclasses.replace(item, **changes) if changes else item
        if isinstance(item, tuple):
            items = [walk(x) for x in item]
            if _same(items, item):
                return item
            return type(item)(*items) if hasattr(item, "_fields") else tuple(items)
        if isinstance(item, list):
            items = [walk(x) for x in item]
            return item if _same(items, item) else items
        if isinstance(item, frozenset | set):
            members = [(x, walk(x)) for x in item]
            return item if all(a is b for a, b in members) else type(item)(b for _, b in members)
        if isinstance(item, dict):
            pairs = [(k, v, walk(k), walk(v)) for k, v in item.items()]
            if all(k is k2 and v is v2 for k, v, k2, v2 in pairs):
                return item
            return type(item)((k2, v2) for _, _, k2, v2 in pairs)
        return item

    # walk rebuilds each container as its own type, which mypy cannot follow through the
    # recursion: what comes back has value's type.
    return cast(T, walk(value))


def _same(new: list[Any], old: Any) -> bool:
    return all(a is b for a, b in zip(new, old, strict=True))
