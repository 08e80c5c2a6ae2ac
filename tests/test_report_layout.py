"""The Word report's look (issue 13): tables sized to their content with words kept
whole, headers repeated and rows kept on a page, wide tables on landscape pages, a
title page that says what the report covers, a contents list readable as exported,
and a chart whose caption says what the chart says. Checked in the document's XML."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from typing import Any

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from qualcode.domain.reports import ChartData, Report, ReportQuote, ReportSection, ReportTable
from qualcode.exporters.docx_report import FONT, TABLE_POINTS, report_bytes
from qualcode.exporters.docx_tables import CELL_PADDING, column_widths, longest_word

pytestmark = pytest.mark.filterwarnings("ignore:Glyph .* missing from font")

CODES = (
    "Competing priorities and partnerships",
    "Differences in working culture, practices and approaches to care",
    "Reticence to take responsibility for managing risk",
)
GROUPS = (
    "Local area lead",
    "MEAM staff",
    "Mental health partner",
    "Partner from in-depth research area",
    "Person with lived experience",
    "Substance misuse partner",
)


def section(name: str, depth: int, quotes: int = 1) -> ReportSection:
    return ReportSection(
        code_uuid=name,
        name=name,
        path=name,
        depth=depth,
        definition="",
        quotes=tuple(
            ReportQuote(f"Quote {i} on {name}.", "Local area lead", "") for i in range(quotes)
        ),
        memos=(),
        summary="",
    )


RANKED = ReportTable(
    title="Most frequently identified",
    caption="Table 2: the codes with the most coded extracts.",
    headers=("Rank", "Code", "Extracts", "Sources"),
    rows=tuple((str(i + 1), code, "12", "4") for i, code in enumerate(CODES)),
)
MATRIX = ReportTable(
    title="Codes by stakeholder group",
    caption="Table 4: participants raising each code, by stakeholder group.",
    headers=("Code", *GROUPS, "All"),
    rows=tuple((code, *("1" for _ in GROUPS), "6") for code in CODES),
)
PAIRS = ReportTable(
    title="Codes applied together",
    caption="Table 6: pairs.",
    headers=("Code", "Applied with", "Passages"),
    rows=((CODES[0], CODES[1], "3"),),
)


def make_report(**changes: Any) -> Report:
    fields: dict[str, Any] = {
        "title": "Barriers and enablers",
        "subtitle": "Mental health involvement study",
        "scope": "363 coded extracts; the agreed (consensus) coding.",
        "author": "",
        "sections": (
            section("Barriers to involvement", 0, 0),
            section(CODES[0], 1),
            section("A third-level code", 2),
        ),
        "tables": (RANKED, MATRIX, PAIRS),
        "chart": ChartData(
            title="Coded extracts per code (most frequent first)",
            caption="Figure 1: Coded extracts per code (most frequent first)",
            labels=("Support from [name]", "Café culture"),
            values=(5, 3),
        ),
        "coders": 3,
        "sources": 9,
        "codebook": "Barriers and enablers: 69 codes, last changed 3 March 2025",
        "identifiers": 81,
    }
    fields.update(changes)
    return Report(**fields)


@pytest.fixture(scope="module")
def document() -> Any:
    return Document(BytesIO(report_bytes(make_report())))


def widths(table: Any) -> list[float]:
    return [int(c.get(qn("w:w"))) / 1440 for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]


def cell_widths(table: Any) -> list[list[int]]:
    return [
        [int(tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for tc in row._tr.tc_lst]
        for row in table.rows
    ]


# --- tables ----------------------------------------------------------------------------


def test_columns_are_sized_to_their_content(document: Any) -> None:
    ranked = document.tables[0]
    assert ranked._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    rank, code, extracts, sources = widths(ranked)
    assert rank < 0.8 and extracts < 1.0 and sources < 1.0  # numbers stay narrow
    assert code > 2.5 * rank  # the code names get the room
    assert sum(widths(ranked)) == pytest.approx(6.0, abs=0.02)  # the page's text width
    grid = [round(w * 1440) for w in widths(ranked)]
    assert all(row == grid for row in cell_widths(ranked))  # every cell says so too


def test_no_column_is_narrower_than_its_longest_word(document: Any) -> None:
    for table in document.tables:
        texts = [[cell.text for cell in row.cells] for row in table.rows]
        for index, width in enumerate(widths(table)):
            words = [longest_word(row[index], TABLE_POINTS, bold=True) for row in texts]
            assert width >= max(words) + CELL_PADDING - 0.01, (texts[0][index], width)


def test_a_word_wider_than_its_share_widens_its_column_instead_of_breaking() -> None:
    headers = ("Code", "Interprofessionalisation", "n")
    rows = (("x " * 200, "1", "2"),)
    widths = column_widths(headers, rows, 6.0, 8)
    assert widths[1] >= longest_word("Interprofessionalisation", 8, bold=True) + CELL_PADDING
    assert sum(widths) == pytest.approx(6.0)


def test_header_rows_repeat_and_rows_never_split(document: Any) -> None:
    for table in document.tables:
        rows = table._tbl.tr_lst
        assert rows[0].trPr.find(qn("w:tblHeader")) is not None
        assert all(row.trPr.find(qn("w:tblHeader")) is None for row in rows[1:])
        for row in rows:
            flags = [child.tag for child in row.trPr]
            assert qn("w:cantSplit") in flags
            if qn("w:tblHeader") in flags:  # the schema's order, or Word calls it corrupt
                assert flags.index(qn("w:cantSplit")) < flags.index(qn("w:tblHeader"))


def test_a_wide_table_gets_its_own_landscape_pages(document: Any) -> None:
    sections = document.sections
    orientations = [s.orientation for s in sections]
    assert orientations == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    landscape = sections[1]
    assert landscape.page_width > landscape.page_height
    assert sections[0].page_width == sections[2].page_width == landscape.page_height
    body = document.element.body
    blocks = list(body)
    matrix = document.tables[1]._tbl
    breaks = [
        i for i, b in enumerate(blocks) if b.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None
    ]
    assert len(breaks) == 2 and breaks[0] < blocks.index(matrix) < breaks[1]
    assert sum(widths(document.tables[1])) > 6.5  # it uses the landscape width
    # Its heading moved with it onto the landscape page.
    heading = blocks[blocks.index(matrix) - 2]
    assert "Codes by stakeholder group" in "".join(heading.itertext())


def test_a_report_ending_with_a_wide_table_ends_in_landscape() -> None:
    document = Document(BytesIO(report_bytes(make_report(tables=(RANKED, MATRIX)))))
    assert [s.orientation for s in document.sections] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE]


# --- title page and contents -------------------------------------------------------------


def paragraphs(document: Any) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in document.paragraphs]


def test_the_title_page_says_what_the_report_covers(document: Any) -> None:
    texts = [text for _, text in paragraphs(document)]
    first_page = texts[: texts.index("Contents")]
    joined = "\n".join(first_page)
    assert first_page[0] == "Barriers and enablers"
    assert "Mental health involvement study" in joined
    assert "Date: " in joined
    assert "Selection: 363 coded extracts; the agreed (consensus) coding." in joined
    assert "Transcripts: quotes from 9 transcripts." in joined
    assert "Coders: codings by 3 coders." in joined
    assert "Codebook: Barriers and enablers: 69 codes, last changed 3 March 2025." in joined
    assert "identifier register (81 names and places) was applied" in joined


def test_coders_are_named_only_when_the_report_names_them() -> None:
    named = Document(BytesIO(report_bytes(make_report(coder_names=("Ana", "Ben", "Cat")))))
    assert "Coders: codings by 3 coders (Ana, Ben, Cat)." in [p.text for p in named.paragraphs]


def test_the_contents_list_is_written_out_and_wrapped_in_a_field(document: Any) -> None:
    styled = paragraphs(document)
    start = [text for _, text in styled].index("Contents")
    entries = [(s, t) for s, t in styled[start + 1 :] if s.startswith("Contents ")]
    assert entries == [
        ("Contents 1", "Barriers to involvement"),
        ("Contents 2", CODES[0]),
        ("Contents 1", "Evidence tables"),
        ("Contents 2", "Most frequently identified"),
        ("Contents 2", "Codes by stakeholder group"),
        ("Contents 2", "Codes applied together"),
    ]
    body = document.element.body.xml
    assert "Update Field" not in body
    assert 'TOC \\o "1-2"' in body and 'w:dirty="true"' not in body  # no prompt on opening
    kinds = [c.get(qn("w:fldCharType")) for c in document.element.body.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"]


# --- the chart and the font --------------------------------------------------------------


def test_the_caption_says_what_the_chart_says_and_the_chart_is_page_wide(document: Any) -> None:
    caption = next(p.text for p in document.paragraphs if p.text.startswith("Figure 1"))
    assert caption == "Figure 1: Coded extracts per code (most frequent first)"
    shape = document.inline_shapes[0]
    assert shape.width == pytest.approx(6.0 * 914400, rel=0.001)


def test_the_chart_is_drawn_from_the_reports_labels(monkeypatch: pytest.MonkeyPatch) -> None:
    from qualcode.exporters import chart

    drawn: list[dict[str, Any]] = []
    real = chart.bar_chart_png

    def spy(labels: list[str], values: list[int], **options: Any) -> bytes:
        drawn.append({"labels": list(labels), **options})
        return real(labels, values, **options)

    monkeypatch.setattr(chart, "bar_chart_png", spy)
    report_bytes(make_report())
    assert drawn[0]["labels"] == ["Support from [name]", "Café culture"]  # as redacted
    assert drawn[0]["title"] == "Coded extracts per code (most frequent first)"
    assert drawn[0]["axis_label"] == "Coded extracts"


def test_every_style_uses_the_charts_font() -> None:
    data = report_bytes(make_report())
    with zipfile.ZipFile(BytesIO(data)) as archive:
        styles = archive.read("word/styles.xml").decode()
    assert not re.search(r"w:(ascii|hAnsi|eastAsia)Theme=|w:cstheme=", styles)
    assert f'w:ascii="{FONT}"' in styles


def test_the_services_chart_caption_is_the_charts_title() -> None:
    from qualcode.domain.evidence import CodeFrequency
    from qualcode.services.report_tables import _chart

    row = CodeFrequency("u", "Barriers > Competing priorities", 1, 4, 2, 2, 1, (), 4)
    chart = _chart((row,))
    assert chart is not None and chart.caption == f"Figure 1: {chart.title}"
    assert chart.labels == ("Competing priorities",)
