"""The whole project as a REFI-QDA .qdpx: valid, stable, private, and pseudonymised on
request with every coding kept on the same words."""

from __future__ import annotations

import codecs
import io
import re
import stat
import zipfile
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
import xmlschema
from click.testing import CliRunner

from qualcode.cli.app import cli
from qualcode.domain.bundle import (
    BundleAttribute,
    BundleCase,
    BundleCode,
    BundleCoder,
    BundleCoding,
    BundleIdentifier,
    BundleLink,
    BundleMemo,
    BundleSetting,
    BundleSource,
    BundleTurn,
    BundleValue,
    ProjectBundle,
)
from qualcode.domain.errors import ValidationError
from qualcode.domain.refi_qda import (
    PROJECT_NAMESPACE,
    coding_note_guid,
    selection_guid,
    turn_description,
    turn_guid,
    variable_guid,
)
from qualcode.exporters.formats import FORMATS
from qualcode.exporters.project_qdpx import dump_qdpx
from qualcode.services.coding import CodingService
from qualcode.services.demo import build_demo, find_demo_material
from qualcode.services.export_gate import ExportChecks, ExportGate, IdentifierLeakError
from qualcode.services.identifiers import IdentifierService
from qualcode.services.memos import MemoService
from qualcode.services.project import Project
from qualcode.services.project_export import export_project
from qualcode.services.sources import SourceService

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "tests" / "data" / "refi-qda" / "Project.xsd"
NS = {"q": PROJECT_NAMESPACE}
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMA))


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def project_xml(data: bytes) -> ElementTree.Element:
    return ElementTree.fromstring(entries(data)["project.qde"])


def check_shape(data: bytes, schema: xmlschema.XMLSchema) -> dict[str, bytes]:
    """What every .qdpx qualcode writes must be: valid, relative, BOM-free, sorted."""
    files = entries(data)
    assert sorted(files) == list(files) and next(iter(files)) == "project.qde"
    document = files["project.qde"]
    schema.validate(document.decode("utf-8"))
    assert document.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Project xmlns=')
    assert b"basePath" not in document
    root = ElementTree.fromstring(document)
    assert root.get("origin", "").startswith("qualcode ")
    for element in root.iter():
        for name, value in element.attrib.items():
            if name == "guid" or name.endswith(("GUID", "User")):
                assert GUID.fullmatch(value), (element.tag, name, value)
    paths = [s.get("plainTextPath") for s in root.iterfind(".//q:TextSource", NS)]
    for source in root.iterfind(".//q:TextSource", NS):
        assert source.get("plainTextPath") == f"internal://{source.get('guid')}.txt"
    assert {f"sources/{p.removeprefix('internal://')}" for p in paths} == set(files) - {
        "project.qde"
    }
    for name, content in files.items():
        assert not content.startswith(codecs.BOM_UTF8), name
        text = content.decode("utf-8")
        assert "/home/" not in text and "/tmp/" not in text and "C:\\" not in text, name
    return files


# --- a bundle with every kind of record ------------------------------------------------

ANA, BO = "a0000000-0000-4000-8000-000000000001", "a0000000-0000-4000-8000-000000000002"
TOP, CHILD = "c0000000-0000-4000-8000-000000000001", "c0000000-0000-4000-8000-000000000002"
S1, S2 = "50000000-0000-4000-8000-000000000001", "50000000-0000-4000-8000-000000000002"
SAM, LEE = "ca000000-0000-4000-8000-000000000001", "ca000000-0000-4000-8000-000000000002"
WHEN = datetime(2026, 3, 1, 10, 30, 15, 123456)
TEXT1 = 'Interviewer: Why?\n\nSam: No time \U0001f62b, cafe\u0301 & <the> "trust".\n'
TEXT2 = "Lee: \u0645\u0631\u062d\u0628\u0627 and more.\n"


def coding(
    uuid: str, source: str, code: str, coder: str, start: int, end: int, memo: str = ""
) -> BundleCoding:
    return BundleCoding(uuid, source, code, coder, start, end, memo=memo, created_at=WHEN)


