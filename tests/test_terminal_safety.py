"""No control sequence from a transcript, a name, a memo or a file name reaches the
terminal through the command line (issue 11): one sanitiser, one way to print."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from qualcode.cli import cli
from qualcode.domain.records import Codebook, CodebookEntry
from qualcode.domain.review import SpanAnchor
from qualcode.domain.terminal import UNSAFE_CODE_POINTS, json_escape, printable
from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.memos import MemoService
from qualcode.services.project import Project
from qualcode.services.review import ReviewService
from qualcode.services.sources import SourceService
from qualcode.store.models import Source, SpeakerTurn

PACKAGE = Path(__file__).resolve().parents[1] / "qualcode"

CLIPBOARD = "\x1b]52;c;ZXZpbA==\x07"  # OSC 52: write "evil" to the clipboard
CLEAR = "\x1b[2J"  # clear the screen
TITLE = "\x1b]0;pwned\x07"  # OSC 0: set the window title
C1 = "\x9b2J\x9d0;t\x9c"  # the same with 8-bit C1 controls (CSI, OSC, ST)
BIDI = "\u202eevil\u202c"  # right-to-left override: reorders what a reader sees
PAYLOAD = CLIPBOARD + CLEAR + TITLE + C1 + BIDI
FORBIDDEN = ("\x1b", "\x07", "\x9b", "\x9d", "\x9c", "\u202e")

SOURCE = "hostile" + CLEAR + "\x9b"
CODER_A = "Ann" + TITLE
CODER_B = "Bo" + C1
CODE = "Risk" + CLIPBOARD
SPEAKER = "Sam" + CLEAR
LINE = "we have no time " + PAYLOAD + " at all"
TEXT = f"Interviewer: What gets in the way?\n\nSam: {LINE}. The trust is huge.\n"


def build_hostile_project(path: Path, tmp: Path) -> dict[str, object]:
    """A project where every kind of user text carries control sequences: a source
    name, its text, a speaker, a code name and definition, two coders, coding memos,
    a memo and a review thread. Written behind the importers' back (they may refuse
    such files), as a project received from someone else could hold them."""
    codebook = Codebook(
        name="Book" + CLEAR,
        description="",
        codes=(
            CodebookEntry(
                name="Barriers",
                uuid="11111111-1111-4111-8111-111111111111",
                children=(
                    CodebookEntry(
                        name=CODE,
                        uuid="11111111-1111-4111-8111-111111111113",
                        definition="defined " + PAYLOAD,
                    ),
                ),
            ),
        ),
    )
    clean = TEXT.replace(PAYLOAD, "#" * len(PAYLOAD)).replace("\u202e", "#")
    file = tmp / "hostile.txt"
    file.write_text(clean, encoding="utf-8")
    code_uuid = "11111111-1111-4111-8111-111111111113"
    with Project.create(path) as project:
        with project.session() as session:
            CodebookService(session, "Setup").import_codebook(codebook)
            SourceService(session, "Setup").import_files([file])
        with project.session() as session:
            source = session.scalars(select(Source)).one()
            source.text = TEXT
            source.name = SOURCE
            for turn in session.scalars(select(SpeakerTurn)):
                if turn.speaker == "Sam":
                    turn.speaker = SPEAKER
            session.commit()
        start = TEXT.index(LINE)
        end = start + len(LINE)
        with project.session() as session:
            CodingService(session, CODER_A).add(SOURCE, code_uuid, start, end, memo=PAYLOAD)
        with project.session() as session:
            CodingService(session, CODER_B).add(SOURCE, code_uuid, start, start + 20)
        with project.session() as session:
            MemoService(session, CODER_A).add("source", SOURCE, "memo " + PAYLOAD)
        with project.session() as session:
            ReviewService(session, CODER_A).comment(
                SpanAnchor(SOURCE, code_uuid, start, end), "comment " + PAYLOAD
            )
    return {"start": start, "end": end, "code_uuid": code_uuid}


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.qcp"
    build_hostile_project(path, tmp_path)
    return path


def run(*args: object, coder: str = "Tester") -> tuple[int, str, str]:
    # color=True: click passes text through as it does to a terminal (to a pipe it
    # would strip CSI sequences itself, hiding what a terminal user gets).
    result = CliRunner().invoke(
        cli, [str(a) for a in args], env={"QUALCODE_CODER": coder}, color=True
    )
    return result.exit_code, result.stdout, result.stderr


def assert_safe(text: str) -> None:
    found = sorted({f"U+{ord(c):04X}" for c in text if ord(c) in UNSAFE_CODE_POINTS})
    assert found == [], f"control characters reached the terminal: {found}\n{text!r}"


# --- the sanitiser -----------------------------------------------------------------------


def test_printable_replaces_every_control_one_for_one_and_keeps_tab_and_newline() -> None:
    text = "a\tb\nc" + PAYLOAD + "\r\x00\x7f\u2066x\u2069"
    shown = printable(text)
    assert len(shown) == len(text)
    assert_safe(shown)
    assert shown.startswith("a\tb\nc\u241b]52;c;ZXZpbA==\u2407\u241b[2J")
    assert shown.endswith("\u240d\u2400\u2421\ufffdx\ufffd")
    # every replaced character is a single visible one, so offsets line up
    for index, (before, after) in enumerate(zip(text, shown, strict=True)):
        if before != after:
            assert ord(before) in UNSAFE_CODE_POINTS, index
            assert after.isprintable()


def test_printable_leaves_ordinary_text_alone_and_as_the_same_object() -> None:
    text = "Ann: Não sei. \u201cWe’re fine\u201d \u05e9\u05dc\u05d5\u05dd \u200f\tend\n"
    assert printable(text) is text


def test_json_escape_keeps_the_data_exact() -> None:
    value = {"name": PAYLOAD + "\x7f", PAYLOAD: [1]}
    dumped = json_escape(json.dumps(value, ensure_ascii=False))
    assert_safe(dumped)
    assert json.loads(dumped) == value


# --- every command that prints user text ---------------------------------------------------


P = "PROJECT"  # stands for the project file in the commands below


@pytest.mark.parametrize(
    "args",
    [
        ("sources", P),
        ("sources", P, "--json"),
        ("code", "list", P),
        ("code", "list", P, "--json"),
        ("codebook", "show", P, "--definitions"),
        ("codebook", "show", P, "--json"),
        ("codebook", "export", P),
        ("memo", "list", P),
        ("memo", "list", P, "--json"),
        ("disagreements", P),
        ("disagreements", P, "--json"),
        ("review", "list", P),
        ("review", "list", P, "--json"),
        ("review", "show", P, "1"),
        ("review", "show", P, "1", "--json"),
        ("stats", P),
        ("agreement", P),
        ("agreement", P, "--json"),
    ],
    ids=lambda args: "-".join(a for a in args if a != P),
)
def test_commands_print_no_control_characters(hostile: Path, args: tuple[str, ...]) -> None:
    code, out, err = run(*(hostile if a == P else a for a in args))
    assert code == 0, out + err
    assert_safe(out)
    assert_safe(err)
    assert out.strip()


def test_text_output_shows_what_was_there_visibly(hostile: Path) -> None:
    _, out, _ = run("code", "list", hostile)
    assert "Risk\u241b]52;c;ZXZpbA==\u2407" in out
    _, out, _ = run("memo", "list", hostile)
    assert "memo \u241b]52;c;ZXZpbA==\u2407\u241b[2J" in out


def test_json_output_still_holds_the_exact_text(hostile: Path) -> None:
    _, out, _ = run("code", "list", hostile, "--json")
    codings = json.loads(out)
    assert {c["coder"] for c in codings} == {CODER_A, CODER_B}
    assert any(c["memo"] == PAYLOAD for c in codings)
    assert {c["source"] for c in codings} == {SOURCE}


def test_a_name_with_controls_can_still_be_named_on_the_command_line(hostile: Path) -> None:
    code, out, err = run("code", "list", hostile, "--source", SOURCE, "--coder", CODER_B)
    assert code == 0, err
    assert_safe(out)
    assert "1 coding(s)" in out


def test_import_of_a_file_named_with_controls(tmp_path: Path) -> None:
    project = tmp_path / "p.qcp"
    assert run("init", project)[0] == 0
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / ("x" + CLEAR + "\x9b\u202e.txt")).write_text("Ann: hello there.\n")
    code, out, err = run("import", project, folder)
    assert code == 0, err
    assert "Imported 1" in out
    assert_safe(out + err)
    code, out, err = run("import", project, folder)  # now a duplicate: the name is echoed
    assert "skipped" in out
    assert_safe(out + err)


def test_a_refused_import_names_the_file_safely(tmp_path: Path) -> None:
    project = tmp_path / "p.qcp"
    assert run("init", project)[0] == 0
    bad = tmp_path / ("bad" + TITLE + ".docx")
    bad.write_bytes(b"not a zip")
    code, out, err = run("import", project, bad)
    assert code == 1
    assert "bad\u241b]0;pwned\u2407" in err
    assert_safe(out + err)


# --- error messages ----------------------------------------------------------------------


def test_a_domain_error_quoting_a_name_is_printable(hostile: Path) -> None:
    code, out, err = run("code", "list", hostile, "--source", "nope" + CLIPBOARD + BIDI)
    assert code == 1
    assert "nope\u241b]52" in err
    assert_safe(out + err)


def test_an_error_naming_a_file_is_printable(hostile: Path, tmp_path: Path) -> None:
    not_a_folder = tmp_path / ("no" + TITLE)
    not_a_folder.write_text("a file, so nothing can be written inside it", encoding="utf-8")
    for args in (
        ("sources", tmp_path / ("gone" + TITLE) / "p.qcp"),
        ("codebook", "export", hostile, "-o", not_a_folder / "x.yaml", "--allow-unreviewed"),
    ):
        code, out, err = run(*args)
        assert code == 1
        assert "\u241b]0;pwned\u2407" in err
        assert_safe(out + err)


def test_click_usage_errors_quoting_what_was_typed_are_printable(tmp_path: Path) -> None:
    for args in (
        ("init", tmp_path / "p.qcp", "--codebook", tmp_path / ("none" + TITLE + ".yaml")),
        ("no-such-command" + CLEAR,),
        ("--no-such-option" + CLEAR,),
        ("code", "list", tmp_path / "p.qcp", "--bad" + C1),
        ("review", "decide", tmp_path / "p.qcp", "1", "--span", "x" + CLIPBOARD),
    ):
        code, out, err = run(*args)
        assert code == 2, (args, out, err)
        assert_safe(out + err)


def test_an_unexpected_error_message_is_printable(
    hostile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: object, **__: object) -> None:
        raise RuntimeError("boom " + PAYLOAD)

    monkeypatch.setattr(SourceService, "list_sources", explode)
    code, out, err = run("sources", hostile)
    assert code == 1
    assert "unexpected RuntimeError: boom \u241b]52" in err
    assert_safe(out + err)


# --- the one way to print ----------------------------------------------------------------


def test_commands_print_only_through_the_sanitising_echo() -> None:
    """click.echo, print and direct writes would bypass the sanitiser: only
    cli/common.py's low-level writer may call click.echo."""
    pattern = re.compile(
        r"\bclick\.(echo|secho|echo_via_pager)\(|(?<![\w.])print\(|"
        r"sys\.(stdout|stderr)\.write\("
    )
    found = []
    for path in sorted((PACKAGE / "cli").glob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.name}:{number}: {line.strip()}")
    assert len(found) == 1, found
    assert found[0].startswith("common.py:")
    assert found[0].endswith("click.echo(text, err=err, nl=nl)")


def test_warnings_are_printed_printable() -> None:
    from qualcode.cli import _one_line_warning

    line = _one_line_warning(UserWarning("/mnt/" + TITLE + ": on a network"), UserWarning)
    assert line == "qualcode: warning: /mnt/\u241b]0;pwned\u2407: on a network\n"
