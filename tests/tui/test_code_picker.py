"""The code picker driven with the keyboard and mouse, on the real study codebook."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import pytest
from textual import events
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, Static

from qualcode.domain.records import CodeRecord
from qualcode.importers.codebook_yaml import read_codebook
from qualcode.services.code_search import rank_codes
from qualcode.services.codebook import CodebookService
from qualcode.services.project import Project
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.code_picker import (
    HINT,
    MAX_SHOWN,
    CodePicker,
    CodePickerResult,
    in_vivo_name,
)
from qualcode.tui.screens.extracts import ExtractsScreen
from tests.test_code_search import STUDY_CODEBOOK, records_from_entries
from tests.tui.conftest import sources_table, wait_for
from tests.tui.test_workbench import SIZE, codings, open_transcript, select_words

PASSAGE = (
    "  'We'd all be sat round the table about the same person and the trust\n"
    "couldn't say a word, because there was no sharing agreement in place.'  "
)
NO_RESULT = object()


@pytest.fixture(scope="module")
def codes() -> list[CodeRecord]:
    return records_from_entries(read_codebook(STUDY_CODEBOOK).codes)


def uuid_of(codes: Sequence[CodeRecord], name: str) -> str:
    return next(code.uuid for code in codes if code.name == name)


class PickerApp(App[None]):
    """Opens the picker at once and keeps what it dismissed with."""

    def __init__(self, picker: CodePicker) -> None:
        super().__init__()
        self.picker = picker
        self.result: object = NO_RESULT

    def on_mount(self) -> None:
        self.push_screen(self.picker, self._done)

    def _done(self, result: CodePickerResult | None) -> None:
        self.result = result


def run_picker(
    codes: Sequence[CodeRecord] | None,
    drive: Callable[[Pilot[None], CodePicker], Awaitable[None]],
    *,
    text: str = PASSAGE,
    already: set[str] | None = None,
    size: tuple[int, int] = (80, 24),
) -> PickerApp:
    app = PickerApp(CodePicker(codes, text, already or set()))

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await drive(pilot, app.picker)
            await pilot.pause()

    asyncio.run(main())
    return app


def keys(*pressed: str) -> Callable[[Pilot[None], CodePicker], Awaitable[None]]:
    async def drive(pilot: Pilot[None], picker: CodePicker) -> None:
        await pilot.press(*pressed)

    return drive


def typed(text: str) -> list[str]:
    return ["space" if char == " " else char for char in text]


def send_at_once(app: App[None], *pressed: str) -> None:
    """Deliver keys as a paste, a fast typist or a slow SSH link does: all of them
    queued before the app handles the first (``pilot.press`` lets each one settle)."""
    driver = app._driver
    assert driver is not None
    for key in pressed:
        character = " " if key == "space" else key if len(key) == 1 else None
        event = events.Key(key, character)
        event.set_sender(app)
        driver.send_message(event)


def at_once(*pressed: str) -> Callable[[Pilot[None], CodePicker], Awaitable[None]]:
    async def drive(pilot: Pilot[None], picker: CodePicker) -> None:
        send_at_once(pilot.app, *pressed)
        await wait_for(pilot, lambda: pilot.app.screen is not picker)

    return drive


def message(picker: CodePicker) -> str:
    widget = picker.query_one("#message", Static)
    return str(widget.render()) if widget.display else ""


def test_typo_search_then_enter_applies_the_code(codes: list[CodeRecord]) -> None:
    app = run_picker(codes, keys(*typed("traning wrkforce"), "enter"))
    assert app.result == CodePickerResult(
        apply=(uuid_of(codes, "Training and workforce development"),)
    )


def test_arrow_keys_move_while_typing_stays_in_the_box(codes: list[CodeRecord]) -> None:
    async def drive(pilot: Pilot[None], picker: CodePicker) -> None:
        await pilot.press(*typed("covid"), "down")
        assert isinstance(pilot.app.focused, Input)
        second = rank_codes("covid", codes)[1].code
        assert picker.highlighted_code == second
        await pilot.press("enter")

    app = run_picker(codes, drive)
    assert app.result == CodePickerResult(apply=(rank_codes("covid", codes)[1].code.uuid,))


def test_tab_marks_several_and_enter_applies_them_all(codes: list[CodeRecord]) -> None:
    async def drive(pilot: Pilot[None], picker: CodePicker) -> None:
        await pilot.press(*typed("stigma"), "tab", "ctrl+u", *typed("mistrust"), "tab")
        assert "Marked 2" in message(picker)
        await pilot.press("enter")

    app = run_picker(codes, drive)
    assert isinstance(app.result, CodePickerResult)
    assert set(app.result.apply) == {
        uuid_of(codes, "Stigma and negative attitudes"),
        uuid_of(codes, "Mistrust"),
    }


def test_marking_twice_unmarks_and_ctrl_space_also_marks(codes: list[CodeRecord]) -> None:
    async def drive(pilot: Pilot[None], picker: CodePicker) -> None:
        await pilot.press(*typed("stigma"), "tab", "tab")
        assert picker.marked == ()
        await pilot.press("ctrl+space")  # kitty-style terminals name it
        assert picker.marked == (uuid_of(codes, "Stigma and negative attitudes"),)
        await pilot.press("ctrl+@")  # what most terminals send for ctrl+space
        assert picker.marked == ()
        await pilot.press("tab")
        row = str(picker.code_list.get_option_at_index(0).prompt)
        assert row.startswith("+ ")
        await pilot.press("escape")

    assert run_picker(codes, drive).result is None


def test_ctrl_n_makes_a_new_code_beside_the_best_match(codes: list[CodeRecord]) -> None:
    app = run_picker(codes, keys(*typed("Peer  mentors "), "ctrl+n"))
    best = rank_codes("Peer  mentors ", codes)[0].code
    assert app.result == CodePickerResult(
        new_code_name="Peer mentors", new_code_parent=best.parent_uuid
    )


def test_ctrl_n_with_nothing_matching_makes_a_top_level_code(codes: list[CodeRecord]) -> None:
    app = run_picker(codes, keys(*typed("qwxz"), "ctrl+n"))
    assert app.result == CodePickerResult(new_code_name="qwxz", new_code_parent=None)


def test_ctrl_n_keeps_marked_codes(codes: list[CodeRecord]) -> None:
    app = run_picker(codes, keys(*typed("stigma"), "tab", "ctrl+u", *typed("qwxz"), "ctrl+n"))
    assert app.result == CodePickerResult(
        apply=(uuid_of(codes, "Stigma and negative attitudes"),), new_code_name="qwxz"
    )


def test_ctrl_n_explains_instead_of_closing(codes: list[CodeRecord]) -> None:
    async def drive(pilot: Pilot[None], picker: CodePicker) -> None:
        await pilot.press("ctrl+n")
        assert "Type the new code's name first" in message(picker)
        await pilot.press(*typed("Mistrust"), "ctrl+n")  # exists beside the match
        assert "already exists" in message(picker)
        await pilot.press(*typed(" > x"), "ctrl+n")
        assert "may not contain '>'" in message(picker)

    assert run_picker(codes, drive).result is NO_RESULT


def test_ctrl_v_makes_an_in_vivo_code_from_the_passage(codes: list[CodeRecord]) -> None:
    app = run_picker(codes, keys("ctrl+v"))
    assert app.result == CodePickerResult(
        new_code_name="“We'd all be sat round the table about the same person…”",
        new_code_parent=None,  # the first code, highlighted, is at the top level
        in_vivo=True,
    )


def test_escape_cancels(codes: list[CodeRecord]) -> None:
    assert run_picker(codes, keys(*typed("risk"), "escape")).result is None


def test_codes_already_on_the_passage_show_a_tick_and_are_not_reapplied(
    codes: list[CodeRecord],
) -> None:
    stigma = uuid_of(codes, "Stigma and negative attitudes")

    async def drive(pilot: Pilot[None], picker: CodePicker) -> None:
        rows = {option.id: str(option.prompt) for option in picker.code_list.options}
        assert rows[stigma].startswith("✓ ■")
        assert not rows[uuid_of(codes, "Mistrust")].startswith("✓")
        await pilot.press(*typed("stigma"), "enter")
        assert "already on this passage" in message(picker)
        await pilot.press("tab")
        assert picker.marked == ()
        details = str(picker.query_one("#details-text", Static).render())
        assert "✓ already on this passage" in details

    assert run_picker(codes, drive, already={stigma}).result is NO_RESULT


def test_clicking_a_code_applies_it(codes: list[CodeRecord]) -> None:
    async def drive(pilot: Pilot[None], picker: CodePicker) -> None:
        await pilot.press(*typed("covid"))
        await pilot.click("#codes", offset=(10, 1))  # the second row

    app = run_picker(codes, drive)
    assert app.result == CodePickerResult(apply=(rank_codes("covid", codes)[1].code.uuid,))


def test_the_highlighted_code_explains_itself(codes: list[CodeRecord]) -> None:
    async def drive(pilot: Pilot[None], picker: CodePicker) -> None:
        await pilot.press(*typed("bridg"))
        details = str(picker.query_one("#details-text", Static).render())
        assert "Enablers of involvement > Operational enablers > " in details
        assert "Specific roles acting as bridges" in details
        assert "Include: " in details and "Exclude: " in details
        await pilot.press(*typed("qqq"))
        assert "No code matches" in message(picker)
        await pilot.press("enter")
        assert "ctrl+n makes" in message(picker)

    run_picker(codes, drive)


def test_it_fits_an_80_by_24_terminal(codes: list[CodeRecord]) -> None:
    async def drive(pilot: Pilot[None], picker: CodePicker) -> None:
        assert picker.code_list.size.height >= 5
        assert picker.query_one("#details").size.height >= 4
        assert str(picker.query_one("#hint", Static).render()).replace("\n", " ") == HINT
        passage = str(picker.query_one("#passage", Static).render())
        assert passage.startswith("Coding “We'd all be sat")

    run_picker(codes, drive, size=(80, 24))


def test_every_binding_says_what_it_does() -> None:
    assert all(binding.description for binding in CodePicker.BINDINGS)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("selected", "expected"),
    [
        ("  no   time\n at all ", "“no time at all”"),
        ('"come back when you\'re clean."', "“come back when you're clean.”"),
        ("“they said, ‘not our remit’”,", "“they said, ‘not our remit’”"),
        ("a > b", "“a › b”"),
        ('"come back when', "“come back when”"),
        ("we were just goin'", "“we were just goin'”"),
        ("' \" '", None),
        ("", None),
    ],
)
def test_in_vivo_names(selected: str, expected: str | None) -> None:
    assert in_vivo_name(selected) == expected


def test_long_in_vivo_names_stop_at_a_word() -> None:
    name = in_vivo_name("word " * 40)
    assert name is not None
    assert len(name) <= 60
    assert name.endswith("word…”")
    assert in_vivo_name("x" * 100) == "“" + "x" * 57 + "…”"


def test_long_result_lists_are_cut_with_a_note(codes: list[CodeRecord]) -> None:
    many = [
        dataclasses.replace(code, uuid=f"{code.uuid}-{copy}", name=f"{code.name} {copy}")
        for copy in range(8)
        for code in codes
    ]

    async def drive(pilot: Pilot[None], picker: CodePicker) -> None:
        assert picker.code_list.option_count == len(many)  # the whole tree, uncut
        await pilot.press("t")
        options = picker.code_list.options
        assert len(options) == MAX_SHOWN + 1
        assert options[-1].disabled
        assert "keep typing" in str(options[-1].prompt)

    run_picker(many, drive)


# --- keys that arrive together -------------------------------------------------------


@pytest.fixture(scope="module")
def with_prefix(codes: list[CodeRecord]) -> list[CodeRecord]:
    """The study codebook plus a code whose name starts with another's."""
    mistrust = next(code for code in codes if code.name == "Mistrust")
    longer = dataclasses.replace(
        mistrust,
        uuid="99999999-9999-4999-8999-999999999999",
        name="Mistrust of services",
        path=f"{mistrust.path} of services",
        position=mistrust.position + 100,
    )
    return [*codes, longer]


