"""The coder exchange file without a database: a bundle in, bytes out (exporter), and
bytes in, a bundle out (importer); files written before the bundle still read."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from qualcode.domain.bundle import (
    BundleCode,
    BundleCoder,
    BundleCoding,
    BundleEntry,
    BundleMemo,
    BundleRemoval,
    BundleSource,
    BundleThread,
    ProjectBundle,
)
from qualcode.domain.coder_exchange import FORMAT, checksum, coder_part
from qualcode.domain.errors import InputFileError, NotFoundError
from qualcode.exporters.coder_exchange import coder_document
from qualcode.importers.coder_exchange import read_coder_exchange
from qualcode.services.coder_exchange import import_coder
from tests.merge_helpers import RISK, coding_uuids, make_base, sql

OLD_FILE = Path(__file__).parent / "data" / "coder_exchange" / "bo-before-bundle.json"
WHEN = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
ANN, BO = "a0000000-0000-4000-8000-000000000001", "b0000000-0000-4000-8000-000000000002"
TOP, CHILD, OTHER = (f"c0000000-0000-4000-8000-00000000000{i}" for i in (1, 2, 3))
SOURCE, UNUSED = "d0000000-0000-4000-8000-000000000001", "d0000000-0000-4000-8000-000000000002"


def _project() -> ProjectBundle:
    """Two coders' work on one source; only Bo's should travel in Bo's file."""
    return ProjectBundle(
        label="team.qcp",
        coders=(BundleCoder(ANN, "Ann", WHEN), BundleCoder(BO, "Bo", WHEN)),
        codes=(
            BundleCode(TOP, "Barriers", None, 0, WHEN, definition="what stops people"),
            BundleCode(CHILD, "Time", TOP, 0, WHEN),
            BundleCode(OTHER, "Enablers", None, 1, WHEN),
        ),
        sources=(
            BundleSource(SOURCE, "interview-sam", "Sam: no time at all.", "hash-1"),
            BundleSource(UNUSED, "interview-kim", "Kim: plenty.", "hash-2"),
        ),
        codings=(
            BundleCoding("e1", SOURCE, CHILD, BO, 5, 12, memo="Sam's words", created_at=WHEN),
            BundleCoding("e2", SOURCE, OTHER, ANN, 0, 3, created_at=WHEN),
        ),
        memos=(BundleMemo("m1", "code", CHILD, BO, "time is money", WHEN, WHEN),),
        threads=(BundleThread("t1", SOURCE, CHILD, 5, 12, None, WHEN),),
        entries=(
            BundleEntry("n1", "t1", BO, "comment", "Bo's point", None, WHEN),
            BundleEntry("n2", "t1", ANN, "comment", "Ann's reply", None, WHEN),
        ),
        removed=(BundleRemoval("r1", BO, WHEN), BundleRemoval("r2", ANN, WHEN)),
    )


def test_a_coders_part_holds_their_work_and_the_codes_above_it() -> None:
    part = coder_part(_project(), " Bo ")
    assert [c.name for c in part.coders] == ["Bo"]
    assert [c.uuid for c in part.codes] == [TOP, CHILD]  # the ancestor comes along, by path
    assert [s.uuid for s in part.sources] == [SOURCE]
    assert [c.uuid for c in part.codings] == ["e1"]
    assert [e.uuid for e in part.entries] == ["n1"] and [t.uuid for t in part.threads] == ["t1"]
    assert [r.uuid for r in part.removed] == ["r1"] and len(part.memos) == 1
    with pytest.raises(NotFoundError):
        coder_part(_project(), "Nobody")


def test_the_exporter_writes_the_document_without_any_text() -> None:
    data, held = coder_document(_project(), "Bo", project_uuid="p-1", exported_at=WHEN, redact=None)
    document = json.loads(data.decode("utf-8"))
    body = document["coder_work"]
    assert document["checksum"] == checksum(body)
    assert body["format"] == FORMAT and body["project"] == "p-1"
    assert body["exported_at"] == WHEN.isoformat()
    assert [c["path"] for c in body["codes"]] == ["Barriers", "Barriers > Time"]
    assert body["sources"] == [{"uuid": SOURCE, "name": "interview-sam", "content_hash": "hash-1"}]
    assert body["codings"][0]["created_at"] == WHEN.isoformat()
    assert "no time" not in data.decode("utf-8")
    assert held == {
        "codes": 2,
        "sources": 1,
        "codings": 1,
        "memos": 1,
        "suggestion decisions": 0,
        "review threads": 1,
        "review entries": 1,
        "removed codings": 1,
    }


