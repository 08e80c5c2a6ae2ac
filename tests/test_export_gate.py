"""The export gate (issue 11): one path to a file, and every way out of the project
tried as an attacker would: a wrong suffix, -o onto a project, a name in a chart label,
a table header, the codebook's properties, a coder file's memos."""

from __future__ import annotations

import csv
import os
import shutil
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from qualcode.cli.app import cli
from qualcode.domain.errors import QualcodeError, ValidationError
from qualcode.domain.records import AttributeType, ParticipantRow, ParticipantSheet
from qualcode.domain.reports import ReportFilter, ReportOptions
from qualcode.exporters.readback import text_locations
from qualcode.services.codebook import CodebookService
from qualcode.services.coder_exchange import export_coder
from qualcode.services.coding import CodingService
from qualcode.services.export_gate import IdentifierLeakError, ProtectedDestinationError
from qualcode.services.identifiers import IdentifierService
from qualcode.services.memos import MemoService
from qualcode.services.participants import apply_participants
from qualcode.services.project import Project
from qualcode.services.reports import ReportService
from qualcode.store.migrate import backup_file
from qualcode.store.models import Source
from tests.test_agreement_service import add_source

NAME = "Jillian Okafor"
TEXT = (
    "Jillian Okafor said the waiting list was too long. "
    "We met at Brindlecombe and nobody had the time to listen. "
)
CODE = "Support from Jillian Okafor"


@pytest.fixture
def study(tmp_path: Path) -> Iterator[Path]:
    """A small coded project whose register names Jillian Okafor and a place, reviewed."""
    path = tmp_path / "study.qcp"
    with Project.create(path) as project:
        add_source(project, "interview-01", TEXT)
        with project.session() as session:
            sheet = ParticipantSheet(
                rows=(
                    ParticipantRow(
                        "P1",
                        "interview-01.txt",
                        None,
                        {"method": "interview", "stakeholder_group": "Partner"},
                    ),
                ),
                attribute_types={
                    "method": AttributeType.TEXT,
                    "stakeholder_group": AttributeType.TEXT,
                },
            )
            apply_participants(session, sheet, list(session.scalars(select(Source))))
            session.commit()
        with project.session() as session:
            CodebookService(session, "Ann").add_code(CODE, definition=f"When {NAME} helps.")
            CodebookService(session, "Ann").add_code("Time")
        with project.session() as session:
            CodingService(session, "Ann").add("interview-01", CODE, 0, 52, memo=f"{NAME} again")
            CodingService(session, "Ann").add("interview-01", "Time", 52, len(TEXT))
        with project.session() as session:
            MemoService(session, "Ann").add("code", CODE, f"Ask {NAME} about this")
        with project.session() as session:
            identifiers = IdentifierService(session, "Ann")
            identifiers.add(NAME, "[name]", kind="person")
            identifiers.add("Brindlecombe", "[local area]", kind="place")
            identifiers.mark_reviewed("Ann")
    yield path


def report(path: Path, output: Path, **options: bool) -> object:
    with Project.open(path) as project, project.session() as session:
        return ReportService(session).export_docx(
            output, ReportFilter(), ReportOptions(), **options
        )


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def everything_in(path: Path, file_format: str | None = None) -> str:
    return "\n".join(text for _, text in text_locations(path, file_format))


# --- formats: chosen before writing, never guessed after ------------------------------


@pytest.mark.parametrize("name", ["r.doc", "r.txt", "r.csv", "r.DOC"])
def test_a_suffix_that_is_not_the_format_is_refused_before_writing(
    study: Path, tmp_path: Path, name: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ValidationError, match=r"written as \.docx.*name the file r\.docx"):
        report(study, out / name)
    assert listing(out) == []


def test_no_suffix_gets_the_formats_and_upper_case_is_the_same_format(
    study: Path, tmp_path: Path
) -> None:
    result = report(study, tmp_path / "report")
    assert result.path == tmp_path / "report.docx"  # type: ignore[attr-defined]
    assert (tmp_path / "report.docx").is_file() and not (tmp_path / "report").exists()
    upper = report(study, tmp_path / "R.DOCX")
    assert upper.path == tmp_path / "R.DOCX"  # type: ignore[attr-defined]


