"""Lower-case lookup lemmas and the words that carry no meaning for coding."""

from __future__ import annotations

import gzip
import json
import logging
from functools import cache
from typing import Any

log = logging.getLogger(__name__)

# Speech fillers and transcript notation: frequent in interviews, never a reason for
# a code. spaCy's stop list covers function words but not these.
_FILLERS = frozenset(
    [
        "yeah",
        "yes",
        "yep",
        "no",
        "nope",
        "okay",
        "ok",
        "um",
        "umm",
        "erm",
        "er",
        "uh",
        "ah",
        "oh",
        "mm",
        "mhm",
        "hmm",
        "right",
        "well",
        "like",
        "know",
        "mean",
        "think",
        "guess",
        "sort",
        "kind",
        "thing",
        "stuff",
        "lot",
        "bit",
        "really",
        "actually",
        "just",
        "basically",
        "obviously",
        "literally",
        "gonna",
        "wanna",
        "gotta",
        "got",
        "get",
        "go",
        "say",
        "said",
        "tell",
        "crosstalk",
        "inaudible",
        "laughter",
        "laugh",
        "pause",
        "interviewer",
        "participant",
        "cos",
        "coz",
        "cuz",
        "cause",
        "innit",
        "dunno",
    ]
)
# Prefixes left over when a hyphenated word is split ("co-occurring", "re-referred").
_PREFIXES = frozenset(["co", "re", "pre", "non", "sub"])


class Lemmatiser:
    """Lemmas from spaCy's English lookup table, looked up on the lower-cased word.

    spaCy's lookup lemmatiser is case-sensitive ("Caseloads" stays as it is), and
    transcripts capitalise at random, so qualcode lowers first and looks up itself.
    """

    def __init__(self) -> None:
        self._table = _lemma_table()
        self._cache: dict[str, str] = {}
        from spacy.lang.en.stop_words import STOP_WORDS  # deferred with spaCy itself

        self._stop = frozenset(STOP_WORDS) | _FILLERS | _PREFIXES

    def lemma(self, lower: str) -> str:
        cached = self._cache.get(lower)
        if cached is None:
            word = lower.replace("\u2019", "'")
            cached = _strip_suffix(word) if self._table is None else self._table.get(word, word)
            self._cache[lower] = cached
        return cached

    def is_content(self, lower: str, lemma: str) -> bool:
        return (
            len(lemma) > 1
            and any(ch.isalpha() for ch in lemma)
            and lower not in self._stop
            and lemma not in self._stop
        )


def _lemma_table() -> Any:
    try:
        from spacy.lookups import load_lookups

        return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
    except Exception as error:  # package missing or damaged: crude rules still help
        log.warning("spaCy lookup lemmas unavailable (%s); using suffix rules", error)
        return None


@cache
def dictionary_words() -> frozenset[str]:
    """Lower-case English dictionary lemmas ("dawn", "bell", "mark", "will"), from the
    lemma index of spacy-lookups-data; empty if that package is missing.

    The identifier register uses them to tell a name that is also an everyday word
    (counted alone only when written with a capital) from one that is not."""
    try:
        from importlib.resources import files

        data = files("spacy_lookups_data") / "data" / "en_lemma_index.json.gz"
        index = json.loads(gzip.decompress(data.read_bytes()))
    except Exception as error:  # package missing or damaged: every part then counts
        log.warning("English dictionary words unavailable (%s)", error)
        return frozenset()
    return frozenset(word.lower() for words in index.values() for word in words)


def _strip_suffix(word: str) -> str:
    for suffix, replacement in (("ies", "y"), ("ing", ""), ("ed", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + replacement
    return word
