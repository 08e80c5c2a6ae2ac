"""REFI-QDA codebooks (.qdc): export valid against the standard's schema, import from
other tools' files, hostile files refused with the project unchanged, exact round trip."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
import xmlschema
from click.testing import CliRunner

from qualcode.cli.app import cli
from qualcode.domain.errors import InputFileError
from qualcode.domain.qdc_description import fold_description, unfold_description
from qualcode.domain.records import Codebook, CodebookEntry
from qualcode.exporters.codebook_qdc import dump_qdc
from qualcode.importers.codebook_qdc import MAX_BYTES, parse_qdc, read_qdc
from qualcode.importers.codebook_yaml import read_codebook
from qualcode.services.codebook import CodebookService
from qualcode.services.project import Project
from tests.conftest import REPO, SMALL_CODEBOOK, review_register

# The standard's schema (REFI, MIT licence), kept beside the tests so every run validates.
SCHEMA = REPO / "tests" / "data" / "refi-qda" / "Codebook.xsd"
BARRIERS = REPO / "codebooks" / "barriers-and-enablers.yaml"
GUID = "56a1516d-5c88-4511-bc3f-63f3c064e6b2"


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMA))


def _new_project(path: Path, codebook: Codebook | None = None) -> Path:
    with Project.create(path) as project, project.session() as session:
        if codebook is not None:
            CodebookService(session, "Tester").import_codebook(codebook)
    review_register(path)
    return path


def _codes(path: Path) -> Codebook:
    with Project.open(path) as project, project.read_session() as session:
        return CodebookService(session).export_codebook()


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env={"QUALCODE_CODER": "Tester"})
    assert result.exit_code == 0, result.output
    return result.output


def _refused(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env={"QUALCODE_CODER": "Tester"})
    assert result.exit_code != 0, result.output
    return result.output.strip()


# --- export ----------------------------------------------------------------------------


def test_cli_export_of_the_bundled_codebook_validates_against_the_schema(
    tmp_path: Path, schema: xmlschema.XMLSchema
) -> None:
    project = _new_project(tmp_path / "study.qcp", read_codebook(BARRIERS))
    out = tmp_path / "codebook.qdc"
    assert "Wrote" in _run("codebook", "export", str(project), "-o", str(out))
    schema.validate(str(out))
    data = out.read_bytes()
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<CodeBook xmlns=')
    assert not data.startswith(codecs.BOM_UTF8)
    assert b'xmlns="urn:QDA-XML:codebook:1.0"' in data and b'origin="qualcode ' in data
    # GUIDs are the codes' UUIDs; colours #rrggbb; every code codable, headings too.
    assert f'guid="{GUID}"'.encode() in data
    assert b'isCodable="false"' not in data


def test_export_keeps_names_uuids_colours_and_tree(tmp_path: Path) -> None:
    data = dump_qdc(SMALL_CODEBOOK)
    back = parse_qdc(data, tmp_path / "x.qdc")
    assert back.codes == SMALL_CODEBOOK.codes


def test_export_is_stable_and_schema_valid_with_awkward_text(
    tmp_path: Path, schema: xmlschema.XMLSchema
) -> None:
    entry = CodebookEntry(
        name='Trust & "fear" <of services',
        uuid="33333333-3333-4333-8333-333333333333",
        definition="Line one\r\nline two\ttabbed, émoji 🙂 and ]]> too",
        include="Several\n\nparagraphs here",
        example="“I never trust them”",
        keywords=("trust", "fear"),
        colour="#aabbcc",
    )
    codebook = Codebook("c", "", (entry,))
    data = dump_qdc(codebook)
    assert data == dump_qdc(codebook)
    path = tmp_path / "awkward.qdc"
    path.write_bytes(data)
    schema.validate(str(path))
    assert read_qdc(path).codes == (entry,)


def test_empty_codebook_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    project = _new_project(tmp_path / "empty.qcp")
    out = tmp_path / "empty.qdc"
    assert "empty" in _refused("codebook", "export", str(project), "-o", str(out))
    assert not out.exists()


def test_export_goes_through_the_gate_and_is_private(tmp_path: Path) -> None:
    project = _new_project(tmp_path / "study.qcp", SMALL_CODEBOOK)
    out = tmp_path / "codebook.qdc"
    _run("codebook", "export", str(project), "-o", str(out))
    assert out.stat().st_mode & 0o777 == 0o600


# --- the description fold --------------------------------------------------------------


def test_fields_fold_into_labelled_paragraphs_and_back() -> None:
    entry = CodebookEntry(
        name="x", definition="What it is.", exclude="Not this.", keywords=("a", "b c")
    )
    folded = fold_description(entry)
    assert folded == "What it is.\n\nExclude: Not this.\n\nKeywords: a, b c"
    fields = unfold_description(folded)
    assert fields == {"definition": "What it is.", "exclude": "Not this.", "keywords": ("a", "b c")}


def test_a_plain_description_from_another_tool_is_the_definition() -> None:
    text = "Talk about money.\n\nSee also: Include nothing else.\nKeywords: cash\nmore"
    assert unfold_description(text) == {"definition": text, "keywords": ()}


def test_labels_out_of_order_stay_in_the_text_before_them() -> None:
    fields = unfold_description("Def.\n\nExample: e one\n\nInclude: not a label here")
    assert fields["definition"] == "Def."
    assert fields["example"] == "e one\n\nInclude: not a label here"


# --- import from other tools -----------------------------------------------------------

OTHER_TOOL = """<?xml version="1.0" encoding="utf-8"?>
<qdc:CodeBook xmlns:qdc="urn:QDA-XML:codebook:1.0" origin="Some Tool 2.1" extra="yes">
  <qdc:Codes>
    <qdc:Code guid="{6F9619FF-8B86-D011-B42D-00C04FC964FF}" name="Heading" isCodable="false"
              vendorThing="1">
      <qdc:Code guid="6f9619ff-8b86-d011-b42d-00c04fc964f0" name="Money" isCodable="true"
                color="#F0A">
        <qdc:Description>Talk about money.</qdc:Description>
      </qdc:Code>
      <qdc:Code guid="6f9619ff-8b86-d011-b42d-00c04fc964f1" name="Housing" isCodable="true"/>
    </qdc:Code>
  </qdc:Codes>
  <qdc:Sets><qdc:Set guid="6f9619ff-8b86-d011-b42d-00c04fc964f2" name="s"/></qdc:Sets>