def test_cli_docx_to_a_doc_name_is_one_line_and_leaves_nothing(study: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["export", "docx", str(study), "-o", str(tmp_path / "r.doc")])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "r.doc" in result.output
    assert not (tmp_path / "r.doc").exists()


# --- replaced before written: chart labels, headers, properties -----------------------


def test_chart_labels_are_drawn_from_replaced_names(
    study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qualcode.exporters import chart

    drawn: list[list[str]] = []
    real = chart.bar_chart_png

    def spy(labels: list[str], values: list[int], **options: object) -> bytes:
        drawn.append(list(labels))
        return real(labels, values, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(chart, "bar_chart_png", spy)
    output = tmp_path / "report.docx"
    report(study, output)
    assert drawn and "Support from [name]" in drawn[0]
    assert not any("Jillian" in label or "Okafor" in label for label in drawn[0])
    text = everything_in(output)
    assert "Okafor" not in text and "Jillian" not in text
    with zipfile.ZipFile(output) as archive:
        assert any(n.startswith("word/media/") for n in archive.namelist())


def test_table_headers_and_every_csv_file_are_replaced(study: Path, tmp_path: Path) -> None:
    with Project.open(study) as project, project.session() as session:
        written = ReportService(session).export_tables(
            tmp_path / "tb.csv", ReportFilter(), ReportOptions()
        )
    assert len(written) == 5
    cooccurrence = next(p for p in written if p.name == "tb-cooccurrence.csv")
    with cooccurrence.open(encoding="utf-8-sig", newline="") as stream:
        header = next(csv.reader(stream))
    assert "Support from [name]" in header
    for path in written:
        assert "Okafor" not in path.read_text(encoding="utf-8-sig")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_refused_multi_file_export_leaves_nothing_behind(study: Path, tmp_path: Path) -> None:
    with Project.open(study) as project, project.session() as session:
        # A misspelling the register cannot replace but the check still recognises.
        CodebookService(session, "Ann").add_code("Brindelcomb partners")
        CodingService(session, "Ann").add("interview-01", "Brindelcomb partners", 0, 10)
    out = tmp_path / "tables"
    out.mkdir()
    with (
        Project.open(study) as project,
        project.session() as session,
        pytest.raises(IdentifierLeakError, match="Brindelcomb"),
    ):
        ReportService(session).export_tables(out / "tb.csv", ReportFilter(), ReportOptions())
    assert listing(out) == []  # not the failing file, not its companions, no temporary


def test_a_refused_export_leaves_the_previous_file_as_it_was(study: Path, tmp_path: Path) -> None:
    output = tmp_path / "report.docx"
    report(study, output)
    before = output.read_bytes()
    with Project.open(study) as project, project.session() as session:
        CodebookService(session, "Ann").add_code("Brindelcomb partners")
    with pytest.raises(IdentifierLeakError):
        report(study, output)
    assert output.read_bytes() == before
    assert listing(tmp_path) == ["report.docx", "study.qcp"]


def test_codebook_word_table_is_replaced_in_the_text_and_the_properties(
    study: Path, tmp_path: Path
) -> None:
    with Project.open(study) as project, project.session() as session:
        from qualcode.store.models import ProjectSetting

        session.merge(ProjectSetting(key="name", value=f"{NAME} study"))
        session.commit()
    output = tmp_path / "codebook.docx"
    result = CliRunner().invoke(cli, ["export", "codebook", str(study), "-o", str(output)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(output) as archive:
        for name in archive.namelist():
            assert b"Okafor" not in archive.read(name), name
    assert "Codebook: [name] study" in everything_in(output)


def test_codebook_yaml_is_replaced_and_a_yml_name_is_yaml(study: Path, tmp_path: Path) -> None:
    output = tmp_path / "book.yml"
    result = CliRunner().invoke(cli, ["codebook", "export", str(study), "-o", str(output)])
    assert result.exit_code == 0, result.output
    text = output.read_text(encoding="utf-8")
    assert "Support from [name]" in text and "Okafor" not in text


def test_coder_file_memos_and_code_names_are_replaced(study: Path, tmp_path: Path) -> None:
    written, held = export_coder(study, "Ann", tmp_path / "ann.qcc")
    assert held["memos"] == 1 and held["codings"] == 2
    text = written.read_text(encoding="utf-8")
    assert "Okafor" not in text and "[name] again" in text and "Ask [name]" in text


# --- outputs never overwrite a project -------------------------------------------------


def _fingerprint(path: Path) -> bytes:
    return path.read_bytes()


@pytest.mark.parametrize(
    "command",
    [
        ["export", "docx"],
        ["export", "quotes"],
        ["export", "tables"],
        ["export", "codebook"],
        ["codebook", "export"],
        ["agreement"],
        ["disagreements"],
    ],
)
def test_no_export_writes_over_the_open_project(
    study: Path, tmp_path: Path, command: list[str]
) -> None:
    before = _fingerprint(study)
    result = CliRunner().invoke(cli, [*command, str(study), "-o", str(study)])
    assert result.exit_code == 1, result.output
    assert "open project" in result.output or "a qualcode project" in result.output
    assert _fingerprint(study) == before


def test_export_coder_onto_the_project_is_refused(study: Path) -> None:
    before = _fingerprint(study)
    result = CliRunner().invoke(
        cli, ["export-coder", str(study), "--coder", "Ann", "-o", str(study)]
    )
    assert result.exit_code == 1 and "open project" in result.output
    assert _fingerprint(study) == before


def test_backups_journals_other_projects_and_disguised_projects_are_refused(
    study: Path, tmp_path: Path
) -> None:
    backup = backup_file(study, "test")
    other = tmp_path / "other.qcp"
    Project.create(other).close()
    disguised = tmp_path / "looks-like-a-report.docx"
    shutil.copy2(other, disguised)  # a project whatever it is called
    link = tmp_path / "link.docx"
    link.symlink_to(study)
    wal = tmp_path / "other.qcp-wal"
    for target, why in [
        (backup, "belongs to the open project"),
        (tmp_path / "study.qcp-wal", "belongs to the open project"),
        (other.with_suffix(".qcp"), "a qualcode project"),
        (disguised, "a qualcode project"),
        (link, "open project"),
        (wal, "part of other.qcp"),
    ]:
        before = target.read_bytes() if target.exists() else None
        with pytest.raises(ProtectedDestinationError, match=why):
            report(study, target)  # refused for what it is, before its suffix is looked at
        # The same destination through another export.
        with (
            Project.open(study) as project,
            project.session() as session,
            pytest.raises(QualcodeError),
        ):
            CodebookService(session).export_file(target)
        assert (target.read_bytes() if target.exists() else None) == before


def test_a_project_from_before_the_application_id_is_still_recognised(tmp_path: Path) -> None:
    import sqlite3

    from qualcode.store.migrate import database_kind

    old = tmp_path / "old.qcp"
    Project.create(old).close()
    connection = sqlite3.connect(old)
    connection.execute("PRAGMA application_id=0")
    connection.close()
    assert database_kind(old) == "an SQLite database"  # still refused as a destination
    Project.open(old).close()  # opening stamps it
    assert database_kind(old) == "a qualcode project"
    assert database_kind(tmp_path / "missing.docx") is None


def test_a_folder_is_not_a_file_name(study: Path, tmp_path: Path) -> None:
    folder = tmp_path / "reports.docx"
    folder.mkdir()
    with pytest.raises(ProtectedDestinationError, match="is a folder"):
        report(study, folder)


def test_a_device_or_pipe_is_not_a_file_name(study: Path, tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.docx"
    os.mkfifo(pipe)
    for target in (pipe, Path("/dev/null")):
        with pytest.raises(ProtectedDestinationError, match="not a regular file"):
            report(study, target)
    assert pipe.exists() and not pipe.is_file() and Path("/dev/null").is_char_device()


def test_an_unwritable_folder_is_one_clear_error(study: Path, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can write anywhere")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(QualcodeError, match="cannot be written"):
        report(study, locked / "r.docx")


# --- the read-back reads every part ----------------------------------------------------


def test_read_back_covers_every_xml_part_whatever_it_is_called(tmp_path: Path) -> None:
    from docx import Document

    document = Document()
    document.add_paragraph("Nothing to see")
    document.sections[0].footer.paragraphs[0].text = "Footer by Jillian"
    document.core_properties.keywords = "Okafor"
    path = tmp_path / "made.docx"
    document.save(str(path))
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("customXml/item9.bin", "<note>Jillian Okafor wrote this</note>")
        archive.writestr("word/media/picture.png", b"\x89PNG not xml")
    found = dict(text_locations(path, "docx"))
    joined = "\n".join(found.values())
    assert "Footer by Jillian" in joined and "Okafor" in joined
    assert any(
        "customXml/item9.bin" in where and "Jillian Okafor" in text for where, text in found.items()
    )


def test_read_back_of_a_workbook_reads_sheet_names_and_properties(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Okafor"
    book.properties.creator = "Jillian"
    path = tmp_path / "made.tmp"  # the gate reads its temporary files, whatever they end in
    book.save(path)
    joined = everything_in(path, "xlsx")
    assert "Okafor" in joined and "Jillian" in joined


def test_read_back_of_json_and_yaml_reads_keys_values_and_comments(tmp_path: Path) -> None:
    data = tmp_path / "x.json"
    data.write_text('{"Jillian": ["a", {"b": "Okafor"}]}', encoding="utf-8")
    assert everything_in(data, "json").split("\n") == ["Jillian", "a", "b", "Okafor"]
    book = tmp_path / "x.yaml"
    book.write_text("# made for Jillian\nname: Okafor\n", encoding="utf-8")
    assert "made for Jillian" in everything_in(book, "yaml")


# --- the gate is the only path to a file -----------------------------------------------

PACKAGE = Path(__file__).resolve().parent.parent / "qualcode"
# Files qualcode keeps for itself, never for people outside the project.
INTERNAL_WRITERS = {
    "services/export_gate.py",  # the gate
    "domain/private_files.py",  # write_private: the suggestion model and other internal files
    "nlp/learned.py",  # the suggestion model, beside the project
    "services/user_config.py",  # the coder's own settings
}
_WRITING_CALLS = {"mkstemp", "write_private", "write_bytes", "write_text", "rename"}


def writes_files(source: str) -> list[int]:
    """Lines of ``source`` that write a file: a call named in _WRITING_CALLS, or an
    open()/fdopen() for writing or appending."""
    import ast

    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        owner = getattr(getattr(node.func, "value", None), "id", None)
        if name in _WRITING_CALLS or (owner, name) == ("os", "replace"):
            lines.append(node.lineno)
        elif name in {"open", "fdopen"}:
            modes = [a for a in node.args[1:2] if isinstance(a, ast.Constant)]
            modes += [k.value for k in node.keywords if k.arg == "mode"]  # type: ignore[misc]
            if any(isinstance(m, ast.Constant) and set(str(m.value)) & set("wax") for m in modes):
                lines.append(node.lineno)
    return sorted(lines)


def test_the_gate_is_the_only_code_that_writes_a_file_for_people() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in INTERNAL_WRITERS or relative.startswith("store/"):
            continue
        for line in writes_files(path.read_text(encoding="utf-8")):
            offenders.append(f"{relative}:{line}")
    assert offenders == []


def test_the_writer_check_catches_a_planted_writer() -> None:
    planted = (
        "from pathlib import Path\n"
        "def leak(p):\n"
        "    Path(p).write_bytes(b'x')\n"
        "    with open(p, 'w') as f: f.write('x')\n"
        "    open(p, mode='ab')\n"
        "    open(p)\n"
        "    os.replace(p, p + '.x')\n"
        "    p.replace(' ', '')\n"
    )
    assert writes_files(planted) == [3, 4, 5, 7]
