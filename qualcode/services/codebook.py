"""Codebooks: merging one into a project by UUID, exporting it, listing codes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from qualcode.domain.codebook import check_code_name, codebook_entry
from qualcode.domain.errors import ConflictError, StaleEditError, ValidationError
from qualcode.domain.records import Codebook, CodebookEntry, CodeRecord
from qualcode.domain.roles import Action
from qualcode.services.base import Service
from qualcode.services.changes import code_dict, coding_dict, refereed
from qualcode.services.code_tree import CodeTree
from qualcode.services.codebook_merge import CodebookMerge, colour_value
from qualcode.services.export_gate import ALL_CHECKS, ExportChecks, ExportGate
from qualcode.store.models import Code, Coding, ProjectSetting, new_uuid


@dataclass(frozen=True, slots=True)
class CodebookMergeReport:
    name: str
    added: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: int


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
        with self._transaction():
            self._require(Action.EDIT_CODEBOOK)
            merge = CodebookMerge(self.session, self._audit)
            merge.run(codebook)
            meta = {"codebook_name": codebook.name, "codebook_description": codebook.description}
            for key, value in meta.items():
                self.session.merge(ProjectSetting(key=key, value=value))
            self._audit(
                "import", "codebook", None, added=len(merge.added), updated=len(merge.updated)
            )
        return CodebookMergeReport(
            codebook.name, tuple(merge.added), tuple(merge.updated), merge.unchanged
        )

    def import_file(self, path: Path) -> CodebookMergeReport:
        """Read a YAML or REFI-QDA (.qdc) codebook file (refused whole if anything in it is
        wrong) and merge it."""
        if Path(path).suffix.lower() == ".qdc":
            return self.import_codebook(self._read_qdc(Path(path)))
        # YAML and the importers load here: the workbench lists codes without them.
        from qualcode.importers.codebook_yaml import read_codebook

        return self.import_codebook(read_codebook(path))

    def _read_qdc(self, path: Path) -> Codebook:
        from qualcode.importers.codebook_qdc import read_qdc  # see import_file

        codebook = read_qdc(path)
        # A .qdc has no codebook name or description: keep the project's own.
        current = self.export_codebook()
        return Codebook(current.name, current.description, codebook.codes)

    def export_file(self, path: Path, checks: ExportChecks = ALL_CHECKS) -> Path:
        """The codebook as YAML (the format `codebook import` reads), through the export
        gate: names in definitions and examples replaced, the file read back. A .docx
        name gives the codebook as a Word table instead, a .qdc name as a REFI-QDA
        codebook for other tools. Returns the path written."""

        if Path(path).suffix.lower() == ".docx":
            from qualcode.services.reports import ReportService

            return ReportService(self.session).export_codebook_docx(path, checks)
        from qualcode.exporters.codebook_qdc import dump_qdc  # see import_file
        from qualcode.exporters.codebook_yaml import dump_codebook

        gate = ExportGate(self.session, checks)
        path, file_format = gate.target(path, ("yaml", "qdc"), "a codebook")
        codebook = gate.redact(self.export_codebook())
        if file_format.name == "qdc":
            data = dump_qdc(codebook)
        else:
            data = dump_codebook(codebook).encode("utf-8")
        return gate.write({path: data}, file_format).paths[0]

    def export_text(self) -> str:
        from qualcode.exporters.codebook_yaml import dump_codebook  # see import_file

        return dump_codebook(self.export_codebook())

    def export_codebook(self) -> Codebook:
        tree = CodeTree.load(self.session)
        settings = dict(
            self.session.execute(select(ProjectSetting.key, ProjectSetting.value)).all()
        )
        self._end_read()

        def entries(parent_id: int | None) -> tuple[CodebookEntry, ...]:
            return tuple(
                codebook_entry(code, entries(code.id)) for code in tree.children.get(parent_id, [])
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
        """A new code (undoable), at the end of its parent's children."""
        with self._transaction():
            tree = CodeTree.load(self.session)
            parent_code = tree.resolve(parent) if parent else None
            parent_id = parent_code.id if parent_code else None
            name = check_code_name(name)
            if tree.child_named(parent_id, name):
                raise ConflictError(f"there is already a code '{name}' there")
            code_uuid = new_uuid()
            data = {
                "uuid": code_uuid,
                "parent": parent_code.uuid if parent_code else None,
                "name": name,
                "definition": definition,
                "include": "",
                "exclude": "",
                "example": "",
                "keywords": "[]",
                "colour": colour_value(colour),
                "position": self._next_position(parent_id),
            }
            with refereed(self.session, self._name_taken(parent_id, name)):
                self._perform("code.add", {"code": data}, f"add code '{name}'")
            record = CodeTree.load(self.session).record(self._code(code_uuid))
        return record

    def update_code(
        self, reference: str, *, expected_version: int | None = None, **changes: str | None
    ) -> CodeRecord:
        """Rename, recolour or redefine a code (undoable). Codings are untouched.

        ``expected_version`` is the code's version as the person read it: if someone has
        changed the code since, nothing is saved and :class:`StaleEditError` hands back
        what they wrote (the name, else the definition or whatever they changed)."""
        allowed = {"name", "definition", "include", "exclude", "example", "colour"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValidationError(f"cannot change {', '.join(sorted(unknown))} of a code")
        with self._transaction():
            tree = CodeTree.load(self.session)
            code = tree.resolve(reference)
            self._refuse_stale(code, expected_version, changes)
            after: dict[str, str | None] = {}
            for field, value in changes.items():
                if field == "name":
                    value = check_code_name(value or "")
                    clash = tree.child_named(code.parent_id, value)
                    if clash is not None and clash is not code:
                        raise ConflictError(f"there is already a code '{value}' there")
                elif field == "colour":
                    value = colour_value(value)
                if getattr(code, field) != value:
                    after[field] = value
            if after:
                before = {field: getattr(code, field) for field in after}
                what = "rename" if "name" in after else "edit"
                explain = self._name_taken(code.parent_id, str(after.get("name", "")), code)
                with refereed(self.session, self._or_stale(code, changes, explain)):
                    self._perform(
                        "code.update",
                        {"uuid": code.uuid, "before": before, "after": after},
                        f"{what} code '{code.name}'",
                    )
            record = CodeTree.load(self.session).record(code)
        return record

    def move_code(
        self,
        reference: str,
        new_parent: str | None,
        position: int | None = None,
        *,
        expected_version: int | None = None,
    ) -> CodeRecord:
        """Move a code (and its sub-codes) under another parent, or to the top level;
        last among its new siblings unless ``position`` says where. A move of a code
        someone changed since ``expected_version`` is refused (:class:`StaleEditError`)."""
        with self._transaction():
            tree = CodeTree.load(self.session)
            code = tree.resolve(reference)
            self._refuse_stale(code, expected_version, {"parent": new_parent or ""})
            parent = tree.resolve(new_parent) if new_parent else None
            if parent is not None:
                self._refuse_cycle(tree, code, parent)
            parent_id = parent.id if parent else None
            clash = tree.child_named(parent_id, code.name)
            if clash is not None and clash is not code:
                raise ConflictError(f"there is already a code '{code.name}' there")
            if position is None:
                position = self._next_position(parent_id, code)
            position = max(0, position)
            old_parent = tree.by_id.get(code.parent_id) if code.parent_id else None
            explain = self._name_taken(parent_id, code.name, code)
            with refereed(self.session, self._or_stale(code, {"parent": ""}, explain)):
                self._perform(
                    "code.update",
                    {
                        "uuid": code.uuid,
                        "before": {
                            "parent": old_parent.uuid if old_parent else None,
                            "position": code.position,
                        },
                        "after": {"parent": parent.uuid if parent else None, "position": position},
                    },
                    f"move code '{code.name}'",
                )
            record = CodeTree.load(self.session).record(code)
        return record

    def merge_codes(self, source: str, target: str) -> CodeRecord:
        """Merge code ``source`` into ``target``: its codings and sub-codes move to the
        target and the source code is removed. Undo brings it all back."""
        with self._transaction():
            tree = CodeTree.load(self.session)
            merged, into = tree.resolve(source), tree.resolve(target)
            if merged is into:
                raise ValidationError("a code cannot be merged into itself")
            self._refuse_cycle(tree, merged, into)
            existing = {
                (c.coder_id, c.source_id, c.start, c.end)
                for c in self.session.scalars(select(Coding).where(Coding.code_id == into.id))
            }
            moved, duplicates = [], []
            for coding in self.session.scalars(select(Coding).where(Coding.code_id == merged.id)):
                key = (coding.coder_id, coding.source_id, coding.start, coding.end)
                if key in existing:
                    duplicates.append(coding_dict(self.session, coding))
                else:
                    moved.append(coding.uuid)
                    existing.add(key)
            children = [c.uuid for c in tree.children.get(merged.id, [])]
            for child in tree.children.get(merged.id, []):
                if tree.child_named(into.id, child.name):
                    raise ConflictError(
                        f"both codes have a sub-code '{child.name}'; merge those first"
                    )
            self._perform(
                "code.merge",
                {
                    "source": code_dict(self.session, merged),
                    "target": into.uuid,
                    "moved": moved,
                    "duplicates": duplicates,
                    "children": children,
                },
                f"merge '{merged.name}' into '{into.name}'",
            )
            record = CodeTree.load(self.session).record(into)
        return record

    def delete_code(self, reference: str) -> CodeRecord:
        """Remove a code that has no codings and no sub-codes (undoable)."""
        with self._transaction():
            tree = CodeTree.load(self.session)
            code = tree.resolve(reference)
            record = tree.record(code)
            self._perform(
                "code.delete", {"code": code_dict(self.session, code)}, f"remove code '{code.name}'"
            )
        return record

    def _code(self, uuid: str) -> Code:
        return self.session.scalars(select(Code).where(Code.uuid == uuid)).one()

    # -- helpers -----------------------------------------------------------------------

    def _next_position(self, parent_id: int | None, moving: Code | None = None) -> int:
        """One past the last sibling's position, read from the table itself (not the
        count of siblings, which repeats a position after a delete or a move). Two coders
        adding at the same instant on PostgreSQL may both get the same number; siblings
        sort by (position, name, id), so the order stays whole and the same for everyone."""
        query = select(func.max(Code.position)).where(
            Code.parent_id.is_(None) if parent_id is None else Code.parent_id == parent_id
        )
        if moving is not None:
            query = query.where(Code.id != moving.id)
        highest = self.session.scalar(query)
        return 0 if highest is None else highest + 1

    def _name_taken(
        self, parent_id: int | None, name: str, code: Code | None = None
    ) -> Callable[[], Exception | None]:
        """Whether, after the database refused a write, a sibling now has ``name``."""

        def explain() -> Exception | None:
            if not name:
                return None
            clash = CodeTree.load(self.session).child_named(parent_id, name)
            if clash is None or (code is not None and clash.id == code.id):
                return None
            return ConflictError(f"there is already a code '{name}' there")

        return explain

    def _or_stale(
        self, code: Code, changes: dict[str, str | None], first: Callable[[], Exception | None]
    ) -> Callable[[], Exception | None]:
        """A refused edit explained as a taken name, else as someone else's edit."""

        def explain() -> Exception | None:
            found = first()
            if found is not None:
                return found
            self.session.refresh(code)
            return _stale(code, changes)

        return explain

    @staticmethod
    def _refuse_stale(code: Code, expected: int | None, changes: dict[str, str | None]) -> None:
        if expected is not None and code.version != expected:
            raise _stale(code, changes)

    @staticmethod
    def _refuse_cycle(tree: CodeTree, code: Code, parent: Code) -> None:
        node: Code | None = parent
        while node is not None:
            if node.id == code.id:
                raise ConflictError(f"code '{tree.path(code)}' cannot be placed inside itself")
            node = tree.by_id.get(node.parent_id) if node.parent_id is not None else None


def _stale(code: Code, changes: dict[str, str | None]) -> StaleEditError:
    """The person's own text for the field that matters most to them (the name, else the
    first field they changed) and what that field says now."""
    field = "name" if "name" in changes else next(iter(changes), "name")
    theirs = getattr(code, field, code.name) if field != "parent" else code.name
    return StaleEditError(
        f"code '{code.name}'", str(changes.get(field) or ""), str(theirs or ""), code.version
    )
