"""Loading a spaCy pipeline from what is installed, and turning text into lemmas.

Nothing here downloads anything. An installed trained pipeline (e.g.
``en_core_web_md``) is used when one is named and present; otherwise a blank English
pipeline with a rule-based sentence splitter and the lookup lemmas that
``spacy-lookups-data`` ships.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from qualcode.nlp.lemmas import Lemmatiser

log = logging.getLogger(__name__)

BLANK = "blank:en"
_BATCH = 64
_FALLBACK = "using the blank English pipeline"
# Measured on 2 cores (see benchmarks/README.md): spawning a second process and loading
# spaCy there takes about as long as analysing 2M characters (~350,000 words) here.
_START_UP_CHARS = 2_000_000
_PARALLEL_CHARS = 2 * _START_UP_CHARS  # below this a second process saves under 0.7 s


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
        lemmas = tuple(str(x) for x in data["l"])
        starts = tuple(int(x) for x in data["s"])
        ends = tuple(int(x) for x in data["e"])
        content = tuple(ch == "1" for ch in data["c"])
        if not len(lemmas) == len(starts) == len(ends) == len(content):
            raise ValueError("analysis arrays differ in length")
        sentences = tuple((int(a), int(b)) for a, b in data["p"])
        return cls(lemmas, starts, ends, content, sentences)


class Pipeline:
    """A loaded spaCy pipeline plus qualcode's own lemma and stop-word rules."""

    def __init__(
        self, nlp: Any, name: str, notice: str | None = None, *, by_name: bool = False
    ) -> None:
        self.nlp = nlp
        self.name = name
        self.notice = notice
        self.has_vectors = len(nlp.vocab.vectors) > 0
        self.lemmatiser = Lemmatiser()
        self._words: dict[int, tuple[str, bool]] = {}  # lower-case word hash -> _word()
        # Only what load_pipeline(name) made can be made again in a second process; a
        # pipeline built around some other nlp object (other components) cannot.
        self.by_name = by_name

    def analyse(self, texts: Sequence[str]) -> list[Analysis]:
        """Analyse texts in batches; order is kept. A big batch is shared with a second
        process (the same analyses, sooner: see ``_analyse_in_two``)."""
        far = _far_share(texts) if self.by_name else 0
        if far:
            try:
                return self._analyse_in_two(texts, len(texts) - far)
            except OSError as error:  # no processes to be had here: one core still works
                log.warning("analysing in one process: %s", error)
        return self._analyse_here(texts)

    def _analyse_here(self, texts: Sequence[str]) -> list[Analysis]:
        return [self._from_doc(doc) for doc in self.nlp.pipe(texts, batch_size=_BATCH)]

    def _analyse_in_two(self, texts: Sequence[str], cut: int) -> list[Analysis]:
        """``texts[cut:]`` in a second process while this one does ``texts[:cut]``.

        The process is spawned, not forked: the TUI analyses in a worker thread, and a
        forked child of a threaded process can inherit a lock that is held for good. If
        that process fails, this one does its share as well.
        """
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            far = pool.submit(_analyse_by_name, self.name, list(texts[cut:]))
            near = self._analyse_here(texts[:cut])
            try:
                rest = far.result()
            except (BrokenProcessPool, OSError, PipelineMismatch) as error:
                log.warning("the second analysis process failed (%s); finishing here", error)
                rest = self._analyse_here(texts[cut:])
        return near + rest

    def term_vectors(self, terms: Sequence[str]) -> np.ndarray | None:
        """Word vectors for lemmas (zeros where the pipeline has none), or None."""
        if not self.has_vectors:
            return None
        vocab = self.nlp.vocab
        width = vocab.vectors.shape[1]
        out = np.zeros((len(terms), width), dtype=np.float32)
        for row, term in enumerate(terms):
            if vocab.has_vector(term):
                out[row] = vocab.get_vector(term)
        return out

    def _from_doc(self, doc: Any) -> Analysis:
        # Reads the token table as arrays: making a Token object per word, and looking
        # up its lemma and stop-word status each time, was a third of a cold analysis.
        table = doc.to_array(["LOWER", "IDX", "LENGTH", "IS_SPACE"])
        table = table[table[:, 3] == 0]
        known = [self._word(lower, doc) for lower in table[:, 0].tolist()]
        starts = table[:, 1].astype(np.int64)
        return Analysis(
            tuple(lemma for lemma, _ in known),
            tuple(starts.tolist()),
            tuple((starts + table[:, 2].astype(np.int64)).tolist()),
            tuple(content for _, content in known),
            _sentences(doc),
        )

    def _word(self, lower_hash: int, doc: Any) -> tuple[str, bool]:
        """The lemma of a lower-cased word and whether it carries meaning, once per word."""
        found = self._words.get(lower_hash)
        if found is None:
            lower = doc.vocab.strings[lower_hash]
            lemma = self.lemmatiser.lemma(lower)
            found = self._words[lower_hash] = (lemma, self.lemmatiser.is_content(lower, lemma))
        return found


