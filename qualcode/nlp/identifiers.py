"""Finding words in transcripts that may identify someone, for the identifier register.

Nothing is redacted here: the researcher reviews each suggestion and registers it
(or not). Recall matters more than precision, since a missed name can harm a
participant and a wrong suggestion costs one keypress, but each suggestion says why
it was made so that the list is quick to review.

Signals, on any pipeline:

- *runs of capitalised words* that are not common words: a word counts as a name
  when it is written with a capital, is never written in lower case anywhere in the
  corpus, is not a codebook word, a role label ("Interviewer"), a day, month or
  nation, and is not only ever seen at the start of a sentence ("Dawn Hendry",
  "Hartwell", "Castlegate Medical Centre");
- *speaker labels that are names*: captions from a video call carry people's real
  display names ("Helen Brook"), and others mention them ("Because Imran wasn't
  there"); labels that name a role ("Interviewer", "Peer researcher", "P2", "Q")
  are not suggested;
- *titles*: "Dr Okonjo", "Dr. Fenwick", "Mrs Bell", "Nurse Amy";
- *place and organisation words*: a capitalised name followed by "estate", "Road",
  "House", "Centre", "Ward" ... ("Thornleigh estate", "Elmfield House");
- the researcher's own *places list*, matched in any case;
- spaCy's named entities (PERSON, GPE, LOC, FAC, ORG) when the pipeline has an
  ``ner`` component (the default blank pipeline has none: see
  :func:`identifier_pipeline`).

Participants' pseudonyms ("Dean", "Marie") are never suggested, wherever they occur:
they are the names reports attribute quotes to, chosen to be published.


Spelling variants ("Jil", "Jill's") are grouped under the most frequent spelling
with RapidFuzz, and anything already registered (``known``) is left out.
"""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from qualcode.domain.folding import fold
from qualcode.domain.redaction import (
    IdentifierEntry,
    IdentifierKind,
    IdentifierSuggestion,
    Redactor,
    default_replacement,
)

log = logging.getLogger(__name__)

PERSON, PLACE, ORGANISATION, OTHER = (
    IdentifierKind.PERSON.value,
    IdentifierKind.PLACE.value,
    IdentifierKind.ORGANISATION.value,
    IdentifierKind.OTHER.value,
)

# Speaker labels that name a role in the conversation, not a person (optionally
# numbered: "Participant 2", "P2", "Speaker 1").
ROLE_LABEL = re.compile(
    r"^(?:(?:peer |lead |co-?)?(?:interviewer|researcher|facilitator|moderator)|"
    r"participants?|respondent|interviewee|speaker|note[- ]?taker|chair|host|"
    r"unknown|inaudible|all|group|several|various|everyone|[a-z])\s*\d*$",
    re.IGNORECASE,
)
# Lower-case words that belong inside names ("Ludwig van Beethoven", "Ana de Souza").
NAME_PARTICLES = frozenset(
    {"van", "von", "de", "da", "di", "du", "del", "della", "le", "la", "bin", "ibn", "al"}
)
# Short capitals ("IV", "PR1") are role codes or initials; "Jo" and "Ed" are names.
ROLE_CODE = re.compile(r"^[A-Z]{2,3}\s*\d*$")


def is_role_label(label: str) -> bool:
    """Whether a speaker label names a role ("Interviewer", "P2", "Housing lead")
    rather than a person: a name's words all start with a capital."""
    label = " ".join(label.split())
    words = re.findall(r"[^\W\d_][\w'’-]*", label)
    return (
        bool(ROLE_LABEL.match(label) or ROLE_CODE.match(label))
        or not words
        or any(w[0].islower() for w in words if w.casefold() not in NAME_PARTICLES)
    )


NER_KINDS = {
    "PERSON": PERSON,
    "PER": PERSON,
    "GPE": PLACE,
    "LOC": PLACE,
    "FAC": PLACE,
    "ORG": ORGANISATION,
}


def _words(text: str) -> list[str]:
    """A word list written as one string, for the tables below."""
    return text.split()


TITLES = frozenset(
    _words(
        """
    dr doctor mr mrs ms miss mx nurse sister matron prof professor father rev reverend
    councillor cllr pc dc sgt sergeant inspector judge auntie aunty uncle
    """
    )
)