EVERYTHING = ProjectBundle(
    label="every.qcp",
    coders=(BundleCoder(ANA, "Ana", WHEN), BundleCoder(BO, 'Bo "B" <b>', WHEN)),
    codes=(
        BundleCode(
            TOP,
            "Barriers & walls",
            None,
            0,
            WHEN,
            definition="Why not.\r\nSecond line",
            include="Time",
            keywords='["time", "risk"]',
            colour="#cc6677",
        ),
        BundleCode(CHILD, "Time", TOP, 0, WHEN),
    ),
    cases=(BundleCase(SAM, "Sam", WHEN), BundleCase(LEE, "Lee", WHEN)),
    attributes=(
        BundleAttribute("age", "number"),
        BundleAttribute("joined", "date"),
        BundleAttribute("group", "text"),
    ),
    values=(
        BundleValue(SAM, "age", "41"),
        BundleValue(SAM, "joined", "2023-01-05"),
        BundleValue(SAM, "group", "carer"),
        BundleValue(LEE, "age", "1e+20"),  # not an xsd:decimal: kept as text
        BundleValue(LEE, "joined", "unknown"),
    ),
    sources=(
        BundleSource(S1, "interview-sam", TEXT1, "h1", imported_at=WHEN, imported_by=ANA),
        BundleSource(S2, "interview-lee", TEXT2, "h2"),
    ),
    turns=(
        BundleTurn(S1, None, "Interviewer", 0, 17),
        BundleTurn(S1, SAM, "Sam", 19, len(TEXT1) - 1, 1.5, 20.25),
        BundleTurn(S2, LEE, None, 0, len(TEXT2) - 1),
    ),
    links=(BundleLink(S1, SAM), BundleLink(S2, LEE)),
    codings=(
        coding("d0000000-0000-4000-8000-000000000001", S1, CHILD, ANA, 24, 31, memo="said twice"),
        coding("d0000000-0000-4000-8000-000000000002", S1, TOP, BO, 24, 31),
        coding("d0000000-0000-4000-8000-000000000003", S2, TOP, ANA, 5, 10),
    ),
    memos=(
        BundleMemo("e0000000-0000-4000-8000-000000000001", "project", None, ANA, "Whole <study>"),
        BundleMemo(
            "e0000000-0000-4000-8000-000000000002", "source", S1, BO, "Long one", WHEN, WHEN
        ),
        BundleMemo("e0000000-0000-4000-8000-000000000003", "code", TOP, ANA, "Merge later?"),
    ),
    settings=(BundleSetting("name", "Study"),),
)


