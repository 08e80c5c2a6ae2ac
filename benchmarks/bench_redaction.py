"""The identifier register over a 20,000-quote report: apply, then find_leaks.

Reports pass every quote through :meth:`Redactor.apply` and check the result with
:meth:`Redactor.find_leaks`. Issue 11 made matching survive disguise (confusables,
invisible characters, joined and spaced-out names); its brief asks that this cost
no more than about twice what it did before. No target of its own: compare runs.

    python benchmarks/bench_redaction.py [--quotes 20000] [--words 60] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qualcode.domain.redaction import IdentifierEntry, Redactor

ROOT = Path(__file__).resolve().parent.parent

PEOPLE = [
    "Jillian Okafor", "Dawn Hendry", "Mark Bell", "Sandra Bell", "Dean Walsh", "Marie Curran",
    "Siobhan Kelly", "Tariq Hussain", "Grace Adeyemi", "Will Thornton", "Priya Natarajan",
    "Owen Pritchard", "Fiona McAllister", "Kwame Mensah", "Agnieszka Nowak", "Ruth Ellison",
    "Callum Reid", "Zoe Lambert", "Harjit Sandhu", "Bernadette Quinn", "Jill", "Ann", "Steve",
    "Maxine Doyle",
]  # fmt: skip
PLACES = [
    "Kestrel Park estate", "Brindlecombe", "Thornleigh", "Castlegate", "Ashworth Road",
    "Millbrook", "Harwood Green", "Saltmarsh",
]  # fmt: skip
ORGANISATIONS = [
    "St. Mary's (North)", "Willow Tree Women's Centre", "Harbour Recovery Hub",
    "Northgate Housing Trust", "Brightside Advice", "Lantern Project", "Oakfield Surgery",
    "Eastbrook Primary School",
]  # fmt: skip


def register() -> list[IdentifierEntry]:
    return (
        [IdentifierEntry(name, "[name]", "person") for name in PEOPLE]
        + [IdentifierEntry(name, "[local area]", "place") for name in PLACES]
        + [IdentifierEntry(name, "[organisation]", "organisation") for name in ORGANISATIONS]
    )


def demo_words() -> list[str]:
    """Words of the demo transcripts (plain text ones: no importer needed)."""
    words: list[str] = []
    for file in sorted((ROOT / "transcripts").glob("*.txt")):
        words.extend(re.findall(r"\S+", file.read_text(encoding="utf-8")))
    if not words:
        raise SystemExit("run from the repository: the demo transcripts are needed")
    return words


def quotes(count: int, length: int) -> list[str]:
    """Realistic ASCII quotes: runs of transcript words, one in twenty naming someone."""
    rng = random.Random(11)
    words = [w.encode("ascii", "ignore").decode() for w in demo_words()]
    words = [w for w in words if w]
    names = PEOPLE + PLACES
    out: list[str] = []
    for index in range(count):
        start = rng.randrange(0, max(1, len(words) - length))
        chosen = words[start : start + length]
        if index % 20 == 0:
            chosen[rng.randrange(len(chosen))] = rng.choice(names)
        out.append(" ".join(chosen))
    return out


def make_redactor() -> Redactor:
    """As IdentifierService.redactor builds it (with the dictionary words, from issue 11)."""
    try:
        from qualcode.nlp.lemmas import dictionary_words
    except ImportError:  # before issue 11
        return Redactor(register())
    return Redactor(register(), common_words=dictionary_words())


def run(redactor: Redactor, texts: list[str]) -> tuple[float, int]:
    # CPU time of this process: the machine it runs on is often shared, and wall
    # time then measures the neighbours.
    started = time.process_time()
    leaks = 0
    for text in texts:
        leaks += len(redactor.find_leaks(redactor.apply(text)))
    return time.process_time() - started, leaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quotes", type=int, default=20_000)
    parser.add_argument("--words", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    texts = quotes(args.quotes, args.words)
    started = time.perf_counter()
    redactor = make_redactor()
    built = time.perf_counter() - started
    times = []
    leaks = 0
    for _ in range(args.repeat):
        seconds, leaks = run(redactor, texts)
        times.append(seconds)
    print(
        f"{len(texts):,} quotes of {args.words} words, {len(redactor.entries)} entries: "
        f"build {built * 1000:.0f} ms, "
        f"apply + find_leaks CPU median {statistics.median(times):.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in times)}), {leaks} leaks left"
    )


if __name__ == "__main__":
    main()
