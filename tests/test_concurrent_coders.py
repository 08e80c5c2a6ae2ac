"""Four coder processes on one SQLite project, sixty actions each (the benchmark at a size
the suite can afford): every success is there once, every refusal was a clear result."""

from __future__ import annotations

from pathlib import Path

from benchmarks.bench_concurrent_coders import run


def test_concurrent_coders_lose_nothing_and_are_told_of_every_refusal(tmp_path: Path) -> None:
    outcome = run(tmp_path, processes=4, actions=60, timeout=300)
    assert outcome.problems == []
    assert outcome.counts["add ok"] > 0 and outcome.counts["memo ok"] > 0
    # the conflicts are real: refusals happened and were reported as results
    refused = sum(n for key, n in outcome.counts.items() if not key.endswith(" ok"))
    assert refused > 0
