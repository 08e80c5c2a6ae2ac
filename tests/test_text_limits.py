"""Text longer than its column is refused alike on both engines (issue 15).

PostgreSQL enforces ``String(n)`` (a raw DataError), SQLite stores anything: both must
refuse with one line naming the field and its limit, before the database sees it, on
every path that writes such a column. An import holding one is refused whole, naming
the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from qualcode.cli import cli
from qualcode.domain.errors import QualcodeError, ValidationError
from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.identifiers import IdentifierService
from qualcode.services.merge import merge_projects
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
from qualcode.store.models import Coder, Identifier
from tests.conftest import SMALL_CODEBOOK
from tests.merge_helpers import code, fingerprint, laptop, make_base, sql

LONG_NAME = "x" * 10_000


@pytest.fixture
def both(project_location: str | Path, interview_file: Path) -> Iterator[Project]:
    with Project.create(project_location) as project:
        with project.session() as session:
            CodebookService(session, "Tester").import_codebook(SMALL_CODEBOOK)
            SourceService(session, "Tester").import_files([interview_file])
        yield project


def _coders(project: Project) -> int:
    with project.read_session() as session:
        return int(session.scalar(select(func.count()).select_from(Coder)) or 0)


def test_a_coder_name_too_long_is_one_line_on_both_engines(both: Project) -> None:
    before = _coders(both)
    with (
        both.session() as session,
        pytest.raises(
            ValidationError, match=r"^coder name is too long: 10,000 characters, at most 200$"
        ),
    ):
        CodingService(session, LONG_NAME).add("interview-sam", "Barriers > Time", 0, 9)
    assert _coders(both) == before


def test_a_name_just_at_the_limit_is_kept(both: Project) -> None:
    with both.session() as session:
        record = CodingService(session, "y" * 200).add("interview-sam", "Barriers > Time", 0, 9)
    assert record.coder == "y" * 200


def test_an_identifier_too_long_is_refused_on_both_engines(both: Project) -> None:
    with (
        both.session() as session,
        pytest.raises(ValidationError, match="identifier original is too long: 301 characters"),
    ):
        IdentifierService(session, "Tester").add("n" * 301, "[P1]")
    with both.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Identifier)) == 0


def test_an_update_statement_is_held_to_the_limit_too(both: Project) -> None:
    with both.session() as session:
        CodingService(session, "Ann").add("interview-sam", "Barriers > Time", 0, 9)
    with both.session() as session, pytest.raises(ValidationError, match="at most 200"):
        session.execute(update(Coder).where(Coder.name == "Ann").values(name=LONG_NAME))


def test_the_cli_says_it_in_one_line(project: Project, interview_file: Path) -> None:
    with project.session() as session:
        SourceService(session, "Tester").import_files([interview_file])
    args = ["code", "add", str(project.path), "-s", "interview-sam", "-c", "Barriers > Time"]
    result = CliRunner().invoke(cli, [*args, "--start", "0", "--end", "9", "--coder", LONG_NAME])
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [
        "Error: coder name is too long: 10,000 characters, at most 200"
    ]
    assert _coders(project) == 1  # Tester only


def test_a_merge_or_import_with_too_long_text_is_refused_whole_naming_the_file(
    tmp_path: Path, interview_file: Path
) -> None:
    base = make_base(tmp_path, interview_file)
    ann, bo = laptop(base, "ann"), laptop(base, "bo")
    code(bo, "Bo", "Barriers > Time", "no time")
    sql(bo, "UPDATE coders SET name = ? WHERE name = 'Bo'", "B" * 250)
    before = fingerprint(ann)
    with pytest.raises(ValidationError) as refused:
        merge_projects(ann, [bo])
    assert str(refused.value) == (
        f"{bo}: coder name is too long: 250 characters, at most 200; nothing was changed"
    )
    assert fingerprint(ann) == before
    assert not list(tmp_path.glob("ann.qcp.backup-*"))


def test_a_codebook_file_with_a_too_long_name_is_refused_naming_the_file(
    project: Project, tmp_path: Path
) -> None:
    path = tmp_path / "long.yaml"
    path.write_text(f"name: Long\ncodes:\n  - name: {'c' * 301}\n", encoding="utf-8")
    # Refused by the codebook reader already (a code name's own rule), file and line named.
    with project.session() as session, pytest.raises(QualcodeError) as refused:
        CodebookService(session, "Tester").import_file(path)
    assert "long.yaml" in str(refused.value) and "300" in str(refused.value)


def test_a_transcript_with_a_speaker_name_too_long_is_refused_naming_the_file(
    both: Project, tmp_path: Path
) -> None:
    good = tmp_path / "fine.txt"
    good.write_text("Ana: hello\n\nBen: hi\n", encoding="utf-8")
    captions = tmp_path / "call.vtt"
    captions.write_text(
        f"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v {'B' * 250}>hello there\n",
        encoding="utf-8",
    )
    with both.read_session() as session:
        before = [s.name for s in SourceService(session).list_sources()]
    with both.session() as session, pytest.raises(ValidationError) as refused:
        SourceService(session, "Ana").import_files([good, captions])
    message = str(refused.value)
    assert str(captions) in message and "speaker name is too long" in message
    assert "\n" not in message
    with both.read_session() as session:
        after = [s.name for s in SourceService(session).list_sources()]
    assert after == before  # all or nothing: fine.txt is not in either
