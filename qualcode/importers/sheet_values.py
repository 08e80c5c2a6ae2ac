"""Headings and cell values of a participants sheet: names, aliases and attribute types.

Researchers build these sheets by hand in Excel, so the same idea arrives under
many headings ("Participant ID", "participant-id", "Case"). Headings are
normalised to snake_case and a few aliases mapped to the names qualcode uses.
Each attribute column gets one type, inferred over the whole column, so a
report can sort by age or filter by interview date.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from qualcode.domain.records import AttributeType, AttributeValue

CASE, FILE, SPEAKER = "case", "file", "speaker"

ALIASES: dict[str, str] = {
    "source": FILE,
    "filename": FILE,
    "file_name": FILE,
    "transcript": FILE,
    "participant": CASE,
    "participant_id": CASE,
    "case_id": CASE,
    "group": "stakeholder_group",
    "stakeholder": "stakeholder_group",
    "local_area": "area",
    "area_letter": "area",
    "data_collection_method": "method",
}

_SEPARATORS = re.compile(r"[\s\-]+")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_LEADING_ZERO = re.compile(r"[+-]?0\d")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def normalise_heading(heading: str) -> str:
    """Heading to snake_case ("Stakeholder Group" -> "stakeholder_group"), then aliases."""
    name = _SEPARATORS.sub("_", heading.strip().lower())
    return ALIASES.get(name, name)


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value: Any) -> str:
    """A cell as the text a researcher sees in Excel (3.0 -> "3", a date -> "2023-03-12")."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if _is_midnight(value) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _is_midnight(value: datetime) -> bool:
    return not (value.hour or value.minute or value.second or value.microsecond)


def as_number(value: Any) -> float | None:
    """The cell as a number, or ``None``; "007" is text (an ID), not 7."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if _NUMBER.fullmatch(text) and not _LEADING_ZERO.match(text):
            return float(text)
    return None


def as_date(value: Any) -> date | None:
    """The cell as a date (a real Excel date, yyyy-mm-dd or dd/mm/yyyy), or ``None``."""
    if isinstance(value, datetime):
        return value.date()  # a date cell with a time of day: the day is the attribute
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if match := _ISO_DATE.fullmatch(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _UK_DATE.fullmatch(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None  # 31/02/2023 is not a date
    return None


def infer_type(values: list[Any]) -> AttributeType:
    """NUMBER if every value is a number, DATE if every value is a date, else TEXT."""
    if all(as_number(value) is not None for value in values):
        return AttributeType.NUMBER
    if all(as_date(value) is not None for value in values):
        return AttributeType.DATE
    return AttributeType.TEXT


def convert(value: Any, kind: AttributeType) -> AttributeValue:
    """A non-empty cell as a value of the column's inferred type."""
    if kind is AttributeType.NUMBER:
        number = as_number(value)
        assert number is not None  # infer_type checked every value
        return number
    if kind is AttributeType.DATE:
        day = as_date(value)
        assert day is not None
        return day
    return as_text(value)
