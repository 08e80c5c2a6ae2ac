"""`merge` of two projects with 20,000 codings each (same sources and codes), and a
review's worth of threads (one per ten codings, two entries each) and removed codings.

Target (issue 6): under 10 s. Prints the merge time and a second, idempotent run.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from qualcode.services.codebook import CodebookService
from qualcode.services.merge import merge_projects
from qualcode.services.project import Project
from qualcode.store.models import (
    Code,
    Coder,
    Coding,
    RemovedCoding,
    ReviewEntry,
    ReviewThread,
    Source,
    new_uuid,
)

try:
    from benchmarks.bench_stats import bench_codebook
except ImportError:  # run as a script from the benchmarks folder
    from bench_stats import bench_codebook  # type: ignore[no-redef]


def build_base(path: Path, sources: int) -> None:
    text = ("word " * 60_000)[:300_000]
    with Project.create(path) as project, project.session() as session:
        CodebookService(session, "Bench").import_codebook(bench_codebook())
        session.execute(
            insert(Source),
            [
                {
                    "uuid": new_uuid(),
                    "name": f"s{s}",
                    "text": text,
                    "content_hash": f"{s:064d}",
                    "original_filename": f"s{s}.txt",
                    "format": "txt",
                    "characters": len(text),
                    "words": 60_000,
                }
                for s in range(sources)
            ],
        )
        session.commit()


def add_codings(path: Path, coder: str, codings: int, seed: int) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with Project.open(path) as project, project.session() as session:
        coder_id = session.execute(insert(Coder).values(name=coder)).inserted_primary_key[0]
        code_ids = list(session.scalars(select(Code.id).where(Code.parent_id.isnot(None))))
        source_ids = list(session.scalars(select(Source.id)))
        rows = []
        for _ in range(codings):
            start = rng.randrange(0, 299_000)
            rows.append(
                {
                    "uuid": new_uuid(),
                    "source_id": rng.choice(source_ids),
                    "code_id": rng.choice(code_ids),
                    "coder_id": coder_id,
                    "start": start,
                    "end": start + rng.randint(20, 900),
                    "memo": "",
                    "origin": "manual",
                    "created_at": now,
                }
            )
        session.execute(insert(Coding), rows)
        session.commit()


def add_review(path: Path, coder: str, seed: int) -> None:
    """Threads on a tenth of the codings (a comment and a status each), and a removed
    coding for every twentieth."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with Project.open(path) as project, project.session() as session:
        coder_row = session.scalar(select(Coder).where(Coder.name == coder))
        assert coder_row is not None
        codings = session.execute(
            select(Coding.uuid, Coding.source_id, Coding.code_id, Coding.start, Coding.end)
        ).all()
        picked = rng.sample(codings, len(codings) // 10)
        threads = [
            {
                "uuid": new_uuid(),
                "source_id": c.source_id,
                "code_id": c.code_id,
                "start": c.start,
                "end": c.end,
                "coding_uuid": c.uuid,
                "created_at": now,
            }
            for c in picked
        ]
        session.execute(insert(ReviewThread), threads)
        ids = dict(session.execute(select(ReviewThread.uuid, ReviewThread.id)).all())
        entries = [
            {
                "uuid": new_uuid(),
                "thread_id": ids[t["uuid"]],
                "coder_id": coder_row.id,
                "kind": kind,
                "text": text,
                "status": status,
                "created_at": now,
            }
            for t in threads
            for kind, text, status in (
                ("comment", "Is this about time or money?", None),
                ("status", "marked needs discussion", "needs discussion"),
            )
        ]
        session.execute(insert(ReviewEntry), entries)
        session.execute(
            insert(RemovedCoding),
            [
                {"uuid": new_uuid(), "coder_uuid": coder_row.uuid, "removed_at": now}
                for _ in range(len(codings) // 20)
            ],
        )
        session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--codings", type=int, default=20_000, help="codings in each project")
    parser.add_argument("--sources", type=int, default=20, help="sources (shared)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "base.qcp"
        build_base(base, args.sources)
        ann, bo = Path(folder) / "ann.qcp", Path(folder) / "bo.qcp"
        shutil.copyfile(base, ann)
        shutil.copyfile(base, bo)
        add_codings(ann, "Ann", args.codings, 1)
        add_codings(bo, "Bo", args.codings, 2)
        add_review(ann, "Ann", 3)
        add_review(bo, "Bo", 4)
        started = time.perf_counter()
        report = merge_projects(ann, [bo])
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = merge_projects(ann, [bo])
        second = time.perf_counter() - started
    print(
        f"merge of 2 x {args.codings:,} codings ({args.sources} sources): {first:.2f} s "
        f"({report.count('codings').added:,} added); again: {second:.2f} s "
        f"({again.count('codings').added} added); target under 10 s\n"
        f"  with {report.count('review threads').added:,} review threads and "
        f"{report.count('review entries').added:,} entries added"
    )


if __name__ == "__main__":
    main()
