"""Speaker label rules, timestamps, and parsing time that grows linearly with size."""

from __future__ import annotations

import time

import pytest

from qualcode.importers.plain_text import parse_plain_text
from qualcode.importers.speakers import find_marks, is_known_speaker, parse_clock


@pytest.mark.parametrize(
    "label",
    [
        "Interviewer",
        "interviewee",
        "Facilitator",
        "Co-facilitator",
        "Moderator",
        "Respondent",
        "Participant 3",
        "Participant B",
        "P3",
        "P 12",
        "R",
        "R2",
        "I",
        "Q",
        "A",
        "Speaker 1",
        "Peer researcher",
        "P3 (housing lead)",
    ],
)
def test_known_speaker_patterns(label):
    assert is_known_speaker(label)


@pytest.mark.parametrize("label", ["Date", "Study", "Note", "Location", "Housing lead", "Pam"])
def test_not_known_speaker_patterns(label):
    assert not is_known_speaker(label)


@pytest.mark.parametrize(
    ("stamp", "seconds"),
    [
        ("[00:03:12]", 192.0),
        ("(03:12)", 192.0),
        ("1:02:03", 3723.0),
        ("00:00:01,5", 1.5),
        ("[00:00:02.250]", 2.25),
        (None, None),
    ],
)
def test_parse_clock(stamp, seconds):
    assert parse_clock(stamp) == seconds


@pytest.mark.parametrize(
    "line",
    [
        "Note: see 10:30",
        "**Dr Helen Brook:** hello",
        "__Housing lead__: hello",
        "[00:01:02] - P3: hello",
        "Interviewer:",
    ],
)
def test_label_syntax_found(line):
    assert len(find_marks(line)) == 1


@pytest.mark.parametrize(
    "line",
    [
        "10:30: the meeting",
        "https://example.org",
        "Well, you know: it depends",
        "A very long label that goes on and on past forty: x",
        "One two three four five six: x",
        "Interviewer:Hello",
        "- Interviewer: a list item",
    ],
)
def test_label_syntax_not_found(line):
    assert find_marks(line) == []


def _interview(turns: int) -> str:
    speech = "we work with the mental health trust on risk, thresholds and access " * 6
    return "Study: test\n\n" + "".join(
        f"[00:00:{i % 60:02d}] {'Interviewer' if i % 2 else 'Housing lead'}: {speech}\n"
        for i in range(turns)
    )


def test_parsing_time_grows_linearly():
    """A file ten times longer must take about ten times as long, not a hundred."""
    small, large = _interview(400), _interview(4000)  # ~25k and ~250k words
    parse_plain_text(small, name="warm-up.txt", fmt="txt")

    def timed(text: str) -> float:
        started = time.perf_counter()
        parsed = parse_plain_text(text, name="x.txt", fmt="txt")
        assert len(parsed.turns) == text.count("] ")
        return time.perf_counter() - started

    small_time = min(timed(small) for _ in range(3))
    large_time = min(timed(large) for _ in range(3))
    assert large_time < 30 * small_time + 0.05
