"""Speed and memory of code suggestions on a big project, on the blank spaCy pipeline.

Targets (issue 12, "Speed"):

1. `qualcode suggest` on a 1,000,000-word project with the study codebook (69 codes) and
   a model trained on 2,000 coded turns: under 20 s on 2 cores and peak memory under
   1 GB (the analysis's second process included), for --unit turn and --unit sentence,
   on a cold analysis cache (everything analysed, cache filled) and a warm one; the
   same without a model (codebook only);
2. one transcript of 10,000 words (`g` in the workbench), measured through
   `SuggestionService.suggest(source=...)` in a process that has already suggested
   once (pipeline loaded, analysis cache warm): under 1 s;
3. `qualcode suggest train` on 2,000 coded units: under 60 s (an earlier issue's target);
4. after one source changes (here: one new source is imported), a re-run analyses that
   source only.

The project is built from sentences of the demo transcripts recombined into turns of
speakers "P1" and "P2" (no interviewer, no cases: every turn is a participant's), so the
vocabulary is realistic. Each measurement is a fresh process (no lru_cache or memory
carried over; output to /dev/null) timed by wall clock and by its CPU time (os.wait4:
its own and its children's), with its peak RSS read from its own /proc/self/status VmHWM
(a child's ru_maxrss would include the parent's pages at fork) plus the largest peak of
its own children (the analysis's second process). The child also counts how many
sources `SuggestionService` analysed afresh (what it writes to the analysis cache).

    python benchmarks/bench_suggest_speed.py                  # full size: 1,000,000 words
    python benchmarks/bench_suggest_speed.py --words 50000    # quick smoke run
    python benchmarks/bench_suggest_speed.py --profile        # + cProfile of the runs
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from qualcode.domain.text import content_hash, word_count
from qualcode.importers import read_transcript
from qualcode.services.codebook import CodebookService
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
from qualcode.services.suggestions import model_path_for
from qualcode.store.models import Code, Coder, Coding, Source, SpeakerTurn

ROOT = Path(__file__).resolve().parent.parent
TRANSCRIPTS = ROOT / "transcripts"
CODEBOOK = ROOT / "codebooks" / "barriers-and-enablers.yaml"
SPEAKERS = ("P1", "P2")
SECONDS_TARGET = 20.0
RSS_TARGET_MB = 1000.0
ONE_SOURCE_TARGET = 1.0  # seconds, warm
TRAIN_SECONDS_TARGET = 60.0
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

# Runs in the child, before its work: count the sources analysed afresh, and at exit
# write the counts, this process's peak RSS and its children's.
COUNTING = """
import atexit, json, resource, sys
report, profile = sys.argv[1], sys.argv[2]
from qualcode.services import suggestions
counts = {"analysed": 0}
_cache = suggestions.SuggestionService._cache
def counting_cache(self, pipeline, analyses):
    counts["analysed"] += len(analyses)
    return _cache(self, pipeline, analyses)
