"""A Report record written as a Word document that a report template can restyle.

Everything is set through paragraph and table styles (Heading N, Quote, Caption and
qualcode's own "Quote Attribution", "Code Definition", "Extract Details" and "Memo"),
never by direct formatting, so a writer's house style applies with one click.

python-docx's ``add_paragraph`` slows down as a document grows (its issue 408: it
looks for the section properties at the end of the body every time); paragraphs are
inserted before one fixed sentinel instead, which keeps a 20,000-extract report flat.

Writers here return bytes and never redact: the export gate
(:mod:`qualcode.services.export_gate`) hands them records with the identifier register
already applied, and writes and checks the file. The chart is drawn here, from the
record's (already replaced) labels, so no name can reach the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt

from qualcode.domain.reports import CONSENSUS_CODER, Report, ReportSection, ReportTable
from qualcode.exporters.docx_tables import (
    apply_layout,
    column_widths,
    needs_landscape,
    orient,
    section_break,
    text_width_of,
)

FONT = "DejaVu Sans"  # the chart's font too: one typeface, wide Unicode coverage
TABLE_POINTS = 8  # evidence tables have many columns

_OWN_STYLES = {
    # name: (based on, italic, bold, size, alignment, left indent in inches)
    "Code Definition": ("Normal", True, False, None, None, None),
    "Extract Summary": ("Normal", False, False, 9, None, None),
    "Quote Attribution": ("Normal", False, False, 10, WD_ALIGN_PARAGRAPH.RIGHT, 0.5),
    "Extract Details": ("Normal", False, False, 8, WD_ALIGN_PARAGRAPH.RIGHT, 0.5),
    "Memo": ("Normal", False, False, 10, None, 0.3),
    "Report Facts": ("Normal", False, False, 10, None, None),
    "Contents 1": ("Normal", False, True, None, None, None),
    "Contents 2": ("Normal", False, False, None, None, 0.3),
}


def report_bytes(report: Report) -> bytes:
    """``report`` as a Word document."""
    document = Document()
    ensure_styles(document)
    writer = DocumentWriter(document)
    writer.title_page(report)
    writer.contents(contents_entries(report))
    if report.reliability:
        writer.heading(RELIABILITY_HEADING, 1)
        for paragraph in report.reliability.split("\n\n"):
            writer.paragraph(paragraph, "Normal")
    for section in report.sections:
        writer.section(section)
    if report.tables or report.chart:
        writer.heading(EVIDENCE_HEADING, 1)
        if report.chart:
            # matplotlib (about a second to import): loaded only for a report with a chart.
            from qualcode.exporters.chart import bar_chart_png

            chart = report.chart
            png = bar_chart_png(
                list(chart.labels), list(chart.values), title=chart.title, axis_label=chart.axis
            )
            writer.picture(png, chart.caption)
        for table in report.tables:
            writer.table(table)
    writer.finish()
    _set_properties(document, report)
    return document_bytes(document)


EVIDENCE_HEADING = "Evidence tables"
RELIABILITY_HEADING = "Reliability"
CONTENTS_DEPTH = 2  # heading levels listed in the contents


def contents_entries(report: Report) -> list[tuple[str, int]]:
    """The headings the report will have, to at most ``CONTENTS_DEPTH`` levels."""
    entries = [(RELIABILITY_HEADING, 1)] if report.reliability else []
    entries += [(s.name, s.depth + 1) for s in report.sections if s.depth < CONTENTS_DEPTH]
    if report.tables or report.chart:
        entries.append((EVIDENCE_HEADING, 1))
        entries += [(table.title, 2) for table in report.tables]
    return entries


def table_document_bytes(title: str, table: ReportTable) -> bytes:
    """A document holding one table, e.g. the codebook for an appendix."""
    document = Document()
    ensure_styles(document)
    writer = DocumentWriter(document)
    writer.heading(title, 1)
    writer.table(table, heading=False)
    writer.finish()
    document.core_properties.title = title
    document.core_properties.author = "qualcode"
    return document_bytes(document)


class DocumentWriter:
    def __init__(self, document: Any) -> None:
        self.document = document
        self.sentinel = document.add_paragraph()
        styles = document.styles
        self.styles = {name: styles[name] for name in _style_names(styles)}
        # Setting paragraph.style looks the style up among all styles every time (most
        # of the time of a large report): resolve each style's id once.
        self.style_ids = {name: style.style_id for name, style in self.styles.items()}
        self.part = document.part
        self.page = document.sections[-1]._sectPr  # the body's own: the last section's
        self.page_layout = deepcopy(self.page)  # portrait, as the template has it
        self.landscape = False

    def paragraph(self, text: str, style: str) -> Any:
        """One paragraph of plain text in a style, built as XML directly."""
        p = OxmlElement("w:p")
        properties = OxmlElement("w:pPr")
        style_element = OxmlElement("w:pStyle")
        style_element.set(qn("w:val"), self.style_ids[style])
        properties.append(style_element)
        p.append(properties)
        run = OxmlElement("w:r")
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = _xml_safe(text)
        run.append(t)
        p.append(run)
        self.sentinel._p.addprevious(p)
        return p

    def labelled(self, label: str, text: str, style: str = "Report Facts") -> None:
        """A paragraph that starts with a bold label ("Coders: ...")."""
        p = self.paragraph(text, style)
        run = OxmlElement("w:r")
        run_properties = OxmlElement("w:rPr")
        run_properties.append(OxmlElement("w:b"))
        run.append(run_properties)
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = _xml_safe(label) + " "
        run.append(t)
        p.find(qn("w:r")).addprevious(run)

    def heading(self, text: str, level: int) -> None:
        self.paragraph(text, f"Heading {min(max(level, 1), 9)}")

    def page_break(self) -> None:
        paragraph = self.sentinel.insert_paragraph_before()
        paragraph.add_run().add_break(WD_BREAK.PAGE)

    def title_page(self, report: Report) -> None:
        """Title, project, and what a reader needs to trust the report: the date, the
        selection, who coded, the codebook, and how identifiers were handled."""
        self.paragraph(report.title, "Title")
        if report.subtitle:
            self.paragraph(report.subtitle, "Subtitle")
        made = datetime.now(UTC).strftime("%d %B %Y").lstrip("0")
        self.labelled("Date:", made)
        if report.author:
            self.labelled("Prepared by:", report.author)
        self.labelled("Selection:", report.scope)
        if report.sources:
            self.labelled("Transcripts:", f"quotes from {_count(report.sources, 'transcript')}.")
        if report.coders:
            self.labelled("Coders:", _coders(report))
        if report.codebook:
            self.labelled("Codebook:", report.codebook + ".")
        self.labelled("Identifiers:", _identifiers(report.identifiers))
        self.page_break()

    def contents(self, entries: Sequence[tuple[str, int]]) -> None:
        """The headings written out, so the list reads as exported in any program; it
        is also the cached result of a contents field, which Word can update to add
        page numbers (References > Update Table)."""
        self.paragraph("Contents", "TOC Heading")
        if not entries:
            self.page_break()
            return
        paragraphs = [
            self.paragraph(text, f"Contents {min(level, CONTENTS_DEPTH)}")
            for text, level in entries
        ]
        _wrap_in_field(paragraphs, f'TOC \\o "1-{CONTENTS_DEPTH}" \\h \\z \\u')
        self.page_break()

    def section(self, section: ReportSection) -> None:
        self.heading(section.name, section.depth + 1)
        if section.definition:
            self.paragraph(section.definition, "Code Definition")
        if section.summary:
            self.paragraph(section.summary, "Extract Summary")
        for quote in section.quotes:
            self.paragraph(f"\u201c{quote.text}\u201d", "Quote")
            self.paragraph(f"\u2014 {quote.attribution}", "Quote Attribution")
            if quote.details:
                self.paragraph(quote.details, "Extract Details")
        for memo in section.memos:
            self.paragraph(f"Memo: {memo}", "Memo")

    def picture(self, png: bytes, caption: str) -> None:
        paragraph = self.sentinel.insert_paragraph_before()
        paragraph.add_run().add_picture(BytesIO(png), width=Inches(self._text_width()))
        paragraph.paragraph_format.keep_with_next = True  # the caption stays with it
        if caption:
            self.paragraph(caption, "Caption")

    def table(self, table: ReportTable, *, heading: bool = True) -> None:
        """A table sized to its content; a wide one on landscape pages of its own."""
        portrait = text_width_of(self.page_layout, self.part)
        landscape = needs_landscape(table.headers, table.rows, portrait, TABLE_POINTS)
        self.orientation(landscape=landscape)
        if heading:
            self.heading(table.title, 2)
        if table.caption:
            caption = self.paragraph(table.caption, "Caption")
            # A caption above a table is not left at the foot of the page before it.
            caption.find(qn("w:pPr")).append(OxmlElement("w:keepNext"))
        grid = self.document.add_table(rows=1, cols=len(table.headers))
        grid.style = self.styles["Light Grid Accent 1"]
        header = grid.rows[0]
        for cell, text in zip(header.cells, table.headers, strict=True):
            cell.text = _xml_safe(text)
        for index, row in enumerate(table.rows):
            cells = grid.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = _xml_safe(text)
                if index in table.emphasis:
                    for run in cell.paragraphs[0].runs:
                        run.bold = True  # a theme row above its codes; the style has no row class
        available = self._text_width()
        widths = column_widths(
            table.headers, table.rows, available, TABLE_POINTS, bold_rows=table.emphasis
        )
        apply_layout(grid, widths)
        # add_table appends at the end of the body: move it to its place.
        self.sentinel._p.addprevious(grid._tbl)
        self.sentinel.insert_paragraph_before()

    def orientation(self, *, landscape: bool) -> None:
        """Start a new section on a new page if the page must turn."""
        if landscape == self.landscape:
            return
        # The section that ends here keeps the orientation it had.
        self.sentinel._p.addprevious(
            section_break(self.page_layout, self.part, landscape=self.landscape)
        )
        self.landscape = landscape

    def _text_width(self) -> float:
        layout = deepcopy(self.page_layout)
        orient(layout, self.part, landscape=self.landscape)
        return text_width_of(layout, self.part)

    def finish(self) -> None:
        # The body's own section is the last one: it has the last content's orientation.
        orient(self.page, self.part, landscape=self.landscape)
        self.sentinel._p.getparent().remove(self.sentinel._p)


_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def _xml_safe(text: str) -> str:
    """Control characters (a stray form feed in a transcript) are not allowed in XML."""
    return text.translate(_CONTROL)


def _style_names(styles: Any) -> list[str]:
    wanted = [
        "Normal",
        "Title",
        "Subtitle",
        "Quote",
        "Caption",
        "TOC Heading",
        "Light Grid Accent 1",
    ]
    wanted += [f"Heading {n}" for n in range(1, 10)]
    wanted += list(_OWN_STYLES)
    return wanted


def ensure_styles(document: Any) -> None:
    styles = document.styles
    existing = {style.name for style in styles}
    for name, (base, italic, bold, size, alignment, indent) in _OWN_STYLES.items():
        if name in existing:
            continue
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles[base]
        style.quick_style = True
        font = style.font
        font.italic = italic or None
        font.bold = bold or None
        if size:
            font.size = Pt(size)
        if alignment is not None:
            style.paragraph_format.alignment = alignment
        if indent is not None:
            style.paragraph_format.left_indent = Inches(indent)
    styles["Quote"].paragraph_format.keep_with_next = True
    styles["Light Grid Accent 1"].font.size = Pt(TABLE_POINTS)
    for name in ("Contents 1", "Contents 2", "Report Facts"):
        styles[name].paragraph_format.space_after = Pt(3)
    _one_font(styles, FONT)


def _one_font(styles: Any, name: str) -> None:
    """Every style in ``name`` instead of the theme's fonts (Calibri, Cambria), so the
    text matches the chart and shows accents, Greek and Cyrillic in any program."""
    defaults = styles.element.find(qn("w:docDefaults"))
    fonts = list(styles.element.iter(qn("w:rFonts")))
    if defaults is not None and not any(defaults in f.iterancestors() for f in fonts):
        run = defaults.find(qn("w:rPrDefault"))
        if run is not None and run.find(qn("w:rPr")) is not None:
            element = OxmlElement("w:rFonts")
            run.find(qn("w:rPr")).insert(0, element)
            fonts.append(element)
    for element in fonts:
        for attribute in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            element.attrib.pop(qn(f"w:{attribute}"), None)
        for attribute in ("ascii", "hAnsi", "eastAsia", "cs"):
            element.set(qn(f"w:{attribute}"), name)


def _wrap_in_field(paragraphs: Sequence[Any], instruction: str) -> None:
    """Make ``paragraphs`` the shown result of a field (begin and code in the first,
    end in the last), as Word writes a table of contents."""
    first = paragraphs[0]
    head = []
    for kind, text in (("begin", None), ("code", instruction), ("separate", None)):
        run = OxmlElement("w:r")
        if kind == "code":
            code = OxmlElement("w:instrText")
            code.set(qn("xml:space"), "preserve")
            code.text = text
            run.append(code)
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run.append(char)
        head.append(run)
    text_run = first.find(qn("w:r"))
    for run in head:
        text_run.addprevious(run)
    end = OxmlElement("w:r")
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), "end")
    end.append(char)
    paragraphs[-1].append(end)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _coders(report: Report) -> str:
    if set(report.coder_names) == {CONSENSUS_CODER}:
        return "the agreed (consensus) version of the coding."
    text = f"codings by {_count(report.coders, 'coder')}"
    if report.coder_names:
        text += " (" + ", ".join(report.coder_names) + ")"
    return text + "."


def _identifiers(entries: int) -> str:
    if not entries:
        return (
            "the project's identifier register is empty, so no names were replaced; "
            "quotes are attributed by participant attributes, never by name. Omitted "
            "words are shown as [...]."
        )
    return (
        f"the project's identifier register ({entries} "
        f"{'name or place' if entries == 1 else 'names and places'}) was "
        "applied to every quote, heading, table and the chart, replacing each with a "
        "bracketed description, and the file was checked for any left over before it "
        "was saved. Quotes are attributed by participant attributes, never by name. "
        "Omitted words are shown as [...]."
    )


def _set_properties(document: Any, report: Report) -> None:
    properties = document.core_properties
    properties.title = _xml_safe(report.title)
    properties.subject = _xml_safe(report.subtitle)
    properties.author = _xml_safe(report.author) or "qualcode"
    properties.comments = _xml_safe(report.scope)
    properties.keywords = "qualitative analysis; coded extracts; qualcode"
    properties.created = datetime.now(UTC).replace(tzinfo=None)
    properties.last_modified_by = "qualcode"


def document_bytes(document: Any) -> bytes:
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
