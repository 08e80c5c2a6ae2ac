"""A horizontal bar chart of code frequencies as a PNG, drawn without a plotting library.

A report needs one figure ("codings per code, most frequently identified first"), and
a plotting dependency would outweigh the rest of qualcode's exports. The chart is
rasterised with NumPy into an RGB array, text comes from the small bitmap font below
(printable ASCII, 5x7 with descenders, drawn at twice its size), and the PNG is
written with zlib and struct. One colour-blind-safe blue (Okabe-Ito) for the bars.
"""

from __future__ import annotations

import struct
import unicodedata
import zlib
from collections.abc import Sequence
from functools import cache

import numpy as np

BAR = (0, 114, 178)  # Okabe-Ito blue: reads the same to the common forms of colour blindness
TEXT = (34, 34, 34)
AXIS = (150, 150, 150)
BACKGROUND = (255, 255, 255)
DPI = 250  # stored in the PNG: 1600 pixels make a 6.4 inch figure in Word

# Each glyph: rows of 5 pixels ('#' on) separated by '/'. Rows 0-6 hold capitals and
# digits; rows 7-8 are the descenders of g, j, p, q, y and the tails of , and ;.
_FONT = {
    " ": "", "!": "..#../..#../..#../..#../..#../...../..#..",
    '"': ".#.#./.#.#.", "#": ".#.#./.#.#./#####/.#.#./#####/.#.#./.#.#.",
    "$": "..#../.####/#.#../.###./..#.#/####./..#..",
    "%": "##.../##..#/...#./..#../.#.../#..##/...##",
    "&": ".##../#..#./#.#../.#.../#.#.#/#..#./.##.#", "'": "..#../..#..",
    "(": "...#./..#../.#.../.#.../.#.../..#../...#.",
    ")": ".#.../..#../...#./...#./...#./..#../.#...",
    "*": "...../..#../#.#.#/.###./#.#.#/..#..", "+": "...../..#../..#../#####/..#../..#..",
    ",": "...../...../...../...../...../..##./..##./...#./..#..",
    "-": "...../...../...../.###.", ".": "...../...../...../...../...../.##../.##..",
    "/": "...../....#/...#./..#../.#.../#....",
    "0": ".###./#...#/#..##/#.#.#/##..#/#...#/.###.",
    "1": "..#../.##../..#../..#../..#../..#../.###.",
    "2": ".###./#...#/....#/...#./..#../.#.../#####",
    "3": "#####/...#./..#../...#./....#/#...#/.###.",
    "4": "...#./..##./.#.#./#..#./#####/...#./...#.",
    "5": "#####/#..../####./....#/....#/#...#/.###.",
    "6": "..##./.#.../#..../####./#...#/#...#/.###.",
    "7": "#####/....#/...#./..#../.#.../.#.../.#...",
    "8": ".###./#...#/#...#/.###./#...#/#...#/.###.",
    "9": ".###./#...#/#...#/.####/....#/...#./.##..",
    ":": "...../.##../.##../...../.##../.##..",
    ";": "...../.##../.##../...../.##../.##../..#../.#...",
    "<": "...#./..#../.#.../#..../.#.../..#../...#.", "=": "...../...../#####/...../#####",
    ">": ".#.../..#../...#./....#/...#./..#../.#...",
    "?": ".###./#...#/....#/...#./..#../...../..#..",
    "@": ".###./#...#/....#/.##.#/#.#.#/#.#.#/.###.",
    "A": ".###./#...#/#...#/#####/#...#/#...#/#...#",
    "B": "####./#...#/#...#/####./#...#/#...#/####.",
    "C": ".###./#...#/#..../#..../#..../#...#/.###.",
    "D": "###../#..#./#...#/#...#/#...#/#..#./###..",
    "E": "#####/#..../#..../####./#..../#..../#####",
    "F": "#####/#..../#..../####./#..../#..../#....",
    "G": ".###./#...#/#..../#.###/#...#/#...#/.####",
    "H": "#...#/#...#/#...#/#####/#...#/#...#/#...#",
    "I": ".###./..#../..#../..#../..#../..#../.###.",
    "J": "..###/...#./...#./...#./...#./#..#./.##..",
    "K": "#...#/#..#./#.#../##.../#.#../#..#./#...#",
    "L": "#..../#..../#..../#..../#..../#..../#####",
    "M": "#...#/##.##/#.#.#/#.#.#/#...#/#...#/#...#",
    "N": "#...#/#...#/##..#/#.#.#/#..##/#...#/#...#",
    "O": ".###./#...#/#...#/#...#/#...#/#...#/.###.",
    "P": "####./#...#/#...#/####./#..../#..../#....",
    "Q": ".###./#...#/#...#/#...#/#.#.#/#..#./.##.#",
    "R": "####./#...#/#...#/####./#.#../#..#./#...#",
    "S": ".####/#..../#..../.###./....#/....#/####.",
    "T": "#####/..#../..#../..#../..#../..#../..#..",
    "U": "#...#/#...#/#...#/#...#/#...#/#...#/.###.",
    "V": "#...#/#...#/#...#/#...#/#...#/.#.#./..#..",
    "W": "#...#/#...#/#...#/#.#.#/#.#.#/#.#.#/.#.#.",
    "X": "#...#/#...#/.#.#./..#../.#.#./#...#/#...#",
    "Y": "#...#/#...#/.#.#./..#../..#../..#../..#..",
    "Z": "#####/....#/...#./..#../.#.../#..../#####",
    "[": ".###./.#.../.#.../.#.../.#.../.#.../.###.",
    "\\": "...../#..../.#.../..#../...#./....#",
    "]": ".###./...#./...#./...#./...#./...#./.###.", "^": "..#../.#.#./#...#",
    "_": "...../...../...../...../...../...../#####", "`": ".#.../..#..",
    "a": "...../...../.###./....#/.####/#...#/.####",
    "b": "#..../#..../#.##./##..#/#...#/#...#/####.",
    "c": "...../...../.###./#..../#..../#...#/.###.",
    "d": "....#/....#/.##.#/#..##/#...#/#...#/.####",
    "e": "...../...../.###./#...#/#####/#..../.###.",
    "f": "..##./.#..#/.#.../###../.#.../.#.../.#...",
    "g": "...../...../.####/#...#/#...#/#...#/.####/....#/.###.",
    "h": "#..../#..../#.##./##..#/#...#/#...#/#...#",
    "i": "..#../...../.##../..#../..#../..#../.###.",
    "j": "...#./...../..##./...#./...#./...#./...#./#..#./.##..",
    "k": "#..../#..../#..#./#.#../##.../#.#../#..#.",
    "l": ".##../..#../..#../..#../..#../..#../.###.",
    "m": "...../...../##.#./#.#.#/#.#.#/#.#.#/#.#.#",
    "n": "...../...../#.##./##..#/#...#/#...#/#...#",
    "o": "...../...../.###./#...#/#...#/#...#/.###.",
    "p": "...../...../####./#...#/#...#/#...#/####./#..../#....",
    "q": "...../...../.####/#...#/#...#/#...#/.####/....#/....#",
    "r": "...../...../#.##./##..#/#..../#..../#....",
    "s": "...../...../.####/#..../.###./....#/####.",
    "t": ".#.../.#.../###../.#.../.#.../.#..#/..##.",
    "u": "...../...../#...#/#...#/#...#/#..##/.##.#",
    "v": "...../...../#...#/#...#/#...#/.#.#./..#..",
    "w": "...../...../#...#/#...#/#.#.#/#.#.#/.#.#.",
    "x": "...../...../#...#/.#.#./..#../.#.#./#...#",
    "y": "...../...../#...#/#...#/#...#/#...#/.####/....#/.###.",
    "z": "...../...../#####/...#./..#../.#.../#####",
    "{": "...#./..#../..#../.#.../..#../..#../...#.",
    "|": "..#../..#../..#../..#../..#../..#../..#..",
    "}": ".#.../..#../..#../...#./..#../..#../.#...", "~": "...../...../.#.../#.#.#/...#.",
}  # fmt: skip
GLYPH_WIDTH, GLYPH_HEIGHT, CAP_HEIGHT = 5, 9, 7
CELL_WIDTH, CELL_HEIGHT = GLYPH_WIDTH + 1, GLYPH_HEIGHT + 1  # with spacing
_SPELLED = {
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
    "\u2026": "...", "\u00a0": " ", "\u00df": "ss", "\u00e6": "ae", "\u00c6": "AE",
    "\u0153": "oe", "\u0152": "OE", "\u00f8": "o", "\u00d8": "O", "\u0142": "l", "\u0141": "L",
    "\u00a3": "GBP", "\u20ac": "EUR",
}  # fmt: skip


