"""One quote per passage in a report, however many coders coded it; attributions that
read well; a preview of them before exporting."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from qualcode.cli.app import cli
from qualcode.domain.extract_merge import merge_extracts, prefer_agreed
from qualcode.domain.quotes import as_area, attribution
from qualcode.domain.records import CodingRecord, ExtractRecord, Origin
from qualcode.domain.reports import DEFAULT_ATTRIBUTION, ReportFilter, ReportOptions
from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.consensus import ConsensusService
from qualcode.services.identifiers import IdentifierService
from qualcode.services.project import Project
from qualcode.services.reports import ReportService
from qualcode.services.sources import SourceService
from tests.conftest import SMALL_CODEBOOK, review_register

TEXT = "We have no time. The trust is huge and nobody owns the risk. Then we stopped."


def extract(
    start: int, end: int, *, coder: str = "Asha", code: str = "time", source: str = "s"
) -> ExtractRecord:
    return ExtractRecord(
        coding=CodingRecord(
            uuid=f"{coder}-{code}-{start}-{end}",
            source=source,
            start=start,
            end=end,
            code_uuid=code,
            code_path=code,
            coder=coder,
            origin=Origin.MANUAL,
            created_at=datetime(2024, 1, 1, tzinfo=UTC),
            memo="",
            text=TEXT[start:end],
        ),
        speaker=None,
        case=None,
        attributes={},
        start_time=None,
    )


# -- the pure merge ----------------------------------------------------------------------


def test_a_chain_of_overlaps_is_one_extract_re_read_from_the_text() -> None:
    # A overlaps B, B overlaps C, A does not reach C: still one passage.
    merged = merge_extracts(
        [extract(0, 10, coder="Asha"), extract(8, 30, coder="Ben"), extract(25, 40, coder="Carys")],
        {"s": TEXT},
    )
    assert len(merged) == 1
    assert (merged[0].start, merged[0].end) == (0, 40)
    assert merged[0].text == TEXT[0:40]
    assert merged[0].coders == ("Asha", "Ben", "Carys")


def test_the_same_span_by_three_coders_is_one_extract() -> None:
    merged = merge_extracts(
        [extract(3, 16, coder=c) for c in ("Carys", "Asha", "Ben")], {"s": TEXT}
    )
    assert [(m.start, m.end, m.coders) for m in merged] == [(3, 16, ("Asha", "Ben", "Carys"))]


def test_different_codes_and_sources_never_merge() -> None:
    merged = merge_extracts(
        [extract(0, 16, code="time"), extract(0, 16, code="risk"), extract(0, 16, source="t")],
        {"s": TEXT, "t": TEXT},
    )
    assert len(merged) == 3


def test_touching_extracts_stay_separate() -> None:
    merged = merge_extracts(
        [extract(0, 16, coder="Asha"), extract(16, 30, coder="Ben")], {"s": TEXT}
    )
    assert [(m.start, m.end) for m in merged] == [(0, 16), (16, 30)]


def test_spans_are_merged_as_quoted_so_two_halves_of_a_sentence_are_one_quote() -> None:
    sentence = (0, TEXT.index(".") + 1)
    halves = [extract(0, 7, coder="Asha"), extract(8, 15, coder="Ben")]
    assert len(merge_extracts(halves, {"s": TEXT})) == 2  # as coded: apart
    (merged,) = merge_extracts(halves, {"s": TEXT}, widen=lambda _s, _a, _b: sentence)
    assert merged.text == "We have no time." and merged.coders == ("Asha", "Ben")


def test_a_passage_is_placed_where_its_earliest_coding_starts() -> None:
    later = extract(5, 30, coder="Asha")
    earlier = extract(3, 10, coder="Ben")
    (merged,) = merge_extracts([later, earlier], {"s": TEXT})
    assert merged.extract is earlier and merged.text == TEXT[3:30]


def test_the_agreed_version_replaces_everyone_in_its_source_only() -> None:
    agreed = extract(0, 16, coder="consensus")
    asha = extract(0, 30, coder="Asha")
    elsewhere = extract(0, 16, coder="Asha", source="t")
    assert prefer_agreed([asha, agreed, elsewhere]) == [agreed, elsewhere]


# -- attributions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"stakeholder_group": "MEAM staff", "area": "National"}, "MEAM staff, national"),
        (
            {"stakeholder_group": "Mental health partner", "area": "T"},
            "Mental health partner, local area T",
        ),
        ({"stakeholder_group": "Peer researcher", "area": "Hastings"}, "Peer researcher, Hastings"),
        (
            {"stakeholder_group": "Person with lived experience", "pseudonym": "Dean", "area": "G"},
            "Dean, local area G",
        ),
        ({"stakeholder_group": "Local area lead"}, "Local area lead"),
    ],
)
def test_the_default_attribution_reads_naturally(attributes: dict[str, str], expected: str) -> None:
    assert attribution(DEFAULT_ATTRIBUTION, attributes) == expected


def test_only_area_letters_are_called_local_areas() -> None:
    assert as_area("N") == "local area N"
    assert as_area("Regional") == "regional"
    assert as_area("Hastings") == "Hastings"


# -- the report on a project coded by several coders ------------------------------------


@pytest.fixture
def coded(tmp_path: Path, interview_file: Path) -> Path:
    """Three coders on one transcript, mostly alike; the participant has a pseudonym
    that is also a registered identifier."""
    path = tmp_path / "coded.qcp"
    sheet = tmp_path / "files" / "people.csv"
    sheet.write_text(
        "file,speaker,case,stakeholder_group,area,pseudonym\n"
        "interview-sam.txt,Sam,P1,Mental health partner,T,Sam\n",
        encoding="utf-8",
    )
    with Project.create(path) as project, project.session() as session:
        CodebookService(session, "Setup").import_codebook(SMALL_CODEBOOK)
        SourceService(session, "Setup").import_files([interview_file], sheet)
    with Project.open(path) as project, project.session() as session:
        for coder in ("Asha", "Ben", "Carys"):
            CodingService(session, coder).add_passage("interview-sam", "Time", "no time")
        CodingService(session, "Ben").add_passage("interview-sam", "Time", "we just have no time")
        CodingService(session, "Asha").add_passage("interview-sam", "Risk", "risk")
        IdentifierService(session, "Asha").add("Sam", "[participant]", kind="person")
    review_register(path)
    return path


def _quotes(path: Path) -> list[tuple[str, str]]:
    """Each quote with what is printed under it (attribution, then details)."""
    quotes: list[tuple[str, str]] = []
    for paragraph in Document(str(path)).paragraphs:
        style = paragraph.style.name if paragraph.style is not None else ""
        if style == "Quote":
            quotes.append((paragraph.text, ""))
        elif style in ("Quote Attribution", "Extract Details") and quotes:
            quotes[-1] = (quotes[-1][0], f"{quotes[-1][1]} {paragraph.text}".strip())
    return quotes


def _report(project_path: Path, output: Path, options: ReportOptions) -> int:
    with Project.open(project_path) as project, project.session() as session:
        return ReportService(session).export_docx(output, ReportFilter(), options).extracts


def test_several_coders_give_one_quote_saying_how_many_coded_it(
    coded: Path, tmp_path: Path
) -> None:
    output = tmp_path / "report.docx"
    assert _report(coded, output, ReportOptions(include_tables=False)) == 2
    quotes = _quotes(output)
    assert len(quotes) == 2
    time_quote = next(q for q in quotes if "no time" in q[0])
    assert "coded by 3 coders" in time_quote[1]
    assert not any(name in time_quote[1] for name in ("Asha", "Ben", "Carys"))
    risk_quote = next(q for q in quotes if "risk" in q[0])
    assert "coded by 1 coder" in risk_quote[1]


def test_two_coders_coding_halves_of_one_sentence_give_it_once(coded: Path, tmp_path: Path) -> None:
    with Project.open(coded) as project, project.session() as session:
        CodingService(session, "Asha").add_passage("interview-sam", "Risk", "The trust is huge")
        CodingService(session, "Ben").add_passage("interview-sam", "Risk", "nobody owns")
    output = tmp_path / "report.docx"
    _report(coded, output, ReportOptions(include_tables=False))
    risk = [q for q in _quotes(output) if "risk" in q[0]]
    assert len(risk) == 1 and "coded by 2 coders" in risk[0][1]


def test_show_coder_names_the_coders(coded: Path, tmp_path: Path) -> None:
    output = tmp_path / "report.docx"
    _report(coded, output, ReportOptions(include_tables=False, show_coder=True))
    details = " ".join(a for _, a in _quotes(output))
    assert "coded by Asha, Ben and Carys" in details


def test_the_agreed_version_is_reported_where_there_is_one(coded: Path, tmp_path: Path) -> None:
    with Project.open(coded) as project, project.session() as session:
        ConsensusService(session, "Asha").seed()  # "no time": what all three coded
    output = tmp_path / "report.docx"
    assert (
        _report(coded, output, ReportOptions(include_tables=False, widen_to_sentences=False)) == 1
    )
    ((text, details),) = _quotes(output)
    assert text == "\u201cno time\u201d" and "the agreed version" in details


def test_the_preview_gives_the_reports_own_attributions_redacted(
    coded: Path,
) -> None:
    with Project.open(coded) as project, project.read_session() as session:
        service = ReportService(session)
        preview = service.preview_attributions(ReportFilter(), ReportOptions())
        named = service.preview_attributions(
            ReportFilter(), ReportOptions(attribution="{pseudonym}, {area:area}")
        )
    assert preview == ("Sam, local area T",) or preview == ("[participant], local area T",)
    assert named == ("[participant], local area T",)


def test_the_cli_prints_the_attribution_preview_before_writing(coded: Path, tmp_path: Path) -> None:
    output = tmp_path / "report.docx"
    result = CliRunner().invoke(
        cli, ["export", "docx", str(coded), "-o", str(output), "--no-tables"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    preview = next(
        i for i, line in enumerate(lines) if line.startswith("Quotes attributed as, e.g.:")
    )
    wrote = next(i for i, line in enumerate(lines) if line.startswith("wrote"))
    assert preview < wrote