TYPED_AND_MEANT = [
    ("mistrust", "Mistrust"),
    ("mistrust of", "Mistrust of services"),  # its first word alone finds "Mistrust"
    ("traning wrkforce", "Training and workforce development"),  # typos forgiven
    ("tenacity", "Tenacity and persistence"),
]


@pytest.mark.parametrize("delivery", ["press", "at once"])
@pytest.mark.parametrize(("text", "meant"), TYPED_AND_MEANT)
def test_enter_applies_what_was_typed_however_fast_it_came(
    with_prefix: list[CodeRecord], text: str, meant: str, delivery: str
) -> None:
    pressed = (*typed(text), "enter")
    app = run_picker(with_prefix, keys(*pressed) if delivery == "press" else at_once(*pressed))
    assert app.result == CodePickerResult(apply=(uuid_of(with_prefix, meant),))


def test_a_paste_then_enter_applies_the_pasted_name(with_prefix: list[CodeRecord]) -> None:
    async def drive(pilot: Pilot[None], picker: CodePicker) -> None:
        driver = pilot.app._driver
        assert driver is not None
        driver.send_message(events.Paste("Mistrust of services"))
        send_at_once(pilot.app, "enter")
        await wait_for(pilot, lambda: pilot.app.screen is not picker)

    app = run_picker(with_prefix, drive)
    assert app.result == CodePickerResult(apply=(uuid_of(with_prefix, "Mistrust of services"),))


