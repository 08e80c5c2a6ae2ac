"""Word tables laid out for reading: columns sized to what they hold, words kept whole,
header rows repeated on every page, rows kept on one page, wide tables on their own
landscape pages.

Word and LibreOffice size an "autofit" table differently, and neither reliably; a
fixed layout with widths worked out here looks the same in both. Widths come from an
estimate of each character's width in the body font (DejaVu Sans), which is close
enough to keep every column at least as wide as its longest word, header included.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from copy import deepcopy
from typing import Any

from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Inches

CELL_PADDING = 0.2  # inches: Word's default cell margins (0.08 each side) and a little air
BOLD = 1.1  # a bold glyph is about a tenth wider
WIDE_TABLE = 5  # more columns than this go on a landscape page
_NARROW = set("ijlt.,;:'!|()[]frI \u00a0")
_WIDE = set("mwMW@%\u2014")
_WORD_GAP = re.compile(r"(?<=\S)\s+")  # leading (em-space) indent stays with the first word


def char_width(char: str) -> float:
    """About how wide ``char`` is, in ems of DejaVu Sans."""
    if char in _NARROW:
        return 0.33
    if char in _WIDE:
        return 0.95
    if char == "\u2003":  # the em space that indents a code under its theme
        return 1.0
    if char.isdigit():
        return 0.64
    if char.isupper():
        return 0.72
    if ord(char) >= 0x2E80:  # CJK and other full-width scripts
        return 1.0
    return 0.62


def text_width(text: str, points: float, *, bold: bool = False) -> float:
    """Inches that ``text`` takes on one line at ``points``."""
    ems = sum(char_width(char) for char in text)
    return ems * points / 72 * (BOLD if bold else 1.0)


def longest_word(text: str, points: float, *, bold: bool = False) -> float:
    words = [word for line in text.splitlines() for word in _WORD_GAP.split(line.rstrip())]
    return max((text_width(word, points, bold=bold) for word in words), default=0.0)


def longest_line(text: str, points: float, *, bold: bool = False) -> float:
    return max((text_width(line, points, bold=bold) for line in text.splitlines()), default=0.0)


def column_widths(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    available: float,
    points: float,
    *,
    bold_rows: Sequence[int] = (),
) -> list[float]:
    """Inches per column: never narrower than the column's longest word (header, in
    bold, included), numbers kept narrow, and the rest of the width given to the
    columns whose text would otherwise wrap most."""
    bold = set(bold_rows)
    least = []
    natural = []
    for index, header in enumerate(headers):
        cells = [(row[index], i in bold) for i, row in enumerate(rows) if index < len(row)]
        word = max(
            [longest_word(header, points, bold=True)]
            + [longest_word(text, points, bold=b) for text, b in cells]
        )
        line = max(
            [longest_line(header, points, bold=True)]
            + [longest_line(text, points, bold=b) for text, b in cells]
        )
        least.append(word + CELL_PADDING)
        natural.append(max(line, word) + CELL_PADDING)
    text = [_is_text(rows, i) for i in range(len(headers))]
    return _grow(least, natural, text, available)


def needs_landscape(
    headers: Sequence[str], rows: Sequence[Sequence[str]], portrait: float, points: float
) -> bool:
    """A table of many columns, or one whose words cannot fit across a portrait page."""
    if len(headers) > WIDE_TABLE:
        return True
    least = column_widths(headers, rows, 0.0, points)
    return sum(least) > portrait


def _grow(
    least: list[float], natural: list[float], text: list[bool], available: float
) -> list[float]:
    """From the narrowest widths that keep words whole, widen text columns towards one
    line per cell first, then count columns towards one-line headers, then share what
    is left among the text columns: a count never takes room a code's name needs."""
    widths = list(least)
    spare = available - sum(widths)
    for chosen in ([i for i, t in enumerate(text) if t], [i for i, t in enumerate(text) if not t]):
        wants = {i: natural[i] - widths[i] for i in chosen if natural[i] > widths[i]}
        total = sum(wants.values())
        if spare <= 0 or not total:
            continue
        share = min(1.0, spare / total)
        for i, want in wants.items():
            widths[i] += want * share
        spare -= total * share
    if spare > 0:
        chosen = [i for i, t in enumerate(text) if t] or list(range(len(widths)))
        for i in chosen:
            widths[i] += spare / len(chosen)
    return widths


def _is_text(rows: Sequence[Sequence[str]], index: int) -> bool:
    return any(index < len(row) and row[index].strip() and not _numeric(row[index]) for row in rows)


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[\d.,%\s\u2014-]+", text))


def apply_layout(table: Any, widths: Sequence[float]) -> None:
    """Fixed layout with ``widths`` (inches); the first row a header repeated on every
    page; no row split across a page break."""
    table.autofit = False  # w:tblLayout fixed: Word and LibreOffice keep these widths
    properties = table._tbl.tblPr
    total = properties.find(qn("w:tblW"))
    if total is None:
        total = OxmlElement("w:tblW")
        properties.append(total)
    total.set(qn("w:type"), "dxa")
    total.set(qn("w:w"), str(sum(_twips(w) for w in widths)))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Inches(width)
    for index, row in enumerate(table.rows):
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Inches(width)
        _row_flags(row, header=index == 0)


def _twips(inches: float) -> int:
    return round(inches * 1440)


# w:trPr children must come in the schema's order: cantSplit before tblHeader.
_ROW_ORDER = ("w:cantSplit", "w:trHeight", "w:tblHeader")


def _row_flags(row: Any, *, header: bool) -> None:
    properties = row._tr.get_or_add_trPr()
    wanted = ["w:cantSplit"] + (["w:tblHeader"] if header else [])
    for tag in wanted:
        if properties.find(qn(tag)) is None:
            flag = OxmlElement(tag)
            flag.set(qn("w:val"), "true")
            later = [properties.find(qn(t)) for t in _ROW_ORDER[_ROW_ORDER.index(tag) + 1 :]]
            following = next((e for e in later if e is not None), None)
            if following is not None:
                following.addprevious(flag)
            else:
                properties.append(flag)


# --- page orientation -----------------------------------------------------------------


def text_width_of(section_properties: Any, part: Any) -> float:
    """Inches between the margins of the section ``section_properties`` describes."""
    section = Section(section_properties, part)
    width, left, right = section.page_width, section.left_margin, section.right_margin
    # None where the w:sectPr leaves them out; the report's template sets all three.
    assert width is not None and left is not None and right is not None
    return (width - left - right) / 914400


def section_break(template: Any, part: Any, *, landscape: bool) -> Any:
    """A paragraph that ends a section laid out like ``template`` (a w:sectPr), in
    the orientation given: the section before it, in Word's model."""
    paragraph = OxmlElement("w:p")
    properties = OxmlElement("w:pPr")
    section = deepcopy(template)
    orient(section, part, landscape=landscape)
    properties.append(section)
    paragraph.append(properties)
    return paragraph


def orient(section_properties: Any, part: Any, *, landscape: bool) -> None:
    """Turn the page of a w:sectPr: swap its width and height, and say which way."""
    section = Section(section_properties, part)
    width, height = section.page_width, section.page_height
    assert width is not None and height is not None  # the report's template sets both
    if (width > height) != landscape:
        section.page_width, section.page_height = height, width
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
