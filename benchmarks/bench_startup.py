"""What a researcher waits for in the workbench, measured from the command line (issue 13).

`qualcode open PROJECT --source NAME` is started in a pseudo-terminal of a fixed size, as
a terminal emulator would start it, and everything it draws is read back:

- start-up: from just before the process is spawned to the first frame that shows the
  transcript's text (target: under 1 s);
- key-to-screen: cursor and selection keys, each timed from writing its bytes to the
  terminal to the first byte of the frame drawn in reply (targets: p95 under 30 ms,
  max under 100 ms), paced like quick typing;
- applying a code: from writing "enter" in the code picker to the end of the last frame
  drawn before the screen falls quiet, which is the new highlight (target: p95 under
  50 ms).

The machine this runs on may be shared and noisy, so every figure comes with a same-run
reference: `python -c pass` spawned the same way, and optionally another checkout of
qualcode (`--compare /path/to/other/tree`) measured interleaved with this one; compare the
ratios rather than the raw figures.

    python benchmarks/bench_startup.py                 # the demo project, 80x24 and 150x45
    python benchmarks/bench_startup.py --compare ../old --runs 7
    python benchmarks/bench_startup.py --big           # 100,000 words, 2,000 codings
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODER = "Bench"

# CSI, OSC, and two-character escape sequences: what is left is the text drawn.
ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=$ ]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")

# Words the app's own screens show (the sources table, title bars): not proof that the
# transcript is on screen.
CHROME = {"stakeholder", "interview", "transcript", "transcripts", "participant", "participants"}

KEYS = {
    "right": b"\x1b[C",
    "left": b"\x1b[D",
    "down": b"\x1b[B",
    "up": b"\x1b[A",
    "shift+right": b"\x1b[1;2C",
    "shift+down": b"\x1b[1;2B",
    "escape": b"\x1b",
    "enter": b"\r",
    "ctrl+q": b"\x11",
}


def plain(data: bytes) -> str:
    return ESCAPES.sub(b"", data).decode("utf-8", "replace")


TOKENS = re.compile(
    r"\x1b\[([0-9;?<>=$ ]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b.|[\r\n]|[^\x1b\r\n]+"
)


COMPLETE = re.compile(r"\x1b(?:\[[0-9;?<>=$ ]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[^\[\]])")


class Screen:
    """Just enough of a terminal to know the style of every cell Textual draws: cursor
    moves, SGR styles, CR and LF (Textual writes each changed line as a cursor move and
    styled runs of text)."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], tuple[str, str]] = {}
        self.row = self.column = 0
        self.style = ""
        self._pending = ""

    def feed(self, data: bytes) -> None:
        text = self._pending + data.decode("utf-8", "replace")
        # A sequence cut at the end of a read waits for the rest.
        cut = text.rfind("\x1b")
        if cut != -1 and not COMPLETE.match(text, cut):
            text, self._pending = text[:cut], text[cut:]
        else:
            self._pending = ""
        for match in TOKENS.finditer(text):
            token = match.group(0)
            final = match.group(2)
            if final == "H":
                parts = [int(p) if p.isdigit() else 1 for p in (match.group(1) or "1;1").split(";")]
                self.row, self.column = parts[0] - 1, (parts[1] if len(parts) > 1 else 1) - 1
            elif final == "m":
                params = match.group(1)
                self.style = "" if params in ("", "0") else self.style + params + ";"
            elif final is not None or token.startswith("\x1b"):
                continue
            elif token == "\r":
                self.column = 0
            elif token == "\n":
                self.row += 1
            else:
                for character in token:
                    self.cells[(self.row, self.column)] = (character, self.style)
                    self.column += 1

    def styles(self, cells: list[tuple[int, int]]) -> list[str]:
        return [self.cells.get(cell, ("", ""))[1] for cell in cells]


