"""The project's codes as a tree in memory: paths, order, and finding a code by reference."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import process
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualcode.domain.codebook import join_path, split_path
from qualcode.domain.errors import NotFoundError, ValidationError
from qualcode.domain.records import CodeRecord
from qualcode.store.models import AuditEntry, Code

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass
class CodeTree:
    """Codes keyed by id, with children in their order and each code's path."""

    by_id: dict[int, Code]
    children: dict[int | None, list[Code]]

    @classmethod
    def load(cls, session: Session) -> CodeTree:
        codes = session.scalars(select(Code)).all()
        children: dict[int | None, list[Code]] = defaultdict(list)
        for code in codes:
            children[code.parent_id].append(code)
        for siblings in children.values():
            # The id last: a total order, the same in every terminal, even when two coders
            # adding at once gave siblings the same position.
            siblings.sort(key=lambda c: (c.position, c.name.casefold(), c.id))
        return cls({code.id: code for code in codes}, children)

    def names(self, code: Code) -> list[str]:
        names = []
        node: Code | None = code
        while node is not None:
            names.append(node.name)
            node = self.by_id.get(node.parent_id) if node.parent_id is not None else None
        return names[::-1]

    def path(self, code: Code) -> str:
        return join_path(self.names(code))

    def in_order(self) -> list[tuple[int, Code]]:
        """(depth, code) depth first in codebook order."""
        out: list[tuple[int, Code]] = []

        def visit(parent: int | None, depth: int) -> None:
            for code in self.children.get(parent, []):
                out.append((depth, code))
                visit(code.id, depth + 1)

        visit(None, 0)
        return out

    def descendants(self, code: Code) -> list[Code]:
        out: list[Code] = []
        stack = list(self.children.get(code.id, []))
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(self.children.get(node.id, []))
        return out

    def child_named(self, parent_id: int | None, name: str) -> Code | None:
        folded = name.casefold()
        for code in self.children.get(parent_id, []):
            if code.name.casefold() == folded:
                return code
        return None

    def by_path(self, names: list[str]) -> Code | None:
        parent: int | None = None
        code: Code | None = None
        for name in names:
            code = self.child_named(parent, name)
            if code is None:
                return None
            parent = code.id
        return code

    def resolve(self, reference: str) -> Code:
        """A code from a UUID, a full path ("A > B"), or a name unique in the tree."""
        reference = reference.strip()
        if not reference:
            raise ValidationError("no code given")
        if _UUID.match(reference):
            for code in self.by_id.values():
                if code.uuid == reference.lower():
                    return code
            raise NotFoundError(f"no code with UUID {reference}")
        names = split_path(reference)
        found = self.by_path(names)
        if found is not None:
            return found
        if len(names) == 1:
            matches = [c for c in self.by_id.values() if c.name.casefold() == names[0].casefold()]
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                paths = "; ".join(sorted(self.path(c) for c in matches))
                raise ValidationError(f"'{reference}' names more than one code: {paths}")
        raise NotFoundError(f"no code '{reference}'{self._hint(reference)}")

    def _hint(self, reference: str) -> str:
        paths = {self.path(code): code for code in self.by_id.values()}
        best = process.extractOne(reference, list(paths), score_cutoff=60)
        return f" (did you mean '{best[0]}'?)" if best else ""

    def record(self, code: Code, depth: int | None = None) -> CodeRecord:
        names = self.names(code)
        parent = self.by_id.get(code.parent_id) if code.parent_id is not None else None
        return CodeRecord(
            uuid=code.uuid,
            name=code.name,
            path=join_path(names),
            parent_uuid=parent.uuid if parent else None,
            depth=len(names) - 1 if depth is None else depth,
            position=code.position,
            definition=code.definition,
            include=code.include,
            exclude=code.exclude,
            example=code.example,
            keywords=tuple(json.loads(code.keywords)),
            colour=code.colour,
            version=code.version,
        )


def codebook_last_changed(session: Session) -> datetime | None:
    """When the codebook last changed (a code added, edited, moved or removed, or a
    codebook imported), from the audit log; None for a codebook never touched."""
    return session.scalar(
        select(func.max(AuditEntry.at)).where(AuditEntry.entity.in_(("code", "codebook")))
    )
