"""`export-project` and `import-project` of a REFI-QDA .qdpx for a project of 200
sources, 1,000,000 words and 50,000 codings.

Target (issue 14): each under 15 s on 2 cores, peak memory under 1 GB. Every phase runs
in a fresh process, so its peak resident memory is its own; the figures printed are the
wall time of the phase and that process's peak RSS. The project is built with bulk
inserts (speaker turns, participants with attributes, coding memos, a small identifier
register included), so building it is not measured.

Phases: ``export`` (the original copy), ``export-pseudonymised`` (the register applied
to every transcript and the written file scanned for names), ``import`` (the exported
file into a new project) and ``merge-again`` (the same file merged into that project:
everything matched by GUID, nothing written).

    python -m benchmarks.bench_qdpx            # 200 sources, 1,000,000 words, 50,000 codings
    python -m benchmarks.bench_qdpx --words 100000 --codings 5000   # a quick run
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

TARGET_SECONDS = 15.0
TARGET_MB = 1024
_VOCABULARY = (
    "the a and to of we they support service mental health team time money nobody "
    "partnership meeting waiting list referral trust housing drug alcohol navigator "
    "really just said never always because when where how why what cafe\u0301 na\u00efve "
    "\U0001f44d risk case worker client caseload"
)
_WORDS = _VOCABULARY.split()


# --- building the project ------------------------------------------------------------


def build_project(path: Path, sources: int, words: int, codings: int, seed: int = 1) -> None:
    from qualcode.services.codebook import CodebookService
    from qualcode.services.identifiers import IdentifierService
    from qualcode.services.project import Project
    from qualcode.store.models import (
        Attribute,
        Case,
        CaseAttributeValue,
        Code,
        Coder,
        Coding,
        Memo,
        Source,
        SourceCase,
        SpeakerTurn,
        new_uuid,
    )

    try:
        from benchmarks.bench_stats import bench_codebook
    except ImportError:  # run as a script from the benchmarks folder
        from bench_stats import bench_codebook  # type: ignore[no-redef]

    rng = random.Random(seed)
    now = datetime.now(UTC)
    per_source = words // sources
    with Project.create(path) as project, project.session() as session:
        CodebookService(session, "Bench").import_codebook(bench_codebook())
        coder_ids = [
            session.execute(insert(Coder).values(name=name)).inserted_primary_key[0]
            for name in ("Ana", "Bo", "Cy")
        ]
        texts, turns = [], []
        for s in range(sources):
            text, spans = _transcript(rng, per_source, f"P{s:03d}")
            texts.append(text)
            turns.append(spans)
        session.execute(
            insert(Source),
            [
                {
                    "uuid": new_uuid(),
                    "name": f"interview-{s:03d}",
                    "text": text,
                    "content_hash": f"{s:064d}",
                    "original_filename": f"interview-{s:03d}.txt",
                    "format": "txt",
                    "characters": len(text),
                    "words": per_source,
                }
                for s, text in enumerate(texts)
            ],
        )
        source_ids = list(session.scalars(select(Source.id).order_by(Source.id)))
        session.execute(
            insert(Case),
            [{"uuid": new_uuid(), "name": f"P{s:03d}", "created_at": now} for s in range(sources)],
        )
        case_ids = list(session.scalars(select(Case.id).order_by(Case.id)))
        session.execute(insert(Attribute), [{"name": "age", "type": "number"}])
        session.execute(insert(Attribute), [{"name": "group", "type": "text"}])
        attributes = dict(session.execute(select(Attribute.name, Attribute.id)).all())
        session.execute(
            insert(CaseAttributeValue),
            [
                {"case_id": c, "attribute_id": attributes[name], "value": value}
                for c in case_ids
                for name, value in (("age", str(rng.randint(18, 80))), ("group", "carer"))
            ],
        )
        session.execute(
            insert(SourceCase),
            [{"source_id": s, "case_id": c} for s, c in zip(source_ids, case_ids, strict=True)],
        )
        session.execute(
            insert(SpeakerTurn),
            [
                {
                    "source_id": source_id,
                    "speaker": speaker,
                    "start": start,
                    "end": end,
                    "case_id": case_id if speaker != "Interviewer" else None,
                }
                for source_id, case_id, spans in zip(source_ids, case_ids, turns, strict=True)
                for speaker, start, end in spans
            ],
        )
        code_ids = list(session.scalars(select(Code.id).where(Code.parent_id.isnot(None))))
        rows = []
        for n in range(codings):
            index = rng.randrange(sources)
            text = texts[index]
            start = _word_start(text, rng.randrange(0, max(1, len(text) - 1000)))
            end = _word_end(text, start + rng.randint(40, 600))
            rows.append(
                {
                    "uuid": new_uuid(),
                    "source_id": source_ids[index],
                    "code_id": rng.choice(code_ids),
                    "coder_id": rng.choice(coder_ids),
                    "start": start,
                    "end": end,
                    "memo": "check with the team" if n % 50 == 0 else "",
                    "origin": "manual",
                    "created_at": now,
                }
            )
        session.execute(insert(Coding), rows)
        session.execute(
            insert(Memo),
            [
                {
                    "uuid": new_uuid(),
                    "target": "source",
                    "target_id": source_id,
                    "coder_id": coder_ids[0],
                    "text": "Long interview; follow up.",
                }
                for source_id in source_ids[:50]
            ],
        )
        session.commit()
        register = IdentifierService(session, "Bench")
        register.add("Jillian Okafor", "[psychologist]", "person")
        register.add("Thornleigh", "[local area]", "place")
        register.mark_reviewed("Bench")


def _transcript(
    rng: random.Random, words: int, case: str
) -> tuple[str, list[tuple[str, int, int]]]:
    """Alternating interviewer and participant turns; a registered name now and then."""
    parts: list[str] = []
    spans: list[tuple[str, int, int]] = []
    length = 0
    left = words
    turn = 0
    while left > 0:
        speaker = "Interviewer" if turn % 2 == 0 else case
        count = min(left, rng.randint(10, 40) if turn % 2 == 0 else rng.randint(60, 250))
        body = [rng.choice(_WORDS) for _ in range(count)]
        if turn % 7 == 3:
            body[count // 2] = "Thornleigh"
        if turn % 11 == 5:
            body[count // 3] = "Jillian"
        line = f"{speaker}: {' '.join(body)}"
        spans.append((speaker, length, length + len(line)))
        parts.append(line)
        length += len(line) + 2
        left -= count
        turn += 1
    return "\n\n".join(parts) + "\n", spans


def _word_start(text: str, position: int) -> int:
    while position > 0 and not text[position - 1].isspace():
        position -= 1
    return position


def _word_end(text: str, position: int) -> int:
    position = min(position, len(text))
    while position < len(text) and not text[position].isspace():
        position += 1
    return position


# --- the phases, each run in a fresh process -----------------------------------------


def export_phase(project: Path, qdpx: Path) -> dict[str, object]:
    from qualcode.services.project_export import export_project

    written = export_project(project, qdpx)
    return {"codings": written.codings, "bytes": qdpx.stat().st_size}


def export_pseudonymised_phase(project: Path, qdpx: Path) -> dict[str, object]:
    from qualcode.services.project_export import export_project

    written = export_project(project, qdpx, pseudonymise=True)
    return {"codings": written.codings, "texts checked": written.checked}


def import_phase(project: Path, qdpx: Path) -> dict[str, object]:
    """`import-project`: ``qdpx`` (the export phase's file) into a new project."""
    from qualcode.services.project_import import import_project

    target = project.with_name("imported.qcp")
    target.unlink(missing_ok=True)
    result = import_project(qdpx, target)
    return {
        "codings": result.summary.count("codings"),
        "selections checked": result.summary.selections_checked,
    }


def merge_again_phase(project: Path, qdpx: Path) -> dict[str, object]:
    """`merge` of the same file into the project it was just imported as: every record
    is matched by GUID and nothing is written."""
    from qualcode.services.project_import import merge_qdpx

    result = merge_qdpx(project.with_name("imported.qcp"), qdpx)
    return {"written": result.report.written}


PHASES: dict[str, tuple[Callable[[Path, Path], dict[str, object]], str]] = {
    "export": (export_phase, "export.qdpx"),
    "export-pseudonymised": (export_pseudonymised_phase, "shared.qdpx"),
    "import": (import_phase, "export.qdpx"),
    "merge-again": (merge_again_phase, "export.qdpx"),
}


def run_phase(name: str, project: Path) -> None:
    """Run one phase in this process and print its figures as JSON (the child's side)."""
    function, file_name = PHASES[name]
    started = time.perf_counter()
    details = function(project, project.with_name(file_name))
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, **details}))