# A word that ends a place or organisation name, and which of the two it makes.
SUFFIX_KINDS: dict[str, str] = {
    **dict.fromkeys(
        _words("""
        estate road street lane avenue close crescent drive grove park moor green
        square terrace way hill court gardens fields village
        """),
        PLACE,
    ),
    **dict.fromkeys(
        _words("""
        house centre center ward hospital surgery practice clinic hostel unit project
        council school college academy church mosque lodge partnership trust network
        foundation association society alliance collective hub cafe shelter mission
        hotel pub
        """),
        ORGANISATION,
    ),
}

# Words written with a capital that do not identify anyone.
NOT_IDENTIFYING = frozenset(
    _words("""
    i i'm i've i'd i'll ok okay mum mam dad nan nana grandad mummy daddy god jesus
    monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    christmas easter ramadan eid diwali xmas
    english british scottish welsh irish european polish
    england scotland wales britain uk europe ireland
    covid coronavirus brexit
    internet zoom teams whatsapp facebook google twitter instagram youtube tiktok
    sir madam
    """)
)

# Words before a name that suggest it names a place.
PLACE_PREPOSITIONS = frozenset(_words("in from near around round across outside towards"))
# Endings of English place names ("Brindlecombe", "Hartwell", "Redmoor").
PLACE_ENDINGS = (
    "combe", "brook", "moor", "well", "leigh", "ton", "ford", "ham", "field", "wick",
    "bury", "borough", "caster", "chester", "mouth", "stead", "gate", "dale", "thorpe",
    "by", "burn", "bridge", "stow", "minster", "pool", "port", "ley",
)  # fmt: skip
CONNECTORS = frozenset({"of", "'s", "\u2019s", "-"})
SAINTS = frozenset({"st", "saint"})
OPENERS = frozenset({"]", ":", "(", '"', "\u201c", "'", "\u2018", "-", "\u2013", "\u2014", "..."})
INTERJECTIONS = frozenset(
    _words(
        "aww aw ooh oo blimey wow gosh bless cheers ta hiya argh ugh eh aye nah yeah yep "
        "mm hmm erm um uh oh ah ha haha bye hi hello thanks"
    )
)
# Endings of ordinary English words ("Totally", "Retraumatising", "Sustainability").
ENGLISH_ENDINGS = (
    "ly", "ing", "ity", "ive", "ent", "ous", "ness", "ment", "tion", "sion", "able",
    "ible", "ful", "less", "ism", "ist", "ise", "ize", "ised", "ized", "ance", "ence",
)  # fmt: skip
_WORDISH = re.compile(r"[^\W\d_]", re.UNICODE)
VARIANT_SCORE = 80.0  # RapidFuzz ratio (0-100) for two spellings to be one identifier


@dataclass
class _Candidate:
    kind_votes: Counter[str] = field(default_factory=Counter)
    spellings: Counter[str] = field(default_factory=Counter)
    sources: set[str] = field(default_factory=set)
    reasons: list[str] = field(default_factory=list)
    count: int = 0

    def add(self, written: str, kind: str, source: str, reason: str) -> None:
        self.spellings[written] += 1
        self.kind_votes[kind] += 1
        self.sources.add(source)
        if not any(reason in seen or seen in reason for seen in self.reasons):
            self.reasons.append(reason)
        self.count += 1

    def merge(self, other: _Candidate) -> None:
        self.kind_votes.update(other.kind_votes)
        self.spellings.update(other.spellings)
        self.sources |= other.sources
        self.reasons.extend(r for r in other.reasons if r not in self.reasons)
        self.count += other.count

    @property
    def text(self) -> str:
        return self.spellings.most_common(1)[0][0]

    @property
    def kind(self) -> str:
        votes = self.kind_votes
        for kind in (ORGANISATION, PLACE, PERSON):  # a suffix or title outvotes a guess
            if votes.get(f"!{kind}"):
                return kind
        if not votes:
            return OTHER
        return max(
            (k for k in votes if not k.startswith("!")), key=lambda k: votes[k], default=OTHER
        )


