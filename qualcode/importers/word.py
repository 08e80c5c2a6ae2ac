"""Reading .docx transcripts.

The file is checked by :mod:`qualcode.importers.zip_safety` before python-docx
opens it. The stored text is every non-empty paragraph in body order, table
cells included (each cell paragraph is a paragraph of its own, row by row), and
paragraphs are joined with a blank line ("\\n\\n"), so the stored text reads like
the document and a speakerless document falls into one turn per paragraph just
as a .txt file does. Empty paragraphs are dropped (Word users space text with them).
Text in tracked insertions is kept and tracked deletions are left out, as Word
shows the document with "no markup"; text boxes, headers, footers and comments
are not part of the transcript.

Speaker turns: a paragraph starting with a **bold** label ("**Interviewer:**"
or "**Interviewer**:", the colon inside the bold run or just after it), or with
a plain "Label:" accepted by the same rules as plain text
(:mod:`qualcode.importers.speakers`). Paragraphs without a label continue the
previous turn.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from qualcode.domain.errors import InputFileError
from qualcode.domain.records import ParsedTranscript
from qualcode.domain.text import clean_text
from qualcode.importers.decoding import EMPTY, cleaning_notes
from qualcode.importers.limits import check_size
from qualcode.importers.speakers import (
    LABEL_LINE,
    LABEL_LOOSE,
    Mark,
    mark_from_match,
    select_speakers,
)
from qualcode.importers.turns import paragraph_turns, turns_from_marks
from qualcode.importers.zip_safety import check_office_zip

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _R, _T, _TBL, _TR, _TC = (f"{_W}{tag}" for tag in ("p", "r", "t", "tbl", "tr", "tc"))
_RPR, _B, _RSTYLE, _VAL = f"{_W}rPr", f"{_W}b", f"{_W}rStyle", f"{_W}val"
_BREAK_TEXT = {
    f"{_W}{tag}": text
    for tag, text in (
        ("tab", "\t"),
        ("ptab", "\t"),
        ("br", "\n"),
        ("cr", "\n"),
        ("noBreakHyphen", "-"),
    )
}
# Elements whose children are part of the paragraph's running text.
_INLINE_CONTAINERS = frozenset(
    f"{_W}{tag}"
    for tag in (
        "hyperlink",
        "ins",
        "moveTo",
        "smartTag",
        "customXml",
        "fldSimple",
        "sdt",
        "sdtContent",
        "dir",
        "bdo",
    )
)
# Block-level elements whose children are body content.
_BLOCK_CONTAINERS = frozenset(f"{_W}{tag}" for tag in ("sdt", "sdtContent", "customXml", "ins"))
_FALSE = frozenset({"0", "false", "off", "none"})
_PARAGRAPH_GAP = "\n\n"
_BREAK = None  # marks a visual break (empty paragraph, table edge) in the paragraph stream

Piece = tuple[int, int, bool]  # start, end (within the paragraph) and boldness of a run


def read_word(path: Path, *, max_bytes: int) -> ParsedTranscript:
    """Read a .docx transcript, refusing unsafe files before python-docx sees them."""
    check_size(path, max_bytes)
    check_office_zip(path, required="word/document.xml", kind="Word")
    document = _open(path)
    bold_styles = _bold_character_styles(document)
    parts: list[str] = []
    marks: list[Mark] = []
    position = 0
    block_end: int | None = None
    seen_break = False
    removed = 0
    for paragraph in _paragraphs(document.element.body):
        if paragraph is _BREAK:
            seen_break = True
            continue
        text, pieces, removed_here = _paragraph_text(paragraph, bold_styles)
        removed += removed_here
        if not text.strip():
            seen_break = True
            continue
        if parts:
            parts.append(_PARAGRAPH_GAP)
            position += len(_PARAGRAPH_GAP)
            if seen_break and block_end is None:
                block_end = position
        seen_break = False
        mark = _mark(text, pieces, position)
        if mark is not None:
            marks.append(mark)
        parts.append(text)
        position += len(text)
    full = "".join(parts)
    if not full.strip():
        raise InputFileError(path, EMPTY)
    chosen = select_speakers(full, marks, block_end)
    turns = turns_from_marks(full, chosen) if chosen else []
    if not turns:
        turns = paragraph_turns(full)
    return ParsedTranscript(
        text=full,
        turns=tuple(turns),
        original_name=path.name,
        format="docx",
        notes=cleaning_notes(removed),
    )


def _open(path: Path) -> Any:
    # Deferred: python-docx loads lxml and is only needed when a .docx is imported.
    import docx

    try:
        return docx.Document(str(path))
    except Exception as exc:  # any failure on a hostile file means "cannot read it"
        if isinstance(exc, ValueError) and "content type" in str(exc):
            # A template (.dotx), macro document (.docm) or other Office file renamed .docx.
            raise InputFileError(
                path, "not a Word document (a template or macro file? save it as .docx)"
            ) from None
        detail = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise InputFileError(path, f"not a valid Word file ({detail})") from None


def _bold_character_styles(document: Any) -> dict[str, bool]:
    """Which character styles (e.g. "Strong") make a run bold, following ``basedOn``."""
    own: dict[str, bool | None] = {}
    based_on: dict[str, str] = {}
    for style in document.styles.element.iterchildren(f"{_W}style"):
        style_id = style.get(f"{_W}styleId")
        if style_id is None or style.get(f"{_W}type") != "character":
            continue
        own[style_id] = _bold_flag(style.find(_RPR))
        parent = style.find(f"{_W}basedOn")
        if parent is not None and parent.get(_VAL):
            based_on[style_id] = parent.get(_VAL)
    resolved: dict[str, bool] = {}
    for style_id in own:
        current: str | None = style_id
        seen: set[str] = set()
        value: bool | None = None
        while current is not None and current not in seen and value is None:
            seen.add(current)
            value = own.get(current)
            current = based_on.get(current)
        resolved[style_id] = bool(value)
    return resolved


def _bold_flag(rpr: Any) -> bool | None:
    """``True``/``False`` if run properties set bold, ``None`` if they leave it to the style."""
    if rpr is None:
        return None
    bold = rpr.find(_B)
    if bold is None:
        return None
    return (bold.get(_VAL) or "true").lower() not in _FALSE


def _paragraphs(container: Any) -> Iterator[Any]:
    """Body paragraphs in reading order, tables row by row, with breaks at table edges."""
    for child in container.iterchildren():
        tag = child.tag
        if tag == _P:
            yield child
        elif tag == _TBL:
            yield _BREAK
            for row in child.iterchildren(_TR):
                for cell in row.iterchildren(_TC):
                    yield from _paragraphs(cell)
            yield _BREAK
        elif tag in _BLOCK_CONTAINERS:
            yield from _paragraphs(child)


def _paragraph_text(paragraph: Any, bold_styles: dict[str, bool]) -> tuple[str, list[Piece], int]:
    """The paragraph's visible text, where its bold runs are, and controls removed."""
    texts: list[str] = []
    pieces: list[Piece] = []
    length = 0
    removed = 0
    stack = [iter(paragraph.iterchildren())]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            continue
        tag = child.tag
        if tag == _R:
            run_text, removed_here = _run_text(child)
            removed += removed_here
            if run_text:
                texts.append(run_text)
                pieces.append((length, length + len(run_text), _run_bold(child, bold_styles)))
                length += len(run_text)
        elif tag in _INLINE_CONTAINERS:
            stack.append(iter(child.iterchildren()))
    return "".join(texts), pieces, removed


