"""Agreement between coders: a row per code (or per source) and one for everything, as
the CLI reports.

Enter on a code opens the compare view on that code, at its first disagreement; on a
source, the compare view of that source. The table can be saved for a report.

``s`` adds the suggester as one more coder (issue 12): a row per code and coder, kappa
and alpha between the suggestions and that coder, the coders' own alpha beside them.
Suggestions are made for turns or sentences, so that view skips the character unit.

``a`` switches to Krippendorff's unitized alpha family (issue 16): |uα, uα, cuα and a
(k)uα per code over the stretches coders marked, worked out in a worker; ``c`` there
adds bootstrap intervals.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Footer, Label

from qualcode.domain import agreement_table as shared
from qualcode.domain.agreement import (
    THRESHOLDS,
    AgreementReport,
    AgreementRow,
    shown_count,
    shown_statistic,
    strength,
)
from qualcode.domain.agreement_table import (
    NOBODY,
    SUB_CODES_ONLY,
    listed,
    note,
    suggester_values,
)
from qualcode.domain.codebook import ancestor_paths, leaf, parent_of, path_depth
from qualcode.domain.errors import QualcodeError
from qualcode.domain.project_changes import ProjectChanges
from qualcode.domain.reports import CONSENSUS_CODER
from qualcode.domain.suggester_agreement import SuggesterAgreement, SuggesterRow, suggester_rows
from qualcode.domain.unitized_table import (
    ANSWERS,
    SHORT_EXPLANATION,
    UnitizedRow,
    alpha_text,
    below,
    compared_sentence,
    interval_text,
    unitized_rows,
)
from qualcode.tui.export_messages import refused_export
from qualcode.tui.screens.base import QualcodeScreen
from qualcode.tui.screens.compare import CompareScreen
from qualcode.tui.screens.live_look import LiveLook
from qualcode.tui.screens.review_dialogs import PickCoders
from qualcode.tui.screens.save_dialog import SaveAsDialog, ask_where_to_save, reports_folder
from qualcode.tui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from qualcode.domain.unitized_alpha import UnitizedReport
    from qualcode.services.agreement import Unit

UNITS: tuple[Unit, ...] = ("character", "sentence", "turn")
SUGGESTED_UNITS: tuple[Unit, ...] = ("turn", "sentence")  # what suggestions are made for
# The order every agreement table shares: the coefficient that matters, how much was
# coded and the note (kept in view); percent agreement and the counts after them.
LEADING = tuple(c.label for c in shared.LEADING)
TRAILING = tuple(c.label for c in shared.TRAILING)
NOTE_WIDTH = 20
NAME_WIDTH = (16, 64)  # the code column's narrowest and widest
EXPLAIN = (
    "Alpha: Krippendorff's, agreement beyond chance (1 perfect, 0 chance; 0.800 or more good, "
    "0.667 tentative). Kappa: Cohen's, two coders. Coded: {units} anyone coded. Agree %: "
    "counts uncoded {units} too, so it is high whatever the coding."
)
SUGGESTER_COLUMNS = tuple(c.screen_label for c in shared.SUGGESTER_COLUMNS)
SUGGESTER_EXPLAIN = (
    "Each row: the suggestions against one coder, over the {units} the suggester scores "
    "(participants' {units}; interviewer turns are left out) in transcripts the coder "
    "coded. The suggestions are those made at the suggester's threshold, each transcript "
    "scored by a model that did not learn from its own coding. Alpha, Kappa: of the pair. "
    "Coders' α: the coders among themselves over the same {units}, the bar to compare "
    "with. Both / Sugg. only / Coder only: {units} coded by both, by one. s goes back to "
    "the coders alone; u changes the unit, b code/source rows, w saves the table."
)


def shortened(name: str, width: int) -> str:
    """``name`` cut to ``width`` cells at a word boundary, with an ellipsis."""
    if len(name) <= width:
        return name
    cut = name[: width - 1].rstrip()
    space = cut.rfind(" ")
    if space >= width // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:/-") + "…"


def tree_label(path: str, width: int) -> str:
    """A code by its own name, indented by its depth: the codebook's tree by indentation,
    as full paths would push the numbers off screen."""
    depth = path_depth(path)
    return "  " * depth + shortened(leaf(path), max(4, width - 2 * depth))


def append_code_name(text: Text, path: str) -> None:
    """The code's name in bold, then the codes above it."""
    text.append(leaf(path), style="bold")
    if parent := parent_of(path):
        text.append(f" (in {parent})", style="dim")