class PipelineMismatch(RuntimeError):
    """The second process could not load the same pipeline as the first."""


def _analyse_by_name(name: str, texts: list[str]) -> list[Analysis]:
    """The far share of ``Pipeline._analyse_in_two``, run in the second process."""
    pipeline = load_pipeline(name)
    if pipeline.name != name:
        raise PipelineMismatch(f"{name} could not be loaded in the second process")
    return pipeline._analyse_here(texts)


def _far_share(texts: Sequence[str]) -> int:
    """How many of the last ``texts`` a second process should analyse: 0 unless the
    batch is big enough to pay for starting one.

    Starting the process (Python, spaCy, the lemma table) costs about as long as
    analysing ``_START_UP_CHARS`` characters here, so it takes (total - that) / 2.
    """
    if len(texts) < 2 or _cores() < 2:
        return 0
    total = sum(len(text) for text in texts)
    if total < _PARALLEL_CHARS:
        return 0
    wanted = (total - _START_UP_CHARS) / 2
    taken = 0
    for count, text in enumerate(reversed(texts)):
        if taken + len(text) / 2 > wanted:
            return count
        taken += len(text)
    return len(texts) - 1


def _cores() -> int:
    """The cores this process may run on (a container may allow fewer than exist)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _sentences(doc: Any) -> tuple[tuple[int, int], ...]:
    """Character spans of the sentences, as ``doc.sents`` gives them, from the arrays."""
    if not doc.has_annotation("SENT_START"):
        return ((0, len(doc.text)),)
    if "sents" in doc.user_hooks or len(doc) == 0:
        return tuple((s.start_char, s.end_char) for s in doc.sents)
    # Token 0 starts a sentence, and so does every token whose SENT_START is 1 (-1 is
    # "not a start" and 0 "unknown"; as uint64, -1 is a huge number, never 1).
    table = doc.to_array(["IDX", "LENGTH", "SENT_START"]).astype(np.int64)
    firsts = np.flatnonzero(table[1:, 2] == 1) + 1
    lasts = np.append(firsts - 1, len(doc) - 1)
    starts = table[np.insert(firsts, 0, 0), 0]
    ends = table[lasts, 0] + table[lasts, 1]
    return tuple(zip(starts.tolist(), ends.tolist(), strict=True))


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
                return Pipeline(nlp, name, by_name=True)
            except Exception as error:  # a broken install should not stop suggestions
                log.warning("could not load spaCy pipeline %s: %s", name, error)
                notice = f"spaCy pipeline '{name}' could not be loaded ({error}); {_FALLBACK}"
        else:
            notice = f"spaCy pipeline '{name}' is not installed; {_FALLBACK}"
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return Pipeline(nlp, BLANK, notice, by_name=True)