def measure(name: str, project: Path) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_qdpx", "--phase", name, str(project)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--codings", type=int, default=50_000)
    parser.add_argument("--phase", choices=list(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("project", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run_phase(args.phase, args.project)
        return
    with tempfile.TemporaryDirectory(prefix="bench-qdpx-") as folder:
        project = Path(folder) / "big.qcp"
        started = time.perf_counter()
        build_project(project, args.sources, args.words, args.codings)
        print(
            f"built {args.sources} sources, {args.words:,} words, {args.codings:,} codings "
            f"in {time.perf_counter() - started:.1f} s (not measured)"
        )
        for name in PHASES:
            figures = measure(name, project)
            if "skipped" in figures:
                print(f"{name}: skipped ({figures['skipped']})")
                continue
            seconds, peak = float(figures.pop("seconds")), float(figures.pop("peak_mb"))
            verdict = "meets" if seconds < TARGET_SECONDS and peak < TARGET_MB else "MISSES"
            extra = ", ".join(
                f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in figures.items()
            )
            print(
                f"{name}: {seconds:.2f} s, peak {peak:.0f} MB ({extra}); "
                f"target under {TARGET_SECONDS:.0f} s and {TARGET_MB} MB: {verdict}"
            )


if __name__ == "__main__":
    main()
