"""A Word report of 20,000 extracts, end to end: select, build, write, read back, check.

Target (issue 5): under 15 s. python-docx's add_paragraph slows as the document grows
(its issue 408); qualcode inserts before a fixed sentinel paragraph instead. The
script also times the naive add_paragraph way on the same report, for the ratio.

    python benchmarks/bench_report.py [--codings 20000] [--naive]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from benchmarks.bench_stats import build
from qualcode.domain.reports import ReportFilter, ReportOptions
from qualcode.services.identifiers import IdentifierService
from qualcode.services.project import Project
from qualcode.services.reports import ReportService
from qualcode.store.models import Source

ROOT = Path(__file__).resolve().parent.parent

TARGET = 15.0


def naive_write(report, path: Path) -> float:  # type: ignore[no-untyped-def]
    """The same paragraphs with Document.add_paragraph, to show why qualcode does not."""
    from docx import Document

    started = time.perf_counter()
    document = Document()
    for section in report.sections:
        document.add_heading(section.name, min(section.depth + 1, 9))
        for quote in section.quotes:
            document.add_paragraph(quote.text, style="Quote")
            document.add_paragraph(quote.attribution)
    document.save(str(path))
    return time.perf_counter() - started


def realistic_text(length: int) -> str:
    """Sentences from the demo transcripts, so quotes widen to sentences as real ones do."""
    from qualcode.importers import read_transcript

    sentences: list[str] = []
    for file in sorted((ROOT / "transcripts").iterdir()):
        if file.suffix in {".txt", ".docx", ".vtt", ".srt"}:
            parsed = read_transcript(file)
            for turn in parsed.turns:
                sentences.extend(re.findall(r"[^.?!]+[.?!]", parsed.text[turn.start : turn.end]))
    rng = random.Random(3)
    parts: list[str] = []
    size = 0
    while size < length:
        sentence = rng.choice(sentences).strip() + " "
        parts.append(sentence)
        size += len(sentence)
    return "".join(parts)[:length]


def use_realistic_text(path: Path) -> None:
    with Project.open(path) as project, project.session() as session:
        for source in session.scalars(select(Source)):
            source.text = realistic_text(len(source.text))
        session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codings", type=int, default=20_000)
    parser.add_argument("--naive", action="store_true", help="also time plain add_paragraph")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        project_path = Path(folder) / "bench.qcp"
        started = time.perf_counter()
        build(project_path, args.codings, 50)
        use_realistic_text(project_path)
        print(f"built {args.codings:,} codings in {time.perf_counter() - started:.1f} s")
        with Project.open(project_path) as project, project.session() as session:
            IdentifierService(session, "Bench").add("Hendry", "[name]", kind="person")
            IdentifierService(session, "Bench").mark_reviewed("Bench")
            output = Path(folder) / "report.docx"
            ungated = _ungated(session, Path(folder) / "ungated.docx")
            result = ReportService(session).export_docx(
                output, ReportFilter(), ReportOptions(title="Benchmark report")
            )
            size = output.stat().st_size / 1e6
            print(
                f"export docx: {result.extracts:,} extracts under {result.codes} codes, "
                f"{size:.1f} MB, checked {result.checked:,} pieces of text: "
                f"{result.seconds:.1f} s (target < {TARGET:.0f} s) "
                f"{'PASS' if result.seconds < TARGET else 'FAIL'}"
            )
            gate = result.seconds - ungated
            print(
                f"the same report without the export gate (no register applied, nothing "
                f"read back): {ungated:.1f} s; the gate adds {gate:.1f} s "
                f"({result.seconds / ungated:.2f}x)"
            )
            if args.naive:
                report = ReportService(session).build(
                    ReportFilter(), ReportOptions(include_tables=False)
                )
                naive = naive_write(report, Path(folder) / "naive.docx")
                print(f"same quotes with plain add_paragraph: {naive:.1f} s")


def _ungated(session, path: Path) -> float:  # type: ignore[no-untyped-def]
    """Selecting, building and rendering alone: what the gate's work is measured against."""
    from qualcode.exporters.docx_report import report_bytes

    started = time.perf_counter()
    report = ReportService(session).build(ReportFilter(), ReportOptions(title="Benchmark report"))
    path.write_bytes(report_bytes(report))
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
