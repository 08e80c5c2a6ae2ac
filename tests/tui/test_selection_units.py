"""w, s and t select the whole word, sentence or turn around the cursor (issue 13).

Before, ``s`` selected from the cursor to the end of the sentence, so a researcher who
had read half a sentence and pressed ``s`` coded the back half of it.
"""

from __future__ import annotations

from textual.app import App, ComposeResult

from qualcode.tui.widgets.transcript_view import TranscriptView, TurnSpan

HEADER = "Study: units\n\n"
TURNS = [
    ("Interviewer", "Tell me about the team. How does it work?"),
    (
        "Ann",
        "We meet weekly. It is hard to get time! Risk is the big issue.\n"
        "A second paragraph that trails off",
    ),
    ("Bo", "Multi-agency work isn't easy. The navigator bridges the gap"),
]
SIZE = (80, 20)


def build() -> tuple[str, list[TurnSpan]]:
    text, spans = HEADER, []
    for speaker, body in TURNS:
        text += f"{speaker}: "
        spans.append(TurnSpan(len(text), len(text) + len(body), speaker))
        text += body + "\n\n"
    return text, spans


TEXT, SPANS = build()


def at(fragment: str) -> int:
    return TEXT.index(fragment)


def span(fragment: str) -> tuple[int, int]:
    return at(fragment), at(fragment) + len(fragment)


class UnitsApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TranscriptView()

    def on_mount(self) -> None:
        view = self.query_one(TranscriptView)
        view.load(TEXT, SPANS, [])
        view.focus()


async def selected_after(offset: int, *keys: str) -> tuple[int, int] | None:
    app = UnitsApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        view.move_cursor_to(offset)
        await pilot.press(*keys)
        return view.selection


async def test_w_selects_the_whole_word_with_the_cursor_mid_word() -> None:
    assert await selected_after(at("eekly"), "w") == span("weekly")
    # A hyphenated word and a contraction are one word each.
    assert await selected_after(at("agency"), "w") == span("Multi-agency")
    assert await selected_after(at("n't easy"), "w") == span("isn't")


async def test_w_at_the_end_of_a_turn_takes_its_last_word_not_the_next_speakers() -> None:
    assert await selected_after(SPANS[2].end, "w") == span("gap")
    assert await selected_after(at("issue.") + 5, "w") == span("issue")  # on the full stop


async def test_s_selects_the_whole_sentence_with_the_cursor_mid_sentence() -> None:
    assert await selected_after(at("hard"), "s") == span("It is hard to get time!")
    assert await selected_after(at("work?") + 2, "s") == span("How does it work?")
    # On the space between two sentences: the one that follows.
    assert await selected_after(at("weekly.") + 7, "s") == span("It is hard to get time!")


async def test_s_on_the_last_sentence_without_a_full_stop() -> None:
    assert await selected_after(at("trails"), "s") == span("A second paragraph that trails off")
    assert await selected_after(SPANS[2].end, "s") == span("The navigator bridges the gap")
    assert await selected_after(at("bridges"), "s") == span("The navigator bridges the gap")


async def test_s_again_adds_the_next_sentence_across_paragraphs_and_turns() -> None:
    start = at("Risk")
    assert await selected_after(at("big"), "s", "s") == (
        start,
        span("A second paragraph that trails off")[1],
    )
    assert await selected_after(at("trails"), "s", "s") == (
        at("A second"),
        span("Multi-agency work isn't easy.")[1],
    )


async def test_a_partial_selection_grows_to_whole_sentences() -> None:
    app = UnitsApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        view.select(at("hard"), at("get"))  # "hard to " with shift+arrows
        await pilot.press("s")
        assert view.selection == span("It is hard to get time!")
        await pilot.press("w")
        assert view.selection == (at("It is"), at("Risk") + 4)


async def test_t_at_a_turn_boundary_selects_that_turn() -> None:
    _, second, third = SPANS
    assert await selected_after(second.start, "t") == (second.start, second.end)
    assert await selected_after(second.end, "t") == (second.start, second.end)
    assert await selected_after(at("hard"), "t", "t") == (second.start, third.end)


async def test_t_widens_a_selection_across_two_turns_to_both_turns() -> None:
    app = UnitsApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TranscriptView)
        view.select(at("work?"), at("meet"))
        await pilot.press("t")
        assert view.selection == (SPANS[0].start, SPANS[1].end)
