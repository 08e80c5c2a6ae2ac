"""The whole app on a 100,000-word transcript with 2,000 codings (issue 3 targets).

Timed inside the process, after imports and with the project open; what a researcher
waits for from the command line (start-up included) is bench_startup.py (issue 13).

- open the transcript: under 1.5 s from pushing the screen to the first frame with all
  codings highlighted;
- moving the cursor / extending the selection: median under 30 ms, p95 under 60 ms per
  key press (Pilot, 400 presses, each timed from the press to the end of the first frame
  drawn after it, encoded as a terminal would receive it: see bench_transcript_view.py);
- applying a code: under 100 ms from pressing enter in the code picker to the new
  highlight being on screen, including the database commit.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_import import make_transcript
from bench_stats import bench_codebook
from bench_transcript_view import FrameClock
from sqlalchemy import insert, select

from qualcode.services.codebook import CodebookService
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
from qualcode.store.models import Code, Coder, Coding, Source, new_uuid


def build(folder: Path, codings: int) -> Path:
    path = folder / "big.qcp"
    transcript = folder / "big.txt"
    make_transcript(transcript, 100_000, seed=7)
    codebook = bench_codebook()
    rng = random.Random(3)
    with Project.create(path) as project, project.session() as session:
        CodebookService(session, "Bench").import_codebook(codebook)
        SourceService(session, "Bench").import_files([transcript])
        source_id, length = session.execute(select(Source.id, Source.characters)).one()
        code_ids = list(session.scalars(select(Code.id).where(Code.parent_id.isnot(None))))
        coder_id = session.execute(
            insert(Coder).values(name="Ann", uuid=new_uuid())
        ).inserted_primary_key[0]
        rows = []
        for _ in range(codings):
            start = rng.randrange(0, length - 2000)
            rows.append(
                {
                    "uuid": new_uuid(),
                    "source_id": source_id,
                    "code_id": rng.choice(code_ids),
                    "coder_id": coder_id,
                    "start": start,
                    "end": start + rng.randint(30, 1200),
                    "memo": "",
                    "origin": "manual",
                }
            )
        session.execute(insert(Coding), rows)
        session.commit()
    return path


async def measure(path: Path) -> None:
    from qualcode.tui.app import QualcodeApp
    from qualcode.tui.screens.code_picker import CodePicker
    from qualcode.tui.screens.sources import SourcesScreen
    from qualcode.tui.screens.transcript import TranscriptScreen
    from qualcode.tui.widgets.transcript_view import TranscriptView

    app = QualcodeApp(path, coder="Ann")
    async with app.run_test(size=(120, 40)) as pilot:
        frames = FrameClock(app)
        while not isinstance(app.screen, SourcesScreen):
            await pilot.pause(0.01)
        began = time.perf_counter()
        app.open_source("big")
        while not (
            isinstance(app.screen, TranscriptScreen)
            and app.screen.query(TranscriptView)
            and len(app.screen.query_one(TranscriptView).highlights) >= 2000
        ):
            await asyncio.sleep(0.002)
        await pilot.pause()  # the frame
        opened = time.perf_counter() - began
        screen = app.screen
        view = screen.query_one(TranscriptView)
        view.move_cursor_to(view.text.index("Participant:") + 15)

        keys = ["right", "down", "shift+right", "shift+down"] * 100
        latencies: list[float] = []
        silent: list[str] = []
        for key in keys:
            began = time.perf_counter()
            await pilot.press(key)
            try:
                frame = await frames.next_frame_after(began, timeout=2.0)
            except TimeoutError:
                silent.append(key)  # nothing to redraw (e.g. already at an edge)
                continue
            await pilot.pause(0)
            latencies.append(frame[1] - began)
            if key == "shift+down":
                view.clear_selection()

        applies = []
        highlighted: list[float] = []
        original_add = view.add_highlight

        def stamped_add(highlight):  # type: ignore[no-untyped-def]
            original_add(highlight)
            highlighted.append(time.perf_counter())

        view.add_highlight = stamped_add  # type: ignore[method-assign]
        for n in range(20):
            start = view.text.index("Interviewer:", 5000 + n * 3000) + 13
            view.select(start, start + 40)
            await pilot.press("c")
            while not isinstance(app.screen, CodePicker):
                await pilot.pause(0.005)
            await pilot.press(*"code 3.4")
            count = len(view.highlights)
            began = time.perf_counter()
            await pilot.press("enter")
            while len(view.highlights) == count:
                await asyncio.sleep(0.001)
            frame = await frames.next_frame_after(highlighted[-1])
            applies.append(frame[1] - began)

    if silent:
        print(f"{len(silent)} presses drew no frame: {sorted(set(silent))}")
    p95 = statistics.quantiles(latencies, n=20)[18]
    print(
        f"open 100,000-word transcript with 2,000 codings: {opened:.2f} s "
        f"({'OK' if opened < 1.5 else 'OVER'} target 1.5 s)"
    )
    print(
        f"cursor/selection key press, {len(latencies)} presses: median "
        f"{statistics.median(latencies) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms "
        f"({'OK' if statistics.median(latencies) < 0.03 and p95 < 0.06 else 'OVER'} "
        "targets 30 / 60 ms)"
    )
    print(
        f"apply a code (enter -> highlighted, incl. commit), {len(applies)} times: median "
        f"{statistics.median(applies) * 1000:.0f} ms, max {max(applies) * 1000:.0f} ms "
        f"({'OK' if statistics.median(applies) < 0.1 else 'OVER'} target 100 ms)"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = build(Path(tmp), 2000)
        asyncio.run(measure(path))


if __name__ == "__main__":
    main()
