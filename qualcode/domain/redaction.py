"""Pseudonymisation: the identifier register applied to text, and leaks found after.

A project keeps a register of identifying words ("Jill Evans", "Thornleigh estate")
with the bracketed description that replaces each in anything exported
("[psychologist]", "[local area]"). :class:`Redactor` applies the register and then
checks text for what slipped through. It is pure standard library so that every
exporter can use it without a database.

How text is compared. Both the text and the registered originals are *folded* one
character at a time: compatibility-decomposed, accents dropped, case-folded, curly
apostrophes made straight, hyphen-like dashes made "-", invisible characters (soft
hyphens, zero-width spaces) dropped. Matching runs on the folded text and every
match is mapped back to code point offsets in the text as given, so "ZOË", "Zoe"
and a decomposed "Zoë" are all the registered "Zoë", and offsets stay true.

Rules of :meth:`Redactor.apply`:

- every registered original, in any case, on word boundaries (Unicode ``\\w``), so
  "Ann" never hits "Anna", "planning" or "Annual";
- the words of a multi-word original may be split by any run of whitespace (line
  breaks too) or by a hyphen, and hyphens may be written as spaces ("Jean Paul" is
  "Jean-Paul"); punctuation inside an original ("St. Mary's (North)") is optional
  in the text, so "St Marys North" is found too;
- a possessive is kept after the replacement: "Jill's" / "Jill’s" / "Jills'" become
  "[psychologist]'s" (the text's own apostrophe is kept, straight or curly);
- the longest match wins where originals overlap ("Jill Evans" before "Jill"), and
  everything is replaced in one pass;
- a square-bracketed span that equals a replacement ("[name]") is never touched, so
  ``apply(apply(x)) == apply(x)`` whenever no replacement contains an original (the
  service refuses such registers).

Rules of :meth:`Redactor.find_leaks` (run on the finished export):

- *registered*: anything :meth:`apply` would still replace, in any case or spacing;
- *variant*: a word written with a capital that starts with the same letter as a
  registered single-word original of four or more letters, has a similarity ratio
  (:func:`similarity`, 0..1) of at least 0.8 to it, and is one keyboard slip away
  (one edit under eight letters, two from eight: see :func:`edits`): "Jil",
  "Jilly" and "JILLS" for "Jill", "Brindelcomb" for "Brindlecombe", but not "Seven"
  for "Steve" (ratio 0.8, two edits). Originals under four letters are matched
  exactly only, so a registered "Ann" does not make "Anna" a leak (the other way
  round it is one: "Ann" is 0.86 like "Anna", one edit);
- *part*: for a person's multi-word name, each part of three or more letters alone,
  when written with a capital ("Hendry", "Dawn"), or a variant (as above) of a part
  of four or more letters; a lower-case "at dawn" is not a leak. For places and
  organisations only the distinctive parts count, and only as written ("Kestrel",
  not "Park", "Centre", "Medical" ..., and not "Three" for "Tree");
- words inside square brackets are never variants or parts (they are the
  researchers' own descriptions), though a registered original inside brackets
  that are not a replacement ("[Jill laughs]") is still reported.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum
from functools import lru_cache
from itertools import accumulate


class IdentifierKind(StrEnum):
    PERSON = "person"
    PLACE = "place"
    ORGANISATION = "organisation"
    OTHER = "other"


IDENTIFIER_KINDS: tuple[str, ...] = tuple(kind.value for kind in IdentifierKind)

# The replacement proposed for a new identifier of each kind.
DEFAULT_REPLACEMENTS: dict[str, str] = {
    IdentifierKind.PERSON: "[name]",
    IdentifierKind.PLACE: "[local area]",
    IdentifierKind.ORGANISATION: "[organisation]",
    IdentifierKind.OTHER: "[identifier]",
}

VARIANT_RATIO = 0.8  # how close a capitalised word must be to count as a spelling variant
MIN_VARIANT_LENGTH = 4  # originals (and name parts) shorter than this match exactly only
MIN_PART_LENGTH = 3  # shorter parts of a person's name ("Al", "Jo") are not checked alone
CONTEXT = 30  # characters of context on each side of a leak


def _words(text: str) -> list[str]:
    """A word list written as one string, for the tables below."""
    return text.split()


# Parts of place and organisation names that say nothing about which one it is.
GENERIC_PARTS = frozenset(
    _words(
        """
    a an and at avenue borough bridge care centre center church city clinic close
    community council county court crescent drive east estate farm fields general
    green grove hall health hill hospital house lane lodge manor medical mental
    mill moor mount national new north of old park place practice primary project
    road royal saint school service services south square st station street surgery
    team the tower town trust unit upper lower village view wards ward way west
    women women's womens mens men's partnership partnerships board group network
    foundation charity association hub alliance forum collective programme program
    housing homes homeless recovery support advice
    """
    )
)

_APOSTROPHES = "'\u2019\u2018\u02bc\u2032\u0060\u00b4"
_HYPHENS = "-\u2010\u2011\u2012\u2013\u2212\ufe63\uff0d"
_INVISIBLE = {"\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}
_ASCII_SPECIAL = "`"  # the one ASCII character that folds to something else (')
_GAP = r"(?>\s*-\s*|\s+)"  # between the words of a multi-word original
_OPTIONAL_GAP = r"(?>\s*-?\s*)"
_POSSESSIVE = r"(?P<poss>'s(?!\w)|s'(?!\w)|')?"
_BRACKETED = re.compile(r"\[[^\[\]]{0,300}\]")
_TOKEN = re.compile(r"\w+(?:'\w+)*")
_SPACE = re.compile(r"\s")


# --- records -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IdentifierEntry:
    """One line of the register: what identifies someone and what replaces it."""

    original: str
    replacement: str
    kind: str = "other"  # person, place, organisation, other
    uuid: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Leak:
    """Something in checked text that still identifies.

    ``start``/``end`` are code point offsets into the text checked; ``context`` is
    about 30 characters either side with line breaks shown as spaces.
    """

    original: str  # the registered original it gives away
    found: str  # the text as written
    start: int
    end: int
    context: str
    reason: str = "registered"  # registered, variant or part


@dataclass(frozen=True, slots=True)
class LocatedLeak:
    """A leak in a checked file, with where it is ("paragraph 12", "line 40")."""

    location: str
    leak: Leak


@dataclass(frozen=True, slots=True)
class IdentifierSuggestion:
    """A word or phrase in the sources that looks like it identifies someone."""

    text: str
    kind: str
    count: int
    sources: tuple[str, ...]
    variants: tuple[str, ...]
    reason: str
    replacement: str


# --- folding -----------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    if char in _INVISIBLE:
        return ""
    if char in _APOSTROPHES:
        return "'"
    if char in _HYPHENS:
        return "-"
    if char.isascii():
        return char.lower()
    decomposed = unicodedata.normalize("NFKD", char)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = bare.casefold()
    return "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Text as compared: no accents, case-folded, one kind of apostrophe and hyphen."""
    return "".join(_fold_char(c) for c in text)


