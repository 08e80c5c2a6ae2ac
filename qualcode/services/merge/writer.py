"""What the parts of a merge share: where one bundle's records went, and the writer they
insert through. Below :mod:`~qualcode.services.merge.apply` (whose ``Merger`` is the
writer) and the parts it calls, such as :mod:`~qualcode.services.merge.review`, so those
parts need not import the module that imports them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from qualcode.services.merge.tally import Tally
from qualcode.services.merge.target import Target


@dataclass
class IdMaps:
    """Where one bundle's records went in the target: incoming UUID -> target id (or,
    for codes, the target code's UUID). A source mapped to None has its rows skipped."""

    coders: dict[str, int] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    cases: dict[str, int] = field(default_factory=dict)
    sources: dict[str, int | None] = field(default_factory=dict)


class MergeWriter(Protocol):
    """The merge in progress, as its parts write through it (``apply.Merger``)."""

    session: Session
    tally: Tally
    target: Target

    def when(self, value: datetime | None) -> datetime: ...

    def insert_one(self, model: type, row: dict[str, Any]) -> int: ...
