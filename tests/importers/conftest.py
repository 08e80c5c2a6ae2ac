"""Fixtures for importer tests: every input file is built in tmp_path, none is committed."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from docx import Document as new_document  # bound now: some tests forbid docx.Document

from qualcode.domain.errors import InputFileError
from qualcode.domain.records import ParsedTranscript
from qualcode.domain.text import normalise_text

# A paragraph is a string (one plain run) or a list of (text, bold) runs.
Paragraph = str | Sequence[tuple[str, bool]]


def _check_transcript(parsed: ParsedTranscript) -> None:
    """The invariants every importer promises, whatever the format."""
    text = parsed.text
    assert normalise_text(text) == text, "stored text must already be normalised"
    previous_end = 0
    for turn in parsed.turns:
        assert previous_end <= turn.start < turn.end <= len(text), turn
        words = text[turn.start : turn.end]
        assert words == words.strip(), f"turn not trimmed: {words!r}"
        previous_end = turn.end


def _utterances(parsed: ParsedTranscript) -> list[tuple[str | None, str]]:
    _check_transcript(parsed)
    return [(turn.speaker, parsed.text[turn.start : turn.end]) for turn in parsed.turns]


@pytest.fixture
def utterances() -> Callable[[ParsedTranscript], list[tuple[str | None, str]]]:
    """``(speaker, text[start:end])`` per turn, after checking the shared invariants."""
    return _utterances


@pytest.fixture
def make_docx(tmp_path: Path) -> Callable[..., Path]:
    """Build a real .docx with python-docx: paragraphs, then an optional table."""

    def build(
        paragraphs: Sequence[Paragraph],
        *,
        name: str = "interview.docx",
        table: Sequence[Sequence[str]] | None = None,
        after_table: Sequence[Paragraph] = (),
    ) -> Path:
        document = new_document()
        _add_paragraphs(document, paragraphs)
        if table is not None:
            grid = document.add_table(rows=len(table), cols=len(table[0]))
            for row, values in zip(grid.rows, table, strict=True):
                for cell, value in zip(row.cells, values, strict=True):
                    cell.text = value
        _add_paragraphs(document, after_table)
        path = tmp_path / name
        document.save(str(path))
        return path

    return build


def _add_paragraphs(document: object, paragraphs: Sequence[Paragraph]) -> None:
    for paragraph in paragraphs:
        added = document.add_paragraph()  # type: ignore[attr-defined]
        runs = [(paragraph, False)] if isinstance(paragraph, str) else paragraph
        for text, bold in runs:
            added.add_run(text).bold = bold or None


@pytest.fixture
def expect_refusal() -> Callable[..., InputFileError]:
    """Call ``func(path)``; assert a one-line InputFileError naming the file and reason."""

    def check(func: Callable[[Path], object], path: Path, reason: str) -> InputFileError:
        with pytest.raises(InputFileError) as caught:
            func(path)
        error = caught.value
        message = str(error)
        assert "\n" not in message
        assert message.startswith(f"{path}: "), message
        assert reason in error.reason, message
        assert error.path == path
        return error

    return check


def write_zip(path: Path, members: dict[str, str | bytes]) -> Path:
    """A zip (a .docx or .xlsx to be) holding exactly ``members``."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.fixture
def no_python_docx(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if python-docx is asked to open anything."""
    import docx

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("python-docx must not open an unsafe file")

    monkeypatch.setattr(docx, "Document", refuse)
