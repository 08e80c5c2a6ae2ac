"""The coding screen's footer: every key when there is room, the essentials when not.

Textual's footer drops whatever does not fit at the right-hand end, which at 80
columns was Extracts, Codebook and Help: the very keys a newcomer looks for. When
they do not fit this footer shows a short list instead, compactly, and the keys of
whichever panel has the focus (the codebook's, the suggestions'); every key still
works and ``?`` lists them all. ``NARROW`` is where the coding screen folds its side
panel away.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

NARROW = 100


class WorkbenchFooter(Footer):
    """A footer that, when its keys do not fit, first draws them closer together and
    then trims itself to ``always`` plus either the focused panel's keys that are in
    ``panel_essentials`` or, when no panel has the focus, ``essentials``; ``short``
    labels replace long ones there. ``in_panel`` relabels keys while a panel has the
    focus."""

    def __init__(
        self,
        *,
        always: Iterable[str],
        essentials: Iterable[str],
        panel_essentials: Iterable[str] = (),
        short: dict[str, str] | None = None,
        in_panel: dict[str, str] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.always = frozenset(always)
        self.essentials = frozenset(essentials)
        self.panel_essentials = frozenset(panel_essentials)
        self.short = short or {}
        self.in_panel = in_panel or {}
        self._width: int | None = None

    def compose(self) -> ComposeResult:
        width = self._width = self.app.size.width
        keys = list(super().compose())
        panel = self._panel_actions()
        if panel:
            for key in _keys(keys):
                key.description = self.in_panel.get(key.action, key.description)
        # Every key if they fit, then every key closer together, then the essentials.
        if _needed(keys, gap=2) <= width:
            self.compact = False
            yield from keys
            return
        self.compact = True
        if _needed(keys, gap=1) <= width:
            yield from keys
            return
        # The focused panel's keys, all of them if they fit, else its essentials.
        for wanted in (
            self.always | (panel or self.essentials),
            self.always | (panel & self.panel_essentials if panel else self.essentials),
        ):
            kept = [
                widget
                for widget in keys
                if not isinstance(widget, FooterKey)
                or widget.has_class("-command-palette")
                or widget.action in wanted
            ]
            for key in _keys(kept):
                key.description = self.short.get(key.action, key.description)
            if _needed(kept, gap=1) <= width:
                break
        yield from kept

    def _panel_actions(self) -> set[str]:
        """Actions shown in the footer that the focused widget itself binds."""
        focused = self.screen.focused
        return {
            active.binding.action
            for active in self.screen.active_bindings.values()
            if active.node is focused and focused is not None and active.binding.show
        }

    def on_resize(self, event: events.Resize) -> None:
        if self._width is not None and self.app.size.width != self._width:
            self.refresh(recompose=True)


def _keys(widgets: Iterable[Widget]) -> Iterator[FooterKey]:
    return (w for w in widgets if isinstance(w, FooterKey))


def _needed(widgets: Iterable[Widget], gap: int) -> int:
    """Cells the footer needs: each key, its label and a gap; the palette key docked
    at the right takes about a dozen."""
    return sum(
        12
        if key.has_class("-command-palette")
        else cell_len(key.key_display) + 1 + cell_len(key.description) + gap
        for key in _keys(widgets)
    )
