"""Sources (transcripts): importing a batch all-or-nothing, listing, reading."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, defer

from qualcode.domain.coverage import covered_length
from qualcode.domain.errors import InputFileError, NotFoundError, ValidationError
from qualcode.domain.records import (
    ImportProblem,
    ImportReport,
    ParsedTranscript,
    ParticipantSheet,
    SourceOverview,
    SourceRecord,
    TurnRecord,
)
from qualcode.domain.roles import Action
from qualcode.domain.text import content_hash, numbered_name, one_line, word_count
from qualcode.services.base import Service
from qualcode.services.import_paths import collect_files
from qualcode.services.participants import apply_participants
from qualcode.store.models import (
    Attribute,
    Case,
    CaseAttributeValue,
    Coder,
    Coding,
    Source,
    SourceCase,
    SpeakerTurn,
)

Progress = Callable[[Path], None]


@dataclass(frozen=True, slots=True)
class _Parsed:
    path: Path
    transcript: ParsedTranscript
    digest: str


class SourceService(Service):
    @staticmethod
    def collect(arguments: Sequence[str | Path]) -> list[Path]:
        """The transcript files named by files, folders and glob patterns."""
        # The importers load when importing: reading a project (the workbench opening a
        # transcript) needs none of them.
        from qualcode.importers import TRANSCRIPT_SUFFIXES

        return collect_files(arguments, TRANSCRIPT_SUFFIXES)

    def import_files(
        self,
        paths: Sequence[Path],
        participants: Path | ParticipantSheet | None = None,
        *,
        continue_on_error: bool = False,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Read every file first, then write them all in one transaction.

        If any file is refused, nothing is written unless ``continue_on_error`` says to
        import the rest. Exact duplicates (same normalised text) are skipped and named.
        """
        from qualcode.importers import read_participants, read_transcript  # see collect

        self._require(Action.EDIT_SOURCES)  # before reading: a refusal costs nothing

        sheet_notes: list[str] = []
        if isinstance(participants, Path):
            sheet_path = participants
            participants = read_participants(participants)  # a bad sheet refuses the batch
            sheet_notes = [f"{sheet_path}: {note}" for note in participants.notes]
        parsed: list[_Parsed] = []
        problems: list[ImportProblem] = []
        for path in paths:
            try:
                transcript = read_transcript(path)
                parsed.append(_Parsed(path, transcript, content_hash(transcript.text)))
            except InputFileError as error:
                problems.append(ImportProblem(str(error.path), error.reason))
            if progress:
                progress(path)

        known = dict(self.session.execute(select(Source.content_hash, Source.name)).all())
        taken = set(self.session.scalars(select(Source.name)).all())
        duplicates: list[tuple[str, str]] = []
        fresh: list[tuple[_Parsed, str]] = []
        for item in parsed:
            if item.digest in known:
                duplicates.append((str(item.path), known[item.digest]))
                continue
            # A file name can carry escape sequences too; the source's name never does.
            name = numbered_name(one_line(item.path.stem) or "source", taken)
            taken.add(name)
            known[item.digest] = name
            fresh.append((item, name))

        if problems and not continue_on_error:
            self._end_read()
            return ImportReport((), tuple(duplicates), tuple(problems), (), committed=False)

        # What reading changed in the files that are stored (e.g. controls removed).
        warnings = sheet_notes + [
            f"{item.path}: {note}" for item, _ in fresh for note in item.transcript.notes
        ]
        with self._transaction():
            coder = self._coder() if self.coder_name else None
            sources = [self._added(item, name, coder.id if coder else None) for item, name in fresh]
            if participants is not None:
                targets = sources or list(self.session.scalars(select(Source)).all())
                warnings += apply_participants(self.session, participants, targets)
            self._audit(
                "import",
                "sources",
                None,
                files=[name for _, name in fresh],
                duplicates=len(duplicates),
                refused=len(problems),
            )
        return ImportReport(
            tuple(name for _, name in fresh),
            tuple(duplicates),
            tuple(problems),
            tuple(warnings),
            committed=True,
        )

    def _add_source(self, item: _Parsed, name: str, coder_id: int | None) -> Source:
        text = item.transcript.text
        source = Source(
            name=name,
            text=text,
            content_hash=item.digest,
            original_filename=one_line(item.transcript.original_name),
            format=item.transcript.format,
            characters=len(text),
            words=word_count(text),
            imported_by_id=coder_id,
        )
        source.turns = [
            SpeakerTurn(
                speaker=t.speaker,
                start=t.start,
                end=t.end,
                start_time=t.start_time,
                end_time=t.end_time,
            )
            for t in item.transcript.turns
        ]
        self.session.add(source)
        self.session.flush()
        return source

    def list_sources(self) -> list[SourceRecord]:
        sources = self.session.scalars(select(Source).order_by(Source.name)).all()
        turns = dict(
            self.session.execute(
                select(SpeakerTurn.source_id, func.count()).group_by(SpeakerTurn.source_id)
            ).all()
        )
        codings = dict(
            self.session.execute(
                select(Coding.source_id, func.count()).group_by(Coding.source_id)
            ).all()
        )
        cases: dict[int, list[str]] = {}
        for source_id, case_name in self.session.execute(
            select(SourceCase.source_id, Case.name).join(Case).order_by(Case.name)
        ):
            cases.setdefault(source_id, []).append(case_name)
        records = [
            SourceRecord(
                uuid=s.uuid,
                name=s.name,
                original_filename=s.original_filename,
                format=s.format,
                content_hash=s.content_hash,
                imported_at=s.imported_at,
                characters=s.characters,
                words=s.words,
                turns=turns.get(s.id, 0),
                cases=tuple(cases.get(s.id, [])),
                codings=codings.get(s.id, 0),
            )
            for s in sources
        ]
        self._end_read()
        return records

    def overview(self, coder: str | None = None) -> list[SourceOverview]:
        """Sources with who speaks in them and how much of their talk is coded."""
        rows = self.session.execute(
            select(Source.id, Source.name, Source.words).order_by(Source.name)
        ).all()
        spoken: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for source_id, start, end in self.session.execute(
            select(SpeakerTurn.source_id, SpeakerTurn.start, SpeakerTurn.end)
        ):
            spoken[source_id].append((start, end))
        lengths = dict(self.session.execute(select(Source.id, Source.characters)).all())
        coder_id = (
            self.session.scalar(select(Coder.id).where(Coder.name == coder)) if coder else None
        )
        anyone: dict[int, list[tuple[int, int]]] = defaultdict(list)
        mine: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for source_id, start, end, who in self.session.execute(
            select(Coding.source_id, Coding.start, Coding.end, Coding.coder_id)
        ):
            anyone[source_id].append((start, end))
            if who == coder_id:
                mine[source_id].append((start, end))
        case_values: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for case_id, name, value in self.session.execute(
            select(CaseAttributeValue.case_id, Attribute.name, CaseAttributeValue.value).join(
                Attribute
            )
        ):
            case_values[case_id].append((name, value))
        values: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        cases: dict[int, list[str]] = defaultdict(list)
        for source_id, case_id, case_name in self.session.execute(
            select(SourceCase.source_id, Case.id, Case.name).join(Case).order_by(Case.name)
        ):
            cases[source_id].append(case_name)
            for name, value in case_values[case_id]:
                values[source_id][name].add(value)
        self._end_read()

        def share(spans: list[tuple[int, int]], source_id: int) -> float:
            whole = covered_length(spoken[source_id]) or lengths[source_id]
            return min(1.0, covered_length(spans) / whole) if whole else 0.0

        return [
            SourceOverview(
                name=name,
                words=words,
                cases=tuple(cases[source_id]),
                stakeholder_groups=tuple(sorted(values[source_id]["stakeholder_group"])),
                areas=tuple(sorted(values[source_id]["area"])),
                methods=tuple(sorted(values[source_id]["method"])),
                coded_by_me=share(mine[source_id], source_id),
                coded_by_anyone=share(anyone[source_id], source_id),
            )
            for source_id, name, words in rows
        ]

    def turns(self, source_name: str) -> list[TurnRecord]:
        records = turns_of(self.session, find_source(self.session, source_name))
        self._end_read()
        return records

    def _added(self, item: _Parsed, name: str, coder_id: int | None) -> Source:
        """``item`` added and checked against the database's limits now, so that a
        refusal (a speaker's name too long, say) names the file it came from."""
        try:
            source = self._add_source(item, name, coder_id)
            self.session.flush()
        except ValidationError as error:
            raise ValidationError(f"{item.path}: {error}; nothing was imported") from None
        return source

    def text(self, source_name: str) -> str:
        text = find_source(self.session, source_name).text
        self._end_read()
        return text


