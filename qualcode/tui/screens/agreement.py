"""Agreement between coders: a row per code (or per source) and one for everything, as
the CLI reports.

Enter on a code opens the compare view on that code, at its first disagreement; on a
source, the compare view of that source. The table can be saved for a report.

``s`` adds the suggester as one more coder (issue 12): a row per code and coder, kappa
and alpha between the suggestions and that coder, the coders' own alpha beside them.
Suggestions are made for turns or sentences, so that view skips the character unit.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from qualcode.domain.agreement import (
    AgreementReport,
    AgreementRow,
    row_notes,
    shown_count,
    shown_statistic,
)
from qualcode.domain.errors import QualcodeError
from qualcode.domain.reports import CONSENSUS_CODER
from qualcode.domain.suggester_agreement import (
    SuggesterAgreement,
    SuggesterRow,
    shown_suggester_row,
    suggester_rows,
)
from qualcode.tui.export_messages import refused_export
from qualcode.tui.screens.compare import CompareScreen
from qualcode.tui.screens.review_dialogs import PickCoders
from qualcode.tui.screens.save_dialog import SaveAsDialog, ask_where_to_save, reports_folder
from qualcode.tui.widgets.title_bar import TitleBar

UNITS = ("character", "sentence", "turn")
SUGGESTED_UNITS = ("turn", "sentence")  # what suggestions are made for
COLUMNS = ("Agree", "Kappa", "Alpha", "Coded", "By all", "By some", "Units", "Notes")
EXPLAIN = (
    "Agree: percent agreement. Kappa: Cohen's, for exactly two coders. Alpha: "
    "Krippendorff's. Coded: {units} anyone coded, by all of the coders, by only some. "
    "Units: {units} compared. u changes the unit, o the coders, b code/source rows, "
    "i counts sub-codes, m treats a coder missing from a transcript as not coding it, "
    "w saves the table, s adds the suggestions as a coder; enter compares."
)
SUGGESTER_COLUMNS = (
    "Coder",
    "Kappa",
    "Alpha",
    "Coders' α",
    "Agree",
    "Both",
    "Sugg. only",
    "Coder only",
    "Units",
    "Notes",
)
SUGGESTER_EXPLAIN = (
    "Each row: the suggestions against one coder, over the {units} the suggester scores "
    "(participants' {units}; interviewer turns are left out) in transcripts the coder "
    "coded. The suggestions are those made at the suggester's threshold, each transcript "
    "scored by a model that did not learn from its own coding. Kappa, Alpha: of the pair. "
    "Coders' α: the coders among themselves over the same {units}, the bar to compare "
    "with. Both / Sugg. only / Coder only: {units} coded by both, by one. s goes back to "
    "the coders alone; u changes the unit, b code/source rows, w saves the table."
)


def cells(row: AgreementRow) -> tuple[Text, ...]:
    """A row's cells as literal text (code names may hold square brackets)."""
    numbers = (
        shown_statistic(row.percent_agreement, percent=True),
        shown_statistic(row.kappa) if len(row.coders) == 2 else "",
        shown_statistic(row.alpha),
        shown_count(row.coded_by_any),
        shown_count(row.coded_by_all),
        shown_count(row.coded_by_some),
        shown_count(row.units),
    )
    # The codebook's tree by indentation: full paths would push the numbers off screen.
    depth = row.label.count(" > ")
    name = row.label.rsplit(" > ", 1)[-1]
    if len(name) > 48:
        name = name[:47] + "…"
    label = Text("  " * depth + name, style="bold" if row.kind == "overall" else "")
    if not row.coded_by_any:
        label.stylize("dim")
    return (
        label,
        *(Text(n, justify="right") for n in numbers),
        Text(row_notes(row), style="dim"),
    )


def suggester_cells(row: SuggesterRow, first: bool) -> tuple[Text, ...]:
    """A suggestions-against-a-coder row's cells; the code is named on its first row."""
    shown = shown_suggester_row(row)
    # label, coder, units, both, sugg. only, coder only, agree, kappa, alpha, coders' alpha
    numbers = (shown[7], shown[8], shown[9], shown[6], shown[3], shown[4], shown[5], shown[2])
    depth = row.label.count(" > ")
    name = row.label.rsplit(" > ", 1)[-1]
    if len(name) > 40:
        name = name[:39] + "…"
    label = Text(
        "  " * depth + name if first else "", style="bold" if row.kind == "overall" else ""
    )
    coder = Text(row.coder)
    if not (row.both or row.suggestions_only or row.coder_only):
        coder.stylize("dim")
    return (
        label,
        coder,
        *(Text(n, justify="right") for n in numbers),
        Text(shown[10], style="dim"),
    )


