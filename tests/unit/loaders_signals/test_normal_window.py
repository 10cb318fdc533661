"""rcagraph.loaders.normal_window: where a bundle's normal operation ends for each series."""

from __future__ import annotations

import json
from pathlib import Path

from rcagraph.loaders.epoch_ns import MINUTE_NS
from rcagraph.loaders.normal_window import LOOKBACK_NS, NormalWindow, normal_window

START = 1_700_000_000 * 10**9


def minutes(first: int, last: int) -> list[int]:
    """Timestamps one a minute, ``first``..``last`` minutes from the incident's start."""
    return [START + m * MINUTE_NS for m in range(first, last + 1)]


def test_the_lookback_before_the_incident_is_excluded_when_there_is_enough_before_it() -> None:
    window = NormalWindow(until_ns=START - LOOKBACK_NS, start_ns=START)
    ts = minutes(-90, 10)  # 60 samples before the lookback began
    assert window.end_index(ts, min_points=8) == 60


def test_a_series_that_begins_inside_the_lookback_uses_every_sample_before_the_start() -> None:
    """19 samples before the incident, none before the lookback: those 19 are its normal
    operation (the leading quarter of the series would hold an earlier fault or the onset)."""
    window = NormalWindow(until_ns=START - LOOKBACK_NS, start_ns=START)
    assert window.end_index(minutes(-19, 8), min_points=8) == 19


def test_too_few_samples_before_the_start_leave_it_to_the_detector() -> None:
    window = NormalWindow(until_ns=START - LOOKBACK_NS, start_ns=START)
    assert window.end_index(minutes(-3, 20), min_points=8) is None
    assert window.end_index([], min_points=8) is None


def test_the_window_comes_from_incident_json(tmp_path: Path) -> None:
    (tmp_path / "incident.json").write_text(
        json.dumps({"id": "x", "started_at": "2023-11-14T22:13:20Z"})
    )
    window = normal_window(tmp_path)
    assert window == NormalWindow(until_ns=START - LOOKBACK_NS, start_ns=START)
    assert normal_window(tmp_path / "missing") is None
