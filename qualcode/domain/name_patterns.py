"""The regular expressions that find one register entry in folded text.

Text and originals are folded alike first (:mod:`qualcode.domain.folding`); these
patterns then allow what folding cannot decide alone:

- digits and signs written for letters inside a word: 0 for o, 1 for l or i, 3 for
  e, 4 for a, 5 for s, 7 for t, 8 for b, $ for s, @ for a (not first or last), and a
  capital I written for l ("JiIIian"). Only in words of three or more letters, never
  as the first character of a three-letter word ("5am" is not "Sam"), and a match
  must keep at least as many letters as stand-ins ("70m" is not "Tom");
- a name followed by digits ("JillianOkafor1985");
- for a person's name, its words joined ("JillianOkafor", "jillian.okafor",
  "jillian_okafor"), surname first ("Okafor, Jillian", "OkaforJillian"), and each
  word of three or more letters alone.

Boundaries are letters and digits: "Ann" is never inside "Anna" or "planning", but an
underscore, dot or "@" ends a word, so "okafor_j" and "@okafor" are found.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from qualcode.domain.folding import fold, skeleton

MIN_PART_LENGTH = 3  # shorter parts of a person's name ("Al", "Jo") are not checked alone
MIN_DISGUISE_LENGTH = 3  # shorter words are matched as written only ("A1" is not "Al")
STAND_INS = "0134578$@"  # characters written for letters
_STAND_INS_FOR = {"o": "0", "l": "1", "i": "1", "e": "3", "a": "4@", "s": "5$", "t": "7", "b": "8"}

BEFORE = r"(?<![^\W_])"  # not after a letter or digit
AFTER = r"(?![^\W_])"  # not before a letter or digit
_GAP = r"(?>\s*-\s*|\s+)"  # between the words of a multi-word original
_JOINED_GAP = r"(?>\s*-\s*|\s+|[._]|)"  # a person's name may also be run together
_REVERSED_GAP = r"(?>,?\s+|\s*-\s*|[._]|)"  # "Okafor, Jillian", "okafor.jillian"
_OPTIONAL_GAP = r"(?>\s*-?\s*)"
_POSSESSIVE = r"(?P<poss>'s(?!\w)|s'(?!\w)|')?"
_DIGITS = r"\d*"  # "JillianOkafor1985"


@dataclass(frozen=True, slots=True)
class NamePattern:
    """One way an entry may be written, and when a match of it counts."""

    regex: re.Pattern[str]
    loose: re.Pattern[str]  # the same without the boundary before: for spaced-out letters
    probe: str  # in the skeleton of every text this can match (see folding.skeleton)
    whole: bool  # the whole original (run together, reordered); False: one part alone
    common: bool  # an everyday word: counts only when written with a capital


def entry_patterns(
    original: str, *, person: bool, common_words: Collection[str] = frozenset()
) -> list[NamePattern]:
    """Every pattern for one original: the whole of it, and for a person's name of
    several words its reordered form and each part alone."""
    folded = " ".join(fold(original).split())
    words = re.findall(r"\w+", folded)
    if not words:
        return []
    probe = skeleton(max(words, key=len))
    patterns = [_named(_whole(folded, person=person), probe, whole=True)]
    if not person or len(words) < 2:
        return patterns
    reversed_form = _REVERSED_GAP.join(
        [_word(words[-1]), _JOINED_GAP.join(_word(w) for w in words[:-1])]
    )
    patterns.append(_named(_bounded(reversed_form), probe, whole=True))
    for word in dict.fromkeys(words):
        if len(word) < MIN_PART_LENGTH or word.isdigit():
            continue
        common = word in common_words
        patterns.append(_named(_bounded(_word(word)), skeleton(word), common=common))
    return patterns


def _named(
    regex: re.Pattern[str], probe: str, *, whole: bool = False, common: bool = False
) -> NamePattern:
    loose = re.compile(regex.pattern.removeprefix(BEFORE))
    return NamePattern(regex, loose, probe, whole, common)


def _bounded(body: str) -> re.Pattern[str]:
    return re.compile(f"{BEFORE}(?P<body>{body}){_DIGITS}{_POSSESSIVE}{AFTER}")


def _word(word: str) -> str:
    """One folded word, with stand-ins allowed for its letters (see the module's rules)."""
    if sum(c.isalpha() for c in word) < MIN_DISGUISE_LENGTH:
        return re.escape(word)
    short = len(word) < 4
    last = len(word) - 1
    pieces = []
    for index, char in enumerate(word):
        stand_ins = "" if short and index == 0 else _STAND_INS_FOR.get(char, "")
        if index in (0, last):
            stand_ins = stand_ins.replace("@", "")
        if char == "l" and index and not short:  # "JiIIian": a capital I for l
            stand_ins += "i"
        pieces.append(f"[{char}{re.escape(stand_ins)}]" if stand_ins else re.escape(char))
    return "".join(pieces)


def _whole(folded: str, *, person: bool) -> re.Pattern[str]:
    """The pattern for the whole original (folded, spaces collapsed)."""
    words = list(re.finditer(r"\w+", folded))
    lead = [c for c in folded[: words[0].start()] if not c.isspace()]
    pieces = [BEFORE, "(?P<body>"]
    pieces.extend(re.escape(c) + "?" for c in lead)  # "(North)": the bracket may be left out
    pieces.append(_word(words[0].group()))
    for index, word in enumerate(words[1:], start=1):
        between = folded[words[index - 1].end() : word.start()]
        pieces.append(_separator(between, person=person))
        pieces.append(_word(word.group()))
    tail = folded[words[-1].end() :]
    if tail.strip():
        pieces.extend(re.escape(c) + "?" for c in tail if not c.isspace())
        pieces.append(")" + AFTER)
    else:
        digits = _DIGITS if folded[-1].isalpha() else ""  # "Ward 7" is not "Ward 77"
        pieces.append(f"){digits}{_POSSESSIVE}{AFTER}")
    return re.compile("".join(pieces))


def _separator(between: str, *, person: bool) -> str:
    """How the text may join two words that ``between`` joins in the original.

    Spaces and hyphens become a gap of any whitespace (line breaks too) or a hyphen,
    and for a person's name also a dot, an underscore or nothing; punctuation becomes
    optional. Gaps are atomic, so a long run of spaces after a word costs no
    backtracking.
    """
    spaced = any(c.isspace() or c == "-" for c in between)
    punctuation = [c for c in between if not (c.isspace() or c == "-")]
    if not punctuation:
        if not spaced:
            return ""
        return _JOINED_GAP if person else _GAP
    if not spaced:  # "mary's", "o'brien": the apostrophe may be left out
        return "".join(re.escape(c) + "?" for c in punctuation)
    pieces = [_OPTIONAL_GAP]
    for char in between:
        if char.isspace() or char == "-":
            if pieces[-1] != _OPTIONAL_GAP:
                pieces.append(_OPTIONAL_GAP)
        else:
            pieces.append(re.escape(char) + "?")
    if pieces[-1] != _OPTIONAL_GAP:
        pieces.append(_OPTIONAL_GAP)
    return "".join(pieces)


def disguised_too_much(body: str) -> bool:
    """Whether a match has more stand-ins than letters ("70m" for "Tom")."""
    stand_ins = sum(c in STAND_INS for c in body)
    return stand_ins > 0 and stand_ins > sum(c.isalpha() for c in body)
