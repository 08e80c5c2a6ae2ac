"""YAML codebooks: reading, writing, validation messages and hostile input."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from qualcode.domain.errors import InputFileError
from qualcode.domain.records import Codebook, CodebookEntry
from qualcode.exporters.codebook_yaml import dump_codebook
from qualcode.importers.codebook_yaml import (
    MAX_BYTES,
    CodebookFileError,
    parse_codebook,
    read_codebook,
)

CODEBOOKS = Path(__file__).resolve().parent.parent / "codebooks"
SHIPPED = ("barriers-and-enablers.yaml", "starter.yaml")
ORIGIN = "study.yaml"


def problem(text: str) -> str:
    """The message parse_codebook raises for ``text``."""
    with pytest.raises(InputFileError) as caught:
        parse_codebook(text, ORIGIN)
    message = str(caught.value)
    assert message.startswith(f"{ORIGIN}: ")
    assert "\n" not in message
    return message


def codes(body: str) -> str:
    """A minimal valid document around a ``codes:`` body, indented as written."""
    return "name: Test\ncodes:\n" + body


# --- the shipped codebooks -----------------------------------------------------------


def walk(entries: tuple[CodebookEntry, ...], depth: int = 0):
    for entry in entries:
        yield entry, depth
        yield from walk(entry.children, depth + 1)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_codebook_round_trips(name: str) -> None:
    codebook = read_codebook(CODEBOOKS / name)
    text = dump_codebook(codebook)
    assert parse_codebook(text, "dumped") == codebook
    # The shipped files are kept in the exporter's own layout, so a re-export is no diff.
    assert text == (CODEBOOKS / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_codebook_is_complete(name: str) -> None:
    codebook = read_codebook(CODEBOOKS / name)
    assert codebook.description
    for entry, depth in walk(codebook.codes):
        assert entry.uuid and entry.colour and entry.definition, entry.name
        assert 5 <= len(entry.keywords) <= 12, entry.name
        assert len(set(entry.keywords)) == len(entry.keywords), entry.name
        if depth == 0 or not entry.children:
            assert entry.include and entry.exclude, entry.name
        if not entry.children:
            assert entry.example, entry.name
    top_colours = [entry.colour for entry in codebook.codes]
    assert len(set(top_colours)) == len(top_colours)


def test_study_codebook_has_the_outline_names() -> None:
    codebook = read_codebook(CODEBOOKS / "barriers-and-enablers.yaml")
    lines = ["  " * depth + entry.name for entry, depth in walk(codebook.codes)]
    assert len(lines) == 69
    assert lines[:2] == ["Barriers to involvement", "  Lack of dedicated time and resource"]
    assert "    Direct involvement in partnerships (learning by doing)" in lines
    assert lines[-1] == "  Meaningful activities"


# --- the property: dump then parse gives back the same codebook ---------------------

# Surrogates cannot be written as UTF-8, so no real codebook holds them; control
# characters other than tab and line break are refused on reading (issue 11).
_CHARS = st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\t\n")
# Names as the project stores them: single spaces, no ">" and no control characters.
_NAME = (
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=">"),
        min_size=1,
        max_size=20,
    )
    .map(lambda text: " ".join(text.split()))
    .filter(bool)
)
# Trailing line breaks are not part of a text field (documented), so none are generated.
_TEXT = st.text(_CHARS, max_size=60).map(lambda text: text.rstrip("\n"))
_KEYWORD = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=12)
    .map(str.strip)
    .filter(bool)
)
_COLOUR = st.none() | st.from_regex(r"#[0-9a-f]{6}", fullmatch=True)
_UUID = st.none() | st.uuids().map(str)


def _entries(children: st.SearchStrategy[tuple[CodebookEntry, ...]]):
    entry = st.builds(
        CodebookEntry,
        name=_NAME,
        uuid=_UUID,
        definition=_TEXT,
        include=_TEXT,
        exclude=_TEXT,
        example=_TEXT,
        keywords=st.lists(_KEYWORD, max_size=4).map(tuple),
        colour=_COLOUR,
        children=children,
    )
    return st.lists(entry, max_size=4, unique_by=lambda e: e.name.casefold()).map(tuple)


_TREES = st.recursive(st.just(()), _entries, max_leaves=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=_NAME, description=_TEXT, codes=_TREES)
def test_dump_then_parse_is_lossless(
    name: str, description: str, codes: tuple[CodebookEntry, ...]
) -> None:
    uuids = [entry.uuid for entry, _ in walk(codes) if entry.uuid]
    assume(len(uuids) == len(set(uuids)))
    codebook = Codebook(name=name, description=description, codes=codes)
    assert parse_codebook(dump_codebook(codebook), "dumped") == codebook


# --- ordinary reading and writing ---------------------------------------------------


def test_reads_the_documented_example() -> None:
    text = """\
