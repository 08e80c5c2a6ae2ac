"""Table cells as literal text.

Textual's DataTable reads a plain string as Rich markup, so "[crosstalk]", "[the trust]"
or a replacement such as "[psychologist]" would vanish from the screen. Transcripts are
full of square brackets: every cell taken from the project goes through ``literal``.
"""

from __future__ import annotations

from rich.text import Text


def literal(*values: object) -> tuple[Text, ...]:
    return tuple(Text(str(value)) for value in values)
