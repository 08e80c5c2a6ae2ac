"""Hostile content anywhere in a file (issue 11): control characters, disguised XML
parts of a .docx, caption cues that end before they start.

Every file is built here in tmp_path; the hostile bytes sit past the first 10,000,
where a check that reads only the start of a file never looks.
"""

from __future__ import annotations

import pytest

from qualcode.importers import read_participants, read_transcript
from qualcode.importers.zip_safety import check_office_zip
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
from tests.importers.conftest import write_zip

# Clear the screen, write the clipboard (OSC 52, ended by BEL), a one-byte CSI, DEL.
HOSTILE = "\x1b[2J\x1b]52;c;ZXZpbA==\x07\x9b31m\x7f"
CONTROLS = ("\x1b", "\x07", "\x9b", "\x7f", "\x00", "\x0c")
FILLER = "Interviewer: How was the week?\n\nSam: It was long, and the team was thin.\n\n"


def _no_controls(text: str) -> None:
    found = [ch for ch in CONTROLS if ch in text]
    assert not found, f"control characters stored: {found!r}"


def _late(hostile: str = HOSTILE) -> str:
    """A transcript whose hostile part starts past byte 10,000."""
    text = FILLER * (10_500 // len(FILLER) + 1)
    assert len(text.encode("utf-8")) > 10_000
    return text + f"Sam: I said {hostile}enough.\n"


# --- control characters: removed from the whole file, with a note ---------------------


def test_controls_past_byte_10000_are_removed_and_noted(tmp_path, utterances):
    path = tmp_path / "late.txt"
    path.write_text(_late(), encoding="utf-8")
    parsed = read_transcript(path)
    _no_controls(parsed.text)
    # Offsets are computed on the cleaned text: the last turn reads cleanly.
    assert utterances(parsed)[-1] == ("Sam", "I said [2J]52;c;ZXZpbA==31menough.")
    assert parsed.notes == (
        "removed 5 control characters (invisible codes such as escape sequences, "
        "which are not part of the text)",
    )


def test_a_clean_file_has_no_note(tmp_path):
    path = tmp_path / "clean.txt"
    path.write_text(FILLER, encoding="utf-8")
    assert read_transcript(path).notes == ()


def test_utf16_and_markdown_are_cleaned_too(tmp_path):
    utf16 = tmp_path / "notepad.txt"
    utf16.write_text(_late(), encoding="utf-16")
    markdown = tmp_path / "notes.md"
    markdown.write_text(_late("\x1b[31m"), encoding="utf-8")
    for path in (utf16, markdown):
        parsed = read_transcript(path)
        _no_controls(parsed.text)
        assert parsed.notes


def test_form_feed_and_vertical_tab_are_line_breaks(tmp_path, utterances):
    path = tmp_path / "paged.txt"
    path.write_bytes(b"Interviewer: Page one.\x0cSam: Page two.\x0bStill Sam.\n")
    parsed = read_transcript(path)
    assert parsed.text == "Interviewer: Page one.\nSam: Page two.\nStill Sam.\n"
    assert parsed.notes == ()  # nothing was taken out
    assert utterances(parsed) == [("Interviewer", "Page one."), ("Sam", "Page two.\nStill Sam.")]


def test_a_binary_stretch_late_in_a_text_file_is_refused(tmp_path, expect_refusal):
    path = tmp_path / "spliced.txt"
    path.write_bytes(_late("").encode("utf-8") + bytes(range(1, 9)) * 600)
    expect_refusal(read_transcript, path, "binary file, not text")


def test_controls_in_captions_are_removed(tmp_path):
    vtt = tmp_path / "call.vtt"
    cues = "".join(
        f"{n}\n00:00:{n % 60:02d}.000 --> 00:00:{n % 60:02d}.500\n<v Sam>Word {n}</v>\n\n"
        for n in range(300)
    )
    vtt.write_text(
        f"WEBVTT\n\n{cues}9999\n00:10:00.000 --> 00:10:01.000\n<v Sam>Bye {HOSTILE}</v>\n",
        encoding="utf-8",
    )
    srt = tmp_path / "call.srt"
    srt.write_text(
        "1\n00:00:01,000 --> 00:00:02,000\nSam: " + "word " * 2500 + f"{HOSTILE}end\n",
        encoding="utf-8",
    )
    for path in (vtt, srt):
        parsed = read_transcript(path)
        _no_controls(parsed.text)
        assert parsed.notes and parsed.notes[0].startswith("removed 5 control characters")


def test_controls_in_a_word_document_are_removed(make_docx, utterances):
    # XML 1.0 allows C1 controls and DEL in a document, so a .docx can carry them.
    paragraphs = [f"Interviewer: Question {n}?" for n in range(400)]
    path = make_docx([*paragraphs, "Sam: Fine\x9b2J and\x7f you?"])
    parsed = read_transcript(path)
    _no_controls(parsed.text)
    assert utterances(parsed)[-1] == ("Sam", "Fine2J and you?")
    assert parsed.notes and parsed.notes[0].startswith("removed 2 control characters")


def test_controls_in_a_participants_csv_are_removed(tmp_path):
    rows = "".join(f"P{n},Group {n % 3}\n" for n in range(1200))
    path = tmp_path / "people.csv"
    path.write_text(f"case,group\n{rows}P\x1b[2J9999,Peer\x9b\n", encoding="utf-8")
    sheet = read_participants(path)
    last = sheet.rows[-1]
    assert (last.case, last.attributes["stakeholder_group"]) == ("P[2J9999", "Peer")
    assert sheet.notes and sheet.notes[0].startswith("removed 2 control characters")


def test_controls_in_a_participants_workbook_are_removed(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["case", "group"])
    sheet.append(["P1\x9b2J", "Peer\x7f"])  # openpyxl refuses C0 in cells, not C1 or DEL
    path = tmp_path / "people.xlsx"
    workbook.save(path)
    read = read_participants(path)
    assert (read.rows[0].case, read.rows[0].attributes["stakeholder_group"]) == ("P12J", "Peer")
    assert read.notes and read.notes[0].startswith("removed 2 control characters")


def test_import_summary_names_the_file_and_stored_names_are_clean(tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    path = folder / "sam\x1b]0;owned\x07.txt"
    path.write_text(_late(), encoding="utf-8")
    with Project.create(tmp_path / "study.qcp") as project, project.session() as session:
        service = SourceService(session, "Tester")
        report = service.import_files([path])
        assert report.imported == ("sam]0;owned",)
        assert report.warnings == (
            f"{path}: removed 5 control characters (invisible codes such as escape "
            "sequences, which are not part of the text)",
        )
        _no_controls(service.text("sam]0;owned"))
        (source,) = service.list_sources()
        assert source.original_filename == "sam]0;owned.txt"


# --- .docx: every part parsed as XML is checked, whatever its name --------------------

_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    + "]><lolz>&lol9;</lolz>"
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DOCUMENT = f'<?xml version="1.0"?><w:document xmlns:w="{_W}"><w:body/></w:document>'
_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_RELS = (
    '<?xml version="1.0"?><Relationships '
    'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="word/document.bin" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
)


def _content_types(*entries: str) -> str:
    return (
        '<?xml version="1.0"?><Types '
        'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        + "".join(entries)
        + "</Types>"
    )


def test_main_document_named_bin_with_entity_bomb_is_refused(
    tmp_path, expect_refusal, no_python_docx
):
    path = write_zip(
        tmp_path / "renamed.docx",
        {
            "[Content_Types].xml": _content_types(
                f'<Override PartName="/word/document.bin" ContentType="{_MAIN}"/>'
            ),
            "_rels/.rels": _RELS,
            "word/document.xml": _DOCUMENT,  # a decoy: .rels points at document.bin
            "word/document.bin": _LAUGHS,
        },
    )
    expect_refusal(read_transcript, path, "unsafe XML in word/document.bin: it declares a DOCTYPE")


def test_part_declared_xml_by_its_extension_is_checked(tmp_path, expect_refusal, no_python_docx):
    path = write_zip(
        tmp_path / "custom.docx",
        {
            "[Content_Types].xml": _content_types(
                '<Default Extension="dat" ContentType="application/xml"/>'
            ),
            "word/document.xml": _DOCUMENT,
            "customXml/item1.DAT": _LAUGHS,
        },
    )
    expect_refusal(read_transcript, path, "unsafe XML in customXml/item1.DAT")


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbf \r\n\t" + _LAUGHS.encode(),
        ("\ufeff\n" + _LAUGHS).encode("utf-16-le"),
        _LAUGHS.encode("utf-16-be"),
        b" " * 5000 + _LAUGHS.encode(),
    ],
    ids=["utf8-bom-spaces", "utf16le-bom", "utf16be-no-bom", "long-indent"],
)
def test_undeclared_part_that_looks_like_xml_is_checked(
    tmp_path, expect_refusal, no_python_docx, data
):
    members = {"word/document.xml": _DOCUMENT, "word/odd-name": data}
    path = write_zip(
        tmp_path / "sniffed.docx", {"[Content_Types].xml": _content_types(), **members}
    )
    expect_refusal(read_transcript, path, "unsafe XML in word/odd-name")