@lru_cache(maxsize=2)
def identifier_pipeline(name: str | None = None) -> Any:
    """A pipeline for finding identifiers: the named installed one *with* its entity
    recogniser if it has one, else the blank pipeline the suggestions use."""
    from qualcode.nlp.pipeline import BLANK, Pipeline, load_pipeline

    if name and name != BLANK:
        import spacy  # deferred: spaCy takes a second to import

        if spacy.util.is_package(name):
            try:
                nlp = spacy.load(name, exclude=["textcat", "textcat_multilabel"])
                return Pipeline(nlp, name)
            except Exception as error:  # a broken install should not stop the check
                log.warning("could not load spaCy pipeline %s: %s", name, error)
    return load_pipeline(None)


def suggest_identifiers(
    texts: Sequence[tuple[str, str]],
    pipeline: Any,
    *,
    known: Sequence[str],
    codebook_words: set[str],
    places: Sequence[str] = (),
    speakers: Mapping[str, Sequence[str]] | Sequence[str] = (),
    pseudonyms: Iterable[str] = (),
) -> list[IdentifierSuggestion]:
    """Words and phrases in ``texts`` ((source name, text) pairs) that look identifying.

    ``known`` are the originals already registered (left out, and blanked before
    looking so a registered "Jill" leaves a bare "Evans" to be suggested);
    ``codebook_words`` are never suggested; ``speakers`` are the speaker labels (with
    the sources each speaks in, when known): a label that is a name is suggested as a
    person, one that names a role is never suggested; ``places`` are the researcher's
    own place names, found in any case; ``pseudonyms`` are participants' pseudonyms,
    never suggested (as speaker labels or in the text). Sorted by how often they occur.
    """
    register = Redactor([IdentifierEntry(k, "[known]") for k in known if k.strip()])
    cleaned = [(name, register.apply(text)) for name, text in texts]
    codebook = {fold(w) for w in codebook_words}
    use_ner = "ner" in getattr(pipeline.nlp, "pipe_names", ())
    docs = list(pipeline.nlp.pipe([text for _, text in cleaned], batch_size=32))
    # Codebook words and speaker labels are never a name alone, but may sit inside one
    # ("Maxine Doyle" when Kevin Doyle speaks).
    written_lower = _lowercase_words(docs)
    spoken_in = speakers if isinstance(speakers, Mapping) else {s: () for s in speakers}
    named = {
        label: where
        for label, where in spoken_in.items()
        if not is_role_label(label) and fold(label) not in written_lower  # "the navigator"
    }
    roles = [label for label in spoken_in if label not in named]
    speaker_words = {fold(w) for label in roles for w in re.findall(r"\w+", label)}
    lower = written_lower | codebook | speaker_words
    ignore = NOT_IDENTIFYING
    chosen_names = {" ".join(fold(p).split()) for p in pseudonyms if p.strip()}
    found: dict[str, _Candidate] = defaultdict(_Candidate)

    def unwanted(key: str) -> bool:
        words = re.findall(r"\w+", key)
        return (
            not words
            or key in ignore
            or key in codebook
            or key in chosen_names
            or all(w in speaker_words or w.removesuffix("s") in speaker_words for w in words)
        )

    def note(written: str, kind: str, source: str, reason: str) -> None:
        written = " ".join(written.split())
        key = fold(written)
        if not unwanted(key):
            found[key].add(written, kind, source, reason)

    for (source, _), doc in zip(cleaned, docs, strict=True):
        bracketed = _bracketed(doc.text)
        for written, kind, reason in _runs(doc, lower, ignore, bracketed):
            note(written, kind, source, reason)
        if use_ner:
            for ent in doc.ents:
                ner_kind = NER_KINDS.get(ent.label_)
                if ner_kind and not _inside(ent.start_char, bracketed):
                    note(_trim_entity(ent.text), ner_kind, source, f"named entity ({ent.label_})")
        for place in places:
            pattern = re.compile(rf"(?<!\w){re.escape(place.strip())}(?!\w)", re.IGNORECASE)
            for match in pattern.finditer(doc.text):
                if not _inside(match.start(), bracketed):
                    note(match.group(), f"!{PLACE}", source, "in the places list")

    for label, where in named.items():
        for source in where or ("",):
            note(label, f"!{PERSON}", source, "a speaker label")

    known_keys = {fold(k) for k in known}
    groups = _group_variants(found)
    suggestions = []
    for key, (head, variants) in groups.items():
        if key in known_keys:
            continue
        kind = head.kind
        reason = "; ".join(head.reasons)
        close = [k for k in known if _close(fold(k), key)]
        if close:
            reason += f"; close to registered '{close[0]}'"
        suggestions.append(
            IdentifierSuggestion(
                text=head.text,
                kind=kind,
                count=head.count,
                sources=tuple(sorted(s for s in head.sources if s)),
                variants=tuple(variants),
                reason=reason,
                replacement=default_replacement(kind),
            )
        )
    suggestions.sort(key=lambda s: (-s.count, fold(s.text)))
    return suggestions


