"""One coder's work by e-mail: exported small and text-free, imported by UUID."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from qualcode.domain.errors import InputFileError, NotFoundError
from qualcode.services.codebook import CodebookService
from qualcode.services.coder_exchange import FORMAT, export_coder, import_coder
from qualcode.services.memos import MemoService
from qualcode.services.project import Project
from tests.conftest import INTERVIEW
from tests.merge_helpers import code, coding_uuids, fingerprint, laptop, make_base, sql


@pytest.fixture
def laptops(tmp_path: Path, interview_file: Path) -> tuple[Path, Path]:
    base = make_base(tmp_path, interview_file)
    ann, bo = laptop(base, "ann"), laptop(base, "bo")
    code(ann, "Ann", "Barriers > Time", "no time")
    code(bo, "Bo", "Barriers > Risk", "nobody owns the risk")
    code(bo, "Tester", "Barriers > Time", "The trust is huge")
    return ann, bo


def test_export_holds_only_that_coders_work_and_no_text(
    tmp_path: Path, laptops: tuple[Path, Path]
) -> None:
    _, bo = laptops
    out = tmp_path / "mail" / "bo.json"
    _, held = export_coder(bo, "Bo", out)
    assert held["codings"] == 1 and held["sources"] == 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    document = json.loads(out.read_text(encoding="utf-8"))
    body = document["coder_work"]
    assert body["format"] == FORMAT
    assert body["coder"]["name"] == "Bo"
    assert [c["path"] for c in body["codes"]] == ["Barriers", "Barriers > Risk"]
    assert set(body["sources"][0]) == {"uuid", "name", "content_hash"}
    assert "nobody owns" not in out.read_text(encoding="utf-8")
    assert INTERVIEW[:20] not in out.read_text(encoding="utf-8")
    with pytest.raises(NotFoundError):
        export_coder(bo, "Nobody", tmp_path / "x.json")


def test_import_adds_the_coders_work_once(tmp_path: Path, laptops: tuple[Path, Path]) -> None:
    ann, bo = laptops
    with Project.open(bo) as project, project.session() as session:
        CodebookService(session, "Bo").add_code("Stigma", parent="Barriers")
    code(bo, "Bo", "Barriers > Stigma", "It really does")
    with Project.open(bo) as project, project.session() as session:
        MemoService(session, "Bo").add("code", "Barriers > Stigma", "new code, see Sam")
    out = tmp_path / "bo.json"
    export_coder(bo, "Bo", out)
    report = import_coder(ann, out)
    assert report.written
    assert report.count("codings").added == 2
    assert report.count("codes").added == 1  # Stigma recreated under Barriers
    assert report.count("memos").added == 1
    assert report.count("coders").added == 1
    # Bo's codings arrive; Tester's coding on Bo's laptop does not travel with them.
    assert len(coding_uuids(bo) - coding_uuids(ann)) == 1
    again = import_coder(ann, out)
    assert sum(c.added for c in again.counts) == 0


def test_unknown_or_changed_source_is_a_conflict(
    tmp_path: Path, laptops: tuple[Path, Path]
) -> None:
    ann, bo = laptops
    out = tmp_path / "bo.json"
    export_coder(bo, "Bo", out)
    sql(ann, "UPDATE sources SET content_hash = 'different'")
    before = fingerprint(ann)
    report = import_coder(ann, out)
    [conflict] = report.conflicts
    assert conflict.kind == "source-text" and conflict.choices == ("keep-target",)
    assert fingerprint(ann) == before

    sql(ann, "UPDATE sources SET uuid = 'elsewhere'")
    report = import_coder(ann, out)
    [conflict] = report.conflicts
    assert conflict.kind == "source-missing" and conflict.choices == ("skip",)
    skipped = import_coder(ann, out, resolutions={conflict.uuid: "skip"})
    assert skipped.written and skipped.count("codings").skipped == 1


def test_a_damaged_file_is_refused(tmp_path: Path, laptops: tuple[Path, Path]) -> None:
    ann, bo = laptops
    out = tmp_path / "bo.json"
    export_coder(bo, "Bo", out)
    out.write_text(out.read_text(encoding="utf-8").replace('"Bo"', '"Bob"'), encoding="utf-8")
    before = fingerprint(ann)
    with pytest.raises(InputFileError, match="checksum"):
        import_coder(ann, out)
    (tmp_path / "junk.json").write_text("{", encoding="utf-8")
    with pytest.raises(InputFileError, match="not a qualcode coder file"):
        import_coder(ann, tmp_path / "junk.json")
    assert fingerprint(ann) == before


def test_review_comments_travel_with_their_coder(
    tmp_path: Path, laptops: tuple[Path, Path]
) -> None:
    from qualcode.domain.coder_exchange import checksum as _digest
    from qualcode.domain.review import SpanAnchor
    from qualcode.services.review import ReviewService

    ann, bo = laptops
    anchor = SpanAnchor("interview-sam", "Barriers > Risk", 10, 20)
    with Project.open(bo) as project, project.session() as session:
        ReviewService(session, "Tester").comment(anchor, "not Bo's words")
        ReviewService(session, "Bo").comment(anchor, "Bo's comment")
        ReviewService(session, "Bo").set_status(anchor, "needs-discussion")
        ReviewService(session, "Tester").comment(
            SpanAnchor("interview-sam", "Barriers > Time", 0, 5), "only Tester here"
        )
    out = tmp_path / "bo.json"
    _, held = export_coder(bo, "Bo", out)
    assert (held["review threads"], held["review entries"]) == (1, 2)
    assert "not Bo's words" not in out.read_text(encoding="utf-8")
    report = import_coder(ann, out)
    assert report.written and report.count("review entries").added == 2
    with Project.open(ann) as project, project.session() as session:
        (thread,) = ReviewService(session).threads()
    assert [(e.author, e.text) for e in thread.entries] == [
        ("Bo", "Bo's comment"),
        ("Bo", "marked needs discussion"),
    ]
    assert thread.code_path == "Barriers > Risk" and (thread.start, thread.end) == (10, 20)
    assert import_coder(ann, out).count("review entries").added == 0

    # a file from before review threads still imports
    document = json.loads(out.read_text(encoding="utf-8"))
    body = document["coder_work"]
    del body["review_threads"], body["review_entries"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"checksum": _digest(body), "coder_work": body}), encoding="utf-8")
    again = import_coder(ann, old)
    assert not again.conflicts and again.count("codings").existing > 0
    assert not again.written and again.backup is None  # nothing new, so untouched
