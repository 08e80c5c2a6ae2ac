"""Merging codebooks into a project by UUID, and exporting them back."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest

from qualcode.domain.errors import ConflictError, NotFoundError, ValidationError
from qualcode.domain.records import Codebook, CodebookEntry
from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
from tests.conftest import REPO, SMALL_CODEBOOK


def _paths(project: Project) -> list[str]:
    with project.read_session() as session:
        return [c.path for c in CodebookService(session).list_codes()]


def test_codes_are_listed_in_codebook_order_with_paths(project: Project) -> None:
    assert _paths(project) == [
        "Barriers", "Barriers > Time", "Barriers > Risk", "Enablers", "Enablers > Bridging roles",
    ]


def test_export_round_trips_the_imported_codebook(project: Project) -> None:
    with project.read_session() as session:
        assert CodebookService(session).export_codebook() == SMALL_CODEBOOK


def test_reimporting_the_same_codebook_changes_nothing(project: Project) -> None:
    with project.session() as session:
        report = CodebookService(session, "Tester").import_codebook(SMALL_CODEBOOK)
    assert (report.added, report.updated, report.unchanged) == ((), (), 5)


def test_renamed_and_moved_code_keeps_its_codings(project: Project, interview_file: Path) -> None:
    with project.session() as session:
        SourceService(session, "Tester").import_files([interview_file])
        coding = CodingService(session, "Tester").add_passage(
            "interview-sam", "Time", "we just have no time")
    barriers, enablers = SMALL_CODEBOOK.codes
    time = dataclasses.replace(barriers.children[0], name="Lack of time")
    edited = Codebook(
        SMALL_CODEBOOK.name, SMALL_CODEBOOK.description,
        (dataclasses.replace(barriers, children=(barriers.children[1],)),
         dataclasses.replace(enablers, children=(*enablers.children, time))),
    )
    with project.session() as session:
        report = CodebookService(session, "Tester").import_codebook(edited)
        assert report.updated == ("Enablers > Lack of time",) or "Enablers > Lack of time" in \
            report.updated
        listed = CodingService(session).list(code="Enablers > Lack of time")
    assert [c.uuid for c in listed] == [coding.uuid]


def test_codes_without_uuid_match_by_path_and_new_ones_are_added(project: Project) -> None:
    incoming = Codebook("x", "", (
        CodebookEntry(name="barriers", definition="Things in the way", children=(
            CodebookEntry(name="Stigma"),)),
    ))
    with project.session() as session:
        report = CodebookService(session, "Tester").import_codebook(incoming)
    assert report.added == ("Barriers > Stigma",)
    assert report.updated == ("Barriers",)
    assert "Barriers > Time" in _paths(project)  # merging never deletes


def test_same_path_with_another_uuid_is_a_conflict_and_changes_nothing(project: Project) -> None:
    incoming = Codebook("x", "", (
        CodebookEntry(name="Brand new", uuid="33333333-3333-4333-8333-333333333333"),
        CodebookEntry(name="Barriers", uuid="44444444-4444-4444-8444-444444444444"),
    ))
    with project.session() as session, pytest.raises(ConflictError, match="different code"):
        CodebookService(session, "Tester").import_codebook(incoming)
    assert "Brand new" not in _paths(project)


def test_resolving_codes_by_path_name_uuid_and_fuzzy_hint(project: Project) -> None:
    with project.session() as session:
        service = CodebookService(session, "Tester")
        assert service.add_code("Time", parent="Enablers").path == "Enablers > Time"
    from qualcode.services.code_tree import CodeTree

    with project.read_session() as session:
        tree = CodeTree.load(session)
        assert tree.path(tree.resolve("barriers>time")) == "Barriers > Time"
        assert tree.path(tree.resolve("Risk")) == "Barriers > Risk"
        assert tree.resolve("11111111-1111-4111-8111-111111111113").name == "Risk"
        with pytest.raises(ValidationError, match="more than one code"):
            tree.resolve("Time")
        with pytest.raises(NotFoundError, match="did you mean 'Enablers > Bridging roles'"):
            tree.resolve("Enablers > Briding role")


def test_shipped_codebooks_load_into_a_project(tmp_path: Path) -> None:
    for name in ("barriers-and-enablers.yaml", "starter.yaml"):
        with Project.create(tmp_path / f"{name}.qcp") as project:
            with project.session() as session:
                report = CodebookService(session, "Tester").import_file(
                    REPO / "codebooks" / name)
            assert len(report.added) >= 10
            with project.read_session() as session:
                exported = CodebookService(session).export_codebook()
            from qualcode.importers.codebook_yaml import read_codebook

            assert exported.codes == read_codebook(REPO / "codebooks" / name).codes


def test_codebook_changes_are_audited(project: Project, project_path: Path) -> None:
    with sqlite3.connect(project_path) as connection:
        rows = connection.execute(
            "select a.action, a.entity, c.name, a.details from audit_log a "
            "join coders c on c.id = a.coder_id").fetchall()
    assert rows[0][:3] == ("import", "codebook", "Tester")
    assert json.loads(rows[0][3])["added"] == 5


def test_is_within_compares_whole_names_not_prefixes() -> None:
    from qualcode.domain.codebook import is_within

    assert is_within("Barriers > Time", "Barriers > Time")
    assert is_within("Barriers > Time > Staff", "Barriers > Time")
    assert not is_within("Barriers > Timely access", "Barriers > Time")
    assert not is_within("Barriers", "Barriers > Time")


# --- large codebooks: linear in the number of codes (issue 11) -------------------------


def _flushes_to_import(tmp_path: Path, label: str, codes: int) -> int:
    """How many times importing ``codes`` new top-level codes flushes the session."""
    from sqlalchemy import event

    incoming = Codebook("Big", "", tuple(CodebookEntry(name=f"Code {n}") for n in range(codes)))
    flushes: list[int] = []
    with Project.create(tmp_path / f"{label}.qcp") as fresh, fresh.session() as session:
        event.listen(session, "after_flush", lambda *_: flushes.append(1))
        report = CodebookService(session, "Tester").import_codebook(incoming)
    assert len(report.added) == codes
    return len(flushes)


def test_importing_more_codes_does_not_flush_more_often(tmp_path: Path) -> None:
    # Each code used to be inserted with a flush of its own (and each sibling-name check
    # scanned every sibling): 300 codes must cost as many flushes as 3, one per tree level.
    assert _flushes_to_import(tmp_path, "small", 3) == _flushes_to_import(
        tmp_path, "large", 300)


def test_an_existing_code_moves_under_a_code_added_by_the_same_import(
        project: Project, interview_file: Path) -> None:
    with project.session() as session:
        SourceService(session, "Tester").import_files([interview_file])
        coding = CodingService(session, "Tester").add_passage(
            "interview-sam", "Time", "we just have no time")
    time = SMALL_CODEBOOK.codes[0].children[0]
    incoming = Codebook("x", "", (
        CodebookEntry(name="Pressures", children=(
            CodebookEntry(name="Workload", children=(
                dataclasses.replace(time, name="Lack of time"),)),)),
    ))
    with project.session() as session:
        report = CodebookService(session, "Tester").import_codebook(incoming)
        listed = CodingService(session).list(code="Pressures > Workload > Lack of time")
    assert report.added == ("Pressures", "Pressures > Workload")
    assert report.updated == ("Pressures > Workload > Lack of time",)
    assert [c.uuid for c in listed] == [coding.uuid]
    assert "Barriers > Time" not in _paths(project)


def test_a_code_placed_inside_itself_is_refused_and_nothing_changes(project: Project) -> None:
    # "Barriers" and "Time" match the project's codes by name; the UUID entry below
    # then asks for Barriers inside its own child.
    barriers_uuid = SMALL_CODEBOOK.codes[0].uuid
    incoming = Codebook("x", "", (
        CodebookEntry(name="New top"),
        CodebookEntry(name="Barriers", children=(
            CodebookEntry(name="Time", children=(
                CodebookEntry(name="Again", uuid=barriers_uuid),)),)),
    ))
    with project.session() as session, pytest.raises(ConflictError, match="inside itself"):
        CodebookService(session, "Tester").import_codebook(incoming)
    assert "New top" not in _paths(project)


def test_a_renamed_code_frees_its_old_name_for_a_new_sibling(project: Project) -> None:
    time, risk = SMALL_CODEBOOK.codes[0].children
    incoming = Codebook("x", "", (
        dataclasses.replace(SMALL_CODEBOOK.codes[0], children=(
            dataclasses.replace(time, name="Workload"),
            CodebookEntry(name="Time", definition="a new code"),
            risk,
        )),
    ))
    with project.session() as session:
        report = CodebookService(session, "Tester").import_codebook(incoming)
    assert report.added == ("Barriers > Time",)
    assert report.updated == ("Barriers > Workload", "Barriers > Time") or \
        "Barriers > Workload" in report.updated
    assert _paths(project)[:4] == [
        "Barriers", "Barriers > Workload", "Barriers > Time", "Barriers > Risk"]
