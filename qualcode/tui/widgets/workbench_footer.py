"""The coding screen's footer: every key when there is room, the essentials when not.

Textual's footer drops whatever does not fit at the right-hand end, which at 80
columns was Extracts, Codebook and Help: the very keys a newcomer looks for. Below
``NARROW`` columns this footer shows a short list instead, compactly, and the keys
of whichever panel has the focus (the codebook's, the suggestions'); every key still
works and ``?`` lists them all.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

NARROW = 100


class WorkbenchFooter(Footer):
    """A footer that, narrower than ``NARROW`` columns, trims itself to ``always`` plus
    either the focused panel's keys that are in ``panel_essentials`` or, when no panel
    has the focus, ``essentials``; ``short`` labels replace long ones there.
    ``in_panel`` relabels keys while a panel has the focus, at any width."""

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
        self._narrow: bool | None = None

    @property
    def narrow(self) -> bool:
        return self.app.size.width < NARROW

    def compose(self) -> ComposeResult:
        narrow = self._narrow = self.narrow
        self.compact = narrow
        panel = self._panel_actions()
        wanted = self.always | (panel & self.panel_essentials if panel else self.essentials)
        for widget in super().compose():
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                if narrow and widget.action not in wanted:
                    continue
                if narrow:
                    widget.description = self.short.get(widget.action, widget.description)
                if panel:
                    widget.description = self.in_panel.get(widget.action, widget.description)
            yield widget

    def _panel_actions(self) -> set[str]:
        """Actions shown in the footer that the focused widget itself binds."""
        focused = self.screen.focused
        return {
            active.binding.action
            for active in self.screen.active_bindings.values()
            if active.node is focused and focused is not None and active.binding.show
        }

    def on_resize(self, event: events.Resize) -> None:
        if self._narrow is not None and self.narrow != self._narrow:
            self.refresh(recompose=True)
