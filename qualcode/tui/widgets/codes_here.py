"""The side panel listing every code on the passage under the cursor."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from qualcode.domain.codebook import leaf
from qualcode.domain.records import CodingRecord


class CodesHere(Static):
    """Code, coder and memo of each coding at the cursor; names always beside colours."""

    DEFAULT_CSS = """
    CodesHere { height: auto; max-height: 12; padding: 0 1; }
    """

    def show(self, codings: Sequence[CodingRecord], colours: dict[str, str]) -> None:
        if not codings:
            self.update(Text("No codes here.", style="dim"))
            return
        text = Text()
        for index, coding in enumerate(codings):
            if index:
                text.append("\n")
            text.append("■ ", style=colours.get(coding.code_uuid, ""))
            text.append(leaf(coding.code_path), style="bold")
            text.append(f"\n  by {coding.coder}", style="dim")
            if coding.origin.value != "manual":
                text.append(f" ({coding.origin.value})", style="dim")
            if coding.memo:
                memo = " ".join(coding.memo.split())
                text.append(
                    f"\n  memo: {memo[:120]}{'…' if len(memo) > 120 else ''}", style="italic"
                )
        self.update(text)