def _fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the index it came from.

    The list has one extra entry, ``len(text)``, so a match end maps back too.
    """
    # Fast path: plain ASCII folds to lower case one for one (reports run this on
    # tens of thousands of quotes; the per-character path is 50 times slower).
    if text.isascii() and not any(c in text for c in _ASCII_SPECIAL):
        return text.lower(), list(range(len(text) + 1))
    # Curly quotes, dashes and accented letters each fold to one character: translate.
    special = {c for c in set(text) if not c.isascii()} | (set(_ASCII_SPECIAL) & set(text))
    table = {ord(c): _fold_char(c) for c in special}
    if all(len(folded) == 1 for folded in table.values()):
        return text.translate(table).lower(), list(range(len(text) + 1))
    parts: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        parts.append(folded)
        origin.extend([index] * len(folded))
    origin.append(len(text))
    return "".join(parts), origin


def similarity(a: str, b: str) -> float:
    """How alike two words are, 0..1 (difflib's ratio: 2 * matches / total length)."""
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


# --- patterns ----------------------------------------------------------------------


def _pattern(original: str) -> re.Pattern[str] | None:
    """The regular expression finding ``original`` in folded text (None if no words)."""
    folded = " ".join(fold(original).split())
    words = list(re.finditer(r"\w+", folded))
    if not words:
        return None
    lead = [c for c in folded[: words[0].start()] if not c.isspace()]
    first = re.escape(words[0].group())
    if lead:  # "(North)": the opening bracket may be left out
        pieces = [r"(?<!\w)", *(re.escape(c) + "?" for c in lead), first]
    else:  # the literal first, so the regex engine can skip ahead to it quickly
        pieces = [first, rf"(?<!\w{first})"]
    for index, word in enumerate(words[1:], start=1):
        pieces.append(_separator(folded[words[index - 1].end() : word.start()]))
        pieces.append(re.escape(word.group()))
    tail = folded[words[-1].end() :]
    if tail.strip():
        pieces.extend(re.escape(c) + "?" for c in tail if not c.isspace())
        pieces.append(r"(?!\w)")
    else:
        pieces.append(_POSSESSIVE + r"(?!\w)")
    return re.compile("".join(pieces))


def _separator(between: str) -> str:
    """How the text may join two words that ``between`` joins in the original.

    Spaces and hyphens become a gap of any whitespace (line breaks too) or a hyphen;
    punctuation becomes optional. Gaps are atomic, so a long run of spaces after a
    word costs no backtracking.
    """
    spaced = any(c.isspace() or c == "-" for c in between)
    punctuation = [c for c in between if not (c.isspace() or c == "-")]
    if not punctuation:
        return _GAP if spaced else ""
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


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


@dataclass(frozen=True, slots=True)
class _Form:
    """A word whose close variants (or, for a name's part, its bare use) leak an entry."""

    entry: IdentifierEntry
    folded: str
    exact: bool  # the word alone is a leak (a part of a multi-word name)
    fuzzy: bool  # close spellings are leaks
    reason: str


@dataclass(frozen=True, slots=True)
class _Match:
    start: int
    end: int
    entry: IdentifierEntry
    possessive: str


class Redactor:
    """Applies a register to text and finds what identifies in text after that."""

    def __init__(
        self,
        entries: Sequence[IdentifierEntry],
        *,
        ratio: Callable[[str, str], float] = similarity,
        threshold: float = VARIANT_RATIO,
    ) -> None:
        self.entries = tuple(entries)
        self._ratio = ratio
        self._threshold = threshold
        compiled = []
        for entry in sorted(self.entries, key=lambda e: -len(fold(e.original).strip())):
            pattern = _pattern(entry.original)
            if pattern is not None:
                probe = re.search(r"\w+", fold(entry.original))
                compiled.append((entry, pattern, probe.group() if probe else ""))
        self._patterns = compiled
        self._replacements = {
            " ".join(fold(e.replacement).split()) for e in self.entries if e.replacement.strip()
        }
        self._forms = self._variant_forms()
        initials = "".join(sorted({form.folded[0] for form in self._forms}))
        self._candidates = re.compile(
            rf"(?<!\w)(?=[{re.escape(initials)}])(?:{_TOKEN.pattern})" if initials else r"(?!)"
        )
        self._originals = {" ".join(fold(e.original).split()) for e in self.entries}

    # -- applying -----------------------------------------------------------------------

    def apply(self, text: str) -> str:
        """``text`` with every registered original replaced (see the module's rules)."""
        matches = self._matches(text)
        if not matches:
            return text
        out: list[str] = []
        position = 0
        for match in matches:
            out.append(text[position : match.start])
            out.append(match.entry.replacement)
            out.append(_possessive(match.possessive))
            position = match.end
        out.append(text[position:])
        return "".join(out)

    def _protected(self, text: str) -> list[tuple[int, int]]:
        """Bracketed spans that are themselves replacements: never touched."""
        return [
            (m.start(), m.end())
            for m in _BRACKETED.finditer(text)
            if " ".join(fold(m.group()).split()) in self._replacements
        ]

    def _matches(self, text: str) -> list[_Match]:
        if not self._patterns:
            return []
        folded, origin = _fold_with_offsets(text)
        found: list[tuple[int, int, int, _Match]] = []
        for rank, (entry, pattern, probe) in enumerate(self._patterns):
            if probe not in folded:  # every match holds the first word as it is
                continue
            for m in pattern.finditer(folded):
                start, end = origin[m.start()], origin[m.end()]
                poss = m.groupdict().get("poss")
                possessive = text[origin[m.start("poss")] : end] if poss else ""
                found.append((start, -(end - start), rank, _Match(start, end, entry, possessive)))
        found.sort(key=lambda item: item[:3])
        blocked = self._protected(text)
        chosen: list[_Match] = []
        reach = 0
        for start, _, _, match in found:
            if start < reach or any(a < match.end and start < b for a, b in blocked):
                continue
            chosen.append(match)
            reach = match.end
        return chosen

    # -- checking -----------------------------------------------------------------------

    def find_leaks(self, text: str) -> list[Leak]:
        """Everything in ``text`` that still gives a registered identifier away."""
        leaks = [
            self._leak(text, m.start, m.end, m.entry.original, "registered")
            for m in self._matches(text)
        ]
        taken = [(leak.start, leak.end) for leak in leaks]
        if self._forms:
            leaks.extend(self._variant_leaks(text, taken))
        leaks.sort(key=lambda leak: (leak.start, leak.end))
        return leaks

    def _variant_forms(self) -> list[_Form]:
        forms: list[_Form] = []
        for entry in self.entries:
            words = re.findall(r"\w+", fold(entry.original))
            if len(words) == 1:
                if len(words[0]) >= MIN_VARIANT_LENGTH:
                    forms.append(_Form(entry, words[0], False, True, "variant"))
                continue
            person = entry.kind == IdentifierKind.PERSON
            for word in words:
                if len(word) < MIN_PART_LENGTH or word.isdigit():
                    continue
                if not person and (word in GENERIC_PARTS or len(word) < MIN_VARIANT_LENGTH):
                    continue
                fuzzy = person and len(word) >= MIN_VARIANT_LENGTH  # "Three" is not "Tree"
                forms.append(_Form(entry, word, True, fuzzy, "part"))
        return forms

    def _variant_leaks(self, text: str, taken: list[tuple[int, int]]) -> list[Leak]:
        folded, origin = _fold_with_offsets(text)
        brackets = [(origin[m.start()], origin[m.end()]) for m in _BRACKETED.finditer(folded)]
        skip = sorted(taken + brackets)
        skip_starts = [a for a, _ in skip]
        reach = list(accumulate((b for _, b in skip), max))  # furthest end so far
        verdicts: dict[str, _Form | None] = {}
        leaks: list[Leak] = []
        # Only words starting like some registered word can give one away: the regex
        # skips the rest in C (a 20,000-quote report has millions of words).
        for token in self._candidates.finditer(folded):
            word = _strip_possessive(token.group())
            start, end = origin[token.start()], origin[token.end()]
            if not _capitalised(text[start:end]):
                continue
            before = bisect_left(skip_starts, end)  # spans starting before this token ends
            if before and reach[before - 1] > start:
                continue
            if word not in verdicts:
                verdicts[word] = self._closest(word)
            form = verdicts[word]
            if form is not None:
                leaks.append(self._leak(text, start, end, form.entry.original, form.reason))
        return leaks

    def _closest(self, word: str) -> _Form | None:
        """The entry this capitalised word gives away, if any."""
        if word in self._originals:  # another entry's whole original: not a variant
            return None
        best: tuple[float, _Form] | None = None
        for form in self._forms:
            if word == form.folded and form.exact:
                return form
            if not form.fuzzy or word[:1] != form.folded[:1]:
                continue
            if len(word) < MIN_PART_LENGTH or not _lengths_allow(word, form.folded):
                continue
            score = self._ratio(word, form.folded)
            if score < self._threshold or not _few_edits(word, form.folded):
                continue
            if best is None or score > best[0]:
                best = (score, form)
        return best[1] if best else None

    @staticmethod
    def _leak(text: str, start: int, end: int, original: str, reason: str) -> Leak:
        context = _SPACE.sub(" ", text[max(0, start - CONTEXT) : end + CONTEXT])
        return Leak(original, text[start:end], start, end, context, reason)


def edits(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions count once)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, y in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _few_edits(word: str, original: str) -> bool:
    """A slip of the keyboard, not another word: one edit for names under eight
    letters ("Jil", "Jilly", "Hendrey"), two for longer ones ("Brindelcomb").

    Without this a ratio of 0.8 alone makes "Seven" a spelling of "Steve" and
    "Mine" one of "Maxine".
    """
    return edits(word, original) <= (1 if min(len(word), len(original)) < 8 else 2)


def _lengths_allow(a: str, b: str) -> bool:
    """Whether two lengths leave room for a ratio of at least VARIANT_RATIO at all."""
    shorter, longer = sorted((len(a), len(b)))
    return 2 * shorter >= VARIANT_RATIO * (shorter + longer)


def _strip_possessive(word: str) -> str:
    if word.endswith("'s"):
        return word[:-2]
    return word


def _possessive(written: str) -> str:
    """The possessive kept after a replacement, in the text's own apostrophe.

    "'s" and "’s" stay as written, "s'" (as in "Jills'") becomes "'s", and a bare
    apostrophe (a closing quote, or "James'") is kept as it is.
    """
    if len(written) == 2 and written[0] in "sS":
        return written[1] + written[0]
    return written


def default_replacement(kind: str) -> str:
    """The bracketed description proposed for a new identifier of ``kind``."""
    return DEFAULT_REPLACEMENTS.get(kind, DEFAULT_REPLACEMENTS[IdentifierKind.OTHER])
