"""Reversible changes: every edit a researcher can undo is one of these.

A change is a named action with a JSON payload that says what to do in both
directions. Services perform an action by applying it forward; undo applies it
backward and redo forward again, through the very same functions, so the three
paths cannot disagree. Rows are named by UUID so that a change still applies after
the rows around it were deleted and recreated by other undos.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from qualcode.domain.errors import ConflictError
from qualcode.store.models import (
    Code,
    Coder,
    Coding,
    Memo,
    RemovedCoding,
    ReviewEntry,
    ReviewThread,
    Source,
    SuggestionDecision,
)

Payload = dict[str, Any]

# What a code says besides its name and place (a merge tells codes apart by these too).
CODE_DESCRIPTION = ("definition", "include", "exclude", "example", "keywords", "colour")
# What undo and redo put back of a code.
CODE_FIELDS = ("name", *CODE_DESCRIPTION, "position")


# --- the database as referee ------------------------------------------------------------


@contextmanager
def refereed(session: Session, explain: Callable[[], Exception | None]) -> Iterator[None]:
    """Run a write in a SAVEPOINT so that when the database refuses it (a unique index,
    or a versioned UPDATE that found the row changed) the refusal becomes the same clear
    error a check beforehand gives. ``explain`` is called after the savepoint is rolled
    back and returns that error, or None if the refusal was something else (re-raised).

    Checks before writing stay (they give the clearest message in the usual case);
    this covers the other coder who wrote between the check and the write.
    """
    try:
        with session.begin_nested():  # rolled back to here on any error, flush ones too
            yield
    except (IntegrityError, StaleDataError) as refusal:
        error = explain()
        if error is None:
            raise
        raise error from refusal


def _unchanged_since(what: str, current: dict[str, Any], expected: dict[str, Any]) -> None:
    """Undo and redo apply only over the values they left: a change someone else made
    since is theirs, and is never overwritten by this coder's undo."""
    differ = [field for field, value in expected.items() if current.get(field) != value]
    if differ:
        raise ConflictError(
            f"cannot undo or redo: {what} was changed since ({', '.join(differ)}), "
            "by someone else or another step; nothing was changed"
        )


# --- rows <-> payload dicts ------------------------------------------------------------


def coding_dict(session: Session, coding: Coding) -> Payload:
    return {
        "uuid": coding.uuid,
        "source": session.get_one(Source, coding.source_id).uuid,
        "code": session.get_one(Code, coding.code_id).uuid,
        "coder": session.get_one(Coder, coding.coder_id).uuid,
        "start": coding.start,
        "end": coding.end,
        "memo": coding.memo,
        "origin": coding.origin,
        "created_at": coding.created_at.isoformat(),
    }


def code_dict(session: Session, code: Code) -> Payload:
    parent = session.get(Code, code.parent_id) if code.parent_id is not None else None
    return {
        "uuid": code.uuid,
        "parent": parent.uuid if parent else None,
        **{field: getattr(code, field) for field in CODE_FIELDS},
    }


def memo_dict(memo: Memo, session: Session) -> Payload:
    return {
        "uuid": memo.uuid,
        "target": memo.target,
        "target_id": memo.target_id,
        "coder": session.get_one(Coder, memo.coder_id).uuid,
        "text": memo.text,
        "created_at": memo.created_at.isoformat(),
        "updated_at": memo.updated_at.isoformat(),
    }


def _id(session: Session, model: type, uuid: str | None) -> int | None:
    if uuid is None:
        return None
    # model is any of the tables a change names, each with an id and a uuid column;
    # mypy cannot match SQLAlchemy's mapped columns against a Protocol, hence the ignores.
    row_id = session.scalar(select(model.id).where(model.uuid == uuid))  # type: ignore[attr-defined]
    if row_id is None:
        raise ConflictError(
            f"cannot undo or redo: {model.__name__.lower()} {uuid} no longer exists"
        )
    return int(row_id)


