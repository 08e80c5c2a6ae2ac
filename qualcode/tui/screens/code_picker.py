"""The code picker: apply codes to the selected passage by typing a few letters.

Coding is the thing researchers do hundreds of times a session, with their eyes on
the transcript rather than on a tree of 60+ codes. So the picker opens with the
cursor in a search box, forgives typos, shows each code's definition and
include/exclude rules before it is applied (peer researchers check a code fits
rather than guess), and can mark several codes for one passage. When no code fits,
a new code (named from what was typed) or an in-vivo code (named from the
participant's own words) is one key away.

The picker changes nothing itself: it returns a ``CodePickerResult`` and the app
does the database work, so the dialog stays a pure view that is easy to test.

Keys act in the order typed, however fast they come. A paste, a fast typist or a
slow SSH link delivers "c", a code's name and enter together; Textual would run
enter's binding before the search box had taken the letters in front of it, and
would hand letters typed before the picker opened to the screen underneath. So the
search box runs the picker's keys itself as each arrives, the app passes the picker
any keys that were typed before it opened, and enter always applies what the text
in the box selects at that moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from qualcode.domain.codebook import PATH_SEPARATOR, check_code_name, leaf, parent_of
from qualcode.domain.errors import ValidationError
from qualcode.domain.records import CodeRecord
from qualcode.services.code_search import CodeMatch, rank_codes

__all__ = ["CodeList", "CodePicker", "CodePickerResult", "SearchBox", "in_vivo_name"]

IN_VIVO_MAX_CHARS = 60
# Two lines of an 80-column terminal, so the ellipsis shows that there is more.
PASSAGE_MAX_CHARS = 140
MAX_SHOWN = 100
LOADING = "Loading codes…"
HINT = "enter apply · tab mark several · ctrl+n new code · ctrl+v in-vivo code · esc cancel"

ALREADY = "✓"
MARKED = "+"
SWATCH = "■"
# Styles for emphasis that read the same on dark and light themes: no fixed colours.
MATCH_STYLE = "bold underline"
DIM = "dim"

_QUOTES = "\"'“”‘’«»„‟‚‹›`"
_LONE_QUOTES = '"“”«»„'
# Selection edges often catch the punctuation that joined the quote to its sentence.
_TRAILING_JOINERS = ",;:–—-"


# Moving through the list of codes, the same in every picker.
LIST_KEYS: list[BindingType] = [
    Binding("up", "cursor_up", "Previous code", show=False, id="code-picker.cursor_up"),
    Binding("down", "cursor_down", "Next code", show=False, id="code-picker.cursor_down"),
    Binding("pageup", "page_up", "Page up", show=False, id="code-picker.page_up"),
    Binding("pagedown", "page_down", "Page down", show=False, id="code-picker.page_down"),
]


@dataclass(frozen=True, slots=True)
class CodePickerResult:
    """What the person chose, for the app to carry out.

    ``apply`` holds UUIDs of existing codes to apply to the passage (never codes
    already on it). When ``new_code_name`` is set the app should also create that
    code under ``new_code_parent`` (a UUID, or None for the top level) and apply it
    too; ``in_vivo`` says the name is the participant's own words.
    """

    apply: tuple[str, ...] = ()
    new_code_name: str | None = None
    new_code_parent: str | None = None
    in_vivo: bool = False


def _shorten(text: str, max_chars: int) -> str:
    """``text`` cut at a word boundary to at most ``max_chars``, with an ellipsis."""
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(_TRAILING_JOINERS + " .") + "…"


def in_vivo_name(text: str, max_chars: int = IN_VIVO_MAX_CHARS) -> str | None:
    """An in-vivo code name from a participant's words: “like this”, or None if empty.

    Whitespace is collapsed, quotes already around the selection are dropped (we add
    curly ones, as in-vivo codes conventionally carry), long passages are cut at a
    word boundary, and ">" becomes "›" because ">" separates a code's path.
    """
    words = _unquote(text).replace(">", "›")
    return f"“{_shorten(words, max_chars - 2)}”" if words else None


def _unquote(text: str) -> str:
    """``text`` on one line without the quotes and joining punctuation around it.

    Quotes come off in pairs, so an inner quote that ends the passage stays
    (“they said ‘not our remit’”); a lone opening or closing double quote left by
    a selection that started or stopped at it comes off too. A lone single quote
    stays: it is as likely an apostrophe ("goin'").
    """
    words = " ".join(text.split())
    previous = None
    while words != previous:
        previous = words
        words = words.rstrip(_TRAILING_JOINERS).strip()
        if not words:
            break
        if len(words) >= 2 and words[0] in _QUOTES and words[-1] in _QUOTES:
            words = words[1:-1].strip()
        elif words[0] in _LONE_QUOTES and not any(q in words[1:] for q in _LONE_QUOTES):
            words = words[1:].strip()
        elif words[-1] in _LONE_QUOTES and not any(q in words[:-1] for q in _LONE_QUOTES):
            words = words[:-1].strip()
    return words


def _parent_path(code: CodeRecord) -> str:
    return parent_of(code.path)


def _swatch(code: CodeRecord) -> tuple[str, str]:
    # A hollow square for an uncoloured code keeps the columns lined up.
    return (SWATCH, code.colour) if code.colour else ("□", DIM)


def code_row(match: CodeMatch, *, already: bool, marked: bool, as_tree: bool) -> Content:
    """One line of the list: state, colour swatch, name with the typed letters lit.

    The state column uses symbols and the name is always written out, so nothing
    depends on seeing colour.
    """
    code = match.code
    state = (ALREADY, "bold") if already else (MARKED, "bold") if marked else (" ", "")
    name = Content(code.name)
    for start, end in match.matched:
        name = name.stylize(MATCH_STYLE, start, end)
    parts: list[str | Content | tuple[str, str]] = [state, " ", _swatch(code), " "]
    if as_tree:
        parts.append("  " * code.depth)
        parts.append(name)
    else:
        parts.append(name)
        parent = _parent_path(code)
        if parent:
            # The immediate parent tells same-named codes apart; the full path is long.
            parts.append((f"  · {leaf(parent)}", DIM))
    return Content.assemble(*parts)


def code_details(code: CodeRecord, *, already: bool) -> Content:
    """The highlighted code's place, definition and rules, to check it fits."""
    parent = _parent_path(code)
    parts: list[str | Content | tuple[str, str]] = []
    if parent:
        parts.append((parent + PATH_SEPARATOR, DIM))
    parts.append((code.name, "bold"))
    if already:
        parts.append((f"  {ALREADY} already on this passage", "bold"))
    parts.append("\n")
    parts.append(code.definition or ("No definition yet.", DIM))
    for label, text in (("Include: ", code.include), ("Exclude: ", code.exclude)):
        if text:
            parts.extend(["\n", (label, "bold"), text])
    return Content.assemble(*parts)