class Terminal:
    """A child process on a pseudo-terminal, with every byte it writes timestamped."""

    def __init__(
        self, argv: list[str], env: dict[str, str], size: tuple[int, int], cwd: Path
    ) -> None:
        master, slave = pty.openpty()
        columns, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.master = master
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            # Not the repository: `python -m` puts the working directory first on the
            # path, which would run this tree whatever PYTHONPATH says.
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.chunks: list[tuple[float, bytes]] = []
        self.screen = Screen()

    def read(self, timeout: float) -> bool:
        """Read what is waiting (up to ``timeout`` s); False if nothing came."""
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0))
        if not ready:
            return False
        try:
            data = os.read(self.master, 1 << 16)
        except OSError:  # the child has gone
            return False
        if not data:
            return False
        self.chunks.append((time.perf_counter(), data))
        self.screen.feed(data)
        return True

    def text_since(self, index: int) -> str:
        return plain(b"".join(data for _, data in self.chunks[index:]))

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 20.0) -> float:
        """Read until ``predicate()``; the time of the chunk that made it true."""
        deadline = time.perf_counter() + timeout
        while not predicate():
            if time.perf_counter() > deadline:
                raise TimeoutError(self.text_since(0)[-2000:])
            self.read(deadline - time.perf_counter())
        return self.chunks[-1][0]

    def first_after(self, began: float, timeout: float = 2.0) -> float | None:
        """The time of the first byte written after ``began`` (None if nothing came)."""
        count = len(self.chunks)
        deadline = began + timeout
        while len(self.chunks) == count:
            if not self.read(deadline - time.perf_counter()) and time.perf_counter() >= deadline:
                return None
        return self.chunks[count][0]

    def settle(self, quiet: float) -> float | None:
        """Read until nothing comes for ``quiet`` s; the time of the last byte, if any."""
        last = None
        while self.read(quiet):
            last = self.chunks[-1][0]
        return last

    def press(self, key: str) -> float:
        began = time.perf_counter()
        os.write(self.master, KEYS.get(key, key.encode()))
        return began

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.press("ctrl+q")
                deadline = time.perf_counter() + 5
                while self.process.poll() is None and time.perf_counter() < deadline:
                    self.read(0.05)
            except OSError:
                pass
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        os.close(self.master)


@dataclass
class Checkout:
    """One tree of qualcode to measure (this one, or another to compare with)."""

    label: str
    root: Path | None  # None: plain `python -c pass`, the reference
    startups: list[float] = field(default_factory=list)
    keys: list[float] = field(default_factory=list)
    silent: int = 0
    applies: list[float] = field(default_factory=list)

    def argv(self, project: Path, source: str) -> list[str]:
        if self.root is None:
            return [sys.executable, "-c", "pass"]
        return [sys.executable, "-m", "qualcode", "open", str(project), "--source", source]

    def env(self, home: Path) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"PYTHONPATH", "QUALCODE_CODER", "TEXTUAL"}
        }
        env.update(HOME=str(home), TERM="xterm-256color", QUALCODE_CODER=CODER)
        env.pop("COLUMNS", None)
        env.pop("LINES", None)
        if self.root is not None:
            env["PYTHONPATH"] = str(self.root)
        return env


