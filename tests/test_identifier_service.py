"""The identifier register as a service: rules for entries, places, suggestions, checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from qualcode.domain.errors import ConflictError, NotFoundError, ValidationError
from qualcode.domain.redaction import IdentifierEntry, Redactor
from qualcode.services.identifiers import IdentifierService
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
from qualcode.store.models import AuditEntry, Identifier, ProjectSetting

TALK = """Interviewer: Who helped?

Sam: Honestly it was Jill Evans at Castlegate Medical Centre. Jill's brilliant.

Interviewer: And the time it took?

Sam: Ages. I was living on the Thornleigh estate then, and Jill rang Dr Okonjo.
"""


def service(project: Project, coder: str | None = "Ann") -> IdentifierService:
    return IdentifierService(project.session(), coder)


def test_add_list_update_remove(project: Project) -> None:
    added = service(project).add(
        "  Jill   Evans ", "[the psychologist]", kind="person", note="from interview 3"
    )
    assert added.original == "Jill Evans" and added.uuid and added.note == "from interview 3"
    service(project).add("Brindlecombe", "[local area]", kind="place")
    entries = service(project).list()
    assert [(e.original, e.replacement, e.kind) for e in entries] == [
        ("Brindlecombe", "[local area]", "place"),
        ("Jill Evans", "[the psychologist]", "person"),
    ]
    assert all(e.uuid for e in entries)
    changed = service(project).update("JILL EVANS", replacement="[psychologist]", kind="other")
    assert changed.replacement == "[psychologist]" and changed.kind == "other"
    removed = service(project).remove(added.uuid)
    assert removed.original == "Jill Evans"
    assert service(project).remove("brindlecombe").original == "Brindlecombe"
    assert service(project).list() == []


def test_an_original_is_registered_once_in_any_case_or_accent(project: Project) -> None:
    service(project).add("Zo\u00eb", "[name]", kind="person")
    for again in ("zo\u00eb", "ZOE", "Zoe\u0308", " Zo\u00eb "):
        with pytest.raises(ConflictError, match="already registered"):
            service(project).add(again, "[someone]")
    with project.session() as session:
        assert session.scalars(select(Identifier.key)).all() == ["zoe"]


@pytest.mark.parametrize(
    ("original", "replacement", "message"),
    [
        ("", "[name]", "two letters"),
        ("J", "[name]", "two letters"),
        ("Jill", "", "give the replacement"),
        ("Jill", "  ", "give the replacement"),
        ("Jill", "[Jill's manager]", "contains 'Jill' itself"),
        ("Jill", "JILL B.", "contains 'Jill' itself"),
    ],
)
def test_bad_entries_are_refused(
    project: Project, original: str, replacement: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        service(project).add(original, replacement)


def test_replacements_and_originals_may_not_chain(project: Project) -> None:
    service(project).add("Ann", "[name]", kind="person")
    with pytest.raises(ValidationError, match="contains the registered 'Ann'"):
        service(project).add("Jill", "[Ann's colleague]")
    service(project).add("Jill", "[colleague]")
    with pytest.raises(ConflictError, match="appears in the replacement for 'Jill'"):
        service(project).add("Colleague", "[someone]")
    with pytest.raises(ValidationError):
        service(project).update("Jill", replacement="[ANN]")


def test_an_unknown_kind_or_reference_is_refused(project: Project) -> None:
    with pytest.raises(ValidationError, match="kind must be one of"):
        service(project).add("Jill", "[name]", kind="pet")
    with pytest.raises(NotFoundError, match="not in the identifier register"):
        service(project).remove("Nobody")
    with pytest.raises(NotFoundError):
        service(project).update("Nobody", kind="person")


def test_changes_need_a_coder_and_are_audited(project: Project) -> None:
    with pytest.raises(ValidationError, match="no coder name"):
        service(project, None).add("Jill", "[name]")
    entry = service(project).add("Jill", "[name]", kind="person")
    service(project).update("Jill", kind="other")
    service(project).remove("Jill")
    with project.session() as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "identifier").order_by(AuditEntry.id)
        ).all()
        assert [r.action for r in rows] == [
            "identifier.add",
            "identifier.update",
            "identifier.remove",
        ]
        assert {r.entity_uuid for r in rows} == {entry.uuid}
        assert all("Jill" not in r.details for r in rows)  # the audit log names no one


def test_the_redactor_applies_the_register(project: Project) -> None:
    service(project).add("Jill", "[psychologist]", kind="person")
    service(project).add("Jill Evans", "[the psychologist]", kind="person")
    redactor = service(project).redactor()
    assert isinstance(redactor, Redactor)
    assert redactor.apply("Jill Evans and Jill's") == "[the psychologist] and [psychologist]'s"
    assert all(isinstance(e, IdentifierEntry) for e in redactor.entries)


def test_places_are_kept_once_each_as_a_project_setting(project: Project) -> None:
    assert service(project).places() == []
    assert service(project).add_places(["Hartwell", " Redmoor "]) == ["Hartwell", "Redmoor"]
    assert service(project).add_places(["HARTWELL", "Wexcombe", ""]) == [
        "Hartwell",
        "Redmoor",
        "Wexcombe",
    ]
    with project.session() as session:
        stored = session.get(ProjectSetting, "identifier_places")
        assert stored is not None and stored.value == "Hartwell\nRedmoor\nWexcombe"


def test_suggest_reads_the_sources_and_skips_the_register(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "files" / "talk.txt"
    path.parent.mkdir(exist_ok=True)
    path.write_text(TALK + "Sam: We all went to Portmoor, down by the quay.\n", encoding="utf-8")
    SourceService(project.session(), "Ann").import_files([path])
    service(project).add("Jill", "[psychologist]", kind="person")
    service(project).add_places(["Portmoor"])
    suggestions = {s.text: s for s in service(project, None).suggest()}
    assert {
        "Evans",
        "Castlegate Medical Centre",
        "Thornleigh estate",
        "Dr Okonjo",
        "Portmoor",
    } <= set(suggestions)
    assert "Jill" not in suggestions  # registered
    assert suggestions["Sam"].kind == "person"  # a speaker's name
    assert "a speaker label" in suggestions["Sam"].reason
    assert "Interviewer" not in suggestions  # a role
    assert suggestions["Evans"].sources == ("talk",)
    assert suggestions["Thornleigh estate"].replacement == "[local area]"
    extra = {s.text: s for s in service(project).suggest(places=["quay"])}
    assert extra["quay"].kind == "place" and "quay" not in suggestions


def test_check_a_csv_file_by_row_and_column(project: Project, tmp_path: Path) -> None:
    service(project).add("Jill Evans", "[the psychologist]", kind="person")
    report = tmp_path / "quotes.csv"
    report.write_text(
        'quote,source\n"It was Jill\nEvans, really",a\n"[the psychologist]",b\n"and Evans",c\n',
        encoding="utf-8",
    )
    found = service(project).check_file(report)
    assert [(f.location, f.leak.found, f.leak.reason) for f in found] == [
        ("row 2, column quote", "Jill\nEvans", "registered"),
        ("row 4, column quote", "Evans", "part"),
    ]


def test_check_a_text_file_by_line(project: Project, tmp_path: Path) -> None:
    service(project).add("Jill Evans", "[the psychologist]", kind="person")
    notes = tmp_path / "notes.txt"
    notes.write_text("It was Jill\nEvans, really\nand Evans\n", encoding="utf-8")
    found = service(project).check_file(notes)
    assert [(f.location, f.leak.found, f.leak.reason) for f in found] == [
        ("line 1", "Jill\nEvans", "registered"),
        ("line 3", "Evans", "part"),
    ]


def test_check_a_word_file_paragraphs_tables_and_headers(project: Project, tmp_path: Path) -> None:
    import docx

    service(project).add("Brindlecombe", "[local area]", kind="place")
    document = docx.Document()
    document.add_paragraph("A report")
    document.add_paragraph("Nothing here.")
    document.add_paragraph("She grew up in brindlecombe.")
    table = document.add_table(rows=2, cols=2)
    table.cell(1, 1).text = "Brindlecomb, mostly"
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "Brindlecombe Road"
    document.sections[0].header.paragraphs[0].text = "Study of BRINDLECOMBE"
    path = tmp_path / "report.docx"
    document.save(str(path))
    found = service(project).check_file(path)
    assert [(f.location, f.leak.found) for f in found] == [
        ("paragraph 3", "brindlecombe"),
        ("table 1, row 1, cell 1", "Brindlecombe"),  # a merged cell is read once
        ("table 1, row 2, cell 2", "Brindlecomb"),
        ("header 1, paragraph 1", "BRINDLECOMBE"),
    ]
    placeholder = tmp_path / "placeholder.txt"
    placeholder.write_text("all [local area]", encoding="utf-8")
    assert service(project).check_file(placeholder) == []


def test_a_damaged_word_file_is_one_clear_error(project: Project, tmp_path: Path) -> None:
    from qualcode.domain.errors import InputFileError

    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputFileError, match=r"broken\.docx"):
        service(project).check_file(path)


def test_json_of_entries_is_plain(project: Project) -> None:
    from qualcode.cli.common import to_jsonable

    service(project).add("Jill", "[name]", kind="person")
    [entry] = to_jsonable(service(project).list())
    assert json.dumps(entry) and set(entry) == {"original", "replacement", "kind", "uuid", "note"}


# --- whether the register was reviewed (issue 11) ------------------------------------


def _import(project: Project, path: Path, text: str = TALK) -> None:
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    SourceService(project.session(), "Ann").import_files([path])


def test_a_project_without_sources_needs_no_review(project: Project) -> None:
    status = service(project, None).status()
    assert (status.entries, status.sources, status.reviewed_at) == (0, 0, None)
    assert not status.needs_review and "nothing to review" in status.reason
    assert service(project, None).require_reviewed("study.qcp") == status


def test_an_empty_register_is_not_a_clean_bill(project: Project, tmp_path: Path) -> None:
    from qualcode.domain.register_status import UnreviewedRegisterError

    _import(project, tmp_path / "files" / "talk.txt")
    status = service(project, None).status()
    assert status.needs_review and status.unreviewed_sources == ("talk",)
    assert "never been reviewed and is empty" in status.reason
    with pytest.raises(UnreviewedRegisterError) as caught:
        service(project, None).require_reviewed("my study.qcp")
    message = str(caught.value)
    assert message.startswith("my study.qcp: the identifier register is empty and has never")
    assert "`qualcode identifiers suggest 'my study.qcp'`" in message
    assert "`qualcode identifiers reviewed 'my study.qcp'`" in message
    assert message.endswith("or export anyway with --allow-unreviewed")
    assert "\n" not in message
    assert service(project, None).require_reviewed("x", allow=True).needs_review
    # a team that looked and found no names says so explicitly
    reviewed = service(project).mark_reviewed()
    assert not reviewed.needs_review and reviewed.entries == 0
    assert reviewed.reviewed_by == "Ann" and reviewed.reviewed_at is not None
    assert "is empty: no names were found" in reviewed.reason
    service(project, None).require_reviewed("study.qcp")


def test_changing_entries_is_not_a_review(project: Project, tmp_path: Path) -> None:
    _import(project, tmp_path / "files" / "talk.txt")
    service(project).add("Jill Evans", "[psychologist]", kind="person")
    service(project).add("Jill", "[psychologist]", kind="person")
    service(project).remove("Jill")
    status = service(project, None).status()
    assert status.entries == 1 and status.needs_review
    assert "never been reviewed (1 identifier)" in status.reason


def test_transcripts_imported_after_the_review_need_another(
    project: Project, tmp_path: Path
) -> None:
    from qualcode.domain.register_status import UnreviewedRegisterError

    _import(project, tmp_path / "files" / "talk.txt")
    service(project).add("Jill Evans", "[psychologist]", kind="person")
    assert not service(project).mark_reviewed().needs_review
    _import(project, tmp_path / "files" / "later.txt", "Sam: Gary Lister was there.\n")
    status = service(project, None).status()
    assert status.unreviewed_sources == ("later",) and status.sources == 2
    assert "but 1 transcript (later) was imported since then" in status.reason
    with pytest.raises(UnreviewedRegisterError, match=r"since 1 transcript was imported \(later\)"):
        service(project, None).require_reviewed("study.qcp")
    assert not service(project, "Bo").mark_reviewed().needs_review


def test_a_transcript_merged_in_with_an_older_import_time_needs_review(
    project: Project, tmp_path: Path
) -> None:
    """A merge keeps each source's own import time, which may be before the review."""
    from datetime import timedelta

    from qualcode.store.models import Source

    _import(project, tmp_path / "files" / "talk.txt")
    reviewed = service(project).mark_reviewed()
    assert reviewed.reviewed_at is not None
    _import(project, tmp_path / "files" / "merged.txt", "Sam: Gary Lister was there.\n")
    with project.session() as session:
        row = session.scalar(select(Source).where(Source.name == "merged"))
        assert row is not None
        row.imported_at = reviewed.reviewed_at - timedelta(days=30)
        session.commit()
    assert service(project, None).status().unreviewed_sources == ("merged",)


