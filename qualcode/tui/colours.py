"""Colours for codes that have none, and the app's high-contrast theme."""

from __future__ import annotations

import hashlib

from textual.theme import Theme

# Paul Tol's "muted" and "light" qualitative palettes: distinct for colour-blind readers.
FALLBACK = (
    "#cc6677",
    "#332288",
    "#ddcc77",
    "#117733",
    "#88ccee",
    "#882255",
    "#44aa99",
    "#999933",
    "#aa4499",
    "#77aadd",
    "#ee8866",
    "#eedd88",
    "#ffaabb",
    "#99ddff",
)


def code_colour(colour: str | None, uuid: str) -> str:
    """The code's own colour, or a stable one picked from its UUID."""
    if colour:
        return colour
    index = int(hashlib.sha256(uuid.encode()).hexdigest()[:8], 16) % len(FALLBACK)
    return FALLBACK[index]


HIGH_CONTRAST = Theme(
    name="qualcode-high-contrast",
    primary="#ffff00",
    secondary="#00ffff",
    accent="#ffff00",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#1a1a1a",
    success="#00ff00",
    warning="#ffff00",
    error="#ff5555",
    dark=True,
)
