"""The cyclic garbage collector paused while an incident is ranked.

Ranking builds a view of thousands of signals and a candidate per component, all alive until
the ranking is done and nearly all freed by reference counting when it is. With the collector
running, those objects survive its young collections, are promoted, and every few rankings
a full collection walks the whole process heap: on the 1,000-service scale graph that was most
of the rank-latency tail (``bench.rank_scale``, p95 663 → 465 ms with the collector off).
Objects created and freed within the pause are never traversed, so that work is saved, not
moved; the few a ranking leaves in reference cycles (about three per ranking there) are
collected once the collector runs again.

The pause is process-wide (the collector is) and counted: concurrent rankings in threads
keep it paused until the last one ends, and a collector the application had disabled stays
disabled. So that rankings overlapping without end (a busy API server) cannot starve the
collector, a ranking that starts or ends when the pause has lasted :data:`MAX_PAUSE_S` runs
one full collection and the pause starts over.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

#: the longest the collector stays paused by overlapping rankings without a full collection
MAX_PAUSE_S = 5.0


class _Pause:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._restore = False
        self._since = 0.0

    def _collect_if_overdue(self) -> None:
        now = time.monotonic()
        if self._restore and now - self._since >= MAX_PAUSE_S:
            gc.collect()
            self._since = time.monotonic()

    def enter(self) -> None:
        with self._lock:
            if self._depth == 0:
                self._restore = gc.isenabled()
                self._since = time.monotonic()
                gc.disable()
            else:
                self._collect_if_overdue()
            self._depth += 1

    def exit(self) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                if self._restore:
                    gc.enable()
            else:
                self._collect_if_overdue()


_PAUSE = _Pause()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector paused (see the module docstring)."""
    _PAUSE.enter()
    try:
        yield
    finally:
        _PAUSE.exit()
