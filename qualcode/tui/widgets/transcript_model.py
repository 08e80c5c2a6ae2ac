"""What the transcript view shows, independent of screen width.

Pure Python (no Textual): the spans handed to the view, which parts of the raw text
are displayed (the visible "chunks"), navigation by word, sentence and turn, and an
index for finding the highlights that touch a range. All offsets are code point
indices into the stored text, end exclusive, as everywhere in qualcode.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

__all__ = ["HighlightIndex", "HighlightSpan", "TranscriptDocument", "TurnSpan"]


@dataclass(frozen=True, slots=True)
class TurnSpan:
    """One speaker turn: ``[start, end)`` covers the spoken words, not the label.

    The label (e.g. ``"Interviewer: "``) sits in the raw text just before ``start``;
    the view shows ``speaker`` in its gutter instead, so the label line is hidden.
    """

    start: int
    end: int
    speaker: str | None
    start_time: float | None = None


@dataclass(frozen=True, slots=True)
class HighlightSpan:
    """One coding as the view draws it: a tinted range plus a margin marker.

    ``key`` is the coding's UUID (so a changed coding is found by identity, never by
    position), ``colour`` the code's ``#rrggbb`` and ``label`` a short code name whose
    first letters are printed in the margin so codes never rely on colour alone.
    A ``suggested`` span is a code proposed but not applied: drawn faintly (italic
    text, a dotted margin mark), never tinted like a real coding.
    """

    start: int
    end: int
    key: str
    colour: str
    label: str
    suggested: bool = False


# Words as researchers mean them: "don't", "multi-agency" and "20" are one word each.
WORD = re.compile(r"\w+(?:['\u2019\-]\w+)*")
# A sentence ends at . ? ! or … (runs like "?!" or "..."), plus closing quotes and
# brackets, when followed by white space or the end of the text.
SENTENCE_END = re.compile(r"[.?!\u2026]+[\"'\u2019\u201d)\]]*(?=\s|$)")
_SPACE = " \t\n\r\x0b\x0c"


class TranscriptDocument:
    """Raw text plus turns, cut into the chunks the view displays.

    A chunk is either a turn (its index in ``turns``) or a run of text outside every
    turn, such as the header block at the top. White space between chunks and the
    label line just before each turn with a speaker are not displayed. A position is
    *visible* when the cursor can stand on it: anywhere in ``[chunk.start, chunk.end]``
    (the end is included so a selection can reach the last character of a chunk).
    """

    def __init__(self, text: str, turns: Sequence[TurnSpan]) -> None:
        self.text = text
        self.turns: tuple[TurnSpan, ...] = _clean_turns(turns, len(text))
        self.turn_starts = [turn.start for turn in self.turns]
        # Lookups for "is the selection exactly turns i..j?" (the `t` key).
        self.turn_by_start = {turn.start: i for i, turn in enumerate(self.turns)}
        self.turn_by_end = {turn.end: i for i, turn in enumerate(self.turns)}
        chunks = _chunks(text, self.turns)
        self.chunk_starts = [c[0] for c in chunks]
        self.chunk_ends = [c[1] for c in chunks]
        self.chunk_turns = [c[2] for c in chunks]

    # --- visibility -----------------------------------------------------------------

    @property
    def first_position(self) -> int:
        return self.chunk_starts[0] if self.chunk_starts else 0

    @property
    def last_position(self) -> int:
        return self.chunk_ends[-1] if self.chunk_ends else 0

    def chunk_at(self, offset: int) -> int | None:
        """Index of the chunk whose ``[start, end]`` holds ``offset``, if any."""
        i = bisect_right(self.chunk_starts, offset) - 1
        if i >= 0 and offset <= self.chunk_ends[i]:
            return i
        return None

    def is_visible(self, offset: int) -> bool:
        return self.chunk_at(offset) is not None

    def next_visible(self, offset: int) -> int:
        """``offset`` if visible, else the start of the next chunk (or the last position)."""
        i = bisect_right(self.chunk_starts, offset) - 1
        if i >= 0 and offset <= self.chunk_ends[i]:
            return offset
        if i + 1 < len(self.chunk_starts):
            return self.chunk_starts[i + 1]
        return self.last_position

    def clamp(self, offset: int) -> int:
        """The visible position nearest to ``offset`` going forward, within the text."""
        return self.next_visible(max(0, min(offset, len(self.text))))

    # --- turns ----------------------------------------------------------------------

    def turn_at(self, offset: int) -> int | None:
        """Index of the turn holding ``offset`` (its end included), if any."""
        i = bisect_right(self.turn_starts, offset) - 1
        if i >= 0 and offset <= self.turns[i].end:
            return i
        return None

    def next_turn_after(self, offset: int) -> int | None:
        i = bisect_right(self.turn_starts, offset)
        return i if i < len(self.turns) else None

    def previous_turn_before(self, offset: int) -> int | None:
        i = bisect_left(self.turn_starts, offset) - 1
        return i if i >= 0 else None

    # --- words and sentences ----------------------------------------------------------

    def word_at(self, offset: int) -> tuple[int, int] | None:
        """The word whose ``[start, end)`` holds ``offset``."""
        for match in WORD.finditer(self.text, max(0, offset - 256), offset + 256):
            if match.start() <= offset < match.end():
                return match.start(), match.end()
            if match.start() > offset:
                break
        return None

    def next_word(self, offset: int) -> tuple[int, int] | None:
        """The first visible word ending after ``offset`` (cut at ``offset`` if inside it)."""
        position = offset
        while True:
            match = WORD.search(self.text, position)
            if match is None:
                return None
            start = max(match.start(), offset)
            if self.is_visible(start):
                return start, match.end()
            # The word is in hidden text (a speaker label): carry on after it.
            position = max(self.next_visible(match.start()), match.end())

    def previous_word_start(self, offset: int) -> int | None:
        """Start of the last visible word beginning before ``offset``."""
        end = offset
        while end > 0:
            start = self._last_word_start(end)
            if start is None or self.is_visible(start):
                return start
            end = start  # a hidden word (a speaker label): look before it
        return None

    def _last_word_start(self, end: int) -> int | None:
        window = 256
        while True:
            lo = max(0, end - window)
            last = None
            for last in WORD.finditer(self.text, lo, end):  # noqa: B007 - want the last
                pass
            if last is None:
                if lo == 0:
                    return None
                end, window = lo, 256  # no word characters here at all: move left
            elif last.start() > lo or lo == 0:
                return last.start()
            else:
                window *= 4  # the word touches the window's edge and may be cut: widen

    def paragraph_at(self, offset: int) -> tuple[int, int] | None:
        """``[start, end)`` of the line of visible text holding ``offset``: a paragraph
        ends at a line break or at the end of its chunk (a turn, or the header)."""
        chunk = self.chunk_at(offset)
        if chunk is None:
            return None
        low, high = self.chunk_starts[chunk], self.chunk_ends[chunk]
        start = max(low, self.text.rfind("\n", low, offset) + 1)
        newline = self.text.find("\n", offset, high)
        return start, high if newline == -1 else newline

    def sentences_in(self, start: int, end: int) -> list[tuple[int, int]]:
        """The sentences of one paragraph ``[start, end)``, without surrounding space.
        The last one needs no full stop: an answer often trails off."""
        found: list[tuple[int, int]] = []
        position = start
        for match in SENTENCE_END.finditer(self.text, start, end):
            found.append(_trim(self.text, position, match.end()))
            position = match.end()
        found.append(_trim(self.text, position, end))
        return [(a, b) for a, b in found if a < b]

    def words_in(self, start: int, end: int) -> list[tuple[int, int]]:
        return [m.span() for m in WORD.finditer(self.text, start, end)]

    def _unit_around(
        self, offset: int, units_in: Callable[[int, int], list[tuple[int, int]]]
    ) -> tuple[int, int] | None:
        """The unit holding ``offset``. Between units (on a space or a full stop), the
        next unit in the paragraph, or, at its end, the one just before: the cursor at
        the end of a turn means its last word or sentence, not the next speaker's."""
        paragraph = self.paragraph_at(offset)
        if paragraph is not None:
            units = units_in(*paragraph)
            for unit in units:
                if offset < unit[1]:
                    return unit
            if units:
                return units[-1]
        return self._unit_after(offset, units_in)

    def _unit_after(
        self, offset: int, units_in: Callable[[int, int], list[tuple[int, int]]]
    ) -> tuple[int, int] | None:
        """The first whole unit starting at or after ``offset``, in this paragraph or a
        later one (hidden speaker labels are skipped)."""
        position = self.skip_space(offset)
        while position < len(self.text):
            paragraph = self.paragraph_at(position)
            if paragraph is not None:
                for unit in units_in(*paragraph):
                    if unit[0] >= offset:
                        return unit
                position = paragraph[1]
            following = self.skip_space(position + 1)
            if following <= position:
                return None
            position = following
        return None

    # --- selection steps (the w, s and t keys) ----------------------------------------------
    # Each takes the cursor and the selection (None when nothing is selected) and returns
    # the new (anchor, cursor), or None when there is nowhere to go. With nothing selected
    # a key selects the whole unit around the cursor; with a selection it widens it to
    # whole units, and once it is whole, adds the next unit.

    def word_step(self, cursor: int, selection: tuple[int, int] | None) -> tuple[int, int] | None:
        """Select the word at the cursor, or grow the selection by a word."""
        return self._unit_step(cursor, selection, self.words_in)

    def sentence_step(
        self, cursor: int, selection: tuple[int, int] | None
    ) -> tuple[int, int] | None:
        """Select the sentence the cursor is in (. ? ! or the end of the paragraph or
        turn end it), or grow the selection by a sentence."""
        return self._unit_step(cursor, selection, self.sentences_in)

    def _unit_step(
        self,
        cursor: int,
        selection: tuple[int, int] | None,
        units_in: Callable[[int, int], list[tuple[int, int]]],
    ) -> tuple[int, int] | None:
        if selection is None:
            return self._unit_around(cursor, units_in)
        start, end = selection
        first = self._unit_around(start, units_in)
        if first is not None and first[0] < start < first[1]:
            start = first[0]  # a selection begun mid-unit takes the whole unit
        last = self._unit_around(end - 1, units_in)
        if last is not None and last[0] < end < last[1]:
            return start, last[1]  # finish the unit the selection stops inside
        unit = self._unit_after(end, units_in)
        if unit is not None:
            return start, unit[1]
        return (start, end) if start != selection[0] else None

    def turn_step(self, cursor: int, selection: tuple[int, int] | None) -> tuple[int, int] | None:
        """Select the turn at the cursor; with a selection, the whole turns it touches,
        and when whole turns are selected already, add the following turn."""
        turns = self.turns
        if selection is None:
            index = self.turn_at(cursor)
            if index is None:
                index = self.next_turn_after(cursor)
            return None if index is None else (turns[index].start, turns[index].end)
        start, end = selection
        first = self.turn_at(start)
        if first is None:
            first = self.next_turn_after(start)
        last = self.turn_at(end - 1)
        if last is None:
            last = self.previous_turn_before(end)
        if first is None or last is None or last < first:
            return None
        whole = (turns[first].start, turns[last].end)
        if whole == (start, end) or (whole[0] >= start and whole[1] <= end):
            if last + 1 >= len(turns):
                return None
            return min(start, turns[first].start), turns[last + 1].end
        return min(start, whole[0]), max(end, whole[1])

    def skip_space(self, offset: int) -> int:
        """The first visible non-space position at or after ``offset``."""
        text = self.text
        position = self.next_visible(offset)
        while position < len(text) and text[position] in _SPACE:
            following = self.next_visible(position + 1)
            if following <= position:
                break
            position = following
        return position


