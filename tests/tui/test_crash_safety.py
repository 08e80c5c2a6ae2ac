"""Kill the app mid-session: every action it had reported done must be in the project."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from qualcode.tui.app import QualcodeApp
    from qualcode.tui.screens.code_picker import CodePicker
    from qualcode.tui.screens.transcript import TranscriptScreen
    from qualcode.tui.widgets.transcript_view import TranscriptView

    async def main():
        app = QualcodeApp(Path(sys.argv[1]), coder="Crash", open_source="interview-sam")
        async with app.run_test(size=(120, 40)) as pilot:
            while not (isinstance(app.screen, TranscriptScreen)
                       and app.screen.query(TranscriptView)
                       and app.screen.query_one(TranscriptView).text):
                await pilot.pause(0.02)
            screen = app.screen
            view = screen.query_one(TranscriptView)
            words = [m for m in view.text.split() if len(m) > 3]
            position = 0
            for number in range(1000):
                word = words[number % len(words)]
                start = view.text.index(word, position if number % len(words) else 0)
                position = start + len(word)
                view.select(start, position)
                before = len(view.highlights)
                await pilot.press("c")
                while not isinstance(app.screen, CodePicker):
                    await pilot.pause(0.01)
                await pilot.press(*"time", "enter")
                while len(view.highlights) == before:
                    await pilot.pause(0.01)
                print("DONE", start, position, flush=True)

    asyncio.run(main())
    """
)


def test_killing_the_app_loses_no_completed_action(app_project: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(app_project)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done: list[tuple[int, int]] = []
    # A stuck child must fail the test, not hang the suite.
    watchdog = threading.Timer(120, child.kill)
    watchdog.start()
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("DONE"):
                _, start, end = line.split()
                done.append((int(start), int(end)))
            if len(done) == 5:
                child.send_signal(signal.SIGKILL)  # mid-session, maybe mid-transaction
                break
    finally:
        watchdog.cancel()
        child.kill()
        stderr = child.communicate(timeout=30)[1]
    assert len(done) == 5, stderr
    with sqlite3.connect(app_project) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        saved = set(connection.execute(
            "select start, \"end\" from codings c join coders d on d.id = c.coder_id "
            "where d.name = 'Crash'").fetchall())
    assert set(done) <= saved
