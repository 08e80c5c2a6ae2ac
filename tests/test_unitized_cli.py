"""`qualcode agreement --family unitized`, and the unitized table in the agreement
exports (issue 16).

Expected figures come from UnitizedService on the same project (its agreement with the
domain maths, and the maths' with the published examples, are tested in
tests/test_unitized_service.py and tests/test_unitized_alpha.py); these tests check that
what is printed and written is those figures, labelled and explained.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from qualcode.cli.app import cli
from qualcode.domain.unitized_alpha import UnitizedReport
from qualcode.services.coding import CodingService
from qualcode.services.identifiers import IdentifierService
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
from qualcode.services.unitized import UnitizedService

TIME = "Barriers > Time"
BRIDGING = "Enablers > Bridging roles"


def coded(project: Project, interview_file: Path) -> None:
    """Ann and Bo overlap on Time; Bo coded Risk where Ann coded Time; Bo alone coded
    Bridging roles, where nobody else coded; nobody coded the themes themselves."""
    with project.session() as session:
        SourceService(session, "Tester").import_files([interview_file])
        CodingService(session, "Ann").add_passage("interview-sam", TIME, "we just have no time")
        CodingService(session, "Bo").add_passage("interview-sam", TIME, "have no time. The")
        CodingService(session, "Ann").add_passage("interview-sam", TIME, "nobody owns the risk")
        CodingService(session, "Bo").add_passage("interview-sam", "Risk", "nobody owns the")
        CodingService(session, "Bo").add_passage("interview-sam", BRIDGING, "bridges the gap")
        IdentifierService(session).mark_reviewed("Tester")


def _report(project: Project, **options: object) -> UnitizedReport:
    with project.read_session() as session:
        return UnitizedService(session).family(**options)  # type: ignore[arg-type]


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, ["agreement", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _rows(output: str) -> dict[str, str]:
    return {line.split("  ")[0].strip(): line for line in output.splitlines()}


def test_text_shows_the_family_with_its_explanation(
    project: Project, project_path: Path, interview_file: Path
) -> None:
    coded(project, interview_file)
    expected = _report(project).family
    output = _invoke(str(project_path), "--family", "unitized")
    assert output.startswith("Krippendorff's unitized alpha family")
    assert "Coders: Ann and Bo." in output
    assert "Compared: 1 transcript" in output
    rows = _rows(output)
    binary = rows["Found the same stretches"].split()
    assert "|uα" in binary and f"{expected.binary.value:.3f}" in binary
    assert (
        f"{expected.binary.observed:.3f}" in binary and f"{expected.binary.expected:.3f}" in binary
    )
    assert f"{expected.unitizing.value:.3f}" in rows["Same stretches, same codes"]
    assert f"{expected.coding.value:.3f}" in rows["Same codes where both coded"]
    time = next(c for c in expected.per_code if c.code == TIME)
    assert f"{time.value:.3f}" in rows[TIME]
    # A code nobody coded is left out and counted; asked for, it says why in words.
    assert "Enablers" not in rows
    assert "codes nobody coded in the compared transcripts are left out" in output
    shown = _rows(_invoke(str(project_path), "--family", "unitized", "--show-uncoded"))
    assert "nobody coded this" in shown["Enablers"]
    # Coded, but never where another coder coded: the reason, not a number.
    assert rows[BRIDGING][len(BRIDGING) :].split()[:2] == ["(k)uα", "-"]
    assert rows[BRIDGING].endswith("  never applied where another coder also coded")
    # Words before symbols: what each coefficient answers.
    for words in ("found the same stretches", "same stretches and same codes", "D_o"):
        assert words in " ".join(output.split())
    assert "95% interval" not in output


def test_the_unit_table_says_what_it_is(
    project: Project, project_path: Path, interview_file: Path
) -> None:
    coded(project, interview_file)
    output = _invoke(str(project_path))
    assert output.startswith("Agreement by characters (percent agreement")
    assert "--family unitized" in output
    sentences = _invoke(str(project_path), "--unit", "sentence")
    assert sentences.startswith("Agreement by sentences")


def test_json_gives_everything(project: Project, project_path: Path, interview_file: Path) -> None:
    coded(project, interview_file)
    expected = _report(project)
    data = json.loads(_invoke(str(project_path), "--family", "unitized", "--json"))
    assert data["sources"] == ["interview-sam"] and data["left_out"] == []
    assert data["family"]["coders"] == ["Ann", "Bo"]
    assert data["family"]["unitizing"]["value"] == expected.family.unitizing.value
    assert data["family"]["unitizing"]["observed"] == expected.family.unitizing.observed
    assert data["family"]["unitizing"]["expected"] == expected.family.unitizing.expected
    codes = {c["code"]: c for c in data["family"]["per_code"]}
    assert codes[BRIDGING]["value"] is None
    assert "never applied" in codes[BRIDGING]["reason"]
    assert codes["Barriers > Risk"]["value"] == 0.0  # paired with Time only: no agreement
    assert data["confidence"] == []


def test_confidence_with_draws_and_seed(
    project: Project, project_path: Path, interview_file: Path
) -> None:
    coded(project, interview_file)
    expected = _report(project, confidence=True, draws=200, seed=3)
    args = (str(project_path), "--family", "unitized", "--confidence", "--draws", "200")
    output = _invoke(*args, "--seed", "3")
    assert output == _invoke(*args, "--seed", "3")  # the same seed, the same intervals
    conf = expected.confidence_of("uα")
    assert conf is not None and conf.low is not None and conf.high is not None
    row = _rows(output)["Same stretches, same codes"]
    assert f"{conf.low:.3f} to {conf.high:.3f}" in row
    assert f"{dict(conf.below)[0.8]:.1%}" in row
    assert "P(α < 0.667)" in output and "200 draws, seed 3" in " ".join(output.split())
    data = json.loads(_invoke(*args, "--seed", "3", "--json"))
    assert data["confidence"][1][0] == "uα" and data["confidence"][1][1]["low"] == conf.low


def test_selection_options(project: Project, project_path: Path, interview_file: Path) -> None:
    coded(project, interview_file)
    expected = _report(project, codes=[TIME], include_subcodes=False)
    data = json.loads(
        _invoke(str(project_path), "--family", "unitized", "--code", "Time", "--json")
    )
    assert [c["code"] for c in data["family"]["per_code"]] == [TIME]
    assert data["family"]["unitizing"]["value"] == expected.family.unitizing.value
    theme = json.loads(
        _invoke(
            str(project_path),
            *("--family", "unitized", "--code", "Barriers", "--include-subcodes", "--json"),
        )
    )
    assert theme["family"]["per_code"][0]["segments"] == 4
    data = json.loads(
        _invoke(str(project_path), "--family", "unitized", "--source", "interview-sam", "--json")
    )
    assert data["sources"] == ["interview-sam"]


def test_one_coder_says_why_there_is_no_value(
    project: Project, project_path: Path, interview_file: Path
) -> None:
    coded(project, interview_file)
    output = _invoke(str(project_path), "--family", "unitized", "--coder", "Ann")
    assert "No unitized alpha: it needs at least two coders; only 1 took part" in output
    assert "Found the same stretches" not in output


def test_options_that_do_not_fit_are_refused(project: Project, project_path: Path) -> None:
    for extra in (["--with-suggestions"], ["--unit", "turn"]):
        result = CliRunner().invoke(
            cli, ["agreement", str(project_path), "--family", "unitized", *extra]
        )
        assert result.exit_code == 2 and "--family unitized" in result.output
    result = CliRunner().invoke(cli, ["agreement", str(project_path), "--confidence"])
    assert result.exit_code == 2


def test_word_and_workbook_carry_the_unitized_table(
    project: Project, project_path: Path, interview_file: Path, tmp_path: Path
) -> None:
    from docx import Document
    from openpyxl import load_workbook

    coded(project, interview_file)
    expected = _report(project).family
    workbook = tmp_path / "agreement.xlsx"
    _invoke(str(project_path), "-o", str(workbook))
    book = load_workbook(workbook)
    assert book.sheetnames == ["Agreement", "Unitized alpha"]
    sheet = list(book["Unitized alpha"].iter_rows(values_only=True))
    assert sheet[0][:3] == ("Coefficient", "Measure", "Alpha")
    rows = {r[0]: r for r in sheet[1:]}
    assert rows["Same stretches, same codes"][2] == round(expected.unitizing.value or 0, 4)
    assert rows["Same stretches, same codes"][3] == round(expected.unitizing.observed, 4)
    assert rows[BRIDGING][2] in ("", None) and "never applied" in rows[BRIDGING][-1]
    assert rows["Barriers > Risk"][2] == 0.0

    document = tmp_path / "agreement.docx"
    _invoke(str(project_path), "-o", str(document))
    doc = Document(str(document))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Agreement by characters" in text and "Unitized alpha family" in text
    assert len(doc.tables) == 2
    cells = {row.cells[0].text: [c.text for c in row.cells] for row in doc.tables[1].rows}
    assert cells["Found the same stretches"][2] == f"{expected.binary.value:.3f}"
    assert cells[TIME][1] == "(k)uα"


def test_unitized_only_file_with_intervals(
    project: Project, project_path: Path, interview_file: Path, tmp_path: Path
) -> None:
    from docx import Document
    from openpyxl import load_workbook

    coded(project, interview_file)
    expected = _report(project, confidence=True, draws=200, seed=5)
    conf = expected.confidence_of("|uα")
    assert conf is not None and conf.low is not None and conf.high is not None
    options = ("--family", "unitized", "--confidence", "--draws", "200", "--seed", "5")
    workbook = tmp_path / "unitized.xlsx"
    output = _invoke(str(project_path), *options, "-o", str(workbook))
    assert "Wrote the unitized agreement table" in output
    book = load_workbook(workbook)
    assert book.sheetnames == ["Unitized alpha"]
    sheet = list(book.active.iter_rows(values_only=True))
    header = list(sheet[0])
    binary = next(r for r in sheet if r[0] == "Found the same stretches")
    assert binary[header.index("Interval low (95%)")] == round(conf.low, 4)
    assert binary[header.index("Interval high (95%)")] == round(conf.high, 4)
    document = tmp_path / "unitized.docx"
    _invoke(str(project_path), *options, "-o", str(document))
    doc = Document(str(document))
    assert len(doc.tables) == 1
    row = next(r for r in doc.tables[0].rows if r.cells[0].text == "Found the same stretches")
    assert f"{conf.low:.3f} to {conf.high:.3f}" in [c.text for c in row.cells]
    assert any("200 draws, seed 5" in p.text for p in doc.paragraphs)
    csv_file = tmp_path / "unitized.csv"
    _invoke(str(project_path), *options, "-o", str(csv_file))
    assert csv_file.read_text(encoding="utf-8-sig").startswith("Coefficient,Measure,Alpha")
