"""Whether the identifier register has been reviewed since the transcripts came in.

An empty register is not a clean bill: it may only mean nobody looked. So the
register counts as reviewed only when someone said so (``identifiers reviewed``,
or ``identifiers suggest --add-all``) after the last transcript was imported. A
team that looked and found no names says so the same way.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import UTC, datetime

from qualcode.domain.errors import QualcodeError
from qualcode.domain.redaction import IdentifierSuggestion

# How many unreviewed transcripts a message names before "and N more".
NAMED_IN_MESSAGE = 3
ALLOW_FLAG = "--allow-unreviewed"


@dataclass(frozen=True, slots=True)
class RegisterStatus:
    """The register's review state.

    ``unreviewed_sources`` are the transcripts imported (or merged in) after the last
    review, or every transcript when the register was never reviewed.
    """

    entries: int
    reviewed_at: datetime | None
    sources: int
    unreviewed_sources: tuple[str, ...]
    reviewed_by: str | None = None

    @property
    def needs_review(self) -> bool:
        return bool(self.unreviewed_sources)

    @property
    def reason(self) -> str:
        """The state in plain words, for a status line."""
        if not self.sources:
            return "No transcripts yet, so nothing to review."
        entries = _count(self.entries, "identifier")
        if self.reviewed_at is None:
            empty = " and is empty" if not self.entries else f" ({entries})"
            return f"The register has never been reviewed{empty}: {self._unreviewed_words()}."
        when = f"reviewed {_when(self.reviewed_at)}"
        if self.reviewed_by:
            when += f" by {self.reviewed_by}"
        if self.needs_review:
            return (
                f"The register was {when}, but {self._unreviewed_words()} "
                "since then: review it again."
            )
        if not self.entries:
            return f"The register was {when} and is empty: no names were found to replace."
        return f"The register was {when}: {entries}, every transcript checked."

    def _unreviewed_words(self) -> str:
        count = len(self.unreviewed_sources)
        names = _names(self.unreviewed_sources)
        if self.reviewed_at is None:
            return f"{_count(count, 'transcript')} not yet checked for names ({names})"
        verb = "was" if count == 1 else "were"
        return f"{_count(count, 'transcript')} ({names}) {verb} imported"


@dataclass(frozen=True, slots=True)
class RegisteredSuggestions:
    """What registering every suggestion did: the ones registered, and the ones
    refused with the reason (e.g. the name is part of another entry's replacement)."""

    added: tuple[IdentifierSuggestion, ...]
    refused: tuple[tuple[IdentifierSuggestion, str], ...]


class UnreviewedRegisterError(QualcodeError):
    """An export refused because the identifier register was not reviewed since the
    transcripts were imported. The message says how to review it, or how to go on."""

    def __init__(
        self, project_label: str, status: RegisterStatus, *, override: str | None = None
    ) -> None:
        self.project_label = project_label
        self.status = status
        project = shlex.quote(project_label)
        count = len(status.unreviewed_sources)
        names = _names(status.unreviewed_sources)
        if status.reviewed_at is None:
            empty = "is empty and " if not status.entries else ""
            what = (
                f"the identifier register {empty}has never been reviewed "
                f"({_count(count, 'transcript')}: {names})"
            )
        else:
            what = (
                "the identifier register has not been reviewed since "
                f"{_count(count, 'transcript')} {'was' if count == 1 else 'were'} "
                f"imported ({names})"
            )
        anyway = override if override is not None else f"export anyway with {ALLOW_FLAG}"
        super().__init__(
            f"{project_label}: {what}; review it with `qualcode identifiers suggest "
            f"{project}` and then `qualcode identifiers reviewed {project}`, or {anyway}"
        )


def _names(names: tuple[str, ...]) -> str:
    shown = ", ".join(names[:NAMED_IN_MESSAGE])
    rest = len(names) - NAMED_IN_MESSAGE
    return f"{shown} and {rest} more" if rest > 0 else shown


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _when(moment: datetime) -> str:
    if moment.tzinfo is None:  # stored times are UTC; a naive one is read as such
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