def test_a_bundle_with_every_kind_of_record_is_valid_and_complete(
    schema: xmlschema.XMLSchema,
) -> None:
    data = dump_qdpx(EVERYTHING, "Study & co")
    files = check_shape(data, schema)
    assert files[f"sources/{S1}.txt"].decode("utf-8") == TEXT1
    assert files[f"sources/{S2}.txt"].decode("utf-8") == TEXT2
    root = project_xml(data)
    assert root.get("name") == "Study & co"
    assert [u.get("name") for u in root.iterfind("q:Users/q:User", NS)] == ["Ana", 'Bo "B" <b>']
    top = root.find("q:CodeBook/q:Codes/q:Code", NS)
    assert top is not None and top.get("guid") == TOP and top.get("color") == "#cc6677"
    description = top.findtext("q:Description", namespaces=NS)
    assert description == "Why not.\r\nSecond line\n\nInclude: Time\n\nKeywords: time, risk"
    assert [r.get("targetGUID") for r in top.iterfind("q:NoteRef", NS)] == [
        "e0000000-0000-4000-8000-000000000003"
    ]
    assert [c.get("guid") for c in top.iterfind("q:Code", NS)] == [CHILD]
    # Variables and cases: typed values where they fit, text where they do not.
    variables = {v.get("name"): v for v in root.iterfind("q:Variables/q:Variable", NS)}
    assert {n: v.get("typeOfVariable") for n, v in variables.items()} == {
        "age": "Float",
        "group": "Text",
        "joined": "Date",
    }
    assert variables["age"].get("guid") == variable_guid("age")
    cases = {c.get("name"): c for c in root.iterfind("q:Cases/q:Case", NS)}
    sam_values = {
        v.find("q:VariableRef", NS).get("targetGUID"): (v[1].tag.split("}")[1], v[1].text)
        for v in cases["Sam"].iterfind("q:VariableValue", NS)
    }
    assert sam_values == {
        variable_guid("age"): ("FloatValue", "41"),
        variable_guid("group"): ("TextValue", "carer"),
        variable_guid("joined"): ("DateValue", "2023-01-05"),
    }
    lee_values = [v[1].tag.split("}")[1] for v in cases["Lee"].iterfind("q:VariableValue", NS)]
    assert lee_values == ["TextValue", "TextValue"]
    assert [r.get("targetGUID") for r in cases["Sam"].iterfind("q:SourceRef", NS)] == [S1]
    assert [r.get("targetGUID") for r in cases["Sam"].iterfind("q:SelectionRef", NS)] == [
        turn_guid(S1, 19, len(TEXT1) - 1)
    ]
    # Sources: one selection per passage holding each coding, turns as described.
    sources = {s.get("guid"): s for s in root.iterfind("q:Sources/q:TextSource", NS)}
    first = sources[S1]
    assert first.get("creatingUser") == ANA and first.get("creationDateTime") == WHEN.isoformat()
    selections = {s.get("guid"): s for s in first.iterfind("q:PlainTextSelection", NS)}
    passage = selections[selection_guid(S1, 24, 31)]
    assert TEXT1[24:31] == "No time"
    assert (passage.get("startPosition"), passage.get("endPosition")) == ("24", "31")
    codings = {c.get("guid"): c for c in passage.iterfind("q:Coding", NS)}
    assert codings["d0000000-0000-4000-8000-000000000002"].get("creatingUser") == BO
    assert (
        codings["d0000000-0000-4000-8000-000000000001"].find("q:CodeRef", NS).get("targetGUID")
        == CHILD
    )
    note_guid = coding_note_guid("d0000000-0000-4000-8000-000000000001")
    assert [r.get("targetGUID") for r in passage.iterfind("q:NoteRef", NS)] == [note_guid]
    turn = selections[turn_guid(S1, 19, len(TEXT1) - 1)]
    assert turn.get("name") == "Sam" and turn.find("q:Coding", NS) is None
    assert turn.findtext("q:Description", namespaces=NS) == turn_description(1.5, 20.25)
    unnamed = sources[S2].find("q:PlainTextSelection", NS)
    assert unnamed is not None and unnamed.get("name") is None
    assert [r.get("targetGUID") for r in first.iterfind("q:NoteRef", NS)] == [
        "e0000000-0000-4000-8000-000000000002"
    ]
    # Notes: memos and the coding's memo; the project's memo referred to last.
    notes = {n.get("guid"): n for n in root.iterfind("q:Notes/q:Note", NS)}
    assert notes[note_guid].findtext("q:PlainTextContent", namespaces=NS) == "said twice"
    assert notes[note_guid].get("name") == "Memo: Time, by Ana"
    assert (
        notes["e0000000-0000-4000-8000-000000000001"].findtext("q:PlainTextContent", namespaces=NS)
        == "Whole <study>"
    )
    assert [r.get("targetGUID") for r in root.iterfind("q:NoteRef", NS)] == [
        "e0000000-0000-4000-8000-000000000001"
    ]


def test_the_same_bundle_gives_the_same_bytes_whatever_its_order() -> None:
    shuffled = EVERYTHING.with_records(
        **{
            kind: reversed(getattr(EVERYTHING, kind))
            for kind in ("coders", "codes", "cases", "values", "sources", "turns", "codings")
        },
        memos=reversed(EVERYTHING.memos),
    )
    assert dump_qdpx(shuffled, "Study") == dump_qdpx(EVERYTHING, "Study")
    with zipfile.ZipFile(io.BytesIO(dump_qdpx(EVERYTHING, "Study"))) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_the_register_and_what_qda_xml_has_no_place_for_are_not_written() -> None:
    register = BundleIdentifier("f0000000-0000-4000-8000-000000000001", "Imran", "imran", "[n]")
    data = dump_qdpx(EVERYTHING.with_records(identifiers=[register]), "Study")
    assert data == dump_qdpx(EVERYTHING, "Study") == dump_qdpx(EVERYTHING)


def test_what_cannot_be_written_is_refused_before_anything_is_built() -> None:
    textless = EVERYTHING.with_records(
        sources=[BundleSource(S1, "interview-sam", None, "h1")], codings=(), turns=()
    )
    with pytest.raises(ValidationError, match="without their text"):
        dump_qdpx(textless, "Study")
    control = EVERYTHING.with_records(
        memos=[BundleMemo("e0000000-0000-4000-8000-000000000009", "project", None, ANA, "a\x07")]
    )
    with pytest.raises(ValidationError, match="U\\+0007"):
        dump_qdpx(control, "Study")


# --- the demo project, through the service ---------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    build_demo(folder, find_demo_material(REPO), coder="Tester", with_coding=True)
    return folder / "demo.qcp"


