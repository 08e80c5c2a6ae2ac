"""The qualcode terminal app: sources, the coding workbench, extracts and search."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import SystemCommand
from textual.binding import Binding
from textual.filter import LineFilter
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen

from qualcode.domain.errors import QualcodeError
from qualcode.domain.project_changes import Activity, ProjectChanges, summary
from qualcode.domain.terminal import printable
from qualcode.services.user_config import read_config, save_coder, save_setting
from qualcode.tui.app_host import AppHost
from qualcode.tui.backend import Backend
from qualcode.tui.colours import HIGH_CONTRAST
from qualcode.tui.commands import AppCommands, HasPaletteCommands
from qualcode.tui.export_messages import refused_export
from qualcode.tui.heap import HeapKeeper
from qualcode.tui.lazy import lazy
from qualcode.tui.messages import Failed
from qualcode.tui.screens.base import QualcodeScreen
from qualcode.tui.screens.code_picker import CodePicker, CodePickerResult
from qualcode.tui.screens.dialogs import TextPrompt
from qualcode.tui.screens.save_dialog import SaveAsDialog, ask_where_to_save, reports_folder
from qualcode.tui.screens.sources import SourcesScreen
from qualcode.tui.screens.transcript import TranscriptScreen
from qualcode.tui.terminal_guard import ControlCharacterFilter
from qualcode.tui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from textual.command import Provider
    from textual.worker import Worker

    from qualcode.services.project import ProjectLocation
    from qualcode.tui.exchange import Exchange
    from qualcode.tui.screens.agreement import AgreementScreen
    from qualcode.tui.screens.compare import CompareScreen
    from qualcode.tui.screens.extracts import ExtractsCodePicker, ExtractsScreen
    from qualcode.tui.screens.help import HelpScreen
    from qualcode.tui.screens.identifiers import IdentifiersScreen
    from qualcode.tui.screens.search import SearchScreen
else:
    # Loaded when first opened: the first screen should not wait for them (issue 13).
    AgreementScreen = lazy("qualcode.tui.screens.agreement", "AgreementScreen")
    CompareScreen = lazy("qualcode.tui.screens.compare", "CompareScreen")
    ExtractsScreen = lazy("qualcode.tui.screens.extracts", "ExtractsScreen")
    ExtractsCodePicker = lazy("qualcode.tui.screens.extracts", "ExtractsCodePicker")
    HelpScreen = lazy("qualcode.tui.screens.help", "HelpScreen")
    IdentifiersScreen = lazy("qualcode.tui.screens.identifiers", "IdentifiersScreen")
    SearchScreen = lazy("qualcode.tui.screens.search", "SearchScreen")


# How often to look for other coders' work (issue 15: seen within 2 s), and the least
# time between two notices about it, so a busy colleague does not become a nag.
LIVE_POLL_SECONDS = 0.5
LIVE_NOTICE_GAP_SECONDS = 10.0


class QualcodeApp(AppHost):
    CSS_PATH = "app.tcss"
    TITLE = "qualcode"
    BINDINGS = [
        Binding("f2", "toggle_contrast", "High contrast", show=False, id="app.toggle_contrast"),
        Binding("ctrl+q", "quit", "Quit", show=False, id="app.quit"),
    ]
    # In place of Textual's SystemCommandsProvider: AppCommands lists Textual's entries
    # too, and each screen adds its own (QualcodeScreen.COMMANDS).
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {AppCommands}
    # Stateless, so one for every app; Textual caches filtered lines per filter.
    _control_filter = ControlCharacterFilter()

    class Ready(Message):
        def __init__(self, backend: Backend) -> None:
            super().__init__()
            self.backend = backend

    class ChangesSeen(Message):
        """Someone (another coder, or this one in another window) changed the project."""

        def __init__(self, changes: ProjectChanges) -> None:
            super().__init__()
            self.changes = changes

    def __init__(
        self,
        project: Path | ProjectLocation,
        *,
        coder: str | None = None,
        open_source: str | None = None,
        show_hint: bool = False,
    ) -> None:
        super().__init__()
        self.location = project
        # Where suggested files (reports, exports) go and what they are named after: the
        # project file, or for a database project its label in the folder started from.
        self.project_path = project if isinstance(project, Path) else Path(project.label)
        self.coder = coder
        self.first_source = open_source
        self.show_hint = show_hint and not read_config().get("demo_hint_seen", False)
        self.backend: Backend | None = None
        self._exchange: Exchange | None = None
        self.heap = HeapKeeper(lambda: self.screen_stack)
        self._live_look: Worker[None] | None = None
        self._unseen_activity: Counter[tuple[str, str]] = Counter()
        self._last_live_notice = float("-inf")

    # --- start-up ----------------------------------------------------------------------

    def on_mount(self) -> None:
        self.register_theme(HIGH_CONTRAST)
        theme = read_config().get("theme")
        if isinstance(theme, str) and theme in self.available_themes:
            self.theme = theme
        on_server = not isinstance(self.location, Path) and not self.location.is_file
        if self.coder or on_server:
            # On a server the login says who is coding: the project is asked, not the person.
            self.open_project()
        else:
            prompt = TextPrompt(
                "Welcome. What name should your codings carry?",
                placeholder="e.g. Sam, or your initials",
            )
            self.push_screen(prompt, self._named)

    def _named(self, name: str | None) -> None:
        if not name:
            self.exit(message="qualcode needs a coder name to record who coded what.")
            return
        save_coder(name)
        self.coder = name
        self.open_project()

    @work(thread=True, exclusive=True, group="open")
    def open_project(self) -> None:
        try:
            backend = Backend.open(self.location, self.coder or "")
        except QualcodeError as error:
            self.post_message(Failed(str(error)))
            return
        self.post_message(self.Ready(backend))

    @on(Ready)
    def ready(self, message: Ready) -> None:
        self.backend = message.backend
        if not message.backend.coder:
            # A server login that is nobody's yet (its administrator's, before anyone
            # was added): the name to code under is asked for after all.
            prompt = TextPrompt(
                "Welcome. What name should your codings carry?",
                placeholder="e.g. Sam, or your initials",
            )
            self.push_screen(prompt, self._named_on_server)
            return
        self._started()

    def _named_on_server(self, name: str | None) -> None:
        if not name:
            self.exit(message="qualcode needs a coder name to record who coded what.")
            return
        assert self.backend is not None
        save_coder(name)
        self.coder = self.backend.coder = name
        self._started()

    def _started(self) -> None:
        # Start-up's objects stay all session: out of the collector's walks (see heap.py).
        self.heap.started()
        self.set_interval(1.0, self.heap.tick)
        self.poll_live()  # now, before the screens load: only later commits are news
        self.set_interval(LIVE_POLL_SECONDS, self.poll_live)
        self.push_screen(SourcesScreen(covered=bool(self.first_source)))
        if self.first_source:
            self.push_screen(TranscriptScreen(self.first_source, show_hint=self.show_hint))

    @on(Failed)
    def failed(self, message: Failed) -> None:
        self.exit(return_code=1, message=printable(message.text))

    # --- others' work, live (services/live.py) -----------------------------------------

    def poll_live(self) -> None:
        """Look for others' changes, unless the last look is still going."""
        if self.backend is None or (self._live_look and not self._live_look.is_finished):
            return
        self._live_look = self.look_for_changes()
        self._tell_activity()

    @work(thread=True, group="live", exit_on_error=False)
    def look_for_changes(self) -> None:
        # exit_on_error=False: a failed look (a disk hiccup) must never close the app
        # with the reader's work on screen; the next poll simply looks again.
        assert self.backend is not None
        changes = self.backend.live_changes()
        if changes.anything:
            self.post_message(self.ChangesSeen(changes))

    @on(ChangesSeen)
    def changes_seen(self, message: ChangesSeen) -> None:
        """Let every open screen that shows project data refresh what changed."""
        for screen in self.screen_stack:
            if isinstance(screen, QualcodeScreen):
                screen.live_refresh(message.changes)
        me = self.backend.shown_coder.strip() if self.backend else ""  # stored stripped
        # Coding blind, others' coding stays out of sight, news of it included.
        blind = bool(self.backend and self.backend.blind)
        for item in message.changes.activity:
            if item.coder == me or (blind and item.action.startswith(("coding.", "consensus."))):
                continue
            self._unseen_activity[(item.coder, item.action)] += item.count
        self._tell_activity()

    def _tell_activity(self) -> None:
        if not self._unseen_activity:
            return
        if monotonic() - self._last_live_notice < LIVE_NOTICE_GAP_SECONDS:
            return
        activity = [Activity(c, a, n) for (c, a), n in self._unseen_activity.items()]
        self._unseen_activity.clear()
        self._last_live_notice = monotonic()
        self.notify(summary(activity), timeout=4)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseEvent)):
            self.heap.saw_input()
        # Keys typed just after the one that opened a code picker reach the app from the
        # screen below; they were meant for the picker (see CodePicker.type_ahead).
        if isinstance(event, events.Key) and event.is_forwarded and self.screen_stack:
            picker = self.screen_stack[-1]
            if isinstance(picker, CodePicker) and await picker.type_ahead(event):
                return
        await super().on_event(event)

    def on_unmount(self) -> None:
        self.heap.stopped()
        if self.backend is not None:
            self.backend.close()

    # --- navigation --------------------------------------------------------------------

    def _pop_to(self, kind: type[Screen[None]]) -> Screen[None] | None:
        """Pop screens until one of ``kind`` is on top; None if there is none."""
        if not any(isinstance(screen, kind) for screen in self.screen_stack):
            return None
        while not isinstance(self.screen, kind):
            self.pop_screen()
        return self.screen

    def open_source(self, name: str, select: tuple[int, int] | None = None) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, TranscriptScreen) and screen.source == name:
                self._pop_to(TranscriptScreen)
                if select:
                    screen.jump_to(*select)
                return
        self._pop_to(SourcesScreen)
        self.push_screen(TranscriptScreen(name, select=select))

    def action_sources(self) -> None:
        self._pop_to(SourcesScreen)

    def action_extracts(self, code_uuid: str | None = None) -> None:
        if code_uuid:
            self.show_extracts(code_uuid)
        else:
            self.pick_code_for_extracts()

    def pick_code_for_extracts(self) -> None:
        def chosen(result: CodePickerResult | None) -> None:
            if result and result.apply:
                self.show_extracts(result.apply[0])

        # Open at once and load the codes into it: keys typed meanwhile must reach the
        # picker, not the screen below (where "q" quits and "u" undoes).
        picker = ExtractsCodePicker()
        self.push_screen(picker, chosen)
        self.load_picker_codes(picker)

    @work(thread=True, exclusive=True, group="pick")
    def load_picker_codes(self, picker: CodePicker) -> None:
        assert self.backend is not None
        codes = self.backend.codes()
        self.call_from_thread(picker.set_codes, codes)

    @work(thread=True, exclusive=True, group="pick")
    def show_extracts(self, code_uuid: str) -> None:
        assert self.backend is not None
        path = next((c.path for c in self.backend.codes() if c.uuid == code_uuid), code_uuid)
        self.call_from_thread(self.push_screen, ExtractsScreen(code_uuid, path))

    def action_search(self, source: str | None = None) -> None:
        self.push_screen(SearchScreen(source))

    def action_search_project(self) -> None:
        self.push_screen(SearchScreen(None))

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Toasts carry code names, quotes, file names and errors: "[crosstalk]" must show
        as written, so they are never read as markup (widgets' notify passes markup=True
        along), and controls in them show as visible pictures."""
        super().notify(
            printable(message),
            title=printable(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's own filters, then the net that keeps controls off the terminal."""
        return [*super().get_line_filters(), self._control_filter]

    def action_toggle_blind(self) -> None:
        self.toggle_blind()

    @work(thread=True, exclusive=True, group="blind")
    def toggle_blind(self) -> None:
        assert self.backend is not None
        on = self.backend.set_blind(not self.backend.blind_mode())
        note = (
            "Blind coding on: only your codings are shown, so your coding stays independent. "
            "Others' codings are still in the project."
            if on
            else "Blind coding off: everyone's codings are shown."
        )
        self.call_from_thread(self._blind_changed, note)

    def _blind_changed(self, note: str) -> None:
        self.notify(note, timeout=6)
        screen = self.screen
        if isinstance(screen, TranscriptScreen):
            screen.load()
        for bar in screen.query(TitleBar):
            bar.show()

    def action_compare(self, source: str | None = None) -> None:
        """The compare view, on ``source`` (or the open transcript, or the first
        transcript with a disagreement)."""
        if source is None and isinstance(self.screen, TranscriptScreen):
            source = self.screen.source
        self.push_screen(CompareScreen(source))

    def action_agreement(self) -> None:
        self.push_screen(AgreementScreen())

    def action_identifiers(self) -> None:
        self.push_screen(IdentifiersScreen())

    def action_export_report(self, consensus: bool = False, reliability: bool = False) -> None:
        """Ask where (in a reports folder beside the project), showing how quotes will
        be attributed, then write the Word report (in a worker): everyone's coding, or
        with ``consensus`` only the version the group agreed in a review; with
        ``reliability`` it holds the reliability statement for the methods section."""
        assert self.backend is not None
        label = self.backend.project.location.label
        name = f"{label}-{'agreed' if consensus else 'report'}.docx"
        whose = "the agreed version" if consensus else "everyone's coding"
        extra = ", with a reliability statement" if reliability else ""
        dialog = SaveAsDialog(
            f"Save the Word report (every code, {whose}{extra}) as:",
            str(reports_folder(self.project_path) / name),
            preview=True,
        )

        def save(path: Path) -> None:
            self.notify(f"Writing {path}…", timeout=3)
            self.export_report(path, consensus, reliability)

        ask_where_to_save(self, dialog, ".docx", save)
        self.load_attribution_preview(dialog, consensus)

    @work(thread=True, exclusive=True, group="export-preview")
    def load_attribution_preview(self, dialog: SaveAsDialog, consensus: bool) -> None:
        assert self.backend is not None
        try:
            found = self.backend.preview_attributions(consensus=consensus)
        except QualcodeError as error:
            self.call_from_thread(dialog.set_preview, (), refused_export(error))
            return
        self.call_from_thread(dialog.set_preview, found)

    @work(thread=True, exclusive=True, group="export")
    def export_report(self, path: Path, consensus: bool = False, reliability: bool = False) -> None:
        assert self.backend is not None
        try:
            result = self.backend.export_report(path, consensus=consensus, reliability=reliability)
        except (QualcodeError, OSError) as error:
            message = refused_export(error)
            self.call_from_thread(self.notify, message, severity="error", timeout=15)
            return
        self.call_from_thread(
            self.notify,
            f"Wrote {result.path}: {result.extracts} quotes under {result.codes} codes; "
            f"read back {result.checked} pieces of text and found no registered identifier.",
            timeout=8,
        )

    # --- codebooks and projects in and out (tui/exchange.py) ------------------------------

    @property
    def exchange(self) -> Exchange:
        if self._exchange is None:
            from qualcode.tui.exchange import Exchange

            self._exchange = Exchange(self)
        return self._exchange

    def project_changed(self) -> None:
        """Show what an import or a merge changed: reload the screen on top."""
        screen = self.screen
        if isinstance(screen, TranscriptScreen):
            screen.load()
        elif isinstance(screen, SourcesScreen):
            screen.refresh_rows()
        for bar in screen.query(TitleBar):
            bar.show()

    def hint_dismissed(self) -> None:
        save_setting("demo_hint_seen", True)

    # --- help, theme, palette ----------------------------------------------------------

    def action_help(self) -> None:
        rows: list[tuple[str, str]] = []
        seen: set[tuple[str, str]] = set()
        for key, active in self.screen.active_bindings.items():
            description = active.binding.description
            if not description or (key, description) in seen:
                continue
            seen.add((key, description))
            rows.append((self.get_key_display(active.binding), description))
        self.push_screen(
            HelpScreen(
                [
                    ("Keys on this screen", rows),
                    (
                        "Everywhere",
                        [
                            ("ctrl+p", "Command palette"),
                            ("f2", "High-contrast theme on/off"),
                            ("ctrl+q", "Quit"),
                        ],
                    ),
                ]
            )
        )

    def action_toggle_contrast(self) -> None:
        self.theme = "textual-dark" if self.theme == HIGH_CONTRAST.name else HIGH_CONTRAST.name
        save_setting("theme", self.theme)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every entry the command palette offers on ``screen``: the app's and the
        screen's own, as its providers (tui/commands.py) list them."""
        yield from self.app_commands(screen)
        if isinstance(screen, HasPaletteCommands):
            yield from screen.palette_commands()

    def app_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette's entries on every screen (AppCommands lists them): Textual's
        own, then qualcode's."""
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "High contrast", "Switch the high-contrast theme on or off", self.action_toggle_contrast
        )
        yield SystemCommand("Transcripts", "Back to the list of transcripts", self.action_sources)
        yield SystemCommand("Extracts", "Every passage coded with a code", self.action_extracts)
        yield SystemCommand(
            "Search all transcripts", "Exact or fuzzy search", self.action_search_project
        )
        yield SystemCommand("Help", "Every key and how to code", self.action_help)
        yield SystemCommand(
            "Blind coding on/off",
            "Hide everyone else's codings while you code (remembered for this project)",
            self.action_toggle_blind,
        )
        yield SystemCommand(
            "Export Word report",
            "Quotes under every code, attributed by group and area, with evidence tables",
            self.action_export_report,
        )
        yield SystemCommand(
            "Export Word report of the agreed version",
            "The same report on the consensus a peer review agreed, not everyone's coding",
            lambda: self.action_export_report(consensus=True),
        )
        yield SystemCommand(
            "Export Word report with a reliability statement",
            "The report with a methods paragraph: unitized alpha with intervals, how much "
            "was double-coded, the codebook's version and how the review settled things",
            lambda: self.action_export_report(reliability=True),
        )
        yield SystemCommand(
            "Identifier register",
            "Names and places replaced in every export, and suggestions",
            self.action_identifiers,
        )
        yield SystemCommand(
            "Compare coders",
            "Coders side by side on a transcript; walk, discuss and decide disagreements",
            self.action_compare,
        )
        yield SystemCommand(
            "Agreement between coders",
            "Krippendorff's unitized alpha family, or kappa and alpha by characters, per code",
            self.action_agreement,
        )
        yield SystemCommand(
            "Export codebook (.qdc)",
            "The codebook as a REFI-QDA file for NVivo, ATLAS.ti, MAXQDA or QualCoder",
            self.exchange.export_codebook,
        )
        yield SystemCommand(
            "Import codebook (.qdc or .yaml)",
            "Merge a codebook from another tool or a colleague; nothing is removed",
            self.exchange.import_codebook,
        )
        yield SystemCommand(
            "Export project (.qdpx)",
            "The whole project for NVivo, ATLAS.ti, MAXQDA or QualCoder, with the original "
            "transcripts (for your own use)",
            self.exchange.export_project,
        )
        yield SystemCommand(
            "Export project (.qdpx), pseudonymised",
            "The whole project with the identifier register applied, to share or archive",
            lambda: self.exchange.export_project(pseudonymise=True),
        )
        yield SystemCommand(
            "Import a .qdpx as a new project",
            "Make a new project from another tool's REFI-QDA file; this one is not changed",
            self.exchange.import_project,
        )
        yield SystemCommand(
            "Merge a .qdpx or another project into this one",
            "Bring in a colleague's .qcp or another tool's .qdpx by UUID (backed up first)",
            self.exchange.merge_in,
        )
