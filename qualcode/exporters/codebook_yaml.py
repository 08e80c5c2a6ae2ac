"""Write a ``Codebook`` as the human-editable YAML in docs/codebook-format.md.

The output is meant to be opened in a text editor: keys in a fixed order, empty
fields left out, multi-line text as ``|`` blocks, a blank line between top-level
themes. It is also exact: ``parse_codebook(dump_codebook(cb)) == cb``.
"""

from __future__ import annotations

import sys
from typing import Any

import yaml

from qualcode.domain.records import Codebook, CodebookEntry

FORMAT = "qualcode-codebook/1"
HEADER = "# qualcode codebook: see docs/codebook-format.md for how to edit this file.\n"

# YAML line breaks that a literal block would turn into "\n" when read back.
_BREAKS_LOST_IN_BLOCKS = ("\r", "\x85", "\u2028", "\u2029")


class _CodebookDumper(yaml.SafeDumper):
    """SafeDumper with indented lists, no aliases, and text-friendly string styles."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # "codes:\n  - name:" reads as nesting to people; PyYAML's default does not indent.
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        # The reader refuses aliases, and a shared keywords tuple must not create one.
        return True


def _represent_str(dumper: _CodebookDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value and not any(brk in value for brk in _BREAKS_LOST_IN_BLOCKS):
        # The trailing break gives a plain "|" block; the reader drops it again.
        return dumper.represent_scalar("tag:yaml.org,2002:str", value + "\n", style="|")
    if any(brk in value for brk in _BREAKS_LOST_IN_BLOCKS):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


class _Colour(str):
    """Marks a colour, written in double quotes as the format document shows it."""


def _represent_colour(dumper: _CodebookDumper, value: _Colour) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"')


class _Keywords(tuple[str, ...]):
    """Marks the keyword list, written on one line as ``[time, capacity]``."""


def _represent_keywords(dumper: _CodebookDumper, value: _Keywords) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", list(value), flow_style=True)


_CodebookDumper.add_representer(str, _represent_str)
_CodebookDumper.add_representer(_Colour, _represent_colour)
_CodebookDumper.add_representer(_Keywords, _represent_keywords)


def _entry_dict(entry: CodebookEntry) -> dict[str, Any]:
    data: dict[str, Any] = {"name": entry.name}
    if entry.uuid:
        data["uuid"] = entry.uuid
    if entry.colour:
        data["colour"] = _Colour(entry.colour)
    for key in ("definition", "include", "exclude", "example"):
        # Trailing line breaks are not part of the text (see the reader).
        value = getattr(entry, key).rstrip("\n")
        if value:
            data[key] = value
    if entry.keywords:
        data["keywords"] = _Keywords(entry.keywords)
    if entry.children:
        data["codes"] = [_entry_dict(child) for child in entry.children]
    return data


def _dump(data: Any) -> str:
    return yaml.dump(
        data,
        Dumper=_CodebookDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=sys.maxsize,  # never fold a long definition across lines
        indent=2,
    )


def dump_codebook(codebook: Codebook) -> str:
    """The codebook as YAML text."""
    header: dict[str, Any] = {"format": FORMAT, "name": codebook.name}
    description = codebook.description.rstrip("\n")
    if description:
        header["description"] = description
    parts = [HEADER, _dump(header)]
    if not codebook.codes:
        parts.append("codes: []\n")
        return "".join(parts)
    parts.append("codes:\n")
    themes = []
    for entry in codebook.codes:
        # Each theme is dumped on its own so a blank line can separate themes; shifting
        # every non-empty line by the same two spaces keeps block scalars intact.
        lines = _dump([_entry_dict(entry)]).splitlines(keepends=True)
        themes.append("".join("  " + line if line.strip("\n") else line for line in lines))
    parts.append("\n".join(themes))
    return "".join(parts)
