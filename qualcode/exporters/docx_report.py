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

from datetime import UTC, datetime
from io import BytesIO
from typing import Any

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt

from qualcode.domain.reports import Report, ReportSection, ReportTable

_OWN_STYLES = {
    # name: (based on, italic, bold, size, alignment, left indent in inches)
    "Code Definition": ("Normal", True, False, None, None, None),
    "Extract Summary": ("Normal", False, False, 9, None, None),
    "Quote Attribution": ("Normal", False, False, 10, WD_ALIGN_PARAGRAPH.RIGHT, 0.5),
    "Extract Details": ("Normal", False, False, 8, WD_ALIGN_PARAGRAPH.RIGHT, 0.5),
    "Memo": ("Normal", False, False, 10, None, 0.3),
}


def report_bytes(report: Report) -> bytes:
    """``report`` as a Word document."""
    document = Document()
    ensure_styles(document)
    writer = DocumentWriter(document)
    writer.title_page(report)
    writer.contents()
    for section in report.sections:
        writer.section(section)
    if report.tables or report.chart:
        writer.heading("Evidence tables", 1)
        if report.chart:
            from qualcode.exporters.chart import bar_chart_png  # NumPy: only with a chart

            chart = report.chart
            png = bar_chart_png(list(chart.labels), list(chart.values), title=chart.title)
            writer.picture(png, chart.caption)
        for table in report.tables:
            writer.table(table)
    writer.finish()
    _set_properties(document, report)
    return document_bytes(document)


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

    def paragraph(self, text: str, style: str) -> None:
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

    def heading(self, text: str, level: int) -> None:
        self.paragraph(text, f"Heading {min(max(level, 1), 9)}")

    def page_break(self) -> None:
        paragraph = self.sentinel.insert_paragraph_before()
        paragraph.add_run().add_break(WD_BREAK.PAGE)

    def title_page(self, report: Report) -> None:
        self.paragraph(report.title, "Title")
        if report.subtitle:
            self.paragraph(report.subtitle, "Subtitle")
        self.paragraph(report.scope, "Normal")
        made = datetime.now(UTC).strftime("%d %B %Y")
        self.paragraph(
            f"Exported {made}" + (f" by {report.author}" if report.author else ""), "Normal"
        )
        self.paragraph(
            "Quotes are attributed by participant attributes, never by name; names and "
            "places in the project's identifier register are replaced. Omitted words are "
            "shown as [...].",
            "Extract Summary",
        )
        self.page_break()

    def contents(self) -> None:
        self.paragraph("Contents", "TOC Heading")
        paragraph = self.sentinel.insert_paragraph_before()
        _field(
            paragraph,
            'TOC \\o "1-3" \\h \\z \\u',
            "Right-click and choose Update Field to show the contents.",
        )
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
        paragraph.add_run().add_picture(BytesIO(png), width=Inches(6.3))
        if caption:
            self.paragraph(caption, "Caption")

    def table(self, table: ReportTable, *, heading: bool = True) -> None:
        if heading:
            self.heading(table.title, 2)
        if table.caption:
            self.paragraph(table.caption, "Caption")
        grid = self.document.add_table(rows=1, cols=len(table.headers))
        grid.style = self.styles["Light Grid Accent 1"]
        grid.autofit = False
        header = grid.rows[0]
        _repeat_header(header)
        for cell, text in zip(header.cells, table.headers, strict=True):
            cell.text = _xml_safe(text)
        for index, row in enumerate(table.rows):
            cells = grid.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = _xml_safe(text)
                if index in table.emphasis:
                    for run in cell.paragraphs[0].runs:
                        run.bold = True  # a theme row above its codes; the style has no row class
        _set_widths(grid, len(table.headers))
        # add_table appends at the end of the body: move it to its place.
        self.sentinel._p.addprevious(grid._tbl)
        self.sentinel.insert_paragraph_before()

    def finish(self) -> None:
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
    styles["Light Grid Accent 1"].font.size = Pt(8)  # evidence tables have many columns


def _field(paragraph: Any, instruction: str, placeholder: str) -> None:
    """A complex field (e.g. the table of contents) that Word fills in on update."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    begin.set(qn("w:dirty"), "true")  # ask Word to update it when the file opens
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = instruction
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    text = OxmlElement("w:t")
    text.text = placeholder
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, code, separate, text, end):
        run._r.append(element)


PAGE_WIDTH = 6.3  # inches between the default margins


def _set_widths(grid: Any, columns: int) -> None:
    """A wide first column (code names) and the rest shared, instead of equal widths
    that wrap a code's name a word per line."""
    first = PAGE_WIDTH * (0.5 if columns <= 3 else 0.3)
    rest = (PAGE_WIDTH - first) / max(columns - 1, 1)
    widths = [Inches(first)] + [Inches(rest)] * (columns - 1)
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width
    for row in grid.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _repeat_header(row: Any) -> None:
    properties = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    properties.append(flag)


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
