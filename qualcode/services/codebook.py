"""Codebooks: merging one into a project by UUID, exporting it, listing codes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from qualcode.domain.codebook import COLOUR, check_code_name, walk_entries
from qualcode.domain.errors import ConflictError, ValidationError
from qualcode.domain.records import Codebook, CodebookEntry, CodeRecord
from qualcode.exporters.codebook_yaml import dump_codebook, write_codebook
from qualcode.importers.codebook_yaml import read_codebook
from qualcode.services.base import Service
from qualcode.services.code_tree import CodeTree
from qualcode.store.models import Code, ProjectSetting


@dataclass(frozen=True, slots=True)
class CodebookMergeReport:
    name: str
    added: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: int


_FIELDS = ("definition", "include", "exclude", "example")


class CodebookService(Service):
    def list_codes(self) -> list[CodeRecord]:
        tree = CodeTree.load(self.session)
        records = [tree.record(code, depth) for depth, code in tree.in_order()]
        self._end_read()
        return records

    def import_codebook(self, codebook: Codebook) -> CodebookMergeReport:
        """Merge ``codebook`` into the project.

        Entries with a UUID the project knows update that code (so a code renamed in
        the file keeps its codings); entries without a UUID match a code at the same
        path, else are added. Codes absent from the file are kept: merging never
        deletes a researcher's codes or codings.
        """
        added: list[str] = []
        updated: list[str] = []
        unchanged = 0
        with self._transaction():
            tree = CodeTree.load(self.session)
            by_uuid = {code.uuid: code for code in tree.by_id.values()}
            placed: dict[tuple[str, ...], Code] = {}
            for parents, position, entry in walk_entries(codebook.codes):
                name = check_code_name(entry.name)
                parent = placed[parents] if parents else None
                parent_id = parent.id if parent else None
                code = by_uuid.get(entry.uuid.lower()) if entry.uuid else None
                if code is None and not entry.uuid:
                    code = tree.child_named(parent_id, name)
                    if code is not None:
                        name = code.name  # matched by its name: keep the project's spelling
                clash = tree.child_named(parent_id, name)
                if clash is not None and clash is not code:
                    where = tree.path(clash)
                    raise ConflictError(
                        f"codebook code '{where}' has UUID {entry.uuid} but the project "
                        f"already has a different code there (UUID {clash.uuid}); "
                        "rename one of them"
                    )
                if parent is not None and code is not None:
                    self._refuse_cycle(tree, code, parent)
                if code is None:
                    code = self._add(entry, name, parent_id, position)
                    tree.by_id[code.id] = code
                    tree.children.setdefault(parent_id, []).append(code)
                    added.append(tree.path(code))
                elif self._update(tree, code, entry, name, parent_id, position):
                    updated.append(tree.path(code))
                else:
                    unchanged += 1
                placed[(*parents, entry.name)] = code
            meta = {"codebook_name": codebook.name, "codebook_description": codebook.description}
            for key, value in meta.items():
                self.session.merge(ProjectSetting(key=key, value=value))
            self._audit("import", "codebook", None, added=len(added), updated=len(updated))
        return CodebookMergeReport(codebook.name, tuple(added), tuple(updated), unchanged)

    def import_file(self, path: Path) -> CodebookMergeReport:
        """Read a YAML codebook file (refused whole if anything in it is wrong) and merge it."""
        return self.import_codebook(read_codebook(path))

    def export_file(self, path: Path) -> Codebook:
        codebook = self.export_codebook()
        write_codebook(codebook, path)
        return codebook

    def export_text(self) -> str:
        return dump_codebook(self.export_codebook())

    def export_codebook(self) -> Codebook:
        tree = CodeTree.load(self.session)
        settings = dict(
            self.session.execute(select(ProjectSetting.key, ProjectSetting.value)).all()
        )
        self._end_read()

        def entries(parent_id: int | None) -> tuple[CodebookEntry, ...]:
            return tuple(
                CodebookEntry(
                    name=code.name,
                    uuid=code.uuid,
                    definition=code.definition,
                    include=code.include,
                    exclude=code.exclude,
                    example=code.example,
                    keywords=tuple(json.loads(code.keywords)),
                    colour=code.colour,
                    children=entries(code.id),
                )
                for code in tree.children.get(parent_id, [])
            )

        return Codebook(
            name=settings.get("codebook_name") or settings.get("name", "Codebook"),
            description=settings.get("codebook_description", ""),
            codes=entries(None),
        )

    def add_code(
        self,
        name: str,
        parent: str | None = None,
        definition: str = "",
        colour: str | None = None,
    ) -> CodeRecord:
        with self._transaction():
            tree = CodeTree.load(self.session)
            parent_code = tree.resolve(parent) if parent else None
            parent_id = parent_code.id if parent_code else None
            name = check_code_name(name)
            if tree.child_named(parent_id, name):
                raise ConflictError(f"there is already a code '{name}' there")
            entry = CodebookEntry(name=name, definition=definition, colour=colour)
            position = len(tree.children.get(parent_id, []))
            code = self._add(entry, name, parent_id, position)
            tree.by_id[code.id] = code
            record = tree.record(code)
            self._audit("add", "code", code.uuid, path=record.path)
        return record

    # -- helpers -----------------------------------------------------------------------

    def _add(self, entry: CodebookEntry, name: str, parent_id: int | None, position: int) -> Code:
        kwargs = {"uuid": entry.uuid.lower()} if entry.uuid else {}
        code = Code(
            name=name,
            parent_id=parent_id,
            position=position,
            definition=entry.definition,
            include=entry.include,
            exclude=entry.exclude,
            example=entry.example,
            keywords=json.dumps(list(entry.keywords), ensure_ascii=False),
            colour=_colour(entry.colour),
            **kwargs,
        )
        self.session.add(code)
        self.session.flush()
        return code

    def _update(
        self,
        tree: CodeTree,
        code: Code,
        entry: CodebookEntry,
        name: str,
        parent_id: int | None,
        position: int,
    ) -> bool:
        wanted = {
            "name": name,
            "parent_id": parent_id,
            "position": position,
            **{field: getattr(entry, field) for field in _FIELDS},
            "keywords": json.dumps(list(entry.keywords), ensure_ascii=False),
            "colour": _colour(entry.colour),
        }
        changed = {key: value for key, value in wanted.items() if getattr(code, key) != value}
        if changed.get("parent_id", code.parent_id) != code.parent_id:
            tree.children[code.parent_id].remove(code)
            tree.children.setdefault(parent_id, []).append(code)
        for key, value in changed.items():
            setattr(code, key, value)
        if changed:
            self._audit("update", "code", code.uuid, fields=sorted(changed))
        return bool(changed)

    @staticmethod
    def _refuse_cycle(tree: CodeTree, code: Code, parent: Code) -> None:
        node: Code | None = parent
        while node is not None:
            if node.id == code.id:
                raise ConflictError(f"code '{tree.path(code)}' cannot be placed inside itself")
            node = tree.by_id.get(node.parent_id) if node.parent_id is not None else None


def _colour(colour: str | None) -> str | None:
    if colour is None:
        return None
    if not COLOUR.match(colour):
        raise ValidationError(f"colour '{colour}' is not of the form #rrggbb")
    return colour.lower()
