"""Merging a codebook into the project's codes in time linear in the number of codes.

A large codebook (thousands of codes, many of them siblings) used to take minutes:
every entry scanned its siblings twice for a name and inserted its code with a
flush of its own. Here every sibling-name lookup is one dictionary access, every
path walks only the code's ancestors, and new codes are inserted with one flush
per level of the tree (a child's ``parent_id`` is known once its parent's level is
written). The rules are :meth:`CodebookService.import_codebook`'s.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from qualcode.domain.codebook import COLOUR, check_code_name, join_path, walk_entries
from qualcode.domain.errors import ConflictError, ValidationError
from qualcode.domain.records import Codebook, CodebookEntry
from qualcode.services.code_tree import CodeTree
from qualcode.store.models import Code

FIELDS = ("definition", "include", "exclude", "example")

Audit = Callable[..., None]


class _Siblings:
    """Codes by (parent, folded name), so "is there a code of this name here?" is O(1).

    Keys hold the parent *object*, not its id, because a code added by this merge has
    no id until its level is flushed. The first code in sibling order wins a key, as
    :meth:`CodeTree.child_named` would pick it.
    """

    def __init__(self, tree: CodeTree) -> None:
        self._codes: dict[tuple[Code | None, str], Code] = {}
        for parent_id, children in tree.children.items():
            parent = tree.by_id.get(parent_id) if parent_id is not None else None
            for code in children:
                self._codes.setdefault((parent, code.name.casefold()), code)

    def get(self, parent: Code | None, name: str) -> Code | None:
        return self._codes.get((parent, name.casefold()))

    def place(
        self, code: Code, old: tuple[Code | None, str] | None, parent: Code | None, name: str
    ) -> None:
        """Record that ``code`` now sits under ``parent`` as ``name`` (``old``: where it was)."""
        if old is not None:
            key = (old[0], old[1].casefold())
            if self._codes.get(key) is code:
                del self._codes[key]
        self._codes.setdefault((parent, name.casefold()), code)


class CodebookMerge:
    """One merge of a codebook into a session's codes; :meth:`run` does it all.

    Planning happens in memory with autoflush off (nothing half-placed reaches the
    database); :meth:`_write` then inserts the new codes level by level.
    """

    def __init__(self, session: Session, audit: Audit) -> None:
        self.session = session
        self.audit = audit
        self.tree = CodeTree.load(session)
        self.by_uuid = {code.uuid: code for code in self.tree.by_id.values()}
        self.siblings = _Siblings(self.tree)
        self.parent_of: dict[Code, Code | None] = {}  # where this merge puts each code
        self.levels: dict[int, list[tuple[Code, Code | None]]] = defaultdict(list)
        self.moved_under_new: list[tuple[Code, Code]] = []
        self.added: list[str] = []
        self.updated: list[str] = []
        self.unchanged = 0

    def run(self, codebook: Codebook) -> None:
        with self.session.no_autoflush:
            placed: dict[tuple[str, ...], Code] = {}
            for parents, position, entry in walk_entries(codebook.codes):
                parent = placed[parents] if parents else None
                placed[(*parents, entry.name)] = self._place(entry, parent, position, len(parents))
        self._write()

    def _place(self, entry: CodebookEntry, parent: Code | None, position: int, depth: int) -> Code:
        name = check_code_name(entry.name)
        code = self.by_uuid.get(entry.uuid.lower()) if entry.uuid else None
        if code is None and not entry.uuid:
            code = self.siblings.get(parent, name)
            if code is not None:
                name = code.name  # matched by its name: keep the project's spelling
        clash = self.siblings.get(parent, name)
        if clash is not None and clash is not code:
            raise ConflictError(
                f"codebook code '{self.path(clash)}' has UUID {entry.uuid} but the project "
                f"already has a different code there (UUID {clash.uuid}); rename one of them"
            )
        if parent is not None and code is not None:
            self._refuse_cycle(code, parent)
        if code is None:
            code = self._new_code(entry, name, position)
            self.parent_of[code] = parent
            self.siblings.place(code, None, parent, name)
            self.levels[depth].append((code, parent))
            self.added.append(self.path(code))
        elif self._update(code, entry, name, parent, position):
            self.updated.append(self.path(code))
        else:
            self.unchanged += 1
        return code

    def parent(self, code: Code) -> Code | None:
        """The code's parent once this merge is done."""
        if code in self.parent_of:
            return self.parent_of[code]
        return self.tree.by_id.get(code.parent_id) if code.parent_id is not None else None

    def path(self, code: Code) -> str:
        names: list[str] = []
        node: Code | None = code
        while node is not None:
            names.append(node.name)
            node = self.parent(node)
        return join_path(reversed(names))

    def _refuse_cycle(self, code: Code, parent: Code) -> None:
        node: Code | None = parent
        while node is not None:
            if node is code:
                raise ConflictError(f"code '{self.path(code)}' cannot be placed inside itself")
            node = self.parent(node)

    @staticmethod
    def _new_code(entry: CodebookEntry, name: str, position: int) -> Code:
        kwargs = {"uuid": entry.uuid.lower()} if entry.uuid else {}
        return Code(
            name=name,
            position=position,
            definition=entry.definition,
            include=entry.include,
            exclude=entry.exclude,
            example=entry.example,
            keywords=json.dumps(list(entry.keywords), ensure_ascii=False),
            colour=colour_value(entry.colour),
            **kwargs,
        )

    def _update(
        self, code: Code, entry: CodebookEntry, name: str, parent: Code | None, position: int
    ) -> bool:
        old_parent = self.parent(code)
        wanted: dict[str, Any] = {
            "name": name,
            "position": position,
            **{field: getattr(entry, field) for field in FIELDS},
            "keywords": json.dumps(list(entry.keywords), ensure_ascii=False),
            "colour": colour_value(entry.colour),
        }
        changed = {key: value for key, value in wanted.items() if getattr(code, key) != value}
        if parent is not old_parent:
            changed["parent_id"] = parent
        if "name" in changed or "parent_id" in changed:
            self.siblings.place(code, (old_parent, code.name), parent, name)
        self.parent_of[code] = parent
        for key, value in changed.items():
            if key != "parent_id":
                setattr(code, key, value)
        if "parent_id" in changed:
            if parent is not None and parent.id is None:
                self.moved_under_new.append((code, parent))  # its id comes with _write
            else:
                code.parent_id = parent.id if parent is not None else None
        if changed:
            self.audit("update", "code", code.uuid, fields=sorted(changed))
        return bool(changed)

    def _write(self) -> None:
        """Insert the new codes a level at a time, so each level knows its parents' ids."""
        for depth in sorted(self.levels):
            codes = self.levels[depth]
            for code, parent in codes:
                code.parent_id = parent.id if parent is not None else None
            self.session.add_all(code for code, _ in codes)
            self.session.flush()
        for code, parent in self.moved_under_new:
            code.parent_id = parent.id


def colour_value(colour: str | None) -> str | None:
    """A colour as stored (``#rrggbb`` in lower case), or a ValidationError."""
    if colour is None:
        return None
    if not COLOUR.match(colour):
        raise ValidationError(f"colour '{colour}' is not of the form #rrggbb")
    return colour.lower()
