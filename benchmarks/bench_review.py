"""A review on the agreement benchmark's project (5 coders, 50 transcripts, 20,000
codings): listing every disagreement with its thread, commenting, deciding, and
seeding the consensus. What the compare view waits for after each action.

No target in issue 6; the compare view refetches the list after every action, so it
should stay well under a second.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.bench_agreement import build  # run as python -m benchmarks.bench_review
from qualcode.domain.review import ChoiceKind, ConsensusChoice
from qualcode.services.consensus import ConsensusService
from qualcode.services.project import Project
from qualcode.services.review import ReviewService


def timed(action: Callable[[], Any], runs: int = 3) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--codings", type=int, default=20_000)
    parser.add_argument("--sources", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "review.qcp"
        build(path, args.codings, args.sources)
        with Project.open(path) as project:

            def items() -> list[Any]:
                with project.read_session() as session:
                    return ReviewService(session, "Lead").items()

            listing, found = timed(items)
            first = found[len(found) // 2]

            def comment() -> None:
                with project.session() as session:
                    ReviewService(session, "Lead").comment(first.anchor, "Time or money?")

            commenting, _ = timed(comment)

            def decide() -> None:
                d = first.disagreement
                with project.session() as session:
                    ConsensusService(session, "Lead").decide(
                        d.source, first.code_uuid, d.start, d.end, ConsensusChoice(ChoiceKind.ALL)
                    )

            deciding, _ = timed(decide)

            def seed() -> int:
                with project.session() as session:
                    return ConsensusService(session, "Lead").seed()

            seeding, added = timed(seed, runs=1)
    print(
        f"{len(found):,} disagreements among {args.codings:,} codings: list with threads "
        f"{listing:.2f} s; comment {commenting * 1000:.0f} ms; decide {deciding * 1000:.0f} ms; "
        f"seed the consensus {seeding:.2f} s ({added:,} agreed passages)"
    )


if __name__ == "__main__":
    main()