# --- capitalised runs ------------------------------------------------------------------


def _lowercase_words(docs: Iterable[Any]) -> set[str]:
    """Every word the corpus writes in lower case somewhere (so is a common word)."""
    return {fold(t.text) for doc in docs for t in doc if t.text.islower()}


@lru_cache(maxsize=1)
def _lexicon() -> tuple[Any, frozenset[str], frozenset[str]]:
    """English words known to spaCy's lookup lemmas (forms and lemmas), for telling a
    name from an ordinary word that happens to open a sentence."""
    from spacy.lang.en.stop_words import STOP_WORDS  # deferred with spaCy itself

    try:
        from spacy.lookups import load_lookups

        table = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
    except Exception as error:  # package missing: sentence openers are then skipped
        log.warning("spaCy lookup lemmas unavailable (%s)", error)
        return None, frozenset(STOP_WORDS), frozenset(STOP_WORDS)
    stop = frozenset(STOP_WORDS)
    return table, frozenset(table.values()) | stop, stop


def _english(word: str) -> bool:
    """Whether ``word`` (folded) is an ordinary English word rather than a name."""
    table, words, _ = _lexicon()
    if table is None:
        return True
    return (
        word in words
        or word in table
        or word in INTERJECTIONS
        or word.endswith(ENGLISH_ENDINGS)
        or (word.startswith(("un", "re", "non", "over", "under")) and len(word) > 7)
    )


def _bracketed(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"\[[^\[\]]*\]", text)]


def _inside(offset: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= offset < b for a, b in spans)


def _capital(token: Any) -> bool:
    """A word written with a capital: not a number, not an acronym ("GP", "DNAs")."""
    text = token.text
    return (
        bool(_WORDISH.match(text))
        and text[0].isupper()
        and not text.isupper()
        and not (len(text) > 2 and text[:-1].isupper())
    )


def _opens_sentence(tokens: list[Any], index: int) -> bool:
    if index == 0 or tokens[index].is_sent_start:
        return True
    before = tokens[index - 1]
    return before.text in OPENERS or "\n" in before.text or "\n" in before.whitespace_


def _is_title(token: Any) -> bool:
    return fold(token.text.rstrip(".")) in TITLES


def _is_saint(token: Any) -> bool:
    return fold(token.text.rstrip(".")) in SAINTS


def _runs(
    doc: Any, lower: Set[str], ignore: Set[str], bracketed: list[tuple[int, int]]
) -> Iterable[tuple[str, str, str]]:
    """(text, kind, reason) for each capitalised run in ``doc`` that looks like a name."""
    tokens = list(doc)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if not _capital(token) or _inside(token.idx, bracketed):
            index += 1
            continue
        end = index + 1
        while end < len(tokens):
            nxt = tokens[end]
            if "\n" in tokens[end - 1].whitespace_:
                break
            if _capital(nxt):
                end += 1
            elif nxt.lower_ in CONNECTORS and end + 1 < len(tokens) and _capital(tokens[end + 1]):
                end += 2
            elif (
                nxt.text == "."
                and not tokens[end - 1].whitespace_
                and (_is_title(tokens[end - 1]) or _is_saint(tokens[end - 1]))
            ):
                end += 1  # "Dr." and "St." keep the run going
            else:
                break
        yield from _judge(tokens, index, end, lower, ignore)
        index = end


