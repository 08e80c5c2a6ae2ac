"""Issue 6's "done when", end to end through the CLI: three peer researchers
double-code the demo on their own laptops, merge, see agreement per code, walk through
the disagreements, comment, reach consensus, and export the disagreement list and the
agreement table."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode.cli.app import cli
from qualcode.domain.review import ReviewStatus
from qualcode.exporters.readback import text_locations
from qualcode.services.agreement import AgreementService
from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.demo import build_demo, find_demo_material
from qualcode.services.demo_review import REVIEW_CODERS, add_review_coding
from qualcode.services.project import Project
from qualcode.services.review import ReviewService
from tests.conftest import REPO, review_register

SOURCES = ("mh-partner-interview-01", "local-area-leads-focus-group")
RENAMED = "Barriers to involvement > Lack of dedicated time and resource"


def run(*args: object) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def codings_by_coder(path: Path) -> dict[str, set[tuple[str, str, int, int]]]:
    with Project.open(path) as project, project.read_session() as session:
        rows = CodingService(session).list()
        codes = {c.path: c.uuid for c in CodebookService(session).list_codes()}
    out: dict[str, set[tuple[str, str, int, int]]] = {}
    for c in rows:
        out.setdefault(c.coder, set()).add((c.source, codes[c.code_path], c.start, c.end))
    return out


@pytest.fixture(scope="module")
def laptops(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The lead builds the demo and sends it round; each coder codes their copy."""
    folder = tmp_path_factory.mktemp("review-scenario")
    base = build_demo(folder / "lead", find_demo_material(REPO), coder="Lead").path
    review_register(base)
    out = {"team": folder / "team.qcp"}
    shutil.copy(base, out["team"])
    for coder in REVIEW_CODERS:
        path = folder / f"{coder.lower()}.qcp"
        shutil.copy(base, path)
        add_review_coding(path, find_demo_material(REPO), [coder], sources=SOURCES)
        out[coder] = path
    # Ben renames a code on his laptop before sending his file back.
    with Project.open(out["Ben"]) as project, project.session() as session:
        CodebookService(session, "Ben").update_code(RENAMED, name="No time or staff")
    return out


def test_three_coders_merge_agree_discuss_and_reach_consensus(
    laptops: dict[str, Path], tmp_path: Path
) -> None:
    team = laptops["team"]
    sent = [laptops[c] for c in REVIEW_CODERS]
    expected = {c: codings_by_coder(laptops[c])[c] for c in REVIEW_CODERS}

    # Merge everyone's file; merging again adds nothing.
    run("merge", team, *sent)
    merged = codings_by_coder(team)
    assert {c: merged[c] for c in REVIEW_CODERS} == expected  # renamed code merged by UUID
    run("merge", team, *sent)
    assert codings_by_coder(team) == merged

    # Agreement per code, on screen and as a table for the report.
    table = tmp_path / "agreement.xlsx"
    shown = run("agreement", team, "--unit", "sentence", "-o", table)
    assert "Coders: Asha, Ben, Carys" in shown
    with Project.open(team) as project, project.read_session() as session:
        report = AgreementService(session).agreement(unit="sentence")
    time_row = next(r for r in report.by_code if r.label == RENAMED)
    assert time_row.alpha.value is not None and 0 < time_row.alpha.value <= 1
    cells = [t for _, t in text_locations(table)]
    assert RENAMED in cells and "All codes" in cells

    # Walk through the disagreements: comment, status, and a decision each way.
    listing = json.loads(run("review", "list", team, "--json"))
    items = listing["items"]
    assert listing["progress"]["disagreements"] == len(items)
    assert len(items) >= 6 and [i["number"] for i in items] == list(range(1, len(items) + 1))
    assert {i["status"] for i in items} == {"open"}
    first, second, third = items[0], items[1], items[2]
    run("review", "comment", team, "1", "I read this as staffing, not money", "--as", "Asha")
    run("review", "status", team, "1", "needs-discussion", "--as", "Ben")
    accepted = first["coded_by"][0]
    run("review", "decide", team, "1", "--accept", accepted, "--as", "Carys")
    run("review", "decide", team, "2", "--all", "--note", "both readings stand", "--as", "Asha")
    run("review", "decide", team, "3", "--none", "--as", "Ben")
    shown = run("review", "show", team, "1")
    assert "I read this as staffing, not money" in shown and "Asha" in shown
    assert f"accepted {accepted}'s version" in shown

    with Project.open(team) as project, project.read_session() as session:
        review = ReviewService(session)
        now = {i.number: i for i in review.items()}
        thread = now[1].thread
        assert thread is not None
        assert [(e.author, e.kind.value) for e in thread.entries] == [
            ("Asha", "comment"),
            ("Ben", "status"),
            ("Carys", "decision"),
        ]
        assert all(now[n].status is ReviewStatus.RESOLVED for n in (1, 2, 3))
        assert now[4].status is ReviewStatus.OPEN
        consensus = [c for c in CodingService(session).list() if c.coder == "consensus"]

    def consensus_in(item: dict[str, object]) -> list[tuple[int, int]]:
        return [
            (c.start, c.end)
            for c in consensus
            if c.source == item["source"]
            and c.code_path == item["code_path"]
            and c.start < item["end"]  # type: ignore[operator]
            and c.end > item["start"]  # type: ignore[operator]
        ]

    assert consensus_in(first)  # the accepted coder had coded it
    assert consensus_in(second)  # everyone's coding stands
    assert not consensus_in(third)  # the disputed part is not coded

    # Start the rest of the consensus from what all three agreed; safe to repeat.
    run("review", "seed", team, "--as", "Asha")
    after_seed = codings_by_coder(team)["consensus"]
    run("review", "seed", team, "--as", "Asha")
    assert codings_by_coder(team)["consensus"] == after_seed
    # Passages all three coded alike are now agreed (bar any the decisions covered).
    everyone = set.intersection(*(expected[c] for c in REVIEW_CODERS))
    assert len(everyone) > 20 and len(everyone & after_seed) >= len(everyone) - 3

    # Nobody's own coding was changed by the review.
    final = codings_by_coder(team)
    assert {c: final[c] for c in REVIEW_CODERS} == expected

    # The disagreement list for the meeting, and a report on the agreed version only.
    meeting = tmp_path / "disagreements.docx"
    run("disagreements", team, "-o", meeting)
    text = "\n".join(t for _, t in text_locations(meeting))
    assert "Disagreements between coders" in text and "coded by" in text
    assert "I read this as staffing, not money" in text  # the discussion goes too
    report_path = tmp_path / "agreed.docx"
    run("export", "docx", team, "--consensus", "-o", report_path)
    report_text = "\n".join(t for _, t in text_locations(report_path))
    assert "agreed (consensus) coding" in report_text