def build_project(folder: Path, big: bool) -> tuple[Path, str, str]:
    """A project, the transcript to open and a word from its first lines."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from qualcode.services.project import Project
    from qualcode.services.sources import SourceService

    folder.mkdir(parents=True, exist_ok=True)
    if big:
        from bench_workbench import build

        path = build(folder, 2000)
        source = "big"
    else:
        from qualcode.services.demo import build_demo, find_demo_material

        report = build_demo(
            folder, find_demo_material(), coder=CODER, fresh=False, with_coding=True
        )
        path = report.path
        source = next(s.name for s in report.sources if s.name.startswith("mh-partner"))
    with Project.open(path) as project, project.read_session() as session:
        text = SourceService(session).text(source)
    # A long word near the start: on screen in the first frame at any width, never split
    # across lines by the wrap, and not one the sources screen or title could show first.
    word = next(
        w
        for w in re.findall(r"[A-Za-z]{9,}", text[:400])
        if w.lower() not in CHROME and w.lower() not in source.lower()
    )
    return path, source, word


@contextmanager
def opened(
    checkout: Checkout, project: Path, source: str, word: str, home: Path, size: tuple[int, int]
) -> Iterator[Terminal]:
    terminal = Terminal(checkout.argv(project, source), checkout.env(home), size, cwd=home)
    try:
        if checkout.root is None:
            terminal.process.wait()
            checkout.startups.append(time.perf_counter() - terminal.started)
        else:
            shown = terminal.wait_for(lambda: word in terminal.text_since(0))
            checkout.startups.append(shown - terminal.started)
        yield terminal
    finally:
        terminal.close()


def type_keys(checkout: Checkout, terminal: Terminal, count: int) -> None:
    keys = ["right", "down", "shift+right", "shift+down"]
    for n in range(count):
        key = keys[n % len(keys)]
        began = terminal.press(key)
        first = terminal.first_after(began)
        if first is None:
            checkout.silent += 1
        else:
            checkout.keys.append(first - began)
        terminal.settle(0.03)  # a quick typist: the next key once the screen is still
        if key == "shift+down":
            terminal.press("escape")
            terminal.settle(0.03)


def apply_codes(checkout: Checkout, terminal: Terminal, code: str, count: int) -> None:
    """Select a passage, open the picker, type the code's name, then time enter until the
    frame that takes the picker away (the coding is saved, and its highlight drawn, by
    then). Toasts, panels and counts drawn later are not part of the wait."""
    screen = terminal.screen
    for _ in range(count):
        for key in ["down"] * 3 + ["shift+right"] * 12:
            terminal.press(key)
            terminal.settle(0.03)
        selected = dict(screen.cells)
        terminal.press("c")
        terminal.settle(0.3)
        for letter in code:
            terminal.press(letter)
            terminal.settle(0.05)
        terminal.settle(0.3)
        picking = dict(screen.cells)
        began = terminal.press("enter")
        mark = len(terminal.chunks)
        terminal.settle(1.0)
        final = dict(screen.cells)
        # Where the picker was drawn over cells that look the same before and after.
        under = [
            cell
            for cell, value in picking.items()
            if selected.get(cell) != value and selected.get(cell) == final.get(cell)
        ]
        replay = Screen()
        for _, data in terminal.chunks[:mark]:
            replay.feed(data)
        for when, data in terminal.chunks[mark:]:
            replay.feed(data)
            # The picker goes in one frame, before the toast and side panels are drawn
            # (they may cover part of where it was): most of it, not all, is the test,
            # and a blink of the cursor in its search box is not.
            restored = sum(replay.cells.get(cell) == final.get(cell) for cell in under)
            if under and restored >= 0.5 * len(under):
                checkout.applies.append(when - began)
                break
        terminal.press("escape")
        terminal.settle(0.05)


def quantile(values: list[float], q: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def report(checkouts: list[Checkout], size: tuple[int, int]) -> None:
    reference = checkouts[0]
    base = statistics.median(reference.startups)
    print(f"\n== {size[0]}x{size[1]} ==")
    print(f"reference `python -c pass`: median {base * 1000:.0f} ms")
    for checkout in checkouts[1:]:
        start = statistics.median(checkout.startups)
        print(
            f"{checkout.label}: start-up to transcript on screen, {len(checkout.startups)} runs: "
            f"median {start * 1000:.0f} ms, min {min(checkout.startups) * 1000:.0f} ms "
            f"(x{start / base:.1f} python -c pass) "
            f"({'OK' if start < 1 else 'OVER'} target 1 s)"
        )
        if checkout.keys:
            keys = [k * 1000 for k in checkout.keys]
            met = quantile(keys, 95) < 30 and max(keys) < 100
            print(
                f"  key to screen, {len(keys)} presses ({checkout.silent} drew nothing): "
                f"p50 {quantile(keys, 50):.1f} ms, p95 {quantile(keys, 95):.1f} ms, "
                f"max {max(keys):.1f} ms ({'OK' if met else 'OVER'} "
                "targets p95 30 ms, max 100 ms)"
            )
        if checkout.applies:
            applies = [a * 1000 for a in checkout.applies]
            print(
                f"  apply a code (enter to highlight drawn), {len(applies)} times: "
                f"p50 {quantile(applies, 50):.0f} ms, p95 {quantile(applies, 95):.0f} ms, "
                f"max {max(applies):.0f} ms "
                f"({'OK' if quantile(applies, 95) < 50 else 'OVER'} target p95 50 ms)"
            )


def first_code(project: Path) -> str:
    from qualcode.services.codebook import CodebookService
    from qualcode.services.project import Project

    with Project.open(project) as opened_project, opened_project.read_session() as session:
        codes = [c for c in CodebookService(session).list_codes() if c.parent_uuid]
    return codes[len(codes) // 2].name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="start-ups per checkout and size")
    parser.add_argument("--keys", type=int, default=300, help="key presses per checkout")
    parser.add_argument("--applies", type=int, default=20, help="codes applied per checkout")
    parser.add_argument("--compare", type=Path, help="another qualcode tree, run interleaved")
    parser.add_argument("--big", action="store_true", help="100,000 words, 2,000 codings")
    parser.add_argument("--sizes", default="80x24,150x45")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        home = folder / "home"
        home.mkdir()
        project, source, word = build_project(folder / "project", args.big)
        code = first_code(project)
        for size_text in args.sizes.split(","):
            columns, rows = (int(part) for part in size_text.split("x"))
            size = (columns, rows)
            checkouts = [Checkout("python -c pass", None), Checkout("this tree", ROOT)]
            if args.compare:
                checkouts.append(Checkout(f"compare {args.compare}", args.compare.resolve()))
            # Each checkout codes its own copy, so none finds the other's codings there.
            copies = {}
            for n, checkout in enumerate(checkouts):
                copies[checkout.label] = folder / f"{n}-{size_text}.qcp"
                shutil.copyfile(project, copies[checkout.label])
            for run in range(args.runs):
                for checkout in checkouts:
                    copy = copies[checkout.label]
                    with opened(checkout, copy, source, word, home, size) as terminal:
                        if checkout.root is not None and run == 0:
                            terminal.settle(1.0)
                            type_keys(checkout, terminal, args.keys)
                            apply_codes(checkout, terminal, code, args.applies)
            report(checkouts, size)


if __name__ == "__main__":
    main()