def cells(
    row: AgreementRow, *, kappa: bool, name_width: int = NAME_WIDTH[1], heading: bool = False
) -> tuple[Text, ...]:
    """A row's cells as literal text (code names may hold square brackets), in the order
    of :func:`columns`. A row nobody coded is greyed and shows no percentage: "100%"
    there would only say that nobody coded it, which the note says in words."""
    coded = bool(row.coded_by_any)
    leading = [shown_statistic(row.alpha)]
    if kappa:
        leading.append(shown_statistic(row.kappa))
    leading.append(shown_count(row.coded_by_any))
    trailing: tuple[str, ...] = (
        shown_statistic(row.percent_agreement, percent=True) if coded else "",
        shown_count(row.coded_by_all),
        shown_count(row.coded_by_some),
        shown_count(row.units),
    )
    if heading:
        leading, trailing = [""] * len(leading), ("",) * len(trailing)
    label = Text(tree_label(row.label, name_width), style="bold" if row.kind == "overall" else "")
    shown = (
        label,
        *(Text(n, justify="right") for n in leading),
        Text(shortened(note(row, heading=heading), NOTE_WIDTH), style="italic"),
        *(Text(n, justify="right") for n in trailing),
    )
    if not coded:
        for cell in shown:
            cell.stylize("dim")
    return shown


def columns(by: str, kappa: bool) -> tuple[str, ...]:
    """The table's column labels; kappa only where exactly two coders are compared."""
    leading = [c for c in LEADING if kappa or c != "Kappa"]
    return ("Code" if by == "code" else "Source", *leading, *TRAILING)


def describe_row(row: AgreementRow, unit: str, *, heading: bool = False) -> Text:
    """The highlighted row in words, full name included (the table cuts long names)."""
    text = Text()
    append_code_name(text, row.label)
    text.append(": ")
    if heading:
        text.append("nobody coded this itself, only its sub-codes (i counts them with it).")
        return text
    if not row.coded_by_any:
        text.append(NOBODY + ".")
        return text
    units = f"{unit}s"
    if row.alpha.value is not None:
        text.append(f"alpha {shown_statistic(row.alpha)}, {strength(row.alpha.value)}; ")
    every = "both" if len(row.coders) == 2 else f"all {len(row.coders)}"
    text.append(
        f"{shown_count(row.coded_by_any)} {units} coded by someone, "
        f"{shown_count(row.coded_by_all)} by {every}. "
    )
    why = note(row)
    if why:
        text.append(why[0].upper() + why[1:] + ". ", style="italic")
    return text


def suggester_cells(row: SuggesterRow, first: bool) -> tuple[Text, ...]:
    """A suggestions-against-a-coder row's cells; the code is named on its first row."""
    values = suggester_values(row)
    depth = path_depth(row.label)
    name = leaf(row.label)
    if len(name) > 40:
        name = name[:39] + "…"
    label = Text(
        "  " * depth + name if first else "", style="bold" if row.kind == "overall" else ""
    )
    shown = [label]
    for column in shared.SUGGESTER_COLUMNS:
        text = values[column.key][0]
        if column.key == "coder":
            shown.append(Text(text))
        elif column.key == "note":
            shown.append(Text(text, style="dim italic"))
        else:
            shown.append(Text(text, justify="right"))
    if not (row.both or row.suggestions_only or row.coder_only):
        shown[1].stylize("dim")
    return tuple(shown)


def unitized_columns(confidence: bool) -> tuple[str, ...]:
    """The unitized view's columns: alpha and the note kept in view, the rest after."""
    extra = ("95% interval", "P(<0.667)", "P(<0.8)") if confidence else ()
    return ("Coefficient", "Alpha", "Measure", "Note", *extra, "D_o", "D_e")


