"""The demo coded by three peer researchers: different enough to review, and the same
every time."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qualcode.services.coding import CodingService
from qualcode.services.demo import build_demo, find_demo_material
from qualcode.services.demo_review import REVIEW_CODERS, add_review_coding
from qualcode.services.disagreements import DisagreementService
from qualcode.services.project import Project
from tests.conftest import REPO

SOURCES = ("mh-partner-interview-01", "local-area-leads-focus-group")


@pytest.fixture(scope="module")
def base_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("review-demo")
    return build_demo(folder, find_demo_material(REPO), coder="Tester").path


def _coded(base: Path, folder: Path) -> Path:
    path = folder / "demo.qcp"
    shutil.copy(base, path)
    add_review_coding(path, find_demo_material(REPO), sources=SOURCES)
    return path


def test_three_coders_differ_but_mostly_agree(base_demo: Path, tmp_path: Path) -> None:
    path = _coded(base_demo, tmp_path)
    with Project.open(path) as project, project.read_session() as session:
        codings = CodingService(session).list()
        items = DisagreementService(session).disagreements()
    by_coder = {c: [x for x in codings if x.coder == c] for c in REVIEW_CODERS}
    assert all(len(v) > 20 for v in by_coder.values())
    assert {x.source for x in codings} == set(SOURCES)
    assert any(x.memo.startswith("Could be") for x in codings)
    assert 10 < len(items) < len(codings)
    assert {c for item in items for c in item.coded_by} == set(REVIEW_CODERS)
    spans = {c: {(x.source, x.code_path, x.start, x.end) for x in v} for c, v in by_coder.items()}
    shared = spans["Asha"] & spans["Ben"] & spans["Carys"]
    assert len(shared) > 0.4 * len(spans["Ben"])  # much is coded alike by all three


def test_the_same_every_time(base_demo: Path, tmp_path: Path) -> None:
    def spans(path: Path) -> list[tuple[str, str, int, int, str]]:
        with Project.open(path) as project, project.read_session() as session:
            return sorted(
                (c.coder, c.code_path, c.start, c.end, c.memo)
                for c in CodingService(session).list()
            )

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert spans(_coded(base_demo, tmp_path / "a")) == spans(_coded(base_demo, tmp_path / "b"))


def test_a_word_report_of_the_review_demo_names_no_one_registered(tmp_path: Path) -> None:
    """The in-app export of the review demo printed "Sandra Bell" three times because
    its register was empty (issue 11): the demo now comes with a reviewed register."""
    import re

    from qualcode.domain.redaction import fold
    from qualcode.domain.reports import ReportFilter, ReportOptions
    from qualcode.exporters.readback import text_locations
    from qualcode.services.identifiers import IdentifierService
    from qualcode.services.reports import ReportService

    report = build_demo(
        tmp_path, find_demo_material(REPO), coder="Tester", with_review=True, with_register=True
    )
    output = tmp_path / "report.docx"
    with Project.open(report.path) as project, project.session() as session:
        status = IdentifierService(session).require_reviewed(str(report.path))
        entries = IdentifierService(session).list()
        result = ReportService(session).export_docx(
            output, ReportFilter(), ReportOptions(title="Review demo")
        )
    assert not status.needs_review and result.extracts > 300
    text = fold("\n".join(text for _, text in text_locations(output)))
    assert "sandra bell" in {fold(e.original) for e in entries}
    leaked = [e.original for e in entries if re.search(rf"\b{re.escape(fold(e.original))}\b", text)]
    assert leaked == []
    assert "a housing officer, [name], when i told her" in text  # her quote is there
    assert "dean, local area g" in text  # attributed by pseudonym, which is not registered
