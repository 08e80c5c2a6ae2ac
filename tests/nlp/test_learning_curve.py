"""The engine learns from coding: on the demo's answer key, held-out figures rise
with the number of coded passages and never fall below the codebook alone.

The answer key (benchmarks/answer_key) is kept apart from the transcripts, and the
engine has no constant fitted to it: the blend and thresholds are chosen inside each
training run by cross-validation on that run's own coding.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from qualcode.domain.suggestions import describe_codebook
from qualcode.importers import read_transcript
from qualcode.importers.codebook_yaml import read_codebook
from qualcode.nlp.embeddings import load_embedder
from qualcode.nlp.engine import Suggester
from qualcode.nlp.evaluation import LabelledUnit, cross_validate
from qualcode.nlp.pipeline import load_pipeline
from qualcode.nlp.training import train
from qualcode.nlp.zero_shot import CodebookScorer

ROOT = Path(__file__).resolve().parents[2]


def test_the_learning_curve_on_the_demo_answer_key_rises() -> None:
    pipeline = load_pipeline(None)
    embedder = load_embedder()
    assert embedder is not None, "wordllama is a dependency: its model must load offline"
    codes = describe_codebook(read_codebook(ROOT / "codebooks" / "barriers-and-enablers.yaml"))
    paths = {c.path: i for i, c in enumerate(codes)}
    units: list[LabelledUnit] = []
    for file in sorted((ROOT / "benchmarks" / "answer_key").glob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        for passage in data["passages"]:
            text = passage["quote"]
            (analysis,) = pipeline.analyse([text])
            gold = frozenset(paths[p] for p in passage["codes"])
            units.append(LabelledUnit(analysis, text, gold, file.stem, 0, len(text), "key"))
    corpus = []
    for file in sorted((ROOT / "transcripts").iterdir()):
        if file.suffix in {".txt", ".docx", ".vtt", ".srt"}:
            parsed = read_transcript(file)
            corpus.extend(parsed.text[t.start : t.end] for t in parsed.turns)
    scorer = CodebookScorer(codes, pipeline, embedder)
    stats = scorer.corpus_stats(corpus, pipeline.analyse(corpus))

    def rank(examples, fold_units):  # type: ignore[no-untyped-def]
        model = train(codes, pipeline, embedder, examples, stats=stats, scorer=scorer)
        suggester = Suggester(codes, pipeline, embedder, model=model, scorer=scorer)
        texts = [u.text for u in fold_units]
        return suggester.rank(texts, [u.analysis for u in fold_units]), suggester.thresholds

    result = cross_validate(units, codes, rank, folds=3, curve=(0, 150))
    zero, last = result.curve[0], result.curve[-1]
    assert zero.coded == 0 and last.coded > 150
    assert result.zero_shot == zero.model
    # Learning helps where it should: better decisions, and ranking no worse.
    assert last.model.macro_f1 > zero.model.macro_f1 + 0.05, result.curve
    assert last.model.top1 >= zero.model.top1, result.curve
    assert last.model.recall_at_3 >= zero.model.recall_at_3, result.curve
    # And far above always suggesting the most frequent codes.
    assert last.model.top1 > 2 * last.most_frequent.top1
