"""The merge applies a project bundle built by hand (no file read), as a .qdpx importer
or any other producer of bundles will hand it one."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from qualcode.domain.bundle import (
    BundleAttribute,
    BundleCase,
    BundleCode,
    BundleCoder,
    BundleCoding,
    BundleLink,
    BundleMemo,
    BundleSource,
    BundleTurn,
    BundleValue,
    ProjectBundle,
)
from qualcode.services.merge import apply_bundles, read_project
from qualcode.services.project import Project

WHEN = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
TEXT = "Interviewer: What helps?\nSam: The navigator role bridges the gap.\n"
CODER, CASE, SOURCE = (
    "a0000000-0000-4000-8000-000000000001",
    "b0000000-0000-4000-8000-000000000001",
    "d0000000-0000-4000-8000-000000000001",
)
TOP, CHILD = "c0000000-0000-4000-8000-000000000001", "c0000000-0000-4000-8000-000000000002"
CODING = "e0000000-0000-4000-8000-000000000001"


def _bundle() -> ProjectBundle:
    start = TEXT.index("The navigator")
    return ProjectBundle(
        label="by-hand.qdpx",
        coders=(BundleCoder(CODER, "Ana", WHEN),),
        # the child first: the merge puts parents first itself
        codes=(
            BundleCode(CHILD, "Bridging roles", TOP, 0, WHEN, colour="#336699"),
            BundleCode(TOP, "Enablers", None, 0, WHEN, definition="what helps"),
        ),
        cases=(BundleCase(CASE, "Sam", WHEN),),
        attributes=(BundleAttribute("area", "text"),),
        values=(BundleValue(CASE, "area", "north"),),
        sources=(
            BundleSource(
                SOURCE,
                "interview-sam",
                TEXT,
                "hash-of-sam",
                original_filename="sam.txt",
                characters=len(TEXT),
                words=len(TEXT.split()),
                imported_by=CODER,
            ),
        ),
        turns=(BundleTurn(SOURCE, CASE, "Sam", TEXT.index("Sam:"), len(TEXT) - 1),),
        links=(BundleLink(SOURCE, CASE),),
        # No dates, as another tool may give none: the merge dates them itself.
        codings=(BundleCoding(CODING, SOURCE, CHILD, CODER, start, len(TEXT) - 2, memo="key"),),
        memos=(BundleMemo("f0000000-0000-4000-8000-000000000001", "code", TOP, CODER, "why"),),
    )


def _rows(path: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as connection:
        return list(connection.execute(query))


def test_a_hand_built_bundle_is_applied_by_uuid(tmp_path: Path) -> None:
    target = tmp_path / "target.qcp"
    with Project.create(target):
        pass
    report = apply_bundles(target, [_bundle()])
    assert report.written and not report.conflicts and report.sources == ("by-hand.qdpx",)
    added = {c.kind: c.added for c in report.counts}
    assert added["coders"] == added["cases"] == added["sources"] == added["codings"] == 1
    assert added["codes"] == 2 and added["memos"] == 1 and added["speaker turns"] == 1

    assert _rows(
        target,
        "SELECT c.uuid, c.name, p.uuid, c.colour, c.definition FROM codes c "
        "LEFT JOIN codes p ON p.id = c.parent_id ORDER BY c.name",
    ) == [
        (CHILD, "Bridging roles", TOP, "#336699", ""),
        (TOP, "Enablers", None, None, "what helps"),
    ]
    [(text, by)] = _rows(
        target, "SELECT s.text, c.uuid FROM sources s JOIN coders c ON c.id = s.imported_by_id"
    )
    assert (text, by) == (TEXT, CODER)
    [(start, end, memo, code, coder, created)] = _rows(
        target,
        "SELECT g.start, g.end, g.memo, k.uuid, c.uuid, g.created_at FROM codings g "
        "JOIN codes k ON k.id = g.code_id JOIN coders c ON c.id = g.coder_id",
    )
    assert (start, end, memo, code, coder) == (
        TEXT.index("The navigator"),
        len(TEXT) - 2,
        "key",
        CHILD,
        CODER,
    )
    assert created is not None
    assert _rows(
        target,
        "SELECT a.name, v.value FROM case_attribute_values v "
        "JOIN attributes a ON a.id = v.attribute_id",
    ) == [("area", "north")]
    assert _rows(target, "SELECT count(*) FROM source_cases") == [(1,)]

    # What was applied reads back as the same records.
    back = read_project(target)
    assert {c.uuid for c in back.codes} == {TOP, CHILD}
    assert [(c.uuid, c.start, c.end) for c in back.codings] == [(CODING, start, end)]

    again = apply_bundles(target, [_bundle()])
    assert not again.written and sum(c.added for c in again.counts) == 0
