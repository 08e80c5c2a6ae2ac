"""A horizontal bar chart of code frequencies as a PNG, drawn with matplotlib.

The report's one figure ("coded extracts per code, most frequent first") is drawn at
print resolution in DejaVu Sans, the document's body font, which ships with matplotlib
and covers accented Latin, Greek and Cyrillic; a CJK font is added as a fallback when
the machine has one. Long code names wrap onto more lines and are never cut short.
One colour-blind-safe blue (Okabe-Ito) for the bars.

matplotlib is imported inside the functions: the TUI and CLI start without it, and the
object API with the Agg canvas never opens a display or touches pyplot's global state.
The labels come from the report record, already through the identifier register.
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Sequence
from contextlib import AbstractContextManager
from io import BytesIO
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FONT = "DejaVu Sans"  # also the Word document's body font (see docx_report.ensure_styles)
# Tried in order after DejaVu Sans for characters it lacks (Chinese, Japanese, Korean).
FALLBACK_FONTS = ("Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK", "WenQuanYi Zen Hei")
BAR = "#0072B2"  # Okabe-Ito blue: reads the same to the common forms of colour blindness
TEXT = "#222222"
GRID = "#d0d0d0"
DPI = 250  # stored in the PNG, so Word and LibreOffice place it at its printed size
WIDTH = 6.0  # inches: the text width of a portrait page with Word's default margins
LABEL_WRAP = 30  # characters per line of a code's name
TITLE_WRAP = 70
MAX_HEIGHT = 7.0  # inches: the figure, its heading and caption fit on one page
FONT_SIZE = 8.5  # points, at the printed size
AXIS_LABEL = "Coded extracts"


def bar_chart_png(
    labels: Sequence[str],
    values: Sequence[int],
    *,
    title: str,
    axis_label: str = AXIS_LABEL,
    width: float = WIDTH,
    dpi: int = DPI,
) -> bytes:
    """``values`` as horizontal bars, first at the top, each named by its label."""
    figure = bar_chart_figure(labels, values, title=title, axis_label=axis_label, width=width)
    buffer = BytesIO()
    with _style(), warnings.catch_warnings():
        # A character no installed font has is drawn as a box; saying so on the
        # terminal for every export helps nobody.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        # No "Software" entry: the file says nothing about the machine that drew it.
        figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def bar_chart_figure(
    labels: Sequence[str],
    values: Sequence[int],
    *,
    title: str,
    axis_label: str = AXIS_LABEL,
    width: float = WIDTH,
) -> Figure:
    """The chart as a matplotlib figure (what :func:`bar_chart_png` saves)."""
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels for {len(values)} values")
    if any(value < 0 for value in values):
        raise ValueError("a bar chart of counts cannot show a negative value")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    wrapped = [wrap_label(label) for label in labels]
    lines = [label.count("\n") + 1 for label in wrapped]
    with _style():
        figure = Figure(figsize=(width, _height(lines)), layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        axes.set_title(textwrap.fill(title, TITLE_WRAP), loc="left", fontweight="bold")
        if not labels:
            axes.set_axis_off()
            axes.text(0.5, 0.5, "Nothing coded yet", ha="center", va="center")
            return figure
        centres = _centres(lines)
        bars = axes.barh(centres, list(values), height=0.62, color=BAR)
        axes.set_yticks(centres, labels=wrapped)
        axes.set_ylim(centres[-1] + _half(lines[-1]) + 0.2, -0.2)  # first label at the top
        axes.bar_label(bars, padding=3, color=TEXT)
        axes.set_xlabel(axis_label)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlim(0, max(max(values), 1) * 1.1)
        axes.grid(axis="x", color=GRID, linewidth=0.6)
        axes.set_axisbelow(True)
        axes.tick_params(axis="y", length=0)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
    return figure


def wrap_label(label: str) -> str:
    """A code's name on as many lines as it needs; words stay whole (a word longer than
    a line is broken only where it has a hyphen)."""
    return (
        "\n".join(textwrap.wrap(label, LABEL_WRAP, break_long_words=False, break_on_hyphens=True))
        or label
    )


def _centres(lines: list[int]) -> list[float]:
    """Bar positions: a label of three lines gets more room than a label of one."""
    centres: list[float] = []
    position = 0.0
    for count in lines:
        position += _half(count)
        centres.append(position)
        position += _half(count)
    return centres


def _half(lines: int) -> float:
    return 0.5 + 0.2 * (lines - 1)


def _height(lines: list[int]) -> float:
    """Inches: room for every label's lines, the title and the axis."""
    rows = sum(2 * _half(count) for count in lines)
    return min(MAX_HEIGHT, max(2.0, 0.9 + 0.2 * rows))


def _style() -> AbstractContextManager[Any]:
    import matplotlib
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    families = [FONT, *(name for name in FALLBACK_FONTS if name in installed)]
    return matplotlib.rc_context(
        {
            "font.family": families,
            "font.size": FONT_SIZE,
            "text.color": TEXT,
            "axes.labelcolor": TEXT,
            "xtick.color": TEXT,
            "ytick.color": TEXT,
            "axes.edgecolor": "#888888",
            "axes.titlesize": FONT_SIZE + 1.5,
            "figure.facecolor": "white",
            "savefig.facecolor": "white",
        }
    )