def _judge(
    tokens: list[Any], start: int, end: int, lower: Set[str], ignore: Set[str]
) -> Iterable[tuple[str, str, str]]:
    def ignored(token: Any) -> bool:
        key = fold(token.text)
        return key in ignore or key.removesuffix("s") in ignore or key in CONNECTORS

    def common(token: Any) -> bool:
        return ignored(token) or fold(token.text) in lower or token.is_punct

    def namelike(token: Any) -> bool:
        return _capital(token) and not common(token) and not _is_title(token)

    # common words opening a sentence ("So Dawn", "The Castlegate ...") are not names
    while start < end and (
        ignored(tokens[start])
        or (
            _opens_sentence(tokens, start)
            and (
                common(tokens[start])
                or fold(tokens[start].text) in _lexicon()[2]
                or fold(tokens[start].text) in INTERJECTIONS
            )
        )
    ):
        start += 1
    while end > start and (ignored(tokens[end - 1]) or tokens[end - 1].text == "."):
        end -= 1
    run = tokens[start:end]
    if not run:
        return
    words = [t for t in run if t.text != "."]
    # a title opens a person's name even when its words are common ("Dr Green")
    if _is_title(run[0]) and len(words) > 1:
        yield _span_text(run), f"!{PERSON}", f"title ({run[0].text.rstrip('.')})"
        return
    if _is_title(run[0]):
        return
    after = tokens[end] if end < len(tokens) else None
    if after is not None and after.text.islower() and after.lower_ in SUFFIX_KINDS:
        if any(namelike(t) for t in run):
            kind = SUFFIX_KINDS[after.lower_]
            yield _span_text([*run, after]), f"!{kind}", f"{kind} word ({after.text})"
        return
    last = fold(run[-1].text)
    if len(words) > 1 and (last in SUFFIX_KINDS or _is_saint(run[0])):
        if any(namelike(t) for t in run) or not _opens_sentence(tokens, start):
            kind = SUFFIX_KINDS.get(last, ORGANISATION)
            word = run[-1].text if last in SUFFIX_KINDS else run[0].text.rstrip(".")
            yield _span_text(run), f"!{kind}", f"{kind} word ({word})"
        return
    if not any(namelike(t) for t in run):
        return
    reason = "capitalised, never in lower case"
    if len(words) == 1:
        token = run[0]
        word = fold(token.text)
        if _opens_sentence(tokens, start):
            if _english(word):
                return
            reason = "capitalised, never in lower case (and not an English word)"
        before = tokens[start - 1].lower_ if start > 0 else ""
        if before in PLACE_PREPOSITIONS or word.endswith(PLACE_ENDINGS):
            yield token.text, PLACE, reason
        else:
            yield token.text, PERSON, reason
        return
    yield _span_text(run), PERSON if len(words) <= 3 else ORGANISATION, reason


def _span_text(tokens: Sequence[Any]) -> str:
    doc = tokens[0].doc
    return str(doc.text[tokens[0].idx : tokens[-1].idx + len(tokens[-1].text)])


def _trim_entity(text: str) -> str:
    text = re.sub(r"^(the|a|an)\s+", "", text.strip(), flags=re.IGNORECASE)
    return re.sub(r"['\u2019]s$", "", text)


# --- grouping --------------------------------------------------------------------------


def _close(a: str, b: str) -> bool:
    return a[:1] == b[:1] and a != b and fuzz.ratio(a, b) >= VARIANT_SCORE


def _group_variants(
    found: dict[str, _Candidate],
) -> dict[str, tuple[_Candidate, list[str]]]:
    """Spelling variants folded into the most frequent spelling, with their spellings."""
    order = sorted(found, key=lambda k: (-found[k].count, k))
    groups: dict[str, tuple[_Candidate, list[str]]] = {}
    for key in order:
        candidate = found[key]
        words = len(key.split())
        head = next(
            (h for h in groups if len(h.split()) == words and _close(h, key)),
            None,
        )
        if head is None:
            groups[key] = (candidate, [])
            continue
        target, variants = groups[head]
        target.merge(candidate)
        variants.extend(s for s in candidate.spellings if s not in variants)
    for target, variants in groups.values():
        for spelling in target.spellings:
            if spelling != target.text and spelling not in variants:
                variants.append(spelling)
        variants.sort()
    return groups
