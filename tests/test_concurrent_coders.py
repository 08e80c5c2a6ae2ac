"""Coder processes on one project, on an SQLite file and on a PostgreSQL server (the
benchmark at a size the suite can afford): every success is there once, every refusal
was a clear result, the audit log accounts for every success."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from benchmarks.bench_concurrent_coders import Outcome, run
from qualcode.services.project import Project
from qualcode.store.models import Coder


def _assert_sound(outcome: Outcome) -> None:
    assert outcome.problems == []
    assert outcome.counts["add ok"] > 0 and outcome.counts["memo ok"] > 0
    # the conflicts are real: refusals happened and were reported as results
    refused = sum(n for key, n in outcome.counts.items() if not key.endswith(" ok"))
    assert refused > 0


@pytest.mark.parametrize("processes", [4, 10])
def test_concurrent_coders_lose_nothing_and_are_told_of_every_refusal(
    tmp_path: Path, processes: int
) -> None:
    _assert_sound(run(tmp_path, processes=processes, actions=60, timeout=300))


@pytest.mark.parametrize("processes", [4, 10])
def test_concurrent_coders_on_postgres_lose_nothing_and_are_told_of_every_refusal(
    tmp_path: Path, postgres_url: str, processes: int
) -> None:
    # Ten processes as the issue asks; fewer actions each so the suite stays quick.
    _assert_sound(run(tmp_path, processes=processes, actions=60, timeout=300, url=postgres_url))


def test_two_first_actions_by_one_new_coder_make_one_coder_on_both_engines(
    project_location: str | Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Zoe's first action in two terminals at once: both look for her, neither finds her,
    both add her. The unique name referees; the loser uses the winner's row."""
    import qualcode.services.base as base

    with Project.create(project_location) as project:
        looked = base._find_coder

        def other_terminal_adds_her_meanwhile(session: Session, name: str) -> Coder | None:
            monkeypatch.setattr(base, "_find_coder", looked)
            with Project.open(project_location) as other, other.session() as theirs:
                base.get_or_create_coder(theirs, name)
                theirs.commit()
            return None  # this terminal looked before the other one's commit

        monkeypatch.setattr(base, "_find_coder", other_terminal_adds_her_meanwhile)
        with project.session() as session:
            zoe = base.get_or_create_coder(session, "Zoe")
            session.commit()  # the session is still usable: only the savepoint failed
            assert zoe.name == "Zoe"
        with project.read_session() as session:
            assert session.scalars(select(Coder.name).where(Coder.name == "Zoe")).all() == ["Zoe"]
