"""Loading a spaCy pipeline from what is installed, and turning text into lemmas.

Nothing here downloads anything. An installed trained pipeline (e.g.
``en_core_web_md``) is used when one is named and present; otherwise a blank English
pipeline with a rule-based sentence splitter and the lookup lemmas that
``spacy-lookups-data`` ships.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from qualcode.nlp.lemmas import Lemmatiser

log = logging.getLogger(__name__)

BLANK = "blank:en"
_BATCH = 64
_FALLBACK = "using the blank English pipeline"
_COLUMNS = ["LOWER", "IDX", "LENGTH", "IS_SPACE", "SENT_START"]  # see Pipeline._from_doc
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
            return self._analyse_in_two(texts, len(texts) - far)
        return self._analyse_here(texts)

    def _analyse_here(self, texts: Sequence[str]) -> list[Analysis]:
        return [self._from_doc(doc) for doc in self.nlp.pipe(texts, batch_size=_BATCH)]

    def _analyse_in_two(self, texts: Sequence[str], cut: int) -> list[Analysis]:
        """``texts[cut:]`` in a second process while this one does ``texts[:cut]``; if
        that process fails, this one does its share as well."""
        with ThreadPoolExecutor(1) as waiting:  # waits on the process, holding no lock
            far = waiting.submit(_analyse_elsewhere, self.name, texts[cut:])
            near = self._analyse_here(texts[:cut])
            try:
                rest = far.result()
            except (OSError, WorkerFailed) as error:
                log.warning("the second analysis process failed (%s); finishing here", error)
                rest = self._analyse_here(texts[cut:])
        return near + rest

    def _from_doc(self, doc: Any) -> Analysis:
        # Reads spaCy's token table as columns: making a Token object per word, and
        # looking up its lemma and stop-word status each time, was a third of a cold
        # analysis. Plain lists after that: numpy's cost per call outweighs its speed on
        # the many short texts (codebook, coded examples).
        lowers, offsets, lengths, spaces, marks = doc.to_array(_COLUMNS).T.tolist()
        words = [i for i, space in enumerate(spaces) if not space]
        known = [self._word(lowers[i], doc) for i in words]
        return Analysis(
            tuple(lemma for lemma, _ in known),
            tuple(offsets[i] for i in words),
            tuple(offsets[i] + lengths[i] for i in words),
            tuple(meaningful for _, meaningful in known),
            _sentences(doc, offsets, lengths, marks),
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
    lasts = [first - 1 for first in firsts[1:]] + [len(marks) - 1]
    return tuple(
        (offsets[first], offsets[last] + lengths[last])
        for first, last in zip(firsts, lasts, strict=True)
    )


class WorkerFailed(RuntimeError):
    """The second analysis process did not give back its analyses."""


# The second process: a fresh interpreter, not a fork or multiprocessing's spawn. A fork
# of the TUI (analysing in a worker thread) can inherit a lock held for good, and spawn
# runs the parent's main script again, which a script without a __main__ guard does not
# survive. It reads its job before importing spaCy, so the parent's write never waits
# long.
_WORKER = """
import pickle, sys
job = pickle.load(sys.stdin.buffer)
sys.path[:0] = job["path"]
from qualcode.nlp.pipeline import _serve
_serve(job)
"""


def _analyse_elsewhere(name: str, texts: Sequence[str]) -> list[Analysis]:
    """The far share of ``Pipeline._analyse_in_two``: analysed in a second process."""
    job = {"name": name, "texts": list(texts), "path": sys.path}
    done = subprocess.run(
        [sys.executable, "-c", _WORKER],
        input=pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise WorkerFailed(f"exit code {done.returncode}: {said[-1] if said else 'no message'}")
    # Safe to unpickle: the bytes come from the process just started with our own code.
    analyses = pickle.loads(done.stdout)
    if not isinstance(analyses, list) or len(analyses) != len(texts):
        raise WorkerFailed("it gave back something other than one analysis per text")
    return analyses


def _serve(job: dict[str, Any]) -> None:
    """The second process's work: analyse ``job["texts"]``, pickled to stdout."""
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # whatever a library prints must not corrupt the pickle
    pipeline = load_pipeline(job["name"])
    if pipeline.name != job["name"]:
        raise SystemExit(f"pipeline {job['name']} could not be loaded: {pipeline.notice}")
    pickle.dump(pipeline._analyse_here(job["texts"]), out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


def _far_share(texts: Sequence[str]) -> int:
    """How many of the last ``texts`` a second process should analyse: 0 unless the
    batch is big enough to pay for starting one.

    Starting the process (Python, spaCy, the lemma table) costs about as long as
    analysing ``_START_UP_CHARS`` characters here, so it takes (total - that) / 2.
    """
    if len(texts) < 2 or _cores() < 2 or not sys.executable:
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