def _row(session: Session, model: type, uuid: str) -> Any:
    row = session.scalar(select(model).where(model.uuid == uuid))  # type: ignore[attr-defined]
    if row is None:
        raise ConflictError(
            f"cannot undo or redo: {model.__name__.lower()} {uuid} no longer exists"
        )
    return row


# --- codings ---------------------------------------------------------------------------


def insert_coding(session: Session, data: Payload) -> Coding:
    coding = Coding(
        uuid=data["uuid"],
        source_id=_id(session, Source, data["source"]),
        code_id=_id(session, Code, data["code"]),
        coder_id=_id(session, Coder, data["coder"]),
        start=data["start"],
        end=data["end"],
        memo=data["memo"],
        origin=data["origin"],
        created_at=datetime.fromisoformat(data["created_at"]),
    )
    session.add(coding)
    # Back again (an undo): it is no longer removed, so merges must not remove it.
    session.execute(delete(RemovedCoding).where(RemovedCoding.uuid == data["uuid"]))
    session.flush()
    return coding


def delete_coding(session: Session, data: Payload) -> None:
    """Remove a coding and remember its UUID, so merging an older copy of the project
    does not bring it back (see :mod:`qualcode.services.merge`)."""
    session.delete(_row(session, Coding, data["uuid"]))
    if session.get(RemovedCoding, data["uuid"]) is None:
        session.add(RemovedCoding(uuid=data["uuid"], coder_uuid=data["coder"]))
    session.flush()


def _coding_add(session: Session, p: Payload, forward: bool) -> None:
    (insert_coding if forward else delete_coding)(session, p["coding"])


def _coding_remove(session: Session, p: Payload, forward: bool) -> None:
    (delete_coding if forward else insert_coding)(session, p["coding"])


def _coding_memo(session: Session, p: Payload, forward: bool) -> None:
    """Compare and set in one UPDATE, so a memo someone else wrote meanwhile (even in the
    instant between reading and writing) is never overwritten."""
    new, old = (p["after"], p["before"]) if forward else (p["before"], p["after"])
    coding = _row(session, Coding, p["uuid"])
    result = session.execute(
        update(Coding)
        .where(Coding.uuid == p["uuid"], Coding.memo == old)
        .values(memo=new)
        .execution_options(synchronize_session=False)
    )
    # Session.execute is typed as returning any Result; an UPDATE's is a cursor's.
    assert isinstance(result, CursorResult)
    if result.rowcount != 1:
        session.refresh(coding)
        raise ConflictError(
            "the coding's memo was changed by someone else meanwhile; nothing was changed"
        )
    session.refresh(coding)


# --- codes -----------------------------------------------------------------------------


def insert_code(session: Session, data: Payload) -> Code:
    code = Code(
        uuid=data["uuid"],
        parent_id=_id(session, Code, data["parent"]),
        **{field: data[field] for field in CODE_FIELDS},
    )
    session.add(code)
    session.flush()
    return code


def delete_code(session: Session, data: Payload) -> None:
    code = _row(session, Code, data["uuid"])
    if session.scalar(select(Coding.id).where(Coding.code_id == code.id).limit(1)) is not None:
        raise ConflictError(f"code '{code.name}' has codings; remove or merge them first")
    if session.scalar(select(Code.id).where(Code.parent_id == code.id).limit(1)) is not None:
        raise ConflictError(f"code '{code.name}' has sub-codes; move or remove them first")
    session.delete(code)
    session.flush()


def _code_add(session: Session, p: Payload, forward: bool) -> None:
    (insert_code if forward else delete_code)(session, p["code"])


def _code_delete(session: Session, p: Payload, forward: bool) -> None:
    (delete_code if forward else insert_code)(session, p["code"])