def _clean_turns(turns: Sequence[TurnSpan], length: int) -> tuple[TurnSpan, ...]:
    """Turns sorted, clipped to the text and made disjoint, so bisect can be trusted."""
    cleaned: list[TurnSpan] = []
    previous_end = 0
    for turn in sorted(turns, key=lambda t: (t.start, t.end)):
        start = max(turn.start, previous_end, 0)
        end = min(turn.end, length)
        if end <= start:
            continue
        if (start, end) != (turn.start, turn.end):
            turn = TurnSpan(start, end, turn.speaker, turn.start_time)
        cleaned.append(turn)
        previous_end = end
    return tuple(cleaned)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _SPACE:
        start += 1
    while end > start and text[end - 1] in _SPACE:
        end -= 1
    return start, end


def _chunks(text: str, turns: Sequence[TurnSpan]) -> list[tuple[int, int, int]]:
    """(start, end, turn index or -1) for every displayed run of text, in order."""
    chunks: list[tuple[int, int, int]] = []
    position = 0
    for index, turn in enumerate(turns):
        gap_end = turn.start
        if turn.speaker is not None:
            # The label line ("[00:01:02] Interviewer: ") is shown in the gutter.
            gap_end = max(position, text.rfind("\n", position, turn.start) + 1)
        start, end = _trim(text, position, gap_end)
        if start < end:
            chunks.append((start, end, -1))
        start, end = _trim(text, turn.start, turn.end)
        chunks.append((turn.start, max(end, turn.start), index))
        position = turn.end
    start, end = _trim(text, position, len(text))
    if start < end:
        chunks.append((start, end, -1))
    return chunks