format: qualcode-codebook/1
name: Barriers and enablers
description: |
  What stops mental health services joining partnerships.
codes:
  - name: "  Barriers to involvement  "
    uuid: 0B6F7C1E-8A2D-4C3B-9E1F-2A3B4C5D6E7F
    colour: "#C0392B"
    definition: |
      Reasons services stay out.
      Second line.
    keywords: [time, no, 2020, "waiting list"]
    codes:
      - name: Lack of dedicated time and resource
        include: Staff time.
"""
    codebook = parse_codebook(text, ORIGIN)
    assert codebook.name == "Barriers and enablers"
    assert codebook.description == "What stops mental health services joining partnerships."
    top = codebook.codes[0]
    assert top.name == "Barriers to involvement"
    assert top.uuid == "0b6f7c1e-8a2d-4c3b-9e1f-2a3b4c5d6e7f"
    assert top.colour == "#c0392b"
    assert top.definition == "Reasons services stay out.\nSecond line."
    # Words YAML would turn into booleans or numbers stay words.
    assert top.keywords == ("time", "no", "2020", "waiting list")
    assert top.children[0].include == "Staff time."
    assert top.children[0].uuid is None


def test_format_may_be_left_out() -> None:
    assert parse_codebook("name: Test\n", ORIGIN) == Codebook("Test", "", ())


def test_block_scalar_trailing_breaks_are_not_text() -> None:
    text = codes('  - name: A\n    definition: |+\n      kept\n\n\n    example: "x\\n"\n')
    entry = parse_codebook(text, ORIGIN).codes[0]
    assert entry.definition == "kept"
    assert entry.example == "x"


def test_dump_layout() -> None:
    codebook = Codebook(
        name="Study",
        description="",
        codes=(
            CodebookEntry(
                name="Barriers",
                uuid="0b6f7c1e-8a2d-4c3b-9e1f-2a3b4c5d6e7f",
                colour="#c0392b",
                definition="Line one.\nLine two.",
                keywords=("time", "no capacity"),
                example="A " + "long " * 40 + "quote",
                children=(CodebookEntry(name="Time"),),
            ),
            CodebookEntry(name="Enablers"),
        ),
    )
    text = dump_codebook(codebook)
    assert text.splitlines()[1:] == [
        "format: qualcode-codebook/1",
        "name: Study",
        "codes:",
        "  - name: Barriers",
        "    uuid: 0b6f7c1e-8a2d-4c3b-9e1f-2a3b4c5d6e7f",
        '    colour: "#c0392b"',
        "    definition: |",
        "      Line one.",
        "      Line two.",
        "    example: A " + "long " * 40 + "quote",
        "    keywords: [time, no capacity]",
        "    codes:",
        "      - name: Time",
        "",
        "  - name: Enablers",
    ]


def test_dump_keeps_unicode_and_an_empty_codebook_reads_back() -> None:
    codebook = Codebook(name="Étude — “quotes”", description="", codes=())
    text = dump_codebook(codebook)
    assert "Étude — “quotes”" in text
    assert parse_codebook(text, "dumped") == codebook


def test_read_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"nope\.yaml: file not found"):
        read_codebook(tmp_path / "nope.yaml")


def test_read_refuses_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes("name: Caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputFileError, match=r"latin\.yaml: is not UTF-8"):
        read_codebook(path)


def test_read_accepts_utf16_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "notepad.yaml"
    path.write_bytes("name: Café\n".encode("utf-16"))
    assert read_codebook(path).name == "Café"


def test_read_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="is a folder"):
        read_codebook(tmp_path)


def test_read_accepts_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfname: Test\r\ncodes:\r\n  - name: A\r\n")
    assert read_codebook(path).codes[0].name == "A"


# --- validation: each problem names the file and where it is ------------------------


def test_bad_yaml_gives_the_line() -> None:
    message = problem("name: Test\ncodes:\n  - name: A\n   definition: [unclosed\n")
    assert "is not valid YAML (line 4" in message


def test_empty_file() -> None:
    assert "is empty" in problem("")


def test_top_level_must_be_keys() -> None:
    assert "should start with keys" in problem("- just\n- a list\n")


def test_missing_codebook_name() -> None:
    assert "the codebook name is missing" in problem("codes: []\n")


def test_unknown_top_level_key() -> None:
    message = problem("name: Test\ndescriptoin: x\n")
    assert "line 2, top level: unknown key 'descriptoin' (did you mean 'description'?)" in message


def test_unknown_code_key_names_the_code_path() -> None:
    message = problem(codes("  - name: A\n    codes:\n      - name: B\n        defintion: x\n"))
    assert "line 6, code 'A > B': unknown key 'defintion' (did you mean 'definition'?)" in message


def test_unknown_format_version() -> None:
    message = problem("format: qualcode-codebook/2\nname: Test\n")
    assert "format 'qualcode-codebook/2' is not one this version of qualcode reads" in message


def test_not_a_format_at_all() -> None:
    assert "format should be 'qualcode-codebook/1'" in problem("format: refi-qda\nname: T\n")


def test_empty_code_name() -> None:
    message = problem(codes("  - name: A\n    codes:\n      - name: '   '\n"))
    assert "code 'A > (code 1)': a code needs a name" in message


def test_missing_code_name() -> None:
    message = problem(codes("  - name: A\n  - definition: no name here\n"))
    assert "line 4, code '(code 2)': the name is missing" in message


def test_name_with_path_separator() -> None:
    message = problem(codes("  - name: A\n    codes:\n      - name: B > C\n"))
    assert "code 'A > (code 1)': code name 'B > C' may not contain '>'" in message


def test_name_with_control_characters() -> None:
    message = problem(codes('  - name: "A\\aB"\n'))
    assert "code '(code 1)': the name 'A\\x07B' contains control characters" in message


def test_name_too_long() -> None:
    message = problem(codes(f"  - name: {'x' * 301}\n"))
    assert "code '(code 1)': code name 'xxxx" in message
    assert "is longer than 300 characters" in message


def test_spaces_in_names_are_tidied_as_the_project_does() -> None:
    text = codes('  - name: "  Lack  of\\ttime\\n and resource "\n')
    assert parse_codebook(text, ORIGIN).codes[0].name == "Lack of time and resource"


def test_sibling_duplicates() -> None:
    message = problem(codes("  - name: A\n    codes:\n      - name: B\n      - name: ' b'\n"))
    assert "line 6, code 'A > b': another code with the same name sits beside it" in message


def test_same_name_under_different_parents_is_fine() -> None:
    text = codes("  - name: A\n    codes: [{name: X}]\n  - name: B\n    codes: [{name: X}]\n")
    assert [c.children[0].name for c in parse_codebook(text, ORIGIN).codes] == ["X", "X"]


def test_duplicate_uuids() -> None:
    same = "0b6f7c1e-8a2d-4c3b-9e1f-2a3b4c5d6e7f"
    message = problem(
        codes(f"  - name: A\n    uuid: {same}\n    codes:\n      - name: B\n        uuid: {same}\n")
    )
    assert f"code 'A > B': uuid {same} is already used by code 'A'" in message


def test_bad_uuid() -> None:
    message = problem(codes("  - name: A\n    uuid: 1234\n"))
    assert "code 'A': uuid '1234' is not a UUID" in message


def test_empty_uuid() -> None:
    assert "code 'A': uuid is empty" in problem(codes("  - name: A\n    uuid:\n"))


def test_bad_colour_names_the_line_of_the_key() -> None:
    message = problem(codes("  - name: A\n    definition: x\n    colour: red\n"))
    assert """line 5, code 'A': colour 'red' should look like "#c0392b\"""" in message


