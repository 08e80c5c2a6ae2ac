"""Evidence tables on a project with 100,000 codings: every table from one selection.

Builds the `bench_stats.py` project (100,000 codings over 50 sources, 200 participants,
64 codes in 8 themes, 5 coders), gives each participant an area and a data collection
method beside its stakeholder group, then times ``EvidenceService.tables`` (frequencies,
source of evidence, the stakeholder-group matrix, the framework matrix, co-occurrence).

Target: under 2 s (median of 3 runs).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

from qualcode.domain.reports import ReportFilter
from qualcode.services.evidence import EvidenceService
from qualcode.services.project import Project
from qualcode.services.selection import select_extracts
from qualcode.store.models import Attribute, Case, CaseAttributeValue

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_stats import build  # the sibling benchmark's project builder

TARGET = 2.0
AREAS = ("G", "L", "M", "N", "T", "U", "W")
METHODS = {
    "Mental health partner": "Mental health partner interview",
    "Local area lead": "Local area lead consultation",
    "MEAM staff": "MEAM staff consultation",
    "Substance misuse partner": "Substance misuse partner interview",
}


def add_attributes(path: Path, seed: int = 2) -> None:
    """Every participant gets an area, and a method that follows its stakeholder group."""
    rng = random.Random(seed)
    with Project.open(path) as project, project.session() as session:
        area = Attribute(name="area", type="text")
        method = Attribute(name="method", type="text")
        session.add_all([area, method])
        session.flush()
        groups = dict(
            session.execute(
                select(CaseAttributeValue.case_id, CaseAttributeValue.value)
                .join(Attribute)
                .where(Attribute.name == "stakeholder_group")
            ).all()
        )
        values = []
        for (case_id,) in session.execute(select(Case.id)):
            values.append({"case_id": case_id, "attribute_id": area.id, "value": rng.choice(AREAS)})
            values.append(
                {"case_id": case_id, "attribute_id": method.id, "value": METHODS[groups[case_id]]}
            )
        session.execute(insert(CaseAttributeValue), values)
        session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--codings", type=int, default=100_000)
    parser.add_argument("--sources", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "evidence.qcp"
        began = time.perf_counter()
        build(path, args.codings, args.sources)
        add_attributes(path)
        print(f"built project with {args.codings} codings in {time.perf_counter() - began:.1f} s")
        selection_times, table_times = [], []
        for _ in range(args.runs):
            with Project.open(path) as project, project.read_session() as session:
                began = time.perf_counter()
                extracts = select_extracts(session, ReportFilter())
                selection_times.append(time.perf_counter() - began)
            with Project.open(path) as project, project.read_session() as session:
                began = time.perf_counter()
                tables = EvidenceService(session).tables(ReportFilter())
                table_times.append(time.perf_counter() - began)
    assert len(extracts) == args.codings
    assert sum(row.codings for row in tables.frequencies if row.depth == 0) == args.codings
    selection = statistics.median(selection_times)
    whole = statistics.median(table_times)
    print(f"select_extracts alone: median {selection:.3f} s over {args.runs} runs")
    print(
        f"EvidenceService.tables (all five tables): median {whole:.3f} s over {args.runs} runs "
        f"[{', '.join(f'{t:.3f}' for t in table_times)}]"
    )
    print(f"{'PASS' if whole < TARGET else 'FAIL'}: target {TARGET:.0f} s")


if __name__ == "__main__":
    main()
