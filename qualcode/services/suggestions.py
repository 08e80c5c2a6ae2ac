"""Suggested codes: feeding the engine from the project, and the researcher's answers.

The engine (``qualcode.nlp``) sees only records. This service gathers the codebook,
the units of the sources, the team's codings (positives) and rejected suggestions
(negatives), keeps the per-project model file and the analysis cache, and turns an
accepted suggestion into a coding by the accepting coder with origin "suggested".
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from qualcode.domain.errors import ValidationError
from qualcode.domain.records import CodingRecord, Origin
from qualcode.domain.spans import checked_span
from qualcode.domain.suggestions import (
    CodeDescription,
    Decision,
    Evaluation,
    SuggestionRun,
    TextUnit,
    TrainingExample,
    Unit,
    UnitSuggestions,
)
from qualcode.services.base import Service
from qualcode.services.code_tree import CodeTree
from qualcode.services.coding import CodingService
from qualcode.services.collection import collector_paused
from qualcode.services.project import Project
from qualcode.services.selection import speaker_turns
from qualcode.services.sources import find_source
from qualcode.services.user_config import private_data_dir, read_config
from qualcode.store.models import (
    AnalysisCache,
    Code,
    Coder,
    Coding,
    Source,
    SuggestionDecision,
    new_uuid,
    utcnow,
)

if TYPE_CHECKING:  # the engine loads spaCy: imported only when suggestions are asked for
    import numpy as np

    from qualcode.nlp.embeddings import Embedder
    from qualcode.nlp.engine import Suggester
    from qualcode.nlp.learned import LearnedModel
    from qualcode.nlp.pipeline import Analysis, Pipeline
    from qualcode.nlp.zero_shot import CodebookScorer, CorpusStats, RawSignals

log = logging.getLogger(__name__)

MODEL_SUFFIX = ".suggest-model.json"
ENV_PIPELINE = "QUALCODE_SPACY_PIPELINE"
_INTERVIEWER = re.compile(
    r"(interviewer|facilitator|moderator|researcher|peer researcher|int|iv|q|i)\b\.?$",
    re.IGNORECASE,
)
NO_EMBEDDER_NOTICE = (
    "the sentence-meaning model (package wordllama) is not installed: suggestions use "
    "the codebook's words only"
)
CURVE = (0, 25, 50, 100, 200, 400, 800, 1600)  # learning-curve training sizes
MIN_OVERLAP = 0.5  # a coding marks a unit when it covers half of it (or it half the coding)


def model_path_for(project: Path | Project) -> Path:
    """Where the learned model lives, readable by its owner only: beside a project file
    (it moves and is backed up with it), or, for a project on a server, in this user's
    data folder under the project's UUID (the same wherever the database is reached from).
    """
    if isinstance(project, Project):
        if project.location.path is None:
            return private_data_dir("projects", project.uuid) / MODEL_SUFFIX.lstrip(".")
        project = project.location.path
    return project.with_name(project.name + MODEL_SUFFIX)


def configured_pipeline() -> str | None:
    """The spaCy pipeline chosen in $QUALCODE_SPACY_PIPELINE or the config file."""
    chosen = os.environ.get(ENV_PIPELINE) or read_config().get("spacy_pipeline")
    return str(chosen) if chosen else None


@dataclass(frozen=True, slots=True)
class TrainReport:
    examples: int
    negatives: int
    codes: int
    seconds: float
    path: Path
    threshold: str = ""  # which threshold was chosen, and why


@dataclass(slots=True)
class _Engine:
    suggester: Suggester
    units: list[_SourceUnits]
    pipeline: Pipeline
    notices: list[str]
    signals: dict[int, RawSignals]  # per source, where the statistics worked its units out


@dataclass(frozen=True, slots=True)
class SuggestedCoding:
    """One (unit, code) the suggester 'codes' at its calibrated threshold."""

    source_id: int
    start: int
    end: int
    code_uuid: str
    score: float


@dataclass(frozen=True, slots=True)
class _SourceUnits:
    source: Source
    units: list[TextUnit]
    analyses: list[Analysis]


class SuggestionService(Service):
    def __init__(
        self,
        session: Session,
        coder_name: str | None = None,
        *,
        model_path: Path,
        pipeline: str | None = None,
    ) -> None:
        super().__init__(session, coder_name)
        self.model_path = model_path
        self.pipeline_name = pipeline if pipeline is not None else configured_pipeline()

    # -- suggesting ---------------------------------------------------------------------

    @collector_paused()
    def suggest(
        self,
        *,
        source: str | None = None,
        unit: Unit = Unit.TURN,
        top_k: int = 3,
        min_score: float | None = None,
        everyone: bool = False,
        only_coder: str | None = None,
    ) -> SuggestionRun:
        """Ranked, explained suggestions for one source or all; never applied.

        Without ``min_score`` each code's own threshold is used (chosen on the
        project's coding, see :mod:`qualcode.nlp.training`)."""
        if top_k < 1:
            raise ValidationError("--top must be at least 1")
        if min_score is not None and not 0.0 <= min_score <= 1.0:
            raise ValidationError("--min-score must be between 0 and 1")
        only = self._source_id(source) if source is not None else None
        engine = self._engine(unit, everyone, only=only, blind=only_coder is not None)
        rejected = self._rejected()
        coded = self._coded(only_coder)
        results: list[UnitSuggestions] = []
        for item in engine.units:
            if only is not None and item.source.id != only:
                continue
            source_id = item.source.id
            covered = _covered_units(item.units, coded.get(source_id, {}))

            def keep(
                text_unit: TextUnit,
                code_uuid: str,
                source_id: int = source_id,
                covered: set[tuple[int, int, str]] = covered,
            ) -> bool:
                if (source_id, text_unit.start, text_unit.end, code_uuid) in rejected:
                    return False
                return (text_unit.start, text_unit.end, code_uuid) not in covered

            results.extend(
                engine.suggester.suggest(
                    item.units,
                    item.analyses,
                    top_k=top_k,
                    min_score=min_score,
                    keep=keep,
                    raw=engine.signals.get(source_id),
                )
            )
        self._end_read()
        return SuggestionRun(
            tuple(results),
            engine.pipeline.name,
            tuple(engine.notices),
            engine.suggester.learned_codes,
        )

    def _engine(
        self, unit: Unit, everyone: bool, *, only: int | None = None, blind: bool = False
    ) -> _Engine:
        """The suggester for this request, with the units it will score.

        The project's statistics come from the saved model when it was trained on the
        sources as they are now, or else from the analysis cache, where the first run
        over these units keeps them; then only the wanted source is loaded. Otherwise
        every unit of the project is analysed to work them out."""
        from qualcode.nlp.embeddings import load_embedder

        pipeline = self._pipeline()
        embedder = load_embedder()
        notices = [pipeline.notice] if pipeline.notice else []
        if embedder is None:
            notices.append(NO_EMBEDDER_NOTICE)
        codes = self._codes()
        if not codes:
            raise ValidationError("the project has no codes yet: import a codebook first")
        scorer = _scorer(codes, pipeline, embedder)
        model, notice = self._load_model(pipeline, embedder, codes)
        if notice:
            notices.append(notice)
        if blind:
            # Blind coding: the model and "already coded" would give others' coding away.
            model = None if model is None else replace(model, examples=(), fitted=None)
            notices = [n for n in notices if n != notice]
            notices.append(
                "blind coding: suggestions come from the codebook and your own coding only"
            )
        fingerprint = self._corpus_fingerprint(unit, everyone)
        stats = model.stats if model is not None and model.corpus == fingerprint else None
        key = ""
        if stats is None:
            key = _stats_key(unit, everyone, fingerprint, codes, embedder)
            stats = self._cached_stats(pipeline, key)
        signals: dict[int, RawSignals] = {}
        if stats is not None:
            units = self._units(pipeline, unit, everyone, only=only)
        else:
            units = self._units(pipeline, unit, everyone)
            stats, everything = scorer.corpus_stats_and_signals(
                [u.text for s in units for u in s.units], [a for s in units for a in s.analyses]
            )
            self._cache_stats(pipeline, key, stats)
            begin = 0
            for item in units:  # each source's rows, for scoring without working them out again
                signals[item.source.id] = everything.rows(begin, begin + len(item.units))
                begin += len(item.units)
        suggester = _suggester(scorer, stats, model)
        return _Engine(suggester, units, pipeline, notices, signals)

    # -- answering ----------------------------------------------------------------------

    def accept(
        self, source: str, start: int, end: int, code: str, *, score: float = 0.0
    ) -> CodingRecord:
        """Code the unit: a coding by the accepting coder with origin "suggested"."""
        coding = CodingService(self.session, self.coder_name)
        with self._transaction():
            row = find_source(self.session, source)
            record = coding.add_within(row, code, start, end, "", Origin.SUGGESTED)
            self.session.add(
                SuggestionDecision(
                    source_id=row.id,
                    code_id=CodeTree.load(self.session).resolve(code).id,
                    coder_id=self._coder().id,
                    start=record.start,
                    end=record.end,
                    decision=Decision.ACCEPTED.value,
                    score=score,
                )
            )
        return record

    def reject(self, source: str, start: int, end: int, code: str, *, score: float = 0.0) -> None:
        """Remember a rejection: not suggested again, and learnt from as a negative."""
        with self._transaction():
            row = find_source(self.session, source)
            span = checked_span(start, end, len(row.text))
            target = CodeTree.load(self.session).resolve(code)
            payload = {
                "decision": {
                    "uuid": new_uuid(),
                    "source": row.uuid,
                    "code": target.uuid,
                    "coder": self._coder().uuid,
                    "start": span.start,
                    "end": span.end,
                    "decision": Decision.REJECTED.value,
                    "score": score,
                    "created_at": utcnow().isoformat(),
                }
            }
            self._perform(
                "suggestion.reject", payload, f"reject suggested '{target.name}' in {row.name}"
            )

    # -- learning -----------------------------------------------------------------------

    @collector_paused()
    def train(self) -> TrainReport:
        """Fit the per-project model on every coding and rejection, and save it."""
        from qualcode.nlp.embeddings import load_embedder
        from qualcode.nlp.training import train

        started = time.perf_counter()
        pipeline = self._pipeline()
        embedder = load_embedder()
        codes = self._codes()
        if not codes:
            raise ValidationError("the project has no codes yet: import a codebook first")
        scorer = _scorer(codes, pipeline, embedder)
        units = self._units(pipeline, Unit.TURN, False)
        fingerprint = self._corpus_fingerprint(Unit.TURN, False)
        examples = self.training_examples()
        self._end_read()
        stats = scorer.corpus_stats(
            [u.text for s in units for u in s.units], [a for s in units for a in s.analyses]
        )
        model = train(
            codes, pipeline, embedder, examples, stats=stats, corpus=fingerprint, scorer=scorer
        )
        model.save(self.model_path)
        positives = model.positives()
        return TrainReport(
            examples=sum(positives.values()),
            negatives=sum(model.negatives().values()),
            codes=len(positives),
            seconds=time.perf_counter() - started,
            path=self.model_path,
            threshold=_threshold_reason(model),
        )

    def training_examples(self) -> list[TrainingExample]:
        codes = {c.id: c.uuid for c in self.session.scalars(select(Code))}
        coders = {c.id: c.name for c in self.session.scalars(select(Coder))}
        sources = {s.id: s for s in self.session.scalars(select(Source))}

        def example(row: Coding | SuggestionDecision, positive: bool) -> TrainingExample:
            source = sources[row.source_id]
            return TrainingExample(
                codes[row.code_id],
                source.text[row.start : row.end],
                positive,
                coders[row.coder_id],
                source.name,
                row.start,
                row.end,
            )

        codings = self.session.scalars(select(Coding).order_by(Coding.created_at, Coding.id))
        examples = [example(c, True) for c in codings]
        rejections = self.session.scalars(
            select(SuggestionDecision)
            .where(SuggestionDecision.decision == Decision.REJECTED.value)
            .order_by(SuggestionDecision.created_at, SuggestionDecision.id)
        )
        return examples + [example(d, False) for d in rejections]

    def needs_training(self) -> bool:
        """True when the saved model is missing, from another version, or older than
        the coding, the codebook or the sources."""
        from qualcode.nlp.embeddings import embedder_name, load_embedder
        from qualcode.nlp.learned import LearnedModel, ModelError
        from qualcode.nlp.training import codebook_fingerprint

        latest = [
            self.session.scalar(select(func.max(Coding.created_at))),
            self.session.scalar(select(func.max(SuggestionDecision.created_at))),
        ]
        codebook = codebook_fingerprint(self._codes())
        corpus = self._corpus_fingerprint(Unit.TURN, False)
        self._end_read()
        try:
            model = LearnedModel.load(self.model_path)
        except ModelError:
            return True
        embedder = load_embedder()
        if (model.codebook, model.corpus, model.embedder) != (
            codebook,
            corpus,
            embedder_name(embedder),
        ):
            return True
        newest = max((t for t in latest if t is not None), default=None)
        return newest is not None and datetime.fromisoformat(model.trained_at) < newest

    @collector_paused()
    def evaluate(
        self, *, unit: Unit = Unit.TURN, folds: int = 5, curve: Sequence[int] = CURVE
    ) -> Evaluation:
        """k-fold evaluation on the project's own coded units, beside a baseline, with
        a learning curve over ``curve`` training sizes (empty: none)."""
        from qualcode.nlp.embeddings import load_embedder
        from qualcode.nlp.engine import Suggester
        from qualcode.nlp.evaluation import LabelledUnit, cross_validate
        from qualcode.nlp.training import train

        if folds < 2:
            raise ValidationError("--folds must be at least 2")
        pipeline = self._pipeline()
        embedder = load_embedder()
        codes = self._codes()
        index = {c.uuid: i for i, c in enumerate(codes)}
        everything = self._units(pipeline, unit)
        coders = {c.id: c.name for c in self.session.scalars(select(Coder))}
        by_source: dict[int, list[tuple[int, int, str, int]]] = defaultdict(list)
        for c in self.session.scalars(select(Coding)):
            by_source[c.source_id].append((c.start, c.end, self._code_uuid(c.code_id), c.coder_id))
        labelled: list[LabelledUnit] = []
        for item in everything:
            for text_unit, analysis in zip(item.units, item.analyses, strict=True):
                gold = set()
                who = ""
                for start, end, code_uuid, coder_id in by_source.get(item.source.id, ()):
                    if _overlaps_enough(start, end, text_unit.start, text_unit.end):
                        gold.add(index[code_uuid])
                        who = who or coders[coder_id]
                if gold:
                    labelled.append(
                        LabelledUnit(
                            analysis,
                            text_unit.text,
                            frozenset(gold),
                            text_unit.source,
                            text_unit.start,
                            text_unit.end,
                            who,
                        )
                    )
        self._end_read()
        if len(labelled) < folds:
            raise ValidationError(
                f"only {len(labelled)} coded {unit.value}s: code more before evaluating "
                f"with {folds} folds"
            )
        scorer = _scorer(codes, pipeline, embedder)
        stats = scorer.corpus_stats(
            [u.text for s in everything for u in s.units],
            [a for s in everything for a in s.analyses],
        )

        def fitted(examples: Sequence[TrainingExample]) -> Suggester:
            model = train(codes, pipeline, embedder, examples, stats=stats, scorer=scorer)
            return Suggester(codes, pipeline, embedder, model=model, scorer=scorer)

        def rank(
            examples: Sequence[TrainingExample], units: Sequence[LabelledUnit]
        ) -> tuple[np.ndarray, np.ndarray]:
            suggester = fitted(examples)
            scores = suggester.rank([u.text for u in units], [u.analysis for u in units])
            return scores, suggester.thresholds

        result = cross_validate(labelled, codes, rank, folds=folds, curve=curve)
        everyone = [
            TrainingExample(codes[c].uuid, u.text, True, u.coder, u.source, u.start, u.end)
            for u in labelled
            for c in sorted(u.gold)
        ]
        final = fitted(everyone)
        assert final.model is not None
        return replace(result, threshold_reason=_threshold_reason(final.model))

    # -- gathering ----------------------------------------------------------------------

    def _pipeline(self) -> Pipeline:
        from qualcode.nlp.pipeline import load_pipeline

        return load_pipeline(self.pipeline_name)

    def _codes(self) -> list[CodeDescription]:
        tree = CodeTree.load(self.session)
        out: list[CodeDescription] = []
        for depth, code in tree.in_order():
            record = tree.record(code, depth)
            out.append(
                CodeDescription(
                    uuid=record.uuid,
                    path=record.path,
                    parent_uuid=record.parent_uuid,
                    definition=record.definition,
                    include=record.include,
                    exclude=record.exclude,
                    example=record.example,
                    keywords=record.keywords,
                )
            )
        self._uuid_by_id = {code.id: code.uuid for _, code in tree.in_order()}
        return out

    def _code_uuid(self, code_id: int) -> str:
        return self._uuid_by_id[code_id]

    def _source_id(self, reference: str) -> int:
        return find_source(self.session, reference).id

    def _load_model(
        self, pipeline: Pipeline, embedder: Embedder | None, codes: Sequence[CodeDescription]
    ) -> tuple[LearnedModel | None, str | None]:
        from qualcode.nlp.embeddings import embedder_name
        from qualcode.nlp.learned import ModelError
        from qualcode.nlp.training import codebook_fingerprint

        retrain = "run `qualcode suggest train`"
        try:
            model = _read_model(self.model_path)
        except ModelError as error:
            if self.model_path.exists():
                return None, f"{error}; suggesting from the codebook only ({retrain})"
            has_codings = self.session.scalar(select(Coding.id).limit(1)) is not None
            if has_codings:
                return None, (
                    "no trained model yet: suggesting from the codebook only "
                    f"({retrain} to learn from the coding so far)"
                )
            return None, None
        if model.pipeline != pipeline.name:
            return None, (
                f"the model was trained with pipeline {model.pipeline}, not {pipeline.name}; "
                f"suggesting from the codebook only until it is retrained ({retrain})"
            )
        if model.embedder != embedder_name(embedder):
            return None, (
                "the model was trained with another sentence-meaning model; suggesting "
                f"from the codebook only until it is retrained ({retrain})"
            )
        if model.codebook != codebook_fingerprint(codes):
            return None, (
                "the codebook changed since the model was trained; suggesting from the "
                f"codebook only until it is retrained ({retrain})"
            )
        return model, None

    def _corpus_fingerprint(self, unit: Unit, everyone: bool) -> str:
        """Which units the project's statistics describe: the sources (by content), the
        kind of unit, and the speaker turns and whose they are (a participant sheet can
        change which turns are units without changing any text)."""
        sources = sorted(
            [str(u), str(h)]
            for u, h in self.session.execute(select(Source.uuid, Source.content_hash))
        )
        ids = self.session.scalars(select(Source.id)).all()
        turns = sorted(
            [source_id, start, end, speaker, case]
            for source_id, rows in speaker_turns(self.session, ids).items()
            for start, end, speaker, case, _ in rows
        )
        described = json.dumps([unit.value, everyone, sources, turns])
        return hashlib.sha256(described.encode("utf-8")).hexdigest()[:16]

    def _units(
        self, pipeline: Pipeline, unit: Unit, everyone: bool = False, *, only: int | None = None
    ) -> list[_SourceUnits]:
        """Units of the sources (or of source ``only``); by default only what
        participants said (see below)."""
        query = select(Source).order_by(Source.name)
        if only is not None:
            query = query.where(Source.id == only)
        sources = list(self.session.scalars(query))
        analyses = self._analyses(pipeline, sources)
        turns = speaker_turns(self.session, [source.id for source in sources])
        out: list[_SourceUnits] = []
        for source in sources:
            said = [(start, end, who, case) for start, end, who, case, _ in turns[source.id]]
            spans = spoken_by_participants(said, everyone) or [(0, len(source.text))]
            analysis = analyses[source.content_hash]
            if unit is Unit.SENTENCE:
                spans = _sentences_within(analysis.sentences, spans)
            units: list[TextUnit] = []
            unit_analyses: list[Analysis] = []
            cut = analysis.slicer()
            for start, end in spans:
                start, end = _trim(source.text, start, end)
                if end - start < 3:
                    continue
                units.append(TextUnit(source.name, start, end, source.text[start:end]))
                unit_analyses.append(cut(start, end))
            out.append(_SourceUnits(source, units, unit_analyses))
        return out

    def _analyses(self, pipeline: Pipeline, sources: list[Source]) -> dict[str, Analysis]:
        """Each source's analysis, from the cache where its text was analysed before."""
        from qualcode.nlp.pipeline import Analysis

        hashes = {s.content_hash for s in sources}
        found: dict[str, Analysis] = {}
        for row in self.session.scalars(
            select(AnalysisCache).where(
                AnalysisCache.pipeline == pipeline.name, AnalysisCache.content_hash.in_(hashes)
            )
        ):
            try:
                found[row.content_hash] = Analysis.from_json(json.loads(row.data))
            except (ValueError, KeyError, TypeError):
                log.warning("ignoring a damaged analysis cache entry %s", row.content_hash)
        missing = [s for s in sources if s.content_hash not in found]
        unique = list({s.content_hash: s for s in missing}.values())
        if unique:
            fresh = pipeline.analyse([s.text for s in unique])
            for source, analysis in zip(unique, fresh, strict=True):
                found[source.content_hash] = analysis
            self._cache(pipeline, {s.content_hash: a for s, a in zip(unique, fresh, strict=True)})
        return found

    def _cache(self, pipeline: Pipeline, analyses: dict[str, Analysis]) -> None:
        # A cache is a convenience: if the project is busy, skip it rather than fail.
        try:
            with self._transaction():
                for content_hash, analysis in analyses.items():
                    self.session.merge(
                        AnalysisCache(
                            content_hash=content_hash,
                            pipeline=pipeline.name,
                            data=json.dumps(analysis.to_json(), separators=(",", ":")),
                        )
                    )
        except OperationalError as error:
            log.warning("analysis cache not saved: %s", error)

    def _cached_stats(self, pipeline: Pipeline, key: str) -> CorpusStats | None:
        """The statistics an earlier run worked out for these units, codebook and models."""
        from qualcode.nlp.learned import stats_from_json

        data = self.session.scalar(
            select(AnalysisCache.data).where(
                AnalysisCache.pipeline == pipeline.name, AnalysisCache.content_hash == key
            )
        )
        if data is None:
            return None
        remembered = _STATS.get(key)
        if remembered is not None:
            return remembered
        try:
            stats = stats_from_json(json.loads(data))
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("ignoring damaged cached statistics %s", key)
            return None
        _STATS.clear()
        _STATS[key] = stats
        return stats

    def _cache_stats(self, pipeline: Pipeline, key: str, stats: CorpusStats) -> None:
        """Keep the statistics in the project's analysis cache, for the next run to read
        instead of analysing every unit again: with no trained model (or one trained on
        other sources or units) that was most of a run's work, and all of the work of
        suggesting for one transcript. In the project file, beside the analyses they
        come from, rather than in a new file beside it; the one entry per kind of unit
        replaces the last, so old ones do not pile up."""
        from qualcode.nlp.learned import stats_to_json

        kind = key.rsplit(":", 1)[0] + ":"
        try:
            with self._transaction():
                self.session.execute(
                    delete(AnalysisCache).where(
                        AnalysisCache.pipeline == pipeline.name,
                        AnalysisCache.content_hash.startswith(kind, autoescape=True),
                    )
                )
                self.session.add(
                    AnalysisCache(
                        content_hash=key,
                        pipeline=pipeline.name,
                        data=json.dumps(stats_to_json(stats), separators=(",", ":")),
                    )
                )
        except OperationalError as error:
            log.warning("statistics not cached: %s", error)
        _STATS.clear()
        _STATS[key] = stats

    def _rejected(self) -> set[tuple[int, int, int, str]]:
        """Rejections hide a suggestion for good (until undone). An accepted one is
        hidden by the coding it made, so undoing that coding brings it back."""
        uuid_of = {c.id: c.uuid for c in self.session.scalars(select(Code))}
        return {
            (d.source_id, d.start, d.end, uuid_of[d.code_id])
            for d in self.session.scalars(
                select(SuggestionDecision).where(
                    SuggestionDecision.decision == Decision.REJECTED.value
                )
            )
        }

    def _coded(self, only_coder: str | None = None) -> dict[int, dict[str, list[tuple[int, int]]]]:
        """The coded spans by source, then by code uuid."""
        uuid_of = {c.id: c.uuid for c in self.session.scalars(select(Code))}
        coded: dict[int, dict[str, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
        query = select(Coding.source_id, Coding.code_id, Coding.start, Coding.end)
        if only_coder is not None:
            query = query.join(Coder, Coding.coder_id == Coder.id).where(Coder.name == only_coder)
        for source_id, code_id, start, end in self.session.execute(query):
            coded[source_id][uuid_of[code_id]].append((start, end))
        return coded

    # -- the suggester as a coder (issue 12) ---------------------------------------------
    # The seam agreement uses: everything else about the suggester-as-coder (pseudo-coder,
    # CLI, TUI) depends only on this method's signature and meaning, not on its body.

    @collector_paused()
    def suggester_codings(self, *, unit: Unit = Unit.TURN) -> list[SuggestedCoding]:
        """Every unit/code the suggestions would apply at the calibrated threshold, each
        source scored by a model that did not learn from that source's own coding."""
        from qualcode.nlp.embeddings import load_embedder
        from qualcode.nlp.engine import Suggester
        from qualcode.nlp.training import train

        pipeline = self._pipeline()
        embedder = load_embedder()
        codes = self._codes()
        # Plain values: the rows expire when the read ends, before the training starts.
        everything = [
            (s.source.id, s.source.name, s.units, s.analyses)
            for s in self._units(pipeline, unit)
            if s.units
        ]
        examples = self.training_examples()
        self._end_read()
        if not codes or not everything:
            return []
        scorer = _scorer(codes, pipeline, embedder)
        stats = scorer.corpus_stats(
            [u.text for *_, units, _ in everything for u in units],
            [a for *_, analyses in everything for a in analyses],
        )
        out: list[SuggestedCoding] = []
        for group in _cross_fit_groups(everything, examples):
            held_out = {name for _, name, _, _ in group}
            model = train(
                codes,
                pipeline,
                embedder,
                [e for e in examples if e.source not in held_out],
                stats=stats,
                scorer=scorer,
            )
            suggester = Suggester(codes, pipeline, embedder, model=model, scorer=scorer)
            scores = suggester.rank(
                [u.text for *_, units, _ in group for u in units],
                [a for *_, analyses in group for a in analyses],
            )
            rows = [(source_id, u) for source_id, _, units, _ in group for u in units]
            for row, column in zip(*(scores >= suggester.thresholds).nonzero(), strict=True):
                source_id, text_unit = rows[row]
                out.append(
                    SuggestedCoding(
                        source_id,
                        text_unit.start,
                        text_unit.end,
                        suggester.codes[column].uuid,
                        float(scores[row, column]),
                    )
                )
        return out

    # -- end of the suggester as a coder -------------------------------------------------


STATS_KEY = "corpus-stats"  # analysis-cache entries holding statistics, not an analysis
_SCORERS: dict[tuple[str, str, str], CodebookScorer] = {}


def _scorer(
    codes: Sequence[CodeDescription], pipeline: Pipeline, embedder: Embedder | None
) -> CodebookScorer:
    """The codebook's scorer, kept for the next request in this process (the TUI asks
    for one transcript's suggestions at a time): building it analyses and embeds the
    codebook. Only the latest is kept, so a changed codebook does not pile up old ones."""
    from qualcode.nlp.embeddings import embedder_name
    from qualcode.nlp.training import codebook_fingerprint
    from qualcode.nlp.zero_shot import CodebookScorer

    key = (
        codebook_fingerprint(codes),
        pipeline.name,
        embedder_name(embedder),
    )
    scorer = _SCORERS.get(key)
    if scorer is None or scorer.pipeline is not pipeline or scorer.embedder is not embedder:
        scorer = CodebookScorer(codes, pipeline, embedder)
        _SCORERS.clear()
        _SCORERS[key] = scorer
    return scorer


# The latest of each, kept in-process for the next request (the TUI asks for one
# transcript's suggestions at a time); each is keyed by everything it is made from.
_STATS: dict[str, CorpusStats] = {}
_MODELS: dict[Path, tuple[tuple[int, int, int], LearnedModel]] = {}
_SUGGESTERS: list[tuple[CodebookScorer, CorpusStats, LearnedModel | None, Suggester]] = []


def _read_model(path: Path) -> LearnedModel:
    """The saved model, read again only when its file changed (saving replaces the
    file, so a new model has a new inode and modification time)."""
    from qualcode.nlp.learned import LearnedModel

    try:
        status = path.stat()
    except OSError:
        return LearnedModel.load(path)  # says why, as a ModelError
    signature = (status.st_mtime_ns, status.st_size, status.st_ino)
    cached = _MODELS.get(path)
    if cached is not None and cached[0] == signature:
        return cached[1]
    model = LearnedModel.load(path)
    _MODELS.clear()
    _MODELS[path] = (signature, model)
    return model


def _suggester(scorer: CodebookScorer, stats: CorpusStats, model: LearnedModel | None) -> Suggester:
    """A suggester over these very objects, reused while they are the same: it embeds
    the coded passages it shows as the closest, once."""
    from qualcode.nlp.engine import Suggester

    for cached_scorer, cached_stats, cached_model, suggester in _SUGGESTERS:
        if cached_scorer is scorer and cached_stats is stats and cached_model is model:
            return suggester
    suggester = Suggester(
        scorer.codes, scorer.pipeline, scorer.embedder, stats=stats, model=model, scorer=scorer
    )
    _SUGGESTERS[:] = [(scorer, stats, model, suggester)]
    return suggester


def _stats_key(
    unit: Unit,
    everyone: bool,
    corpus: str,
    codes: Sequence[CodeDescription],
    embedder: Embedder | None,
) -> str:
    """The analysis-cache key of the statistics of these units (``corpus`` fingerprints
    the sources, the kind of unit and whose turns) against this codebook and embedder
    (the pipeline is the entry's other key). It starts with what kind of units they
    are, so that a new entry can replace the last of its kind."""
    from qualcode.nlp.embeddings import embedder_name
    from qualcode.nlp.training import codebook_fingerprint

    described = json.dumps([corpus, codebook_fingerprint(codes), embedder_name(embedder)])
    digest = hashlib.sha256(described.encode("utf-8")).hexdigest()[:16]
    return f"{STATS_KEY}:{unit.value}:{int(everyone)}:{digest}"


_Scored = tuple[int, str, list[TextUnit], list["Analysis"]]  # source id, name, units, analyses


def _cross_fit_groups(
    sources: Sequence[_Scored], examples: Sequence[TrainingExample], most: int = 5
) -> list[list[_Scored]]:
    """Sources in up to ``most`` groups for cross-fitting (part of suggester_codings): the
    coded ones dealt out first, so each group's model learns from as much of the others'
    coding as the project allows."""
    coded: dict[str, int] = defaultdict(int)
    for example in examples:
        coded[example.source] += 1
    order = sorted(sources, key=lambda s: (-coded[s[1]], s[1]))
    count = min(most, len(order))
    return [order[i::count] for i in range(count)]


def _threshold_reason(model: LearnedModel) -> str:
    """Which threshold the model uses, and why, in a sentence."""
    from qualcode.nlp.calibration import UNLABELLED_SHARE

    if model.fitted is not None:
        t = model.fitted.threshold
        own = int((model.fitted.thresholds != t.value).sum())
        extra = f"; {own} codes with many examples have their own" if own else ""
        return f"{t.value:.2f}: {t.reason}{extra}"
    return (
        f"{model.stats.zero_threshold:.2f}: too little coding to learn from yet, so set "
        f"where {UNLABELLED_SHARE:.0%} of passages get a suggestion from the codebook"
    )


def spoken_by_participants(
    turns: Sequence[tuple[int, int, str | None, int | None]], everyone: bool
) -> list[tuple[int, int]]:
    """The turns worth suggesting for. Researchers code what participants say, not
    the questions: where a participant sheet maps speakers to cases, turns without a
    case are the interviewer's; otherwise speakers named like an interviewer are left
    out. ``everyone`` keeps every turn."""
    if everyone or not turns:
        return [(start, end) for start, end, _, _ in turns]
    if any(case is not None for *_, case in turns):
        return [(start, end) for start, end, _, case in turns if case is not None]
    return [
        (start, end)
        for start, end, speaker, _ in turns
        if not (speaker and _INTERVIEWER.match(speaker.strip()))
    ]


def _covered_units(
    units: Sequence[TextUnit], spans_by_code: Mapping[str, Sequence[tuple[int, int]]]
) -> set[tuple[int, int, str]]:
    """``(start, end, code uuid)`` of each unit that a coding of that code already marks
    (``_overlaps_enough``).

    Checking every unit against every coding made big coded projects slow. Units sorted
    by start whose ends rise with them (turns, and sentences within turns, never nest)
    meet a coding in one run of neighbours, found by bisection: the cost is codings x
    log(units) plus the overlaps themselves. Nested units fall back to the plain check.
    """
    spans = sorted({(u.start, u.end) for u in units})
    starts = [start for start, _ in spans]
    ends = [end for _, end in spans]
    if any(a > b for a, b in pairwise(ends)):
        return {
            (unit_start, unit_end, code)
            for code, coded in spans_by_code.items()
            for unit_start, unit_end in spans
            if any(_overlaps_enough(s, e, unit_start, unit_end) for s, e in coded)
        }
    covered: set[tuple[int, int, str]] = set()
    for code, coded in spans_by_code.items():
        for start, end in coded:
            # Units ending after the coding starts and starting before it ends: all
            # that can overlap it, one contiguous run because both lists are sorted.
            for i in range(bisect_right(ends, start), bisect_left(starts, end)):
                if _overlaps_enough(start, end, starts[i], ends[i]):
                    covered.add((starts[i], ends[i], code))
    return covered


def _overlaps_enough(start: int, end: int, unit_start: int, unit_end: int) -> bool:
    overlap = min(end, unit_end) - max(start, unit_start)
    if overlap <= 0:
        return False
    return overlap >= MIN_OVERLAP * min(end - start, unit_end - unit_start)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _sentences_within(
    sentences: Sequence[tuple[int, int]], turns: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Sentences cut at turn edges, so a unit never holds a speaker label."""
    ends = [end for _, end in sentences]
    out: list[tuple[int, int]] = []
    for turn_start, turn_end in turns:
        i = bisect_right(ends, turn_start)
        while i < len(sentences) and sentences[i][0] < turn_end:
            start, end = sentences[i]
            out.append((max(start, turn_start), min(end, turn_end)))
            i += 1
    return out
