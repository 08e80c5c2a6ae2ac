"""A coding's quote is exactly ``text[start:end]`` in code points on both engines, whether
the database cuts it (a single coding action) or Python does (a whole transcript)."""

from __future__ import annotations

from pathlib import Path

from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.documents import DocumentService
from qualcode.services.project import Project
from qualcode.services.sources import SourceService

# Astral characters (4 bytes in UTF-8, 2 UTF-16 units), a combining accent and a
# right-to-left name: a cut counted in bytes or UTF-16 units would land elsewhere.
TEXT = "Ana: 😀 café́ shelter 🏠 and אבי the navigator 𝒯rust.\nBen: we waited 🕰️ weeks.\n"


def test_quotes_are_code_point_slices(project_location: str | Path, tmp_path: Path) -> None:
    transcript = tmp_path / "talk.txt"
    transcript.write_text(TEXT, encoding="utf-8")
    with Project.create(project_location) as project:
        with project.session() as session:
            SourceService(session).import_files([transcript])
            CodebookService(session, "Ana").add_code("Trust")
        with project.read_session() as session:
            stored = SourceService(session).text("talk")
        assert "😀" in stored and "𝒯" in stored
        spans = [(0, 1), (5, 6), (7, 13), (14, 23), (28, 31), (47, 53), (54, 70), (0, len(stored))]
        added = []
        for start, end in spans:
            with project.session() as session:
                added.append(CodingService(session, "Ana").add("talk", "Trust", start, end))
        with project.read_session() as session:
            listed = CodingService(session).list(source="talk")
        with project.read_session() as session:
            document = DocumentService(session).document("talk")
        with project.session() as session:
            removed = CodingService(session, "Ana").remove(added[-2].uuid)
    expected = [stored[start:end] for start, end in spans]
    assert [r.text for r in added] == expected
    assert sorted(r.text for r in listed) == sorted(expected)
    assert sorted(r.text for r in document.codings) == sorted(expected)
    assert document.text == stored
    assert removed.text == stored[54:70]
