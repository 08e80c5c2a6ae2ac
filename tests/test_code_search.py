"""Finding a code by typing: the study codebook's real names, typos and keywords."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable
from pathlib import Path

import pytest

from qualcode.domain.codebook import join_path
from qualcode.domain.records import CodebookEntry, CodeRecord
from qualcode.importers.codebook_yaml import read_codebook
from qualcode.services.code_search import MIN_SCORE, CodeMatch, rank_codes

STUDY_CODEBOOK = Path(__file__).resolve().parents[1] / "codebooks" / "barriers-and-enablers.yaml"


def records_from_entries(
    entries: Iterable[CodebookEntry],
    parents: tuple[str, ...] = (),
    parent_uuid: str | None = None,
) -> list[CodeRecord]:
    """The codebook's entries as the records a service would return, depth first."""
    records: list[CodeRecord] = []
    for position, entry in enumerate(entries):
        assert entry.uuid is not None
        records.append(
            CodeRecord(
                uuid=entry.uuid,
                name=entry.name,
                path=join_path((*parents, entry.name)),
                parent_uuid=parent_uuid,
                depth=len(parents),
                position=position,
                definition=entry.definition,
                include=entry.include,
                exclude=entry.exclude,
                example=entry.example,
                keywords=entry.keywords,
                colour=entry.colour,
            )
        )
        records.extend(records_from_entries(entry.children, (*parents, entry.name), entry.uuid))
    return records


@pytest.fixture(scope="module")
def codes() -> list[CodeRecord]:
    return records_from_entries(read_codebook(STUDY_CODEBOOK).codes)


def names(matches: list[CodeMatch]) -> list[str]:
    return [match.code.name for match in matches]


def highlighted(match: CodeMatch) -> list[str]:
    return [match.code.name[start:end] for start, end in match.matched]


def test_the_helper_reads_the_whole_tree(codes: list[CodeRecord]) -> None:
    by_name = {code.name: code for code in codes}
    training = by_name["Training and workforce development"]
    assert training.path == (
        "Enablers of involvement > Operational enablers > Training and workforce development"
    )
    assert training.depth == 2
    assert training.parent_uuid == by_name["Operational enablers"].uuid


def test_empty_query_lists_every_code_in_codebook_order(codes: list[CodeRecord]) -> None:
    matches = rank_codes("", codes)
    assert [match.code for match in matches] == codes
    assert {match.score for match in matches} == {100.0}
    assert all(match.matched == () for match in matches)
    assert [match.code for match in rank_codes("  - ", codes, limit=3)] == codes[:3]


def test_typos_in_two_words_find_training(codes: list[CodeRecord]) -> None:
    matches = rank_codes("traning wrkforce", codes)
    assert matches[0].code.name == "Training and workforce development"
    assert highlighted(matches[0]) == ["Training", "workforce"]


def test_word_order_does_not_matter(codes: list[CodeRecord]) -> None:
    assert names(rank_codes("workforce training", codes))[0] == (
        "Training and workforce development"
    )


def test_covid_ranks_both_covid_codes_top(codes: list[CodeRecord]) -> None:
    top_two = set(names(rank_codes("covid", codes))[:2])
    assert top_two == {
        "Reduced capacity because of the COVID-19 pandemic",
        "More effective partnership working in the COVID-19 response",
    }


def test_drug_finds_a_name_and_a_keyword_match(codes: list[CodeRecord]) -> None:
    matches = rank_codes("drug", codes)
    top_five = names(matches)[:5]
    assert "Sort out your drug use first" in top_five
    # found through its keyword "drugs and alcohol", so nothing in the name is lit
    assert "Co-occurring substance use used as a reason to refuse" in top_five
    by_name = {match.code.name: match for match in matches}
    assert by_name["Co-occurring substance use used as a reason to refuse"].matched == ()
    # the name match outranks the keyword match
    assert top_five.index("Sort out your drug use first") < top_five.index(
        "Co-occurring substance use used as a reason to refuse"
    )


def test_half_typed_word_finds_bridges(codes: list[CodeRecord]) -> None:
    matches = rank_codes("bridg", codes)
    assert matches[0].code.name == "Specific roles acting as bridges"
    assert highlighted(matches[0]) == ["bridg"]


def test_stigma_first(codes: list[CodeRecord]) -> None:
    matches = rank_codes("stigma", codes)
    assert matches[0].code.name == "Stigma and negative attitudes"
    assert highlighted(matches[0]) == ["Stigma"]


def test_path_words_narrow_a_search(codes: list[CodeRecord]) -> None:
    # Both COVID codes match "covid"; only one sits under Barriers.
    matches = rank_codes("barriers covid", codes)
    assert names(matches)[0] == "Reduced capacity because of the COVID-19 pandemic"
    assert "More effective partnership working in the COVID-19 response" not in names(matches)


def test_weak_matches_are_dropped(codes: list[CodeRecord]) -> None:
    assert rank_codes("xyzzy", codes) == []
    assert rank_codes("stigma qwfp", codes) == []  # every word should match something
    assert all(match.score >= MIN_SCORE for match in rank_codes("risk", codes))


def test_scores_are_sorted_and_limit_applies(codes: list[CodeRecord]) -> None:
    matches = rank_codes("support", codes)
    scores = [match.score for match in matches]
    assert scores == sorted(scores, reverse=True)
    assert len(matches) > 3
    assert rank_codes("support", codes, limit=3) == matches[:3]


def test_spans_point_into_the_original_name(codes: list[CodeRecord]) -> None:
    matches = rank_codes("ill-equip", codes)
    assert matches[0].code.name == "Staff ill-equipped"
    assert highlighted(matches[0]) == ["ill", "equip"]


def test_changed_records_are_searched_afresh(codes: list[CodeRecord]) -> None:
    rank_codes("stigma", codes)
    renamed = [
        dataclasses.replace(code, name="Prejudice") if code.name.startswith("Stigma") else code
        for code in codes
    ]
    assert "Prejudice" in names(rank_codes("prejudice", renamed))
    assert "Stigma and negative attitudes" not in names(rank_codes("stigma", renamed))


def test_500_codes_rank_within_a_keystroke(codes: list[CodeRecord]) -> None:
    many = [
        dataclasses.replace(code, uuid=f"{code.uuid}-{copy}", name=f"{code.name} {copy}")
        for copy in range(8)
        for code in codes
    ][:500]
    assert len(many) == 500
    rank_codes("warm up", many)  # the word index is built once per codebook
    query = "traning wrkforce"
    started = time.perf_counter()
    for end in range(1, len(query) + 1):
        rank_codes(query[:end], many)
    per_keystroke = (time.perf_counter() - started) / len(query)
    # About 1-2 ms on a slow laptop; the bound is generous so a busy CI box passes.
    assert per_keystroke < 0.05