def _run_text(run: Any) -> tuple[str, int]:
    """A run's text, and how many control characters were taken out of it."""
    out: list[str] = []
    removed = 0
    for child in run.iterchildren():
        tag = child.tag
        if tag == _T:
            if child.text:
                # Per run, so lengths stay right: newlines to \n, no stray BOMs, and no
                # controls (XML 1.0 allows C1 controls and DEL in a document).
                cleaned = clean_text(child.text)
                removed += cleaned.removed
                out.append(cleaned.text.replace("\ufeff", ""))
        elif tag in _BREAK_TEXT:
            out.append(_BREAK_TEXT[tag])
    return "".join(out), removed


def _run_bold(run: Any, bold_styles: dict[str, bool]) -> bool:
    rpr = run.find(_RPR)
    direct = _bold_flag(rpr)
    if direct is not None:
        return direct
    if rpr is not None:
        style = rpr.find(_RSTYLE)
        if style is not None:
            return bold_styles.get(style.get(_VAL) or "", False)
    return False


def _mark(text: str, pieces: list[Piece], base: int) -> Mark | None:
    """The label at the start of a paragraph, bold or plain, as a :class:`Mark`."""
    match = LABEL_LOOSE.match(text)
    if (
        match is not None
        and _all_bold(text, pieces, match.start("label"), match.end("label"))
        # A wholly bold paragraph ("Section 2: Barriers") is a heading, not a label.
        and not (text[match.end() :].strip() and _all_bold(text, pieces, match.end(), len(text)))
    ):
        return mark_from_match(match, base, bold=True)
    match = LABEL_LINE.match(text)
    return mark_from_match(match, base) if match is not None else None


def _all_bold(text: str, pieces: list[Piece], start: int, end: int) -> bool:
    """True if every visible character of ``text[start:end]`` is in a bold run."""
    for piece_start, piece_end, bold in pieces:
        if piece_end <= start:
            continue
        if piece_start >= end:
            break
        if not bold and text[max(start, piece_start) : min(end, piece_end)].strip():
            return False
    return True
