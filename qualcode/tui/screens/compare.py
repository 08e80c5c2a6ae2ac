"""Compare coders: one transcript, a lane per coder, walking through disagreements.

The review meeting's screen (issue 6). The disagreement list is the same one
``qualcode disagreements`` prints, in the same order (transcript, position, codebook
order), walked with n / p across every transcript: past the last disagreement of one
transcript, n opens the next transcript that has one. On each, the group can comment,
set a status and decide which version stands; the agreed coding is stored as the
"consensus" coder's, shown in its own lane.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Static

from qualcode.domain.codebook import leaf
from qualcode.domain.errors import QualcodeError
from qualcode.domain.project_changes import ProjectChanges
from qualcode.domain.records import CodeRecord, CodingRecord, TurnRecord
from qualcode.domain.reports import CONSENSUS_CODER
from qualcode.domain.review import (
    ChoiceKind,
    ConsensusChoice,
    ReviewItem,
    ReviewStatus,
    SpanAnchor,
    Thread,
)
from qualcode.tui.colours import code_colour
from qualcode.tui.messages import Failed
from qualcode.tui.screens.base import QualcodeScreen
from qualcode.tui.screens.code_picker import CodePicker, CodePickerResult
from qualcode.tui.screens.dialogs import Choose
from qualcode.tui.screens.live_look import LiveLook
from qualcode.tui.screens.review_dialogs import CommentDialog, PickCoders, describe_thread
from qualcode.tui.widgets.coder_lanes import (
    CONSENSUS_COLOUR,
    LANE_COLOURS,
    OTHER_MARK,
    CompareView,
    Lane,
    lane_letters,
)
from qualcode.tui.widgets.title_bar import TitleBar
from qualcode.tui.widgets.transcript_view import HighlightSpan, TurnSpan

QUOTE_CELLS = 110  # a longer passage keeps its start and end, "[...]" between
CONSENSUS_NAME = "agreed version"

DECIDE_HINT = (
    "1-9 accept that lane's version · a everyone's · x neither · e edited span (select it "
    "first) · c comment · s status · u undo · l consensus lane · h hide resolved"
)


def quoted(text: str, start: int, end: int, cells: int = QUOTE_CELLS) -> str:
    """``text[start:end]`` as a quote to read: spacing tidied, and if longer than
    ``cells``, its opening and closing words with "[...]" for the words left out (as
    the study's reports shorten quotes), never a word cut in two."""
    words = text[start:end].split()
    whole = " ".join(words)
    if len(whole) <= cells:
        return whole
    head: list[str] = []
    tail: list[str] = []
    room = cells - len(" [...] ")
    # Two thirds of the room for the opening (where a coder's choice starts), the rest
    # for the close (where it ends): the edges are what coders disagree about.
    while words and len(" ".join([*head, words[0]])) <= room * 2 // 3:
        head.append(words.pop(0))
    while words and len(" ".join([words[-1], *tail])) <= room - len(" ".join(head)):
        tail.insert(0, words.pop())
    if not head:  # one very long "word" (a URL): cut it after all
        return whole[: cells - 1] + "…"
    return " ".join(head) + " [...] " + " ".join(tail) if tail else " ".join(head) + " [...]"


def speakers(turns: Sequence[TurnRecord], start: int, end: int) -> str:
    """Who speaks in ``[start, end)``: "Dean", or "Dean and Peer researcher"."""
    names: list[str] = []
    for turn in turns:
        inside = turn.start < max(end, start + 1) and turn.end > start
        if inside and turn.speaker and turn.speaker not in names:
            names.append(turn.speaker)
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


@dataclass(frozen=True, slots=True)
class SourceText:
    name: str
    text: str
    turns: tuple[TurnRecord, ...]


class CompareScreen(QualcodeScreen[None]):
    BINDINGS = [
        Binding("n", "next", "Next", id="compare.next"),
        Binding("p", "previous", "Previous", id="compare.previous"),
        Binding("f", "filter_code", "Code", id="compare.filter_code"),
        Binding("F", "all_codes", "All codes", show=False, id="compare.all_codes"),
        Binding("o", "choose_coders", "Coders", id="compare.choose_coders"),
        Binding(
            "l", "toggle_consensus", "Consensus lane", show=False, id="compare.toggle_consensus"
        ),
        Binding("h", "toggle_resolved", "Hide resolved", show=False, id="compare.toggle_resolved"),
        Binding("c", "comment", "Comment", id="compare.comment"),
        Binding("s", "set_status", "Status", id="compare.set_status"),
        *[
            Binding(
                str(n),
                f"accept({n})",
                f"Accept lane {n}",
                show=False,
                id=f"compare.accept-{n}",
            )
            for n in range(1, 10)
        ],
        Binding("a", "accept_all", "Accept all", show=False, id="compare.accept_all"),
        Binding("x,0", "accept_none", "Neither", show=False, id="compare.accept_none"),
        Binding("e", "edited_span", "Edited span", show=False, id="compare.edited_span"),
        Binding("u", "undo", "Undo", id="compare.undo"),
        Binding("escape", "back", "Back", id="compare.back"),
        Binding("question_mark,f1", "app.help", "Help", id="compare.help"),
    ]

    class Loaded(Message):
        def __init__(
            self,
            items: list[ReviewItem],
            coders: list[str],
            document: SourceText | None,
            codings: list[CodingRecord] | None,
            codes: list[CodeRecord],
            goal: SpanAnchor | None,
            note: str,
        ) -> None:
            super().__init__()
            self.items = items
            self.coders = coders
            self.document = document
            self.codings = codings
            self.codes = codes
            self.goal = goal
            self.note = note

    @dataclass(frozen=True, slots=True)
    class _Seen:
        """The project as others left it, for the transcript shown."""

        source: str
        items: list[ReviewItem]
        coders: list[str]
        codings: list[CodingRecord]
        codes: list[CodeRecord]

    class LiveLoaded(Message):
        def __init__(self, seen: CompareScreen._Seen | None, shown: int) -> None:
            super().__init__()
            self.seen = seen  # None: the read failed (the next change reads again)
            self.shown = shown

    def __init__(
        self,
        source: str | None = None,
        *,
        code: tuple[str, str] | None = None,
        coders: Sequence[str] | None = None,
    ) -> None:
        super().__init__()
        self.wanted_source = source
        self.source: str | None = None  # the transcript shown
        self.code = code  # (uuid, path) or None for every code
        self.chosen_coders: list[str] | None = list(coders) if coders else None
        self.coders: list[str] = []  # the lanes' coders, in lane order
        self.show_consensus = True
        self.unresolved_only = False
        self.items: list[ReviewItem] = []
        self.index: int | None = None
        self.codings: list[CodingRecord] = []
        self.codes: list[CodeRecord] = []
        self.turns: tuple[TurnRecord, ...] = ()
        self._loaded_once = False

    # --- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TitleBar("Compare coders")
        yield Static("", id="compare-legend")
        yield Static("", id="compare-lane-header")
        yield CompareView(id="compare-view")
        with VerticalScroll(id="compare-detail"):
            yield Static("Loading…", id="compare-detail-text")
        yield Footer()

    def on_mount(self) -> None:
        # The transcript read is the one shown when the read starts (main thread).
        self._live = LiveLook(self, lambda shown: self.live_read(shown, self.source))
        self.view.focus()
        self.load(self.wanted_source, None)

    @property
    def view(self) -> CompareView:
        return self.query_one(CompareView)

    @property
    def current(self) -> ReviewItem | None:
        if self.index is None or self.index >= len(self.items):
            return None
        return self.items[self.index]

    # --- loading: workers fetch ------------------------------------------------------------

    @work(thread=True, exclusive=True, group="compare-load")
    def load(self, source: str | None, goal: SpanAnchor | None, note: str = "") -> None:
        """Fetch the disagreements, and the transcript ``source`` if it is not shown."""
        try:
            self.post_message(self._fetch(source, goal, note))
        except QualcodeError as error:
            self.post_message(Failed(str(error)))

    def _fetch(self, source: str | None, goal: SpanAnchor | None, note: str) -> Loaded:
        backend = self.backend
        codes = [self.code[0]] if self.code else None
        items = backend.review_items(coders=self.chosen_coders, codes=codes)
        if self.chosen_coders:
            coders = list(self.chosen_coders)
        elif self.coders:
            coders = list(self.coders)  # read once: only a merge brings new coders
        else:
            coders = [n for n in backend.coder_names() if n.casefold() != CONSENSUS_CODER]
        if source is None and goal is not None:
            source = goal.source
        if source is None and items:
            source = items[0].disagreement.source
        document = codings = None
        if source is not None:
            codings = backend.all_codings(source)
            if source != self.source:
                doc = backend.document(source)
                document = SourceText(doc.name, doc.text, doc.turns)
        return self.Loaded(items, coders, document, codings, backend.codes(), goal, note)

    # --- showing: handlers mutate ------------------------------------------------------------

    @on(Loaded)
    def loaded(self, message: Loaded) -> None:
        self._live.showed_own()
        self.items = message.items
        self.coders = message.coders
        self.codes = message.codes
        if message.document is not None:
            doc = message.document
            self.source = doc.name
            self.turns = doc.turns
            turns = [TurnSpan(t.start, t.end, t.speaker, t.start_time) for t in doc.turns]
            self.view.load(doc.text, turns, [])
            self.query_one(TitleBar).place = f"Compare coders · {doc.name}"
            self.query_one(TitleBar).show()
        if message.codings is not None:
            self.codings = message.codings
        first = not self._loaded_once
        self._loaded_once = True
        index = self._find(message.goal)
        if index is None and message.goal is None:
            index = self._first_in(self.source)
        if index is not None and self.items[index].disagreement.source != self.source:
            # The disagreement is in another transcript: fetch it, then show it.
            self.load(self.items[index].disagreement.source, self.items[index].anchor)
            return
        self._show(index)
        if message.note:
            self.notify(message.note, timeout=4)
        elif first and index is None:
            self.notify(self._none_here(), timeout=6)
        if first and getattr(self.backend, "blind", False):
            self.notify("Blind coding is on, but comparing shows everyone's coding.", timeout=6)

    def _none_here(self) -> str:
        if len(self.coders) < 2:
            who = self.coders[0] if self.coders else "nobody"
            return (
                f"Only {who} has coded here; comparing needs two coders or more. Bring the "
                "others' coding in with qualcode merge (or import-coder)."
            )
        if not self.items:
            return "No disagreements between the chosen coders" + (
                f" on '{self.code[1]}'." if self.code else "."
            )
        return "No disagreements in this transcript; n goes to the next transcript with one."

    def _visible(self, item: ReviewItem) -> bool:
        return not (self.unresolved_only and item.status is ReviewStatus.RESOLVED)

    def _find(self, goal: SpanAnchor | None) -> int | None:
        """The item ``goal`` names; if it is gone (hidden, or undone), the next one
        in the same transcript, else the one before it."""
        if goal is None:
            return None
        keys = [i.anchor for i in self.items]
        if goal in keys and self._visible(self.items[keys.index(goal)]):
            return keys.index(goal)
        same = [
            i
            for i, key in enumerate(keys)
            if key.source == goal.source and self._visible(self.items[i])
        ]
        after = [i for i in same if keys[i].start >= goal.start]
        if after:
            return after[0]
        return same[-1] if same else self._first_in(None)

    def _first_in(self, source: str | None) -> int | None:
        for i, item in enumerate(self.items):
            if self._visible(item) and (source is None or item.disagreement.source == source):
                return i
        return None

    def _show_lanes(self) -> None:
        """Lanes for the filtered code, or else the current disagreement's code (other
        codes show as small letters), and the legend above them."""
        item = self.current
        focus = self.code[0] if self.code else (item.code_uuid if item else None)
        spans: dict[str, list[tuple[int, int]]] = {}
        other: dict[str, list[tuple[int, int]]] = {}
        for coding in self.codings:
            if coding.code_uuid == focus:
                spans.setdefault(coding.coder.casefold(), []).append((coding.start, coding.end))
            elif self.code is None:
                other.setdefault(coding.coder.casefold(), []).append((coding.start, coding.end))
        letters = lane_letters(self.coders)
        lanes = [
            Lane.build(
                name,
                letter,
                LANE_COLOURS[i % len(LANE_COLOURS)],
                spans.get(name.casefold(), []),
                other.get(name.casefold(), []),
            )
            for i, (name, letter) in enumerate(zip(self.coders, letters, strict=True))
        ]
        if self.show_consensus:
            lanes.append(
                Lane.build(
                    CONSENSUS_CODER,
                    "=",
                    CONSENSUS_COLOUR,
                    spans.get(CONSENSUS_CODER, []),
                    other.get(CONSENSUS_CODER, []),
                    title=CONSENSUS_NAME.split()[0],
                )
            )
        self.view.set_lanes(lanes)
        self.query_one("#compare-legend", Static).update(self._legend(lanes))
        self._show_lane_header()

    def _code_in_question(self) -> str:
        if self.code:
            return leaf(self.code[1])
        item = self.current
        return leaf(item.disagreement.code_path) if item else ""

    def _legend(self, lanes: Sequence[Lane]) -> Text:
        """Who each lane is (with the number that accepts their version) and what its
        marks mean, in words, wrapping rather than cut off on a narrow screen."""
        legend = Text()
        legend.append("Lanes, right: ", style="bold")
        for i, lane in enumerate(lanes):
            consensus = lane.coder == CONSENSUS_CODER
            if i:
                legend.append(" · ")
            if not consensus:
                legend.append(f"{i + 1} ")
            legend.append("▌", style=lane.colour)
            legend.append(lane.letter, style=f"bold {lane.colour}")
            legend.append(f" {CONSENSUS_NAME if consensus else lane.coder}")
        code = self._code_in_question()
        legend.append("   ▌", style="bold")
        legend.append(f" coded “{code}” there" if code else " coded the code in question")
        if self.code is None:
            legend.append(f" · {OTHER_MARK} another code")
        legend.append(" · · nothing")
        if self.unresolved_only:
            legend.append(" · resolved hidden", style="dim")
        return legend

    def _show_lane_header(self) -> None:
        """Names over the lanes' columns; redrawn when the view's width changes."""
        code = self._code_in_question()
        title = f" Marks: {code}" if code else ""
        self.query_one("#compare-lane-header", Static).update(self.view.lane_header(title))

    def on_resize(self) -> None:
        self.call_after_refresh(self._show_lane_header)

    def _show(self, index: int | None, *, move: bool = True) -> None:
        """Show disagreement ``index``; ``move``: the cursor goes to it (not when
        others' work is shown: the reader's cursor and selection stay)."""
        self.index = index
        self._show_lanes()
        item = self.current
        if item is None:
            self.view.set_highlights([])
            self.query_one("#compare-detail-text", Static).update(
                Text(self._none_here() + "\n" + DECIDE_HINT, style="dim")
            )
            return
        d = item.disagreement
        colour = next(
            (code_colour(c.colour, c.uuid) for c in self.codes if c.uuid == item.code_uuid),
            "#888888",
        )
        label = "≠" + leaf(d.code_path)
        self.view.set_highlights([HighlightSpan(d.start, d.end, "current", colour, label)])
        if move:
            self.view.move_cursor_to(d.start)
        self.query_one("#compare-detail-text", Static).update(self._detail(item))

    def _detail(self, item: ReviewItem) -> Text:
        """The disagreement in words: which, where, the passage in dispute with who
        says it, then each coder's passage as a quote (never character offsets)."""
        d = item.disagreement
        visible = [i for i in self.items if self._visible(i)]
        position = visible.index(item) + 1 if item in visible else item.number
        here = sum(1 for i in visible if i.disagreement.source == d.source)
        text = Text()
        text.append(f"Disagreement {position} of {len(visible)}", style="bold")
        decided = sum(1 for i in visible if i.thread is not None and i.thread.decision)
        text.append(f" ({here} in this transcript; {decided} decided) · ")
        text.append(d.code_path, style="bold")
        text.append(f" · status: {item.status.value}\n")
        text.append_text(self._quote(d.start, d.end))
        text.append(f"  {d.summary}\n", style="italic")
        width = max(len(c.coder) for c in d.codings) if d.codings else 0
        seen: dict[tuple[int, int], str] = {}
        for coding in d.codings:
            text.append(f"  {coding.coder:<{width}}  ", style="bold")
            same = seen.get((coding.start, coding.end))
            if same is not None:
                text.append(f"the same passage as {same}", style="dim")
            else:
                seen[(coding.start, coding.end)] = coding.coder
                text.append(f"“{quoted(self.view.text, coding.start, coding.end)}”")
            if coding.memo:
                text.append(f"  memo: {' '.join(coding.memo.split())}", style="italic")
            text.append("\n")
        if item.thread is not None:
            text.append_text(describe_thread(item.thread, heading=False))
        text.append(DECIDE_HINT, style="dim")
        return text

    def _quote(self, start: int, end: int) -> Text:
        """``[start, end)`` as its speaker's words: ``Dean: “...”``."""
        line = Text()
        who = speakers(self.turns, start, end)
        if who:
            line.append(f"{who}: ", style="bold")
        line.append(f"“{quoted(self.view.text, start, end)}”\n")
        return line

    # --- others' work, live (app.changes_seen) -------------------------------------------

    def live_refresh(self, changes: ProjectChanges) -> None:
        """Others' codings, codebook changes, comments and decisions, shown where the
        reader is: the disagreement on show stays (by what it is, not its number), and
        so do the cursor, the selection, the scroll and any dialog open over the screen."""
        if self._loaded_once and (changes.codings or changes.codebook or changes.review):
            self._live.news()

    def on_screen_resume(self) -> None:
        self._live.resumed()

    @work(thread=True, group="compare-live", exit_on_error=False)
    def live_read(self, shown: int, source: str | None) -> None:
        seen: CompareScreen._Seen | None = None
        try:
            if source is not None:
                seen = self._read_seen(source)
        finally:
            self.post_message(self.LiveLoaded(seen, shown))

    def _read_seen(self, source: str) -> _Seen:
        backend = self.backend
        codes = [self.code[0]] if self.code else None
        items = backend.review_items(coders=self.chosen_coders, codes=codes)
        coders = list(self.chosen_coders or self.coders)
        if not self.chosen_coders:
            # A coder new to the project gets a lane at the end: the lanes' numbers,
            # which accept a version, stay the same under the reader's fingers.
            known = {name.casefold() for name in coders}
            coders += [
                name
                for name in backend.coder_names()
                if name.casefold() not in known and name.casefold() != CONSENSUS_CODER
            ]
        return self._Seen(source, items, coders, backend.all_codings(source), backend.codes())

    @on(LiveLoaded)
    def live_loaded(self, message: LiveLoaded) -> None:
        if not self._live.arrived(message.shown):
            return
        seen = message.seen
        if seen is None or seen.source != self.source:
            return
        was = self.current
        self.items, self.coders = seen.items, seen.coders
        self.codings, self.codes = seen.codings, seen.codes
        index = self._same_as(was) if was else self._first_in(self.source)
        if was is not None and index is None:
            index = self._find(was.anchor)
            self.notify(
                "The disagreement you were reading is settled: someone changed their coding there.",
                timeout=5,
            )
        if index is not None and self.items[index].disagreement.source != self.source:
            index = None  # the rest are elsewhere: n goes there when the reader wants
        self._show(index, move=False)

    def _same_as(self, item: ReviewItem) -> int | None:
        """The disagreement ``item`` was, as others' work left it: the same passage and
        code, or (its edges moved by a coding made or changed) the same code over an
        overlapping passage."""
        keys = [i.anchor for i in self.items]
        if item.anchor in keys and self._visible(self.items[keys.index(item.anchor)]):
            return keys.index(item.anchor)
        old = item.anchor
        for index, other in enumerate(self.items):
            new = other.anchor
            if (
                (new.source, new.code) == (old.source, old.code)
                and new.start < old.end
                and old.start < new.end
                and self._visible(other)
            ):
                return index
        return None

    @on(Failed)
    def failed(self, message: Failed) -> None:
        self.notify(message.text, severity="error", timeout=8)

    # --- walking through ---------------------------------------------------------------------

    def _step(self, direction: int) -> None:
        if not self.items:
            self.notify(self._none_here(), severity="warning")
            return
        if self.index is None:
            # Nothing shown here: the first one after this transcript (or before it).
            here = (self.source or "").casefold()
            candidates = [
                i
                for i, item in enumerate(self.items)
                if self._visible(item)
                and (
                    (item.disagreement.source.casefold() > here)
                    if direction > 0
                    else (item.disagreement.source.casefold() < here)
                )
            ]
            if not candidates:
                self.notify("No more disagreements that way.", severity="warning")
                return
            self._go(candidates[0] if direction > 0 else candidates[-1])
            return
        i = self.index + direction
        while 0 <= i < len(self.items) and not self._visible(self.items[i]):
            i += direction
        if not 0 <= i < len(self.items):
            word = "last" if direction > 0 else "first"
            self.notify(f"That was the {word} disagreement.", timeout=3)
            return
        self._go(i)

    def _go(self, index: int) -> None:
        item = self.items[index]
        source = item.disagreement.source
        if source != self.source:
            self.notify(f"Now in {source}: the next transcript with a disagreement.", timeout=4)
            self.load(source, item.anchor)
            return
        self._show(index)

    def action_next(self) -> None:
        self._step(1)

    def action_previous(self) -> None:
        self._step(-1)

    # --- what is compared ----------------------------------------------------------------

    def _reload(self, note: str = "") -> None:
        item = self.current
        self.load(self.source, item.anchor if item else None, note)

    def action_filter_code(self) -> None:
        def chosen(result: CodePickerResult | None) -> None:
            if result and result.apply:
                code = next(c for c in self.codes if c.uuid == result.apply[0])
                self.code = (code.uuid, code.path)
                self.load(self.source, None)

        self.app.push_screen(CodePicker(self.codes, "Compare coders on which code?"), chosen)

    def action_all_codes(self) -> None:
        self.code = None
        self.load(self.source, None)

    def action_choose_coders(self) -> None:
        self._pick_coders()

    @work(thread=True, exclusive=True, group="compare-coders")
    def _pick_coders(self) -> None:
        names = [n for n in self.backend.coder_names() if n.casefold() != CONSENSUS_CODER]

        def chosen(picked: list[str] | None) -> None:
            if picked is None:
                return
            if len(picked) < 2:
                self.notify("Choose at least two coders to compare.", severity="warning")
                return
            self.chosen_coders = picked
            self._reload()

        self.app.call_from_thread(
            self.app.push_screen, PickCoders(names, self.coders or names), chosen
        )

    def action_toggle_consensus(self) -> None:
        self.show_consensus = not self.show_consensus
        self._show_lanes()

    def action_toggle_resolved(self) -> None:
        self.unresolved_only = not self.unresolved_only
        self.notify(
            "Resolved disagreements hidden: n and p skip them."
            if self.unresolved_only
            else "Showing every disagreement, resolved ones too.",
            timeout=4,
        )
        item = self.current
        self._show(self._find(item.anchor) if item else self._first_in(self.source))

    # --- discussing and deciding ------------------------------------------------------------

    @work(thread=True, group="compare-write")
    def act(self, apply: Callable[[Any], Any], describe: Callable[[Any], str]) -> None:
        """Make one change through the backend, then fetch the list and lanes again."""
        item = self.current
        try:
            result = apply(self.backend)
            note = describe(result)
            goal = item.anchor if item else None
            self.post_message(self._fetch(self.source, goal, note))
        except QualcodeError as error:
            self.post_message(Failed(str(error)))

    def _need_item(self) -> ReviewItem | None:
        item = self.current
        if item is None:
            self.notify("No disagreement shown here: n goes to the next.", severity="warning")
        return item

    def action_comment(self) -> None:
        item = self._need_item()
        if item is None:
            return

        def done(text: str | None) -> None:
            if text:
                self.act(lambda b: b.comment(item.anchor, text), lambda _: "Comment added")

        d = item.disagreement
        title = f"Your comment on “{leaf(d.code_path)}” here:"
        self.app.push_screen(CommentDialog(title, self._quote(d.start, d.end)), done)

    def action_set_status(self) -> None:
        item = self._need_item()
        if item is None:
            return

        def done(key: str | None) -> None:
            if key:
                status = ReviewStatus(key)
                self.act(
                    lambda b: b.set_review_status(item.anchor, status),
                    lambda _: f"Status: {status.value}",
                )

        choices = [(s.value, s.value.capitalize()) for s in ReviewStatus]
        self.app.push_screen(Choose("Status of this disagreement:", choices), done)

    def _decide(self, choice: ConsensusChoice) -> None:
        item = self._need_item()
        if item is None:
            return
        coders = list(self.coders)

        def describe(thread: Thread) -> str:
            return f"Agreed: {choice.describe()} (u undoes)"

        self.act(lambda b: b.decide(item, choice, coders=coders), describe)

    def action_accept(self, lane: int) -> None:
        if not 1 <= lane <= len(self.coders):
            self.notify(f"There is no lane {lane}.", severity="warning")
            return
        self._decide(ConsensusChoice(ChoiceKind.CODER, coder=self.coders[lane - 1]))

    def action_accept_all(self) -> None:
        self._decide(ConsensusChoice(ChoiceKind.ALL))

    def action_accept_none(self) -> None:
        self._decide(ConsensusChoice(ChoiceKind.NONE))

    def action_edited_span(self) -> None:
        item = self._need_item()
        if item is None:
            return
        selection = self.view.selection
        if selection is None:
            # A passage is chosen by selecting it, never by typing character counts.
            self.notify(
                "First select the agreed passage (shift+arrows, w a word, t a turn, or the "
                "mouse), then press e.",
                severity="warning",
                timeout=6,
            )
            return
        start, end = selection
        self._decide(ConsensusChoice(ChoiceKind.SPAN, start=start, end=end))

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Start the consensus from agreed coding",
            "Copy every passage all compared coders coded alike into the consensus "
            "(safe to repeat; u undoes)",
            self.action_seed,
        )

    def action_seed(self) -> None:
        coders = list(self.coders)

        def done(added: int) -> str:
            if not added:
                return "The consensus already holds everything the coders agreed on."
            plural = "s" * (added != 1)
            return f"Copied {added} agreed passage{plural} into the consensus (u undoes)."

        self.act(lambda b: b.seed_consensus(coders), done)

    def action_undo(self) -> None:
        self.act(
            lambda b: b.undo(),
            lambda step: f"Undone: {step.description}" if step else "Nothing to undo",
        )

    def action_back(self) -> None:
        self.app.pop_screen()
