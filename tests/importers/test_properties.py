"""Property: whatever turns are rendered to a .txt file, parsed offsets slice them back."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.importers import read_transcript
from qualcode.importers.speakers import _HEADING_WORDS, _SENTENCE_WORDS

KNOWN_LABELS = [
    "Interviewer",
    "Interviewee",
    "Facilitator",
    "P3",
    "P12",
    "Q",
    "A",
    "R",
    "Speaker 2",
]
# Made-up names whose words are a capital, a consonant and a vowel: never a sentence
# word like "This" or "Why", which a speaker label may not contain.
_WORD = r"[A-Z][bcdfgklmnprstvz][aeiou][a-z]{0,5}"
NAMES = st.from_regex(rf"{_WORD}( {_WORD}){{0,2}}", fullmatch=True).filter(
    # ... though the pattern can still spell one ("Are"): leave those out
    lambda name: not any(
        word.casefold() in _SENTENCE_WORDS or word.casefold() in _HEADING_WORDS
        for word in name.split()
    )
)

_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]),
    min_size=1,
    max_size=40,
)
# A line of speech; a colon followed by a space would make a line look like a label.
LINE = _TEXT.map(lambda s: re.sub(r":(?=\s|$)", ";", s))
UTTERANCE = (
    st.lists(st.one_of(LINE, st.just("")), min_size=1, max_size=4)
    .map("\n".join)
    .filter(lambda s: s.strip())
)


@st.composite
def conversations(draw: st.DrawFn) -> list[tuple[str, str, int | None]]:
    labels = draw(st.lists(st.one_of(st.sampled_from(KNOWN_LABELS), NAMES), min_size=1, max_size=4))
    turns = draw(
        st.lists(
            st.tuples(
                st.sampled_from(labels),
                UTTERANCE,
                st.one_of(st.none(), st.integers(min_value=0, max_value=3 * 3600)),
            ),
            min_size=1,
            max_size=8,
        )
    )
    return turns + turns  # every label used at least twice


def render(turns: list[tuple[str, str, int | None]], header: str) -> str:
    lines = [header, ""] if header else []
    for label, words, seconds in turns:
        stamp = ""
        if seconds is not None:
            stamp = f"[{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}] "
        lines.append(f"{stamp}{label}: {words}")
    return "\n".join(lines) + "\n"


@settings(max_examples=100, deadline=None)
@given(turns=conversations(), header=st.sampled_from(["", "Study: partnerships", "Interview 3"]))
def test_parsed_offsets_slice_back_the_utterances(turns, header):
    text = render(turns, header)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "generated.txt"
        path.write_text(text, encoding="utf-8")
        parsed = read_transcript(path)
    assert parsed.text == text
    got = [
        (turn.speaker, parsed.text[turn.start : turn.end], turn.start_time) for turn in parsed.turns
    ]
    expected = [
        (label, words.strip(), None if seconds is None else float(seconds))
        for label, words, seconds in turns
    ]
    assert got == expected