def listed(names: list[str]) -> str:
    """Names as a sentence lists them: "Ann, Bo and Cy"."""
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


def counted_over(report: AgreementReport | SuggesterAgreement) -> str:
    """What a report's figures count, for its title: the unit, then the options chosen."""
    options = [f"over {report.unit}s"]
    if report.include_subcodes:
        options.append("sub-codes counted with their codes")
    if report.absent_is_uncoded:
        options.append("a coder missing from a transcript counts as not coding it")
    return "; ".join(options)


class AgreementScreen(Screen[None]):
    BINDINGS = [
        Binding("enter", "compare", "Compare this code"),
        Binding("u", "next_unit", "Unit"),
        Binding("o", "choose_coders", "Coders"),
        Binding("b", "toggle_by", "By code / source"),
        Binding("i", "toggle_subcodes", "Sub-codes", show=False),
        Binding("m", "toggle_absent", "Missing = not coded", show=False),
        Binding("s", "toggle_suggestions", "Suggestions as a coder"),
        Binding("w", "save", "Save table"),
        Binding("escape", "back", "Back"),
        Binding("question_mark,f1", "app.help", "Help"),
    ]

    class Loaded(Message):
        def __init__(self, report: AgreementReport) -> None:
            super().__init__()
            self.report = report

    class SuggestionsLoaded(Message):
        """The suggestions against each coder, worked out."""

        def __init__(self, report: SuggesterAgreement) -> None:
            super().__init__()
            self.report = report

    def __init__(self, coders: list[str] | None = None, unit: str = "character") -> None:
        super().__init__()
        self.coders = coders
        self.unit = unit
        self.by = "code"
        self.include_subcodes = False
        self.absent_is_uncoded = False
        self.with_suggestions = False
        self.report: AgreementReport | None = None
        self.suggested: SuggesterAgreement | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar("Agreement between coders")
        yield Label("Working out agreement…", id="agreement-title", classes="screen-hint")
        yield DataTable(id="agreement", cursor_type="row", zebra_stripes=True)
        yield Label("", id="agreement-explain", classes="screen-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.load()

    def load(self) -> None:
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
        backend = self.app.backend  # type: ignore[attr-defined]
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
        self.post_message(
            self.SuggestionsLoaded(report) if with_suggestions else self.Loaded(report)
        )

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
        if self.with_suggestions or message.report.unit != self.unit:
            return  # a result the screen has moved on from
        report = self.report = message.report
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns("Code" if self.by == "code" else "Source", *COLUMNS)
        for row in self._rows():
            table.add_row(*cells(row), key=row.uuid or row.label)
        names = list(report.coders)
        coders = listed(names) or "nobody (no codings yet)"
        title = f"Agreement between {coders}, {counted_over(report)}."
        if len(names) < 2:
            title = (
                f"Only {coders} has coded here, and agreement needs two coders or more: "
                "bring the others' coding in with qualcode merge (or import-coder)."
            )
        self.query_one("#agreement-title", Label).update(Text(title))
        units = f"{report.unit}s"
        self.query_one("#agreement-explain", Label).update(EXPLAIN.format(units=units))

    def _row(self) -> AgreementRow | None:
        table = self.query_one(DataTable)
        if self.report is None or not table.row_count:
            return None
        index = table.cursor_row
        rows = self._rows()
        return rows[index] if index < len(rows) else None

    def _rows(self) -> list[AgreementRow]:
        """The overall row first, then one per code or per source."""
        if self.report is None:
            return []
        report = self.report
        return [report.overall, *(report.by_code if self.by == "code" else report.by_source)]

    @on(DataTable.RowSelected)
    def selected(self) -> None:
        self.action_compare()

    def action_compare(self) -> None:
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
        self.load()

    def action_save(self) -> None:
        report: AgreementReport | SuggesterAgreement | None = self.report
        kind = "agreement"
        if self.with_suggestions:
            report, kind = self.suggested, "agreement-with-suggestions"
        if report is None:
            return
        folder = reports_folder(self.app.project_path)  # type: ignore[attr-defined]
        suggested = folder / f"{kind}-by-{self.by}-{report.unit}.xlsx"
        ask_where_to_save(
            self.app,
            SaveAsDialog("Save the agreement table (.xlsx, .csv or .docx) as:", str(suggested)),
            ".xlsx",
            lambda path: self.save(report, path, self.by),
        )

    @work(thread=True, group="agreement-save")
    def save(self, report: AgreementReport | SuggesterAgreement, path: Path, by: str) -> None:
        try:
            self.app.backend.export_agreement(path, report, by=by)  # type: ignore[attr-defined]
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
        backend = self.app.backend  # type: ignore[attr-defined]
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