class HighlightIndex:
    """Highlights keyed by coding, findable by range without scanning them all.

    Short highlights sit in a list sorted by start: those touching ``[a, b)`` start in
    ``[a - longest, b)``, found by bisect. The few very long ones (whole answers) are
    kept apart and scanned, so one long coding cannot widen every search.
    """

    LONG = 2_000

    def __init__(self, highlights: Iterable[HighlightSpan] = ()) -> None:
        self.by_key: dict[str, HighlightSpan] = {}
        self._short: list[tuple[int, int, str]] = []
        self._long: dict[str, HighlightSpan] = {}
        self._longest_short = 0
        # Built in one sort rather than by insertion: a project may hold 20,000 codings.
        self.by_key = {h.key: h for h in highlights}
        for highlight in self.by_key.values():
            length = highlight.end - highlight.start
            if length > self.LONG:
                self._long[highlight.key] = highlight
            else:
                self._short.append((highlight.start, highlight.end, highlight.key))
                self._longest_short = max(self._longest_short, length)
        self._short.sort()

    def __len__(self) -> int:
        return len(self.by_key)

    def __contains__(self, key: object) -> bool:
        return key in self.by_key

    def add(self, highlight: HighlightSpan) -> HighlightSpan | None:
        """Add or replace (by key); returns the highlight it replaced."""
        old = self.remove(highlight.key)
        self.by_key[highlight.key] = highlight
        length = highlight.end - highlight.start
        if length > self.LONG:
            self._long[highlight.key] = highlight
        else:
            insort(self._short, (highlight.start, highlight.end, highlight.key))
            self._longest_short = max(self._longest_short, length)
        return old

    def remove(self, key: str) -> HighlightSpan | None:
        highlight = self.by_key.pop(key, None)
        if highlight is None:
            return None
        if self._long.pop(key, None) is None:
            entry = (highlight.start, highlight.end, key)
            i = bisect_left(self._short, entry)
            if i < len(self._short) and self._short[i] == entry:
                del self._short[i]
        return highlight

    def overlapping(self, start: int, end: int) -> list[HighlightSpan]:
        """Highlights touching ``[start, end)``, ordered by start so markers keep still."""
        short = self._short
        lo = bisect_left(short, (start - self._longest_short,))
        hi = bisect_left(short, (end,))
        by_key = self.by_key
        found = [by_key[key] for s, e, key in short[lo:hi] if e > start and s < end]
        if self._long:
            found.extend(h for h in self._long.values() if h.start < end and h.end > start)
            found.sort(key=lambda h: (h.start, h.end, h.key))
        return found
