"""The collector pause around big suggestion runs restores the collector afterwards."""

from __future__ import annotations

import gc

import pytest

from qualcode.services.collection import collector_paused


def test_the_collector_is_paused_inside_and_restored_after() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still holds it
    assert gc.isenabled()


def test_the_collector_is_restored_when_the_work_fails() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_suggesting_runs_with_the_collector_paused_and_restores_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from qualcode.services import suggestions

    seen: list[bool] = []

    def engine(self: object, *args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        raise RuntimeError("stop here")

    monkeypatch.setattr(suggestions.SuggestionService, "_engine", engine)
    service = suggestions.SuggestionService.__new__(suggestions.SuggestionService)
    with pytest.raises(RuntimeError):
        service.suggest()
    assert seen == [False]
    assert gc.isenabled()
