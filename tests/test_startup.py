"""What `qualcode open` loads before its first usable screen (issue 13: under 1 s from
process start). Timings make poor assertions on a shared machine, so these check what is
imported: the libraries below cost the first screen time and are needed only later (numpy
for agreement, Markdown for help, docx for reports, spaCy for suggestions ...)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.services.codebook import CodebookService
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
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
