"""Merging projects by UUID: laptops coded apart, brought together without loss."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from qualcode.domain.errors import QualcodeError, ValidationError
from qualcode.services.codebook import CodebookService
from qualcode.services.merge import merge_projects
from qualcode.services.project import Project
from tests.merge_helpers import (
    BARRIERS,
    ENABLERS,
    RISK,
    TIME,
    code,
    coding_uuids,
    fingerprint,
    laptop,
    make_base,
    sql,
)


@pytest.fixture
def laptops(tmp_path: Path, interview_file: Path) -> tuple[Path, Path]:
    base = make_base(tmp_path, interview_file)
    ann, bo = laptop(base, "ann"), laptop(base, "bo")
    code(ann, "Ann", "Barriers > Time", "no time")
    code(ann, "Ann", "Barriers > Risk", "nobody owns the risk")
    code(bo, "Bo", "Enablers > Bridging roles", "The navigator role bridges the gap")
    code(bo, "Bo", "Barriers > Time", "we just have no time")
    return ann, bo


def _names(path: Path, table: str) -> dict[str, str]:
    with sqlite3.connect(path) as connection:
        return dict(connection.execute(f"SELECT uuid, name FROM {table}"))


def test_merge_brings_every_coding_and_is_idempotent(laptops: tuple[Path, Path]) -> None:
    ann, bo = laptops
    expected = coding_uuids(ann) | coding_uuids(bo)
    report = merge_projects(ann, [bo])
    assert report.written and not report.conflicts
    assert coding_uuids(ann) == expected and len(expected) == 4
    assert report.count("codings").added == 2
    assert report.count("coders").added == 1  # Bo
    assert report.count("sources").existing == 1
    assert report.backup is not None and Path(report.backup).exists()
    assert stat.S_IMODE(Path(report.backup).stat().st_mode) == 0o600

    before = fingerprint(ann)
    backups = set(ann.parent.glob("*.backup-*"))
    again = merge_projects(ann, [bo])
    assert again.count("codings").added == 0 and again.count("codings").existing == 2
    assert sum(c.added for c in again.counts) == 0
    assert coding_uuids(ann) == expected
    # Nothing new: the file is not touched and no backup is left behind.
    assert not again.written and again.backup is None and fingerprint(ann) == before
    assert set(ann.parent.glob("*.backup-*")) == backups


def test_merging_either_way_gives_the_same_codings(laptops: tuple[Path, Path]) -> None:
    ann, bo = laptops
    ann2, bo2 = laptop(ann, "ann2"), laptop(bo, "bo2")
    merge_projects(ann, [bo])
    merge_projects(bo2, [ann2])
    assert coding_uuids(ann) == coding_uuids(bo2)


def test_incoming_files_are_not_changed(laptops: tuple[Path, Path]) -> None:
    ann, bo = laptops
    before = fingerprint(bo)
    merge_projects(ann, [bo])
    assert fingerprint(bo) == before


def test_renamed_code_and_coder_merge_by_uuid(laptops: tuple[Path, Path]) -> None:
    ann, bo = laptops
    with Project.open(bo) as project, project.session() as session:
        CodebookService(session, "Bo").update_code("Barriers > Time", name="Lack of time")
    sql(ann, "UPDATE coders SET name = 'Tester (Ann)' WHERE name = 'Tester'")
    report = merge_projects(ann, [bo])
    assert report.written
    assert report.count("codes").renamed == 1
    assert report.count("coders").renamed == 1
    assert _names(ann, "codes")[TIME] == "Time"  # the target's name is kept
    assert _names(ann, "coders")  # the coder keeps the target's name, and is one row
    assert "Tester" not in _names(ann, "coders").values()
    with sqlite3.connect(ann) as connection:
        on_time = connection.execute(
            "SELECT count(*) FROM codings JOIN codes ON codes.id = code_id WHERE codes.uuid = ?",
            (TIME,),
        ).fetchone()[0]
    assert on_time == 2  # Ann's and Bo's codings of it, whatever it is called


def test_renamed_code_can_take_the_incoming_name(laptops: tuple[Path, Path]) -> None:
    ann, bo = laptops
    with Project.open(bo) as project, project.session() as session:
        CodebookService(session, "Bo").update_code("Barriers > Time", name="Lack of time")
    merge_projects(ann, [bo], resolutions={TIME: "take-incoming"})
    assert _names(ann, "codes")[TIME] == "Lack of time"


def test_different_text_is_a_conflict_and_nothing_is_written(
    laptops: tuple[Path, Path],
) -> None:
    ann, bo = laptops
    sql(bo, "UPDATE sources SET text = text || 'x', content_hash = 'changed'")
    before = fingerprint(ann)
    report = merge_projects(ann, [bo])
    assert not report.written and report.backup is None
    [conflict] = report.conflicts
    assert conflict.kind == "source-text"
    assert conflict.choices == ("keep-target", "keep-both")
    assert fingerprint(ann) == before
    assert not list(ann.parent.glob("ann.qcp.backup-*"))

    kept = merge_projects(ann, [bo], resolutions={conflict.uuid: "keep-target"})
    assert kept.written and kept.count("codings").skipped == 2
    both = merge_projects(ann, [bo], resolutions={conflict.uuid: "keep-both"})
    assert both.count("sources").added == 1 and both.count("codings").added == 2
    assert len(_names(ann, "sources")) == 2
    again = merge_projects(ann, [bo], resolutions={conflict.uuid: "keep-both"})
    assert sum(c.added for c in again.counts) == 0  # the copy is found again


def test_code_under_another_parent_is_a_conflict(laptops: tuple[Path, Path]) -> None:
    ann, bo = laptops
    with Project.open(bo) as project, project.session() as session:
        CodebookService(session, "Bo").move_code("Barriers > Risk", "Enablers")
    report = merge_projects(ann, [bo])
    [conflict] = report.conflicts
    assert (conflict.kind, conflict.uuid) == ("code-parent", RISK)
    assert "Barriers" in conflict.description and "Enablers" in conflict.description

    merge_projects(ann, [bo], resolutions={RISK: "keep-target"})
    with sqlite3.connect(ann) as connection:
        parent = connection.execute(
            "SELECT p.uuid FROM codes c JOIN codes p ON p.id = c.parent_id WHERE c.uuid = ?",
            (RISK,),
        ).fetchone()[0]
    assert parent == BARRIERS
    merge_projects(ann, [bo], resolutions={RISK: "take-incoming"})
    with sqlite3.connect(ann) as connection:
        parent = connection.execute(
            "SELECT p.uuid FROM codes c JOIN codes p ON p.id = c.parent_id WHERE c.uuid = ?",
            (RISK,),
        ).fetchone()[0]
    assert parent == ENABLERS


def test_same_path_different_uuid_is_a_conflict(laptops: tuple[Path, Path]) -> None:
    ann, bo = laptops
    with Project.open(ann) as project, project.session() as session:
        CodebookService(session, "Ann").add_code("Funding", parent="Enablers")
    with Project.open(bo) as project, project.session() as session:
        new = CodebookService(session, "Bo").add_code("funding", parent="Enablers")
    code(bo, "Bo", "Enablers > funding", "It really does")
    report = merge_projects(ann, [bo])
    [conflict] = report.conflicts
    assert (conflict.kind, conflict.uuid) == ("code-name", new.uuid)
    assert conflict.choices == ("keep-target", "keep-both")

    with pytest.raises(ValidationError):
        merge_projects(ann, [bo], resolutions={new.uuid: "nonsense"})

    ann2 = laptop(ann, "ann2")
    merge_projects(ann, [bo], resolutions={new.uuid: "keep-target"})
    names = _names(ann, "codes")
    assert new.uuid not in names and list(names.values()).count("Funding") == 1
    assert coding_uuids(bo) <= coding_uuids(ann)

    merge_projects(ann2, [bo], resolutions={new.uuid: "keep-both"})
    assert _names(ann2, "codes")[new.uuid] == "funding (2)"


def test_coders_of_the_same_name_are_not_fused(laptops: tuple[Path, Path]) -> None:
    ann, bo = laptops
    sql(bo, "UPDATE coders SET uuid = 'another-bo' WHERE name = 'Bo'")
    sql(ann, "INSERT INTO coders (uuid, name, created_at) VALUES ('ann-bo', 'Bo', '2024-01-01')")
    report = merge_projects(ann, [bo])
    [conflict] = report.conflicts
    assert (conflict.kind, conflict.uuid) == ("coder-name", "another-bo")
    merge_projects(ann, [bo], resolutions={"another-bo": "keep-both"})
    assert _names(ann, "coders")["another-bo"] == "Bo (2)"


def test_several_sources_and_a_new_project(tmp_path: Path, laptops: tuple[Path, Path]) -> None:
    ann, bo = laptops
    with Project.create(tmp_path / "team.qcp"):
        pass
    report = merge_projects(tmp_path / "team.qcp", [ann, bo])
    assert report.written
    assert coding_uuids(tmp_path / "team.qcp") == coding_uuids(ann) | coding_uuids(bo)
    assert report.count("codes").added == 5
    assert report.count("speaker turns").added > 0
    with sqlite3.connect(tmp_path / "team.qcp") as connection:
        assert connection.execute("SELECT count(*) FROM speaker_turns").fetchone()[0] > 0


def test_dry_run_writes_nothing(laptops: tuple[Path, Path]) -> None:
    ann, bo = laptops
    before = fingerprint(ann)
    report = merge_projects(ann, [bo], dry_run=True)
    assert report.count("codings").added == 2 and not report.written
    assert fingerprint(ann) == before and report.backup is None


def test_broken_input_leaves_the_target_as_it_was(
    tmp_path: Path, laptops: tuple[Path, Path]
) -> None:
    ann, bo = laptops
    before = fingerprint(ann)
    not_a_project = tmp_path / "notes.qcp"
    not_a_project.write_text("hello", encoding="utf-8")
    with pytest.raises(QualcodeError, match="not a qualcode project"):
        merge_projects(ann, [bo, not_a_project])
    newer = laptop(bo, "newer")
    sql(newer, "UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(QualcodeError, match="newer qualcode"):
        merge_projects(ann, [bo, newer])
    empty_sqlite = tmp_path / "empty.qcp"
    sqlite3.connect(empty_sqlite).execute("CREATE TABLE x (y)").connection.close()
    with pytest.raises(QualcodeError, match="not a qualcode project"):
        merge_projects(ann, [empty_sqlite])
    assert fingerprint(ann) == before
    assert not list(ann.parent.glob("ann.qcp.backup-*"))


def test_an_error_mid_merge_rolls_everything_back(laptops: tuple[Path, Path]) -> None:
    ann, bo = laptops
    # A coding whose span no longer fits the target's CHECK rules fails on insert,
    # after the coders and codes were already written in the transaction.
    connection = sqlite3.connect(bo)
    connection.execute("PRAGMA ignore_check_constraints = ON")
    connection.execute('UPDATE codings SET "end" = start WHERE id = (SELECT max(id) FROM codings)')
    connection.commit()
    connection.close()
    before = fingerprint(ann)
    with pytest.raises(Exception):  # noqa: B017 - any failure must roll back
        merge_projects(ann, [bo])
    assert fingerprint(ann) == before
    assert not list(ann.parent.glob("ann.qcp.backup-*"))


def test_cannot_merge_into_itself(laptops: tuple[Path, Path]) -> None:
    ann, _ = laptops
    with pytest.raises(ValidationError):
        merge_projects(ann, [ann])


# -- review threads (issue 6) ----------------------------------------------------------


def _say(path: Path, coder: str, anchor: object, text: str) -> str:
    from qualcode.services.review import ReviewService

    with Project.open(path) as project, project.session() as session:
        return ReviewService(session, coder).comment(anchor, text).uuid  # type: ignore[arg-type]


def _threads(path: Path) -> dict[str, list[tuple[str, str]]]:
    from qualcode.services.review import ReviewService

    with Project.open(path) as project, project.session() as session:
        return {
            t.uuid: [(e.author, e.text) for e in t.entries]
            for t in ReviewService(session).threads()
        }


def test_review_threads_merge_by_union_of_entries(tmp_path: Path, interview_file: Path) -> None:
    from qualcode.domain.review import CodingAnchor, SpanAnchor

    base = make_base(tmp_path, interview_file)
    shared = _say(base, "Tester", SpanAnchor("interview-sam", TIME, 0, 10), "before copying")
    ann, bo = laptop(base, "ann"), laptop(base, "bo")
    _say(ann, "Ann", SpanAnchor("interview-sam", TIME, 0, 10), "Ann's reply")
    mine = CodingAnchor(code(ann, "Ann", "Barriers > Time", "no time"))
    on_coding = _say(ann, "Ann", mine, "mine")
    risk = SpanAnchor("interview-sam", RISK, 5, 15)
    apart = _say(ann, "Ann", risk, "Ann on risk")
    sql(bo, "UPDATE coders SET name = 'Tester (Bo)' WHERE name = 'Tester'")
    _say(bo, "Tester (Bo)", SpanAnchor("interview-sam", TIME, 0, 10), "renamed, still me")
    other = _say(bo, "Bo", risk, "Bo on risk")
    assert other != apart

    report = merge_projects(ann, [bo])
    assert report.written
    assert report.count("review threads").added == 0
    assert report.count("review threads").existing == 2  # the shared one and the same-anchor one
    assert report.count("review entries").added == 2
    assert any("combined" in note for note in report.notes)
    threads = _threads(ann)
    assert set(threads) == {shared, on_coding, apart}
    assert threads[shared] == [
        ("Tester", "before copying"),
        ("Ann", "Ann's reply"),
        ("Tester", "renamed, still me"),
    ]
    assert threads[apart] == [("Ann", "Ann on risk"), ("Bo", "Bo on risk")]

    again = merge_projects(ann, [bo])
    assert sum(c.added for c in again.counts) == 0
    assert _threads(ann) == threads
    # merging the other way gives the same discussion
    merge_projects(bo, [ann])  # the coder keeps this file's name here, Tester (Bo)
    texts = {u: [text for _, text in entries] for u, entries in _threads(bo).items()}
    assert texts == {
        shared: ["before copying", "Ann's reply", "renamed, still me"],
        on_coding: ["mine"],
        other: ["Ann on risk", "Bo on risk"],  # bo's own thread took in Ann's entry
    }


def test_a_code_defined_differently_elsewhere_keeps_ours_and_says_so(
    laptops: tuple[Path, Path],
) -> None:
    ann, bo = laptops
    with Project.open(bo) as project, project.session() as session:
        CodebookService(session, "Bo").update_code(
            TIME, definition="Not enough hours", colour="#ff0000"
        )
    report = merge_projects(ann, [bo])
    (note,) = [n for n in report.notes if "Barriers > Time" in n]
    assert "definition, colour differ" in note and "bo.qcp" in note
    with Project.open(ann) as project, project.read_session() as session:
        time = next(c for c in CodebookService(session).list_codes() if c.uuid == TIME)
    assert time.definition != "Not enough hours" and time.colour != "#ff0000"
    copy = laptop(ann, "ann-copy")
    assert not [n for n in merge_projects(ann, [copy]).notes if "differ" in n]
