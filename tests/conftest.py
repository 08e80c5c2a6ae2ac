"""Shared fixtures: every test gets its own config and data folders and a fixed coder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qualcode.domain.records import Codebook, CodebookEntry
from qualcode.services.codebook import CodebookService
from qualcode.services.project import Project

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep tests away from the real user's config, data and coder name."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("QUALCODE_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("QUALCODE_DATA_DIR", str(home / "data"))
    monkeypatch.delenv("QUALCODE_CODER", raising=False)
    monkeypatch.delenv("QUALCODE_DEMO_DIR", raising=False)


SMALL_CODEBOOK = Codebook(
    name="Test codebook",
    description="For tests",
    codes=(
        CodebookEntry(
            name="Barriers",
            uuid="11111111-1111-4111-8111-111111111111",
            children=(
                CodebookEntry(name="Time", uuid="11111111-1111-4111-8111-111111111112",
                              definition="No time", keywords=("time", "capacity")),
                CodebookEntry(name="Risk", uuid="11111111-1111-4111-8111-111111111113"),
            ),
        ),
        CodebookEntry(
            name="Enablers",
            uuid="22222222-2222-4222-8222-222222222221",
            children=(
                CodebookEntry(name="Bridging roles", uuid="22222222-2222-4222-8222-222222222222",
                              colour="#336699"),
            ),
        ),
    ),
)

INTERVIEW = """Study: test
Date: 1 March 2023
----
Interviewer: What gets in the way?

Sam: Honestly we just have no time. The trust is huge and nobody owns the risk.

Interviewer: And what helps?

Sam: The navigator role bridges the gap. It really does.
"""


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    return tmp_path / "study.qcp"


@pytest.fixture
def project(project_path: Path) -> Iterator[Project]:
    with Project.create(project_path) as opened:
        with opened.session() as session:
            CodebookService(session, "Tester").import_codebook(SMALL_CODEBOOK)
        yield opened


@pytest.fixture
def interview_file(tmp_path: Path) -> Path:
    path = tmp_path / "files" / "interview-sam.txt"
    path.parent.mkdir(exist_ok=True)
    path.write_text(INTERVIEW, encoding="utf-8")
    return path


def review_register(path: Path, coder: str = "Tester") -> None:
    """Say the project's identifier register was reviewed, as `qualcode identifiers
    reviewed` does: exports refuse a register that was not (issue 11)."""
    from qualcode.services.identifiers import IdentifierService

    with Project.open(path) as project, project.session() as session:
        IdentifierService(session).mark_reviewed(coder)
