"""How good are suggested codes on passages whose codes we know?

Zero-shot: the codebook alone, no coded examples. Half coded: two folds, each half
of the passages trained on, the other half scored. Figures: top-1 accuracy (the first
suggestion is one of the passage's codes), recall@3 (share of a passage's codes among
the first three), and precision / recall / F1 at the default threshold, each beside
the "always suggest the most frequent codes" baseline and plain lemma overlap.

Defaults measure the demo (answer key in benchmarks/answer_key). To measure on other
coded quotes, point it at an answer key of the same shape and its codebook:

    python benchmarks/bench_suggest_quality.py --answer-key DIR --codebook FILE \
        [--transcripts DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import yaml

from qualcode.domain.suggestions import describe_codebook
from qualcode.importers import read_transcript
from qualcode.importers.codebook_yaml import read_codebook
from qualcode.nlp.engine import DEFAULT_MIN_SCORE, Suggester
from qualcode.nlp.evaluation import LabelledUnit, cross_validate, measure
from qualcode.nlp.learned import train
from qualcode.nlp.pipeline import load_pipeline
from qualcode.nlp.termspace import content_lemmas

ROOT = Path(__file__).resolve().parent.parent


def load_answer_key(folder: Path, paths: dict[str, int]) -> list[tuple[str, str, frozenset[int]]]:
    rows = []
    for file in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        for passage in data["passages"]:
            gold = frozenset(paths[p] for p in passage["codes"])
            rows.append((data.get("source", file.stem), passage["quote"], gold))
    return rows


def lemma_overlap(suggester: Suggester, analyses) -> np.ndarray:
    """The plain baseline: how many of a code's codebook lemmas the passage shares."""
    bags = [set(content_lemmas(a)) for a in analyses]
    profiles = [set() for _ in suggester.codes]
    for code, column in suggester.codebook.fields:
        profiles[code].add(suggester.codebook.vocab.terms[column])
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
    args = parser.parse_args()

    pipeline = load_pipeline(args.pipeline)
    codes = describe_codebook(read_codebook(args.codebook))
    paths = {c.path: i for i, c in enumerate(codes)}
    key = load_answer_key(args.answer_key, paths)
    analyses = pipeline.analyse([quote for _, quote, _ in key])
    gold = [g for _, _, g in key]

    corpus = []
    if args.transcripts and args.transcripts.is_dir():
        for file in sorted(args.transcripts.iterdir()):
            if file.suffix in {".txt", ".docx", ".vtt", ".srt", ".md"}:
                parsed = read_transcript(file)
                corpus.extend(
                    pipeline.analyse([parsed.text[t.start : t.end] for t in parsed.turns])
                )

    def make(model=None) -> Suggester:
        return Suggester(codes, pipeline, model, corpus=corpus or analyses)

    started = time.perf_counter()
    zero = measure(make().rank(analyses), gold, DEFAULT_MIN_SCORE)
    zero_time = time.perf_counter() - started
    overlap = measure(lemma_overlap(make(), analyses), gold, 1e9)

    units = [
        LabelledUnit(a, quote, g, source, 0, len(quote), "answer key")
        for (source, quote, g), a in zip(key, analyses, strict=True)
    ]

    def rank(examples, fold_analyses):
        return make(train(examples, pipeline)).rank(fold_analyses)

    half = cross_validate(units, codes, rank, folds=2, threshold=DEFAULT_MIN_SCORE)

    print(f"{len(key)} passages, {len(codes)} codes, pipeline {pipeline.name}")
    print(f"{'':28}{'top-1':>8}{'recall@3':>10}{'P':>7}{'R':>7}{'F1':>7}{'macroF1':>9}")
    for label, s in (
        ("plain lemma overlap", overlap),
        ("zero-shot (codebook only)", zero),
        ("half coded (2-fold)", half.model),
        ("most-frequent baseline", half.baseline),
    ):
        print(
            f"{label:28}{s.top1:8.3f}{s.recall_at_3:10.3f}{s.precision:7.3f}"
            f"{s.recall:7.3f}{s.micro_f1:7.3f}{s.macro_f1:9.3f}"
        )
    print(f"zero-shot scoring took {zero_time:.2f} s")


if __name__ == "__main__":
    main()