suggestions.SuggestionService._cache = counting_cache
def write_report():
    # VmHWM is this process's own peak RSS: ru_maxrss would also count the parent's
    # pages at fork time (Linux carries the old mm's high-water mark over exec).
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    counts["hwm_kb"] = int(line.split()[1])
    except OSError:
        pass
    counts["children_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(report, "w") as out:
        out.write(json.dumps(counts))
atexit.register(write_report)
profiler = None
if profile:
    import cProfile
    profiler = cProfile.Profile()
    atexit.register(lambda: profiler.dump_stats(profile))
"""

# The CLI run: `qualcode <args>`.
CHILD = (
    COUNTING
    + """
sys.argv = ["qualcode", *sys.argv[3:]]
from qualcode.cli import main
if profiler:
    profiler.enable()
main()
"""
)

# One transcript at a time, as the workbench's `g` asks: one call to warm up (spaCy,
# the pipeline, the model), then each named source timed through the service.
ONE_SOURCE = (
    COUNTING
    + """
import time
from pathlib import Path
from qualcode.services.project import Project
from qualcode.services.suggestions import SuggestionService, model_path_for
path, names = Path(sys.argv[3]), sys.argv[4:]
def suggest(name):
    with Project.open(path) as project, project.session() as session:
        service = SuggestionService(session, "Bench", model_path=model_path_for(path))
        return service.suggest(source=name)
suggest(names[0])
counts["seconds"] = []
if profiler:
    profiler.enable()
for name in names[1:]:
    began = time.perf_counter()
    suggest(name)
    counts["seconds"].append(time.perf_counter() - began)
if profiler:
    profiler.disable()
"""
)


# -- building the project ---------------------------------------------------------------


def demo_sentences() -> list[str]:
    """Sentences that participants say in the demo transcripts (interviewers left out)."""
    interviewer = re.compile(r"(interviewer|facilitator|peer researcher|q)$", re.IGNORECASE)
    out: list[str] = []
    for file in sorted(TRANSCRIPTS.iterdir()):
        if file.suffix not in {".txt", ".docx", ".vtt", ".srt"}:
            continue
        parsed = read_transcript(file)
        for turn in parsed.turns:
            if turn.speaker and interviewer.match(turn.speaker.strip()):
                continue
            spoken = " ".join(parsed.text[turn.start : turn.end].split())
            out.extend(s for s in _SENTENCE_END.split(spoken) if len(s.split()) >= 2)
    return out


def make_transcript(
    sentences: list[str], words: int, rng: random.Random
) -> tuple[str, list[tuple[str, int, int]]]:
    """About ``words`` words in turns of 1-6 sentences; returns the text and its turns."""
    parts: list[str] = []
    turns: list[tuple[str, int, int]] = []
    position = 0
    written = 0
    number = 0
    while written < words:
        body = " ".join(rng.choice(sentences) for _ in range(rng.randint(1, 6)))
        speaker = SPEAKERS[number % 2]
        label = f"{speaker}: "
        start = position + len(label)
        parts.append(f"{label}{body}\n\n")
        turns.append((speaker, start, start + len(body)))
        position = start + len(body) + 2
        written += len(body.split())
        number += 1
    return "".join(parts), turns


def build(path: Path, words: int, per_source: int, seed: int) -> tuple[int, int, int]:
    """The project: codebook, sources and turns bulk-inserted. Returns (sources, codes,
    participant turns)."""
    rng = random.Random(seed)
    sentences = demo_sentences()
    count = max(1, round(words / per_source))
    with Project.create(path) as project, project.session() as session:
        CodebookService(session, "Bench").import_file(CODEBOOK)
        codes = session.scalar(select(func.count()).select_from(Code))
        rows: list[dict[str, object]] = []
        turns_by_source: list[list[tuple[str, int, int]]] = []
        for index in range(count):
            text, turns = make_transcript(sentences, per_source, rng)
            rows.append(
                {
                    "name": f"interview-{index:04d}",
                    "text": text,
                    "content_hash": content_hash(text),
                    "original_filename": f"interview-{index:04d}.txt",
                    "format": "txt",
                    "characters": len(text),
                    "words": word_count(text),
                }
            )
            turns_by_source.append(turns)
        session.execute(insert(Source), rows)
        ids = dict(session.execute(select(Source.name, Source.id)).all())
        turn_rows = [
            {"source_id": ids[row["name"]], "speaker": speaker, "start": start, "end": end}
            for row, turns in zip(rows, turns_by_source, strict=True)
            for speaker, start, end in turns
        ]
        session.execute(insert(SpeakerTurn), turn_rows)
        session.commit()
    return count, int(codes or 0), len(turn_rows)


def add_codings(path: Path, codings: int, seed: int) -> None:
    """Code ``codings`` random participant turns, spread evenly over every code."""
    rng = random.Random(seed)
    with Project.open(path) as project, project.session() as session:
        coder_id = session.execute(
            insert(Coder).values(name="Bench coder", uuid="bench-coder")
        ).inserted_primary_key[0]
        code_ids = [c for (c,) in session.execute(select(Code.id).order_by(Code.id))]
        turns = list(
            session.execute(select(SpeakerTurn.source_id, SpeakerTurn.start, SpeakerTurn.end))
        )
        chosen = rng.sample(turns, min(codings, len(turns)))
        session.execute(
            insert(Coding),
            [
                {
                    "uuid": f"bench-{n:030d}",
                    "source_id": source_id,
                    "code_id": code_ids[n % len(code_ids)],
                    "coder_id": coder_id,
                    "start": start,
                    "end": end,
                    "memo": "",
                    "origin": "manual",
                }
                for n, (source_id, start, end) in enumerate(chosen)
            ],
        )
        session.commit()


def add_one_source(path: Path, folder: Path, name: str, per_source: int, seed: int) -> None:
    """Import one more transcript the ordinary way (the change a re-run must notice)."""
    text, _ = make_transcript(demo_sentences(), per_source, random.Random(seed))
    file = folder / f"{name}.txt"
    file.write_text(text, encoding="utf-8")
    with Project.open(path) as project, project.session() as session:
        report = SourceService(session, "Bench").import_files([file])
    if len(report.imported) != 1:
        raise SystemExit(f"could not import the new source: {report}")


def clear_cache(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM analysis_cache")


# -- measuring ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Run:
    seconds: float  # wall clock, start-up included
    cpu: float  # user + system seconds of the child and its children: steadier under load
    peak_mb: float  # the child's own peak RSS plus its largest child's
    analysed: int
    report: dict[str, Any]


def run_child(script: str, args: list[str], work: Path, profile: Path | None = None) -> Run:
    """One fresh process running ``script``: wall and CPU time, peak RSS, the counts."""
    report = work / "child-report.json"
    report.unlink(missing_ok=True)
    errors = work / "child-stderr.txt"
    command = [sys.executable, "-c", script, str(report), str(profile or ""), *args]
    environment = {**os.environ, "QUALCODE_SPACY_PIPELINE": "blank:en"}
    with open(os.devnull, "wb") as out, open(errors, "wb") as err:
        began = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, env=environment)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - began
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({child.returncode}):\n{errors.read_text()}")
    counts = json.loads(report.read_text()) if report.exists() else {}
    peak_kb = counts.get("hwm_kb", usage.ru_maxrss) + counts.get("children_kb", 0)
    return Run(
        seconds,
        usage.ru_utime + usage.ru_stime,
        peak_kb / 1024,
        counts.get("analysed", -1),
        counts,
    )


def run_cli(args: list[str], work: Path, profile: Path | None = None) -> Run:
    return run_child(CHILD, args, work, profile)


def print_profile(title: str, stats_file: Path, limit: int) -> None:
    """The top functions by cumulative and by own time, leaving out click's plumbing
    (whose frames only repeat the command's total)."""
    stats = pstats.Stats(str(stats_file)).stats  # type: ignore[attr-defined]
    total = max(ct for _, _, _, ct, _ in stats.values())
    rows = [
        (where, nc, tt, ct)
        for where, (_, nc, tt, ct, _) in stats.items()
        if "/click/" not in where[0]
        and where[0] not in ("<string>", "~")
        and not where[0].endswith("qualcode/cli/__init__.py")
    ]
    for order, key in (("cumulative", 3), ("own", 2)):
        print(f"\n--- cProfile: {title}: {total:.1f} s profiled; top {limit} by {order} time ---")
        print(f"{'calls':>10}  {'own s':>7}  {'cum s':>7}  function")
        for where, nc, tt, ct in sorted(rows, key=lambda r: -r[key])[:limit]:
            print(f"{nc:>10}  {tt:>7.2f}  {ct:>7.2f}  {_location(where)}")


def _location(where: tuple[str, int, str]) -> str:
    file, line, function = where
    file = re.sub(r"^.*?(/site-packages/|/lib/python3\.\d+/)", "", file)
    file = file.removeprefix(str(ROOT) + "/")
    return f"{file}:{line}({function})"


@dataclass(frozen=True, slots=True)
class Row:
    what: str
    run: Run
    seconds: float  # what is held to the target: the run's wall time, or a call's
    seconds_target: float
    expected: int | None  # sources that should have been analysed afresh

    @property
    def met(self) -> bool:
        analysed = self.expected is None or self.run.analysed == self.expected
        return self.seconds < self.seconds_target and self.run.peak_mb < RSS_TARGET_MB and analysed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000, help="words in the project")
    parser.add_argument("--words-per-source", type=int, default=10_000)
    parser.add_argument("--codings", type=int, default=2_000, help="coded units to train on")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile (untimed) cold and warm turn runs and one-transcript calls",
    )
    parser.add_argument("--profile-lines", type=int, default=15)
    parser.add_argument("--keep", type=Path, help="copy the built project here")
    args = parser.parse_args()

    rows: list[Row] = []

    def record(
        what: str,
        run: Run,
        *,
        expect_analysed: int | None = None,
        target: float = SECONDS_TARGET,
        seconds: float | None = None,
    ) -> None:
        rows.append(
            Row(what, run, run.seconds if seconds is None else seconds, target, expect_analysed)
        )
        print(
            f"  {what}: {run.seconds:.1f} s ({run.cpu:.1f} s CPU), {run.peak_mb:.0f} MB, "
            f"{max(run.analysed, 0)} source(s) analysed",
            flush=True,
        )

    with tempfile.TemporaryDirectory(prefix="qc-suggest-bench-") as tmp:
        work = Path(tmp)
        project = work / "bench.qcp"
        model = model_path_for(project)
        began = time.perf_counter()
        sources, codes, turns = build(project, args.words, args.words_per_source, args.seed)
        with Project.open(project) as opened, opened.read_session() as session:
            total_words = session.scalar(select(func.sum(Source.words))) or 0
            names = list(session.scalars(select(Source.name).order_by(Source.name)))
        add_codings(project, args.codings, args.seed)
        print(
            f"built {project.name}: {sources} sources, {total_words:,} words, {turns:,} "
            f"participant turns, {codes} codes, {args.codings:,} coded turns, in "
            f"{time.perf_counter() - began:.1f} s",
            flush=True,
        )
        suggest = ["suggest", str(project), "--json"]

        print("measuring (each a fresh process):", flush=True)
        record(
            f"suggest train ({args.codings:,} coded turns)",
            run_cli(["suggest", "train", str(project)], work),
            target=TRAIN_SECONDS_TARGET,
        )
        for unit in ("turn", "sentence"):
            clear_cache(project)
            for cache, analysed in (("cold", sources), ("warm", 0)):
                record(
                    f"suggest --unit {unit}, {cache} cache, trained model",
                    run_cli([*suggest, "--unit", unit], work),
                    expect_analysed=analysed,
                )
        aside = model.with_name(model.name + ".aside")
        model.rename(aside)
        for unit in ("turn", "sentence"):
            record(
                f"suggest --unit {unit}, warm cache, codebook only",
                run_cli([*suggest, "--unit", unit], work),
                expect_analysed=0,
            )
        aside.rename(model)

        timed = names[: min(len(names), 6)]  # the first only warms the process up
        one = run_child(ONE_SOURCE, [str(project), *timed], work)
        calls = one.report.get("seconds", [])
        if calls:
            record(
                f"suggest(source=...) x {len(calls)}, warm process (median "
                f"{statistics.median(calls):.2f} s; max held to target)",
                one,
                expect_analysed=0,
                target=ONE_SOURCE_TARGET,
                seconds=max(calls),
            )

        add_one_source(project, work, "new-1", args.words_per_source, args.seed + 10_000)
        record(
            "suggest --unit turn, 1 new source",
            run_cli([*suggest, "--unit", "turn"], work),
            expect_analysed=1,
        )
        add_one_source(project, work, "new-2", args.words_per_source, args.seed + 10_001)
        record(
            "suggest --unit turn --source <it>, 1 new source",
            run_cli([*suggest, "--unit", "turn", "--source", "new-2"], work),
            expect_analysed=1,
        )

        profiles: list[tuple[str, Path]] = []
        if args.profile:  # extra runs, not timed: cProfile slows Python code down
            clear_cache(project)
            for title, name in (("cold cache", "cold"), ("warm cache", "warm")):
                profiles.append((f"--unit turn, {title}, trained model", work / f"{name}.prof"))
                run_cli([*suggest, "--unit", "turn"], work, profiles[-1][1])
            profiles.append(("suggest(source=...) calls, warm process", work / "one.prof"))
            run_child(ONE_SOURCE, [str(project), *timed], work, profiles[-1][1])

        if args.keep:
            with sqlite3.connect(project) as db, sqlite3.connect(args.keep) as copy:
                db.backup(copy)

        print_table(rows, sources, total_words, codes)
        for title, stats_file in profiles:
            print_profile(title, stats_file, args.profile_lines)