def turns_of(session: Session, source: Source) -> list[TurnRecord]:
    """The speaker turns of ``source`` in order, with their participants' names."""
    rows = session.execute(
        select(SpeakerTurn, Case.name)
        .outerjoin(Case, SpeakerTurn.case_id == Case.id)
        .where(SpeakerTurn.source_id == source.id)
        .order_by(SpeakerTurn.start)
    ).all()
    return [
        TurnRecord(t.speaker, t.start, t.end, t.start_time, t.end_time, case) for t, case in rows
    ]


def chosen_source_ids(session: Session, sources: Sequence[str] | None) -> list[int]:
    """The ids of the sources named (each once, in the order given), else of every
    source, by name."""
    if sources:
        return list(dict.fromkeys(find_source(session, s).id for s in sources))
    return list(session.scalars(select(Source.id).order_by(Source.name)))


def find_source(session: Session, reference: str) -> Source:
    """A source by name, UUID, or original file name (case-insensitive).

    The text is loaded only when read: most callers need the row's id and name, and a
    transcript's text crossing a server's socket on every lookup made opening one on
    PostgreSQL slower than on SQLite."""
    folded = reference.strip().lower()
    source = session.scalar(
        select(Source)
        .options(defer(Source.text))
        .where(
            or_(
                func.lower(Source.name) == folded,
                Source.uuid == folded,
                func.lower(Source.original_filename) == folded,
            )
        )
        .limit(1)
    )
    if source is None:
        raise NotFoundError(f"no source '{reference}' in this project")
    return source
