"""`stats` on a project with 100,000 codings: the service call and the whole CLI command.

Target (issue 2): answers in under 1 s.
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

from qualcode.domain.records import Codebook, CodebookEntry
from qualcode.services.codebook import CodebookService
from qualcode.services.project import Project
from qualcode.services.stats import StatsService
from qualcode.store.models import (
    Attribute,
    Case,
    CaseAttributeValue,
    Code,
    Coder,
    Coding,
    Source,
    SourceCase,
    SpeakerTurn,
)

GROUPS = ("Mental health partner", "Local area lead", "MEAM staff", "Substance misuse partner")


def bench_codebook() -> Codebook:
    """8 themes of 8 codes each: the size of the study's codebook."""
    return Codebook(
        "bench",
        "",
        tuple(
            CodebookEntry(
                name=f"Theme {t}",
                children=tuple(CodebookEntry(name=f"Code {t}.{c}") for c in range(8)),
            )
            for t in range(8)
        ),
    )


def build(path: Path, codings: int, sources: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    codebook = bench_codebook()
    with Project.create(path) as project, project.session() as session:
        CodebookService(session, "Bench").import_codebook(codebook)
        code_ids = [c.id for c in session.query(Code).filter(Code.parent_id.isnot(None))]
        coder_ids = [
            session.execute(
                insert(Coder).values(name=f"Coder {i}", uuid=f"c{i}")
            ).inserted_primary_key[0]
            for i in range(5)
        ]
        attribute = Attribute(name="stakeholder_group", type="text")
        session.add(attribute)
        session.flush()
        text = ("word " * 60_000)[:300_000]
        turns, links, values = [], [], []
        case_number = 0
        for s in range(sources):
            source = Source(
                name=f"s{s}",
                text=text,
                content_hash=f"{s:064d}",
                original_filename=f"s{s}.txt",
                format="txt",
                characters=len(text),
                words=60_000,
            )
            session.add(source)
            session.flush()
            cases = []
            for _ in range(4):
                case = Case(name=f"case{case_number}")
                case_number += 1
                session.add(case)
                session.flush()
                cases.append(case.id)
                links.append({"source_id": source.id, "case_id": case.id})
                values.append(
                    {"case_id": case.id, "attribute_id": attribute.id, "value": rng.choice(GROUPS)}
                )
            for t in range(300):
                turns.append(
                    {
                        "source_id": source.id,
                        "speaker": "x",
                        "start": t * 1000,
                        "end": t * 1000 + 990,
                        "case_id": cases[t % 4],
                    }
                )
        session.execute(insert(SpeakerTurn), turns)
        session.execute(insert(SourceCase), links)
        session.execute(insert(CaseAttributeValue), values)
        source_ids = [i for (i,) in session.query(Source.id)]
        rows = []
        for n in range(codings):
            start = rng.randrange(0, 299_000)
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
    parser.add_argument("--codings", type=int, default=100_000)
    parser.add_argument("--sources", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stats.qcp"
        began = time.perf_counter()
        build(path, args.codings, args.sources)
        print(f"built project with {args.codings} codings in {time.perf_counter() - began:.1f} s")
        service_times = []
        for _ in range(5):
            with Project.open(path) as project, project.read_session() as session:
                began = time.perf_counter()
                StatsService(session).code_stats()
                service_times.append(time.perf_counter() - began)
        cli_times = []
        for _ in range(3):
            began = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "qualcode", "stats", str(path), "--json"],
                check=True,
                capture_output=True,
            )
            cli_times.append(time.perf_counter() - began)
    service = statistics.median(service_times)
    cli = statistics.median(cli_times)
    print(f"StatsService.code_stats: median {service:.3f} s over 5 runs")
    print(
        f"qualcode stats --json (whole process, incl. Python start-up): median {cli:.3f} s "
        f"({'OK' if cli < 1 else 'OVER'} target 1 s)"
    )


if __name__ == "__main__":
    main()
