"""Turning a coded passage into a quote for a report: attribution, widening, trimming.

Omitted words are shown as ``[...]``, as the study's reports do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from qualcode.domain.records import AttributeValue

OMISSION = "[...]"
_FIELD = re.compile(r"\{([^{}]+)\}")
_SENTENCE_END = re.compile(r"[.?!\u2026]+[\"'\u2019\u201d)\]]*(?=\s|$)")
_WORD = re.compile(r"\S+")
# The study's area letters ("G", "N") and short codes like them ("N2", "AB").
_AREA_CODE = re.compile(r"[A-Z][A-Z0-9]{0,2}")
# Values of an area attribute that say "not one area" rather than name a place.
_SCOPES = frozenset(
    {"national", "regional", "all areas", "multiple areas", "several areas", "various areas"}
)


def attribution(template: str, attributes: Mapping[str, AttributeValue]) -> str:
    """Fill ``template`` from a participant's attributes (never the speaker's name).

    ``{pseudonym|stakeholder_group}`` takes the first that is present; a part of the
    template (between commas) with a missing field is dropped, so a participant with
    no area reads "Local area lead", not "Local area lead, local area ". A field
    written ``{area:area}`` is read as an area (:func:`as_area`).
    """
    lowered = {k.lower(): str(v).strip() for k, v in attributes.items() if str(v).strip()}
    parts: list[str] = []
    for part in template.split(","):
        missing = False

        def fill(match: re.Match[str]) -> str:
            nonlocal missing
            names, _, form = match.group(1).partition(":")
            for name in names.split("|"):
                value = lowered.get(name.strip().lower())
                if value:
                    return as_area(value) if form.strip().lower() == "area" else value
            missing = True
            return ""

        filled = _FIELD.sub(fill, part).strip()
        if not missing and filled:
            parts.append(filled)
    return ", ".join(parts) or "Participant"


def as_area(value: str) -> str:
    """An area attribute as a reader expects it after a comma.

    The study gives areas letters kept across years ("G", "L", "N"): those read
    "local area G". A scope that is not an area ("National", "Regional") reads in
    lower case ("MEAM staff, national"), never "local area National"; any other value
    is a place name or a description and is given as written ("Hastings").
    """
    if _AREA_CODE.fullmatch(value):
        return f"local area {value}"
    if value.casefold() in _SCOPES:
        return value.lower()
    return value


def widen_to_sentences(text: str, start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    """Grow ``[start, end)`` to the whole sentences it touches, within ``[lo, hi)``
    (its speaker turn), so a quote never starts or stops mid-sentence."""
    new_start, new_end = lo, hi
    for match in _SENTENCE_END.finditer(text, lo, hi):
        if match.end() <= start:
            new_start = match.end()
        elif match.end() >= end:
            new_end = match.end()
            break
    while new_start < start and text[new_start].isspace():
        new_start += 1
    return min(new_start, start), max(new_end, end)


def sentence_spans(text: str, lo: int = 0, hi: int | None = None) -> list[tuple[int, int]]:
    """The sentences of ``text[lo:hi]`` as ``(start, end)`` code point spans.

    A sentence ends at ``.``, ``?``, ``!`` or an ellipsis (with any closing quotes or
    brackets) followed by white space or the end; leading and trailing white space is
    left out, and text after the last sentence end is a sentence of its own.
    """
    hi = len(text) if hi is None else hi
    spans: list[tuple[int, int]] = []

    def add(start: int, end: int) -> None:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append((start, end))

    position = lo
    for match in _SENTENCE_END.finditer(text, lo, hi):
        add(position, match.end())
        position = match.end()
    add(position, hi)
    return spans


def trim(text: str, max_words: int | None) -> str:
    """Keep whole sentences from the start up to ``max_words``, marking the rest [...]."""
    text = " ".join(text.split())
    if max_words is None or len(_WORD.findall(text)) <= max_words:
        return text
    kept: list[str] = []
    count = 0
    position = 0
    for match in _SENTENCE_END.finditer(text):
        sentence = text[position : match.end()].strip()
        words = len(_WORD.findall(sentence))
        if kept and count + words > max_words:
            break
        kept.append(sentence)
        count += words
        position = match.end()
        if count >= max_words:
            break
    if not kept:  # one long sentence: cut at a word
        first_words = _WORD.findall(text)[:max_words]
        return " ".join(first_words).rstrip(",;:") + " " + OMISSION
    rest = text[position:].strip()
    return " ".join(kept) + (f" {OMISSION}" if rest else "")
