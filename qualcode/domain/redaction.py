"""Pseudonymisation: the identifier register applied to text, and leaks found after.

A project keeps a register of identifying words ("Jill Evans", "Thornleigh estate")
with the bracketed description that replaces each in anything exported
("[psychologist]", "[local area]"). :class:`Redactor` applies the register and then
checks text for what slipped through. It is pure standard library so that every
exporter can use it without a database.

How text is compared. Both the text and the registered originals are *folded* the
same way, one character at a time (:mod:`qualcode.domain.folding`): compatibility
form, accents dropped, case-folded, invisible characters (every format character,
grapheme joiners, variation selectors) dropped, look-alikes from other scripts made
the Latin letter they imitate (Unicode TR39: Cyrillic "Јillian" is "jillian"), curly
apostrophes made straight, hyphen-like dashes made "-". Matching runs on the folded
text and every match is mapped back to code point offsets in the text as given, so
"ZOË", "Zoe" and a decomposed "Zoë" are all the registered "Zoë", and offsets stay
true. Digits and signs written for letters ("Jillian0kafor", "J1ll1an") are allowed
by the patterns (:mod:`qualcode.domain.name_patterns`).

Rules of :meth:`Redactor.apply`:

- every registered original, in any case, between letters-or-digits boundaries, so
  "Ann" never hits "Anna", "planning" or "Annual" (an underscore, dot or "@" is a
  boundary: "okafor_j");
- the words of a multi-word original may be split by any run of whitespace (line
  breaks too) or by a hyphen, and hyphens may be written as spaces ("Jean Paul" is
  "Jean-Paul"); punctuation inside an original ("St. Mary's (North)") is optional
  in the text, so "St Marys North" is found too; digits may follow ("Jill1985");
- a person's name of several words covers more: its words run together or joined by
  a dot or underscore ("JillianOkafor", "jillian.okafor"), surname first ("Okafor,
  Jillian", "OkaforJillian"), and each word of three or more letters alone, in any
  case ("okafor") unless it is an everyday word (``common_words``: "Dawn", "Mark"),
  which counts alone only when written with a capital ("at dawn" is not a leak);
- a name written letter by letter ("J i l l i a n") counts as the name; an e-mail
  address or @handle with a name in it is replaced whole;
- a possessive is kept after the replacement: "Jill's" / "Jill’s" / "Jills'" become
  "[psychologist]'s" (the text's own apostrophe is kept, straight or curly);
- the longest match wins where originals overlap ("Jill Evans" before "Jill"), a
  whole original before a part of another name, and everything is replaced in one
  pass. A form that could be two entries with different replacements (a surname two
  registered people share) is not guessed: it is left, and find_leaks reports it;
- a square-bracketed span that equals a replacement ("[name]") is never touched, so
  ``apply(apply(x)) == apply(x)`` whenever no replacement contains an original (the
  service refuses such registers).

Rules of :meth:`Redactor.find_leaks` (run on the finished export):

- *registered* (whole originals and their forms) and *part* (a person's name's part
  alone): anything :meth:`apply` would still replace, and anything it left because
  the replacement was ambiguous;
- *variant*: a word written with a capital that starts with the same letter as a
  registered single-word original of four or more letters, has a similarity ratio
  (:func:`similarity`, 0..1) of at least 0.8 to it, and is one keyboard slip away
  (one edit under eight letters, two from eight: see :func:`edits`): "Jil",
  "Jilly" and "JILLS" for "Jill", "Brindelcomb" for "Brindlecombe", but not "Seven"
  for "Steve" (ratio 0.8, two edits). Originals under four letters are matched
  exactly only, so a registered "Ann" does not make "Anna" a leak (the other way
  round it is one: "Ann" is 0.86 like "Anna", one edit);
- *part* also: a variant (as above) of a part of four or more letters of a person's
  name ("Hendrey"). For places and organisations only the distinctive parts count,
  and only as written ("Kestrel", not "Park", "Centre", "Medical" ..., and not
  "Three" for "Tree"); apply leaves these to the researcher;
- words inside square brackets are never variants or parts (they are the
  researchers' own descriptions), though a registered original inside brackets
  that are not a replacement ("[Jill laughs]") is still reported.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from enum import StrEnum
from itertools import accumulate

from qualcode.domain.folding import fold, fold_with_offsets, skeleton
from qualcode.domain.name_patterns import (
    MIN_PART_LENGTH,
    NamePattern,
    disguised_too_much,
    entry_patterns,
)


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
CONTEXT = 30  # characters of context on each side of a leak
_MAX_PASSES = 8  # apply() goes again only where a replacement touches other letters


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

_BRACKETED = re.compile(r"\[[^\[\]]{0,300}\]")
_TOKEN = re.compile(r"\w+(?:'\w+)*")
_SPACE = re.compile(r"\s")
# An e-mail address or an @handle: the whole of it is the leak when a name is inside.
_ADDRESS = re.compile(
    r"(?<![\w+.\-])[\w+\-]+(?:\.[\w+\-]+)*@\w[\w\-]*(?:\.\w[\w\-]*)+|(?<![^\W_])@\w+(?:[.\-]\w+)*"
)
# Letters written apart ("J i l l i a n", "O. K. A."): read as one word.
_SPACED = re.compile(r"(?<![^\W_])[^\W_](?:(?:\. ?| )[^\W_]){2,}(?![^\W_])")
# What may lie between two parts of one name found separately ("J i l l i a n Okafor").
_NEIGHBOURS = re.compile(r"\s*-?\s*")


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


def similarity(a: str, b: str) -> float:
    """How alike two words are, 0..1 (difflib's ratio: 2 * matches / total length)."""
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _capitalised(word: str) -> bool:
    """Whether the first letter is a capital ("D4wn", "$andra": a stand-in may lead)."""
    if word[:1].isalpha():
        return word[0].isupper()
    return next((c.isupper() for c in word if c.isalpha()), False)


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
    whole: bool = True  # the whole original (reason "registered"), not one part alone
    rank: int = 0  # longer originals first, where two match the same span
    ambiguous: bool = False  # could be entries with different replacements: left as is


@dataclass(frozen=True, slots=True)
class _Compiled:
    entry: IdentifierEntry
    pattern: NamePattern
    rank: int


@dataclass(frozen=True, slots=True)
class _Step:
    """One pass of replacing: each replaced span as (old start, old end, new start,
    new end), in order. Text outside them only shifts."""

    spans: tuple[tuple[int, int, int, int], ...]
    starts: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "starts", tuple(span[0] for span in self.spans))

    def move(self, position: int, *, end: bool) -> int:
        # The last span starting at or before the position (for an end: before it, so
        # an end right at a name's start stays before the name).
        index = (bisect_left if end else bisect_right)(self.starts, position) - 1
        if index < 0:
            return position
        _, old_end, new_start, new_end = self.spans[index]
        if position < old_end or (end and position == old_end):
            return new_end if end else new_start
        return position + new_end - old_end


