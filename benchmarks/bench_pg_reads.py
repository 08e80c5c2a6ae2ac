"""The big reads on a team project on PostgreSQL, beside the same on an SQLite file (issue 15,
"Speed").

- ``stats`` over 100,000 codings (bench_stats' project): target < 1 s on PostgreSQL.
- the agreement table (what the TUI's agreement screen asks the backend for) over
  100,000 codings by 5 coders (bench_agreement's project), by characters, sentences and
  turns: target < 1 s on PostgreSQL.
- opening a 100,000-word transcript with 2,000 codings through the TUI backend (its
  text, turns and codings, what the workbench waits for): no slower than on SQLite.

Each figure is the median of 5 runs, each in a fresh read session, after one warm-up
(the server's caches, like the SQLite file's pages in the OS, are warm in real use).
The PostgreSQL project is on ``--url`` (an empty database) or, by default, on a
throwaway server started here as the tests start theirs (tests/postgres_server.py;
a Unix socket, nothing on the network).

    python -m benchmarks.bench_pg_reads
    python -m benchmarks.bench_pg_reads --codings 20000
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import insert

from benchmarks import bench_agreement, bench_stats
from qualcode.services.codebook import CodebookService
from qualcode.services.project import Project, location_of
from qualcode.store.models import Code, Coder, Coding, Source, SpeakerTurn
from qualcode.tui.backend import Backend

RUNS = 5
TARGET_SECONDS = 1.0
BIG_WORDS = 100_000
BIG_TURNS = 1_000
BIG_CODINGS = 2_000
BIG_NAME = "long-interview"


@contextmanager
def postgres_databases(url: str | None) -> Iterator[Callable[[], str]]:
    """Hands out empty databases: ``url`` once, or new ones on a throwaway server."""
    if url is not None:
        given = [url]
        yield given.pop
        return
    from tests.postgres_server import PostgresServer

    server = PostgresServer.start()
    try:
        yield lambda: server.url(server.create_database())
    finally:
        server.stop()


def median_seconds(action: Callable[[], object]) -> float:
    action()  # warm-up
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def build_big_transcript(where: str, seed: int = 3) -> None:
    """One transcript of 100,000 words in 1,000 turns, coded 2,000 times by 3 coders."""
    rng = random.Random(seed)
    vocabulary = ("time", "trust", "navigator", "risk", "we", "the", "and")
    words = [rng.choice(vocabulary) for _ in range(BIG_WORDS)]
    per_turn = BIG_WORDS // BIG_TURNS
    paragraphs = [
        f"Sam: {' '.join(words[t * per_turn : (t + 1) * per_turn])}" for t in range(BIG_TURNS)
    ]
    text = "\n\n".join(paragraphs) + "\n"
    with Project.create(where) as project, project.session() as session:
        CodebookService(session, "Bench").import_codebook(bench_stats.bench_codebook())
        code_ids = [c.id for c in session.query(Code).filter(Code.parent_id.isnot(None))]
        coder_ids = [
            session.execute(insert(Coder).values(name=name, uuid=f"c{i}")).inserted_primary_key[0]
            for i, name in enumerate(("Ana", "Ben", "Cleo"))
        ]
        source_id = session.execute(
            insert(Source).values(
                uuid="s0",
                name=BIG_NAME,
                text=text,
                content_hash="0" * 64,
                original_filename=f"{BIG_NAME}.txt",
                format="txt",
                characters=len(text),
                words=BIG_WORDS,
            )
        ).inserted_primary_key[0]
        turns, offset = [], 0
        for paragraph in paragraphs:
            turns.append(
                {
                    "source_id": source_id,
                    "speaker": "Sam",
                    "start": offset,
                    "end": offset + len(paragraph),
                }
            )
            offset += len(paragraph) + 2
        session.execute(insert(SpeakerTurn), turns)
        rows = []
        for n in range(BIG_CODINGS):
            start = rng.randrange(0, len(text) - 1000)
            rows.append(
                {
                    "uuid": f"{n:036d}",
                    "source_id": source_id,
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


def measure(where: str, what: str) -> float:
    backend = Backend.open(location_of(where), "Ana")
    try:
        if what == "stats":
            return median_seconds(backend.stats)
        if what.startswith("agreement:"):
            unit = what.split(":", 1)[1]
            return median_seconds(lambda: backend.agreement(unit=unit))
        return median_seconds(lambda: backend.document(BIG_NAME))
    finally:
        backend.close()


def _where(where: str) -> Path:
    """For the builds typed for a file: they hand it straight to Project.create, which
    takes a URL as well (a Path would mangle the URL's //)."""
    return where  # type: ignore[return-value]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codings", type=int, default=100_000)
    parser.add_argument("--url", help="an empty PostgreSQL database (postgresql+psycopg://...)")
    args = parser.parse_args()
    if args.url is not None:
        print("--url holds one project at a time: measuring stats only")
    results: dict[tuple[str, str], float] = {}
    with tempfile.TemporaryDirectory() as tmp, postgres_databases(args.url) as new_database:
        folder = Path(tmp)
        builds: list[tuple[str, Callable[[str], None], list[str]]] = [
            ("stats", lambda w: bench_stats.build(_where(w), args.codings, 50), ["stats"]),
        ]
        if args.url is None:
            builds += [
                (
                    "agreement",
                    lambda w: bench_agreement.build(_where(w), args.codings, 50),
                    ["agreement:character", "agreement:sentence", "agreement:turn"],
                ),
                ("transcript", build_big_transcript, ["open"]),
            ]
        for name, build, measures in builds:
            for engine, where in (
                ("SQLite", str(folder / f"{name}.qcp")),
                ("PostgreSQL", new_database()),
            ):
                began = time.perf_counter()
                build(where)
                print(f"{engine}: built the {name} project in {time.perf_counter() - began:.1f} s")
                for what in measures:
                    results[(engine, what)] = measure(where, what)
    failed = False
    print(f"\nmedian of {RUNS} runs, {args.codings:,} codings")
    for what in dict.fromkeys(w for _, w in results):
        sqlite, server = results[("SQLite", what)], results[("PostgreSQL", what)]
        if what == "open":
            verdict = "OK" if server <= sqlite * 1.1 else "SLOWER"  # 10 %: timing noise
            label = f"open a {BIG_WORDS:,}-word transcript ({BIG_CODINGS:,} codings)"
        else:
            verdict = "OK" if server < TARGET_SECONDS else "OVER"
            label = what
        failed |= verdict != "OK"
        print(f"{label:48} SQLite {sqlite:7.3f} s  PostgreSQL {server:7.3f} s  {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
