"""The demo transcripts shipped in transcripts/: every answer-key passage lies in one turn.

The answer key (benchmarks/answer_key/) lists the passages each demo transcript was
written to illustrate. If an importer change splits, loses or re-flows one of them,
or turns a header line into a speaker, this test says which.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from qualcode.importers import read_participants, read_transcript

ROOT = Path(__file__).resolve().parents[2]
KEYS = sorted((ROOT / "benchmarks" / "answer_key").glob("*.yaml"))
HEADER_WORDS = {"study", "date", "participant", "participants", "transcript", "notes"}


@pytest.mark.skipif(not KEYS, reason="no demo answer key in this checkout")
@pytest.mark.parametrize("key", KEYS, ids=[key.stem for key in KEYS])
def test_answer_key_passages_lie_within_one_turn(key, utterances):
    answers = yaml.safe_load(key.read_text(encoding="utf-8"))
    parsed = read_transcript(ROOT / "transcripts" / answers["source"])
    turns = utterances(parsed)
    speakers = {speaker for speaker, _ in turns}
    assert None not in speakers
    assert not {str(s).casefold() for s in speakers} & HEADER_WORDS
    for passage in answers["passages"]:
        assert any(passage["quote"] in words for _, words in turns), passage["quote"][:80]


@pytest.mark.skipif(
    not (ROOT / "transcripts" / "participants.csv").exists(), reason="no demo participants"
)
def test_demo_participants_sheet():
    sheet = read_participants(ROOT / "transcripts" / "participants.csv")
    assert sheet.rows
    assert all(row.case for row in sheet.rows)
