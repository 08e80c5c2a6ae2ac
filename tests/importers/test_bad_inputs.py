"""Every bad transcript is refused with one line naming the file and the reason.

All hostile files are built here in tmp_path; nothing binary is committed.
"""

from __future__ import annotations

import io
import random
import time
import zipfile

import pytest

from qualcode.importers import read_transcript
from tests.importers.conftest import write_zip

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)
DOC_OPEN = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body>"
)
DOC_CLOSE = "</w:body></w:document>"






# --- any text format ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty.txt", b""),
        ("blank.txt", b"  \r\n\t\n   \n"),
        ("bom-only.md", b"\xef\xbb\xbf\n"),
        ("blank16.txt", "\ufeff \n \n".encode("utf-16")),
        ("empty.srt", b""),
    ],
)
def test_empty_or_whitespace_only(tmp_path, expect_refusal, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    expect_refusal(read_transcript, path, "the file is empty")


def test_png_renamed_txt_is_binary(tmp_path, expect_refusal):
    noise = random.Random(7).randbytes(4000)
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + noise)
    expect_refusal(read_transcript, path, "binary file, not text")


def test_zip_renamed_txt_is_binary(tmp_path, expect_refusal):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("notes.txt", "Interviewer: hello\n" * 50)
    path = tmp_path / "archive.txt"
    path.write_bytes(buffer.getvalue())
    expect_refusal(read_transcript, path, "binary file, not text")


def test_control_characters_without_nuls_are_binary(tmp_path, expect_refusal):
    path = tmp_path / "odd.txt"
    path.write_bytes(bytes(random.Random(3).choice(range(1, 9)) for _ in range(500)))
    expect_refusal(read_transcript, path, "binary file, not text")


def test_undecodable_text(tmp_path, expect_refusal):
    path = tmp_path / "odd.txt"
    path.write_bytes(b"Interviewer: caf\x81\x8d and more\n")
    expect_refusal(read_transcript, path, "cannot decode text (tried UTF-8, UTF-16, Windows-1252)")


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path, expect_refusal):
    path = tmp_path / "long.txt"
    path.write_text("Interviewer: hello\n" * 200)
    error = expect_refusal(
        lambda p: read_transcript(p, max_bytes=1000), path, "file is too large ("
    )
    assert error.reason == "file is too large (4 kB; the limit is 1000 bytes)"


def test_docx_over_the_size_limit(make_docx, expect_refusal, no_python_docx):
    path = make_docx(["Interviewer: hello"])
    expect_refusal(lambda p: read_transcript(p, max_bytes=2048), path, "file is too large")


def test_unknown_extension(tmp_path, expect_refusal):
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.4")
    error = expect_refusal(read_transcript, path, "unsupported file type")
    assert error.reason == (
        "unsupported file type '.pdf' (qualcode imports .docx, .md, .srt, .txt, .vtt)"
    )


def test_missing_file_and_folder(tmp_path, expect_refusal):
    expect_refusal(read_transcript, tmp_path / "gone.txt", "file not found")
    folder = tmp_path / "folder.docx"
    folder.mkdir()
    expect_refusal(read_transcript, folder, "is a folder, not a file")


# --- Word ----------------------------------------------------------------------


def test_truncated_docx(make_docx, expect_refusal, no_python_docx):
    path = make_docx(["Interviewer: hello", "P1: hi"])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    expect_refusal(read_transcript, path, "not a valid Word file (damaged or truncated zip)")


def test_text_file_renamed_docx(tmp_path, expect_refusal, no_python_docx):
    path = tmp_path / "notes.docx"
    path.write_text("Interviewer: hello\n")
    expect_refusal(read_transcript, path, "not a valid Word file (damaged or truncated zip)")


def test_old_word_or_password_protected_file(tmp_path, expect_refusal, no_python_docx):
    path = tmp_path / "old.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    expect_refusal(read_transcript, path, "an old-style or password-protected Word file")


def test_docx_without_document_xml(tmp_path, expect_refusal, no_python_docx):
    path = write_zip(tmp_path / "hollow.docx", {"[Content_Types].xml": CONTENT_TYPES})
    expect_refusal(read_transcript, path, "not a Word document: word/document.xml is missing")


def test_docx_zip_bomb_is_refused_quickly_without_python_docx(
    tmp_path, expect_refusal, no_python_docx
):
    paragraph = "<w:p><w:r><w:t>" + "a" * 200 + "</w:t></w:r></w:p>"
    body = DOC_OPEN + paragraph * (31 * 1024 * 1024 // len(paragraph)) + DOC_CLOSE
    path = write_zip(
        tmp_path / "bomb.docx",
        {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": body},
    )
    assert path.stat().st_size < 150 * 1024
    started = time.perf_counter()
    error = expect_refusal(read_transcript, path, "looks like a zip bomb: ")
    assert time.perf_counter() - started < 1.0
    assert "word/document.xml expands to 31 MB" in error.reason


def test_docx_many_parts_adding_up_past_the_limit(tmp_path, expect_refusal, no_python_docx):
    part = "x" * (900 * 1024)  # each under 1 MB, so only the total gives it away
    members: dict[str, str | bytes] = {
        "[Content_Types].xml": CONTENT_TYPES,
        "word/document.xml": DOC_OPEN + DOC_CLOSE,
    }
    members.update({f"word/media/part{i}.bin": part for i in range(40)})
    path = write_zip(tmp_path / "many.docx", members)
    error = expect_refusal(read_transcript, path, "looks like a zip bomb: its contents expand to")
    assert "the limit is 30 MB" in error.reason


def test_docx_with_too_many_parts(tmp_path, expect_refusal, no_python_docx):
    members: dict[str, str | bytes] = {"word/document.xml": DOC_OPEN + DOC_CLOSE}
    members.update({f"word/p{i}.bin": b"" for i in range(10_001)})
    path = write_zip(tmp_path / "crowded.docx", members)
    expect_refusal(read_transcript, path, "parts inside")


@pytest.mark.parametrize("part", ["word/document.xml", "word/styles.xml"])
def test_docx_entity_bomb_is_refused(tmp_path, expect_refusal, no_python_docx, part):
    lol = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    hostile = f'<?xml version="1.0"?><!DOCTYPE lolz [{lol}]><lolz>&lol9;</lolz>'
    members: dict[str, str | bytes] = {
        "[Content_Types].xml": CONTENT_TYPES,
        "word/document.xml": DOC_OPEN + DOC_CLOSE,
    }
    members[part] = hostile
    path = write_zip(tmp_path / "laughs.docx", members)
    expect_refusal(read_transcript, path, f"unsafe XML in {part}: it declares a DOCTYPE")


def test_utf16_xml_with_doctype_is_still_seen(tmp_path, expect_refusal, no_python_docx):
    hostile = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'
    path = write_zip(
        tmp_path / "sly.docx",
        {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": hostile.encode("utf-16")},
    )
    expect_refusal(read_transcript, path, "unsafe XML in word/document.xml")


def test_docx_with_no_text(make_docx, expect_refusal):
    path = make_docx(["", "   ", ""])
    expect_refusal(read_transcript, path, "the file is empty")


def test_docx_that_python_docx_cannot_read(tmp_path, expect_refusal):
    path = write_zip(
        tmp_path / "odd.docx",
        {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": DOC_OPEN + DOC_CLOSE},
    )
    expect_refusal(read_transcript, path, "not a valid Word file (")
