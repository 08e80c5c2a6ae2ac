"""How good are suggested codes on passages whose codes we know? A learning curve.

Every figure is k-fold (5 folds, seed 7): each fold's passages are scored by models
that learnt from 0 (the codebook alone), 10, 25, 50, 100, 200 and all of the other
folds' passages. Figures: top-1 accuracy (the first suggestion is one of the
passage's codes), recall@3 (share of a passage's codes among the first three) and
macro-F1 at the thresholds each model chose for itself, beside the "always suggest
the most frequent codes" baseline and plain lemma overlap. The target (issue 12): a
rising curve, and top-1 at every n at least the better of zero-shot and most-frequent.

Defaults measure the demo (answer key in benchmarks/answer_key). To measure on other
coded quotes, point it at an answer key of the same shape and its codebook:

    python benchmarks/bench_suggest_quality.py --answer-key DIR --codebook FILE \
        [--transcripts DIR]
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

import numpy as np
import yaml

from qualcode.domain.suggestions import describe_codebook
from qualcode.importers import read_transcript
from qualcode.importers.codebook_yaml import read_codebook
from qualcode.nlp.embeddings import load_embedder
from qualcode.nlp.engine import Suggester
from qualcode.nlp.evaluation import LabelledUnit, cross_validate, measure
from qualcode.nlp.pipeline import load_pipeline
from qualcode.nlp.termspace import content_lemmas
from qualcode.nlp.training import train
from qualcode.nlp.zero_shot import CodebookScorer

ROOT = Path(__file__).resolve().parent.parent
CURVE = (0, 10, 25, 50, 100, 200)


def load_answer_key(folder: Path, paths: dict[str, int]) -> list[tuple[str, str, frozenset[int]]]:
    rows = []
    for file in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        for passage in data["passages"]:
            gold = frozenset(paths[p] for p in passage["codes"])
            rows.append((data.get("source", file.stem), passage["quote"], gold))
    return rows


def lemma_overlap(scorer: CodebookScorer, analyses) -> np.ndarray:
    """The plain baseline: how many of a code's codebook lemmas the passage shares."""
    bags = [set(content_lemmas(a)) for a in analyses]
    profiles = [set() for _ in scorer.codes]
    for code, column in scorer.codebook.fields:
        profiles[code].add(scorer.codebook.vocab.terms[column])
    scores = np.zeros((len(bags), len(profiles)), dtype=np.float32)
    for i, bag in enumerate(bags):
        for c, profile in enumerate(profiles):
            scores[i, c] = len(bag & profile)
    return scores + np.random.default_rng(0).random(scores.shape) * 1e-3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answer-key", type=Path, default=ROOT / "benchmarks" / "answer_key")
    parser.add_argument(
        "--codebook", type=Path, default=ROOT / "codebooks" / "barriers-and-enablers.yaml"
    )
    parser.add_argument("--transcripts", type=Path, default=ROOT / "transcripts")
    parser.add_argument("--pipeline", default=None, help="an installed spaCy pipeline")
    parser.add_argument("--no-meaning", action="store_true", help="without sentence vectors")
    args = parser.parse_args()

    pipeline = load_pipeline(args.pipeline)
    embedder = None if args.no_meaning else load_embedder()
    codes = describe_codebook(read_codebook(args.codebook))
    paths = {c.path: i for i, c in enumerate(codes)}
    key = load_answer_key(args.answer_key, paths)
    texts = [quote for _, quote, _ in key]
    analyses = pipeline.analyse(texts)
    gold = [g for _, _, g in key]

    corpus = []
    if args.transcripts and args.transcripts.is_dir():
        for file in sorted(args.transcripts.iterdir()):
            if file.suffix in {".txt", ".docx", ".vtt", ".srt", ".md"}:
                parsed = read_transcript(file)
                corpus.extend(parsed.text[t.start : t.end] for t in parsed.turns)
    corpus = corpus or texts
    scorer = CodebookScorer(codes, pipeline, embedder)
    stats = scorer.corpus_stats(corpus, pipeline.analyse(corpus))
    overlap = measure(lemma_overlap(scorer, analyses), gold, np.inf)

    units = [
        LabelledUnit(a, quote, g, source, 0, len(quote), "answer key")
        for (source, quote, g), a in zip(key, analyses, strict=True)
    ]

    def rank(examples, fold_units):
        model = train(codes, pipeline, embedder, examples, stats=stats, scorer=scorer)
        suggester = Suggester(codes, pipeline, embedder, model=model, scorer=scorer)
        scores = suggester.rank([u.text for u in fold_units], [u.analysis for u in fold_units])
        return scores, suggester.thresholds

    started = time.perf_counter()
    result = cross_validate(units, codes, rank, folds=5, curve=CURVE)
    seconds = time.perf_counter() - started

    meaning = embedder.name if embedder is not None else "none"
    print(f"{len(key)} passages, {len(codes)} codes, pipeline {pipeline.name}, meaning {meaning}")
    print(f"plain lemma overlap: top-1 {overlap.top1:.3f}, recall@3 {overlap.recall_at_3:.3f}")
    print(f"{'n':>6}{'top-1':>8}{'recall@3':>10}{'P':>7}{'R':>7}{'macroF1':>9}{'most-freq':>11}")
    for point in result.curve:
        s = point.model
        print(
            f"{point.coded:6d}{s.top1:8.3f}{s.recall_at_3:10.3f}{s.precision:7.3f}"
            f"{s.recall:7.3f}{s.macro_f1:9.3f}{point.most_frequent.top1:11.3f}"
        )
    floor = max(result.curve[0].model.top1, max(p.most_frequent.top1 for p in result.curve))
    tops = [p.model.top1 for p in result.curve]
    rising = all(b >= a - 1e-9 for a, b in itertools.pairwise(tops))
    print(f"top-1 never below {floor:.3f} (zero-shot or most frequent): {min(tops) >= floor}")
    print(f"curve never falls: {rising}; last minus first: {tops[-1] - tops[0]:+.3f}")
    print(f"{len(CURVE) + 1} sizes x 5 folds in {seconds:.1f} s")


if __name__ == "__main__":
    main()
