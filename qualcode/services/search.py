"""Finding words in transcripts: exact (ignoring case) or fuzzy (typos, variants)."""

from __future__ import annotations

from rapidfuzz import fuzz
from sqlalchemy import select

from qualcode.domain.errors import ValidationError
from qualcode.domain.records import SearchHit
from qualcode.services.base import Service
from qualcode.services.sources import find_source
from qualcode.store.models import Source, SpeakerTurn

CONTEXT = 60
FUZZY_CUTOFF = 80.0


class SearchService(Service):
    def search(
        self, query: str, *, source: str | None = None, fuzzy: bool = False, limit: int = 500
    ) -> list[SearchHit]:
        """Hits in codebook-independent text order (exact) or best first (fuzzy)."""
        query = " ".join(query.split())
        if len(query) < 2:
            raise ValidationError("search for at least two characters")
        if source:
            sources = [find_source(self.session, source)]
        else:
            sources = list(self.session.scalars(select(Source).order_by(Source.name)))
        hits: list[SearchHit] = []
        for row in sources:
            if fuzzy:
                hits.extend(self._fuzzy(row, query))
            else:
                hits.extend(_exact(row.name, row.text, query))
        self._end_read()
        if fuzzy:
            hits.sort(key=lambda h: -h.score)
        return hits[:limit]

    def _fuzzy(self, source: Source, query: str) -> list[SearchHit]:
        """Align the query inside each speaker turn (or paragraph) and keep good matches."""
        spans = [
            (start, end)
            for start, end in self.session.execute(
                select(SpeakerTurn.start, SpeakerTurn.end)
                .where(SpeakerTurn.source_id == source.id)
                .order_by(SpeakerTurn.start)
            )
        ] or _paragraphs(source.text)
        folded_query = query.casefold()
        hits = []
        for start, end in spans:
            chunk = source.text[start:end]
            alignment = fuzz.partial_ratio_alignment(
                folded_query, chunk.casefold(), score_cutoff=FUZZY_CUTOFF
            )
            if alignment is None:
                continue
            hit_start, hit_end = start + alignment.dest_start, start + alignment.dest_end
            hits.append(_hit(source.name, source.text, hit_start, hit_end, alignment.score))
        return hits


def _exact(name: str, text: str, query: str) -> list[SearchHit]:
    folded = text.casefold()
    needle = query.casefold()
    if len(folded) != len(text):  # casefolding changed lengths; fall back to lower()
        folded, needle = text.lower(), query.lower()
    hits = []
    at = folded.find(needle)
    while at != -1:
        hits.append(_hit(name, text, at, at + len(needle), 100.0))
        at = folded.find(needle, at + len(needle))
    return hits


def _hit(name: str, text: str, start: int, end: int, score: float) -> SearchHit:
    return SearchHit(
        source=name,
        start=start,
        end=end,
        before=" ".join(text[max(0, start - CONTEXT) : start].split()),
        match=text[start:end],
        after=" ".join(text[end : end + CONTEXT].split()),
        score=round(score, 1),
    )


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for part in text.split("\n\n"):
        if part.strip():
            spans.append((start, start + len(part)))
        start += len(part) + 2
    return spans
