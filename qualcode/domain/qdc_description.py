"""How a code's fields travel in one REFI-QDA ``<Description>``.

QDA-XML gives a code a single description. qualcode keeps a definition, inclusion and
exclusion criteria, an example and keywords, so they are folded into labelled paragraphs
("Include: ..."), a blank line apart, and split back out on import. Any other tool's
description is the definition, unless a paragraph of it starts with one of the labels.
"""

from __future__ import annotations

import re
from typing import Any

from qualcode.domain.records import CodebookEntry

# The labels, in the order they follow the definition. A label starts a paragraph.
LABELS = (("include", "Include"), ("exclude", "Exclude"), ("example", "Example"))
KEYWORDS_LABEL = "Keywords"
KEYWORD_SEPARATOR = ", "

_FIELD_ORDER = [field for field, _ in LABELS] + ["keywords"]
_LABEL_FIELDS = {label: field for field, label in LABELS} | {KEYWORDS_LABEL: "keywords"}
_LABEL_START = re.compile(
    r"(?:\A|\n\n)(" + "|".join(re.escape(label) for label in _LABEL_FIELDS) + r"): "
)


def fold_description(entry: CodebookEntry) -> str:
    """The definition, then "Include: ...", "Exclude: ...", "Example: ..." and
    "Keywords: a, b" paragraphs for the fields that are not empty, a blank line apart."""
    paragraphs = []
    definition = entry.definition.rstrip("\n")
    if definition:
        paragraphs.append(definition)
    for field, label in LABELS:
        value = getattr(entry, field).rstrip("\n")
        if value:
            paragraphs.append(f"{label}: {value}")
    if entry.keywords:
        paragraphs.append(f"{KEYWORDS_LABEL}: {KEYWORD_SEPARATOR.join(entry.keywords)}")
    return "\n\n".join(paragraphs)


def unfold_description(description: str) -> dict[str, Any]:
    """Definition, include, exclude, example and keywords from a folded description.

    Labels are taken in their fixed order, each once, at the start of a paragraph; a
    label out of order, or a "Keywords:" paragraph followed by more lines, stays part
    of the text before it."""
    text = description.rstrip("\n")
    cuts: list[tuple[int, int, str]] = []  # (paragraph start, text start, field)
    next_allowed = 0
    for match in _LABEL_START.finditer(text):
        field = _LABEL_FIELDS[match.group(1)]
        order = _FIELD_ORDER.index(field)
        if order < next_allowed:
            continue
        if field == "keywords" and "\n" in text[match.end() :]:
            continue
        cuts.append((match.start(), match.end(), field))
        next_allowed = order + 1
    fields: dict[str, Any] = {"definition": text[: cuts[0][0]] if cuts else text}
    for index, (_, start, field) in enumerate(cuts):
        end = cuts[index + 1][0] if index + 1 < len(cuts) else len(text)
        fields[field] = text[start:end]
    keywords = fields.pop("keywords", "")
    fields["keywords"] = tuple(
        keyword.strip() for keyword in keywords.split(KEYWORD_SEPARATOR.strip()) if keyword.strip()
    )
    return fields
