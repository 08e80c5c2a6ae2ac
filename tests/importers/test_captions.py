"""Caption transcripts from video calls: Teams and Zoom WebVTT, and SubRip."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.importers import read_transcript

TEAMS = """\
WEBVTT
Kind: captions

NOTE
Recorded in Teams; names changed.

STYLE
::cue { color: yellow }

6f1a2b3c-1f2e-4c3d-9a8b-1234567890ab/12-0
00:00:01.000 --> 00:00:04.000 align:start position:10%
<v Helen Brook>Thanks &amp; welcome,</v>

6f1a2b3c-1f2e-4c3d-9a8b-1234567890ab/13-0
00:00:04.500 --> 00:00:06.250
<v Helen Brook>everyone <c.yellow>here</c>.</v>

00:06.300 --> 00:09.000
<v.loud Sam Jones><i>Thanks</i>&nbsp;<00:00:07.000>Helen &lt;3</v>

01:00:10.000 --> 01:00:12.000
<v Helen Brook>Last
line.</v>
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_teams_vtt_voices_merge_and_tags_are_stripped(tmp_path, utterances):
    parsed = read_transcript(write(tmp_path, "call.vtt", TEAMS))
    assert parsed.format == "vtt"
    assert parsed.text == (
        "Helen Brook: Thanks & welcome, everyone here.\n\n"
        "Sam Jones: Thanks Helen <3\n\n"
        "Helen Brook: Last line."
    )
    assert utterances(parsed) == [
        ("Helen Brook", "Thanks & welcome, everyone here."),
        ("Sam Jones", "Thanks Helen <3"),
        ("Helen Brook", "Last line."),
    ]
    times = [(turn.start_time, turn.end_time) for turn in parsed.turns]
    assert times == [(1.0, 6.25), (6.3, 9.0), (3610.0, 3612.0)]


def test_zoom_vtt_names_in_cue_text(tmp_path, utterances):
    zoom = """\
WEBVTT

1
00:00:02.000 --> 00:00:05.000
Dr. Helen Brook: Can everyone hear me?

2
00:00:05.500 --> 00:00:07.000
Peer Researcher 2: Yes: loud and clear.

3
00:00:07.000 --> 00:00:09.000
Peer Researcher 2: Shall I start?

4
00:00:09.000 --> 00:00:10.000
Ade: Go on.
"""
    parsed = read_transcript(write(tmp_path, "zoom.vtt", zoom))
    assert utterances(parsed) == [
        ("Dr. Helen Brook", "Can everyone hear me?"),
        ("Peer Researcher 2", "Yes: loud and clear. Shall I start?"),
        ("Ade", "Go on."),
    ]
    assert parsed.turns[1].start_time == 5.5
    assert parsed.turns[1].end_time == 9.0


def test_srt_tolerates_bom_crlf_missing_numbers_and_blank_lines(tmp_path, utterances):
    srt = (
        "\ufeff1\r\n00:00:01,000 --> 00:00:02,500\r\nHelen Brook: Hello there\r\n\r\n\r\n\r\n"
        "2\r\n00:00:02,500 --> 00:00:04,000\r\nHelen Brook: and welcome.\r\n\r\n"
        "00:00:04,000 --> 00:00:05,000\r\nSam: Thanks.\r\n\r\n"
        "4\r\n00:00:05,000 --> 00:00:06,000\r\nSam: More\r\nwords\r\n"
    )
    path = tmp_path / "call.srt"
    path.write_bytes(srt.encode("utf-8"))
    parsed = read_transcript(path)
    assert parsed.format == "srt"
    assert parsed.text == "Helen Brook: Hello there and welcome.\n\nSam: Thanks. More words"
    assert utterances(parsed) == [
        ("Helen Brook", "Hello there and welcome."),
        ("Sam", "Thanks. More words"),
    ]
    assert [(t.start_time, t.end_time) for t in parsed.turns] == [(1.0, 4.0), (4.0, 6.0)]


def test_cue_without_a_name_continues_the_previous_speaker(tmp_path, utterances):
    srt = (
        "1\n00:00:01,000 --> 00:00:02,000\nInterviewer: What helped most?\n\n"
        "2\n00:00:02,000 --> 00:00:03,000\nP4: Having one named worker,\n\n"
        "3\n00:00:03,000 --> 00:00:04,000\nwho actually rang back.\n\n"
        "4\n00:00:04,000 --> 00:00:05,000\nInterviewer: Thanks.\n"
    )
    assert utterances(read_transcript(write(tmp_path, "a.srt", srt))) == [
        ("Interviewer", "What helped most?"),
        ("P4", "Having one named worker, who actually rang back."),
        ("Interviewer", "Thanks."),
    ]


def test_captions_without_speakers_are_one_turn(tmp_path, utterances):
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nhello\n\n00:02.000 --> 00:03.000\nworld\n"
    parsed = read_transcript(write(tmp_path, "auto.vtt", vtt))
    assert parsed.text == "hello world"
    assert utterances(parsed) == [(None, "hello world")]


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("a.vtt", "00:01.000 --> 00:02.000\nhello\n", "not a WebVTT file: missing WEBVTT header"),
        ("b.vtt", "WEBVTT\n\nNOTE nothing here\n", "no captions found"),
        ("c.srt", "just some words\n", "no captions found"),
        ("d.srt", "1\n00:00:01,000 --> 00:00:02,000\n<i></i>\n", "no words"),
    ],
)
def test_bad_caption_files(tmp_path, expect_refusal, name, text, reason):
    expect_refusal(read_transcript, write(tmp_path, name, text), reason)