def test_the_exporter_redacts_before_the_checksum() -> None:
    def redact(body: dict) -> dict:
        return json.loads(json.dumps(body).replace("Sam's words", "[P1]'s words"))

    data, _ = coder_document(_project(), "Bo", project_uuid=None, exported_at=WHEN, redact=redact)
    document = json.loads(data)
    assert document["coder_work"]["codings"][0]["memo"] == "[P1]'s words"
    assert document["checksum"] == checksum(document["coder_work"])


def test_bytes_written_read_back_as_the_coders_part_without_text() -> None:
    data, _ = coder_document(_project(), "Bo", project_uuid=None, exported_at=WHEN)
    bundle = read_coder_exchange(data, "bo.qcc")
    part = coder_part(_project(), "Bo")
    assert bundle.label == "bo.qcc"
    assert bundle.coders == part.coders and bundle.codes == part.codes
    assert bundle.codings == part.codings and bundle.memos == part.memos
    assert bundle.threads == part.threads and bundle.entries == part.entries
    assert bundle.removed == part.removed
    assert [(s.uuid, s.content_hash, s.text) for s in bundle.sources] == [(SOURCE, "hash-1", None)]


def test_a_file_written_before_the_bundle_still_reads() -> None:
    bundle = read_coder_exchange(OLD_FILE)
    assert bundle.label == OLD_FILE.name
    assert [c.name for c in bundle.coders] == ["Bo"]
    assert [c.name for c in bundle.codes] == ["Barriers", "Risk"]
    [coding] = bundle.codings
    assert (coding.code, coding.start, coding.end, coding.memo) == (
        RISK,
        130,
        150,
        "Sam's words, not mine",
    )
    assert isinstance(coding.created_at, datetime)
    assert [m.text for m in bundle.memos] == ["risk: who owns it? ünïcode ✓"]
    assert [e.text for e in bundle.entries] == ["Bo's comment"]
    assert len(bundle.threads) == 1 and len(bundle.removed) == 1
    assert all(s.text is None for s in bundle.sources)


def test_a_file_written_before_the_bundle_still_imports(
    tmp_path: Path, interview_file: Path
) -> None:
    """Into a project holding the same transcript (under the file's source UUID)."""
    body = json.loads(OLD_FILE.read_text(encoding="utf-8"))["coder_work"]
    ann = make_base(tmp_path, interview_file)
    sql(ann, "UPDATE sources SET uuid = ?", body["sources"][0]["uuid"])
    report = import_coder(ann, OLD_FILE)
    assert report.written and not report.conflicts
    assert report.count("codings").added == 1 and report.count("memos").added == 1
    assert report.count("review entries").added == 1
    assert body["codings"][0]["uuid"] in coding_uuids(ann)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{", "not a qualcode coder file"),
        (b"\xff\xfe", "not a qualcode coder file"),
        (b'{"coder_work": {"format": "x"}, "checksum": "0"}', "checksum mismatch"),
        (b"[]", "not a qualcode coder file"),
    ],
)
def test_bad_bytes_are_one_error_naming_the_file(data: bytes, message: str) -> None:
    with pytest.raises(InputFileError, match=message) as caught:
        read_coder_exchange(data, "from-bo.qcc")
    assert str(caught.value).startswith("from-bo.qcc: ")


def test_an_unknown_format_and_a_missing_file_are_refused(tmp_path: Path) -> None:
    body = {"format": "qualcode-coder/9"}
    data = json.dumps({"checksum": checksum(body), "coder_work": body}).encode()
    with pytest.raises(InputFileError, match="unknown coder file format"):
        read_coder_exchange(data, "new.qcc")
    with pytest.raises(InputFileError, match="no such file"):
        read_coder_exchange(tmp_path / "missing.qcc")
