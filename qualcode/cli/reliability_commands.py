"""`qualcode agreement --statement`: the reliability paragraph for a report (issue 16).

Kept apart from agreement_commands.py so the agreement table's options and this
paragraph can change independently; the agreement command only hands over."""

from __future__ import annotations

import textwrap
from pathlib import Path

from qualcode.cli.common import echo, opened, print_json
from qualcode.services.reliability import ReliabilityService


def print_statement(
    project: Path,
    *,
    coders: tuple[str, ...],
    codes: tuple[str, ...],
    sources: tuple[str, ...],
    include_subcodes: bool,
    as_json: bool,
) -> None:
    """Print the paragraph (wrapped for a terminal; one line per paragraph would be as
    easy to paste, but a wrapped one is what a person reads before pasting)."""
    with opened(project) as opened_project, opened_project.read_session() as session:
        facts, paragraph = ReliabilityService(session).statement(
            coders=coders or None,
            codes=codes or None,
            sources=sources or None,
            include_subcodes=include_subcodes,
        )
    if as_json:
        print_json({"statement": paragraph, "facts": facts})
        return
    echo("\n\n".join(textwrap.fill(p, width=88) for p in paragraph.split("\n\n")))