def unitized_cells(
    row: UnitizedRow, *, confidence: bool, name_width: int = NAME_WIDTH[1]
) -> tuple[Text, ...]:
    """A unitized row's cells; a code by its name, indented by its depth."""
    c = row.coefficient
    if row.kind == "code":
        label = Text(tree_label(row.label, name_width))
    else:
        label = Text(shortened(row.label, name_width), style="bold")
    defined = c.value is not None
    extra = (
        (
            interval_text(row.confidence),
            *("" if (p := below(row.confidence, t)) is None else f"{p:.0%}" for t in THRESHOLDS),
        )
        if confidence
        else ()
    )
    shown = (
        label,
        Text(alpha_text(c), justify="right"),
        Text(c.name),
        Text(shortened(row.note, NOTE_WIDTH), style="italic"),
        *(Text(e, justify="right") for e in extra),
        Text(f"{c.observed:.3f}" if defined else "", justify="right"),
        Text(f"{c.expected:.3f}" if defined else "", justify="right"),
    )
    if not defined:
        for cell in shown:
            cell.stylize("dim")
    return shown


def describe_unitized(row: UnitizedRow) -> Text:
    """The highlighted coefficient in words: the question it answers and its reading."""
    c = row.coefficient
    text = Text()
    if row.kind == "code":
        append_code_name(text, row.label)
    else:
        text.append(row.label, style="bold")
    text.append(f", {c.name}: {ANSWERS[c.name]} ")
    if c.value is None:
        text.append(row.note[0].upper() + row.note[1:] + "." if row.note else "", style="italic")
        return text
    text.append(f"Alpha {alpha_text(c)}, {strength(c.value)}")
    interval = interval_text(row.confidence)
    if interval:
        text.append(f"; 95% interval {interval}")
    text.append(
        f". Disagreement observed {c.observed:.3f}, by chance {c.expected:.3f}.", style="dim"
    )
    return text


def counted_over(report: AgreementReport | SuggesterAgreement) -> str:
    """What a report's figures count, for its title: the unit, then the options chosen."""
    options = [f"over {report.unit}s"]
    if report.include_subcodes:
        options.append("sub-codes counted with their codes")
    if report.absent_is_uncoded:
        options.append("a coder missing from a transcript counts as not coding it")
    return "; ".join(options)