def _code_fields(session: Session, code: Code, fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in fields:
        if field == "parent":
            parent = session.get(Code, code.parent_id) if code.parent_id is not None else None
            out[field] = parent.uuid if parent else None
        else:
            out[field] = getattr(code, field)
    return out


def _code_update(session: Session, p: Payload, forward: bool) -> None:
    code = _row(session, Code, p["uuid"])
    values = p["after" if forward else "before"]
    # Position is left out: a codebook import renumbers siblings without anyone's
    # content being at stake, and should not block undoing a move.
    left = {k: v for k, v in p["before" if forward else "after"].items() if k != "position"}
    _unchanged_since(f"code '{code.name}'", _code_fields(session, code, left), left)
    for field, value in values.items():
        if field == "parent":
            code.parent_id = _id(session, Code, value)
        else:
            setattr(code, field, value)
    session.flush()


def _code_merge(session: Session, p: Payload, forward: bool) -> None:
    """Merge ``source`` into ``target``: codings and sub-codes move, source goes.

    Codings that would duplicate one the target already has (same coder and span)
    are deleted rather than moved, and restored on undo. Review threads about the
    source move with it (they are noted in the payload here, so undo moves them back).
    """
    if forward:
        target_id = _id(session, Code, p["target"])
        assert target_id is not None  # a merge always names the code it merges into
        source_id = _id(session, Code, p["source"]["uuid"])
        threads = list(
            session.scalars(select(ReviewThread).where(ReviewThread.code_id == source_id))
        )
        p["threads"] = [thread.uuid for thread in threads]
        for thread in threads:
            thread.code_id = target_id
        for uuid in p["moved"]:
            _row(session, Coding, uuid).code_id = target_id
        for data in p["duplicates"]:
            delete_coding(session, data)
        for uuid in p["children"]:
            _row(session, Code, uuid).parent_id = target_id
        session.flush()
        delete_code(session, p["source"])
    else:
        source = insert_code(session, p["source"])
        for uuid in p["moved"]:
            _row(session, Coding, uuid).code_id = source.id
        for data in p["duplicates"]:
            insert_coding(session, data)
        for uuid in p["children"]:
            _row(session, Code, uuid).parent_id = source.id
        for uuid in p.get("threads", []):
            _row(session, ReviewThread, uuid).code_id = source.id
        session.flush()


# --- memos -----------------------------------------------------------------------------


def _memo_insert(session: Session, data: Payload) -> None:
    session.add(
        Memo(
            uuid=data["uuid"],
            target=data["target"],
            target_id=data["target_id"],
            coder_id=_id(session, Coder, data["coder"]),
            text=data["text"],
            created_at=datetime.fromisoformat(data["created_at"]),
            updated_at=datetime.fromisoformat(data["updated_at"]),
        )
    )
    session.flush()


def _memo_delete(session: Session, data: Payload) -> None:
    session.delete(_row(session, Memo, data["uuid"]))
    session.flush()


def _memo_add(session: Session, p: Payload, forward: bool) -> None:
    (_memo_insert if forward else _memo_delete)(session, p["memo"])


def _memo_remove(session: Session, p: Payload, forward: bool) -> None:
    (_memo_delete if forward else _memo_insert)(session, p["memo"])


def _memo_edit(session: Session, p: Payload, forward: bool) -> None:
    memo = _row(session, Memo, p["uuid"])
    _unchanged_since("the memo", {"text": memo.text}, {"text": p["before" if forward else "after"]})
    memo.text = p["after" if forward else "before"]
    memo.updated_at = datetime.fromisoformat(p["at" if forward else "before_at"])


# --- rejected suggestions ----------------------------------------------------------------


def _decision_insert(session: Session, data: Payload) -> None:
    session.add(
        SuggestionDecision(
            uuid=data["uuid"],
            source_id=_id(session, Source, data["source"]),
            code_id=_id(session, Code, data["code"]),
            coder_id=_id(session, Coder, data["coder"]),
            start=data["start"],
            end=data["end"],
            decision=data["decision"],
            score=data["score"],
            created_at=datetime.fromisoformat(data["created_at"]),
        )
    )
    session.flush()


def _decision_delete(session: Session, data: Payload) -> None:
    session.delete(_row(session, SuggestionDecision, data["uuid"]))
    session.flush()


def _suggestion_reject(session: Session, p: Payload, forward: bool) -> None:
    (_decision_insert if forward else _decision_delete)(session, p["decision"])


# --- review threads and the consensus -----------------------------------------------------


def thread_dict(session: Session, thread: ReviewThread) -> Payload:
    return {
        "uuid": thread.uuid,
        "source": session.get_one(Source, thread.source_id).uuid,
        "code": session.get_one(Code, thread.code_id).uuid,
        "start": thread.start,
        "end": thread.end,
        "coding_uuid": thread.coding_uuid,
        "created_at": thread.created_at.isoformat(),
    }


def insert_thread(session: Session, data: Payload) -> ReviewThread:
    """The thread ``data`` names, added unless it is already there (a redo, or a thread
    someone else wrote in meanwhile)."""
    thread = session.scalar(select(ReviewThread).where(ReviewThread.uuid == data["uuid"]))
    if thread is not None:
        return thread
    thread = ReviewThread(
        uuid=data["uuid"],
        source_id=_id(session, Source, data["source"]),
        code_id=_id(session, Code, data["code"]),
        start=data["start"],
        end=data["end"],
        coding_uuid=data["coding_uuid"],
        created_at=datetime.fromisoformat(data["created_at"]),
    )
    session.add(thread)
    session.flush()
    return thread


def _delete_thread_if_empty(session: Session, data: Payload) -> None:
    thread = session.scalar(select(ReviewThread).where(ReviewThread.uuid == data["uuid"]))
    if thread is None:
        return
    if session.scalar(select(ReviewEntry.id).where(ReviewEntry.thread_id == thread.id).limit(1)):
        return  # someone else has written in it since: the thread stays
    session.delete(thread)
    session.flush()


def insert_entry(session: Session, data: Payload) -> ReviewEntry:
    # The thread's version moves with the entry (store/write_rules.py).
    thread = _row(session, ReviewThread, data["thread"])
    entry = ReviewEntry(
        uuid=data["uuid"],
        thread_id=thread.id,
        coder_id=_id(session, Coder, data["coder"]),
        kind=data["kind"],
        text=data["text"],
        status=data["status"],
        created_at=datetime.fromisoformat(data["created_at"]),
    )
    session.add(entry)
    session.flush()
    return entry


def _delete_entry(session: Session, data: Payload) -> None:
    entry = _row(session, ReviewEntry, data["uuid"])
    session.delete(entry)
    session.flush()


def _review_entries(session: Session, p: Payload, forward: bool) -> None:
    """Entries appended to threads. Every thread they go in is in the payload: it is
    added if missing (a redo), and removed when taking entries back leaves it empty."""
    if forward:
        for thread in p["threads"]:
            insert_thread(session, thread)
        for entry in p["entries"]:
            insert_entry(session, entry)
    else:
        for entry in reversed(p["entries"]):
            _delete_entry(session, entry)
        for thread in p["threads"]:
            _delete_thread_if_empty(session, thread)


def _consensus_change(session: Session, p: Payload, forward: bool) -> None:
    """Consensus codings replaced (``removed`` -> ``added``) and, for a decision,
    entries appended to threads; backward restores the consensus as it was."""
    if forward:
        for data in p["removed"]:
            delete_coding(session, data)
        for data in p["added"]:
            insert_coding(session, data)
        _review_entries(session, p, True)
    else:
        _review_entries(session, p, False)
        for data in p["added"]:
            delete_coding(session, data)
        for data in p["removed"]:
            insert_coding(session, data)


CHANGES: dict[str, Callable[[Session, Payload, bool], None]] = {
    "suggestion.reject": _suggestion_reject,
    "coding.add": _coding_add,
    "coding.remove": _coding_remove,
    "coding.memo": _coding_memo,
    "code.add": _code_add,
    "code.delete": _code_delete,
    "code.update": _code_update,
    "code.merge": _code_merge,
    "memo.add": _memo_add,
    "memo.remove": _memo_remove,
    "memo.edit": _memo_edit,
    "review.entry": _review_entries,
    "consensus.decide": _consensus_change,
    "consensus.seed": _consensus_change,
}


def apply_change(session: Session, action: str, payload: Payload, *, forward: bool) -> None:
    CHANGES[action](session, payload, forward)
