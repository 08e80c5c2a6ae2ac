"""Importing transcripts: all-or-nothing batches, duplicates, participants."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

from qualcode.services.project import Project
from qualcode.services.sources import SourceService
from tests.conftest import INTERVIEW


def _count(project_path: Path, table: str) -> int:
    with sqlite3.connect(project_path) as connection:
        return connection.execute(f"select count(*) from {table}").fetchone()[0]


def _bad_files(folder: Path) -> list[Path]:
    folder.mkdir(exist_ok=True)
    empty = folder / "empty.txt"
    empty.write_bytes(b"")
    binary = folder / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    truncated = folder / "broken.docx"
    import docx

    document = docx.Document()
    document.add_paragraph("Interviewer: hello " * 200)
    whole = folder / "whole.docx"
    document.save(whole)
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    whole.unlink()
    no_body = folder / "nobody.docx"
    with zipfile.ZipFile(no_body, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    unknown = folder / "notes.pdf"
    unknown.write_bytes(b"%PDF-1.4")
    return [empty, binary, truncated, no_body, unknown]


def test_a_refused_file_leaves_the_project_unchanged(project: Project, project_path: Path,
                                                     interview_file: Path, tmp_path: Path) -> None:
    bad = _bad_files(tmp_path / "bad")
    with project.session() as session:
        report = SourceService(session, "Tester").import_files([interview_file, *bad])
    assert not report.committed
    assert report.imported == ()
    refused = {Path(p.path).name: p.reason for p in report.problems}
    assert set(refused) == {p.name for p in bad}
    assert "empty" in refused["empty.txt"]
    assert "binary" in refused["photo.txt"]
    assert "unsupported" in refused["notes.pdf"]
    assert _count(project_path, "sources") == 0
    assert _count(project_path, "speaker_turns") == 0


def test_continue_on_error_imports_the_good_files(project: Project, project_path: Path,
                                                  interview_file: Path, tmp_path: Path) -> None:
    bad = _bad_files(tmp_path / "bad")
    with project.session() as session:
        report = SourceService(session, "Tester").import_files(
            [interview_file, *bad], continue_on_error=True)
    assert report.committed and report.imported == ("interview-sam",)
    assert len(report.problems) == len(bad)
    assert _count(project_path, "sources") == 1


def test_exact_duplicates_are_skipped_and_named(project: Project, interview_file: Path,
                                                tmp_path: Path) -> None:
    copy = tmp_path / "copy-with-crlf.txt"
    copy.write_bytes(INTERVIEW.replace("\n", "\r\n").encode("utf-8-sig"))
    with project.session() as session:
        service = SourceService(session, "Tester")
        first = service.import_files([interview_file, copy])
        again = service.import_files([interview_file])
    assert first.imported == ("interview-sam",)
    assert first.duplicates == ((str(copy), "interview-sam"),)
    assert again.imported == () and again.duplicates[0][1] == "interview-sam"


def test_same_file_name_different_text_gets_a_distinct_name(project: Project, tmp_path: Path,
                                                            interview_file: Path) -> None:
    other = tmp_path / "other" / "interview-sam.txt"
    other.parent.mkdir()
    other.write_text("Interviewer: hi\n\nSam: a different interview\n", encoding="utf-8")
    with project.session() as session:
        report = SourceService(session, "Tester").import_files([interview_file, other])
    assert report.imported == ("interview-sam", "interview-sam (2)")


def test_stored_text_and_turn_offsets_slice_the_utterances(project: Project,
                                                           interview_file: Path) -> None:
    with project.session() as session:
        service = SourceService(session, "Tester")
        service.import_files([interview_file])
        text = service.text("interview-sam")
        turns = service.turns("interview-sam")
    assert text == INTERVIEW
    assert [t.speaker for t in turns] == ["Interviewer", "Sam", "Interviewer", "Sam"]
    assert text[turns[1].start:turns[1].end].startswith("Honestly we just have no time.")


def test_participants_sheet_links_cases_to_speakers(project: Project, interview_file: Path,
                                                    tmp_path: Path) -> None:
    sheet = tmp_path / "people.csv"
    sheet.write_text(
        "File,Speaker,Participant,Stakeholder group,Area,Date\n"
        "interview-sam.txt,Sam,P1,Mental health partner,T,2023-03-01\n"
        "missing.txt,Nobody,P9,Local area lead,G,2023-03-02\n",
        encoding="utf-8",
    )
    with project.session() as session:
        service = SourceService(session, "Tester")
        report = service.import_files([interview_file], sheet)
        turns = service.turns("interview-sam")
        sources = service.list_sources()
    assert [t.case for t in turns] == [None, "P1", None, "P1"]
    assert sources[0].cases == ("P1",)
    assert len(report.warnings) == 1 and "missing.txt" in report.warnings[0]


def test_participants_sheet_alone_applies_to_existing_sources(project: Project,
                                                              interview_file: Path,
                                                              tmp_path: Path) -> None:
    sheet = tmp_path / "people.csv"
    sheet.write_text("file,case,method\ninterview-sam,P1,Interview\n", encoding="utf-8")
    with project.session() as session:
        service = SourceService(session, "Tester")
        service.import_files([interview_file])
        service.import_files([], sheet)
        turns = service.turns("interview-sam")
    assert {t.case for t in turns} == {"P1"}
