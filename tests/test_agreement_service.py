"""Agreement between coders on small projects whose counts can be checked by hand."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import pytest

from qualcode.domain.agreement import NO_VARIATION, NOT_TWO_CODERS, AgreementReport, nominal_alpha
from qualcode.domain.errors import NotFoundError
from qualcode.services.agreement import AgreementService
from qualcode.services.coding import CodingService
from qualcode.services.project import Project
from qualcode.store.models import Source, SpeakerTurn


def add_source(
    project: Project,
    name: str,
    text: str,
    turns: Sequence[tuple[int, int]] = (),
    speakers: Sequence[str] | None = None,
) -> None:
    """A source of ``text`` with speaker ``turns``, said by ``speakers`` (one a turn;
    by default all by "x")."""
    with project.session() as session:
        source = Source(
            name=name,
            text=text,
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
            original_filename=f"{name}.txt",
            format="txt",
            characters=len(text),
            words=len(text.split()),
        )
        session.add(source)
        session.flush()
        said_by = speakers if speakers is not None else ["x"] * len(turns)
        for (start, end), speaker in zip(turns, said_by, strict=True):
            session.add(SpeakerTurn(source_id=source.id, speaker=speaker, start=start, end=end))
        session.commit()


def code(project: Project, coder: str, source: str, code_: str, start: int, end: int) -> None:
    with project.session() as session:
        CodingService(session, coder).add(source, code_, start, end)


def report(project: Project, **options: Any) -> AgreementReport:
    with project.read_session() as session:
        return AgreementService(session).agreement(**options)


@pytest.fixture
def two_coders(project: Project) -> Project:
    add_source(project, "s1", "x" * 100)
    code(project, "Ann", "s1", "Time", 0, 30)
    code(project, "Ann", "s1", "Time", 50, 60)
    code(project, "Bo", "s1", "Time", 20, 40)
    code(project, "Bo", "s1", "Risk", 70, 80)
    return project


def test_two_coders_over_characters(two_coders: Project) -> None:
    result = report(two_coders)
    assert result.coders == ("Ann", "Bo")
    rows = {r.label: r for r in result.by_code}
    time = rows["Barriers > Time"]
    # Ann 0-30 and 50-60, Bo 20-40: together 20-30, Ann only 30, Bo only 10, nobody 50.
    assert (time.units, time.coded_by_any, time.coded_by_all, time.coded_by_some) == (
        100,
        50,
        10,
        40,
    )
    assert time.percent_agreement.value == pytest.approx(0.6)
    assert time.kappa.value == pytest.approx((0.6 - (0.4 * 0.2 + 0.6 * 0.8)) / 0.44)
    assert time.alpha.value == pytest.approx(1 - 199 * 40 / (140 * 60))
    assert time.notes == ()

    risk = rows["Barriers > Risk"]
    assert risk.notes == ("Ann coded nothing",)
    assert risk.kappa.value == pytest.approx(0)
    assert risk.alpha.value == pytest.approx(1 - 199 * 10 / (190 * 10))

    uncoded = rows["Enablers"]
    assert uncoded.percent_agreement.value == 1
    assert (uncoded.alpha.value, uncoded.alpha.reason) == (None, NO_VARIATION)
    assert uncoded.coded_by_any == 0

    # Overall pools the five codes' 100 characters each.
    overall = result.overall
    assert overall.units == 500
    assert overall.coded_by_all == 10 and overall.coded_by_some == 50
    o01, o11 = 40 + 10, 20
    o00 = 1000 - 2 * o01 - o11
    assert overall.alpha.value == pytest.approx(1 - 999 * o01 / ((o00 + o01) * (o11 + o01)))
    (source,) = result.by_source
    assert source.label == "s1" and source.units == 500
    assert source.alpha.value == pytest.approx(overall.alpha.value)


def test_codes_and_subcodes(two_coders: Project) -> None:
    only = report(two_coders, codes=["Time"])
    assert [r.label for r in only.by_code] == ["Barriers > Time"]
    assert only.overall.alpha == only.by_code[0].alpha
    parent = report(two_coders, codes=["Barriers"]).by_code[0]
    assert parent.coded_by_any == 0  # its own codings only
    with_children = report(two_coders, codes=["Barriers"], include_subcodes=True).by_code[0]
    # Time and Risk together: Ann 0-30, 50-60; Bo 20-40, 70-80.
    assert (with_children.coded_by_all, with_children.coded_by_some) == (10, 50)


def test_three_coders_and_a_missing_coder(project: Project) -> None:
    add_source(project, "s1", "x" * 10)
    add_source(project, "s2", "y" * 10)
    for coder, start, end in [("Ann", 0, 4), ("Bo", 2, 6), ("Cy", 2, 4)]:
        code(project, coder, "s2", "Time", start, end)
    code(project, "Ann", "s1", "Time", 0, 5)
    code(project, "Bo", "s1", "Time", 3, 8)

    result = report(project, codes=["Time"])
    time = result.by_code[0]
    assert time.coders == ("Ann", "Bo", "Cy")
    assert time.kappa.reason == NOT_TWO_CODERS
    s1 = [(1, 0, None)] * 3 + [(1, 1, None)] * 2 + [(0, 1, None)] * 3 + [(0, 0, None)] * 2
    s2 = [(1, 0, 0)] * 2 + [(1, 1, 1)] * 2 + [(0, 1, 0)] * 2 + [(0, 0, 0)] * 4
    assert time.alpha.value == pytest.approx(nominal_alpha(s1 + s2).value)
    by_source = {r.label: r for r in result.by_source}
    assert by_source["s1"].coders == ("Ann", "Bo")
    # s2 alone, by hand: o00 16, o01 4, o11 6, n 30 -> 1 - 29 * 4 / (20 * 10).
    assert by_source["s2"].alpha.value == pytest.approx(0.42)

    # Absent coders counted as "not coded" instead of missing.
    strict = report(project, codes=["Time"], absent_is_uncoded=True).by_code[0]
    filled = [(a, b, 0) for a, b, _ in s1]
    assert strict.alpha.value == pytest.approx(nominal_alpha(filled + s2).value)

    # Choosing two coders gives kappa back, over the pairable characters.
    pair = report(project, codes=["Time"], coders=["ann", "Bo"]).by_code[0]
    assert pair.units == 20 and pair.kappa.value is not None

    with pytest.raises(NotFoundError):
        report(project, coders=["Nobody"])
    alone = report(project, codes=["Time"], sources=["s1"], coders=["Cy", "Ann"]).by_code[0]
    assert alone.units == 0 and alone.alpha.value is None


TEXT = "Ann: One. Two.\nBo: Three. Four.\n"


@pytest.fixture
def with_turns(project: Project) -> Project:
    first, second = (0, TEXT.index("\n")), (TEXT.index("Bo:"), len(TEXT) - 1)
    add_source(project, "talk", TEXT, turns=[first, second])
    code(project, "Ann", "talk", "Time", TEXT.index("One"), TEXT.index("One") + 2)
    code(project, "Ann", "talk", "Time", TEXT.index("Four"), TEXT.index("Four") + 5)
    code(project, "Bo", "talk", "Time", TEXT.index("Two"), TEXT.index("Two") + 1)
    return project


def test_turns_as_units(with_turns: Project) -> None:
    time = report(with_turns, codes=["Time"], unit="turn").by_code[0]
    # Turn 1 coded by both, turn 2 by Ann only.
    assert (time.units, time.coded_by_all, time.coded_by_some) == (2, 1, 1)
    assert time.percent_agreement.value == pytest.approx(0.5)
    assert time.alpha.value == pytest.approx(nominal_alpha([(1, 1), (1, 0)]).value)


def test_sentences_as_units(with_turns: Project) -> None:
    time = report(with_turns, codes=["Time"], unit="sentence").by_code[0]
    # "Ann: One." Ann; "Two." Bo; "Three." nobody; "Four." Ann.
    assert (time.units, time.coded_by_all, time.coded_by_some) == (4, 0, 3)
    assert time.percent_agreement.value == pytest.approx(0.25)
    assert time.kappa.value == pytest.approx(-0.5)
    assert time.alpha.value == pytest.approx(1 - 7 * 3 / 15)


def test_consensus_coder_is_left_out_by_default(two_coders: Project) -> None:
    code(two_coders, "consensus", "s1", "Time", 0, 40)
    assert report(two_coders).coders == ("Ann", "Bo")
    assert report(two_coders, coders=["Ann", "consensus"]).coders == ("Ann", "consensus")


def test_empty_project(project: Project) -> None:
    result = report(project)
    assert result.coders == () and result.by_source == ()
    assert result.overall.alpha.value is None