</qdc:CodeBook>
"""


def test_a_file_from_another_tool_is_imported(tmp_path: Path) -> None:
    source = tmp_path / "other.qdc"
    source.write_bytes(codecs.BOM_UTF8 + OTHER_TOOL.encode("utf-8"))
    project = _new_project(tmp_path / "study.qcp")
    assert "3 added" in _run("codebook", "import", str(project), str(source))
    (heading,) = _codes(project).codes
    assert (heading.name, heading.uuid, heading.colour, heading.definition) == (
        "Heading",
        "6f9619ff-8b86-d011-b42d-00c04fc964ff",
        None,
        "",
    )
    money, housing = heading.children
    assert (money.uuid, money.colour, money.definition) == (
        "6f9619ff-8b86-d011-b42d-00c04fc964f0",
        "#ff00aa",
        "Talk about money.",
    )
    assert housing.name == "Housing" and housing.definition == ""


def test_the_namespace_may_be_the_default_or_missing(tmp_path: Path) -> None:
    for root in ('<CodeBook xmlns="urn:QDA-XML:codebook:1.0">', "<CodeBook>"):
        text = f'{root}<Codes><Code guid="{GUID}" name="A" isCodable="true"/></Codes></CodeBook>'
        (code,) = parse_qdc(text.encode(), tmp_path / "a.qdc").codes
        assert (code.name, code.uuid) == ("A", GUID)


def test_import_matches_codes_by_guid(tmp_path: Path) -> None:
    project = _new_project(tmp_path / "study.qcp", SMALL_CODEBOOK)
    renamed = (
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        '<Code guid="11111111-1111-4111-8111-111111111111" name="Obstacles" isCodable="true"/>'
        "</Codes></CodeBook>"
    )
    source = tmp_path / "renamed.qdc"
    source.write_text(renamed, encoding="utf-8")
    output = _run("codebook", "import", str(project), str(source))
    assert "0 added, 1 updated" in output
    codebook = _codes(project)
    assert [c.name for c in codebook.codes] == ["Obstacles", "Enablers"]
    assert [c.name for c in codebook.codes[0].children] == ["Time", "Risk"]
    # A .qdc has no codebook name: the project keeps its own.
    assert codebook.name == SMALL_CODEBOOK.name


# --- refusals --------------------------------------------------------------------------

_CODE = '<Code guid="{guid}" name="{name}" isCodable="true"/>'
_WRAP = '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>{}</Codes></CodeBook>'
BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    '<CodeBook><Codes><Code guid="' + GUID + '" name="&lol2;" isCodable="true"/></Codes></CodeBook>'
)
EXTERNAL = (
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<CodeBook><Codes><Code guid="' + GUID + '" name="&x;" isCodable="true"/></Codes></CodeBook>'
)

REFUSED = {
    "not XML": ("name: a yaml file\n", "is not readable XML"),
    "wrong root": ("<Project><Codes/></Project>", "root element is <Project>"),
    "no codes": ("<CodeBook/>", "no <Codes>"),
    "bad guid": (_WRAP.format(_CODE.format(guid="not-a-guid", name="A")), "is not a GUID"),
    "half braced guid": (_WRAP.format(_CODE.format(guid="{" + GUID, name="A")), "is not a GUID"),
    "duplicate guids": (
        _WRAP.format(_CODE.format(guid=GUID, name="A") + _CODE.format(guid=GUID.upper(), name="B")),
        "already used by code 'A'",
    ),
    "duplicate names": (
        _WRAP.format(
            _CODE.format(guid=GUID, name="A")
            + _CODE.format(guid="11111111-2222-4333-8444-555555555555", name="a")
        ),
        "same name",
    ),
    "bad colour": (
        _WRAP.format(f'<Code guid="{GUID}" name="A" isCodable="true" color="red"/>'),
        "should look like",
    ),
    "entity bomb": (BOMB, "declares XML entities"),
    "external entity": (EXTERNAL, "declares XML entities"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_bad_files_are_refused_in_one_line_and_the_project_is_unchanged(
    tmp_path: Path, case: str
) -> None:
    text, message = REFUSED[case]
    project = _new_project(tmp_path / "study.qcp", SMALL_CODEBOOK)
    before = _codes(project)
    source = tmp_path / "bad.qdc"
    source.write_text(text, encoding="utf-8")
    output = _refused("codebook", "import", str(project), str(source))
    assert message in output and "bad.qdc" in output
    assert len(output.splitlines()) == 1
    assert _codes(project) == before


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    source = tmp_path / "huge.qdc"
    with source.open("wb") as stream:
        stream.truncate(MAX_BYTES + 1)
    with pytest.raises(InputFileError, match="too large"):
        read_qdc(source)


def test_codes_nested_past_the_limit_are_refused(tmp_path: Path) -> None:
    depth = 60
    opening = "".join(
        f'<Code guid="00000000-0000-4000-8000-{n:012d}" name="c{n}" isCodable="true">'
        for n in range(depth)
    )
    text = _WRAP.format(opening + "</Code>" * depth)
    with pytest.raises(InputFileError, match="nested too deeply"):
        parse_qdc(text.encode(), tmp_path / "deep.qdc")


# --- round trip ------------------------------------------------------------------------


def test_round_trip_through_a_fresh_project_is_byte_identical(tmp_path: Path) -> None:
    first = _new_project(tmp_path / "first.qcp", read_codebook(BARRIERS))
    exported = tmp_path / "one.qdc"
    _run("codebook", "export", str(first), "-o", str(exported))
    second = _new_project(tmp_path / "second.qcp")
    _run("codebook", "import", str(second), str(exported))
    again = tmp_path / "two.qdc"
    _run("codebook", "export", str(second), "-o", str(again))
    assert exported.read_bytes() == again.read_bytes()
    assert _codes(second).codes == _codes(first).codes == read_codebook(BARRIERS).codes


def test_the_identifier_register_is_applied_to_the_qdc(tmp_path: Path) -> None:
    from qualcode.services.identifiers import IdentifierService

    entry = CodebookEntry(
        name="Support", uuid=GUID, definition="As Jillian Okafor said", example="Jillian Okafor"
    )
    project = _new_project(tmp_path / "study.qcp", Codebook("c", "", (entry,)))
    with Project.open(project) as opened, opened.session() as session:
        identifiers = IdentifierService(session, "Ann")
        identifiers.add("Jillian Okafor", "[name]", kind="person")
        identifiers.mark_reviewed("Ann")
    out = tmp_path / "codebook.qdc"
    _run("codebook", "export", str(project), "-o", str(out))
    text = out.read_text(encoding="utf-8")
    assert "Okafor" not in text and "As [name] said" in text
