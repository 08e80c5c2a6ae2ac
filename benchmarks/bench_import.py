"""Import 200 generated transcripts of 10,000 words each; report time and peak memory.

Target (issue 2): under 30 s, peak memory under 500 MB. The import runs in a child
process so its peak RSS is measured alone.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = [
    "the",
    "service",
    "we",
    "staff",
    "time",
    "risk",
    "trust",
    "partnership",
    "mental",
    "health",
    "support",
    "access",
    "referral",
    "assessment",
    "navigator",
    "housing",
    "team",
    "manager",
    "clients",
    "people",
    "really",
    "think",
    "just",
    "know",
    "meeting",
    "board",
    "funding",
    "waiting",
    "list",
    "crisis",
    "outreach",
    "recovery",
    "substance",
    "and",
    "of",
    "to",
    "a",
    "in",
    "that",
    "it",
    "was",
    "for",
    "with",
    "on",
    "they",
    "have",
    "not",
    "but",
]
SPEAKERS = ("Interviewer", "Participant", "P2", "Housing lead")


def make_transcript(path: Path, words: int, seed: int) -> None:
    rng = random.Random(seed)
    parts: list[str] = [f"Study: benchmark\nTranscript: {seed}\n----\n"]
    written = 0
    turn = 0
    while written < words:
        size = rng.randint(20, 180)
        body = " ".join(rng.choice(WORDS) for _ in range(size))
        parts.append(
            f"[00:{turn // 60 % 60:02d}:{turn % 60:02d}] {SPEAKERS[turn % 4]}: "
            f"{body.capitalize()}.\n\n"
        )
        written += size
        turn += 1
    path.write_text("".join(parts), encoding="utf-8")


CHILD = """
import sys, time, resource
from pathlib import Path
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
folder, project_path = Path(sys.argv[1]), Path(sys.argv[2])
start = time.perf_counter()
with Project.create(project_path) as project, project.session() as session:
    service = SourceService(session, "Benchmark")
    report = service.import_files(service.collect([folder]))
elapsed = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{len(report.imported)} {elapsed:.2f} {peak_mb:.0f}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--words", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "transcripts"
        folder.mkdir()
        made = time.perf_counter()
        for i in range(args.files):
            make_transcript(folder / f"t{i:03d}.txt", args.words, i)
        made = time.perf_counter() - made
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(folder), str(Path(tmp) / "b.qcp")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        imported, elapsed, peak = int(out[0]), float(out[1]), float(out[2])
        size = (Path(tmp) / "b.qcp").stat().st_size / 1e6
    print(f"generated {args.files} x {args.words} words in {made:.1f} s")
    print(
        f"imported {imported} transcripts in {elapsed:.2f} s "
        f"({'OK' if elapsed < 30 else 'OVER'} target 30 s)"
    )
    print(
        f"peak memory {peak:.0f} MB ({'OK' if peak < 500 else 'OVER'} target 500 MB); "
        f"project file {size:.0f} MB"
    )


if __name__ == "__main__":
    main()
