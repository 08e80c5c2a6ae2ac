"""Many coders writing one project at once (issue 15, "Concurrency").

N coder processes each make M actions: add and remove codings, edit shared memos and
rename shared codes, some deliberately conflicting (two processes act as the same coder,
as one person in two terminals would; edits are made against a view read a few actions
earlier, as a dialog left open would). Each process logs every action and what it was
told. Afterwards the check: every success is in the project exactly once (or was removed
by a later success), every refusal was a clear qualcode error, no edit was lost (each
memo's and code's version is 1 + its successful edits) and the audit log accounts for
every success. Prints the 95th percentile time of an action's commit.

The project is an SQLite file in a temporary folder, or with ``--url`` an empty
PostgreSQL database, or with ``--postgres`` a database on a throwaway server started
here as the tests start theirs (tests/postgres_server.py; a Unix socket, nothing on the
network).

    python benchmarks/bench_concurrent_coders.py            # 10 processes x 1,000 actions
    python benchmarks/bench_concurrent_coders.py -n 4 -m 60
    python benchmarks/bench_concurrent_coders.py --postgres
    python benchmarks/bench_concurrent_coders.py --postgres --pace 0.5

Flat out (the default) every process acts the moment its last action returns: a stress
test, where on a small machine the time measured is mostly waiting for a CPU. ``--pace S``
makes each coder act on average every S seconds (random, Poisson arrivals), as people
do: the time measured is then what one action costs while nine others are coding too.

Exits 1 (and says why) if anything does not add up. No retries: a refusal is a result.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

CODES = 8
SPANS = 40
MEMOS = 4
NAMES = [f"Theme {k}" for k in range(CODES + 4)]
TEXT = "".join(
    f"Line {i}: we talked about time, trust and the navigator role.\n" for i in range(80)
)


def setup(where: str, directory: Path, coders: list[str]) -> None:
    from qualcode.domain.records import Codebook, CodebookEntry
    from qualcode.services.base import get_or_create_coder
    from qualcode.services.codebook import CodebookService
    from qualcode.services.memos import MemoService
    from qualcode.services.project import Project
    from qualcode.services.sources import SourceService

    transcript = directory / "talk.txt"
    transcript.write_text(TEXT, encoding="utf-8")
    entries = tuple(CodebookEntry(name=NAMES[k]) for k in range(CODES))
    with Project.create(where) as project, project.session() as session:
        CodebookService(session, "Owner").import_codebook(Codebook("Bench", "", entries))
        SourceService(session, "Owner").import_files([transcript])
        for name in coders:  # as an owner adds the team before the coding week
            get_or_create_coder(session, name)
        session.commit()
        for k in range(MEMOS):
            MemoService(session, "Owner").add("project", None, f"memo {k}")


def worker(
    where: str,
    coder: str,
    seed: int,
    actions: int,
    out: Path,
    pace: float = 0.0,
    start_at: float = 0.0,
) -> None:
    """One coder's session: ``actions`` actions, each logged as one JSON line; with a
    ``pace``, one every ``pace`` seconds on average. The first action waits for the
    wall-clock time ``start_at``, so that no coder's action is timed while other
    processes are still starting up (importing qualcode costs a CPU a second)."""
    from qualcode.domain.errors import QualcodeError
    from qualcode.services.codebook import CodebookService
    from qualcode.services.coding import CodingService
    from qualcode.services.memos import MemoService
    from qualcode.services.project import Project

    rng = random.Random(seed)
    log = out.open("w", encoding="utf-8")
    with Project.open(where) as project:
        with project.session() as session:
            codes = [c.uuid for c in CodebookService(session).list_codes()]
        mine: list[str] = []
        view_codes: dict[str, int] = {}
        view_memos: dict[str, int] = {}
        time.sleep(max(0.0, start_at - time.time()))
        due = time.perf_counter()
        for number in range(actions):
            if pace:
                due += rng.expovariate(1 / pace)
                time.sleep(max(0.0, due - time.perf_counter()))
            if number % 5 == 0:  # the screen is refreshed now and then, not before each edit
                with project.read_session() as session:
                    view_codes = {c.uuid: c.version for c in CodebookService(session).list_codes()}
                    view_memos = {m.uuid: m.version for m in MemoService(session).list()}
            roll = rng.random()
            entry: dict[str, Any] = {"coder": coder}
            began = time.perf_counter()
            try:
                with project.session() as session:
                    if roll < 0.45 or not mine:
                        code = rng.choice(codes)
                        span = rng.randrange(SPANS)
                        entry.update(kind="add", code=code, span=span)
                        record = CodingService(session, coder).add(
                            "talk", code, span * 10, span * 10 + 8
                        )
                        entry["uuid"] = record.uuid
                        mine.append(record.uuid)
                    elif roll < 0.6:
                        uuid = mine.pop(rng.randrange(len(mine)))
                        entry.update(kind="remove", uuid=uuid)
                        CodingService(session, coder).remove(uuid)
                    elif roll < 0.8:
                        memo, version = rng.choice(sorted(view_memos.items()))
                        text = f"{coder} #{number}"
                        entry.update(kind="memo", uuid=memo, text=text)
                        edited = MemoService(session, coder).edit(
                            memo, text, expected_version=version
                        )
                        entry["version"] = edited.version
                    else:
                        code, version = rng.choice(sorted(view_codes.items()))
                        name = rng.choice(NAMES)
                        entry.update(kind="rename", uuid=code, name=name)
                        renamed = CodebookService(session, coder).update_code(
                            code, expected_version=version, name=name
                        )
                        entry["version"] = renamed.version
                        entry["changed"] = renamed.version != version
                entry["ok"] = True
            except QualcodeError as error:
                entry.update(ok=False, error=type(error).__name__, message=str(error))
            entry["seconds"] = time.perf_counter() - began
            entry["at"] = time.time()
            log.write(json.dumps(entry) + "\n")
    log.close()


@dataclass
class Outcome:
    problems: list[str]
    counts: Counter[str]
    p95_ms: float
    seconds: float
    # The 95th percentile of each kind of action ("add", "remove", "memo", "rename").
    p95_by_kind: dict[str, float] = field(default_factory=dict)


def check(where: str, logs: list[Path]) -> Outcome:
    from sqlalchemy import text

    from qualcode.services.project import Project

    entries = [json.loads(line) for log in logs for line in log.read_text().splitlines()]
    counts: Counter[str] = Counter(
        f"{e['kind']} {'ok' if e['ok'] else e['error']}" for e in entries
    )
    problems = [
        f"unexpected error {e['error']}: {e['message']}"
        for e in entries
        if not e["ok"] and e["error"] not in {"ConflictError", "StaleEditError", "NotFoundError"}
    ]
    project = Project.open(where)
    db = project.read_session()
    codings = Counter(uuid for (uuid,) in db.execute(text("select uuid from codings")))
    added = {e["uuid"] for e in entries if e["kind"] == "add" and e["ok"]}
    removed = {e["uuid"] for e in entries if e["kind"] == "remove" and e["ok"]}
    problems += [f"coding {u} held {n} times" for u, n in codings.items() if n != 1]
    problems += [f"coding {u} reported added, is gone" for u in added - removed - set(codings)]
    problems += [f"coding {u} reported removed, is there" for u in removed & set(codings)]
    problems += [f"coding {u} was never reported added" for u in set(codings) - added]
    audit = Counter(
        (action, uuid)
        for action, uuid in db.execute(text("select action, entity_uuid from audit_log"))
    )
    for kind, action in (("add", "coding.add"), ("remove", "coding.remove")):
        for e in entries:
            if e["kind"] == kind and e["ok"] and audit[(action, e["uuid"])] < 1:
                problems.append(f"{kind} of {e['uuid']} is not in the audit log")
    for kind, action, table in (("memo", "memo.edit", "memos"), ("rename", "code.update", "codes")):
        done = Counter(
            e["uuid"] for e in entries if e["kind"] == kind and e["ok"] and e.get("changed", True)
        )
        logged = sum(n for (a, _), n in audit.items() if a == action)
        if logged != sum(done.values()):
            problems.append(f"{logged} {action} in the audit log, {sum(done.values())} succeeded")
        for uuid, version in db.execute(text(f"select uuid, version from {table}")):
            if version != 1 + done[uuid]:
                problems.append(f"{table} {uuid}: version {version}, {done[uuid]} edits succeeded")
    last_memo = {}
    for e in sorted(
        (e for e in entries if e["kind"] == "memo" and e["ok"]), key=lambda e: e["version"]
    ):
        last_memo[e["uuid"]] = e["text"]
    for uuid, saved in db.execute(text("select uuid, text from memos")):
        if uuid in last_memo and last_memo[uuid] != saved:
            problems.append(f"memo {uuid} reads {saved!r}, the last edit saved {last_memo[uuid]!r}")
    db.close()
    project.close()
    by_kind = {
        kind: _p95_ms([e["seconds"] for e in entries if e["kind"] == kind])
        for kind in sorted({e["kind"] for e in entries})
    }
    return Outcome(problems, counts, _p95_ms([e["seconds"] for e in entries]), 0.0, by_kind)


def _p95_ms(seconds: list[float]) -> float:
    times = sorted(seconds)
    return times[int(0.95 * (len(times) - 1))] * 1000 if times else 0.0


def run(
    directory: Path,
    processes: int,
    actions: int,
    timeout: float,
    url: str | None = None,
    pace: float = 0.0,
) -> Outcome:
    """The benchmark on an SQLite file in ``directory``, or on the empty database at ``url``."""
    where = url or str(directory / "team.qcp")
    # Two processes per coder: the same person in two terminals, racing themselves.
    coders = [f"Coder {i // 2}" for i in range(processes)]
    setup(where, directory, sorted(set(coders)))
    logs = [directory / f"actions-{i}.jsonl" for i in range(processes)]
    began = time.perf_counter()
    start_at = time.time() + 2.0 + 0.5 * processes
    children = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--worker",
                where,
                coder,
                str(i),
                str(actions),
                str(logs[i]),
                str(pace),
                str(start_at),
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        for i, coder in enumerate(coders)
    ]
    failures = []
    for child in children:
        try:
            _, err = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            _, err = child.communicate()
            failures.append(f"process {child.args[3]} timed out after {timeout} s: {err[-2000:]}")
            continue
        if child.returncode != 0:
            failures.append(f"process for {child.args[3]} failed: {err[-2000:]}")
    seconds = time.perf_counter() - began
    if failures:
        return Outcome(failures, Counter(), 0.0, seconds)
    outcome = check(where, logs)
    outcome.seconds = seconds
    return outcome


@contextmanager
def throwaway_database(args: argparse.Namespace) -> Iterator[str | None]:
    """``--url`` as given; with ``--postgres`` a database on a server started and stopped
    here; else None (an SQLite file)."""
    if not args.postgres:
        yield args.url
        return
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tests.postgres_server import PostgresServer

    server = PostgresServer.start()
    try:
        yield server.url(server.create_database())
    finally:
        server.stop()


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        where, coder, seed, actions, out, pace, start_at = sys.argv[2:9]
        worker(where, coder, int(seed), int(actions), Path(out), float(pace), float(start_at))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--processes", type=int, default=10)
    parser.add_argument("-m", "--actions", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument(
        "--pace", type=float, default=0.0, help="mean seconds between one coder's actions"
    )
    server = parser.add_mutually_exclusive_group()
    server.add_argument("--url", help="an empty PostgreSQL database (postgresql+psycopg://...)")
    server.add_argument(
        "--postgres", action="store_true", help="on a throwaway PostgreSQL server started here"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory, throwaway_database(args) as url:
        outcome = run(Path(directory), args.processes, args.actions, args.timeout, url, args.pace)
    for key, value in sorted(outcome.counts.items()):
        print(f"{key:28} {value:6}")
    print(
        f"{'PostgreSQL' if args.url or args.postgres else 'SQLite'}: "
        f"{args.processes} processes x {args.actions} actions "
        f"({f'one per {args.pace} s each' if args.pace else 'flat out'}) "
        f"in {outcome.seconds:.1f} s; "
        f"95th percentile action (commit) {outcome.p95_ms:.1f} ms"
    )
    print(
        "95th percentile by kind: "
        + ", ".join(f"{kind} {ms:.1f} ms" for kind, ms in outcome.p95_by_kind.items())
    )
    for problem in outcome.problems[:50]:
        print("PROBLEM:", problem)
    return 1 if outcome.problems else 0


if __name__ == "__main__":
    sys.exit(main())