@dataclass(frozen=True, slots=True)
class RedactedText:
    """Text with the register applied, and how its positions moved.

    A position outside every replaced name moves by what was replaced before it. A
    start inside a replaced name (or at its start) moves to the start of the
    replacement, an end inside one (or at its end) to the replacement's end, so a
    selection keeps covering the same words: "Jill said" selected from the "i" of
    "Jill" covers "[name] said". A possessive kept after a replacement ("'s") is
    ordinary text, unless it was rewritten ("Jills'" to "[name]'s"), when it is part
    of the replaced name. Positions are code points, ends exclusive."""

    text: str
    steps: tuple[_Step, ...] = ()

    def start(self, position: int) -> int:
        for step in self.steps:
            position = step.move(position, end=False)
        return position

    def end(self, position: int) -> int:
        for step in self.steps:
            position = step.move(position, end=True)
        return position

    def span(self, start: int, end: int) -> tuple[int, int]:
        """A selection ``[start, end)`` moved; an empty one stays empty."""
        new_start = self.start(start)
        return (
            (new_start, new_start) if end <= start else (new_start, max(new_start, self.end(end)))
        )


class Redactor:
    """Applies a register to text and finds what identifies in text after that.

    ``common_words`` are everyday words in lower case: a part of a person's
    name that is one of them ("Dawn", "Mark") counts alone only when written with a
    capital. Empty, every part counts in any case.
    """

    def __init__(
        self,
        entries: Sequence[IdentifierEntry],
        *,
        ratio: Callable[[str, str], float] = similarity,
        threshold: float = VARIANT_RATIO,
        common_words: Collection[str] = frozenset(),
    ) -> None:
        self.entries = tuple(entries)
        self._ratio = ratio
        self._threshold = threshold
        # Not folded word by word: a dictionary has 80,000 words, a register a few parts.
        common = common_words if isinstance(common_words, (set, frozenset)) else set(common_words)
        # Patterns grouped by probe: a text without the probe cannot match any of them.
        groups: dict[str, list[_Compiled]] = {}
        ordered = sorted(self.entries, key=lambda e: -len(fold(e.original).strip()))
        for rank, entry in enumerate(ordered):
            person = entry.kind == IdentifierKind.PERSON
            for pattern in entry_patterns(entry.original, person=person, common_words=common):
                groups.setdefault(pattern.probe, []).append(_Compiled(entry, pattern, rank))
        self._groups = list(groups.items())
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
        """``text`` with every registered original replaced (see the module's rules).

        A form that could be either of two entries with different replacements is
        left as written (and :meth:`find_leaks` reports it)."""
        return self.apply_mapped(text).text

    def apply_mapped(self, text: str) -> RedactedText:
        """What :meth:`apply` gives, with a way to move positions in ``text`` to the
        same words in the result (see :class:`RedactedText`)."""
        steps: list[_Step] = []
        result = text
        for result, step in self._passes(text):  # noqa: B007 (the last text is the result)
            steps.append(step)
        return RedactedText(result, tuple(steps))

    def _passes(self, text: str) -> Iterator[tuple[str, _Step]]:
        """The text after each pass of replacing, with where that pass replaced what."""
        for _ in range(_MAX_PASSES):
            matches = [m for m in self._matches(text) if not m.ambiguous]
            if not matches:
                return
            replaced, step = self._replaced(text, matches)
            yield replaced, step
            # A replacement right against other letters changes what they are next to
            # ("Jillians'Jillian": "Jillians'" is a possessive before "[name]" only):
            # go again, so that applying twice changes nothing.
            if not any(_touching(text, m) for m in matches):
                return
            text = replaced

    @staticmethod
    def _replaced(text: str, matches: list[_Match]) -> tuple[str, _Step]:
        out: list[str] = []
        spans: list[tuple[int, int, int, int]] = []
        position = written = 0
        for match in matches:
            out.append(text[position : match.start])
            written += match.start - position
            name_end = match.end - len(match.possessive)
            spans.append((match.start, name_end, written, written + len(match.entry.replacement)))
            written += len(match.entry.replacement)
            out.append(match.entry.replacement)
            kept = _possessive(match.possessive)
            if kept != match.possessive:  # "Jills'" became "[name]'s": one piece
                start, _, new_start, _ = spans.pop()
                spans.append((start, match.end, new_start, written + len(kept)))
            out.append(kept)
            written += len(kept)
            position = match.end
        out.append(text[position:])
        return "".join(out), _Step(tuple(spans))

    def _protected(self, text: str) -> list[tuple[int, int]]:
        """Bracketed spans that are themselves replacements: never touched."""
        if "[" not in text:
            return []
        return [
            (m.start(), m.end())
            for m in _BRACKETED.finditer(text)
            if " ".join(fold(m.group()).split()) in self._replacements
        ]

    def _matches(
        self, text: str, folded: str | None = None, origin: list[int] | None = None
    ) -> list[_Match]:
        """Every span to replace (or refuse, if ambiguous), in order, not overlapping."""
        if not self._groups:
            return []
        if folded is None or origin is None:
            folded, origin = fold_with_offsets(text)
        found = self._found(text, folded, origin)
        if not found:
            return []
        chosen = _resolve(found, self._protected(text))
        if "@" in folded:
            chosen = _whole_addresses(chosen, folded, origin)
        return _join_neighbours(chosen, text)

    def _found(self, text: str, folded: str, origin: list[int]) -> list[_Match]:
        found: list[_Match] = []
        shape = skeleton(folded)
        for probe, group in self._groups:
            if probe not in shape:
                continue
            for compiled in group:
                for m in compiled.pattern.regex.finditer(folded):
                    start, end = origin[m.start()], origin[m.end() - 1] + 1
                    match = _accept(m, compiled, text, start, end)
                    if match is not None:
                        found.append(match)
        if " " in folded or "." in folded:
            found.extend(self._spaced(text, folded, origin))
        return found

    def _spaced(self, text: str, folded: str, origin: list[int]) -> list[_Match]:
        """Names written letter by letter ("J i l l i a n"), read as one word."""
        found: list[_Match] = []
        for run in _SPACED.finditer(folded):
            at = [i for i in range(run.start(), run.end()) if folded[i].isalnum()]
            word = "".join(folded[i] for i in at)
            shape = skeleton(word)
            for probe, group in self._groups:
                if probe not in shape:
                    continue
                for compiled in group:
                    # a run is one word: a name may start inside it ("a J i l l")
                    for m in compiled.pattern.loose.finditer(word):
                        start, end = origin[at[m.start()]], origin[at[m.end() - 1]] + 1
                        match = _accept(m, compiled, text, start, end)
                        if match is not None:
                            found.append(match)
        return found

    # -- checking -----------------------------------------------------------------------

    def find_leaks(self, text: str) -> list[Leak]:
        """Everything in ``text`` that still gives a registered identifier away."""
        folded, origin = fold_with_offsets(text)
        leaks = [
            self._leak(text, m.start, m.end, m.entry.original, _reason(m))
            for m in self._matches(text, folded, origin)
        ]
        taken = [(leak.start, leak.end) for leak in leaks]
        if self._forms:
            leaks.extend(self._variant_leaks(text, folded, origin, taken))
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

    def _variant_leaks(
        self, text: str, folded: str, origin: list[int], taken: list[tuple[int, int]]
    ) -> list[Leak]:
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