class AgreementScreen(QualcodeScreen[None]):
    BINDINGS = [
        Binding("enter", "compare", "Compare this code", id="agreement.compare"),
        # One key, two bindings: the footer names what h will do now.
        Binding("h", "toggle_uncoded", "Show uncoded", id="agreement.toggle_uncoded"),
        Binding("h", "toggle_uncoded(1)", "Hide uncoded", id="agreement.toggle_uncoded-1"),
        Binding("u", "next_unit", "Unit", id="agreement.next_unit"),
        Binding("o", "choose_coders", "Coders", id="agreement.choose_coders"),
        Binding("b", "toggle_by", "By code / source", id="agreement.toggle_by"),
        Binding("i", "toggle_subcodes", "Sub-codes", show=False, id="agreement.toggle_subcodes"),
        Binding(
            "m", "toggle_absent", "Missing = not coded", show=False, id="agreement.toggle_absent"
        ),
        Binding(
            "s", "toggle_suggestions", "Suggestions as a coder", id="agreement.toggle_suggestions"
        ),
        # One key, two bindings again: the footer names the view a will show.
        Binding("a", "toggle_unitized", "Unitized alpha", id="agreement.toggle_unitized"),
        Binding("a", "toggle_unitized(1)", "Alpha by units", id="agreement.toggle_unitized-1"),
        Binding("c", "toggle_confidence", "Intervals", id="agreement.toggle_confidence"),
        Binding("w", "save", "Save table", id="agreement.save"),
        Binding("escape", "back", "Back", id="agreement.back"),
        Binding("question_mark,f1", "app.help", "Help", id="agreement.help"),
    ]

    class Loaded(Message):
        def __init__(self, report: AgreementReport) -> None:
            super().__init__()
            self.report = report

    class LiveLoaded(Message):
        """The table as others' coding left it (None: the read failed)."""

        def __init__(self, report: AgreementReport | None, shown: int) -> None:
            super().__init__()
            self.report = report
            self.shown = shown

    class SuggestionsLoaded(Message):
        """The suggestions against each coder, worked out."""

        def __init__(self, report: SuggesterAgreement) -> None:
            super().__init__()
            self.report = report

    class UnitizedLoaded(Message):
        """The unitized alpha family, worked out."""

        def __init__(self, report: UnitizedReport) -> None:
            super().__init__()
            self.report = report

    def __init__(self, coders: list[str] | None = None, unit: Unit = "character") -> None:
        super().__init__()
        self.coders = coders
        self.unit: Unit = unit
        self.by = "code"
        self.include_subcodes = False
        self.absent_is_uncoded = False
        self.with_suggestions = False
        self.show_uncoded = False  # rows nobody coded: hidden unless asked for
        self.report: AgreementReport | None = None
        self.suggested: SuggesterAgreement | None = None
        self.unitized_view = False
        self.confidence = False  # bootstrap intervals in the unitized view
        self.unitized: UnitizedReport | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar("Agreement between coders")
        yield Label("Working out agreement…", id="agreement-title", classes="screen-hint")
        yield DataTable(id="agreement", cursor_type="row", zebra_stripes=True)
        yield Label("", id="agreement-row")
        yield Label("", id="agreement-explain", classes="screen-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self._live = LiveLook(self, self.live_read)
        self.load()

    # --- others' coding, live (app.changes_seen) -----------------------------------------

    def live_refresh(self, changes: ProjectChanges) -> None:
        """Others' codings and codebook changes: the figures are worked out again (one
        at a time, however fast the news comes) and shown with the reader on the same
        row. Not with the suggestions as a coder: that trains models for seconds; the
        reader asks again with s."""
        if (changes.codings or changes.codebook) and not self.with_suggestions:
            if self.unitized_view:
                self.load()
            else:
                self._live.news()

    def on_screen_resume(self) -> None:
        self._live.resumed()

    @work(thread=True, group="agreement-live", exit_on_error=False)
    def live_read(self, shown: int) -> None:
        report: AgreementReport | None = None
        try:
            report = self.backend.agreement(
                coders=self.coders,
                unit=self.unit,
                include_subcodes=self.include_subcodes,
                absent_is_uncoded=self.absent_is_uncoded,
            )
        finally:
            self.post_message(self.LiveLoaded(report, shown))

    @on(LiveLoaded)
    def live_loaded(self, message: LiveLoaded) -> None:
        if not self._live.arrived(message.shown) or message.report is None:
            return
        if (
            not self.with_suggestions
            and not self.unitized_view
            and message.report.unit == self.unit
        ):
            self.unitized = None  # worked out before the others' new coding
            self._show_report(message.report)

    def load(self) -> None:
        self.unitized = None  # what it was worked out over may be about to change
        if self.unitized_view:
            self.query_one("#agreement-title", Label).update(
                "Working out the unitized alpha family"
                + (" with bootstrap intervals (a few seconds)…" if self.confidence else "…")
            )
            self._load_unitized(self.confidence)
            return
        if self.with_suggestions:
            self.query_one("#agreement-title", Label).update(
                "Scoring every transcript with the suggester, as one more coder (it trains "
                "a model for each group of transcripts: a few seconds)…"
            )
        self._load(self.with_suggestions)

    @work(thread=True, exclusive=True, group="agreement")
    def _load(self, with_suggestions: bool) -> None:
        """The coders' report, or the suggestions against each coder, posted as the
        message whose handler shows it."""
        backend = self.backend
        work_out = backend.suggester_agreement if with_suggestions else backend.agreement
        try:
            report = work_out(
                coders=self.coders,
                unit=self.unit,
                include_subcodes=self.include_subcodes,
                absent_is_uncoded=self.absent_is_uncoded,
            )
        except QualcodeError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error")
            return
        if isinstance(report, SuggesterAgreement):
            self.post_message(self.SuggestionsLoaded(report))
        else:
            self.post_message(self.Loaded(report))

    @work(thread=True, exclusive=True, group="agreement")
    def _load_unitized(self, confidence: bool) -> None:
        backend = self.backend
        try:
            report = backend.unitized(
                coders=self.coders,
                include_subcodes=self.include_subcodes,
                absent_is_uncoded=self.absent_is_uncoded,
                confidence=confidence,
            )
        except QualcodeError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error")
            return
        self.post_message(self.UnitizedLoaded(report))

    @on(UnitizedLoaded)
    def show_unitized(self, message: UnitizedLoaded) -> None:
        if not self.unitized_view:
            return  # the reader went back to the unit table
        report = self.unitized = message.report
        table = self.query_one(DataTable)
        kept = None
        if table.row_count and 0 <= table.cursor_row < table.row_count:
            kept = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        confidence = bool(report.confidence)
        rows = self._unitized_rows()
        width = self._unitized_name_width(rows, confidence)
        table.clear(columns=True)
        table.add_columns(*unitized_columns(confidence))
        for row in rows:
            table.add_row(
                *unitized_cells(row, confidence=confidence, name_width=width),
                key=f"{row.kind}:{row.label}",
            )
        if rows and kept in table.rows:
            table.move_cursor(row=table.get_row_index(kept), scroll=False)
        coders = listed(list(report.family.coders)) or "nobody (no codings yet)"
        n = len(report.sources)
        title = Text(f"Unitized alpha between {coders} ({n} transcript{'s' * (n != 1)} compared).")
        if len(report.family.coders) < 2:
            title = Text(
                f"Only {coders} has coded here, and agreement needs two coders or more: "
                "bring the others' coding in with qualcode merge (or import-coder)."
            )
        hidden = self._unitized_hidden()
        if hidden:
            title.append(f" {hidden} codes nobody coded are hidden: h shows them.", style="dim")
        self.query_one("#agreement-title", Label).update(title)
        # The material compared (and left out, and why) leads, then what each answers.
        compared = compared_sentence(report).replace("--absent-is-uncoded compares", "m compares")
        explain = f"{compared} {SHORT_EXPLANATION} a: back to alpha by units; c: " + (
            "hide intervals." if confidence else "95% intervals (bootstrap)."
        )
        self.query_one("#agreement-explain", Label).update(explain)
        self._describe_highlighted()
        self.refresh_bindings()

    def _unitized_rows(self) -> list[UnitizedRow]:
        """The overall three, then per code; codes nobody coded are left out unless asked
        for, but a theme over coded sub-codes stays (greyed, "sub-codes only") so that
        they still sit under it."""
        if self.unitized is None:
            return []
        rows = unitized_rows(self.unitized, show_uncoded=True).shown
        if self.show_uncoded:
            return list(rows)
        coded = [r.label for r in rows if r.kind == "code" and r.coefficient.segments]
        parents = ancestor_paths(coded)
        return [
            replace(r, note=SUB_CODES_ONLY)
            if r.label in parents and not r.coefficient.segments
            else r
            for r in rows
            if r.kind == "overall" or r.coefficient.segments or r.label in parents
        ]

    def _unitized_hidden(self) -> int:
        if self.unitized is None or self.show_uncoded:
            return 0
        return len(self.unitized.family.per_code) + 3 - len(self._unitized_rows())

    def _unitized_name_width(self, rows: list[UnitizedRow], confidence: bool) -> int:
        """As wide as the screen allows once alpha, the measure and the note have room."""
        shown = [unitized_cells(r, confidence=confidence) for r in rows]
        labels = unitized_columns(confidence)
        needed = sum(max([len(labels[i]), *(r[i].cell_len for r in shown)]) + 2 for i in (1, 2, 3))
        room = self.app.size.width - needed - 2 - 2
        return max(NAME_WIDTH[0], min(NAME_WIDTH[1], room))

    @on(SuggestionsLoaded)
    def show_suggestions(self, message: SuggestionsLoaded) -> None:
        report = message.report
        if not self.with_suggestions or report.unit != self.unit:
            return  # a result the screen has moved on from
        self.suggested = report
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns("Code" if self.by == "code" else "Source", *SUGGESTER_COLUMNS)
        previous: tuple[str, str] | None = None
        for row in self._suggester_rows():
            key = (row.kind, row.label)
            table.add_row(
                *suggester_cells(row, key != previous),
                key=f"{row.kind}:{row.uuid or row.label}:{row.coder}",
            )
            previous = key
        names = list(report.coders)
        title = (
            f"The suggestions as one more coder, against {listed(names)}, {counted_over(report)}."
            if names
            else "Nobody has coded yet: the suggestions have no coder to be compared with."
        )
        self.query_one("#agreement-title", Label).update(Text(title))
        self.query_one("#agreement-explain", Label).update(
            SUGGESTER_EXPLAIN.format(units=f"{report.unit}s")
        )

    def _suggester_row(self) -> SuggesterRow | None:
        rows = self._suggester_rows()
        index = self.query_one(DataTable).cursor_row
        return rows[index] if 0 <= index < len(rows) else None

    def _suggester_rows(self) -> list[SuggesterRow]:
        """The overall rows first (one per coder), then per code or source and coder."""
        if self.suggested is None:
            return []
        rows = suggester_rows(self.suggested, self.by)
        overall = [r for r in rows if r.kind == "overall"]
        return [*overall, *(r for r in rows if r.kind != "overall")]

    @on(Loaded)
    def show(self, message: Loaded) -> None:
        self._live.showed_own()
        if self.with_suggestions or self.unitized_view or message.report.unit != self.unit:
            return  # a result the screen has moved on from
        self._show_report(message.report)

    def _show_report(self, report: AgreementReport) -> None:
        """Show ``report`` with the cursor on the same row (the same code or transcript,
        wherever it is now) and the table scrolled as it was."""
        self.report = report
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        kept = None
        if table.row_count and 0 <= cursor < table.row_count:
            kept = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        scrolled = table.scroll_y
        kappa = len(report.coders) == 2
        shown = self._rows()
        width = self._name_width(shown, kappa)
        table.clear(columns=True)
        table.add_columns(*columns(self.by, kappa))
        for row, heading in shown:
            table.add_row(
                *cells(row, kappa=kappa, name_width=width, heading=heading),
                key=row.uuid or row.label,
            )
        if shown:
            index = table.get_row_index(kept) if kept in table.rows else cursor
            table.move_cursor(row=min(max(index, 0), len(shown) - 1), scroll=False)
            # The new rows are measured on the next refresh; scrolling before stops short.
            table.call_after_refresh(table.scroll_to, y=scrolled, animate=False)
        names = list(report.coders)
        coders = listed(names) or "nobody (no codings yet)"
        title = Text(f"Agreement between {coders}, {counted_over(report)}.")
        if len(names) < 2:
            title = Text(
                f"Only {coders} has coded here, and agreement needs two coders or more: "
                "bring the others' coding in with qualcode merge (or import-coder)."
            )
        hidden = self._hidden_count()
        if hidden:
            kind = "codes" if self.by == "code" else "transcripts"
            title.append(f" {hidden} {kind} nobody coded are hidden: h shows them.", style="dim")
        self.query_one("#agreement-title", Label).update(title)
        units = f"{report.unit}s"
        self.query_one("#agreement-explain", Label).update(EXPLAIN.format(units=units))
        self._describe_highlighted()
        self.refresh_bindings()

    def _name_width(self, shown: list[tuple[AgreementRow, bool]], kappa: bool) -> int:
        """As wide as the screen allows once the columns that matter (alpha, kappa,
        coded, the note) have their room, so they never need scrolling to."""
        rows = [cells(r, kappa=kappa, heading=h) for r, h in shown]
        labels = columns(self.by, kappa)
        important = len(LEADING) - (0 if kappa else 1)
        needed = sum(
            max([len(labels[i + 1]), *(r[i + 1].cell_len for r in rows)]) + 2
            for i in range(important)
        )
        room = self.app.size.width - needed - 2 - 2  # the code column's padding, scrollbar
        return max(NAME_WIDTH[0], min(NAME_WIDTH[1], room))

    def on_resize(self) -> None:
        if self.unitized_view:
            if self.unitized is not None:
                self.show_unitized(self.UnitizedLoaded(self.unitized))
            return
        if self.report is not None and not self.with_suggestions:
            self.show(self.Loaded(self.report))

    @on(DataTable.RowHighlighted)
    def _describe_highlighted(self) -> None:
        if self.unitized_view:
            rows = self._unitized_rows()
            index = self.query_one(DataTable).cursor_row
            if 0 <= index < len(rows):
                self.query_one("#agreement-row", Label).update(describe_unitized(rows[index]))
            return
        if self.with_suggestions or self.report is None:
            self.query_one("#agreement-row", Label).update("")
            return
        shown = self._rows()
        index = self.query_one(DataTable).cursor_row
        if not 0 <= index < len(shown):
            return
        row, heading = shown[index]
        self.query_one("#agreement-row", Label).update(
            describe_row(row, self.report.unit, heading=heading)
        )

    def _row(self) -> AgreementRow | None:
        table = self.query_one(DataTable)
        if self.report is None or not table.row_count:
            return None
        index = table.cursor_row
        rows = self._rows()
        return rows[index][0] if 0 <= index < len(rows) else None

    def _all_rows(self) -> tuple[AgreementRow, ...]:
        assert self.report is not None
        return self.report.by_code if self.by == "code" else self.report.by_source

    def _rows(self) -> list[tuple[AgreementRow, bool]]:
        """The overall row first, then one per code or per source, each with whether it
        is only a heading: a theme nobody coded itself, kept (greyed, without figures)
        so that its coded sub-codes still sit under it. Rows nobody coded are left out
        unless asked for."""
        if self.report is None:
            return []
        rows = self._all_rows()
        if self.show_uncoded:
            return [(self.report.overall, False), *((r, False) for r in rows)]
        parents = ancestor_paths(r.label for r in rows if r.coded_by_any)
        kept = [
            (r, not r.coded_by_any)
            for r in rows
            if r.coded_by_any or (r.kind == "code" and r.label in parents)
        ]
        return [(self.report.overall, False), *kept]

    def _hidden_count(self) -> int:
        if self.report is None or self.show_uncoded:
            return 0
        return len(self._all_rows()) + 1 - len(self._rows())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_uncoded":
            # The suggestions' table has no such rows; otherwise the binding that does
            # what h does now (show when hidden, hide when shown).
            return not self.with_suggestions and bool(parameters) == self.show_uncoded
        if action == "toggle_unitized":
            return not self.with_suggestions and bool(parameters) == self.unitized_view
        if action == "toggle_confidence":
            return self.unitized_view
        if action in ("next_unit", "toggle_by", "toggle_suggestions", "compare"):
            # The unitized family has no unit, no per-source rows and no suggester.
            return not self.unitized_view
        return True

    def action_toggle_uncoded(self, hide: int = 0) -> None:
        self.show_uncoded = not self.show_uncoded
        self.notify(
            "Showing every row, greyed where nobody coded."
            if self.show_uncoded
            else "Rows nobody coded are hidden.",
            timeout=3,
        )
        if self.unitized_view:
            if self.unitized is not None:
                self.show_unitized(self.UnitizedLoaded(self.unitized))
        elif self.report is not None:
            self.show(self.Loaded(self.report))

    def action_toggle_unitized(self, back: int = 0) -> None:
        self.unitized_view = not self.unitized_view
        table = self.query_one(DataTable)
        table.clear(columns=True)  # the old rows are not what the title will say
        self.query_one("#agreement-row", Label).update("")
        self.refresh_bindings()
        if self.unitized_view:
            self.load()
        elif self.report is not None and self.report.unit == self.unit:
            self._show_report(self.report)
        else:
            self.load()

    def action_toggle_confidence(self) -> None:
        self.confidence = not self.confidence
        if self.confidence:
            self.load()
        elif self.unitized is not None:
            # Dropping the intervals needs no new work: the same figures without them.
            self.show_unitized(self.UnitizedLoaded(replace(self.unitized, confidence=())))

    @on(DataTable.RowSelected)
    def selected(self) -> None:
        self.action_compare()

    def action_compare(self) -> None:
        if self.unitized_view:
            return
        row = self._suggester_row() if self.with_suggestions else self._row()
        if row is None:
            return
        code = (row.uuid, row.label) if row.kind == "code" and row.uuid else None
        source = row.label if row.kind == "source" else None
        coders = list(self.report.coders) if self.report and self.coders else None
        self.app.push_screen(CompareScreen(source, code=code, coders=coders))

    def action_toggle_subcodes(self) -> None:
        self.include_subcodes = not self.include_subcodes
        self.notify(
            "A code's row now counts its sub-codes' coding as its own."
            if self.include_subcodes
            else "Each row counts only that very code's coding.",
            timeout=4,
        )
        self.load()

    def action_toggle_absent(self) -> None:
        self.absent_is_uncoded = not self.absent_is_uncoded
        self.notify(
            "A coder with no coding in a transcript now counts as not coding it."
            if self.absent_is_uncoded
            else "A coder with no coding in a transcript is left out there (missing data).",
            timeout=5,
        )
        self.load()

    def action_toggle_by(self) -> None:
        self.by = "source" if self.by == "code" else "code"
        if self.with_suggestions:
            if self.suggested is not None:
                self.show_suggestions(self.SuggestionsLoaded(self.suggested))
        elif self.report is not None:
            self.show(self.Loaded(self.report))

    def action_toggle_suggestions(self) -> None:
        self.with_suggestions = not self.with_suggestions
        if self.with_suggestions and self.unit not in SUGGESTED_UNITS:
            self.unit = "turn"
            self.notify(
                "The suggestions as one more coder, over turns (suggestions are made for "
                "turns or sentences, not characters).",
                timeout=5,
            )
        elif not self.with_suggestions:
            self.notify("Agreement between the coders alone.", timeout=3)
        self.suggested = None
        self.query_one(DataTable).clear()  # the old rows are not what the title will say
        self.query_one("#agreement-row", Label).update("")
        self.refresh_bindings()
        self.load()

    def action_save(self) -> None:
        report: AgreementReport | SuggesterAgreement | None = self.report
        kind = "agreement"
        if self.with_suggestions:
            report, kind = self.suggested, "agreement-with-suggestions"
        if self.unitized_view:
            if self.unitized is None:
                return
            # Both tables when the unit one is to hand; the unitized one leads the name.
            report, kind = self.report, "agreement-unitized"
            name = f"{kind}.xlsx"
        elif report is None:
            return
        else:
            name = f"{kind}-by-{self.by}-{report.unit}.xlsx"
        folder = reports_folder(self.app.project_path)
        ask_where_to_save(
            self.app,
            SaveAsDialog("Save the agreement table (.xlsx, .csv or .docx) as:", str(folder / name)),
            ".xlsx",
            lambda path: self.save(report, path, self.by),
        )

    @work(thread=True, group="agreement-save")
    def save(
        self, report: AgreementReport | SuggesterAgreement | None, path: Path, by: str
    ) -> None:
        backend = self.backend
        unitized = self.unitized
        try:
            if unitized is None and not isinstance(report, SuggesterAgreement):
                # The saved table carries the unitized family too (quick without intervals).
                unitized = backend.unitized(
                    coders=self.coders,
                    include_subcodes=self.include_subcodes,
                    absent_is_uncoded=self.absent_is_uncoded,
                )
            if isinstance(report, SuggesterAgreement):
                unitized = None
            backend.export_agreement(path, report, by=by, unitized=unitized)
        except (QualcodeError, OSError) as error:
            message = refused_export(error)
            self.app.call_from_thread(self.notify, message, severity="error", timeout=12)
            return
        self.app.call_from_thread(self.notify, f"Saved the agreement table to {path}", timeout=6)

    def action_next_unit(self) -> None:
        units = SUGGESTED_UNITS if self.with_suggestions else UNITS
        self.unit = (
            units[(units.index(self.unit) + 1) % len(units)] if self.unit in units else units[0]
        )
        self.notify(f"Agreement over {self.unit}s", timeout=2)
        self.load()

    def action_choose_coders(self) -> None:
        self._pick_coders()

    @work(thread=True, exclusive=True, group="agreement-coders")
    def _pick_coders(self) -> None:
        backend = self.backend
        # The consensus coder last: it is compared only when someone asks for it.
        names = sorted(backend.coder_names(), key=lambda n: n.casefold() == CONSENSUS_CODER)
        chosen = list(self.report.coders) if self.report else names

        def picked(coders: list[str] | None) -> None:
            if coders is None:
                return
            if len(coders) < 2:
                self.notify("Choose at least two coders.", severity="warning")
                return
            self.coders = coders
            self.load()

        self.app.call_from_thread(self.app.push_screen, PickCoders(names, chosen), picked)

    def action_back(self) -> None:
        self.app.pop_screen()