def test_the_demo_exports_valid_stable_and_private(
    tmp_path: Path, demo: Path, schema: xmlschema.XMLSchema
) -> None:
    out = tmp_path / "archive" / "demo.qdpx"
    written = export_project(demo, out)
    assert written.path == out and not written.pseudonymised and written.checked == 0
    assert written.codings > 300 and written.sources == 9
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    files = check_shape(out.read_bytes(), schema)
    with Project.open(demo) as project, project.read_session() as session:
        from qualcode.services.merge import load_bundle

        bundle = load_bundle(session, "demo")
    for source in bundle.sources:
        assert files[f"sources/{source.uuid}.txt"].decode("utf-8") == source.text
    root = project_xml(out.read_bytes())
    coded = {c.get("guid") for c in root.iterfind(".//q:Coding", NS)}
    assert coded == {c.uuid for c in bundle.codings}
    assert str(tmp_path) not in out.read_bytes().decode("latin-1")
    again = tmp_path / "again.qdpx"
    export_project(demo, again)
    assert again.read_bytes() == out.read_bytes()


# --- pseudonymised ---------------------------------------------------------------------

INTERVIEW = """Study: names
----
Interviewer: Who helped you, Sam?

Sam: Jillian Okafor did. Jillian\u2019s team in Thornleigh \U0001f44d met me twice.

Interviewer: And then?

Sam: Okafor's colleague in Thornleigh rang. cafe\u0301 after.
"""

PASSAGES = [
    "Jillian Okafor did.",  # starts on a name
    "did. Jillian\u2019s team in Thornleigh \U0001f44d met",  # across two
    "Okafor's colleague",  # a part of a name, possessive
    "colleague in Thornleigh rang. cafe\u0301 after.",  # name inside, combining accent
    "rang. cafe\u0301 after.",  # after every name
]


@pytest.fixture
def named(tmp_path: Path) -> Path:
    interview = tmp_path / "files" / "interview-sam.txt"
    interview.parent.mkdir()
    interview.write_text(INTERVIEW, encoding="utf-8")
    path = tmp_path / "named.qcp"
    with Project.create(path) as project, project.session() as session:
        from qualcode.services.codebook import CodebookService

        codebook = CodebookService(session, "Tester")
        codebook.add_code("Help")
        codebook.add_code("Thornleigh services", definition="Jillian Okafor's team")
        SourceService(session, "Tester").import_files([interview])
        register = IdentifierService(session, "Tester")
        register.add("Jillian Okafor", "[psychologist]", "person")
        register.add("Thornleigh", "[local area]", "place")
        register.add("Sam", "[participant]", "person")
        codings = CodingService(session, "Tester")
        for passage in PASSAGES:
            codings.add_passage("interview-sam", "Help", passage, memo="Jillian again")
        codings.add_passage("interview-sam", "Thornleigh services", "Thornleigh rang")
        MemoService(session, "Tester").add("source", "interview-sam", "Sam from Thornleigh")
        MemoService(session, "Tester").add("project", None, "Ask Jillian Okafor first")
        register.mark_reviewed("Tester")
    return path


def test_pseudonymised_codings_cover_the_same_words(
    tmp_path: Path, named: Path, schema: xmlschema.XMLSchema
) -> None:
    out = tmp_path / "shared.qdpx"
    written = export_project(named, out, pseudonymise=True)
    assert written.pseudonymised and written.checked > 0
    files = check_shape(out.read_bytes(), schema)
    with Project.open(named) as project, project.read_session() as session:
        from qualcode.services.merge import load_bundle

        bundle = load_bundle(session, "named")
        redactor = IdentifierService(session).redactor()
    [source] = bundle.sources
    assert source.text is not None
    redacted = files[f"sources/{source.uuid}.txt"].decode("utf-8")
    assert redacted == redactor.apply(source.text)
    root = project_xml(out.read_bytes())
    moved = {}
    for selection in root.iterfind(".//q:PlainTextSelection", NS):
        for item in selection.iterfind("q:Coding", NS):
            moved[item.get("guid")] = (
                int(selection.get("startPosition")),
                int(selection.get("endPosition")),
            )
    assert set(moved) == {c.uuid for c in bundle.codings}
    for original in bundle.codings:
        start, end = moved[original.uuid]
        assert redacted[start:end] == redactor.apply(source.text[original.start : original.end])
    speakers = {
        s.get("name") for s in root.iterfind(".//q:PlainTextSelection", NS) if s.get("name")
    }
    assert speakers == {"Interviewer", "[participant]"}


def test_pseudonymised_file_has_no_registered_name_anywhere(tmp_path: Path, named: Path) -> None:
    out = tmp_path / "shared.qdpx"
    export_project(named, out, pseudonymise=True)
    for name, content in entries(out.read_bytes()).items():
        text = content.decode("utf-8")
        for word in ("Jillian", "Okafor", "Thornleigh", r"\bSam\b"):
            assert not re.search(word, text), (name, word)


