"""Where a bundle's normal operation ends: the baseline of every detector that reads a bundle.

A bundle's ``incident.json`` gives ``started_at``. The minutes before ``started_at`` less
``LOOKBACK_NS`` (30 min; the root of an incident often turns bad some minutes before anyone
declares it) are its *normal operation*: the log loader's baseline of rates and templates, and
the metric and trace detectors' baseline and normal envelope (:mod:`rcagraph.loaders.detect`).

A series that begins less than the lookback before the incident (the first minutes of a
recording, a pod started shortly before) has too few samples there: its normal operation is
then every sample before ``started_at`` (:meth:`NormalWindow.end_index`). Those minutes may
hold the root's own early onset or an earlier incident, which is why the detector's baseline
is a median and its envelope what *recurs* there, not the maximum. Only a series with too few
samples before the incident, and a receiver's payload (no incident), fall back to the
detector's leading part of each series.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from rcagraph.loaders.epoch_ns import MINUTE_NS, dt_to_ns
from rcagraph.loaders.timeparse import parse_rfc3339

LOOKBACK_NS = 30 * MINUTE_NS


def incident_start_ns(bundle_dir: Path) -> int | None:
    """``started_at`` of the bundle's incident.json, if it can be read (else None)."""
    path = bundle_dir / "incident.json"
    try:
        if not path.is_file() or path.stat().st_size > 1_000_000:
            return None
        data = json.loads(path.read_text("utf-8"))
        if isinstance(data, Mapping) and data.get("started_at"):
            return dt_to_ns(parse_rfc3339(data["started_at"]))
    except (OSError, ValueError, RecursionError):
        return None
    return None


@dataclass(frozen=True, slots=True)
class NormalWindow:
    """A bundle's normal operation: the samples before ``until_ns`` (``LOOKBACK_NS`` before the
    incident's ``start_ns``)."""

    until_ns: int
    start_ns: int

    def end_index(self, ts: Sequence[int] | npt.NDArray[np.int64], min_points: int) -> int | None:
        """How many of the sorted timestamps ``ts`` are normal operation: those before
        ``until_ns`` when there are at least ``min_points``, else those before the incident's
        start when there are at least ``min_points``, else None (the detector then uses the
        leading part of the series)."""
        stamps = np.asarray(ts, dtype=np.int64)
        for bound in (self.until_ns, self.start_ns):
            n = int(np.searchsorted(stamps, bound))
            if n >= min_points:
                return n
        return None


def normal_window(bundle_dir: Path) -> NormalWindow | None:
    """The bundle's normal window, or None when it has no readable incident."""
    start = incident_start_ns(bundle_dir)
    return None if start is None else NormalWindow(until_ns=start - LOOKBACK_NS, start_ns=start)
