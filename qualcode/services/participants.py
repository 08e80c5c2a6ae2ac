"""Linking cases (participants) and their attributes to sources and speaker turns."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.domain.errors import ConflictError
from qualcode.domain.records import AttributeType, AttributeValue, ParticipantSheet
from qualcode.store.models import Attribute, Case, CaseAttributeValue, Source, SourceCase


def canonical_value(value: AttributeValue) -> str:
    """How an attribute value is stored: ISO dates, numbers without a needless '.0'."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _file_keys(source: Source) -> set[str]:
    names = {source.name, source.original_filename}
    keys = {_fold(name) for name in names}
    keys |= {_fold(name.rsplit(".", 1)[0]) for name in names if "." in name}
    return keys


def apply_participants(
    session: Session, sheet: ParticipantSheet, sources: list[Source]
) -> list[str]:
    """Create or update the sheet's cases and link them to ``sources`` and their turns.

    Returns warnings about rows that matched nothing, so a typo in the sheet is seen
    rather than silently ignored.
    """
    attributes = _attributes(session, sheet)
    warnings: list[str] = []
    cases: dict[str, Case] = {}
    links: set[tuple[int, int]] = set(
        session.execute(select(SourceCase.source_id, SourceCase.case_id)).all()
    )
    for number, row in enumerate(sheet.rows, start=2):
        case = cases.get(row.case) or _case(session, row.case)
        cases[row.case] = case
        for name, value in row.attributes.items():
            session.merge(
                CaseAttributeValue(
                    case_id=case.id, attribute_id=attributes[name].id, value=canonical_value(value)
                )
            )
        targets = sources
        if row.file:
            key = _fold(row.file)
            targets = [s for s in sources if key in _file_keys(s)]
        matched = False
        for source in targets:
            if row.speaker:
                speaker = _fold(row.speaker)
                turns = [t for t in source.turns if t.speaker and _fold(t.speaker) == speaker]
                for turn in turns:
                    turn.case_id = case.id
                if not turns:
                    continue
            else:
                # A whole-file row claims the turns no speaker-specific row has claimed.
                for turn in source.turns:
                    if turn.case_id is None:
                        turn.case_id = case.id
            matched = True
            if (source.id, case.id) not in links:
                session.add(SourceCase(source_id=source.id, case_id=case.id))
                links.add((source.id, case.id))
        if not matched and (row.file or row.speaker):
            where = " ".join(
                part
                for part in (
                    f"file '{row.file}'" if row.file else "",
                    f"speaker '{row.speaker}'" if row.speaker else "",
                )
                if part
            )
            warnings.append(f"participants row {number} (case '{row.case}'): no {where} found")
    session.flush()
    return warnings


def _case(session: Session, name: str) -> Case:
    case = session.scalar(select(Case).where(Case.name == name))
    if case is None:
        case = Case(name=name)
        session.add(case)
        session.flush()
    return case


def _attributes(session: Session, sheet: ParticipantSheet) -> dict[str, Attribute]:
    out: dict[str, Attribute] = {}
    for name, kind in sheet.attribute_types.items():
        attribute = session.scalar(select(Attribute).where(Attribute.name == name))
        if attribute is None:
            attribute = Attribute(name=name, type=kind.value)
            session.add(attribute)
            session.flush()
        elif attribute.type not in (kind.value, AttributeType.TEXT.value):
            raise ConflictError(
                f"attribute '{name}' holds {attribute.type} values in this project, "
                f"but the sheet's are {kind.value}"
            )
        out[name] = attribute
    return out