def test_the_leak_scan_reads_the_transcripts_and_the_xml(tmp_path: Path, named: Path) -> None:
    from tests.merge_helpers import sql

    sql(named, "UPDATE sources SET text = replace(text, 'met me', 'and Jilian met me')")
    with pytest.raises(IdentifierLeakError, match="Jilian") as raised:
        export_project(named, tmp_path / "a.qdpx", pseudonymise=True)
    assert "sources/" in str(raised.value)
    assert not list(tmp_path.glob("*.qdpx")) and not list(tmp_path.glob(".a.qdpx*"))
    sql(named, "UPDATE sources SET text = replace(text, 'and Jilian met me', 'met me')")
    sql(named, "UPDATE memos SET text = 'ask Jilian' WHERE target = 'project'")
    with pytest.raises(IdentifierLeakError, match=r"project\.qde"):
        export_project(named, tmp_path / "b.qdpx", pseudonymise=True)
    allowed = export_project(
        named, tmp_path / "c.qdpx", pseudonymise=True, checks=ExportChecks(allow_identifiers=True)
    )
    assert allowed.leaks_allowed == 1


def test_pseudonymising_needs_a_reviewed_register_the_original_copy_does_not(
    tmp_path: Path, named: Path
) -> None:
    from qualcode.domain.errors import QualcodeError

    interview = tmp_path / "files" / "later.txt"
    interview.write_text("Sam: one more\n", encoding="utf-8")
    with Project.open(named) as project, project.session() as session:
        SourceService(session, "Tester").import_files([interview])
    with pytest.raises(QualcodeError, match=r"(?i)review"):
        export_project(named, tmp_path / "x.qdpx", pseudonymise=True)
    written = export_project(named, tmp_path / "y.qdpx")
    assert "Jillian Okafor" in entries(written.path.read_bytes())["project.qde"].decode()
    with (
        Project.open(named) as project,
        project.read_session() as session,
        pytest.raises(QualcodeError, match="never redacted"),
    ):
        ExportGate.original_copy(session).redact("Sam")


def test_the_read_back_yields_every_xml_string_and_every_source_text(tmp_path: Path) -> None:
    path = tmp_path / "x.qdpx"
    path.write_bytes(dump_qdpx(EVERYTHING, "Study"))
    found = list(FORMATS["qdpx"].read(path))
    texts = [text for _, text in found]
    assert TEXT1 in texts and TEXT2 in texts
    assert "Whole <study>" in texts and "Barriers & walls" in texts and "Sam" in texts
    assert any(where.startswith("project.qde") for where, _ in found)
    # Structure (GUIDs, times, positions) is not words: skipped, as it is most of a file.
    assert not [t for t in texts if GUID.fullmatch(t) or t == WHEN.isoformat() or t == "24"]


# --- the command -----------------------------------------------------------------------


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env={"QUALCODE_CODER": "Tester"})
    return result.exit_code, result.output


def test_cli_writes_the_original_copy_privately_and_says_so(tmp_path: Path, named: Path) -> None:
    out = tmp_path / "archive.qdpx"
    code, output = run("export-project", str(named), "-o", str(out))
    assert code == 0, output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    [warning] = [line for line in output.splitlines() if "original transcripts" in line]
    assert "readable by you only" in warning
    code, output = run(
        "export-project", str(named), "-o", str(tmp_path / "s.qdpx"), "--pseudonymise"
    )
    assert code == 0, output
    assert "original transcripts" not in output and "Pseudonymised" in output
    for content in entries((tmp_path / "s.qdpx").read_bytes()).values():
        assert b"Jillian" not in content and b"Thornleigh" not in content


def test_cli_refuses_a_wrong_suffix_the_project_itself_and_checks_without_pseudonymise(
    tmp_path: Path, named: Path
) -> None:
    code, output = run("export-project", str(named), "-o", str(tmp_path / "x.zip"))
    assert code != 0 and "x.qdpx" in output
    code, output = run("export-project", str(named), "-o", str(named))
    assert code != 0 and "open project" in output
    code, output = run(
        "export-project", str(named), "-o", str(tmp_path / "x"), "--allow-unreviewed"
    )
    assert code != 0 and "--pseudonymise" in output
    assert not list(tmp_path.glob("x*"))
    code, output = run("export-project", str(named), "-o", str(tmp_path / "x"))
    assert code == 0 and (tmp_path / "x.qdpx").is_file()
