"""What the TUI's live look costs: a poll when nothing changed, a poll after another
coder's coding, and the reads that refresh an open transcript after it (issue 15).

On the demo project (``--demo PATH``, from `qualcode demo --with-coding`) and on a
generated project with 100,000 codings and as many audit entries (the audit log grows
with every action, so a real project of that size has at least that many).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import insert, select

from benchmarks.bench_agreement import build
from qualcode.services.coding import CodingService
from qualcode.services.live import LiveWatch
from qualcode.services.project import Project
from qualcode.store.models import AuditEntry, Code, Coding, Source
from qualcode.tui.backend import Backend


def _ms(function: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def _add_audit(path: Path) -> None:
    with Project.open(path) as project, project.session() as session:
        uuids = session.scalars(select(Coding.uuid)).all()
        session.execute(
            insert(AuditEntry),
            [
                {"action": "coding.add", "entity": "coding", "entity_uuid": u, "details": "{}"}
                for u in uuids
            ],
        )
        session.commit()


def measure(path: Path, label: str) -> None:
    with Project.open(path) as reader, Project.open(path) as writer:
        watch = LiveWatch(reader)
        token = watch.current()
        quiet, quiet95 = _ms(lambda: watch.changes_since(token), 2000)
        with writer.read_session() as session:
            source = session.scalars(select(Source.name)).first()
            code = session.scalars(select(Code.uuid).where(Code.parent_id.isnot(None))).first()
        assert source and code
        busy = []
        for n in range(50):
            with writer.session() as session:
                CodingService(session, "Other").add(source, code, n * 3, n * 3 + 2)
            began = time.perf_counter()
            token, changes = watch.changes_since(token)
            busy.append((time.perf_counter() - began) * 1000)
            assert changes.codings_in(source)
        watch.close()
    backend = Backend.open(path, "Reader")
    refresh, _ = _ms(lambda: (backend.codings(source), backend.codes(), backend.stats()), 10)
    backend.close()
    print(
        f"{label}: quiet poll median {quiet:.3f} ms (p95 {quiet95:.3f}); poll after another "
        f"coder's coding median {statistics.median(busy):.2f} ms (max {max(busy):.2f}); "
        f"refreshing the open transcript and codebook after it {refresh:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--demo", type=Path, help="a demo project (qualcode demo --with-coding)")
    parser.add_argument("--codings", type=int, default=100_000)
    args = parser.parse_args()
    if args.demo:
        measure(args.demo, "demo")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "live.qcp"
        build(path, args.codings, 50)
        _add_audit(path)
        measure(path, f"{args.codings:,} codings")


if __name__ == "__main__":
    main()
