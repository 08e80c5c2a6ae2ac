"""Loading a spaCy pipeline from what is installed, and turning text into lemmas.

Nothing here downloads anything. An installed trained pipeline (e.g.
``en_core_web_md``) is used when one is named and present; otherwise a blank English
pipeline with a rule-based sentence splitter and the lookup lemmas that
``spacy-lookups-data`` ships.
"""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from qualcode.nlp.lemmas import Lemmatiser

log = logging.getLogger(__name__)

BLANK = "blank:en"
_BATCH = 64
_FALLBACK = "using the blank English pipeline"
_COLUMNS = ["LOWER", "IDX", "LENGTH", "IS_SPACE", "SENT_START", "ORTH", "IS_PUNCT"]


@dataclass(frozen=True, slots=True)
class Analysis:
    """One text as the engine sees it.

    ``lemmas`` has one entry per token (lower case; stop words and punctuation kept so
    that phrases still match), ``content`` marks the tokens that carry meaning, and
    ``starts``/``ends`` are code point offsets into the analysed text.
    """

    lemmas: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    content: tuple[bool, ...]
    sentences: tuple[tuple[int, int], ...]  # character spans

    def slice(self, start: int, end: int) -> Analysis:
        """The tokens lying wholly inside ``[start, end)``; offsets stay as they are."""
        return self.slicer()(start, end)

    def slicer(self) -> Callable[[int, int], Analysis]:
        """``slice`` for many spans of one text: the lookups are prepared once."""
        sentence_ends = [b for _, b in self.sentences]

        def cut(start: int, end: int) -> Analysis:
            first = bisect_left(self.starts, start)
            last = max(first, bisect_right(self.ends, end))
            sentences = []
            for a, b in self.sentences[bisect_right(sentence_ends, start) :]:
                if a >= end:
                    break
                sentences.append((a, b))
            return Analysis(
                self.lemmas[first:last],
                self.starts[first:last],
                self.ends[first:last],
                self.content[first:last],
                tuple(sentences),
            )

        return cut

    def to_json(self) -> dict[str, Any]:
        return {
            "l": list(self.lemmas),
            "s": list(self.starts),
            "e": list(self.ends),
            "c": "".join("1" if c else "0" for c in self.content),
            "p": [list(span) for span in self.sentences],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Analysis:
        # map() with a builtin runs in C: a tenth of the time of a generator per item,
        # which counts over a million words' cached analyses.
        lemmas = tuple(map(str, data["l"]))
        starts = tuple(map(int, data["s"]))
        ends = tuple(map(int, data["e"]))
        content = tuple(map("1".__eq__, data["c"]))
        if not len(lemmas) == len(starts) == len(ends) == len(content):
            raise ValueError("analysis arrays differ in length")
        sentences = tuple((int(a), int(b)) for a, b in data["p"])
        return cls(lemmas, starts, ends, content, sentences)


class Pipeline:
    """A loaded spaCy pipeline plus qualcode's own lemma and stop-word rules."""

    def __init__(
        self,
        nlp: Any,
        name: str,
        notice: str | None = None,
        *,
        punctuation_sentences: bool = False,
    ) -> None:
        """``punctuation_sentences``: ``analyse`` runs only the tokenizer and splits
        sentences itself by the rule of spaCy's sentencizer (for a pipeline that is a
        tokenizer and a sentencizer; other callers of ``nlp`` still get both)."""
        self.nlp = nlp
        self.name = name
        self.notice = notice
        self.lemmatiser = Lemmatiser()
        self._words: dict[int, tuple[str, bool]] = {}  # lower-case word hash -> _word()
        self._sentence_finals: frozenset[int] | None = None
        if punctuation_sentences:
            from spacy.pipeline import Sentencizer

            strings = nlp.vocab.strings
            self._sentence_finals = frozenset(
                strings.add(mark) for mark in Sentencizer.default_punct_chars
            )

    def analyse(self, texts: Sequence[str]) -> list[Analysis]:
        """Analyse texts in batches; order is kept."""
        if self._sentence_finals is not None:
            docs = self.nlp.tokenizer.pipe(texts, batch_size=_BATCH)
        else:
            docs = self.nlp.pipe(texts, batch_size=_BATCH)
        return [self._from_doc(doc) for doc in docs]

    def _from_doc(self, doc: Any) -> Analysis:
        # Reads spaCy's token table as columns: making a Token object per word, and
        # looking up its lemma and stop-word status each time, was a third of a cold
        # analysis. Plain lists after that: numpy's cost per call outweighs its speed on
        # the many short texts (codebook, coded examples).
        lowers, offsets, lengths, spaces, marks, orths, puncts = doc.to_array(_COLUMNS).T.tolist()
        words = [i for i, space in enumerate(spaces) if not space]
        known = [self._word(lowers[i], doc) for i in words]
        if self._sentence_finals is not None:
            firsts = _punctuation_firsts(orths, puncts, self._sentence_finals)
            sentences = _spans(firsts, offsets, lengths) if firsts else ()
        else:
            sentences = _sentences(doc, offsets, lengths, marks)
        return Analysis(
            tuple(lemma for lemma, _ in known),
            tuple(offsets[i] for i in words),
            tuple(offsets[i] + lengths[i] for i in words),
            tuple(meaningful for _, meaningful in known),
            sentences,
        )

    def _word(self, lower_hash: int, doc: Any) -> tuple[str, bool]:
        """The lemma of a lower-cased word and whether it carries meaning, once per word."""
        found = self._words.get(lower_hash)
        if found is None:
            lower = doc.vocab.strings[lower_hash]
            lemma = self.lemmatiser.lemma(lower)
            found = self._words[lower_hash] = (lemma, self.lemmatiser.is_content(lower, lemma))
        return found


def _sentences(
    doc: Any, offsets: list[int], lengths: list[int], marks: list[int]
) -> tuple[tuple[int, int], ...]:
    """Character spans of the sentences, as ``doc.sents`` gives them, from the columns."""
    if not doc.has_annotation("SENT_START"):
        return ((0, len(doc.text)),)
    if "sents" in doc.user_hooks or not offsets:
        return tuple((s.start_char, s.end_char) for s in doc.sents)
    # Token 0 starts a sentence, and so does every token whose SENT_START is 1 (-1 is
    # "not a start" and 0 "unknown"; as uint64, -1 is a huge number, never 1).
    firsts = [0, *(i for i in range(1, len(marks)) if marks[i] == 1)]
    return _spans(firsts, offsets, lengths)


def _punctuation_firsts(orths: list[int], puncts: list[int], finals: frozenset[int]) -> list[int]:
    """The first token of each sentence by spaCy's sentencizer rule: after a token that
    ends sentences ("." "?" "!" and their kin in other scripts), the next token that is
    neither punctuation nor such a mark starts a sentence.

    Done here from the token columns because the sentencizer builds a Python Token
    object for every word: a fifth of a cold analysis of a million words.
    """
    if not orths:
        return []
    firsts = [0]
    seen_final = False
    for i, (orth, punct) in enumerate(zip(orths, puncts, strict=True)):
        if orth in finals:
            seen_final = True
        elif seen_final and not punct:
            if i:
                firsts.append(i)
            seen_final = False
    return firsts


def _spans(
    firsts: list[int], offsets: list[int], lengths: list[int]
) -> tuple[tuple[int, int], ...]:
    lasts = [first - 1 for first in firsts[1:]] + [len(offsets) - 1]
    return tuple(
        (offsets[first], offsets[last] + lengths[last])
        for first, last in zip(firsts, lasts, strict=True)
    )


@lru_cache(maxsize=4)
def load_pipeline(name: str | None = None) -> Pipeline:
    """The named installed pipeline, or the blank one (with a notice saying why)."""
    import spacy  # deferred: spaCy takes a second to import and only suggestions need it

    notice = None
    if name and name != BLANK:
        if spacy.util.is_package(name):
            try:
                nlp = spacy.load(name, exclude=["ner", "parser", "textcat", "textcat_multilabel"])
                if "senter" in nlp.component_names:
                    nlp.enable_pipe("senter")
                elif not any(p in nlp.pipe_names for p in ("parser", "senter", "sentencizer")):
                    nlp.add_pipe("sentencizer")
                return Pipeline(nlp, name)
            except Exception as error:  # a broken install should not stop suggestions
                log.warning("could not load spaCy pipeline %s: %s", name, error)
                notice = f"spaCy pipeline '{name}' could not be loaded ({error}); {_FALLBACK}"
        else:
            notice = f"spaCy pipeline '{name}' is not installed; {_FALLBACK}"
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return Pipeline(nlp, BLANK, notice, punctuation_sentences=True)
