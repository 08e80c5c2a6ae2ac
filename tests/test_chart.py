"""The bar chart PNG: a valid file, bars in proportion, text drawn, and Word takes it.

Run ``python tests/test_chart.py`` to write an example to /tmp/chart-example.png.
"""

from __future__ import annotations

import struct
import zlib
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest

from qualcode.exporters.chart import _FONT, BAR, GLYPH_HEIGHT, GLYPH_WIDTH, _ascii, bar_chart_png

LABELS = [
    "Lack of dedicated time and resource",
    "Differences in working culture, practices and approaches to care, at some length",
    "Café “naïve” – COVID-19 🙂",
    "Nothing",
]
VALUES = [120, 60, 30, 0]


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    out = []
    position = 8
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        data = png[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", png[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + data), kind
        out.append((kind, data))
        position += 12 + length
    assert position == len(png)
    return out


def decode(png: bytes) -> np.ndarray:
    parts = chunks(png)
    assert parts[0][0] == b"IHDR" and parts[-1] == (b"IEND", b"")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", parts[0][1])
    assert (depth, colour, interlace) == (8, 2, 0)  # 8-bit RGB, not interlaced
    raw = zlib.decompress(b"".join(data for kind, data in parts if kind == b"IDAT"))
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(height, width * 3 + 1)
    assert not rows[:, 0].any()  # filter type 0 on every row
    return rows[:, 1:].reshape(height, width, 3)


def test_png_is_valid_with_the_asked_size() -> None:
    png = bar_chart_png(LABELS, VALUES, title="Codings per code", width=1200)
    image = decode(png)
    assert image.shape[1] == 1200 and image.shape[0] > 4 * 40
    fixed = decode(bar_chart_png(LABELS, VALUES, title="t", width=800, height=500))
    assert fixed.shape == (500, 800, 3)


def test_bars_are_in_proportion_and_zero_draws_no_bar() -> None:
    image = decode(bar_chart_png(LABELS, VALUES, title="Codings per code"))
    blue = np.all(image == BAR, axis=2)
    rows = [row for row in blue if row.any()]
    lengths = sorted({int(row.sum()) for row in rows}, reverse=True)
    assert len(lengths) == 3  # three bars; the zero draws none
    assert lengths[0] == pytest.approx(2 * lengths[1], abs=2)
    assert lengths[1] == pytest.approx(2 * lengths[2], abs=2)
    dark = np.all(image < 100, axis=2)
    assert dark[:, : image.shape[1] // 2].sum() > 2000  # labels drawn on the left


def test_word_can_embed_the_chart() -> None:
    from docx import Document
    from docx.shared import Inches

    document = Document()
    picture = document.add_picture(BytesIO(bar_chart_png(LABELS, VALUES, title="t")))
    assert picture.width > Inches(5)  # the PNG's 250 dpi gives a page-wide figure
    document.save(BytesIO())


def test_font_covers_printable_ascii_within_its_grid() -> None:
    assert set(_FONT) == {chr(c) for c in range(32, 127)}
    for char, glyph in _FONT.items():
        rows = glyph.split("/") if glyph else []
        assert len(rows) <= GLYPH_HEIGHT, char
        assert all(len(row) == GLYPH_WIDTH and set(row) <= {"#", "."} for row in rows), char


def test_text_outside_ascii_is_spelled_in_ascii_or_marked() -> None:
    assert _ascii("Café “naïve” – ok…") == 'Cafe "naive" - ok...'
    assert _ascii("漢 🙂") == "? ?"


def test_empty_and_bad_input() -> None:
    decode(bar_chart_png([], [], title="Nothing coded yet"))
    with pytest.raises(ValueError, match="labels"):
        bar_chart_png(["a"], [1, 2], title="t")
    with pytest.raises(ValueError, match="negative"):
        bar_chart_png(["a"], [-1], title="t")


if __name__ == "__main__":
    example = Path("/tmp/chart-example.png")
    example.write_bytes(
        bar_chart_png(LABELS, VALUES, title="Barriers to involvement: codings per code")
    )
    print(f"wrote {example}")
