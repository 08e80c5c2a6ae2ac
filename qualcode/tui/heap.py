"""When the app's memory is tidied, so that tidying never lands on a key press.

Python's cyclic garbage collector now and then walks every object the process holds.
With Textual, the codebook and a transcript loaded that is 130,000-170,000 objects and a
pause of 100-300 ms, and it fell on key presses (issue 13). Objects that are "frozen"
(``gc.freeze()``) are left out of those walks. So:

- once the project is open, everything loaded so far (modules, the app) is frozen;
- after each of the collector's own full walks, what survived it is frozen, so the next
  walk covers only what was made since (a few milliseconds' work, not a few hundred);
- when the researcher has not typed or clicked for a few seconds, what is new is
  collected and frozen too;
- frozen objects that become garbage in a cycle (a closed screen, a toast that went) are
  never visited by a walk, so now and then, and whenever a screen has closed, that idle
  tidy first unfreezes everything: nothing is kept for ever.

Freezing changes which objects the collector walks, never what reference counting frees.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from typing import Any

# A pause this long counts as a break in typing: long enough that a tidy (up to a few
# hundred ms with everything unfrozen) is unlikely to meet the next key.
IDLE_SECONDS = 3.0
# How often, at most, an idle tidy walks everything when no screen has closed.
FULL_TIDY_SECONDS = 300.0


class HeapKeeper:
    """Freezes the heap after start-up and tidies it when the user pauses."""

    def __init__(
        self,
        screens: Callable[[], Sequence[object]],
        clock: Callable[[], float] = time.monotonic,
        idle_seconds: float = IDLE_SECONDS,
        full_tidy_seconds: float = FULL_TIDY_SECONDS,
    ) -> None:
        self._screens = screens
        self._clock = clock
        self._idle_seconds = idle_seconds
        self._full_tidy_seconds = full_tidy_seconds
        self._last_input = self._last_full = clock()
        self._frozen_screens: set[int] = set()
        self._tidy = True  # something may have happened since the last tidy
        self._watching = False

    def started(self) -> None:
        """The project is open: what start-up loaded stays for the whole session."""
        gc.freeze()
        if not self._watching:
            gc.callbacks.append(self._after_collection)
            self._watching = True

    def stopped(self) -> None:
        """The app is closing: nothing needs keeping out of the walks any more."""
        if self._watching:
            gc.callbacks.remove(self._after_collection)
            self._watching = False
        gc.unfreeze()

    def saw_input(self) -> None:
        self._last_input = self._clock()
        self._tidy = True

    def tick(self) -> str | None:
        """Tidy if the user has paused: "full", "young", or None if nothing was done."""
        now = self._clock()
        if not self._tidy or now - self._last_input < self._idle_seconds:
            return None
        live = {id(screen) for screen in self._screens()}
        full = bool(self._frozen_screens - live) or now - self._last_full >= self._full_tidy_seconds
        if full:
            gc.unfreeze()
            self._last_full = now
        gc.collect()
        gc.freeze()
        self._frozen_screens = live
        self._tidy = False
        return "full" if full else "young"

    def _after_collection(self, phase: str, info: dict[str, Any]) -> None:
        # The collector has just walked every unfrozen object: keep the survivors out of
        # the next walk. (Only moves lists of objects; safe inside the callback.)
        if phase == "stop" and info.get("generation") == 2:
            gc.freeze()