def test_setting_the_box_then_enter_at_once_applies_that_name(
    with_prefix: list[CodeRecord],
) -> None:
    async def drive(pilot: Pilot[None], picker: CodePicker) -> None:
        picker.query_one(Input).value = "tenacity"
        await pilot.press("enter")

    app = run_picker(with_prefix, drive)
    assert app.result == CodePickerResult(apply=(uuid_of(with_prefix, "Tenacity and persistence"),))


def test_arrows_marks_and_edits_arriving_together_keep_their_order(
    codes: list[CodeRecord],
) -> None:
    pressed = (*typed("stigma"), "tab", "ctrl+u", *typed("covid"), "down", "tab", "enter")
    app = run_picker(codes, at_once(*pressed))
    assert isinstance(app.result, CodePickerResult)
    assert app.result.apply == (
        uuid_of(codes, "Stigma and negative attitudes"),
        rank_codes("covid", codes)[1].code.uuid,
    )


def test_enter_before_the_codes_arrive_applies_the_typed_code_when_they_do(
    codes: list[CodeRecord],
) -> None:
    async def drive(pilot: Pilot[None], picker: CodePicker) -> None:
        send_at_once(pilot.app, *typed("mistrust"), "enter")
        await wait_for(pilot, lambda: picker.search_box.value == "mistrust")
        await pilot.pause()
        assert pilot.app.screen is picker  # nothing applied from an empty list
        assert "Loading codes" in message(picker)
        picker.set_codes(codes)
        await wait_for(pilot, lambda: pilot.app.screen is not picker)

    app = run_picker(None, drive)  # the codes are still loading when it opens
    assert app.result == CodePickerResult(apply=(uuid_of(codes, "Mistrust"),))


