"""The reliability statement (issue 16): the paragraph for several fact sets, the facts
gathered from a project, `qualcode agreement --statement`, and the Word report's section.

Expected wording follows the module's documented choices: Krippendorff's (2019, section
12.7) thresholds 0.800 and 0.667, O'Connor and Joffe's (2020) 10-25 % of the data
double-coded, and the journal style "uα = 0.79 (95 % CI 0.72 to 0.85)" the issue asks for.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from qualcode.cli.app import cli
from qualcode.domain.reliability_statement import (
    NBSP,
    CodebookVersion,
    CoefficientFact,
    ReliabilityFacts,
    Resolution,
    codebook_fingerprint,
    decision_kind,
    number,
    percent,
    statement,
    statement_paragraphs,
)
from qualcode.domain.reports import ReportFilter, ReportOptions
from qualcode.domain.review import ChoiceKind, ConsensusChoice, ReviewStatus
from qualcode.domain.unitized_alpha import NO_DOUBLE_CODING
from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.consensus import ConsensusService
from qualcode.services.identifiers import IdentifierService
from qualcode.services.project import Project
from qualcode.services.reliability import ReliabilityService
from qualcode.services.reports import ReportService
from qualcode.services.review import ReviewService
from qualcode.services.unitized import UnitizedService
from tests.test_agreement_service import add_source

TEXT = "Hartwell, " * 10  # 100 characters


def plain(text: str) -> str:
    """The statement with its non-breaking spaces as plain ones, to compare words."""
    return text.replace(NBSP, " ")


def fact(name: str, value: float | None, low: float | None = None, high: float | None = None,
         **kw: object) -> CoefficientFact:  # fmt: skip
    return CoefficientFact(name=name, value=value, low=low, high=high, draws=1000, **kw)  # type: ignore[arg-type]


GOOD = ReliabilityFacts(
    coefficients=(
        fact("uα", 0.85, 0.80, 0.90, below=((0.667, 0.0), (0.8, 0.04))),
        fact("|uα", 0.91, 0.88, 0.94),
        fact("cuα", 0.83, 0.77, 0.88),
    ),
    per_code=(fact("(k)uα", 0.9, code="Barriers > Time"),),
    coders=2,
    coder_names=(),
    sources_compared=3,
    sources_all=12,
    characters_compared=30_000,
    characters_all=120_000,
    codebook=CodebookVersion("0a1b2c3d", 14, date(2026, 11, 23)),
    resolution=Resolution(
        disagreements=10,
        agreed=1,
        accepted_one=4,
        accepted_all=2,
        neither=1,
        edited_span=1,
        still_open=1,
    ),
)


# -- the paragraph ---------------------------------------------------------------------


def test_all_good_reports_every_fact_in_journal_style() -> None:
    text = plain(statement(GOOD))
    assert "Krippendorff's unitized alpha family" in text
    assert "stretches of continuous text" in text  # why this coefficient
    assert "treat text that nobody coded as agreement" in text  # why not character kappa
    assert "Two coders coded the material independently" in text
    assert "3 of 12 sources (25 %), 30,000 of 120,000 characters (25 % of the text)" in text
    assert "were coded by both of them" in text
    assert "The unit of analysis was the character" in text
    assert "uα = 0.85 (95 % CI 0.80 to 0.90)" in text
    assert "|uα = 0.91 (95 % CI 0.88 to 0.94)" in text
    assert "cuα = 0.83 (95 % CI 0.77 to 0.88)" in text
    assert "95 % bootstrap intervals (1,000 resamples)" in text
    assert "below 0.800 is 0.04, and below 0.667 is less than 0.01" in text
    assert "At 0.85, uα is at or above 0.800" in text
    assert "version 0a1b2c3d of the codebook (14 codes" in text
    assert "last changed on 23 November 2026" in text
    assert "discussed the 10 passages where they disagreed and resolved 9" in text
    assert (
        "4 by accepting one coder's version, 2 by keeping every coder's coding, 1 by agreeing "
        "the passage should not be coded, 1 by agreeing an edited stretch and 1 by agreement "
        "without a recorded change" in text
    )
    assert "The other 1 is still open" in text
    for worry in ("caution", "wide", "small reliability sample", "could not be computed"):
        assert worry not in text
    assert "Barriers" not in text  # a code above 0.667 is not singled out


def test_three_paragraphs_method_values_and_process() -> None:
    method, values, process = statement_paragraphs(GOOD)
    assert method.startswith("Intercoder reliability was assessed")
    assert values.startswith("Agreement on where text was coded")
    assert process.startswith("The coders worked from version")
    assert statement(GOOD) == "\n\n".join((method, values, process))


def test_numbers_and_their_units_stay_on_one_line() -> None:
    text = statement(GOOD)
    assert f"uα{NBSP}={NBSP}0.85" in text and f"95{NBSP}%{NBSP}CI" in text


def test_weak_alpha_and_a_wide_interval_are_said_plainly() -> None:
    weak = replace(
        GOOD,
        coefficients=(fact("uα", 0.52, 0.31, 0.70), *GOOD.coefficients[1:]),
        per_code=(
            fact("(k)uα", 0.41, code="Barriers > Time"),
            fact("(k)uα", 0.12, code="Barriers > Risk"),
            fact("(k)uα", 0.95, code="Enablers > Bridging"),
        ),
    )
    text = plain(statement(weak))
    assert "uα = 0.52 (95 % CI 0.31 to 0.70)" in text
    assert "At 0.52, uα is below 0.667" in text and "read with caution" in text
    assert "The interval for uα is wide" in text
    # weakest first, by the code's own name
    assert (
        "below 0.667 for 2 of 3 codes that coders applied to the same text: Risk (0.12); " in text
    )
    assert "Time (0.41)." in text and "Bridging" not in text


def test_tentative_alpha() -> None:
    text = plain(statement(replace(GOOD, coefficients=(fact("uα", 0.7, 0.65, 0.75),))))
    assert "At 0.70, uα is between 0.667 and 0.800" in text and "tentative" in text


def test_undefined_alpha_gives_its_reason() -> None:
    facts = replace(
        GOOD,
        coefficients=(
            GOOD.coefficients[0],
            GOOD.coefficients[1],
            CoefficientFact("cuα", None, NO_DOUBLE_CODING),
        ),
        per_code=(CoefficientFact("(k)uα", None, "never paired", code="Barriers > Time"),),
    )
    text = plain(statement(facts))
    assert "cuα could not be computed: no stretch was coded by two coders at once." in text
    assert "For 1 code, no two coders applied it to the same text" in text
    assert "cuα =" not in text


def test_no_review_yet() -> None:
    facts = replace(GOOD, resolution=Resolution(disagreements=5, still_open=5))
    text = statement(facts)
    assert "The 5 passages where coders disagreed had not yet been discussed" in text
    assert "no agreed version of the coding yet" in text
    nothing = replace(GOOD, resolution=Resolution())
    assert "left no disagreements to discuss" in statement(nothing)


def test_no_double_coding() -> None:
    facts = replace(
        GOOD,
        coefficients=tuple(CoefficientFact(f.name, None, "nothing") for f in GOOD.coefficients),
        sources_compared=0,
        characters_compared=0,
    )
    text = plain(statement(facts))
    assert "0 of 12 sources (0 %)" in text
    assert "No source was coded by every coder, so agreement between coders could not" in text
    assert "uα =" not in text and "could not be computed" not in text
    single = replace(facts, coders=1)
    assert "Fewer than two coders" in statement(single)
    assert "One coder coded the selected material." in statement(single)


def test_a_small_sample_is_called_small() -> None:
    # 1 source, and 5 % of the characters: under O'Connor and Joffe's 10-25 %.
    one = replace(GOOD, sources_compared=1, characters_compared=6_000)
    assert "small reliability sample" in statement(one)
    assert "small reliability sample" not in statement(GOOD)  # 25 %, 3 sources


def test_every_source_compared_is_said_once() -> None:
    everything = replace(
        GOOD, coders=3, sources_compared=9, sources_all=9, characters_compared=5, characters_all=5
    )
    text = plain(statement(everything))
    assert (
        "Three coders coded the material independently; all 9 sources (5 characters) were "
        "coded by all three of them." in text
    )
    assert "of 9" not in text


def test_coders_are_named_only_when_given() -> None:
    assert "Ann" not in statement(GOOD)
    named = replace(GOOD, coder_names=("Ann", "Bo"))
    assert "Two coders (Ann and Bo) coded" in statement(named)


def test_number_formats() -> None:
    assert number(0.789) == "0.79" and number(-0.123) == "\u22120.12"
    assert number(0.8, 3) == "0.800"
    assert percent(2, 3) == f"67{NBSP}%" and percent(1, 1000) == f"<1{NBSP}%"
    assert percent(0, 0) == f"0{NBSP}%"


@pytest.mark.parametrize(
    "choice",
    [
        ConsensusChoice(ChoiceKind.CODER, coder="Mary-Jo O'Neil"),
        ConsensusChoice(ChoiceKind.ALL),
        ConsensusChoice(ChoiceKind.NONE),
        ConsensusChoice(ChoiceKind.SPAN, start=3, end=40),
    ],
)
def test_a_decision_kind_is_read_back_from_its_words(choice: ConsensusChoice) -> None:
    assert decision_kind(choice.describe()) is choice.kind
    assert decision_kind(choice.describe() + ": we agreed: see notes") is choice.kind


def test_other_words_are_no_decision() -> None:
    assert decision_kind("marked agree") is None
    assert decision_kind("accepted") is None


def test_the_fingerprint_follows_the_codebook_not_its_order() -> None:
    codes = [("u1", "Barriers", ""), ("u2", "Barriers > Time", "No time")]
    first = codebook_fingerprint(codes)
    assert len(first) == 8 and int(first, 16) >= 0
    assert codebook_fingerprint(reversed(codes)) == first
    assert codebook_fingerprint([codes[0], ("u2", "Barriers > Time", "No time at all")]) != first
    assert codebook_fingerprint([codes[0], ("u2", "Enablers > Time", "No time")]) != first
    assert codebook_fingerprint(codes[:1]) != first


# -- the facts from a project ----------------------------------------------------------


def code(project: Project, coder: str, source: str, start: int, end: int) -> None:
    with project.session() as session:
        CodingService(session, coder).add(source, "Time", start, end)


@pytest.fixture
def pair(project: Project) -> Project:
    """Hartwell coded Time 0-30 and Bo 20-40 in s1 (disagreements 0-20 and 30-40); only
    Hartwell coded s2, so s1 is the one source both coded."""
    add_source(project, "s1", TEXT)
    add_source(project, "s2", TEXT)
    code(project, "Hartwell", "s1", 0, 30)
    code(project, "Bo", "s1", 20, 40)
    code(project, "Hartwell", "s2", 50, 60)
    with project.session() as session:
        IdentifierService(session).mark_reviewed("Tester")
    return project


def test_facts_from_a_project(pair: Project) -> None:
    with pair.session() as session:
        ConsensusService(session, "Bo").decide(
            "s1", "Time", 0, 20, ConsensusChoice(ChoiceKind.CODER, coder="Hartwell")
        )
    with pair.read_session() as session:
        facts = ReliabilityService(session).facts(draws=200)
        report = UnitizedService(session).family(confidence=True, draws=200)
    assert (facts.coders, facts.coder_names) == (2, ())
    assert (facts.sources_compared, facts.sources_all) == (1, 2)
    assert (facts.characters_compared, facts.characters_all) == (100, 200)
    first = facts.coefficients[0]
    assert first.name == "uα" and first.value == report.family.unitizing.value
    interval = report.confidence_of("uα")
    assert interval is not None and (first.low, first.high) == (interval.low, interval.high)
    assert first.draws == 200 and first.below == interval.below
    # Codes nobody applied in the compared material are left out, not "undefined".
    applied = [c.code for c in report.family.per_code if c.segments]
    assert [f.code for f in facts.per_code] == applied and len(applied) < len(report.codes)
    assert facts.resolution == Resolution(disagreements=2, accepted_one=1, still_open=1)
    # the codebook was imported moments ago (UTC dates; a test run may straddle midnight)
    changed = facts.codebook.last_changed
    assert facts.codebook.codes == 5 and changed is not None
    assert 0 <= (datetime.now(UTC).date() - changed).days <= 1


def test_a_reopened_decision_and_a_plain_agree_are_counted_by_status(pair: Project) -> None:
    with pair.session() as session:
        ConsensusService(session, "Bo").decide("s1", "Time", 0, 20, ConsensusChoice(ChoiceKind.ALL))
    with pair.session() as session:
        review = ReviewService(session, "Bo")
        first, second = review.items()
        review.set_status(first.anchor, ReviewStatus.NEEDS_DISCUSSION)
        review.set_status(second.anchor, ReviewStatus.AGREE)
    with pair.read_session() as session:
        facts = ReliabilityService(session).facts(draws=50)
    assert facts.resolution == Resolution(disagreements=2, agreed=1, still_open=1)


def test_the_fingerprint_changes_with_a_definition(pair: Project) -> None:
    with pair.read_session() as session:
        before = ReliabilityService(session).codebook_version()
    with pair.read_session() as session:
        assert ReliabilityService(session).codebook_version() == before
    with pair.session() as session:
        CodebookService(session, "Tester").update_code("Time", definition="No protected time")
    with pair.read_session() as session:
        after = ReliabilityService(session).codebook_version()
    assert after.fingerprint != before.fingerprint and after.codes == before.codes


def test_a_registered_name_never_appears_in_the_statement(pair: Project) -> None:
    with pair.session() as session:
        IdentifierService(session, "Tester").add("Hartwell", "[coder A]", kind="person")
        IdentifierService(session).mark_reviewed("Tester")
    with pair.read_session() as session:
        facts, text = ReliabilityService(session).statement(name_coders=True)
    assert "Hartwell" not in text and "[coder A]" in text
    assert "Hartwell" not in json.dumps(facts.coder_names)


# -- the CLI and the Word report -------------------------------------------------------


def test_cli_prints_the_statement(pair: Project) -> None:
    path = str(pair.path)
    result = CliRunner().invoke(cli, ["agreement", path, "--statement"])
    assert result.exit_code == 0, result.output
    text = plain(" ".join(result.output.split()))
    assert "Krippendorff's unitized alpha family" in text and "uα = " in text
    assert "1 of 2 sources (50 %)" in text
    assert "Hartwell" not in text  # the CLI never names coders
    as_json = CliRunner().invoke(cli, ["agreement", path, "--statement", "--json"])
    assert as_json.exit_code == 0, as_json.output
    loaded = json.loads(as_json.output)
    assert loaded["statement"].startswith("Intercoder reliability")
    assert loaded["facts"]["sources_compared"] == 1


def _paragraphs(path: Path) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in Document(str(path)).paragraphs]


def test_the_word_report_has_a_reliability_section(pair: Project, tmp_path: Path) -> None:
    with pair.session() as session:
        IdentifierService(session, "Tester").add("Hartwell", "[coder A]", kind="person")
        IdentifierService(session).mark_reviewed("Tester")
    output = tmp_path / "report.docx"
    with pair.session() as session:
        ReportService(session).export_docx(
            output, ReportFilter(), ReportOptions(include_reliability=True, show_coder=True)
        )
    paragraphs = _paragraphs(output)
    at = paragraphs.index(("Heading 1", "Reliability"))
    method, values, process = (text for _, text in paragraphs[at + 1 : at + 4])
    assert method.startswith("Intercoder reliability was assessed")
    assert "(Bo and [coder A])" in method  # named, as the report names coders
    assert values.startswith("Agreement on where text was coded")
    assert process.startswith("The coders worked from version")
    assert ("Contents 1", "Reliability") in paragraphs
    assert all("Hartwell" not in text for _, text in paragraphs)


def test_the_word_report_leaves_it_out_unless_asked(pair: Project, tmp_path: Path) -> None:
    output = tmp_path / "report.docx"
    result = CliRunner().invoke(cli, ["export", "docx", str(pair.path), "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert all(text != "Reliability" for _, text in _paragraphs(output))
    asked = tmp_path / "asked.docx"
    result = CliRunner().invoke(
        cli, ["export", "docx", str(pair.path), "-o", str(asked), "--reliability"]
    )
    assert result.exit_code == 0, result.output
    assert ("Heading 1", "Reliability") in _paragraphs(asked)
