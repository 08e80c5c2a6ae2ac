"""What the app says when an export is refused, in the app's own words.

The export gate's messages name command-line flags; in the app the way on is a
screen and a key, so a refused export says which.
"""

from __future__ import annotations

from qualcode.domain.errors import QualcodeError
from qualcode.domain.register_status import UnreviewedRegisterError

REVIEW_IN_APP = (
    "Open the Identifier register (ctrl+p), add the names it suggests, press r to mark "
    "it reviewed, then export again."
)


def refused_export(error: QualcodeError | OSError) -> str:
    if isinstance(error, UnreviewedRegisterError):
        return f"Not exported: {error.status.reason} {REVIEW_IN_APP}"
    return str(error)
