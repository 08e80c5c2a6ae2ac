"""Plain-text and Markdown transcripts: speaker turns and their offsets."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.importers import read_transcript

INTERVIEW = """\
Study: Mental health involvement in partnerships
Date: 12 March 2023
Location: online

[00:00:05] Interviewer: Thanks for joining. Could you tell me about your role?
[00:00:12] P3: I lead the housing team.

We work with people facing multiple disadvantage.
[00:01:40] Interviewer: And the mental health trust?
(00:01:52) P3: Honestly, they are rarely at the table.
Note: see 10:30 in the recording, and https://example.org/notes
00:03:12 Interviewer: Thank you.
"""


def write(tmp_path: Path, text: str, name: str = "interview.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_txt_turns_offsets_and_timestamps(tmp_path, utterances):
    parsed = read_transcript(write(tmp_path, INTERVIEW))
    assert parsed.text == INTERVIEW
    assert parsed.format == "txt"
    assert parsed.original_name == "interview.txt"
    assert utterances(parsed) == [
        ("Interviewer", "Thanks for joining. Could you tell me about your role?"),
        ("P3", "I lead the housing team.\n\nWe work with people facing multiple disadvantage."),
        ("Interviewer", "And the mental health trust?"),
        (
            "P3",
            "Honestly, they are rarely at the table.\n"
            "Note: see 10:30 in the recording, and https://example.org/notes",
        ),
        ("Interviewer", "Thank you."),
    ]
    assert [turn.start_time for turn in parsed.turns] == [5.0, 12.0, 100.0, 112.0, 192.0]
    assert all(turn.end_time is None for turn in parsed.turns)


def test_header_lines_are_in_text_but_in_no_turn(tmp_path):
    parsed = read_transcript(write(tmp_path, INTERVIEW))
    first = parsed.turns[0]
    assert parsed.text[: first.start].startswith("Study: Mental health")
    assert {turn.speaker for turn in parsed.turns} == {"Interviewer", "P3"}


def test_question_and_answer_labels(tmp_path, utterances):
    text = (
        "Q: How did the partnership start?\nA: With a steering group.\n"
        "Q: Who chaired it?\nA: The housing lead.\n"
    )
    parsed = read_transcript(write(tmp_path, text))
    assert utterances(parsed) == [
        ("Q", "How did the partnership start?"),
        ("A", "With a steering group."),
        ("Q", "Who chaired it?"),
        ("A", "The housing lead."),
    ]


def test_multi_word_labels_count_when_used_twice(tmp_path, utterances):
    text = (
        "Focus group, area G\n\n"
        "Dr Helen Brook: Shall we start?\n"
        "Housing lead: Yes.\n"
        "Peer researcher: What gets in the way?\n"
        "Housing lead: Thresholds. Too complex for primary care: too low for secondary.\n"
        "Dr Helen Brook: Thank you.\n"
        "Peer researcher: Thanks.\n"
    )
    parsed = read_transcript(write(tmp_path, text))
    assert [speaker for speaker, _ in utterances(parsed)] == [
        "Dr Helen Brook",
        "Housing lead",
        "Peer researcher",
        "Housing lead",
        "Dr Helen Brook",
        "Peer researcher",
    ]
    assert utterances(parsed)[3][1] == (
        "Thresholds. Too complex for primary care: too low for secondary."
    )


def test_one_off_labels_after_the_conversation_starts(tmp_path, utterances):
    """Someone who speaks once in a focus group is a speaker; a note or heading is not."""
    text = (
        "Focus group, area G\n"
        "Recorded by: Sam\n\n"
        "Facilitator: Welcome everyone.\n\n"
        "Ann: We have no time at all, none.\n"
        "Note: see 10:30 in the recording.\n\n"
        "Bo: Same here.\n\n"
        "Duration: 45 minutes\n\n"
        "Partner from in-depth research area: Five words is too long for a one-off.\n"
    )
    assert utterances(read_transcript(write(tmp_path, text))) == [
        ("Facilitator", "Welcome everyone."),
        ("Ann", "We have no time at all, none.\nNote: see 10:30 in the recording."),
        (
            "Bo",
            "Same here.\n\nDuration: 45 minutes\n\n"
            "Partner from in-depth research area: Five words is too long for a one-off.",
        ),
    ]


def test_metadata_block_with_speaker_names_is_not_turns(tmp_path, utterances):
    text = (
        "Date: 4 May 2023\n"
        "Interviewer: Jane Smith\n"
        "Participant: P7\n"
        "\n"
        "Interviewer: Thanks for coming.\n"
        "Participant: No problem.\n"
    )
    assert utterances(read_transcript(write(tmp_path, text))) == [
        ("Interviewer", "Thanks for coming."),
        ("Participant", "No problem."),
    ]


def test_label_alone_on_its_line_and_spelling_unified(tmp_path, utterances):
    text = "INTERVIEWER:\n  Tell me more.\n\nP1:   It was hard.\ninterviewer: Why?\n"
    assert utterances(read_transcript(write(tmp_path, text))) == [
        ("INTERVIEWER", "Tell me more."),
        ("P1", "It was hard."),
        ("INTERVIEWER", "Why?"),
    ]


def test_timestamp_between_label_and_colon(tmp_path, utterances):
    text = "Interviewer (00:00:03): Hello.\nRespondent [01:02]: Hi there.\n"
    parsed = read_transcript(write(tmp_path, text))
    assert utterances(parsed) == [("Interviewer", "Hello."), ("Respondent", "Hi there.")]
    assert [turn.start_time for turn in parsed.turns] == [3.0, 62.0]


def test_markdown_bold_labels_and_text_kept_as_is(tmp_path, utterances):
    text = (
        "# Interview 4, area L\n\n"
        "**Interviewer:** What helped?\n\n"
        "**Mental health partner**: *Honestly*, a named contact.\n\n"
        "- and time\n"
        "**Interviewer:** Thanks.\n"
    )
    parsed = read_transcript(write(tmp_path, text, "notes.MD"))
    assert parsed.format == "md"
    assert parsed.text == text
    assert utterances(parsed) == [
        ("Interviewer", "What helped?"),
        ("Mental health partner", "*Honestly*, a named contact.\n\n- and time"),
        ("Interviewer", "Thanks."),
    ]


def test_unlabelled_text_is_one_turn_per_paragraph(tmp_path, utterances):
    text = "  A written answer about access.\nSecond line.\n\n\n  Another paragraph.  \n"
    assert utterances(read_transcript(write(tmp_path, text))) == [
        (None, "A written answer about access.\nSecond line."),
        (None, "Another paragraph."),
    ]


def test_sentences_with_colons_are_not_labels(tmp_path, utterances):
    text = (
        "I think the answer is: no.\n"
        "I think the answer is: yes.\n"
        "at 10:30: we met\n"
        "https://example.org: link\n"
    )
    parsed = read_transcript(write(tmp_path, text))
    assert utterances(parsed) == [(None, text.strip())]


def test_suffix_is_case_insensitive(tmp_path, utterances):
    parsed = read_transcript(write(tmp_path, "Q: Hi?\nA: Hello.\n", "INTERVIEW.TXT"))
    assert parsed.format == "txt"
    assert utterances(parsed) == [("Q", "Hi?"), ("A", "Hello.")]


def test_header_with_separator_and_one_off_participant_line(tmp_path, utterances):
    text = (
        "Study: Mental health services and multiple disadvantage\n"
        "Local area: G\n"
        'Participant: "Dean" (pseudonym)\n'
        "Participants: Peer researcher; Dean\n"
        "----------------------------------------\n"
        "\n"
        "Peer researcher: Is that on? Little light's on.\n"
        "\n"
        "Dean: Yeah, it's fine.\n"
        "\n"
        "Peer researcher: Great.\n"
        "\n"
        "Dean: Go on then.\n"
    )
    parsed = read_transcript(write(tmp_path, text))
    assert utterances(parsed) == [
        ("Peer researcher", "Is that on? Little light's on."),
        ("Dean", "Yeah, it's fine."),
        ("Peer researcher", "Great."),
        ("Dean", "Go on then."),
    ]
    assert parsed.text[: parsed.turns[0].start].endswith("-\n\nPeer researcher: ")


def test_known_label_speaking_once_inside_the_conversation_is_kept(tmp_path, utterances):
    text = "Interviewer: Hello.\nP1: Hi.\nInterviewer: And you?\nP2: Hello there.\n"
    assert [s for s, _ in utterances(read_transcript(write(tmp_path, text)))] == [
        "Interviewer",
        "P1",
        "Interviewer",
        "P2",
    ]


@pytest.mark.parametrize("separator", ["----\n", ""], ids=["separator", "no-separator"])
def test_header_typed_straight_above_the_first_turn_keeps_it(tmp_path, utterances, separator):
    text = (
        f"Study: test\nDate: 1 March 2023\n{separator}"
        "Interviewer: What gets in the way?\n\n"
        "Sam: Honestly we just have no time.\n\n"
        "Interviewer: And what helps?\n\n"
        "Sam: The navigator role.\n"
    )
    assert [s for s, _ in utterances(read_transcript(write(tmp_path, text)))] == [
        "Interviewer",
        "Sam",
        "Interviewer",
        "Sam",
    ]
