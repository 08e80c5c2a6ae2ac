"""Word wrapping for the transcript view, done once per text width.

Rows live in compact parallel arrays (start, end, turn, flags) so a 100,000-word
transcript costs a few hundred kilobytes, and an offset finds its row by bisect.
Cell widths follow Rich's own measure (``rich.cells``), grapheme by grapheme, so a
wide CJK character takes two cells and a combining accent stays on its letter.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right

from rich.cells import get_character_cell_size, split_graphemes

from qualcode.tui.widgets.transcript_model import TranscriptDocument

__all__ = ["BLANK", "HARD", "SIMPLE", "TranscriptLayout", "display_text"]

BLANK = 1  # no text: the gap between chunks, or padding so a turn's gutter fits
HARD = 2  # ends a paragraph: the cursor may stand on the row's end offset
SIMPLE = 4  # every character one cell wide, so cells and code points coincide

# Control characters (tabs, stray form feeds) draw as one space: same length, so
# offsets still line up with the stored text.
_CONTROL_TO_SPACE = {code: " " for code in (*range(0, 32), *range(0x7F, 0xA0))}


def display_text(text: str) -> str:
    return text.translate(_CONTROL_TO_SPACE)


def _single_cell_characters() -> frozenset[str]:
    # Ranges Rich also measures as one cell: Latin, Greek, Cyrillic, typographic
    # punctuation (curly quotes, dashes) and currency signs. Checked against Rich below
    # so a Rich upgrade cannot silently skew the layout.
    ranges = (
        (0x20, 0x7E),
        (0xA0, 0xAC),
        (0xAE, 0x2FF),
        (0x370, 0x482),
        (0x48A, 0x52F),
        (0x2010, 0x2027),
        (0x2030, 0x205E),
        (0x20A0, 0x20C0),
    )
    chars = {chr(code) for lo, hi in ranges for code in range(lo, hi + 1)}
    return frozenset(c for c in chars if get_character_cell_size(c) == 1)


SINGLE_CELL = _single_cell_characters()


class TranscriptLayout:
    """The rows of a document wrapped to ``width`` cells of text.

    Row ``r`` shows ``text[starts[r]:ends[r]]``. A soft-wrapped row keeps the spaces at
    its break (drawn only if they fit), so rows tile each paragraph without gaps.
    """

    def __init__(self, document: TranscriptDocument, width: int) -> None:
        self.document = document
        self.width = max(1, width)
        self.starts = array("q")
        self.ends = array("q")
        self.turns = array("i")
        self.flags = array("B")
        self.turn_first_row = [0] * len(document.turns)
        self._cells: dict[int, tuple[list[int], list[int]]] = {}
        self._build()

    def __len__(self) -> int:
        return len(self.starts)

    # --- building -------------------------------------------------------------------

    def _add(self, start: int, end: int, turn: int, flags: int) -> None:
        self.starts.append(start)
        self.ends.append(end)
        self.turns.append(turn)
        self.flags.append(flags)

    def _build(self) -> None:
        document = self.document
        text = document.text
        for index, (start, end, turn) in enumerate(
            zip(document.chunk_starts, document.chunk_ends, document.chunk_turns, strict=True)
        ):
            if index:
                previous = self.ends[-1]
                self._add(previous, previous, -1, BLANK)
            first = len(self.starts)
            if turn >= 0:
                self.turn_first_row[turn] = first
            position = start
            while True:
                newline = text.find("\n", position, end)
                stop = end if newline == -1 else newline
                self._wrap(position, stop, turn)
                if newline == -1:
                    break
                position = newline + 1
            if turn >= 0:
                info = document.turns[turn]
                needed = (info.speaker is not None) + (info.start_time is not None)
                while len(self.starts) - first < needed:
                    previous = self.ends[-1]
                    self._add(previous, previous, turn, BLANK)

    def _wrap(self, start: int, stop: int, turn: int) -> None:
        """Rows for the paragraph ``[start, stop)``, broken at spaces where possible."""
        if start == stop:
            self._add(start, stop, turn, HARD | SIMPLE)
            return
        paragraph = display_text(self.document.text[start:stop])
        if SINGLE_CELL.issuperset(paragraph):
            self._wrap_simple(paragraph, start, turn)
        else:
            self._wrap_graphemes(paragraph, start, turn)

    def _wrap_simple(self, paragraph: str, base: int, turn: int) -> None:
        width, length, i = self.width, len(paragraph), 0
        while length - i > width:
            space = paragraph.rfind(" ", i + 1, i + width + 1)
            if space == -1:
                j = i + width  # one word longer than the row: cut it
            else:
                j = space + 1
                while j < length and paragraph[j] == " ":
                    j += 1
            if j >= length:
                break
            self._add(base + i, base + j, turn, SIMPLE)
            i = j
        self._add(base + i, base + length, turn, HARD | SIMPLE)

    def _wrap_graphemes(self, paragraph: str, base: int, turn: int) -> None:
        spans, _ = split_graphemes(paragraph)
        width, length, count = self.width, len(paragraph), len(spans)
        row_start, cells, last_space, index = 0, 0, -1, 0
        while index < count:
            start, end, cell_width = spans[index]
            if cells + cell_width > width and start > row_start:
                if last_space >= 0:
                    index = last_space + 1
                    while index < count and paragraph[spans[index][0]] == " ":
                        index += 1
                    cut = spans[index][0] if index < count else length
                else:
                    cut = start
                if cut >= length:
                    break
                self._add(base + row_start, base + cut, turn, 0)
                row_start, cells, last_space = cut, 0, -1
                continue
            if end - start == 1 and paragraph[start] == " " and start > row_start:
                last_space = index
            cells += cell_width
            index += 1
        self._add(base + row_start, base + length, turn, HARD)

    # --- rows and offsets -------------------------------------------------------------

    def is_blank(self, row: int) -> bool:
        return bool(self.flags[row] & BLANK)

    def row_of(self, offset: int) -> int:
        """The text row holding ``offset``, or the text row before it if it is hidden."""
        row = bisect_right(self.starts, offset) - 1
        while row > 0 and self.flags[row] & BLANK:
            row -= 1
        return max(row, 0)

    def row_span(self, start: int, end: int) -> tuple[int, int]:
        """First and last row (inclusive) that ``[start, end)`` can touch."""
        first = self.row_of(start)
        last = self.row_of(max(start, end - 1))
        return first, max(first, last)

    def text_row_at_or_after(self, row: int) -> int | None:
        flags = self.flags
        while row < len(flags):
            if not flags[row] & BLANK:
                return row
            row += 1
        return None

    def text_row_at_or_before(self, row: int) -> int | None:
        flags = self.flags
        row = min(row, len(flags) - 1)
        while row >= 0:
            if not flags[row] & BLANK:
                return row
            row -= 1
        return None

    def cells(self, row: int) -> tuple[list[int], list[int]]:
        """Grapheme start offsets (relative to the row, plus its length) and the cell
        column of each; only needed for rows with wide or combining characters."""
        cached = self._cells.get(row)
        if cached is None:
            start, end = self.starts[row], self.ends[row]
            spans, total = split_graphemes(display_text(self.document.text[start:end]))
            bounds = [span[0] for span in spans]
            columns, x = [], 0
            for span in spans:
                columns.append(x)
                x += span[2]
            bounds.append(end - start)
            columns.append(total)
            if len(self._cells) > 1024:
                self._cells.clear()
            cached = self._cells[row] = (bounds, columns)
        return cached

    def last_position(self, row: int) -> int:
        """The furthest offset the cursor may stand on in ``row``."""
        start, end, flags = self.starts[row], self.ends[row], self.flags[row]
        if flags & HARD or end == start:
            return end
        if flags & SIMPLE:
            return end - 1
        bounds, _ = self.cells(row)
        return start + bounds[-2]

    def snap(self, offset: int) -> int:
        """A cursor position: visible, and on a grapheme boundary."""
        offset = self.document.clamp(offset)
        row = self.row_of(offset)
        start = self.starts[row]
        if offset < start:
            return start
        offset = min(offset, self.last_position(row))
        if self.flags[row] & SIMPLE:
            return offset
        bounds, _ = self.cells(row)
        return start + bounds[bisect_right(bounds, offset - start) - 1]

    def column_of(self, row: int, offset: int) -> int:
        """Cell column of ``offset`` within ``row``."""
        start = self.starts[row]
        relative = max(0, min(offset, self.ends[row]) - start)
        if self.flags[row] & SIMPLE:
            return relative
        bounds, columns = self.cells(row)
        return columns[bisect_right(bounds, relative) - 1]

    def offset_at_column(self, row: int, column: int) -> int:
        """The cursor position drawn at cell ``column`` of ``row`` (or its last one)."""
        start = self.starts[row]
        last = self.last_position(row)
        if column <= 0:
            return start
        if self.flags[row] & SIMPLE:
            return min(start + column, last)
        bounds, columns = self.cells(row)
        return min(start + bounds[bisect_right(columns, column) - 1], last)

    def next_position(self, offset: int) -> int:
        """One grapheme right, stepping over line breaks and hidden text."""
        row = self.row_of(offset)
        if offset < self.starts[row]:
            return self.starts[row]
        if offset < self.last_position(row):
            if self.flags[row] & SIMPLE:
                return offset + 1
            bounds, _ = self.cells(row)
            start = self.starts[row]
            return start + bounds[bisect_right(bounds, offset - start)]
        following = self.text_row_at_or_after(row + 1)
        return offset if following is None else self.starts[following]

    def previous_position(self, offset: int) -> int:
        """One grapheme left, stepping over line breaks and hidden text."""
        row = self.row_of(offset)
        start = self.starts[row]
        if offset > self.last_position(row):
            return self.last_position(row)
        if offset > start:
            if self.flags[row] & SIMPLE:
                return offset - 1
            bounds, _ = self.cells(row)
            return start + bounds[bisect_right(bounds, offset - start - 1) - 1]
        before = self.text_row_at_or_before(row - 1)
        return offset if before is None else self.last_position(before)