def _touching(text: str, match: _Match) -> bool:
    """Whether a match has a letter, digit or apostrophe right before or after it."""
    before = text[match.start - 1 : match.start]
    after = text[match.end : match.end + 1]
    return any(c.isalnum() or c in "'_" or fold(c) == "'" for c in before + after)


def _reason(match: _Match) -> str:
    return "registered" if match.whole else "part"


def _accept(
    m: re.Match[str], compiled: _Compiled, text: str, start: int, end: int
) -> _Match | None:
    """The match as a span of ``text``, unless it does not count: an everyday word
    written in lower case, or more digits than letters ("70m" is not "Tom")."""
    pattern = compiled.pattern
    if pattern.common and not _capitalised(text[start:end]):
        return None
    if disguised_too_much(m.group("body")):
        return None
    possessive = m.group("poss") or "" if "poss" in m.re.groupindex else ""
    if possessive:  # the text's own apostrophe, straight or curly
        possessive = text[end - len(possessive) : end]
    return _Match(start, end, compiled.entry, possessive, pattern.whole, compiled.rank)


def _resolve(found: list[_Match], blocked: list[tuple[int, int]]) -> list[_Match]:
    """The matches to use: the earliest, then the longest, then a whole original before
    a part of another. Where entries with different replacements match the same span
    the same way, the span is kept but marked ambiguous."""
    found.sort(key=lambda m: (m.start, m.start - m.end, not m.whole, m.rank))
    block_starts = [a for a, _ in blocked]  # in order, not overlapping
    chosen: list[_Match] = []
    reach = 0
    index = 0
    while index < len(found):
        match = found[index]
        same = index + 1
        while same < len(found) and _same_span(found[same], match):
            same += 1
        replacements = {m.entry.replacement for m in found[index:same]}
        index = same
        if match.start < reach:
            continue
        before = bisect_left(block_starts, match.end)  # the last block starting before the end
        if before and blocked[before - 1][1] > match.start:
            continue
        if len(replacements) > 1:
            match = replace(match, ambiguous=True)
        chosen.append(match)
        reach = match.end
    return chosen


