"""Memos on the project, a source or a code. (A coding's memo is set through CodingService.)"""

from __future__ import annotations

import builtins

from sqlalchemy import select

from qualcode.domain.errors import NotFoundError, StaleEditError, ValidationError
from qualcode.domain.records import MemoRecord
from qualcode.services.base import Service
from qualcode.services.changes import memo_dict, refereed
from qualcode.services.code_tree import CodeTree
from qualcode.services.sources import find_source
from qualcode.store.models import Code, Coder, Memo, Source, new_uuid, utcnow

TARGETS = ("project", "source", "code")


class MemoService(Service):
    def add(self, target: str, reference: str | None, text: str) -> MemoRecord:
        if not text.strip():
            raise ValidationError("the memo is empty")
        with self._transaction():
            target_id = self._target_id(target, reference)
            now = utcnow().isoformat()
            memo_uuid = new_uuid()
            data = {
                "uuid": memo_uuid,
                "target": target,
                "target_id": target_id,
                "coder": self._coder().uuid,
                "text": text,
                "created_at": now,
                "updated_at": now,
            }
            self._perform("memo.add", {"memo": data}, f"add a memo on the {target}")
            record = self._records([self._get(memo_uuid)])[0]
        return record

    def edit(self, memo_uuid: str, text: str, *, expected_version: int | None = None) -> MemoRecord:
        """Replace a memo's text. ``expected_version`` is the version the person read
        (``MemoRecord.version``): if someone else edited the memo since, nothing is saved
        and :class:`StaleEditError` hands back their text and the memo as it is now."""
        if not text.strip():
            raise ValidationError("the memo is empty (remove it instead)")
        with self._transaction():
            memo = self._get(memo_uuid)
            self._require_own(memo.coder_id, "this memo")
            if expected_version is not None and memo.version != expected_version:
                raise StaleEditError("this memo", text, memo.text, memo.version)

            def stale() -> Exception:
                self.session.refresh(memo)
                return StaleEditError("this memo", text, memo.text, memo.version)

            # The versioned UPDATE referees an edit saved between our read and our write.
            with refereed(self.session, stale):
                self._perform(
                    "memo.edit",
                    {
                        "uuid": memo.uuid,
                        "before": memo.text,
                        "after": text,
                        "before_at": memo.updated_at.isoformat(),
                        "at": utcnow().isoformat(),
                    },
                    "edit a memo",
                )
            record = self._records([memo])[0]
        return record

    def remove(self, memo_uuid: str) -> MemoRecord:
        with self._transaction():
            memo = self._get(memo_uuid)
            self._require_own(memo.coder_id, "this memo")
            record = self._records([memo])[0]
            self._perform("memo.remove", {"memo": memo_dict(memo, self.session)}, "remove a memo")
        return record

    def _get(self, memo_uuid: str) -> Memo:
        memo = self.session.scalar(select(Memo).where(Memo.uuid == memo_uuid.strip().lower()))
        if memo is None:
            raise NotFoundError(f"no memo {memo_uuid}")
        return memo

    def list(self, target: str | None = None, reference: str | None = None) -> list[MemoRecord]:
        query = select(Memo).order_by(Memo.created_at)
        if target:
            query = query.where(Memo.target == target)
            if target != "project":
                query = query.where(Memo.target_id == self._target_id(target, reference))
        records = self._records(list(self.session.scalars(query)))
        self._end_read()
        return records

    def _target_id(self, target: str, reference: str | None) -> int | None:
        if target not in TARGETS:
            raise ValidationError(f"a memo belongs to one of: {', '.join(TARGETS)}")
        if target == "project":
            return None
        if not reference:
            raise ValidationError(f"say which {target} the memo is about")
        if target == "source":
            return find_source(self.session, reference).id
        return CodeTree.load(self.session).resolve(reference).id

    def _records(self, memos: builtins.list[Memo]) -> builtins.list[MemoRecord]:
        coders = {c.id: c.name for c in self.session.scalars(select(Coder))}
        tree = CodeTree.load(self.session)
        source_names = dict(self.session.execute(select(Source.id, Source.name)).all())
        out = []
        for memo in memos:
            name: str | None = None
            if memo.target == "source":
                name = source_names.get(memo.target_id or -1)
            elif memo.target == "code":
                code: Code | None = tree.by_id.get(memo.target_id or -1)
                name = tree.path(code) if code else None
            out.append(
                MemoRecord(
                    uuid=memo.uuid,
                    target=memo.target,
                    target_name=name,
                    coder=coders[memo.coder_id],
                    text=memo.text,
                    created_at=memo.created_at,
                    updated_at=memo.updated_at,
                    version=memo.version,
                )
            )
        return out
