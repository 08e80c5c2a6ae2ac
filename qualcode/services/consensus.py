"""The agreed version of a peer review (issue 6): codings by the consensus coder.

The group's decisions are stored as ordinary codings (origin ``manual``) by the coder
named :data:`CONSENSUS_CODER`, so every report, export and statistic can be run on
the consensus; nobody else's codings are ever changed. A decision replaces the
consensus codings of one code *inside one disagreement* (the stretch `review list`
shows) and nothing else: consensus codings outside it, and those of other codes, are
left exactly as they are (issue 11: a decision once widened to an edited span far
away and deleted a passage all three coders had agreed). Consensus codings sticking
out of the disagreement keep their outside parts. An edited span must overlap the
disagreement and is clipped to it. Each decision is one undoable step of the
deciding coder's history.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from sqlalchemy import func, select

from qualcode.domain.consensus import Interval, clip, intersect_all, subtract, union
from qualcode.domain.errors import NotFoundError, ValidationError
from qualcode.domain.reports import CONSENSUS_CODER
from qualcode.domain.review import (
    ChoiceKind,
    ConsensusChoice,
    ConsensusProgress,
    EntryKind,
    ReviewStatus,
    Thread,
)
from qualcode.domain.roles import Action
from qualcode.domain.spans import checked_span
from qualcode.services.agreement import compared_coders
from qualcode.services.base import Service, get_or_create_coder
from qualcode.services.changes import Payload, coding_dict, thread_dict
from qualcode.services.code_tree import CodeTree
from qualcode.services.review import ReviewService
from qualcode.services.sources import find_source
from qualcode.store.models import Coder, Coding, ReviewThread, Source, new_uuid, utcnow


class ConsensusService(Service):
    def seed(
        self,
        *,
        coders: Sequence[str] | None = None,
        codes: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
    ) -> int:
        """Copy into the consensus every stretch all present compared coders coded (in a
        source with at least two of them), unless the consensus already has a coding of
        that code overlapping it. Running it again adds nothing. Returns codings added."""
        with self._transaction():
            self._require(Action.DECIDE_CONSENSUS)
            session = self.session
            tree = CodeTree.load(session)
            consensus = self._consensus_coder()
            if sources:
                source_rows = list(dict.fromkeys(find_source(session, s) for s in sources))
            else:
                source_rows = list(session.scalars(select(Source)))
            wanted = {tree.resolve(c).id for c in codes} if codes else None
            names = dict(session.execute(select(Coder.id, Coder.name)).all())
            rows = session.execute(
                select(
                    Coding.source_id, Coding.code_id, Coding.coder_id, Coding.start, Coding.end
                ).where(Coding.source_id.in_([s.id for s in source_rows]))
            ).all()
            compared = set(compared_coders(coders, names, {r.coder_id for r in rows}))
            compared.discard(consensus.id)
            present: dict[int, set[int]] = defaultdict(set)
            by_coder: dict[tuple[int, int], dict[int, list[Interval]]] = defaultdict(
                lambda: defaultdict(list)
            )
            agreed: dict[tuple[int, int], list[Interval]] = defaultdict(list)
            for source_id, code_id, coder_id, start, end in rows:
                if coder_id == consensus.id:
                    agreed[(source_id, code_id)].append((start, end))
                elif coder_id in compared:
                    present[source_id].add(coder_id)
                    if wanted is None or code_id in wanted:
                        by_coder[(source_id, code_id)][coder_id].append((start, end))
            uuids = {s.id: s.uuid for s in source_rows}
            added: list[Payload] = []
            for (source_id, code_id), per_coder in sorted(by_coder.items()):
                here = present[source_id]
                if len(here) < 2:
                    continue
                stretches = intersect_all([per_coder.get(c, []) for c in sorted(here)])
                existing = agreed[(source_id, code_id)]
                for start, end in stretches:
                    if any(s < end and e > start for s, e in existing):
                        continue
                    added.append(
                        self._coding_payload(
                            uuids[source_id], tree.by_id[code_id].uuid, consensus, start, end, ""
                        )
                    )
            if added:
                self._perform(
                    "consensus.seed",
                    {"removed": [], "added": added, "threads": [], "entries": []},
                    f"copy {len(added)} agreed passage{'s' * (len(added) != 1)} into the consensus",
                )
        return len(added)

    def decide(
        self,
        source: str,
        code: str,
        start: int,
        end: int,
        choice: ConsensusChoice,
        *,
        coders: Sequence[str] | None = None,
        note: str = "",
    ) -> Thread:
        """Record what the group agreed for the disagreement at ``[start, end)`` of
        ``code`` in ``source``: inside it, the consensus codings of that code become the
        choice; outside it nothing changes. Its thread is marked resolved with the
        decision, which is returned."""
        with self._transaction():
            self._require(Action.DECIDE_CONSENSUS)
            session = self.session
            row = find_source(session, source)
            tree = CodeTree.load(session)
            code_row = tree.resolve(code)
            span = checked_span(start, end, len(row.text))
            region: Interval = (span.start, span.end)
            consensus = self._consensus_coder()
            names = dict(session.execute(select(Coder.id, Coder.name)).all())
            codings = session.scalars(
                select(Coding).where(Coding.source_id == row.id, Coding.code_id == code_row.id)
            ).all()
            in_source = set(
                session.scalars(select(Coding.coder_id).where(Coding.source_id == row.id))
            )
            compared = compared_coders(coders, names, in_source)
            present = [c for c in compared if c in in_source and c != consensus.id]
            per_coder: dict[int, list[Interval]] = defaultdict(list)
            for coding in codings:
                per_coder[coding.coder_id].append((coding.start, coding.end))

            if choice.kind is ChoiceKind.CODER:
                chosen = self._named_coder(choice.coder, names)
                pieces = clip(per_coder[chosen], *region)
                choice = ConsensusChoice(ChoiceKind.CODER, coder=names[chosen])
            elif choice.kind is ChoiceKind.ALL:
                pieces = clip([i for c in present for i in per_coder[c]], *region)
            elif choice.kind is ChoiceKind.NONE:
                pieces = clip(intersect_all([per_coder[c] for c in present]), *region)
            else:
                edited = self._edited_span(choice, row.text, row.name, region)
                choice = ConsensusChoice(ChoiceKind.SPAN, start=edited[0], end=edited[1])
                pieces = [edited]

            removed, added = self._replace(row, code_row.uuid, consensus, codings, region, pieces)

            review = ReviewService(session, self.coder_name)
            text = choice.describe() + (f": {note.strip()}" if note.strip() else "")
            found = review.span_thread(row.id, code_row.id, *region)
            if found is not None:
                thread = thread_dict(session, found)
            else:
                thread = review.span_thread_dict(row, code_row, *region)
            entry = review.entry_dict(
                thread["uuid"], EntryKind.DECISION, text, ReviewStatus.RESOLVED
            )
            self._perform(
                "consensus.decide",
                {"removed": removed, "added": added, "threads": [thread], "entries": [entry]},
                f"decide '{code_row.name}' in {row.name} {region[0]}-{region[1]}: "
                f"{choice.describe()}",
            )
            thread_row = session.scalar(
                select(ReviewThread).where(ReviewThread.uuid == thread["uuid"])
            )
            assert thread_row is not None
            record = review._records([thread_row])[0]
        return record

    @staticmethod
    def _edited_span(
        choice: ConsensusChoice, text: str, source_name: str, region: Interval
    ) -> Interval:
        """The group's edited span, clipped to the disagreement it decides; a span that
        misses the disagreement is refused rather than applied somewhere else."""
        if choice.start is None or choice.end is None:
            raise ValidationError("an edited span needs a start and an end")
        edited = checked_span(choice.start, choice.end, len(text))
        lo, hi = region
        if edited.end <= lo or edited.start >= hi:
            raise ValidationError(
                f"the span {edited.start}-{edited.end} is outside the disagreement it decides "
                f"({source_name} {lo}-{hi}); give a span that overlaps {lo}-{hi}"
            )
        return max(edited.start, lo), min(edited.end, hi)

    def progress(
        self,
        *,
        coders: Sequence[str] | None = None,
        codes: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
    ) -> ConsensusProgress:
        """How many disagreements there are, how many are decided, by status, and how
        many consensus codings there are (in the chosen codes and sources)."""
        items = ReviewService(self.session, self.coder_name).items(
            coders=coders, codes=codes, sources=sources
        )
        by_status = Counter(item.status for item in items)
        session = self.session
        count = 0
        consensus = self._find_consensus()
        if consensus is not None:
            query = select(func.count()).select_from(Coding).where(Coding.coder_id == consensus)
            if sources:
                ids = [find_source(session, s).id for s in sources]
                query = query.where(Coding.source_id.in_(ids))
            if codes:
                tree = CodeTree.load(session)
                query = query.where(Coding.code_id.in_([tree.resolve(c).id for c in codes]))
            count = int(session.scalar(query) or 0)
        self._end_read()
        return ConsensusProgress(
            disagreements=len(items),
            decided=sum(1 for i in items if i.thread is not None and i.thread.decision),
            by_status={status: by_status.get(status, 0) for status in ReviewStatus},
            consensus_codings=count,
        )

    # -- helpers -------------------------------------------------------------------------

    def _find_consensus(self) -> int | None:
        for coder_id, name in self.session.execute(select(Coder.id, Coder.name)):
            if name.casefold() == CONSENSUS_CODER:
                return int(coder_id)
        return None

    def _consensus_coder(self) -> Coder:
        found = self._find_consensus()
        if found is not None:
            return self.session.get_one(Coder, found)
        return get_or_create_coder(self.session, CONSENSUS_CODER)

    def _named_coder(self, name: str | None, names: dict[int, str]) -> int:
        if not name or not name.strip():
            raise ValidationError("say whose version is accepted")
        for coder_id, known in names.items():
            if known.casefold() == name.strip().casefold():
                return coder_id
        raise NotFoundError(
            f"no coder '{name}' in this project (known: {', '.join(sorted(names.values()))})"
        )

    def _coding_payload(
        self, source_uuid: str, code_uuid: str, consensus: Coder, start: int, end: int, memo: str
    ) -> Payload:
        return {
            "uuid": new_uuid(),
            "source": source_uuid,
            "code": code_uuid,
            "coder": consensus.uuid,
            "start": start,
            "end": end,
            "memo": memo,
            "origin": "manual",
            "created_at": utcnow().isoformat(),
        }

    def _replace(
        self,
        source: Source,
        code_uuid: str,
        consensus: Coder,
        codings: Sequence[Coding],
        region: Interval,
        pieces: list[Interval],
    ) -> tuple[list[Payload], list[Payload]]:
        """The consensus codings to remove and to add so that, within ``region``, the
        consensus of this code is exactly ``pieces``; outside it nothing changes. Only
        codings overlapping the region are rewritten (those sticking out keep their
        outside parts, joined to pieces they touch); codings that merely touch it are
        left alone, uuid and all, so an agreed passage next door is never replaced."""
        lo, hi = region
        affected = [
            c for c in codings if c.coder_id == consensus.id and c.start < hi and c.end > lo
        ]
        desired = union(subtract([(c.start, c.end) for c in affected], lo, hi) + pieces)
        kept: set[int] = set()
        claimed: set[Interval] = set()
        for coding in affected:
            span = (coding.start, coding.end)
            if span in desired and span not in claimed:
                kept.add(coding.id)
                claimed.add(span)
        removed = [c for c in affected if c.id not in kept]
        added: list[Payload] = []
        for start, end in desired:
            if (start, end) in claimed:
                continue
            memos = dict.fromkeys(
                c.memo.strip() for c in removed if c.start < end and c.end > start and c.memo
            )
            added.append(
                self._coding_payload(
                    source.uuid, code_uuid, consensus, start, end, "\n".join(m for m in memos if m)
                )
            )
        return [coding_dict(self.session, c) for c in removed], added