def test_undeclared_binary_part_that_starts_like_xml_is_let_through(tmp_path):
    # An embedded font's first bytes are scrambled and may begin with "<": not XML.
    path = write_zip(
        tmp_path / "font.docx",
        {
            "[Content_Types].xml": _content_types(),
            "word/document.xml": _DOCUMENT,
            "word/fonts/font1.odttf": b"<\x8f\x01\xfe" + bytes(range(256)) * 8,
            "word/media/image1.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
        },
    )
    check_office_zip(path, required="word/document.xml", kind="Word")


def test_damaged_content_types_is_refused(tmp_path, expect_refusal, no_python_docx):
    path = write_zip(
        tmp_path / "types.docx",
        {"[Content_Types].xml": "<Types><Default", "word/document.xml": _DOCUMENT},
    )
    expect_refusal(read_transcript, path, "damaged XML in [Content_Types].xml")


# --- caption cues must not end before they start --------------------------------------


def test_vtt_cue_ending_before_it_starts_is_refused(tmp_path, expect_refusal):
    path = tmp_path / "backwards.vtt"
    path.write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello.\n\n"
        "intro\n00:00:05.000 --> 00:00:04.500\nBackwards.\n",
        encoding="utf-8",
    )
    error = expect_refusal(read_transcript, path, "cue 2 (line 7) ends before it starts")
    assert "(00:00:05.000 --> 00:00:04.500)" in error.reason


def test_srt_cue_ending_before_it_starts_is_refused(tmp_path, expect_refusal):
    path = tmp_path / "backwards.srt"
    path.write_text(
        "1\n00:00:01,000 --> 00:00:02,000\nHello.\n\n2\n00:01:00,000 --> 00:00:59,999\nNo.\n",
        encoding="utf-8",
    )
    expect_refusal(
        read_transcript,
        path,
        "cue 2 (line 6) ends before it starts (00:01:00,000 --> 00:00:59,999)",
    )


def test_zero_length_cues_are_allowed(tmp_path, utterances):
    path = tmp_path / "instant.srt"
    path.write_text(
        "1\n00:00:01,000 --> 00:00:01,000\nSam: Yes.\n\n2\n00:00:01,000 --> 00:00:03,000\n"
        "Sam: Right.\n",
        encoding="utf-8",
    )
    parsed = read_transcript(path)
    assert utterances(parsed) == [("Sam", "Yes. Right.")]
    assert (parsed.turns[0].start_time, parsed.turns[0].end_time) == (1.0, 3.0)
