"""Unitized alpha family for 5 coders over 1,000,000 characters and 20,000 codings.

Targets (issue 16): the family under 1 s; bootstrap intervals for it under 10 s.
Ten sources of 100,000 characters, 8 codes, seeded random segments (pure domain maths,
no database).
"""

from __future__ import annotations

import argparse
import random
import time

from qualcode.domain.unitized_alpha import Continuum, Segment, bootstrap, unitized_family

CODERS = ("A", "B", "C", "D", "E")
CODES = tuple(f"code {k}" for k in range(8))


def build(sources: int, length: int, codings: int, seed: int) -> list[Continuum]:
    """Each coder codes near a shared set of passages, so the coefficients are not ~0."""
    rng = random.Random(seed)
    per_source = codings // (sources * len(CODERS))
    continua = []
    for s in range(sources):
        segments = []
        passages = [
            (rng.randrange(length - 500), rng.randint(20, 400), rng.choice(CODES))
            for _ in range(per_source)
        ]
        for coder in CODERS:
            for start, size, code in passages:
                start = max(0, start + rng.randint(-15, 15))
                end = min(length, start + size + rng.randint(-15, 15))
                if rng.random() < 0.2:
                    code = rng.choice(CODES)
                segments.append(Segment(coder, code, start, max(end, start + 1)))
        continua.append(Continuum(f"source {s}", length, tuple(segments)))
    return continua


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sources", type=int, default=10)
    parser.add_argument("--length", type=int, default=100_000)
    parser.add_argument("--codings", type=int, default=20_000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    continua = build(args.sources, args.length, args.codings, args.seed)
    count = sum(len(c.segments) for c in continua)
    print(f"{len(CODERS)} coders, {args.sources * args.length:,} characters, {count:,} codings")

    runs = []
    for _ in range(3):
        started = time.perf_counter()
        family = unitized_family(continua, CODERS, CODES)
        runs.append(time.perf_counter() - started)
    family_s = runs[0]
    print("family runs: " + ", ".join(f"{r:.3f} s" for r in runs))
    for c in (family.binary, family.unitizing, family.coding, *family.per_code):
        print(f"  {c.name:6} {c.code or '':8} {c.value:.3f}")
    print(f"family, first run: {family_s:.3f} s (target < 1 s)")

    started = time.perf_counter()
    for which in ("|uα", "uα", "cuα"):
        interval = bootstrap(continua, CODERS, CODES, which, draws=args.draws)
        print(f"  {which:6} [{interval.low:.3f}, {interval.high:.3f}] {interval.below}")
    three_s = time.perf_counter() - started
    print(f"bootstrap |uα, uα, cuα ({args.draws} draws each): {three_s:.3f} s (target < 10 s)")
    started = time.perf_counter()
    for code in CODES:
        bootstrap(continua, CODERS, CODES, "(k)uα", code, draws=args.draws)
    per_code_s = time.perf_counter() - started
    print(f"bootstrap (k)uα for {len(CODES)} codes: {per_code_s:.3f} s")


if __name__ == "__main__":
    main()
