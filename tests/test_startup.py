"""What `qualcode open` loads before its first usable screen (issue 13: under 1 s from
process start). Timings make poor assertions on a shared machine, so these check what is
imported: the libraries below cost the first screen time and are needed only later (numpy
for agreement, Markdown for help, docx for reports, spaCy for suggestions ...)."""

from __future__ import annotations

import asyncio
import gc
import json
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from qualcode.services.codebook import CodebookService
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
from qualcode.tui.heap import HeapKeeper
from qualcode.tui.lazy import lazy
from tests.conftest import REPO, SMALL_CODEBOOK

# Top-level packages the first screen must not wait for.
NOT_BEFORE_FIRST_SCREEN = (
    "numpy",
    "spacy",
    "thinc",
    "docx",
    "matplotlib",
    "openpyxl",
    "lxml",
    "PIL",
    "yaml",
    "markdown_it",
    "alembic",
)

# Starts the app the way `qualcode open PROJECT --source NAME` does (the command looked up
# through the CLI, so its module's imports count), headless, and waits until the
# transcript's text is in its view; then lists what was imported.
FIRST_SCREEN = """
import asyncio, json, sys
from pathlib import Path
from qualcode.cli.app import cli

cli.get_command(None, "open")
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.transcript import TranscriptScreen
from qualcode.tui.widgets.transcript_view import TranscriptView

async def main() -> None:
    app = QualcodeApp(Path(sys.argv[1]), coder="Ana", open_source=sys.argv[2])
    async with app.run_test(size=(120, 40)) as pilot:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        def shown() -> bool:
            screen = app.screen
            if not isinstance(screen, TranscriptScreen):
                return False
            views = screen.query(TranscriptView)
            return bool(views) and "navigator" in views.first().text
        while not shown():
            assert loop.time() < deadline, "the transcript never showed"
            await pilot.pause(0.02)
        await pilot.pause()
        print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))

asyncio.run(main())
"""


@pytest.fixture
def small_project(tmp_path: Path, interview_file: Path) -> Path:
    path = tmp_path / "startup.qcp"
    with Project.create(path) as project, project.session() as session:
        CodebookService(session, "Setup").import_codebook(SMALL_CODEBOOK)
        SourceService(session, "Setup").import_files([interview_file])
    return path


def test_the_first_transcript_shows_without_loading_what_later_screens_need(
    small_project: Path,
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", FIRST_SCREEN, str(small_project), "interview-sam"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert "textual" in loaded  # the check ran inside the app
    assert sorted(loaded.intersection(NOT_BEFORE_FIRST_SCREEN)) == []


def test_a_lazy_name_loads_its_module_only_when_used() -> None:
    # A module nothing imports by itself, so that the test can see when it loads.
    name = "qualcode.tui.screens.help"
    code = (
        "import sys; from qualcode.tui.lazy import lazy; "
        f"Help = lazy({name!r}, 'HelpScreen'); "
        "before = isinstance(object(), Help); "
        f"print(before, {name!r} in sys.modules, bool(Help.BINDINGS), "
        f"{name!r} in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert result.stdout.split() == ["False", "False", "True", "True"]


def test_a_lazy_class_is_called_and_recognised_like_the_class() -> None:
    ordered = lazy("collections", "OrderedDict")
    made = ordered(a=1)
    assert type(made).__name__ == "OrderedDict"
    assert isinstance(made, ordered)
    assert not isinstance({}, ordered)


# --- the collector's walks kept off key presses (qualcode/tui/heap.py) ---------------


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class _Screen:
    """Stands for a screen: an object in a reference cycle, as Textual's widgets are."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def heap_clean() -> Iterator[None]:
    yield
    gc.unfreeze()


def _tracked(thing: object) -> bool:
    """Whether the collector's walks visit ``thing`` (frozen objects are not listed)."""
    return any(candidate is thing for candidate in gc.get_objects())


def test_what_start_up_loaded_is_left_out_of_the_walks(heap_clean: None) -> None:
    loaded = _Screen()
    keeper = HeapKeeper(list, clock=_Clock())
    keeper.started()
    try:
        assert gc.get_freeze_count() > 0
        assert not _tracked(loaded)
    finally:
        keeper.stopped()
    assert gc.get_freeze_count() == 0
    assert _tracked(loaded)


def test_survivors_of_a_full_walk_are_frozen_so_the_next_walk_is_short(heap_clean: None) -> None:
    keeper = HeapKeeper(list, clock=_Clock())
    keeper.started()
    try:
        made_since = _Screen()
        assert _tracked(made_since)
        gc.collect()  # what the collector does now and then by itself
        assert not _tracked(made_since)
    finally:
        keeper.stopped()


def test_the_idle_tidy_waits_for_a_pause_in_typing(heap_clean: None) -> None:
    clock = _Clock()
    keeper = HeapKeeper(list, clock=clock, idle_seconds=3, full_tidy_seconds=1000)
    keeper.started()
    try:
        keeper.saw_input()
        clock.now = 2.9
        assert keeper.tick() is None  # still typing
        clock.now = 3.1
        made_while_typing = _Screen()
        assert keeper.tick() == "young"
        assert not _tracked(made_while_typing)
        clock.now = 10
        assert keeper.tick() is None  # nothing new since
        keeper.saw_input()
        clock.now = 14
        assert keeper.tick() == "young"
    finally:
        keeper.stopped()


def test_a_closed_screen_frozen_earlier_is_freed_by_the_next_idle_tidy(heap_clean: None) -> None:
    clock = _Clock()
    screen = _Screen()
    screens: list[object] = [screen]
    keeper = HeapKeeper(lambda: screens, clock=clock, idle_seconds=3, full_tidy_seconds=1000)
    keeper.started()
    try:
        clock.now = 5
        assert keeper.tick() == "young"  # the screen is frozen now
        gone = weakref.ref(screen)
        screens.clear()
        del screen
        gc.collect()
        assert gone() is not None  # frozen garbage: no walk visits it
        keeper.saw_input()
        clock.now = 10
        assert keeper.tick() == "full"
        assert gone() is None
    finally:
        keeper.stopped()


def test_the_app_freezes_what_it_loaded_once_open_and_lets_go_at_exit(
    small_project: Path, heap_clean: None
) -> None:
    from qualcode.tui.app import QualcodeApp

    async def run() -> tuple[int, int]:
        app = QualcodeApp(small_project, coder="Ana")
        async with app.run_test(size=(100, 30)) as pilot:
            for _ in range(500):
                if app.backend is not None:
                    break
                await pilot.pause(0.02)
            assert app.backend is not None, "the project never opened"
            await pilot.pause()
            frozen_while_open = gc.get_freeze_count()
        return frozen_while_open, gc.get_freeze_count()

    while_open, after = asyncio.run(run())
    assert while_open > 0
    assert after == 0