def test_unquoted_colour_is_a_comment_and_is_explained() -> None:
    message = problem(codes("  - name: A\n    colour: #c0392b\n"))
    assert "code 'A': colour is empty; write it in quotes" in message


def test_keywords_must_be_a_list() -> None:
    message = problem(codes("  - name: A\n    keywords: time, capacity\n"))
    assert "code 'A': keywords should be a list like [time, capacity]" in message


def test_keywords_must_be_strings() -> None:
    message = problem(codes("  - name: A\n    keywords: [time, [nested]]\n"))
    assert "code 'A': keywords should be text, found a list" in message


def test_empty_keyword() -> None:
    assert "code 'A': keywords contains an empty keyword" in problem(
        codes("  - name: A\n    keywords: [time, '  ']\n")
    )


def test_text_field_of_wrong_type() -> None:
    message = problem(codes("  - name: A\n    definition:\n      - a list\n"))
    assert "code 'A': definition should be text, found a list" in message


def test_description_of_wrong_type() -> None:
    assert "top level: description should be text" in problem("name: T\ndescription: {a: b}\n")


def test_codes_must_be_a_list() -> None:
    message = problem(codes("  name: A\n"))
    assert "top level: codes should be a list of codes, found a block of keys" in message


def test_sub_codes_must_be_a_list() -> None:
    message = problem(codes("  - name: A\n    codes: B\n"))
    assert "code 'A': codes should be a list of codes, found the text 'B'" in message


