"""Memos on the project, a source or a code. (A coding's memo is set through CodingService.)"""

from __future__ import annotations

from sqlalchemy import select

from qualcode.domain.errors import ValidationError
from qualcode.domain.records import MemoRecord
from qualcode.services.base import Service
from qualcode.services.code_tree import CodeTree
from qualcode.services.sources import find_source
from qualcode.store.models import Code, Coder, Memo, Source

TARGETS = ("project", "source", "code")


class MemoService(Service):
    def add(self, target: str, reference: str | None, text: str) -> MemoRecord:
        if not text.strip():
            raise ValidationError("the memo is empty")
        with self._transaction():
            target_id = self._target_id(target, reference)
            memo = Memo(target=target, target_id=target_id, coder_id=self._coder().id, text=text)
            self.session.add(memo)
            self.session.flush()
            self._audit("add", "memo", memo.uuid, target=target, reference=reference)
            record = self._records([memo])[0]
        return record

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

    def _records(self, memos: list[Memo]) -> list[MemoRecord]:
        coders = {c.id: c.name for c in self.session.scalars(select(Coder))}
        tree = CodeTree.load(self.session)
        source_names = dict(self.session.execute(select(Source.id, Source.name)).tuples())
        out = []
        for memo in memos:
            name: str | None = None
            if memo.target == "source":
                name = source_names.get(memo.target_id)
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
                )
            )
        return out
