"""The project merged in is only read: its bytes stay the same and nothing appears
beside it, not even SQLite's -wal and -shm files (issue 11)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from qualcode.cli import cli
from qualcode.services.merge import read_project
from tests.merge_helpers import code, coding_uuids, laptop, make_base


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_merging_leaves_the_source_folder_exactly_as_it_was(
    tmp_path: Path, interview_file: Path
) -> None:
    base = make_base(tmp_path, interview_file)
    target = laptop(base, "team")
    sent = tmp_path / "inbox"
    sent.mkdir()
    source = laptop(base, "bo")
    code(source, "Bo", "Barriers > Risk", "nobody owns the risk")
    source = source.rename(sent / "bo.qcp")
    before = snapshot(sent)
    assert list(before) == ["bo.qcp"]

    result = CliRunner().invoke(cli, ["merge", str(target), str(source)])
    assert result.exit_code == 0, result.output
    assert snapshot(sent) == before

    # a dry run, and merging again (nothing new), read it the same way
    for extra in (["--dry-run"], []):
        result = CliRunner().invoke(cli, ["merge", str(target), str(source), *extra])
        assert result.exit_code == 0, result.output
        assert snapshot(sent) == before
    assert coding_uuids(source) <= coding_uuids(target)  # it was read


def test_a_source_still_open_elsewhere_is_read_with_its_journal(
    tmp_path: Path, interview_file: Path
) -> None:
    """A coder's app still has the file open: its newest codings are in the -wal. They
    are read, and the files already there are not removed."""
    base = make_base(tmp_path, interview_file)
    source = laptop(base, "ann")
    holder = sqlite3.connect(source)
    try:
        holder.execute("PRAGMA journal_mode=WAL")
        holder.execute("PRAGMA wal_autocheckpoint=0")  # keep the new row in the -wal
        holder.execute("BEGIN")
        holder.execute("SELECT count(*) FROM codings").fetchone()
        holder.commit()
        uuid = code(source, "Ann", "Barriers > Time", "no time")
        assert (tmp_path / "ann.qcp-wal").exists()
        incoming = read_project(source)
        assert uuid in {row.uuid for row in incoming.codings}
        assert (tmp_path / "ann.qcp-wal").exists() and (tmp_path / "ann.qcp-shm").exists()
    finally:
        holder.close()
