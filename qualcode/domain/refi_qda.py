"""What qualcode's REFI-QDA project files (``.qdpx``) say beyond the standard's words.

The writer (``exporters/project_qdpx.py``) and the reader (``importers/project_qdpx.py``)
both use these, so a file qualcode writes reads back exactly:

- GUIDs the standard needs but qualcode has no UUID for (a selection holding one or
  more codings of the same passage, a variable, a note for a coding's memo, a speaker
  turn) are UUID5s of what they stand for, so two exports of an unchanged project
  carry the same GUIDs and a merge by GUID finds them again.
- A speaker turn is written as a ``PlainTextSelection`` without codings, named after
  its speaker, whose ``<Description>`` starts with ``TURN_MARKER`` (then the times,
  if any); the turn's participant (case) refers to it with a ``SelectionRef``. Only a
  file whose project ``origin`` starts with ``ORIGIN_PREFIX`` is read this way: in
  another tool's file an uncoded selection is just that.
"""

from __future__ import annotations

import re
import uuid

PROJECT_NAMESPACE = "urn:QDA-XML:project:1.0"
CODEBOOK_NAMESPACE = "urn:QDA-XML:codebook:1.0"
ORIGIN_PREFIX = "qualcode"
TURN_MARKER = "qualcode speaker turn"

_GUIDS = uuid.UUID("3b8f5d7e-1c55-4f0e-9d53-8a41d2b7c6e0")
_TIMES = re.compile(r"; (?P<start>-?\d+(?:\.\d+)?|-)-(?P<end>-?\d+(?:\.\d+)?|-) s$")


def _guid(kind: str, *parts: object) -> str:
    return str(uuid.uuid5(_GUIDS, ":".join([kind, *map(str, parts)])))


def selection_guid(source: str, start: int, end: int) -> str:
    """The selection that holds every coding of ``[start, end)`` in ``source``."""
    return _guid("selection", source, start, end)


def turn_guid(source: str, start: int, end: int) -> str:
    return _guid("turn", source, start, end)


def variable_guid(attribute: str) -> str:
    """A participant attribute's variable (attributes are known by name)."""
    return _guid("variable", attribute)


def coding_note_guid(coding: str) -> str:
    """The note that carries a coding's memo."""
    return _guid("coding-note", coding)


def turn_description(start_time: float | None, end_time: float | None) -> str:
    """What a turn's selection says about itself (times in seconds, when known)."""
    if start_time is None and end_time is None:
        return TURN_MARKER
    first = "-" if start_time is None else repr(float(start_time))
    last = "-" if end_time is None else repr(float(end_time))
    return f"{TURN_MARKER}; {first}-{last} s"


def parse_turn_description(text: str | None) -> tuple[float | None, float | None] | None:
    """The times of a turn's selection, or None when ``text`` does not mark a turn."""
    if text is None or not text.startswith(TURN_MARKER):
        return None
    rest = text[len(TURN_MARKER) :]
    if not rest:
        return (None, None)
    found = _TIMES.fullmatch(rest)
    if found is None:
        return None
    start, end = found["start"], found["end"]
    return (None if start == "-" else float(start), None if end == "-" else float(end))
