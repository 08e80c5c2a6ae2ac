"""Kill the app mid-session: every action it had reported done must be in the project.

A child process drives the real app, coding one word after another, and reports each
coding once its highlight shows (that is, once it is saved). The parent kills it
without warning after five and reads the project.

The child reports through a file of its own, not stdout: inside ``run_test`` Textual
captures ``print`` and its flush never reaches a block-buffered pipe, so "done" lines
sat unseen until 8 KB had gathered and the parent gave up with nothing (``0 == 5``).
Every wait here is for a real condition with a deadline, and a failure shows what the
child reported and printed, how long each step took, and what the project holds.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

CODINGS_BEFORE_KILL = 5
# Bounds, not expectations: the run takes ~10 s idle and ~40 s on a loaded 2-core machine.
RUN_DEADLINE = 240.0
STEP_DEADLINE = 120.0
TYPED = "time"
TYPED_CODE = "Time"

CHILD = textwrap.dedent(
    """
    import asyncio, os, sys, time
    START = time.monotonic()
    from pathlib import Path
    from qualcode.tui.app import QualcodeApp
    from qualcode.tui.screens.code_picker import CodePicker
    from qualcode.tui.screens.transcript import TranscriptScreen
    from qualcode.tui.widgets.transcript_view import TranscriptView

    PROJECT, PROGRESS, TYPED = sys.argv[1], sys.argv[2], sys.argv[4]
    STEP_DEADLINE = float(sys.argv[3])
    progress = open(PROGRESS, "a", encoding="utf-8")

    def report(*words):
        progress.write(" ".join(map(str, words)) + f" @{time.monotonic() - START:.2f}s\\n")
        progress.flush()

    def state(app):
        screen = app.screen
        found = {"screens": [type(s).__name__ for s in app.screen_stack],
                 "focused": repr(app.focused)}
        if isinstance(screen, CodePicker) and screen.query("#filter"):
            found["box"] = screen.search_box.value
            found["message"] = str(screen.query_one("#message").render())
        views = [s.query_one(TranscriptView) for s in app.screen_stack
                 if isinstance(s, TranscriptScreen) and s.query(TranscriptView)]
        if views:
            found["highlights"] = len(views[0].highlights)
            found["selection"] = views[0].selection
        return found

    async def until(pilot, step, condition):
        deadline = time.monotonic() + STEP_DEADLINE
        while not condition():
            if not pilot.app.is_running:
                report("STOPPED", step, "return code", pilot.app.return_code)
                raise SystemExit(3)
            if time.monotonic() > deadline:
                report("STUCK", step, state(pilot.app))
                progress.close()
                os._exit(2)  # a wedged app may not shut down cleanly
            await pilot.pause(0.01)

    async def main():
        report("STARTED")
        app = QualcodeApp(Path(PROJECT), coder="Crash", open_source="interview-sam")
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, "open transcript", lambda: (
                isinstance(app.screen, TranscriptScreen)
                and app.screen.query(TranscriptView)
                and app.screen.query_one(TranscriptView).text))
            screen = app.screen
            view = screen.query_one(TranscriptView)
            report("READY")
            words = [m for m in view.text.split() if len(m) > 3]
            position = 0
            for number in range(1000):
                word = words[number % len(words)]
                start = view.text.index(word, position if number % len(words) else 0)
                position = start + len(word)
                view.select(start, position)
                before = len(view.highlights)
                await pilot.press("c")
                await until(pilot, f"picker {number}", lambda: (
                    isinstance(app.screen, CodePicker)
                    and app.screen.query("#filter")
                    and app.focused is app.screen.search_box))
                await pilot.press(*TYPED, "enter")
                await until(pilot, f"coding {number}", lambda: (
                    len(view.highlights) > before and app.screen is screen))
                report("DONE", start, position)

    asyncio.run(main())
    """
)


def _progress(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def _done(lines: list[str]) -> list[tuple[int, int]]:
    return [
        (int(line.split()[1]), int(line.split()[2])) for line in lines if line.startswith("DONE")
    ]


def _run_until_done(child: subprocess.Popen[bytes], progress: Path) -> list[tuple[int, int]]:
    """Spans the child reported coded, once there are enough, it ended, or time ran out."""
    deadline = time.monotonic() + RUN_DEADLINE
    while time.monotonic() < deadline:
        done = _done(_progress(progress))
        if len(done) >= CODINGS_BEFORE_KILL:
            return done
        try:
            child.wait(timeout=0.05)  # the pause between looks, and a way to notice it ended
        except subprocess.TimeoutExpired:
            continue
        break
    return _done(_progress(progress))


def _saved(project: Path) -> tuple[str, dict[tuple[int, int], str]]:
    with sqlite3.connect(project) as connection:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        rows = connection.execute(
            'select c.start, c."end", k.name from codings c '
            "join coders d on d.id = c.coder_id join codes k on k.id = c.code_id "
            "where d.name = 'Crash'"
        ).fetchall()
    return integrity, {(start, end): name for start, end, name in rows}


def _tail(path: Path, chars: int = 3000) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return text[-chars:] or "(nothing)"


def test_killing_the_app_loses_no_completed_action(app_project: Path, tmp_path: Path) -> None:
    progress, out, err = tmp_path / "progress.txt", tmp_path / "child.out", tmp_path / "child.err"
    command = [
        sys.executable,
        "-c",
        CHILD,
        str(app_project),
        str(progress),
        str(STEP_DEADLINE),
        TYPED,
    ]
    started = time.monotonic()
    with out.open("wb") as stdout, err.open("wb") as stderr:
        child = subprocess.Popen(command, stdout=stdout, stderr=stderr)
        try:
            done = _run_until_done(child, progress)
            ended_by_itself = child.poll()
            child.send_signal(signal.SIGKILL)  # mid-session, maybe mid-transaction
        finally:
            child.kill()
            child.wait(timeout=30)
    elapsed = time.monotonic() - started
    integrity, saved = _saved(app_project)

    report = "\n".join(
        [
            f"{len(done)} coding(s) reported done in {elapsed:.1f}s "
            f"(deadline {RUN_DEADLINE:.0f}s); child exit code before the kill: {ended_by_itself}",
            "child's progress:",
            *(_progress(progress) or ["(nothing)"]),
            "child's stderr:",
            _tail(err),
            "child's stdout:",
            _tail(out),
            f"integrity: {integrity}; codings saved by Crash: {sorted(saved.items())}",
        ]
    )
    assert len(done) >= CODINGS_BEFORE_KILL, report
    assert integrity == "ok", report
    assert {span: saved.get(span) for span in done} == dict.fromkeys(done, TYPED_CODE), report
