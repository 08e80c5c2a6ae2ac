"""The qualcode command line: thin commands over the services.

Importing this package must stay light (no Textual, no spaCy): those load inside the
commands that need them.
"""

from __future__ import annotations

import warnings

from qualcode.cli.app import cli


def _one_line_warning(
    message: Warning | str, category: type[Warning], *_: object, **__: object
) -> str:
    return f"qualcode: warning: {message}\n"


def main() -> None:
    warnings.formatwarning = _one_line_warning  # type: ignore[assignment]
    cli(prog_name="qualcode")


__all__ = ["cli", "main"]
