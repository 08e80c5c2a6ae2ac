"""Text encodings and line endings: offsets index the decoded, normalised text."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from qualcode.importers import read_participants, read_transcript

SPOKEN = "Interviewer: Was it \u201cjoined up\u201d?\nP1: Not at the caf\u00e9 \u2013 never.\n"
EXPECTED = [
    ("Interviewer", "Was it \u201cjoined up\u201d?"),
    ("P1", "Not at the caf\u00e9 \u2013 never."),
]


def write_bytes(tmp_path: Path, data: bytes, name: str = "interview.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(codecs.BOM_UTF8 + SPOKEN.encode("utf-8"), id="utf-8-bom"),
        pytest.param(SPOKEN.encode("utf-8"), id="utf-8"),
        pytest.param(codecs.BOM_UTF16_LE + SPOKEN.encode("utf-16-le"), id="utf-16-le-bom"),
        pytest.param(codecs.BOM_UTF16_BE + SPOKEN.encode("utf-16-be"), id="utf-16-be-bom"),
        pytest.param(SPOKEN.encode("utf-16-le"), id="utf-16-le-no-bom"),
        pytest.param(SPOKEN.encode("utf-16-be"), id="utf-16-be-no-bom"),
        pytest.param(SPOKEN.encode("cp1252"), id="windows-1252"),
    ],
)
def test_encodings_decode_to_the_same_text(tmp_path, utterances, data):
    parsed = read_transcript(write_bytes(tmp_path, data))
    assert parsed.text == SPOKEN
    assert utterances(parsed) == EXPECTED


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "lone-cr"])
def test_line_endings_become_newlines_before_offsets(tmp_path, utterances, newline):
    data = SPOKEN.replace("\n", newline).encode("utf-8")
    parsed = read_transcript(write_bytes(tmp_path, data))
    assert "\r" not in parsed.text
    assert parsed.text == SPOKEN
    assert utterances(parsed) == EXPECTED


def test_windows_1252_csv_participants(tmp_path):
    data = "case;area;role\r\nP1;G;Caf\u00e9 worker \u2019lead\u2019\r\n".encode("cp1252")
    sheet = read_participants(write_bytes(tmp_path, data, "people.csv"))
    assert sheet.rows[0].attributes == {"area": "G", "role": "Caf\u00e9 worker \u2019lead\u2019"}


def test_utf16_vtt(tmp_path, utterances):
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Zo\u00eb Adeyemi>Hello.</v>\n"
    parsed = read_transcript(write_bytes(tmp_path, vtt.encode("utf-16"), "call.vtt"))
    assert utterances(parsed) == [("Zo\u00eb Adeyemi", "Hello.")]
