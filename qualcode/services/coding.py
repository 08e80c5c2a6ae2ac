"""Codings: applying a code to a span of a source, removing it, listing them."""

from __future__ import annotations

import builtins

from sqlalchemy import func, select

from qualcode.domain.codebook import leaf
from qualcode.domain.errors import (
    ConflictError,
    NotFoundError,
    StaleEditError,
    ValidationError,
)
from qualcode.domain.records import CodingRecord, Origin
from qualcode.domain.spans import Span, checked_span, find_passage
from qualcode.services.base import Service
from qualcode.services.changes import coding_dict, refereed
from qualcode.services.code_tree import CodeTree
from qualcode.services.sources import find_source
from qualcode.store.models import Code, Coder, Coding, Source, new_uuid, utcnow


class CodingService(Service):
    def add(
        self,
        source: str,
        code: str,
        start: int,
        end: int,
        *,
        memo: str = "",
        origin: Origin = Origin.MANUAL,
    ) -> CodingRecord:
        """Code ``[start, end)`` of ``source``; committed before it returns."""
        with self._transaction():
            record = self._add(find_source(self.session, source), code, start, end, memo, origin)
        return record

    def add_within(
        self, source: Source, code: str, start: int, end: int, memo: str, origin: Origin
    ) -> CodingRecord:
        """Add a coding inside a transaction the caller owns (so that it commits with
        the caller's other rows, e.g. the record of an accepted suggestion)."""
        return self._add(source, code, start, end, memo, origin)

    def add_passage(
        self,
        source: str,
        code: str,
        passage: str,
        *,
        occurrence: int | None = None,
        memo: str = "",
        origin: Origin = Origin.MANUAL,
    ) -> CodingRecord:
        """Code the place where ``passage`` occurs (1-based ``occurrence`` if several)."""
        with self._transaction():
            row = find_source(self.session, source)
            spans = find_passage(row.text, passage)
            span = _choose(spans, occurrence, passage, row.name)
            record = self._add(row, code, span.start, span.end, memo, origin)
        return record

    def remove(self, coding_uuid: str) -> CodingRecord:
        with self._transaction():
            coding = self._get(coding_uuid)
            self._require_own(coding.coder_id, "this coding")
            record = self._records([coding])[0]
            self._perform(
                "coding.remove",
                {"coding": coding_dict(self.session, coding)},
                f"remove '{leaf(record.code_path)}' from {record.source}",
            )
        return record

    def set_memo(self, coding_uuid: str, text: str, *, read: str | None = None) -> CodingRecord:
        """Set a coding's memo. ``read`` is the memo as the person saw it when they began
        writing: if it has changed since, nothing is saved and :class:`StaleEditError`
        hands their text back. (A coding's memo is compared by its text, which is all
        there is to it, so codings need no version column.)"""
        with self._transaction():
            coding = self._get(coding_uuid)
            self._require_own(coding.coder_id, "this coding")
            if read is not None and coding.memo != read:
                raise StaleEditError("this coding's memo", text, coding.memo, 0)
            self._perform(
                "coding.memo",
                {"uuid": coding.uuid, "before": coding.memo, "after": text},
                "edit a coding memo",
            )
            record = self._records([coding])[0]
        return record

    def list(
        self,
        *,
        source: str | None = None,
        code: str | None = None,
        coder: str | None = None,
        include_subcodes: bool = False,
    ) -> list[CodingRecord]:
        query = select(Coding)
        if source:
            query = query.where(Coding.source_id == find_source(self.session, source).id)
        if code:
            tree = CodeTree.load(self.session)
            target = tree.resolve(code)
            ids = [target.id]
            if include_subcodes:
                ids += [c.id for c in tree.descendants(target)]
            query = query.where(Coding.code_id.in_(ids))
        if coder:
            coder_row = self.session.scalar(select(Coder).where(Coder.name == coder))
            if coder_row is None:
                raise NotFoundError(f"no coder '{coder}' in this project")
            query = query.where(Coding.coder_id == coder_row.id)
        codings = self.session.scalars(query.order_by(Coding.source_id, Coding.start)).all()
        records = self._records(list(codings))
        self._end_read()
        return records

    def in_source(self, source: Source, coder: str | None = None) -> builtins.list[CodingRecord]:
        """The codings of ``source`` (of ``coder`` only, if given), quoted from the text
        the caller has already read: part of a larger read, so the read is not ended."""
        query = select(Coding).where(Coding.source_id == source.id)
        if coder:
            query = query.where(Coding.coder_id.in_(select(Coder.id).where(Coder.name == coder)))
        codings = self.session.scalars(query.order_by(Coding.start)).all()
        return self._records(list(codings), sources={source.id: source})

    def coders(self) -> builtins.list[str]:
        """The names of everyone with at least one coding, alphabetically."""
        names = self.session.scalars(
            select(Coder.name).where(select(Coding.id).where(Coding.coder_id == Coder.id).exists())
        ).all()
        self._end_read()
        return sorted(names, key=str.casefold)

    # -- helpers -----------------------------------------------------------------------

    def _add(
        self, source: Source, code_ref: str, start: int, end: int, memo: str, origin: Origin
    ) -> CodingRecord:
        span = checked_span(start, end, source.characters)
        tree = CodeTree.load(self.session)
        code = tree.resolve(code_ref)
        coder = self._coder()

        def already_coded() -> ConflictError | None:
            same = self.session.scalar(
                select(Coding).where(
                    Coding.source_id == source.id,
                    Coding.code_id == code.id,
                    Coding.coder_id == coder.id,
                    Coding.start == span.start,
                    Coding.end == span.end,
                )
            )
            if same is None:
                return None
            return ConflictError(
                f"{coder.name} has already coded {span.start}-{span.end} of '{source.name}' "
                f"with this code (coding {same.uuid})"
            )

        found = already_coded()
        if found is not None:
            raise found
        coding_uuid = new_uuid()
        payload = {
            "coding": {
                "uuid": coding_uuid,
                "source": source.uuid,
                "code": code.uuid,
                "coder": coder.uuid,
                "start": span.start,
                "end": span.end,
                "memo": memo,
                "origin": origin.value,
                "created_at": utcnow().isoformat(),
            }
        }
        # The unique index referees a coder whose other terminal wrote it just now.
        with refereed(self.session, already_coded):
            self._perform("coding.add", payload, f"code '{code.name}' in {source.name}")
        return self._records([self._get(coding_uuid)], tree)[0]

    def _get(self, coding_uuid: str) -> Coding:
        coding = self.session.scalar(
            select(Coding).where(Coding.uuid == coding_uuid.strip().lower())
        )
        if coding is None:
            raise NotFoundError(f"no coding {coding_uuid}")
        return coding

    def _records(
        self,
        codings: builtins.list[Coding],
        tree: CodeTree | None = None,
        sources: dict[int, Source] | None = None,
    ) -> builtins.list[CodingRecord]:
        if not codings:
            return []
        tree = tree or CodeTree.load(self.session)
        if sources is not None:
            quotes = {
                c.id: (sources[c.source_id].name, sources[c.source_id].text[c.start : c.end])
                for c in codings
            }
        elif len(codings) <= _QUOTED_BY_DATABASE:
            quotes = self._quotes(codings)
        else:
            quotes = self._quotes_from_texts(codings)
        coders = {c.id: c.name for c in self.session.scalars(select(Coder))}
        codes: dict[int, Code] = tree.by_id
        return [
            CodingRecord(
                uuid=c.uuid,
                source=quotes[c.id][0],
                start=c.start,
                end=c.end,
                code_uuid=codes[c.code_id].uuid,
                code_path=tree.path(codes[c.code_id]),
                coder=coders[c.coder_id],
                origin=Origin(c.origin),
                created_at=c.created_at,
                memo=c.memo,
                text=quotes[c.id][1],
            )
            for c in codings
        ]

    def _quotes(self, codings: builtins.list[Coding]) -> dict[int, tuple[str, str]]:
        """Each coding's source name and quote, cut out by the database: coding a line of
        a long transcript on a server must not fetch the whole transcript to quote it.
        SQL's ``substr`` counts code points from 1 on both SQLite and PostgreSQL, so
        ``start + 1`` for ``end - start`` is exactly ``text[start:end]``."""
        rows = self.session.execute(
            select(
                Coding.id,
                Source.name,
                func.substr(Source.text, Coding.start + 1, Coding.end - Coding.start),
            )
            .join(Source, Source.id == Coding.source_id)
            .where(Coding.id.in_([c.id for c in codings]))
        )
        return {row_id: (name, quote) for row_id, name, quote in rows}

    def _quotes_from_texts(self, codings: builtins.list[Coding]) -> dict[int, tuple[str, str]]:
        """For many codings each source's text is read once and cut here."""
        source_ids = {c.source_id for c in codings}
        texts = {
            row_id: (name, text)
            for row_id, name, text in self.session.execute(
                select(Source.id, Source.name, Source.text).where(Source.id.in_(source_ids))
            )
        }
        return {
            c.id: (texts[c.source_id][0], texts[c.source_id][1][c.start : c.end]) for c in codings
        }


# Up to this many codings are quoted by the database; more, and each text is read once.
_QUOTED_BY_DATABASE = 50


def _choose(spans: list[Span], occurrence: int | None, passage: str, source: str) -> Span:
    short = passage if len(passage) <= 60 else passage[:57] + "..."
    if not spans:
        raise NotFoundError(f"passage \"{short}\" not found in '{source}'")
    if occurrence is None:
        if len(spans) > 1:
            raise ValidationError(
                f"passage \"{short}\" occurs {len(spans)} times in '{source}'; "
                "say which with --occurrence N"
            )
        return spans[0]
    if not 1 <= occurrence <= len(spans):
        raise ValidationError(
            f"passage \"{short}\" occurs {len(spans)} time(s) in '{source}', not {occurrence}"
        )
    return spans[occurrence - 1]
