"""Evidence tables on a small project whose every count can be checked by hand.

The project: a focus group (Ann and Bo, local area leads; Cy, MEAM staff; a facilitator
linked to no one) and an interview (Sam, mental health partner). Codings:

    group      Ann  Time      "Welcome everyone"                  (facilitator: no case)
    group      Ann  Time      "We have no time at all"            A
    group      Ann  Time      "Same here, no time"                B
    group      Ann  Risk      "no time, and the risk"             B  overlaps the two around it
    group      Ann  Risk      "the risk sits with us"             B
    group      Bo   Risk      "For us the risk is the bigger thing"  C
    group      Bo   Time      "the bigger thing. A navigator"     C  overlaps Bo's Risk and
                                                                     Ann's Bridging roles
    group      Ann  Bridging  "A navigator bridges it"            C
    interview  Ann  Time      "we just have no time"              S
    interview  Ann  Barriers  "The trust is huge"                 S  (coded on the theme itself)
    interview  Ann  Bridging  "The navigator role bridges the gap"   S
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qualcode.domain.errors import NotFoundError, ValidationError
from qualcode.domain.evidence import NO_PARTICIPANT, NOT_RECORDED, shorten
from qualcode.domain.reports import ReportFilter
from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.evidence import EvidenceService
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
from tests.conftest import INTERVIEW, SMALL_CODEBOOK

GROUP = """Facilitator: Welcome everyone. What gets in the way?

Ann: We have no time at all, none.

Bo: Same here, no time, and the risk sits with us.

