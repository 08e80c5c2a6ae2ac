"""Three peer researchers' coding of the demo, for trying a review (issue 6).

Each coder codes the passages of the demo's answer key as a person would: most of
them with the key's code and span, but some skipped, some started later or carried on
to the end of the speaker's turn, and some given a neighbouring code under the same
theme, with a memo saying why. The choices are seeded by coder and passage, so the
demo and the tests that use it always see the same disagreements.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from qualcode.domain.errors import QualcodeError
from qualcode.domain.records import CodeRecord, TurnRecord
from qualcode.domain.spans import find_passage
from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.demo_material import DemoMaterial, KeyPassage, read_key
from qualcode.services.project import Project
from qualcode.services.sources import SourceService

REVIEW_CODERS = ("Asha", "Ben", "Carys")


@dataclass(frozen=True, slots=True)
class Habits:
    """How often a coder departs from the key, each a probability per passage."""

    skip: float
    later_start: float
    whole_turn: float
    neighbour: float


HABITS = {
    "Asha": Habits(skip=0.04, later_start=0.06, whole_turn=0.06, neighbour=0.05),
    "Ben": Habits(skip=0.08, later_start=0.10, whole_turn=0.03, neighbour=0.07),
    "Carys": Habits(skip=0.05, later_start=0.04, whole_turn=0.10, neighbour=0.06),
}
DEFAULT_HABITS = Habits(skip=0.06, later_start=0.06, whole_turn=0.06, neighbour=0.06)

NEIGHBOUR_MEMO = "Could be '{key}' instead - one to talk through."
_CLAUSE_END = re.compile(r"[.,;:?!]\s+")


def coder_spans(
    coder: str,
    key: Sequence[KeyPassage],
    texts: Mapping[str, str],
    turns: Mapping[str, Sequence[TurnRecord]],
    codes: Sequence[CodeRecord],
) -> Iterator[tuple[str, str, int, int, str]]:
    """``(source, code path, start, end, memo)`` for each coding ``coder`` makes."""
    habits = HABITS.get(coder, DEFAULT_HABITS)
    siblings = _siblings(codes)
    for passage in key:
        text = texts[passage.source]
        spans = find_passage(text, passage.quote)
        if not spans:
            continue
        start, end = spans[0].start, spans[0].end
        for code in passage.codes:
            chance = random.Random(f"{coder}|{passage.source}|{passage.quote}|{code}")
            if chance.random() < habits.skip:
                continue
            s, e = start, end
            if chance.random() < habits.later_start:
                s = _later_start(text, s, e)
            if chance.random() < habits.whole_turn:
                e = _turn_end(turns[passage.source], s, e)
            chosen, memo = code, ""
            others = [c for c in siblings.get(code, ()) if c not in passage.codes]
            if others and chance.random() < habits.neighbour:
                chosen = chance.choice(others)
                memo = NEIGHBOUR_MEMO.format(key=code.split(" > ")[-1])
            yield passage.source, chosen, s, e, memo


def add_review_coding(
    path: Path,
    material: DemoMaterial,
    coders: Iterable[str] = REVIEW_CODERS,
    *,
    sources: Collection[str] | None = None,
) -> dict[str, int]:
    """Code the demo at ``path`` as each of ``coders`` would (only ``sources``, by
    name, if given); returns the codings made per coder."""
    if material.example_coding is None:
        raise QualcodeError("the demo's example coding is not there")
    key = [p for p in read_key(material.example_coding) if sources is None or p.source in sources]
    made: dict[str, int] = {}
    with Project.open(path) as project:
        with project.read_session() as session:
            source_service = SourceService(session)
            names = {p.source for p in key}
            texts = {name: source_service.text(name) for name in names}
            turns = {name: source_service.turns(name) for name in names}
            codes = CodebookService(session).list_codes()
        by_path = {c.path: c.uuid for c in codes}
        for coder in coders:
            with project.session() as session:
                service = CodingService(session, coder)
                made[coder] = 0
                for source, code, start, end, memo in coder_spans(coder, key, texts, turns, codes):
                    service.add(source, by_path[code], start, end, memo=memo)
                    made[coder] += 1
    return made


def _siblings(codes: Sequence[CodeRecord]) -> dict[str, list[str]]:
    """Each code's path -> the other codes without sub-codes under the same parent."""
    has_children = {c.parent_uuid for c in codes if c.parent_uuid}
    leaves: dict[str | None, list[str]] = defaultdict(list)
    for code in codes:
        if code.uuid not in has_children:
            leaves[code.parent_uuid].append(code.path)
    return {
        code.path: [p for p in leaves[code.parent_uuid] if p != code.path]
        for code in codes
        if code.parent_uuid is not None
    }


def _later_start(text: str, start: int, end: int) -> int:
    """Start after the passage's first clause, as a coder who skipped the lead-in would."""
    match = _CLAUSE_END.search(text, start, end)
    if match is None or end - match.end() < 40:
        return start
    return match.end()


def _turn_end(turns: Sequence[TurnRecord], start: int, end: int) -> int:
    """The end of the speaker turn the passage is in (the passage's end if none)."""
    for turn in turns:
        if turn.start <= start < turn.end:
            return max(end, turn.end)
    return end