def bar_chart_png(
    labels: Sequence[str],
    values: Sequence[int],
    *,
    title: str,
    width: int = 1600,
    height: int | None = None,
) -> bytes:
    """One horizontal bar per label, in the order given, its value written at its end.

    Long labels are cut with "..."; characters outside ASCII are spelled in ASCII where
    there is a usual spelling (e -> e for é, curly quotes -> straight) and shown as '?'
    otherwise. ``height`` defaults to what the bars need.
    """
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels but {len(values)} values")
    if any(value < 0 for value in values):
        raise ValueError("bar values cannot be negative")
    if not 400 <= width <= 10_000:
        raise ValueError("the chart must be 400 to 10,000 pixels wide")
    count = len(labels)
    # Text grows with the picture, so it stays readable when Word fits it to the page:
    # at the default 1600 pixels, letters are drawn three times the font's size.
    scale = max(1, round(width / 550))
    margin, gap = 12 * scale, 6 * scale
    title_lines = _wrap(title, (width - 2 * margin) // (CELL_WIDTH * scale) - 1, lines=2)
    title_height = CELL_HEIGHT * scale * len(title_lines) + 8 * scale
    pitch = round(CELL_HEIGHT * scale * 1.7)
    if height is None:
        pitch = max(CELL_HEIGHT + 4, min(pitch, 16_000 // max(count, 1)))
        height = 2 * margin + title_height + max(count, 1) * pitch
    elif count:
        pitch = max(4, (height - 2 * margin - title_height) // count)
    if not 60 <= height <= 20_000:
        raise ValueError(f"a chart of {count} bars would be {height} pixels high (limit 20,000)")
    while scale > 1 and pitch < CELL_HEIGHT * scale + 4:
        scale -= 1  # many bars: smaller text rather than overlapping rows
    bar_height = max(2, round(pitch * 0.68))

    image = np.empty((height, width, 3), dtype=np.uint8)
    image[:] = BACKGROUND
    for line, text in enumerate(title_lines):
        y = margin + line * CELL_HEIGHT * scale
        for bold in range(scale // 2 + 1):  # drawn again one pixel over: a bold title
            _text(image, margin + bold, y, text, scale, TEXT)
    char = CELL_WIDTH * scale
    numbers = [f"{value:,}" for value in values]
    value_width = (max((len(n) for n in numbers), default=1) + 1) * char
    longest = max((len(_ascii(label)) for label in labels), default=0)
    label_width = min(longest * char, int(width * 0.55))
    label_chars = max(4, label_width // char)
    left = margin + label_width + gap
    room = max(1, width - margin - value_width - left)
    top = margin + title_height
    largest = max(values, default=0)
    for index, (label, value, number) in enumerate(zip(labels, values, numbers, strict=True)):
        row_top = top + index * pitch
        bar_top = row_top + (pitch - bar_height) // 2
        text_top = bar_top + (bar_height - CAP_HEIGHT * scale) // 2
        shown = _fit(label, label_chars)
        _text(image, left - gap - len(shown) * char, text_top, shown, scale, TEXT)
        length = round(room * value / largest) if largest else 0
        if value and length == 0:
            length = 1  # a non-zero count is never drawn as nothing
        image[bar_top : bar_top + bar_height, left : left + length] = BAR
        _text(image, left + length + char // 2, text_top, number, scale, TEXT)
    bottom = top + max(count, 1) * pitch
    image[top:bottom, left - 1 : left + 1] = AXIS
    return _png(image)


# --- text ------------------------------------------------------------------------------


def _ascii(text: str) -> str:
    out = []
    for char in text:
        if " " <= char <= "~":
            out.append(char)
            continue
        if char in _SPELLED:
            out.append(_SPELLED[char])
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        out.append(base if base and all(" " <= c <= "~" for c in base) else "?")
    return " ".join("".join(out).split())


def _wrap(text: str, limit: int, *, lines: int) -> list[str]:
    """``text`` broken at spaces into at most ``lines`` lines of ``limit`` characters."""
    out: list[str] = []
    words = _ascii(text).split(" ")
    while words and len(out) < lines:
        line = words.pop(0)
        while words and len(line) + 1 + len(words[0]) <= limit:
            line += " " + words.pop(0)
        out.append(line)
    if words:
        out[-1] = _fit(out[-1] + " " + " ".join(words), limit)
    return [_fit(line, limit) for line in out] or [""]


def _fit(text: str, limit: int) -> str:
    text = _ascii(text)
    if len(text) <= limit:
        return text
    kept = text[: max(0, limit - 3)]
    space = kept.rfind(" ")
    if text[len(kept)] != " " and space >= len(kept) - 12:
        kept = kept[:space]  # end at a word when one ends near the limit
    return kept.rstrip(" ,;:-") + "..."


@cache
def _glyph(char: str, scale: int) -> np.ndarray:
    rows = [row for row in _FONT.get(char, _FONT["?"]).split("/") if row]
    mask = np.zeros((GLYPH_HEIGHT, GLYPH_WIDTH), dtype=bool)
    for y, row in enumerate(rows):
        mask[y] = [pixel == "#" for pixel in row]
    return np.kron(mask, np.ones((scale, scale), dtype=bool)).astype(bool)


def _text(
    image: np.ndarray, x: int, y: int, text: str, scale: int, colour: tuple[int, int, int]
) -> None:
    """Draw ``text`` (already ASCII) with its top-left corner at (x, y), clipped."""
    height, width = image.shape[:2]
    for char in text:
        if char != " ":
            mask = _glyph(char, scale)
            top, left = max(y, 0), max(x, 0)
            bottom = min(y + mask.shape[0], height)
            right = min(x + mask.shape[1], width)
            if bottom > top and right > left:
                window = mask[top - y : bottom - y, left - x : right - x]
                image[top:bottom, left:right][window] = colour
        x += CELL_WIDTH * scale


# --- PNG -------------------------------------------------------------------------------


def _png(image: np.ndarray) -> bytes:
    """An 8-bit RGB PNG: signature, IHDR, pHYs (the DPI), one IDAT, IEND."""
    height, width = image.shape[:2]
    raw = np.zeros((height, width * 3 + 1), dtype=np.uint8)  # filter byte 0 per row
    raw[:, 1:] = image.reshape(height, width * 3)
    per_metre = round(DPI / 0.0254)
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),
            _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
            _chunk(b"IDAT", zlib.compress(raw.tobytes(), 6)),
            _chunk(b"IEND", b""),
        ]
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