def _hint() -> Content:
    parts: list[str | tuple[str, str]] = []
    for index, item in enumerate(HINT.split(" · ")):
        key, _, words = item.partition(" ")
        if index:
            parts.append((" · ", DIM))
        parts.extend([(key, "bold"), f" {words}"])
    return Content.assemble(*parts)


class CodeList(OptionList, can_focus=False):
    """The matching codes. Never focused: typing stays in the search box above."""


def _actions_by_key(bindings: Iterable[BindingType]) -> dict[str, str]:
    actions: dict[str, str] = {}
    for binding in bindings:
        if isinstance(binding, Binding):
            for key in binding.key.split(","):
                actions.setdefault(key.strip(), binding.action)
    return actions


class SearchBox(Input):
    """The picker's search box: runs each key's action the moment the key arrives.

    Textual runs a binding only once its key has travelled up to the app, and by then
    the box may have taken letters typed after it: "risk" then enter would apply
    what "ris" found, "stigma" ctrl+u "mistrust" would clear both words. Running the
    picker's keys (enter, tab, arrows...) and the box's own editing keys here, in
    the box's queue, keeps them in the order typed.
    """

    EDITING_KEYS: ClassVar[dict[str, str]] = _actions_by_key(Input.BINDINGS)

    def __init__(self, picker_keys: dict[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.picker_keys = picker_keys

    @classmethod
    def takes_key(cls, event: events.Key, picker_keys: dict[str, str]) -> bool:
        """Whether the box acts on this key (the rest go on up to the app)."""
        key = event.key
        return event.is_printable or key in picker_keys or key in cls.EDITING_KEYS

    async def type_key(self, event: events.Key) -> None:
        """Act on one key that ``takes`` accepted, as if it had just been typed here."""
        action = self.picker_keys.get(event.key)
        if action is not None:
            await self.screen.run_action(action)
        elif event.key in self.EDITING_KEYS:
            await self.run_action(self.EDITING_KEYS[event.key])
        elif event.character is not None:
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(event.character)
            else:
                self.replace(event.character, *selection)

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable:
            return  # Input's own handler inserts it
        if self.takes_key(event, self.picker_keys):
            event.stop()
            event.prevent_default()
            await self.type_key(event)


class CodePicker(ModalScreen[CodePickerResult | None]):
    """Choose codes for one passage; dismisses with a ``CodePickerResult`` or None.

    Keys work while typing goes on in the search box: arrows move the highlight,
    enter applies, tab marks several, ctrl+n and ctrl+v make new codes, esc cancels.
    A mouse click on a code applies it (with any marked codes).

    ``codes`` may be None while the caller still loads them: the box takes typing at
    once, and an enter pressed before they arrive applies when they do.
    """

    DEFAULT_CSS = """
    CodePicker {
        align: center middle;
    }
    CodePicker > #picker {
        width: 100%;
        max-width: 110;
        height: 100%;
        max-height: 40;
        margin: 1 0;
        padding: 0 1;
        border: round $primary;
        border-title-color: $text;
        background: $surface;
    }
    CodePicker #passage {
        max-height: 2;
        color: $text-muted;
    }
    CodePicker #codes {
        height: 1fr;
        min-height: 3;
        border: none;
        padding: 0;
        background: $surface;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    CodePicker #details {
        height: 6;
        border-top: solid $primary 40%;
        scrollbar-size-vertical: 1;
    }
    CodePicker #message {
        color: $text-warning;
        display: none;
    }
    CodePicker #message.-shown {
        display: block;
    }
    CodePicker #hint {
        color: $text-muted;
    }
    """

    # The search box runs these itself, before its own bindings, in the order typed
    # (see SearchBox); none is a priority binding, which would jump the queue.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "apply", "Apply code", id="code-picker.apply"),
        # tab reaches every terminal; ctrl+space is the multi-select key in some tools
        # but many terminals and macOS swallow it, so it is only an alternative.
        Binding(
            "tab,ctrl+space,ctrl+@", "toggle_mark", "Mark several", id="code-picker.toggle_mark"
        ),
        # Taken before the box's ctrl+v (paste): a terminal paste still works, it
        # arrives as a paste event, not as ctrl+v.
        Binding("ctrl+n", "new_code", "New code", id="code-picker.new_code"),
        Binding("ctrl+v", "in_vivo", "In-vivo code", id="code-picker.in_vivo"),
        Binding("escape", "cancel", "Cancel", id="code-picker.cancel"),
        *LIST_KEYS,
    ]
    AUTO_FOCUS = "#filter"

    def __init__(
        self,
        codes: Sequence[CodeRecord] | None,
        selected_text: str,
        already: set[str] | frozenset[str] = frozenset(),
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        # A tuple, so the search reuses its word index for every keystroke.
        self.codes: tuple[CodeRecord, ...] = tuple(codes or ())
        self.loading = codes is None
        self.selected_text = selected_text
        self.already: frozenset[str] = frozenset(already)
        self._by_uuid = {code.uuid: code for code in self.codes}
        self._marked: dict[str, None] = {}  # insertion-ordered set: the order marked
        self._matches: dict[str, CodeMatch] = {}
        self._query = ""
        self._apply_when_loaded = False
        self._keys = _actions_by_key(self.BINDINGS)
        # Keys typed before the box was ready, typed into it in order on mount.
        self._early_keys: list[events.Key] = []
        self._ready = False

    # --- layout -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="picker") as picker:
            picker.border_title = "Apply a code"
            passage = _shorten(_unquote(self.selected_text), PASSAGE_MAX_CHARS)
            yield Static(Content.assemble(("Coding ", "bold"), f"“{passage}”"), id="passage")
            yield SearchBox(self._keys, placeholder="Type to find a code…", id="filter")
            yield CodeList(id="codes")
            details = VerticalScroll(Static(id="details-text"), id="details")
            details.can_focus = False  # focus must stay in the search box
            yield details
            yield Static(id="message")
            yield Static(_hint(), id="hint")

    async def on_mount(self) -> None:
        self._show_codes("")
        while self._early_keys:
            await self.search_box.type_key(self._early_keys.pop(0))
        self._ready = True

    @property
    def search_box(self) -> SearchBox:
        return self.query_one("#filter", SearchBox)

    @property
    def code_list(self) -> CodeList:
        return self.query_one("#codes", CodeList)

    @property
    def marked(self) -> tuple[str, ...]:
        """UUIDs of the codes marked to apply together, in the order marked."""
        return tuple(self._marked)

    @property
    def highlighted_code(self) -> CodeRecord | None:
        option = self.code_list.highlighted_option
        return self._by_uuid.get(option.id) if option and option.id else None

    def _row(self, match: CodeMatch) -> Content:
        uuid = match.code.uuid
        return code_row(
            match,
            already=uuid in self.already,
            marked=uuid in self._marked,
            as_tree=not self._query.strip(),
        )

    def _sync(self) -> None:
        """Show the codes for the text in the box now, if not shown already."""
        value = self.search_box.value
        if value != self._query:
            self._show_codes(value)

    def _show_codes(self, query: str) -> None:
        self._query = query
        if self.loading:
            self.code_list.clear_options()
            self._show_details()
            self._say(LOADING)
            return
        matches = rank_codes(query, self.codes)
        hidden = 0
        if query.strip() and len(matches) > MAX_SHOWN:
            # Drawing hundreds of weak matches costs more than ranking them, and
            # nobody scrolls that far: the next letter typed narrows the list.
            hidden = len(matches) - MAX_SHOWN
            matches = matches[:MAX_SHOWN]
        self._matches = {match.code.uuid: match for match in matches}
        options = [Option(self._row(m), id=m.code.uuid) for m in matches]
        if hidden:
            more = Content.styled(f"  … {hidden} weaker matches: keep typing to narrow", DIM)
            options.append(Option(more, disabled=True))
        code_list = self.code_list
        code_list.set_options(options)
        code_list.highlighted = 0 if matches else None
        self._show_details()
        if matches or not query.strip():
            self._say_marked()
        else:
            self._say(f"No code matches “{query.strip()}”. ctrl+n makes it a new code.")

    def _show_details(self) -> None:
        code = self.highlighted_code
        text = self.query_one("#details-text", Static)
        if code is None:
            text.update(Content.styled("No code highlighted.", DIM))
        else:
            text.update(code_details(code, already=code.uuid in self.already))
        self.query_one("#details", VerticalScroll).scroll_home(animate=False)

    def _say(self, message: str) -> None:
        widget = self.query_one("#message", Static)
        widget.update(message)
        widget.set_class(bool(message), "-shown")

    def _say_marked(self) -> None:
        if not self._marked:
            self._say("")
            return
        names = ", ".join(self._by_uuid[uuid].name for uuid in self._marked)
        count = len(self._marked)
        self._say(f"Marked {count}: {names}. enter applies {'it' if count == 1 else 'them'}.")

    # --- events -------------------------------------------------------------------

    def set_codes(self, codes: Sequence[CodeRecord]) -> None:
        """The codes, once loaded; an enter pressed while waiting applies now."""
        self.codes = tuple(codes)
        self._by_uuid = {code.uuid: code for code in self.codes}
        self.loading = False
        if not self._ready or self not in self.app.screen_stack:
            return  # on_mount shows them; or the picker was closed while they loaded
        self._show_codes(self.search_box.value)
        if self._apply_when_loaded:
            self._apply_when_loaded = False
            self.action_apply()

    async def type_ahead(self, event: events.Key) -> bool:
        """Take a key typed for this picker that reached the app another way.

        Keys typed just after the one that opened the picker go to the screen below
        (or to this screen, before the box has focus) and reach the app from there,
        after the picker opened. True if the picker took the key: it is typed into
        the box now or, if the box is not ready yet, as soon as it is.
        """
        if not SearchBox.takes_key(event, self._keys):
            return False
        if self._ready:
            await self.search_box.type_key(event)
        else:
            self._early_keys.append(event)
        return True

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        # The box may hold more than this event says: show what it holds now.
        self._sync()

    @on(OptionList.OptionHighlighted, "#codes")
    def _highlight_changed(self) -> None:
        self._show_details()

    @on(OptionList.OptionSelected, "#codes")
    def _code_clicked(self, event: OptionList.OptionSelected) -> None:
        # Only a mouse click gets here (the list never has focus for enter).
        uuid = event.option.id
        if uuid is None:
            return
        chosen = [*self._marked, uuid] if uuid not in self._marked else [*self._marked]
        self._apply(chosen)

    # --- actions ------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self._sync()
        self.code_list.action_cursor_up()

    def action_cursor_down(self) -> None:
        self._sync()
        self.code_list.action_cursor_down()

    def action_page_up(self) -> None:
        self._sync()
        self.code_list.action_page_up()

    def action_page_down(self) -> None:
        self._sync()
        self.code_list.action_page_down()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_apply(self) -> None:
        self._sync()
        if self.loading:
            self._apply_when_loaded = True
            self._say(f"{LOADING} enter applies the best match when they arrive.")
            return
        if self._marked:
            self._apply(list(self._marked))
            return
        code = self.highlighted_code
        if code is None:
            typed = self._query.strip()
            self._say(
                f"No code to apply. ctrl+n makes “{typed}” a new code."
                if typed
                else "No code to apply."
            )
            return
        self._apply([code.uuid])

    def _apply(self, uuids: Sequence[str]) -> None:
        fresh = tuple(uuid for uuid in uuids if uuid not in self.already)
        if not fresh:
            name = self._by_uuid[uuids[0]].name if uuids else "That code"
            self._say(f"“{name}” is already on this passage. esc closes.")
            return
        self.dismiss(CodePickerResult(apply=fresh))

    def action_toggle_mark(self) -> None:
        self._sync()
        code = self.highlighted_code
        if code is None:
            return
        if code.uuid in self.already:
            self._say(f"“{code.name}” is already on this passage.")
            return
        if code.uuid in self._marked:
            del self._marked[code.uuid]
        else:
            self._marked[code.uuid] = None
        self.code_list.replace_option_prompt(code.uuid, self._row(self._matches[code.uuid]))
        self._say_marked()

    def action_new_code(self) -> None:
        self._sync()
        if self.loading:
            self._say(f"{LOADING} ctrl+n works once they are here.")
            return
        try:
            name = check_code_name(self._query)
        except ValidationError as error:
            if not self._query.strip():
                self._say("Type the new code's name first, then press ctrl+n.")
            else:
                self._say(f"Can't make that code: {error}.")
            return
        self._create(name, in_vivo=False)

    def action_in_vivo(self) -> None:
        self._sync()
        if self.loading:
            self._say(f"{LOADING} ctrl+v works once they are here.")
            return
        name = in_vivo_name(self.selected_text)
        if name is None:
            self._say("There are no selected words to name an in-vivo code after.")
            return
        self._create(name, in_vivo=True)

    def _create(self, name: str, *, in_vivo: bool) -> None:
        highlighted = self.highlighted_code
        # Beside the code the search found is the best guess at where it belongs;
        # the app says where it went, and the code can be moved later.
        parent = highlighted.parent_uuid if highlighted else None
        for code in self.codes:
            if code.parent_uuid == parent and code.name.casefold() == name.casefold():
                self._say(f"“{code.name}” already exists there. Find it and press enter.")
                return
        self.dismiss(
            CodePickerResult(
                apply=tuple(uuid for uuid in self._marked if uuid not in self.already),
                new_code_name=name,
                new_code_parent=parent,
                in_vivo=in_vivo,
            )
        )
