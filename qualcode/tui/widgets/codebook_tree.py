"""The codebook as a tree with how often each code is used."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from qualcode.domain.records import CodeRecord, CodeStats


class CodebookTree(Tree[CodeRecord]):
    """Codes in codebook order; each label shows a colour swatch, the name and counts."""

    BINDINGS = [
        # Not a and r: those accept and reject (suggestions, review) on every panel.
        Binding("n", "screen.add_code", "New code", id="codebook-tree.add_code"),
        Binding("l", "screen.rename_code", "Rename", id="codebook-tree.rename_code"),
        Binding("v", "screen.move_code", "Move", id="codebook-tree.move_code"),
        Binding("g", "screen.merge_code", "Merge into", id="codebook-tree.merge_code"),
        Binding("k", "screen.recolour_code", "Colour", id="codebook-tree.recolour_code"),
        Binding("delete", "screen.delete_code", "Remove code", id="codebook-tree.delete_code"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("Codebook", **kwargs)
        self.show_root = False
        self.guide_depth = 2
        self._shape: list[tuple[str, str | None, str, int]] = []

    def fill(
        self,
        codes: Sequence[CodeRecord],
        stats: Sequence[CodeStats],
        colours: dict[str, str],
        keep: str | None = None,
    ) -> None:
        """Show ``codes`` with their counts.

        When only counts or colours changed the labels are updated in place: rebuilding
        the tree re-lays out the whole screen, too slow to do after every coding.
        """
        counts = {row.code_uuid: row.total_codings for row in stats}
        shape = [(c.uuid, c.parent_uuid, c.name, c.depth) for c in codes]
        if shape == self._shape:
            for node in _walk(self.root):
                if node.data is not None:
                    node.set_label(self._label(node.data, counts, colours))
            return
        self._shape = shape
        expanded = {
            node.data.uuid
            for node in _walk(self.root)
            if node.data is not None and node.is_expanded
        }
        self.clear()
        nodes: dict[str | None, TreeNode[CodeRecord]] = {None: self.root}
        target: TreeNode[CodeRecord] | None = None
        has_children = {code.parent_uuid for code in codes}
        for code in codes:
            parent = nodes.get(code.parent_uuid, self.root)
            label = self._label(code, counts, colours)
            if code.uuid in has_children:
                node = parent.add(label, data=code, expand=code.uuid in expanded or code.depth == 0)
            else:
                node = parent.add_leaf(label, data=code)
            nodes[code.uuid] = node
            if code.uuid == keep:
                target = node
        if target is not None:
            self.call_after_refresh(self.move_cursor, target)

    @staticmethod
    def _label(code: CodeRecord, counts: dict[str, int], colours: dict[str, str]) -> Text:
        # The count goes first: long names are cut at the panel's edge, numbers never.
        label = Text()
        label.append("■ ", style=colours.get(code.uuid, ""))
        label.append(f"{counts.get(code.uuid, 0):>3} ", style="dim")
        label.append(code.name)
        return label

    @property
    def current(self) -> CodeRecord | None:
        node = self.cursor_node
        return node.data if node is not None else None


def _walk(node: TreeNode[CodeRecord]) -> Iterator[TreeNode[CodeRecord]]:
    for child in node.children:
        yield child
        yield from _walk(child)