def test_code_must_be_a_block_of_keys() -> None:
    message = problem(codes("  - name: A\n    codes:\n      - just a name\n"))
    assert "code 'A > (code 1)': a code should be a block of keys" in message


def test_duplicate_key_in_one_code() -> None:
    message = problem(codes("  - name: A\n    definition: one\n    definition: two\n"))
    assert "line 5, column 5: the key 'definition' appears twice" in message


def test_every_problem_is_collected() -> None:
    text = codes("  - name: A\n    colour: red\n    uuid: x\n    foo: 1\n")
    with pytest.raises(CodebookFileError) as caught:
        parse_codebook(text, ORIGIN)
    assert len(caught.value.problems) == 3
    assert "(and 2 more problems)" in str(caught.value)


# --- hostile input -------------------------------------------------------------------


def test_python_tags_are_refused() -> None:
    message = problem("name: !!python/object/apply:os.system ['echo hacked']\n")
    assert "tags like 'tag:yaml.org,2002:python/object/apply:os.system' are not allowed" in message


def test_any_tag_is_refused() -> None:
    assert "are not allowed in a codebook" in problem("name: !!binary aGVsbG8=\n")


def test_alias_expansion_is_refused_quickly() -> None:
    # Nine levels of nine aliases: harmless to load (shared objects) but a codebook
    # walk over it would visit 9**9 codes, so aliases are refused outright.
    lines = ["lol: &a [{name: lol}]"]
    previous = "a"
    for level in "bcdefghi":
        lines.append(f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 9) + "]")
        previous = level
    lines.append("name: Test")
    lines.append(f"codes: [{{name: top, codes: *{previous}}}]")
    started = time.perf_counter()
    message = problem("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 1
    assert "aliases (*name) are not allowed in a codebook" in message


def test_alias_of_codes_is_refused() -> None:
    message = problem("name: T\ncodes:\n  - &x {name: A}\n  - name: B\n    codes: [*x]\n")
    assert "line 5" in message and "aliases" in message


def test_deep_nesting_is_refused_not_crashed() -> None:
    assert "nested too deeply" in problem("name: T\ncodes: " + "[" * 5000 + "]" * 5000 + "\n")


def test_size_limit_on_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"name: T\ndescription: '" + b"x" * MAX_BYTES + b"'\n")
    with pytest.raises(InputFileError, match=r"huge\.yaml: file is too large"):
        read_codebook(path)


def test_size_limit_on_parse() -> None:
    assert "file is too large" in problem("name: T\n#" + "x" * MAX_BYTES)