def test_marking_reviewed_needs_a_coder_and_is_audited(project: Project, tmp_path: Path) -> None:
    _import(project, tmp_path / "files" / "talk.txt")
    with pytest.raises(ValidationError, match="no coder name"):
        service(project, None).mark_reviewed()
    assert service(project, None).mark_reviewed("Cy").reviewed_by == "Cy"
    with project.session() as session:
        [row] = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "identifier.reviewed")
        ).all()
        assert row.coder_id is not None and json.loads(row.details)["sources"] == 1


def test_a_damaged_review_time_reads_as_never_reviewed(project: Project, tmp_path: Path) -> None:
    _import(project, tmp_path / "files" / "talk.txt")
    service(project).mark_reviewed()
    with project.session() as session:
        session.merge(ProjectSetting(key="identifiers_reviewed_at", value="yesterday"))
        session.commit()
    status = service(project, None).status()
    assert status.reviewed_at is None and status.needs_review


def test_participants_pseudonyms_are_never_suggested(project: Project, tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    story = files / "story.txt"
    story.write_text(
        "Interviewer: Who helped?\n\nDean: Marie did, and Sandra Bell at the housing office."
        " Dean's sister too.\n",
        encoding="utf-8",
    )
    sheet = files / "people.csv"
    sheet.write_text("file,speaker,case,Pseudonym\nstory.txt,Dean,LE-01,Dean\n", encoding="utf-8")
    other = files / "other.txt"
    other.write_text("Marie: Nobody but Jill Evans.\n", encoding="utf-8")
    sheet2 = files / "people2.csv"
    sheet2.write_text("file,speaker,case,pseudonym\nother.txt,Marie,LE-02,Marie\n")
    SourceService(project.session(), "Ann").import_files([story], sheet)
    SourceService(project.session(), "Ann").import_files([other], sheet2)
    suggestions = {s.text for s in service(project, None).suggest()}
    assert "Sandra Bell" in suggestions and "Jill Evans" in suggestions
    assert not {"Dean", "Marie"} & suggestions


def test_add_suggestions_looks_again_for_variants(project: Project, tmp_path: Path) -> None:
    _import(
        project,
        tmp_path / "files" / "talk.txt",
        "Sam: Jo rang. Then Jo came round. I think Jo was great, and so was Joe from the shop.\n",
    )
    [jo] = [s for s in service(project, None).suggest() if s.text == "Jo"]
    assert jo.variants == ("Joe",)  # grouped on the first look
    registered = service(project).add_suggestions()
    assert {s.text for s in registered.added} >= {"Jo", "Joe", "Sam"}
    assert registered.refused == ()
    assert service(project, None).suggest() == []
    assert service(project, None).status().needs_review  # registering is not reviewing


def test_the_terminal_app_can_say_its_own_way_to_go_on(project: Project, tmp_path: Path) -> None:
    from qualcode.domain.register_status import UnreviewedRegisterError

    _import(project, tmp_path / "files" / "talk.txt")
    with pytest.raises(UnreviewedRegisterError) as caught:
        service(project, None).require_reviewed("study.qcp", override="press r to mark it")
    assert str(caught.value).endswith("or press r to mark it")
    assert caught.value.status.unreviewed_sources == ("talk",)
