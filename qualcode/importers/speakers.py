"""Recognising speaker labels: "Interviewer:", "P3:", "[00:03:12] Q:", "**Dr Helen Brook:**".

Transcripts are typed by many people, so a label is found in two steps:

1. **Syntax** (:data:`LABEL_LINE`): at the start of a line, optionally after a
   timestamp (``[00:03:12]``, ``(00:03:12)``, ``00:03:12``), a short name
   followed by a colon and then a space or the end of the line. The colon must
   be followed by whitespace, so times ("10:30") and URLs ("https://") never
   look like labels. A timestamp may also sit between the name and the colon
   ("Interviewer (00:03:12):"). Markdown bold is allowed around the name
   (``**Name:**`` or ``**Name**:``). The name starts with a letter and is at
   most 40 characters and 5 words, with no sentence punctuation (, ; ? ! ").
2. **Acceptance** (:func:`select_speakers`): the name is a known speaker
   pattern (Interviewer, Participant 2, P3, R1, Q, A, Speaker 1 ...), or it
   looks like a name or role (starts with a capital letter, has none of the
   pronouns and verbs that start sentences such as "I", "we", "is", "said",
   and is not a common heading word such as "Note", "Date", "Study",
   "Duration") and either is used as a label at least twice, or comes after
   the conversation has started and is short (at most three words) or bold.
   So "Date: 12 March 2023" at the top and "Note: see 10:30" anywhere stay
   text, "Housing lead:" speaking twice is a speaker, and so is "Ann:" who
   speaks once in a focus group.

Two rules keep a metadata header such as "Participant: P3" or "Interviewer:
Jane Smith" out of the turns. A label used only once, before the first turn
by a label that is used again, is header ("Participant: Dean (pseudonym)" above
a conversation between "Peer researcher" and "Dean"). And in a leading block
made only of "Key: value" lines, at least one of which is not a speaker
("Date:", "Study:"), speaker-like lines with a short value ("Interviewer: Jane
Smith") are header too. The block ends at the first blank line, a separator
line such as "-----", or a line that reads like speech ("Interviewer: What
gets in the way?"), so a header typed straight above the first turn keeps it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

MAX_LABEL_CHARS = 40
MAX_LABEL_WORDS = 5

_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
STAMP = rf"(?:\[[ \t]*{_CLOCK}[ \t]*\]|\([ \t]*{_CLOCK}[ \t]*\)|{_CLOCK})"


def _label_pattern(*, colon_then_space: bool) -> re.Pattern[str]:
    after_colon = r"(?=[ \t]|$)" if colon_then_space else ""
    return re.compile(
        rf"""
        ^[ \t]*
        (?:(?P<ts>{STAMP})[ \t]*(?:[-\u2013\u2014|][ \t]*)?)?   # [00:03:12] -
        (?P<open>\*\*|__)?                                     # markdown bold
        (?P<label>[^\W\d_][\w'\u2019.&/()\- \t]{{0,{MAX_LABEL_CHARS + 5}}}?)
        [ \t]*
        (?:(?P<ts2>{STAMP})[ \t]*)?                              # Name (00:03:12):
        (?(open)(?:(?P=open)[ \t]*:|:[ \t]*(?P=open))|:)
        {after_colon}
        [ \t]*
        """,
        re.MULTILINE | re.VERBOSE,
    )


LABEL_LINE = _label_pattern(colon_then_space=True)
"""A label at a line start, in plain text (the colon must be followed by a space)."""
LABEL_LOOSE = _label_pattern(colon_then_space=False)
"""The same, for a Word paragraph whose label is bold: "Name:" then text in a new run."""

_KNOWN = re.compile(
    r"""
    (?:
        (?:co-?)?(?:interviewer|interviewee|facilitator|moderator|respondent|participant
                   |speaker|researcher|peer[ ]researcher|note[- ]?taker)
        (?:[ ]?\d+|[ ][A-Z])?
      | p[ ]?\d+ | r\d* | i\d* | int | resp | q | a
    )
    (?:[ ]?\([^()]*\))?      # "P3 (housing lead)"
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Words that start headings and notes ("Note:", "Date of interview:"), never speaker labels.
_HEADING_WORDS = frozenset(
    {
        *("note", "notes", "nb", "ps", "date", "time", "duration", "length", "location"),
        *("venue", "setting", "study", "title", "transcript", "transcribed", "transcriber"),
        *("transcription", "project", "recording", "recorded", "audio", "video", "file"),
        *("present", "attendees", "participants", "subject", "topic", "section", "part"),
        *("question", "theme", "summary", "comment", "comments", "action", "actions"),
        *("source", "session", "interview", "update", "edit", "end", "start", "total"),
        *("language", "method", "format", "stakeholder", "consent", "keywords", "tags"),
    }
)
_MAX_ONE_OFF_WORDS = 3
_SEPARATOR = re.compile(r"[ \t]*([-=_*~#])\1{2,}[ \t]*")  # "-----", "=====", "***"
_DIGITS = re.compile(r"\d+(?:[.,]\d+)?")
# Words that make "I think the answer is:" a sentence rather than a name or role.
_SENTENCE_WORDS = frozenset(
    {
        *("i", "i'm", "i've", "me", "my", "we", "we're", "our", "you", "your", "he", "his"),
        *("him", "she", "her", "it", "its", "they", "their", "them", "is", "was", "are"),
        *("were", "be", "been", "being", "am", "do", "did", "does", "have", "has", "had"),
        *("think", "thought", "said", "says", "say", "asked", "told", "tell", "what", "why"),
        *("how", "when", "where", "because", "if", "then", "so", "but", "this", "that"),
        *("there", "here", "not", "no", "yes", "just", "really", "well", "also"),
    }
)


@dataclass(frozen=True, slots=True)
class Mark:
    """A syntactically valid label found in the text (not yet accepted as a speaker)."""

    line_start: int  # where the label's line starts: the previous turn ends before it
    words_start: int  # just after the label, colon and spaces
    label: str
    start_time: float | None = None
    bold: bool = False

    @property
    def key(self) -> str:
        return self.label.casefold()


def parse_clock(stamp: str | None) -> float | None:
    """Seconds in "[01:02:03.5]", "(03:12)" or "00:03:12,250"; ``None`` for ``None``."""
    if not stamp:
        return None
    parts = [float(p.replace(",", ".")) for p in _DIGITS.findall(stamp)]
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds


def clean_label(raw: str) -> str | None:
    """The label with spacing tidied, or ``None`` if it is too long to be a name."""
    words = raw.split()
    label = " ".join(words)
    if not label or len(label) > MAX_LABEL_CHARS or len(words) > MAX_LABEL_WORDS:
        return None
    return label


def mark_from_match(match: re.Match[str], base: int = 0, *, bold: bool = False) -> Mark | None:
    """A :class:`Mark` for a :data:`LABEL_LINE`/:data:`LABEL_LOOSE` match at ``base``."""
    label = clean_label(match["label"])
    if label is None:
        return None
    return Mark(
        line_start=base + match.start(),
        words_start=base + match.end(),
        label=label,
        start_time=parse_clock(match["ts"] or match["ts2"]),
        bold=bold or match["open"] is not None,
    )


def find_marks(text: str) -> list[Mark]:
    """Every line-start label in plain text, in order."""
    marks = []
    for match in LABEL_LINE.finditer(text):
        mark = mark_from_match(match)
        if mark is not None:
            marks.append(mark)
    return marks


def is_known_speaker(label: str) -> bool:
    return _KNOWN.fullmatch(label) is not None


def select_speakers(text: str, marks: list[Mark], block_end: int | None = None) -> list[Mark]:
    """The marks that are speaker turns, by the acceptance rules in the module docstring.

    ``block_end`` is where the file's first block ends (the first blank line in
    plain text); it is used to recognise a leading metadata block.
    """
    counts = Counter(mark.key for mark in marks)
    first_repeated = next(
        (i for i, mark in enumerate(marks) if counts[mark.key] >= 2 and _accepted(mark, counts)),
        None,
    )
    chosen: list[Mark] = []
    rejected_in_block = False
    for index, mark in enumerate(marks):
        if first_repeated is not None and index < first_repeated and counts[mark.key] < 2:
            accepted = False  # a header line such as "Participant: P3"
        else:
            accepted = _accepted(mark, counts) or bool(chosen and _may_speak_once(mark))
        if accepted:
            chosen.append(mark)
        elif block_end is not None and mark.line_start < block_end:
            rejected_in_block = True
    if rejected_in_block and block_end is not None:
        chosen = _drop_metadata_block(text, marks, chosen, block_end)
    return chosen


def _name_like(label: str) -> bool:
    """Could ``label`` name a person or role? (Capitalised, not a sentence or heading.)"""
    words = label.casefold().split()
    return (
        label[0].isupper()
        and words[0] not in _HEADING_WORDS
        and not any(word in _SENTENCE_WORDS for word in words)
    )


def _accepted(mark: Mark, counts: Counter[str]) -> bool:
    return is_known_speaker(mark.label) or (counts[mark.key] >= 2 and _name_like(mark.label))


def _may_speak_once(mark: Mark) -> bool:
    """A label used once, after the conversation started: "Ann:" in a focus group."""
    short = len(mark.label.split()) <= _MAX_ONE_OFF_WORDS
    return (short or mark.bold) and _name_like(mark.label)


def _drop_metadata_block(
    text: str, marks: list[Mark], chosen: list[Mark], block_end: int
) -> list[Mark]:
    """``chosen`` without the speaker-like lines of a leading "Key: value" block.

    The block ends at ``block_end``, at a separator line ("-----"), or at the
    first speaker line that reads like speech (a question, or over six words),
    so a header typed straight above the first turn does not swallow it.
    """
    by_start = {mark.line_start: mark for mark in marks}
    speakers = {mark.line_start for mark in chosen}
    dropped: set[int] = set()
    rejected = False
    position = 0
    for line in text[:block_end].split("\n"):
        line_start, position = position, position + len(line) + 1
        if not line.strip():
            continue
        if _SEPARATOR.fullmatch(line):
            break
        mark = by_start.get(line_start)
        if mark is None:
            return chosen  # a line that is not "Key: value": not a metadata block
        if mark.line_start not in speakers:
            rejected = True
        elif _reads_like_speech(text[mark.words_start : line_start + len(line)]):
            break
        else:
            dropped.add(mark.line_start)
    kept = [mark for mark in chosen if mark.line_start not in dropped]
    return kept if rejected and kept else chosen


def _reads_like_speech(words: str) -> bool:
    words = words.strip()
    return words.endswith(("?", "!")) or len(words.split()) > 6


def speaker_names(marks: Iterable[Mark]) -> dict[str, str]:
    """Map each label's key to its first spelling, so "INTERVIEWER" joins "Interviewer"."""
    names: dict[str, str] = {}
    for mark in marks:
        names.setdefault(mark.key, mark.label)
    return names
