"""The collector pause around a ranking: nested, concurrent, and respectful of the app's."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator

import pytest

from rcagraph.engine import gc_pause
from rcagraph.engine.gc_pause import gc_paused


@pytest.fixture(autouse=True)
def _collector_enabled() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_inside_and_restored_after() -> None:
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()


def test_restored_after_an_error() -> None:
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_collector_the_application_disabled_stays_disabled() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_concurrent_pauses_end_with_the_last() -> None:
    inside = threading.Barrier(2)
    first_done = threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with gc_paused():
            inside.wait()
        first_done.set()

    def second() -> None:
        with gc_paused():
            inside.wait()
            first_done.wait(5)
            seen.append(gc.isenabled())  # the first thread's exit did not resume it

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == [False]
    assert gc.isenabled()


def test_overlapping_pauses_collect_once_overdue(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    collections: list[bool] = []
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])

    def collect(*_: int) -> int:
        collections.append(gc.isenabled())
        return 0

    monkeypatch.setattr(gc, "collect", collect)
    with gc_paused():
        with gc_paused():
            pass  # within MAX_PAUSE_S: no collection
        assert collections == []
        clock[0] += gc_pause.MAX_PAUSE_S
        with gc_paused():  # a ranking starting once the pause is overdue collects
            assert collections == [False]  # a full collection, with the pause still on
            assert not gc.isenabled()
    assert gc.isenabled()
