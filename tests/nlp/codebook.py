"""A three-code codebook, and a small project of units, that the engine tests share."""

from __future__ import annotations

from collections.abc import Sequence

from qualcode.domain.suggestions import CodeDescription
from qualcode.nlp.embeddings import load_embedder
from qualcode.nlp.engine import Suggester
from qualcode.nlp.learned import LearnedModel
from qualcode.nlp.pipeline import Pipeline
from qualcode.nlp.zero_shot import CodebookScorer, CorpusStats

CODES = (
    CodeDescription(
        "c-work",
        "Workload",
        None,
        definition="Staff have too much work to do.",
        keywords=("caseload", "waiting list", "burnout"),
    ),
    CodeDescription(
        "c-stigma",
        "Stigma",
        None,
        definition="Being judged or labelled.",
        exclude="Not about money or benefits (use Finance)",
        keywords=("stigma", "judged", "personality disorder"),
    ),
    CodeDescription(
        "c-fin",
        "Finance",
        None,
        definition="Money, benefits and debt.",
        keywords=("money", "benefits", "debt"),
    ),
)
PATHS = [code.path for code in CODES]

# A small project: the units corpus statistics are read from (every score is relative
# to what the project's units are like), a few on each code's topic and some on none.
CORPUS = (
    "My caseload is enormous and I am close to burnout most weeks.",
    "There is such stigma, people judged me everywhere I went.",
    "I had no money left, the debt kept growing and my benefits were cut.",
    "The weather was nice that day.",
    "We went to the park with the kids.",
    "The waiting list was months long.",
    "My mum helped me with the shopping.",
    "I started a new job in the spring.",
    "The staff were kind to me.",
    "Nobody listened when I asked for help.",
    "I was worried about paying the rent.",
    "People looked down on me at the clinic.",
)


def corpus_stats(
    codes: Sequence[CodeDescription], pipeline: Pipeline, corpus: Sequence[str] = CORPUS
) -> CorpusStats:
    scorer = CodebookScorer(codes, pipeline, load_embedder())
    return scorer.corpus_stats(list(corpus), pipeline.analyse(list(corpus)))


def make_suggester(
    codes: Sequence[CodeDescription],
    pipeline: Pipeline,
    model: LearnedModel | None = None,
    *,
    corpus: Sequence[str] = CORPUS,
) -> Suggester:
    """A suggester over ``corpus`` with the packaged embedder, and ``model`` if given."""
    stats = model.stats if model is not None else corpus_stats(codes, pipeline, corpus)
    return Suggester(codes, pipeline, load_embedder(), stats=stats, model=model)