def _same_span(a: _Match, b: _Match) -> bool:
    return a.start == b.start and a.end == b.end and a.whole == b.whole


def _whole_addresses(chosen: list[_Match], folded: str, origin: list[int]) -> list[_Match]:
    """An e-mail address or @handle with a name in it is replaced (or refused) whole."""
    out: list[_Match] = []
    index = 0
    for address in _ADDRESS.finditer(folded):
        start, end = origin[address.start()], origin[address.end()]
        while index < len(chosen) and chosen[index].end <= start:
            out.append(chosen[index])
            index += 1
        inside: list[_Match] = []
        while index < len(chosen) and chosen[index].start < end:
            inside.append(chosen[index])
            index += 1
        if not inside:
            continue
        if out and out[-1].end > min(start, inside[0].start):  # overlaps the last one
            out.extend(inside)
            continue
        ambiguous = any(m.ambiguous for m in inside) or (
            len({m.entry.replacement for m in inside}) > 1
        )
        start, end = min(start, inside[0].start), max(end, inside[-1].end)
        out.append(_Match(start, end, inside[0].entry, "", True, inside[0].rank, ambiguous))
    out.extend(chosen[index:])
    return out


def _join_neighbours(chosen: list[_Match], text: str) -> list[_Match]:
    """Parts of one name found apart ("J i l l i a n Okafor") become one span, so the
    name is replaced once."""
    joined: list[_Match] = []
    for match in chosen:
        last = joined[-1] if joined else None
        if (
            last is not None
            and last.entry == match.entry
            and not (last.ambiguous or match.ambiguous or last.possessive)
            and _NEIGHBOURS.fullmatch(text, last.end, match.start)
        ):
            joined[-1] = replace(last, end=match.end, possessive=match.possessive, whole=True)
        else:
            joined.append(match)
    return joined


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
