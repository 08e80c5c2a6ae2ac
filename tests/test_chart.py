"""The bar chart PNG: a valid file at print resolution, whole Unicode labels wrapped
and never cut, a labelled axis, and Word takes it.

Run ``python tests/test_chart.py`` to write an example to /tmp/chart-example.png.
"""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from io import BytesIO
from pathlib import Path

import pytest

from qualcode.exporters.chart import (
    AXIS_LABEL,
    DPI,
    FONT,
    WIDTH,
    bar_chart_figure,
    bar_chart_png,
    wrap_label,
)

# This machine may have no CJK font: such characters are drawn as boxes, with a warning.
pytestmark = pytest.mark.filterwarnings("ignore:Glyph .* missing from font")

LABELS = [
    "Lack of dedicated time and resource",
    "Differences in working culture, practices and approaches to care, at some length",
    "Café “naïve” – COVID-19 Ψυχική υγεία 漢字",
    "Nothing",
]
VALUES = [120, 60, 30, 0]


def chunks(png: bytes) -> dict[bytes, bytes]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    out: dict[bytes, bytes] = {}
    position = 8
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        data = png[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", png[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + data), kind
        out.setdefault(kind, data)
        position += 12 + length
    return out


def size_and_dpi(png: bytes) -> tuple[int, int, float]:
    parts = chunks(png)
    width, height = struct.unpack(">II", parts[b"IHDR"][:8])
    x, y, unit = struct.unpack(">IIB", parts[b"pHYs"])
    assert unit == 1 and x == y  # pixels per metre
    return width, height, x * 0.0254


def texts(labels: list[str], values: list[int], title: str = "t") -> list[str]:
    from matplotlib.text import Text

    figure = bar_chart_figure(labels, values, title=title)
    figure.canvas.draw()  # tick labels exist once drawn
    return [t.get_text() for t in figure.findobj(Text) if t.get_text()]


def test_png_is_page_wide_at_print_resolution() -> None:
    width, height, dpi = size_and_dpi(bar_chart_png(LABELS, VALUES, title="Coded extracts"))
    assert dpi == pytest.approx(DPI, abs=1)
    assert width == round(WIDTH * DPI) and height > 2 * DPI


def test_unicode_labels_survive_whole_into_the_figure() -> None:
    drawn = texts(LABELS, VALUES, title="Coded extracts per code")
    joined = "\n".join(drawn)
    flat = " ".join(joined.split())
    for label in LABELS:
        assert " ".join(label.split()) in flat  # wrapped, but every word there
    assert "Café" in joined and "Ψυχική" in joined and "漢字" in joined
    assert "..." not in joined and "\u2026" not in joined
    assert AXIS_LABEL in drawn and "Coded extracts per code" in drawn


def test_long_names_wrap_on_word_boundaries_and_are_never_cut() -> None:
    long = LABELS[1]
    wrapped = wrap_label(long)
    assert "\n" in wrapped and wrapped.replace("\n", " ") == long
    assert all(len(line) <= 30 for line in wrapped.splitlines())
    word = "Interprofessionalcollaborationwithoutanyspaces"
    assert wrap_label(word) == word  # one word longer than a line stays whole


def test_the_chart_is_drawn_in_the_documents_font() -> None:
    from matplotlib.text import Text

    figure = bar_chart_figure(LABELS, VALUES, title="t")
    figure.canvas.draw()
    names = {t.get_fontname() for t in figure.findobj(Text) if t.get_text()}
    assert names == {FONT}


def test_word_can_embed_the_chart() -> None:
    from docx import Document
    from docx.shared import Inches

    document = Document()
    picture = document.add_picture(BytesIO(bar_chart_png(LABELS, VALUES, title="t")))
    assert picture.width == Inches(WIDTH)  # the PNG's dpi gives its printed size
    document.save(BytesIO())


def test_empty_and_bad_input() -> None:
    size_and_dpi(bar_chart_png([], [], title="Nothing coded yet"))
    with pytest.raises(ValueError, match="labels"):
        bar_chart_png(["a"], [1, 2], title="t")
    with pytest.raises(ValueError, match="negative"):
        bar_chart_png(["a"], [-1], title="t")


def test_importing_the_exporters_does_not_load_matplotlib() -> None:
    code = (
        "import sys, qualcode.exporters.chart, qualcode.exporters.docx_report, qualcode.cli.app;"
        "print('matplotlib' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


if __name__ == "__main__":
    example = Path("/tmp/chart-example.png")
    example.write_bytes(
        bar_chart_png(LABELS, VALUES, title="Barriers to involvement: coded extracts per code")
    )
    print(f"wrote {example}")
