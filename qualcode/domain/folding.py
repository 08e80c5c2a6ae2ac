"""Text as the identifier register compares it: one normalisation for text and register.

Every character is folded on its own, so each folded character can be traced back to
the code point it came from (:func:`fold_with_offsets`), and a match in folded text
is a span of the text as written:

- compatibility form (NFKC/NFKD: fullwidth, mathematical and ligature letters become
  plain ones), accents dropped, case folded;
- invisible characters dropped: every format character (Unicode category Cf: soft
  hyphen, zero-width spaces and joiners, direction marks and isolates, U+180E ...),
  combining marks that show nothing (U+034F, variation selectors) and blank letters
  (Hangul fillers, braille blank), so "Jil\\u200blian" is "jillian";
- look-alikes folded to the Latin letter or digit they imitate (Unicode TR39
  confusables, :mod:`qualcode.domain.confusables`): Cyrillic "Јillian" is "jillian";
- curly apostrophes made straight, hyphen-like dashes made "-".

Digits and signs used as letters ("Jillian0kafor", "Ja$on") are not folded here,
since "1" may be "l" or "i": the patterns in :mod:`qualcode.domain.name_patterns`
accept them in place of letters. :func:`skeleton` folds them one way for a quick
necessary-condition test before any pattern runs.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from qualcode.domain.confusables import CONFUSABLES

APOSTROPHES = "'\u2019\u2018\u02bc\u2032\u0060\u00b4"
HYPHENS = "-\u2010\u2011\u2012\u2013\u2212\ufe63\uff0d"
# Invisible but not category Cf: grapheme joiner, Mongolian and other variation
# selectors, Hangul fillers, braille blank.
_BLANK = frozenset(
    "\u034f\u180b\u180c\u180d\u180f\u115f\u1160\u3164\uffa0\u2800"
    + "".join(chr(c) for c in range(0xFE00, 0xFE10))
    + "".join(chr(c) for c in range(0xE0100, 0xE01F0))
)
_DROPPED_CATEGORIES = frozenset({"Cf", "Mn", "Me"})
_ASCII_SPECIAL = "`"  # the one ASCII character that folds to something else (')

# Digits and signs written for letters, folded one way for the quick test only:
# "1" may stand for "l" or "i", so both letters fold to "l" here too.
_SKELETON = str.maketrans("0134578$@i", "oleastbsal")


def _invisible(char: str) -> bool:
    return char in _BLANK or unicodedata.category(char) in _DROPPED_CATEGORIES


def _visible(text: str) -> str:
    return "".join(c for c in text if not (unicodedata.combining(c) or _invisible(c)))


@lru_cache(maxsize=8192)
def fold_char(char: str) -> str:
    """One character as compared (may be empty, or several: "ß" is "ss")."""
    if char in APOSTROPHES:
        return "'"
    if char in HYPHENS:
        return "-"
    if char.isascii():
        return char.lower()
    if _invisible(char):
        return ""
    look_alike = CONFUSABLES.get(char)
    if look_alike is not None:
        return look_alike
    bare = _visible(unicodedata.normalize("NFKD", char)).casefold()
    bare = _visible(unicodedata.normalize("NFKD", bare))
    return "".join(CONFUSABLES.get(c, c) for c in bare)


def fold(text: str) -> str:
    """Text as compared: no accents or invisibles, look-alikes as Latin, case-folded."""
    return "".join(fold_char(c) for c in text)


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the index it came from.

    The list has one extra entry, ``len(text)``, so a match end maps back too.
    """
    # Fast path: plain ASCII folds to lower case one for one (reports run this on
    # tens of thousands of quotes; the per-character path is 50 times slower).
    if text.isascii() and _ASCII_SPECIAL not in text:
        return text.lower(), list(range(len(text) + 1))
    # Curly quotes, dashes and accented letters each fold to one character: translate.
    special = {c for c in set(text) if not c.isascii()} | (set(_ASCII_SPECIAL) & set(text))
    table = {ord(c): fold_char(c) for c in special}
    if all(len(folded) == 1 for folded in table.values()):
        return text.translate(table).lower(), list(range(len(text) + 1))
    parts: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = fold_char(char)
        parts.append(folded)
        origin.extend([index] * len(folded))
    origin.append(len(text))
    return "".join(parts), origin


def skeleton(folded: str) -> str:
    """Folded text with digits and signs written for letters made letters, and "i"
    made "l": what any disguised spelling of a word has in common with the word.
    The same length as ``folded``, so offsets carry over."""
    return folded.translate(_SKELETON)