def test_fresh_uuids_are_accepted() -> None:
    fresh = str(uuid.uuid4())
    assert parse_codebook(codes(f"  - name: A\n    uuid: {fresh}\n"), ORIGIN).codes[0].uuid == fresh


def test_the_documented_example_is_valid() -> None:
    doc = (CODEBOOKS.parent / "docs" / "codebook-format.md").read_text(encoding="utf-8")
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    codebook = parse_codebook(example, "docs example")
    assert codebook.codes[0].children[0].name == "Lack of dedicated time and resource"
    text = "name: T\ncodes:\n  - name: A\n    keywords: [no, 2020, on]\n"
    assert parse_codebook(text, ORIGIN).codes[0].keywords == ("no", "2020", "on")


# --- limits and control characters (issue 11) ----------------------------------------


def test_a_codebook_past_the_code_limit_is_refused() -> None:
    # 20,001 codes: refused after reading the 20,001st, not imported over minutes.
    text = "name: Huge\ncodes:\n" + "".join(f"- name: c{n}\n" for n in range(20_001))
    assert "has too many codes: more than 20,000, the limit for a codebook" in problem(text)


def test_the_code_limit_counts_codes_at_every_level(monkeypatch: pytest.MonkeyPatch) -> None:
    from qualcode.importers import codebook_yaml

    monkeypatch.setattr(codebook_yaml, "MAX_CODEBOOK_CODES", 3)
    three = codes("  - name: A\n    codes:\n      - name: B\n        codes: [{name: C}]\n")
    assert len(parse_codebook(three, ORIGIN).codes[0].children[0].children) == 1
    four = three + "  - name: D\n"
    assert "more than 3, the limit" in problem(four)


def _nested(levels: int) -> str:
    lines = ["name: Deep", "codes:"]
    for level in range(levels):
        indent = "  " * (2 * level)
        lines.append(f"{indent}  - name: Level {level + 1}")
        if level + 1 < levels:
            lines.append(f"{indent}    codes:")
    lines[-1] += "\n    keywords: [deepest]".replace("\n    ", "\n" + "  " * (2 * levels))
    return "\n".join(lines) + "\n"


def test_codes_may_nest_fifty_levels_deep_but_no_deeper() -> None:
    deepest = parse_codebook(_nested(50), ORIGIN).codes[0]
    for _ in range(49):
        deepest = deepest.children[0]
    assert (deepest.name, deepest.keywords) == ("Level 50", ("deepest",))
    assert "codes may sit at most 50 levels deep" in problem(_nested(51))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("definition", r'"Clears the screen \e[2J here"'),
        ("include", r'"Clipboard \e]52;c;ZXZpbA==\a"'),
        ("example", r'"CSI \u009b31m red"'),
        ("exclude", r'"Delete \x7f"'),
    ],
)
def test_control_characters_in_code_texts_are_refused(field: str, value: str) -> None:
    message = problem(codes(f"  - name: A\n    {field}: {value}\n"))
    assert f"line 4, code 'A': {field} contains control characters" in message
    assert "\x1b" not in message and "\x9b" not in message and "\x7f" not in message


def test_control_characters_in_the_description_are_refused() -> None:
    message = problem('name: T\ndescription: "Bell \\a"\n')
    assert "line 2, top level: description contains control characters (U+0007)" in message


def test_tabs_and_line_breaks_in_code_texts_are_kept() -> None:
    text = codes('  - name: A\n    definition: "one\\ttwo\\nthree"\n')
    assert parse_codebook(text, ORIGIN).codes[0].definition == "one\ttwo\nthree"


def test_a_raw_control_character_deep_in_the_file_is_refused(tmp_path: Path) -> None:
    body = "".join(f"  - name: Code {n}\n    definition: Passages about {n}.\n" for n in range(400))
    assert len(body) > 10_000
    path = tmp_path / "late.yaml"
    path.write_text(codes(body + "  - name: Last\n    definition: a\x9bb\n"), encoding="utf-8")
    with pytest.raises(InputFileError, match="is not valid YAML"):
        read_codebook(path)
