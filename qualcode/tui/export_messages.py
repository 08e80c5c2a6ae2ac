"""What the app says when an export is refused, in the app's own words.

The export gate's messages name command-line flags; in the app the way on is a
screen and a key, so a refused export says which.
"""

from __future__ import annotations

from qualcode.domain.errors import NotFoundError, QualcodeError
from qualcode.domain.register_status import UnreviewedRegisterError
from qualcode.domain.reports import CONSENSUS_CODER

REVIEW_IN_APP = (
    "Open the Identifier register (ctrl+p), add the names it suggests, press r to mark "
    "it reviewed, then export again."
)

NO_AGREED_VERSION_IN_APP = (
    "Nothing has been agreed in a review yet, so there is no agreed version to report. "
    "Open Compare coders (ctrl+p) to start one, or export everyone's coding."
)


def refused_export(error: QualcodeError | OSError) -> str:
    if isinstance(error, UnreviewedRegisterError):
        return f"Not exported: {error.status.reason} {REVIEW_IN_APP}"
    if isinstance(error, NotFoundError) and f"({CONSENSUS_CODER})" in str(error):
        # The selection's message names the --consensus flag; the app has none.
        return NO_AGREED_VERSION_IN_APP
    return str(error)
