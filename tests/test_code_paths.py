"""The helpers that read and write code paths: the one place " > " is split or joined."""

from qualcode.domain.codebook import (
    ancestor_paths,
    child_path,
    join_path,
    leaf,
    parent_of,
    path_depth,
    path_names,
    split_path,
)


def test_a_top_level_code_has_no_parent_and_no_depth() -> None:
    assert leaf("Barriers") == "Barriers"
    assert parent_of("Barriers") == ""
    assert path_depth("Barriers") == 0
    assert path_names("Barriers") == ["Barriers"]


def test_a_sub_code_reads_name_by_name() -> None:
    path = "Barriers > Time / money > Timely"
    assert leaf(path) == "Timely"
    assert parent_of(path) == "Barriers > Time / money"
    assert path_depth(path) == 2
    assert path_names(path) == ["Barriers", "Time / money", "Timely"]
    assert join_path(path_names(path)) == path


def test_child_path_joins_under_a_parent_or_at_the_top() -> None:
    assert child_path("Barriers", "Time") == "Barriers > Time"
    assert child_path("", "Time") == "Time"
    assert child_path(None, "Time") == "Time"


def test_ancestor_paths_are_every_code_above_the_given_ones() -> None:
    assert ancestor_paths(["A > B > C", "A > D", "E"]) == {"A", "A > B"}
    assert ancestor_paths([]) == set()


def test_split_path_is_lenient_with_typed_spaces() -> None:
    assert split_path(" A>B >  C ") == ["A", "B", "C"]
