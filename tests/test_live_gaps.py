"""A change that commits after a later one was read is still seen (issue 15, live).

On PostgreSQL a row's id is taken when it is written, not when it is committed, so
two coders' changes can commit out of id order; a look that reads the later one must
not step over the earlier one for good. Simulated here by writing the ids by hand,
which behaves the same on both engines.
"""

from __future__ import annotations

from pathlib import Path

from qualcode.services.live import GAP_WINDOW, LiveService
from qualcode.services.project import Project
from qualcode.store.models import AuditEntry


def _audit(project: Project, entry_id: int, action: str, entity: str) -> None:
    with project.session() as session:
        session.add(AuditEntry(id=entry_id, action=action, entity=entity, details="{}"))
        session.commit()


def test_a_change_committed_after_a_later_one_was_read_is_still_seen(
    project_location: str | Path,
) -> None:
    with Project.create(project_location) as project:
        with project.read_session() as session:
            token = LiveService(session).token()
        newest = token.audit_id
        _audit(project, newest + 2, "memo.add", "memo")  # committed first
        with project.read_session() as session:
            token, changes = LiveService(session).changes(token)
        assert changes.memos and not changes.codebook
        assert token.audit_id == newest + 2 and token.audit_gaps == {newest + 1}

        _audit(project, newest + 1, "code.add", "code")  # took its id first, committed late
        with project.read_session() as session:
            token, changes = LiveService(session).changes(token)
            assert changes.codebook and not changes.memos
            assert token.audit_gaps == frozenset()
            # Read once only.
            assert LiveService(session).changes(token)[1].anything is False


def test_an_id_never_committed_is_waited_for_only_so_long(project_location: str | Path) -> None:
    with Project.create(project_location) as project:
        with project.read_session() as session:
            token = LiveService(session).token()
        newest = token.audit_id
        _audit(project, newest + 2, "memo.add", "memo")  # newest + 1 was rolled back
        with project.read_session() as session:
            token, _ = LiveService(session).changes(token)
        assert token.audit_gaps == {newest + 1}
        _audit(project, newest + 2 + GAP_WINDOW, "memo.edit", "memo")
        with project.read_session() as session:
            token, changes = LiveService(session).changes(token)
        assert changes.memos
        # Everything skipped is the last GAP_WINDOW ids, no more; the rolled-back one is
        # given up.
        assert newest + 1 not in token.audit_gaps
        assert len(token.audit_gaps) == GAP_WINDOW - 1
