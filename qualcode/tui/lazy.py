"""Names whose module loads on first use, so that `qualcode open` draws its first screen
without paying for screens and services nobody has asked for yet (issue 13: numpy for
agreement, Markdown for help, and so on cost a third of the start-up).

``HelpScreen = lazy("qualcode.tui.screens.help", "HelpScreen")`` can be called and used
with ``isinstance`` like the class itself; the module is imported the first time it is
called or an attribute is read. Code that names the real class for a type checker imports
it under ``if TYPE_CHECKING:`` beside the lazy name.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any


class Lazy:
    """Stands for ``module.name`` until it is first used."""

    __slots__ = ("_module", "_name", "_target")

    def __init__(self, module: str, name: str) -> None:
        self._module = module
        self._name = name
        self._target: Any = None

    def resolve(self) -> Any:
        if self._target is None:
            self._target = getattr(importlib.import_module(self._module), self._name)
        return self._target

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.resolve(), attribute)

    def __instancecheck__(self, instance: object) -> bool:
        # Nothing can be an instance of a class whose module was never loaded, and
        # asking (of whatever screen is on top) must not load it.
        if self._target is None and self._module not in sys.modules:
            return False
        return isinstance(instance, self.resolve())

    def __repr__(self) -> str:
        return f"<lazy {self._module}.{self._name}>"


def lazy(module: str, name: str) -> Any:
    """``module.name``, imported when first used (typed Any: import the real name for
    type checkers under ``if TYPE_CHECKING:``)."""
    return Lazy(module, name)
