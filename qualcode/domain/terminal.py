"""Making user-derived text safe to show in a terminal.

Transcripts, memos, code names, speaker names and file names come from other
people's files. A terminal obeys control characters in whatever it is given:
ESC starts a sequence that can clear the screen (``ESC[2J``), set the window title
(OSC 0) or write the clipboard (OSC 52); C1 controls (U+0080-U+009F) do the same on
terminals that honour 8-bit controls (U+009B is a one-character CSI); CR and
backspace overwrite what was printed; bidi overrides and isolates reorder what a
reader sees, so a quote can appear to say something it does not.

The rule, the same for the command line and the app: each such code point is
replaced by ONE visible code point, never removed and never widened into an escape
like ``\\x1b``. One for one, because the app shows transcript text by code point
offsets (codings, search hits, selections) and those must still line up; visible,
because a reader should see that something odd was in the file rather than have it
silently vanish.

- C0 controls other than tab and newline, and DEL, become their Unicode control
  pictures (ESC shows as U+241B "␛", BEL as U+2407 "␇", CR as U+240D "␍"), so an
  attempted sequence stays readable: "␛[2J".
- C1 controls and the bidi overrides/isolates (U+202A-U+202E, U+2066-U+2069) have
  no pictures; they become U+FFFD "�", the usual sign for "a character that cannot
  be shown here".

Every replacement is a single-cell printable character, so no sequence can start.
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"
_TAB, _NEWLINE, _DEL = 0x09, 0x0A, 0x7F
_BIDI = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))

#: The code points a terminal must never be handed raw.
UNSAFE_CODE_POINTS: frozenset[int] = frozenset(
    [c for c in range(0x20) if c not in (_TAB, _NEWLINE)]
    + [_DEL]
    + list(range(0x80, 0xA0))
    + list(_BIDI)
)

# One compiled class finds the first unsafe character (almost always none: ASCII and
# ordinary Unicode text pass with one C-speed scan and keep their identity).
UNSAFE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(UNSAFE_CODE_POINTS)) + "]")

_PICTURES = str.maketrans(
    {
        c: (0x2400 + c if c < 0x20 else 0x2421 if c == _DEL else ord(REPLACEMENT))
        for c in UNSAFE_CODE_POINTS
    }
)


def printable(text: str) -> str:
    """``text`` with every terminal control replaced by one visible character.

    Tab and newline are kept; ``len(printable(text)) == len(text)`` always, so offsets
    into a transcript stay valid. Text with nothing to replace is returned as it is.
    """
    if UNSAFE.search(text) is None:
        return text
    return text.translate(_PICTURES)


def json_escape(dumped: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) made safe to print.

    ``ensure_ascii=False`` keeps names readable and already writes C0 controls as
    ``\\u001b``, but leaves DEL, C1 controls and bidi overrides raw. Those are written
    as ``\\uXXXX`` escapes too: in JSON output they can only occur inside strings, so
    the result is still valid JSON and decodes to exactly the original text, which
    scripts need (unlike :func:`printable`, which is for people reading).
    """
    if UNSAFE.search(dumped) is None:
        return dumped
    return UNSAFE.sub(lambda match: f"\\u{ord(match[0]):04x}", dumped)
