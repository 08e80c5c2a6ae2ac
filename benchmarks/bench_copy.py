"""`qualcode copy` of a project with 100,000 codings, both directions (issue 15).

SQLite file -> PostgreSQL, PostgreSQL -> SQLite file, and file -> file for comparison,
each including the table-by-table check that follows the copy. PostgreSQL is a
throwaway cluster on a Unix socket (tests/postgres_server.py), so the figures are
loopback-free, fsync-off figures: a real server adds the network. No target; the issue
asks for the figure. Run from the repository root: ``python -m benchmarks.bench_copy``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.bench_stats import build
from qualcode.services.project_copy import copy_project
from tests.postgres_server import PostgresServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--codings", type=int, default=100_000)
    parser.add_argument("--sources", type=int, default=50)
    args = parser.parse_args()
    server = PostgresServer.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "big.qcp"
            began = time.perf_counter()
            build(path, args.codings, args.sources)
            print(
                f"built a project with {args.codings:,} codings and {args.sources} sources "
                f"of 60,000 words in {time.perf_counter() - began:.1f} s "
                f"({path.stat().st_size / 1e6:.0f} MB)"
            )
            url = server.url(server.create_database())
            runs = (
                ("file -> file", path, Path(tmp) / "copy.qcp"),
                ("file -> PostgreSQL", path, url),
                ("PostgreSQL -> file", url, Path(tmp) / "back.qcp"),
            )
            for label, source, destination in runs:
                report = copy_project(source, destination)
                print(f"{label:20} {report.seconds:6.1f} s  ({report.total_rows:,} rows, checked)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
