"""UnitizedService: which transcripts it compares, which it leaves out, and that its
figures are exactly the domain's on the same segments (issue 16).

Expected values are never typed in: each comes from calling
:func:`qualcode.domain.unitized_alpha.unitized_family` (tested against the published
examples in tests/test_unitized_alpha.py) on segments built here from the codings'
own offsets, so a test fails if the service picks the wrong material, not the maths.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.domain.records import CodingRecord
from qualcode.domain.unitized_alpha import (
    TOO_FEW_CODERS,
    Continuum,
    Segment,
    bootstrap,
    unitized_family,
)
from qualcode.services.coding import CodingService
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
from qualcode.services.unitized import UnitizedService

TIME = "Barriers > Time"
RISK = "Barriers > Risk"
BRIDGING = "Enablers > Bridging roles"

GROUP = """Facilitator: What gets in the way?

Ann: We have no time at all. The waiting list is huge and nobody owns the risk.

Bo: For us the navigator role bridges the gap between housing and the trust.
"""


@pytest.fixture
def two_sources(project: Project, interview_file: Path) -> dict[str, list[CodingRecord]]:
    """Ann and Bo coded the interview; only Ann coded the group."""
    group = interview_file.parent / "group.txt"
    group.write_text(GROUP, encoding="utf-8")
    codings: dict[str, list[CodingRecord]] = {"interview-sam": [], "group": []}
    with project.session() as session:
        SourceService(session, "Tester").import_files([interview_file, group])
        for coder, source, code, passage in (
            ("Ann", "interview-sam", TIME, "we just have no time"),
            ("Bo", "interview-sam", TIME, "have no time. The trust"),
            ("Ann", "interview-sam", RISK, "nobody owns the risk"),
            ("Bo", "interview-sam", TIME, "nobody owns the risk"),
            ("Bo", "interview-sam", BRIDGING, "The navigator role bridges the gap"),
            ("Ann", "interview-sam", BRIDGING, "navigator role bridges the gap. It really"),
            ("Ann", "group", TIME, "We have no time at all"),
        ):
            record = CodingService(session, coder).add_passage(source, code, passage)
            codings[source].append(record)
    return codings


def _continuum(project: Project, source: str, codings: list[CodingRecord]) -> Continuum:
    with project.read_session() as session:
        length = len(SourceService(session, "Tester").text(source))
    segments = tuple(Segment(c.coder, c.code_path, c.start, c.end) for c in codings)
    return Continuum(source, length, segments)


def _family(project: Project, **options: object):  # type: ignore[no-untyped-def]
    with project.read_session() as session:
        return UnitizedService(session).family(**options)  # type: ignore[arg-type]


def test_compares_the_transcripts_every_coder_coded(
    project: Project, two_sources: dict[str, list[CodingRecord]]
) -> None:
    report = _family(project)
    assert report.family.coders == ("Ann", "Bo")
    assert report.sources == ("interview-sam",)
    assert report.left_out == ("group",)
    assert report.uncoded_by == (("group", ("Bo",)),)  # who is missing there, to say why
    interview = _continuum(project, "interview-sam", two_sources["interview-sam"])
    group = _continuum(project, "group", two_sources["group"])
    assert report.characters == interview.length
    assert report.all_characters == interview.length + group.length
    expected = unitized_family([interview], ("Ann", "Bo"), report.codes)
    assert report.family == expected
    # The figures are not trivial: the coders disagree somewhere.
    assert expected.unitizing.value is not None and 0 < expected.unitizing.value < 1


def test_absent_is_uncoded_compares_every_transcript(
    project: Project, two_sources: dict[str, list[CodingRecord]]
) -> None:
    report = _family(project, absent_is_uncoded=True)
    assert set(report.sources) == {"interview-sam", "group"} and report.left_out == ()
    continua = [
        _continuum(project, name, two_sources[name]) for name in report.sources
    ]  # in the service's order: the pooled continuum's order matters to nothing but ties
    expected = unitized_family(continua, ("Ann", "Bo"), report.codes)
    assert report.family == expected
    # Bo's silence in the group now counts against Ann's coding there.
    assert report.family.binary.value != _family(project).family.binary.value


def test_values_per_code_and_the_codes_chosen(
    project: Project, two_sources: dict[str, list[CodingRecord]]
) -> None:
    report = _family(project, codes=[TIME, RISK])
    assert report.codes == (TIME, RISK)
    interview = _continuum(project, "interview-sam", two_sources["interview-sam"])
    expected = unitized_family([interview], ("Ann", "Bo"), (TIME, RISK))
    assert report.family == expected
    by_code = {c.code: c for c in report.family.per_code}
    assert by_code[TIME].value is not None
    # Ann coded Risk where Bo coded Time: paired, and wholly disagreeing.
    assert by_code[RISK].segments == 1


def test_include_subcodes_counts_them_as_the_theme(
    project: Project, two_sources: dict[str, list[CodingRecord]]
) -> None:
    alone = _family(project, codes=["Barriers"])
    assert alone.family.per_code[0].segments == 0  # nobody coded the theme itself
    with_children = _family(project, codes=["Barriers"], include_subcodes=True)
    relabelled = [
        Segment(c.coder, "Barriers", c.start, c.end)
        for c in two_sources["interview-sam"]
        if c.code_path.startswith("Barriers > ")
    ]
    length = _continuum(project, "interview-sam", []).length
    expected = unitized_family(
        [Continuum("interview-sam", length, tuple(relabelled))], ("Ann", "Bo"), ("Barriers",)
    )
    assert with_children.family == expected
    assert with_children.family.per_code[0].segments == 4


def test_coders_chosen_and_one_coder_says_why(
    project: Project, two_sources: dict[str, list[CodingRecord]]
) -> None:
    report = _family(project, coders=["Ann"])
    assert report.family.binary.value is None
    assert report.family.binary.reason == TOO_FEW_CODERS.format(m=1)
    # One coder coded everything they coded: every transcript Ann coded is compared.
    assert report.sources == ("group", "interview-sam")


def test_sources_chosen(project: Project, two_sources: dict[str, list[CodingRecord]]) -> None:
    report = _family(project, sources=["group"])
    # Only Ann coded there, so she is the only coder compared: no value, and why.
    assert report.sources == ("group",) and report.family.coders == ("Ann",)
    assert report.family.binary.value is None
    both = _family(project, sources=["group"], coders=["Ann", "Bo"])
    assert both.sources == () and both.left_out == ("group",)


def test_confidence_is_reproducible_and_the_domains(
    project: Project, two_sources: dict[str, list[CodingRecord]]
) -> None:
    first = _family(project, confidence=True, draws=300, seed=7)
    again = _family(project, confidence=True, draws=300, seed=7)
    assert first.confidence == again.confidence
    labels = [label for label, _ in first.confidence]
    assert labels[:3] == ["|uα", "uα", "cuα"]
    # Only defined coefficients get an interval.
    defined = [c.code for c in first.family.per_code if c.value is not None]
    assert labels[3:] == defined
    interview = _continuum(project, "interview-sam", two_sources["interview-sam"])
    direct = bootstrap([interview], ("Ann", "Bo"), first.codes, "uα", draws=300, seed=7)
    assert first.confidence_of("uα") == direct
    other_seed = _family(project, confidence=True, draws=300, seed=8)
    assert other_seed.confidence_of("uα") != first.confidence_of("uα")