def test_codes_arriving_after_the_picker_closed_are_ignored(codes: list[CodeRecord]) -> None:
    async def drive(pilot: Pilot[None], picker: CodePicker) -> None:
        await pilot.press("escape")
        picker.set_codes(codes)
        await pilot.pause()

    app = run_picker(None, drive)  # the codes are still loading when it opens
    assert app.result is None


# --- in the app: the key that opens the picker, the name and enter together ---------


@pytest.fixture
def prefix_project(app_project: Path) -> Path:
    """The app project with "Risk assessment" beside "Risk"."""
    with Project.open(app_project) as project, project.session() as session:
        CodebookService(session, "Setup").add_code("Risk assessment", "Barriers")
    return app_project


async def _type(pilot: Pilot[None], delivery: str, *pressed: str) -> None:
    if delivery == "press":
        await pilot.press(*pressed)
    else:
        send_at_once(pilot.app, *pressed)


@pytest.mark.parametrize("delivery", ["press", "at once"])
@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("risk", "Barriers > Risk"),
        ("risk assessment", "Barriers > Risk assessment"),
        ("bridgng rol", "Enablers > Bridging roles"),
    ],
)
async def test_c_a_name_and_enter_together_code_the_passage_with_that_name(
    prefix_project: Path, text: str, meant: str, delivery: str
) -> None:
    app = QualcodeApp(prefix_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        screen, view = await open_transcript(app, pilot)
        select_words(view, "no time")
        await _type(pilot, delivery, "c", *typed(text), "enter")
        await wait_for(pilot, lambda: len(view.highlights) == 1)
        await wait_for(pilot, lambda: app.screen is screen)
        assert view.selection == (view.text.index("no time"), view.text.index("no time") + 7)
    assert [path for path, *_ in codings(prefix_project)] == [meant]


@pytest.mark.parametrize("delivery", ["press", "at once"])
@pytest.mark.parametrize("start", ["transcript", "sources"])
async def test_e_a_name_and_enter_together_show_that_codes_extracts(
    prefix_project: Path, start: str, delivery: str
) -> None:
    source = "interview-sam" if start == "transcript" else None
    app = QualcodeApp(prefix_project, coder="Ann", open_source=source)
    async with app.run_test(size=SIZE) as pilot:
        if source:
            screen, _ = await open_transcript(app, pilot)
        else:
            table = await sources_table(pilot)
            await wait_for(pilot, lambda: table.row_count == 2)
            screen = app.screen
        # Keys of the screen below if they went there: i, a, s, e, m, t.
        await _type(pilot, delivery, "e", *typed("risk assessment"), "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ExtractsScreen))
        assert isinstance(app.screen, ExtractsScreen)
        assert app.screen.code_path == "Barriers > Risk assessment"
        assert app.screen_stack[-2] is screen  # nothing else opened on the way


async def test_enter_twice_codes_once_and_stays_in_the_transcript(app_project: Path) -> None:
    app = QualcodeApp(app_project, coder="Ann", open_source="interview-sam")
    async with app.run_test(size=SIZE) as pilot:
        screen, view = await open_transcript(app, pilot)
        select_words(view, "no time")
        # The second enter arrives while the first one's coding is being saved.
        send_at_once(app, "c", *"risk", "enter", "enter")
        await wait_for(pilot, lambda: len(view.highlights) == 1)
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.pause()
        assert app.screen is screen
    assert [path for path, *_ in codings(app_project)] == ["Barriers > Risk"]
