"""Reading caption transcripts from video calls: WebVTT (.vtt) and SubRip (.srt).

Speakers come from Teams voice tags (``<v Full Name>text</v>``, also
``<v.loud Full Name>``) or from Zoom's "Full Name: text" cue text. Other tags
(``<c>``, ``<i>``, ``<b>``, ``<00:00:01.000>``) are removed and entities such as
``&amp;`` unescaped. Consecutive cues by the same speaker become one turn
(start time of the first cue, end time of the last), and a cue with no speaker
of its own continues the previous speaker's turn, since captioning tools often
name the speaker only on the first cue of a long utterance. A caption file
without any speaker names therefore becomes a single turn.

The stored text has one block per turn, ``Full Name: words words``, the cue
texts joined by single spaces, blocks separated by a blank line; the turn's
offsets cover only the words. Captions are re-flowed, so unlike .txt the stored
text is not the file as written: it is the transcript the file describes.

Tolerated: a missing cue number, extra blank lines, text that spills past a blank
line (appended to the cue before it), commas or dots before milliseconds in both.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.domain.errors import InputFileError
from qualcode.domain.records import ParsedTranscript, ParsedTurn
from qualcode.importers.decoding import cleaning_notes, decode_clean_text
from qualcode.importers.limits import read_bytes
from qualcode.importers.speakers import is_known_speaker

_TIME = r"(?:\d+:)?\d{1,2}:\d{1,2}(?:[.,]\d{1,3})?"
_TIMING = re.compile(rf"^[ \t]*(?P<start>{_TIME})[ \t]*-->[ \t]*(?P<end>{_TIME})(?:[ \t].*)?$")
_VTT_HEADER = re.compile(r"WEBVTT(?:[ \t]|$)", re.MULTILINE)
_NON_CUE_BLOCK = re.compile(r"(?:NOTE|STYLE|REGION)(?:[ \t]|$)")
_VTT_ID_IN_TEXT = re.compile(r"\d+|[^\s]*\d[^\s]*-[^\s]*")  # "12", Teams' "6f1a.../12-0"
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:[ \t]+(?P<name>[^>]*))?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_ZOOM_LABEL = re.compile(r"(?P<name>[^\W_][^:?!;\"\n]{0,59}?):[ \t]+(?P<words>\S.*)", re.DOTALL)
_MAX_NAME_WORDS = 8
_LABELLED_SHARE = 0.6

NO_CUES = "no captions found (expected timings like '00:00:01.000 --> 00:00:04.000')"


@dataclass(slots=True)
class _Cue:
    start: float
    end: float
    lines: list[str] = field(default_factory=list)
    line: int = 0  # 1-based line of the timing, for messages
    start_stamp: str = ""
    end_stamp: str = ""


@dataclass(slots=True)
class _Segment:
    speaker: str | None
    start: float
    end: float
    words: str


def read_captions(path: Path, *, max_bytes: int) -> ParsedTranscript:
    """Read a .vtt or .srt file (``path.suffix`` says which)."""
    fmt = path.suffix.lower().lstrip(".")
    cleaned = decode_clean_text(path, read_bytes(path, max_bytes))
    text = cleaned.text
    vtt = fmt == "vtt"
    if vtt and not _VTT_HEADER.match(text.lstrip()):
        raise InputFileError(path, "not a WebVTT file: missing WEBVTT header")
    cues = _cues(text.split("\n"), vtt=vtt)
    if not cues:
        raise InputFileError(path, NO_CUES)
    _check_times(path, cues)
    segments = _speakers(cues)
    if not segments:
        raise InputFileError(path, "the file has captions but no words in them")
    stored, turns = _layout(_merge(segments))
    return ParsedTranscript(
        text=stored,
        turns=tuple(turns),
        original_name=path.name,
        format=fmt,
        notes=cleaning_notes(cleaned.removed),
    )


def _check_times(path: Path, cues: list[_Cue]) -> None:
    """Refuse a cue that ends before it starts (a cue of no length is allowed: real
    captioning tools write them for a word said in passing)."""
    for number, cue in enumerate(cues, start=1):
        if cue.end < cue.start:
            raise InputFileError(
                path,
                f"cue {number} (line {cue.line}) ends before it starts "
                f"({cue.start_stamp} --> {cue.end_stamp})",
            )


def _seconds(stamp: str) -> float:
    clock, _, fraction = stamp.replace(",", ".").partition(".")
    seconds = 0.0
    for part in clock.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds + (float(f"0.{fraction}") if fraction else 0.0)


def _cues(lines: list[str], *, vtt: bool) -> list[_Cue]:
    """Cues with their text lines, in file order (a small state machine over lines)."""
    cues: list[_Cue] = []
    payload: list[str] | None = None  # text lines of the open cue, until a blank line
    block: list[str] = []  # lines of a block outside any cue (ids, notes, stray text)
    in_header = vtt
    for number, line in enumerate(lines, start=1):
        timing = _TIMING.match(line)
        if timing is not None:
            if payload is not None:
                if payload and _is_id(payload[-1], vtt=vtt, certain=False):
                    payload.pop()
            else:
                if block and _is_id(block[-1], vtt=vtt, certain=True):
                    block.pop()
                _flush(block, cues, vtt=vtt)
            payload, block, in_header = [], [], False
            start, end = timing["start"], timing["end"]
            cues.append(_Cue(_seconds(start), _seconds(end), payload, number, start, end))
        elif not line.strip():
            if payload is None:
                _flush(block, cues, vtt=vtt)
                block = []
            payload, in_header = None, False
        elif payload is not None:
            payload.append(line)
        elif not in_header:
            block.append(line)
    if payload is None:
        _flush(block, cues, vtt=vtt)
    return cues


def _is_id(line: str, *, vtt: bool, certain: bool) -> bool:
    """Is ``line``, just above a timing line, that cue's identifier?

    In WebVTT, a line right after a blank line and right before the timing line
    is the identifier by definition (``certain``); SRT numbers its cues.
    """
    line = line.strip()
    if line.isdigit():
        return True
    return vtt and (certain or _VTT_ID_IN_TEXT.fullmatch(line) is not None)


def _flush(block: list[str], cues: list[_Cue], *, vtt: bool) -> None:
    """A block that was not a cue: drop notes and numbers, give stray text to the last cue."""
    if not block or not cues or (vtt and _NON_CUE_BLOCK.match(block[0])):
        return
    cues[-1].lines.extend(line for line in block if not line.strip().isdigit())


def _clean(raw: str) -> str:
    """Cue text without tags or entities, whitespace collapsed (fast path for plain text)."""
    if "<" in raw:
        raw = _TAG.sub("", raw)
    if "&" in raw:
        raw = html.unescape(raw)
    return " ".join(raw.split())


def _voices(cue: _Cue) -> list[tuple[str | None, str]]:
    """``(voice name or None, text)`` parts of a cue, split at Teams ``<v>`` tags."""
    raw = "\n".join(cue.lines)
    if "<v" not in raw and "<V" not in raw:
        words = _clean(raw)
        return [(None, words)] if words else []
    parts: list[tuple[str | None, str]] = []
    position = 0
    voice: str | None = None
    for tag in _VOICE.finditer(raw):
        parts.append((voice, raw[position : tag.start()]))
        voice = _clean(tag["name"] or "") or None
        position = tag.end()
    parts.append((voice, raw[position:]))
    return [(name, words) for name, raw_words in parts if (words := _clean(raw_words))]


def _speakers(cues: list[_Cue]) -> list[_Segment]:
    """Segments with their speakers: voice tags first, else Zoom-style "Name: words"."""
    found: list[tuple[_Cue, str | None, str, tuple[str, str] | None]] = []
    for cue in cues:
        for voice, words in _voices(cue):
            label = None if voice is not None else _zoom_label(words)
            found.append((cue, voice, words, label))
    labels = Counter(label[0].casefold() for _, _, _, label in found if label)
    labelled_file = sum(labels.values()) >= _LABELLED_SHARE * max(len(found), 1)
    spellings: dict[str, str] = {}  # first spelling of each name, so case never splits a turn
    segments: list[_Segment] = []
    speaker: str | None = None
    for cue, voice, words, label in found:
        if voice is not None:
            speaker = spellings.setdefault(voice.casefold(), voice)
        elif label is not None and (
            labelled_file or labels[label[0].casefold()] >= 2 or is_known_speaker(label[0])
        ):
            speaker = spellings.setdefault(label[0].casefold(), label[0])
            words = label[1]
        segments.append(_Segment(speaker, cue.start, cue.end, words))
    return segments


def _zoom_label(words: str) -> tuple[str, str] | None:
    """``(name, words)`` if a cue's text starts with a Zoom-style "Full Name: "."""
    match = _ZOOM_LABEL.fullmatch(words)
    if match is None:
        return None
    name = match["name"].split()
    if len(name) > _MAX_NAME_WORDS:
        return None
    return " ".join(name), match["words"]


def _merge(segments: list[_Segment]) -> list[_Segment]:
    """Join consecutive segments by the same speaker into one turn."""
    merged: list[_Segment] = []
    words: list[list[str]] = []
    for segment in segments:
        if merged and merged[-1].speaker == segment.speaker:
            merged[-1].end = segment.end
            words[-1].append(segment.words)
        else:
            merged.append(_Segment(segment.speaker, segment.start, segment.end, ""))
            words.append([segment.words])
    for turn, parts in zip(merged, words, strict=True):
        turn.words = " ".join(parts)
    return merged


def _layout(turns: list[_Segment]) -> tuple[str, list[ParsedTurn]]:
    """The stored text ("Name: words" blocks) and each turn's offsets into it."""
    parts: list[str] = []
    parsed: list[ParsedTurn] = []
    position = 0
    for turn in turns:
        if parts:
            parts.append("\n\n")
            position += 2
        prefix = f"{turn.speaker}: " if turn.speaker is not None else ""
        start = position + len(prefix)
        end = start + len(turn.words)
        parts.append(prefix + turn.words)
        parsed.append(ParsedTurn(turn.speaker, start, end, turn.start, turn.end))
        position = end
    return "".join(parts), parsed