def print_table(rows: list[Row], sources: int, words: int, codes: int) -> None:
    print(
        f"\n{sources} sources, {words:,} words, {codes} codes, pipeline blank:en, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} "
        "(other work on the machine inflates wall times; CPU time is steadier)"
    )
    width = max(len(r.what) for r in rows)
    print(
        f"{'measurement':<{width}}  {'wall':>8}  {'CPU':>8}  {'peak RSS':>9}  "
        f"{'analysed':>8}  {'expected':>8}  {'headroom':>8}  {'target':<18}  result"
    )
    for row in rows:
        run = row.run
        headroom = min(row.seconds_target / row.seconds, RSS_TARGET_MB / run.peak_mb)
        expected = "-" if row.expected is None else str(row.expected)
        target = f"< {row.seconds_target:.0f} s, < {RSS_TARGET_MB:.0f} MB"
        print(
            f"{row.what:<{width}}  {row.seconds:>6.2f} s  {run.cpu:>6.1f} s  "
            f"{run.peak_mb:>6.0f} MB  {run.analysed if row.expected is not None else '-':>8}  "
            f"{expected:>8}  {headroom:>7.1f}x  {target:<18}  {'PASS' if row.met else 'FAIL'}"
        )
    print("headroom: how many times over the nearer of the two targets it could grow")


if __name__ == "__main__":
    main()
