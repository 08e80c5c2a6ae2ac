"""map_strings: the one walk behind redacting records and sanitising terminal text."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field

from qualcode.domain.strings import map_strings


@dataclass(frozen=True, slots=True)
class Inner:
    label: str
    count: int


@dataclass(frozen=True)
class Outer:
    title: str
    inners: tuple[Inner, ...]
    by_name: dict[str, list[str]]
    data: bytes = b"Jill"
    tags: frozenset[str] = field(default_factory=frozenset)


Pair = namedtuple("Pair", "left right")


def test_every_string_at_any_depth_is_rewritten() -> None:
    record = Outer(
        "Jill's report",
        (Inner("Jill", 3), Inner("other", 1)),
        {"Jill": ["Jill said", "x"]},
        tags=frozenset({"Jill"}),
    )
    done = map_strings(record, lambda text: text.replace("Jill", "[name]"))
    assert done == Outer(
        "[name]'s report",
        (Inner("[name]", 3), Inner("other", 1)),
        {"[name]": ["[name] said", "x"]},
        tags=frozenset({"[name]"}),
    )
    assert done.data == b"Jill"  # bytes are not text: exporters must not carry text as bytes


def test_unchanged_records_keep_their_identity_and_namedtuples_their_type() -> None:
    record = Outer("title", (Inner("a", 1),), {})
    assert map_strings(record, lambda text: text) is record
    pair = map_strings(Pair("Jill", 2), str.upper)
    assert isinstance(pair, Pair) and pair.left == "JILL"