Cy: For us the risk is the bigger thing. A navigator bridges it.
"""
SHEET = """file,speaker,case,stakeholder_group,area,method
group.txt,Ann,A,Local area lead,L,Local area lead consultation
group.txt,Bo,B,Local area lead,M,Local area lead consultation
group.txt,Cy,C,MEAM staff,National,MEAM staff consultation
interview-sam.txt,Sam,S,Mental health partner,T,Mental health partner interview
"""
LAL, MEAM, MHP = "Local area lead", "MEAM staff", "Mental health partner"
LAL_C, MEAM_C, MHP_I = (
    "Local area lead consultation",
    "MEAM staff consultation",
    "Mental health partner interview",
)
BARRIERS, TIME, RISK = "Barriers", "Barriers > Time", "Barriers > Risk"
ENABLERS, BRIDGING = "Enablers", "Enablers > Bridging roles"


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("evidence")
    (folder / "group.txt").write_text(GROUP, encoding="utf-8")
    (folder / "interview-sam.txt").write_text(INTERVIEW, encoding="utf-8")
    (folder / "sheet.csv").write_text(SHEET, encoding="utf-8")
    path = folder / "study.qcp"
    with Project.create(path) as project, project.session() as session:
        CodebookService(session, "Tester").import_codebook(SMALL_CODEBOOK)
        SourceService(session, "Tester").import_files(
            [folder / "group.txt", folder / "interview-sam.txt"], folder / "sheet.csv"
        )
        ann, bo = CodingService(session, "Ann"), CodingService(session, "Bo")
        ann.add_passage("group", "Time", "Welcome everyone")
        ann.add_passage("group", "Time", "We have no time at all")
        ann.add_passage("group", "Time", "Same here, no time")
        ann.add_passage("group", "Risk", "no time, and the risk")
        ann.add_passage("group", "Risk", "the risk sits with us")
        bo.add_passage("group", "Risk", "For us the risk is the bigger thing")
        bo.add_passage("group", "Time", "the bigger thing. A navigator")
        ann.add_passage("group", "Bridging roles", "A navigator bridges it")
        ann.add_passage("interview-sam", "Time", "we just have no time")
        ann.add_passage("interview-sam", "Barriers", "The trust is huge")
        ann.add_passage("interview-sam", "Bridging roles", "The navigator role bridges the gap")
    return path


@pytest.fixture
def evidence(study: Path) -> Iterator[EvidenceService]:
    with Project.open(study) as project, project.read_session() as session:
        yield EvidenceService(session)


def test_frequencies_total_sub_codes_and_count_distinct_things_as_unions(
    evidence: EvidenceService,
) -> None:
    rows = {r.path: r for r in evidence.frequencies(ReportFilter())}
    assert list(rows) == [BARRIERS, TIME, RISK, ENABLERS, BRIDGING]  # codebook order

    def counts(path: str) -> tuple[int, ...]:
        r = rows[path]
        return (r.codings, r.own_codings, r.sources, r.cases, r.groups)

    assert counts(TIME) == (5, 5, 2, 4, 3)  # the facilitator's coding has no case
    assert counts(RISK) == (3, 3, 1, 2, 2)
    # 5 + 3 + 1 codings, but A, B, C, S are 4 participants, not 4 + 2 + 1
    assert counts(BARRIERS) == (9, 1, 2, 4, 3)
    assert counts(BRIDGING) == (2, 2, 2, 2, 2)
    assert counts(ENABLERS) == (2, 0, 2, 2, 2)
    assert rows[TIME].methods == (LAL_C, MEAM_C, MHP_I)  # 2, 1, 1 codings
    assert rows[RISK].methods == (LAL_C, MEAM_C)
    assert (rows[TIME].depth, rows[BARRIERS].depth, rows[TIME].name) == (1, 0, "Time")


def test_frequency_order_ranks_siblings_under_their_parent(evidence: EvidenceService) -> None:
    order = [r.path for r in evidence.frequencies(ReportFilter(), sort="frequency")]
    assert order == [BARRIERS, TIME, RISK, ENABLERS, BRIDGING]
    only_bo = evidence.frequencies(ReportFilter(coders=("Bo",)), sort="frequency")
    # Risk and Time tie on codings and sources for Bo: then by path
    assert [r.path for r in only_bo] == [BARRIERS, RISK, TIME, ENABLERS, BRIDGING]
    with pytest.raises(ValidationError):
        evidence.frequencies(ReportFilter(), sort="alphabetical")  # type: ignore[arg-type]


def test_source_of_evidence_lists_distinct_methods_most_codings_first(
    evidence: EvidenceService,
) -> None:
    table = evidence.source_of_evidence(ReportFilter())
    assert table.attribute == "method"
    rows = {r.path: r for r in table.rows}
    assert (rows[BARRIERS].values, rows[BARRIERS].counts) == ((LAL_C, MEAM_C, MHP_I), (4, 2, 2))
    assert (rows[RISK].values, rows[RISK].counts) == ((LAL_C, MEAM_C), (2, 1))
    assert rows[ENABLERS].text == "MEAM staff consultation; Mental health partner interview"
    by_group = evidence.source_of_evidence(ReportFilter(), attribute="Stakeholder_Group")
    assert by_group.attribute == "stakeholder_group"  # the project's spelling
    assert {r.path: r.values for r in by_group.rows}[RISK] == (LAL, MEAM)


def test_attribute_matrix_counts_participants_or_codings(evidence: EvidenceService) -> None:
    cases = evidence.attribute_matrix(ReportFilter())
    assert cases.columns == (LAL, MEAM, MHP)  # the facilitator is no participant to count
    rows = {r.path: (r.counts, r.total) for r in cases.rows}
    assert rows[BARRIERS] == ((2, 1, 1), 4)
    assert rows[TIME] == ((2, 1, 1), 4)
    assert rows[RISK] == ((1, 1, 0), 2)
    assert rows[BRIDGING] == ((0, 1, 1), 2)
    assert (cases.totals, cases.total) == ((2, 1, 1), 4)

    codings = evidence.attribute_matrix(ReportFilter(), count_by="codings")
    assert codings.columns == (LAL, MEAM, MHP, NOT_RECORDED)
    rows = {r.path: (r.counts, r.total) for r in codings.rows}
    assert rows[BARRIERS] == ((4, 2, 2, 1), 9)
    assert rows[TIME] == ((2, 1, 1, 1), 5)
    assert rows[RISK] == ((2, 1, 0, 0), 3)
    assert (codings.totals, codings.total) == ((4, 3, 3, 1), 11)

    by_area = evidence.attribute_matrix(ReportFilter(), attribute="area")
    assert by_area.columns == ("L", "M", "National", "T")
    assert {r.path: r.counts for r in by_area.rows}[RISK] == (0, 1, 1, 0)


def test_cooccurrence_counts_overlapping_pairs_by_the_same_coder(
    evidence: EvidenceService,
) -> None:
    table = evidence.cooccurrence(ReportFilter())
    assert table.codes == (BARRIERS, TIME, RISK, ENABLERS, BRIDGING)
    assert table.depths == (0, 1, 1, 0, 1)
    matrix = table.counts
    assert all(matrix[i][j] == matrix[j][i] for i in range(5) for j in range(5))
    # Ann: "Same here, no time" x "no time, and the risk"; Bo: his Risk x his Time.
    assert table.count(TIME, RISK) == 2
    # Ann's two Risk codings share "the risk"
    assert table.count(RISK, RISK) == 1
    assert table.count(TIME, TIME) == 0
    # Bo's Time overlaps Ann's Bridging roles: another coder, so not co-occurrence
    assert table.count(TIME, BRIDGING) == 0 and table.count(BARRIERS, ENABLERS) == 0
    # a theme totals its codes' pairs: with one side in the subtree ...
    assert table.count(BARRIERS, TIME) == 2
    assert table.count(BARRIERS, RISK) == 3
    # ... and on its diagonal, the pairs within it
    assert table.count(BARRIERS, BARRIERS) == 3
    assert table.count(ENABLERS, ENABLERS) == 0
    only_ann = evidence.cooccurrence(ReportFilter(coders=("Ann",)))
    assert only_ann.count(TIME, RISK) == 1


def test_framework_puts_counts_and_first_quotes_in_participant_rows(
    evidence: EvidenceService,
) -> None:
    frame = evidence.framework(ReportFilter())
    assert frame.case_attribute is None
    assert frame.codes == (BARRIERS, ENABLERS)
    assert frame.cases == (
        "A (Local area lead, L)",
        "B (Local area lead, M)",
        "C (MEAM staff, National)",
        "S (Mental health partner, T)",
        NO_PARTICIPANT,
    )
    cells = {
        (case, code): frame.cells[i][j]
        for i, case in enumerate(frame.cases)
        for j, code in enumerate(frame.codes)
    }
    b = cells[("B (Local area lead, M)", BARRIERS)]
    assert (b.count, b.quotes) == (3, ("Same here, no time", "no time, and the risk"))
    c = cells[("C (MEAM staff, National)", BARRIERS)]
    assert c.quotes == ("For us the risk is the bigger thing", "the bigger thing. A navigator")
    assert cells[("C (MEAM staff, National)", ENABLERS)].count == 1
    assert cells[("A (Local area lead, L)", ENABLERS)].count == 0
    assert cells[("A (Local area lead, L)", ENABLERS)].quotes == ()
    assert cells[(NO_PARTICIPANT, BARRIERS)].quotes == ("Welcome everyone",)
    assert sum(cell.count for row in frame.cells for cell in row) == 11


def test_framework_columns_follow_the_filter_and_rows_can_be_groups(
    evidence: EvidenceService,
) -> None:
    frame = evidence.framework(ReportFilter(codes=("Barriers",)), quotes_per_cell=1)
    assert frame.codes == (TIME, RISK)
    grouped = evidence.framework(ReportFilter(), case_attribute="stakeholder_group")
    assert grouped.cases == (LAL, MEAM, MHP, NO_PARTICIPANT)
    lal = grouped.cells[0][0]
    assert lal.count == 4 and lal.quotes == ("A: We have no time at all", "B: Same here, no time")
    assert [len(c.quotes) for c in frame.cells[1]] == [1, 1]  # B: quotes_per_cell=1


def test_filters_by_where_coder_and_codes(evidence: EvidenceService) -> None:
    leads = ReportFilter(where=(("stakeholder_group", ("local area lead",)),))
    rows = {r.path: r for r in evidence.frequencies(leads)}
    assert (rows[TIME].codings, rows[RISK].codings, rows[BARRIERS].codings) == (2, 2, 4)
    assert rows[BRIDGING].codings == 0 and rows[BARRIERS].groups == 1
    assert evidence.attribute_matrix(leads).columns == (LAL,)

    bo = {r.path: r.codings for r in evidence.frequencies(ReportFilter(coders=("Bo",)))}
    assert bo == {BARRIERS: 2, TIME: 1, RISK: 1, ENABLERS: 0, BRIDGING: 0}

    enablers = evidence.frequencies(ReportFilter(codes=("Enablers",)))
    assert [(r.path, r.codings) for r in enablers] == [(ENABLERS, 2), (BRIDGING, 2)]
    time_only = evidence.tables(ReportFilter(codes=("Barriers > Time",)))
    assert [r.path for r in time_only.frequencies] == [TIME]
    assert time_only.framework.codes == (TIME,)
    assert time_only.cooccurrence.counts == ((0,),)


def test_tables_agree_with_the_single_tables(evidence: EvidenceService) -> None:
    everything = ReportFilter()
    tables = evidence.tables(everything, sort="frequency", count_by="codings")
    assert tables.frequencies == evidence.frequencies(everything, sort="frequency")
    assert tables.source_of_evidence == evidence.source_of_evidence(everything)
    assert tables.matrix == evidence.attribute_matrix(everything, count_by="codings")
    assert tables.framework == evidence.framework(everything)
    assert tables.cooccurrence == evidence.cooccurrence(everything)


def test_unknown_attribute_names_the_known_ones(evidence: EvidenceService) -> None:
    with pytest.raises(NotFoundError, match=r"'region'.*area, method, stakeholder_group"):
        evidence.source_of_evidence(ReportFilter(), attribute="region")
    with pytest.raises(NotFoundError, match="region"):
        evidence.tables(ReportFilter(), matrix_attribute="region")
    with pytest.raises(NotFoundError, match="region"):
        evidence.framework(ReportFilter(), case_attribute="region")
    assert evidence.known_attributes() == ("area", "method", "stakeholder_group")


def test_a_project_without_codings_gives_empty_tables(project: Project) -> None:
    with project.read_session() as session:
        service = EvidenceService(session)
        rows = service.frequencies(ReportFilter())
        assert [r.codings for r in rows] == [0, 0, 0, 0, 0]
        assert service.framework(ReportFilter()).cases == ()
        with pytest.raises(NotFoundError, match="known: none"):
            service.attribute_matrix(ReportFilter())


def test_shorten_cuts_at_a_word_and_marks_the_omission() -> None:
    assert shorten("  no   time\n at all ") == "no time at all"
    long = "word " * 100
    cut = shorten(long, 50)
    assert cut.endswith(" [...]") and len(cut) <= 56 and "wor [" not in cut
