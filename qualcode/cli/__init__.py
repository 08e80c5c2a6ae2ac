"""The qualcode command line: thin commands over the services.

Importing this package must stay light (no Textual, no spaCy): those load inside the
commands that need them.
"""

from __future__ import annotations

import os
import sys
import warnings

from qualcode.cli.app import cli
from qualcode.domain.terminal import printable


def _one_line_warning(
    message: Warning | str, category: type[Warning], *_: object, **__: object
) -> str:
    # Warnings name files (a project on a network drive): shown like any other output.
    return f"qualcode: warning: {printable(str(message))}\n"


def main() -> None:
    warnings.formatwarning = _one_line_warning
    try:
        cli(prog_name="qualcode")
    except BrokenPipeError:
        # Output piped into `head` and the reader left: not an error worth a word.
        # (Python's documented recipe: point stdout at devnull so the final flush is quiet.)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)


__all__ = ["cli", "main"]
