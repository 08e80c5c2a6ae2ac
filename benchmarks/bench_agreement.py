"""`agreement` for 5 coders across 50 transcripts of 10,000 words with 20,000 codings.

Target (issue 6): under 2 s. Times the service call per unit and the whole CLI command.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from benchmarks.bench_stats import bench_codebook
from qualcode.services.agreement import AgreementService
from qualcode.services.codebook import CodebookService
from qualcode.services.project import Project
from qualcode.store.models import Code, Coder, Coding, Source, SpeakerTurn

SENTENCE = "We just have no time for it. "  # 7 words, 29 characters


def build(path: Path, codings: int, sources: int, coders: int = 5, seed: int = 1) -> None:
    """Transcripts of 10,000 words in 100 speaker turns; codings in bulk inserts."""
    rng = random.Random(seed)
    text = SENTENCE * (10_000 // 7)
    with Project.create(path) as project, project.session() as session:
        CodebookService(session, "Bench").import_codebook(bench_codebook())
        code_ids = [c.id for c in session.query(Code).filter(Code.parent_id.isnot(None))]
        coder_ids = [
            session.execute(
                insert(Coder).values(name=f"Coder {i}", uuid=f"c{i}")
            ).inserted_primary_key[0]
            for i in range(coders)
        ]
        session.execute(
            insert(Source),
            [
                {
                    "uuid": f"s{s}",
                    "name": f"s{s}",
                    "text": text,
                    "content_hash": f"{s:064d}",
                    "original_filename": f"s{s}.txt",
                    "format": "txt",
                    "characters": len(text),
                    "words": 10_000,
                }
                for s in range(sources)
            ],
        )
        source_ids = [i for (i,) in session.query(Source.id)]
        step = len(text) // 100
        session.execute(
            insert(SpeakerTurn),
            [
                {"source_id": s, "speaker": "x", "start": t * step, "end": (t + 1) * step - 1}
                for s in source_ids
                for t in range(100)
            ],
        )
        rows = []
        for n in range(codings):
            start = rng.randrange(0, len(text) - 1000)
            rows.append(
                {
                    "uuid": f"{n:036d}",
                    "source_id": rng.choice(source_ids),
                    "code_id": rng.choice(code_ids),
                    "coder_id": rng.choice(coder_ids),
                    "start": start,
                    "end": start + rng.randint(20, 900),
                    "memo": "",
                    "origin": "manual",
                }
            )
        session.execute(insert(Coding), rows)
        session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--codings", type=int, default=20_000)
    parser.add_argument("--sources", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "agreement.qcp"
        began = time.perf_counter()
        build(path, args.codings, args.sources)
        print(f"built project with {args.codings} codings in {time.perf_counter() - began:.1f} s")
        for unit in ("character", "sentence", "turn"):
            times = []
            for _ in range(5):
                with Project.open(path) as project, project.read_session() as session:
                    began = time.perf_counter()
                    AgreementService(session).agreement(unit=unit)  # type: ignore[arg-type]
                    times.append(time.perf_counter() - began)
            median = statistics.median(times)
            print(
                f"AgreementService.agreement(unit={unit!r}): median {median:.3f} s over 5 runs "
                f"({'OK' if median < 2 else 'OVER'} target 2 s)"
            )
        cli_times = []
        for _ in range(3):
            began = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "qualcode", "agreement", str(path), "--json"],
                check=True,
                capture_output=True,
            )
            cli_times.append(time.perf_counter() - began)
    cli = statistics.median(cli_times)
    print(
        f"qualcode agreement --json (whole process, incl. Python start-up): median {cli:.3f} s "
        f"({'OK' if cli < 2 else 'OVER'} target 2 s)"
    )


if __name__ == "__main__":
    main()
