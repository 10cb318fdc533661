"""How bench/datasets/nezha.py cuts cases: windows, minute files, the symptom, the ids."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bench.datasets import nezha
from bench.datasets.nezha_files import Fault, Sample
from hypothesis import given
from hypothesis import strategies as st

DAY = datetime(2022, 8, 22, tzinfo=UTC).timestamp()
SECONDS = st.floats(0, 86_399, allow_nan=False)


def fault(at: float, kind: str = "cpu_contention") -> Fault:
    return Fault("2022-08-22", at, "cartservice-579f59597d-wc2lz", kind)


@given(SECONDS, st.none() | SECONDS, st.floats(0, 7200), st.floats(1, 3600))
def test_a_window_runs_from_before_to_after_and_stops_at_the_next_injection(
    at: float, nxt: float | None, before: float, after: float
) -> None:
    f = fault(DAY + at)
    nxt_at = None if nxt is None else DAY + nxt
    lo, hi = nezha.case_window(f, nxt_at, before, after)
    assert lo == f.inject_at - before
    assert f.inject_at < hi <= f.inject_at + after
    if nxt_at is not None and nxt_at > f.inject_at:
        assert hi <= nxt_at
        assert hi == min(f.inject_at + after, nxt_at)
    else:
        assert hi == f.inject_at + after


@given(st.integers(0, 23), st.integers(0, 59), st.sampled_from(["trace", "log", "traceid"]))
def test_a_minute_file_is_dated_by_its_name(hh: int, mm: int, kind: str) -> None:
    assert nezha.minute_of_file(f"{hh:02d}_{mm:02d}_{kind}.csv", "2022-08-22") == (
        DAY + hh * 3600 + mm * 60
    )


def test_other_names_are_no_minute_files() -> None:
    assert nezha.minute_of_file("ABSENT.txt", "2022-08-22") is None
    assert nezha.minute_of_file("25_00_trace.csv", "2022-08-22") is None
    assert nezha.minute_of_file("front_service.csv", "2022-08-22") is None


@given(st.lists(st.integers(0, 1439), unique=True, max_size=30), SECONDS, st.floats(0, 900))
def test_minute_files_are_chosen_by_the_part_of_a_minute_they_hold(
    minutes: list[int], lo_s: float, width: float
) -> None:
    names = [f"{m // 60:02d}_{m % 60:02d}_trace.csv" for m in minutes]
    lo, hi = DAY + lo_s, DAY + lo_s + width
    got = nezha.files_for(names, "2022-08-22", lo, hi)
    assert got == sorted(got)
    for m, name in zip(minutes, names, strict=True):
        t = DAY + m * 60
        holds = t - nezha.FILE_BEFORE_S < hi and t + nezha.FILE_AFTER_S > lo
        assert (name in got) == holds


def test_a_windows_files_are_those_of_the_minutes_it_overlaps() -> None:
    names = [f"04_{m:02d}_trace.csv" for m in range(20)]
    inject = DAY + 4 * 3600 + 2 * 60 + 7  # 04:02:07: the window is 04:00:07 – 04:05:07
    got = nezha.files_for(names, "2022-08-22", inject - nezha.TRACE_LEAD_S, inject + 60 * 3)
    # 04_00 holds 03:59:19–04:00:19, 04_05 holds 04:04:19–04:05:19; 04_06 starts after the end
    assert got == [f"04_{m:02d}_trace.csv" for m in range(6)]


def entry(values: list[tuple[float, float]], inject: float) -> list[Sample]:
    return [
        Sample(inject + off, "frontend", "http_success_rate_percent", v) for off, v in values
    ] + [Sample(inject + off, "frontend", "http_latency_p90_seconds", 0.5) for off, _ in values]


@given(
    st.lists(st.floats(99.0, 100.0), min_size=3, max_size=30),
    st.lists(st.floats(0.0, 100.0), min_size=1, max_size=5),
)
def test_the_symptom_is_errors_when_the_entry_success_rate_dips(
    before: list[float], after: list[float]
) -> None:
    inject = DAY + 5000
    rows = [(-60.0 * (i + 1), v) for i, v in enumerate(before)]
    rows += [(60.0 * i, v) for i, v in enumerate(after)]
    got = nezha.symptom_of(entry(rows, inject), inject)
    dipped = min(after) < statistics.median(before) - 1.0
    assert got["service"] == "frontend"
    assert got == (
        {"service": "frontend", "signal": "errors", "metric": "http_success_rate_percent"}
        if dipped
        else {"service": "frontend", "signal": "latency", "metric": "http_latency_p90_seconds"}
    )


def test_without_entry_data_the_symptom_is_latency() -> None:
    assert nezha.symptom_of([], DAY)["signal"] == "latency"


@given(SECONDS)
def test_incident_ids_name_the_date_and_the_injection_minute(at: float) -> None:
    f = fault(DAY + at)
    hhmm = datetime.fromtimestamp(DAY + at, tz=UTC).strftime("%H%M")
    assert nezha.incident_id(f) == f"nezha-ob-2022-08-22-{hhmm}"


def test_bundles_are_never_written_inside_the_repository(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="inside the repository"):
        nezha._refuse_inside_repo(nezha.ROOT / "tests" / "nezha")
    nezha._refuse_inside_repo(nezha.ROOT / "bench" / "out" / "nezha")
    nezha._refuse_inside_repo(tmp_path)


def test_without_online_boutique_data_nothing_is_converted(tmp_path: Path) -> None:
    (tmp_path / "rca_data" / "2023-01-29").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="Online Boutique"):
        nezha.convert(tmp_path, tmp_path / "out")
