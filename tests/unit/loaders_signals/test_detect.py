"""detect.py on synthetic series."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rcagraph.loaders.detect import (
    MAX_VALUE,
    DetectConfig,
    detect_shifts,
    normal_envelope,
    robust_baseline,
)

RNG = np.random.default_rng(42)


def test_step_up_onset_direction_magnitude() -> None:
    series = np.r_[RNG.normal(100, 5, 120), RNG.normal(300, 5, 60)]
    (shift,) = detect_shifts(series)
    assert shift.onset == 120
    assert shift.direction == "up"
    assert shift.magnitude > 20
    assert shift.baseline == pytest.approx(100, abs=3)
    assert shift.value == pytest.approx(300, abs=3)
    assert 120 <= shift.peak <= 179 and shift.end == 179


def test_step_down() -> None:
    series = np.r_[RNG.normal(100, 5, 100), RNG.normal(20, 5, 40)]
    (shift,) = detect_shifts(series)
    assert (shift.onset, shift.direction) == (100, "down")


def test_spike() -> None:
    series = RNG.normal(100, 5, 180)
    series[90] = 400
    (shift,) = detect_shifts(series)
    assert (shift.onset, shift.peak, shift.end) == (90, 90, 90)
    assert shift.method == "robust_z_spike"
    assert shift.direction == "up"


@pytest.mark.parametrize("seed", range(5))
def test_flat_noise_gives_nothing(seed: int) -> None:
    rng = np.random.default_rng(seed)
    assert detect_shifts(rng.normal(100, 5, 500)) == []


def test_constant_series_and_tiny_wobble_give_nothing() -> None:
    assert detect_shifts(np.full(100, 120.0)) == []
    wobble = np.full(100, 120.0)
    wobble[60:] = 121.0  # < 1 % of the level
    assert detect_shifts(wobble) == []


def test_strong_trend_is_reported_up_after_the_baseline() -> None:
    series = np.linspace(0, 100, 200) + RNG.normal(0, 2, 200)
    shifts = detect_shifts(series)
    assert shifts and all(s.direction == "up" for s in shifts)
    assert shifts[0].onset >= 50


def test_gentle_trend_within_noise_gives_nothing() -> None:
    series = np.linspace(100, 101, 200) + RNG.normal(0, 5, 200)
    assert detect_shifts(series) == []


def test_episode_then_recovery_is_one_shift() -> None:
    series = np.r_[
        RNG.normal(0.002, 0.0005, 100), RNG.normal(0.075, 0.005, 20), RNG.normal(0.002, 0.0005, 60)
    ]
    (shift,) = detect_shifts(series)
    assert (shift.onset, shift.end, shift.direction) == (100, 119, "up")


def test_min_scale_floor_ignores_small_absolute_changes() -> None:
    series = np.r_[np.zeros(50), np.full(20, 0.001)]
    assert detect_shifts(series)  # zero baseline: any change is extreme
    assert detect_shifts(series, DetectConfig(min_scale=0.01)) == []


def test_nan_points_are_skipped_and_indices_refer_to_input() -> None:
    series = np.r_[RNG.normal(10, 1, 60), RNG.normal(40, 1, 30)]
    series[[5, 70]] = np.nan
    (shift,) = detect_shifts(series)
    assert shift.onset == 60


def test_short_series_gives_nothing() -> None:
    assert detect_shifts([1.0, 100.0, 1.0]) == []


def test_deterministic() -> None:
    series = np.r_[RNG.normal(5, 1, 80), RNG.normal(15, 1, 40)]
    assert detect_shifts(series) == detect_shifts(series.copy())


def test_robust_baseline_ignores_outliers_in_the_lead() -> None:
    lead = np.r_[np.full(30, 10.0), [1000.0]]
    median, scale = robust_baseline(np.r_[lead, np.full(93, 10.0)])
    assert median == 10.0 and scale < 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), max_size=300))
# a short episode of two points near the largest float: their median overflowed
@example([0.0, 0.0, 0.0, 8.98846567e307, 8.98846567e307])
@example([1.0] * 40 + [-1.7e308, 1.7e308] * 10)
def test_any_series_is_handled(values: list[float]) -> None:
    for shift in detect_shifts(np.asarray(values, dtype=np.float64)):
        assert 0 <= shift.onset <= shift.end < len(values)
        assert shift.direction in {"up", "down"}
        assert 0 <= shift.magnitude <= 1000


def test_points_beyond_the_largest_value_are_dropped_like_nan() -> None:
    series = np.r_[np.full(40, 10.0), [2 * MAX_VALUE], np.full(20, 50.0)]
    (shift,) = detect_shifts(series)
    # the garbage point is skipped; indices still refer to the input
    assert shift.direction == "up" and shift.onset == 41 and shift.value == 50.0


def test_drop_on_a_perfectly_flat_series_is_reported() -> None:
    # availability exactly 100 % until a short dip to ~97 %: under the 1 % floor this was missed
    series = np.r_[np.full(36, 100.0), [100.0, 100.0, 97.7, 96.3, 99.4]]
    (shift,) = detect_shifts(series)
    assert shift.direction == "down" and shift.onset == 38 and shift.magnitude >= 4.0


def test_short_window_bump_is_judged_against_its_own_median() -> None:
    (shift,) = detect_shifts([0.0068, 0.026, 0.051, 0.0094, 0.0066])
    assert (shift.method, shift.direction, shift.peak) == ("short_window_z", "up", 2)
    # a noisy short series with no clear bump gives nothing
    assert detect_shifts([2.5, 0.87, 4.9, 2.5, 3.7]) == []


def test_short_window_takes_its_points_before_the_incident_as_baseline() -> None:
    # PetShop-style: five 5-minute samples, the fault from the third on (latency 0.07 -> 0.9)
    series = [0.0716, 0.0748, 0.8024, 1.1074, 0.8848]
    # against its own median (0.80, the fault's level) the fault is missed
    assert detect_shifts(series) == []
    (shift,) = detect_shifts(series, normal_end=2)
    assert (shift.method, shift.direction, shift.onset, shift.end) == ("short_window_z", "up", 2, 4)
    assert shift.baseline == pytest.approx(0.0732)
    # the scale floor: a 10 % wobble after two flat points is no episode
    assert detect_shifts([1.0, 1.0, 1.1, 0.95, 1.05], normal_end=2) == []
    # one leading point is too few: the series' own median again
    assert detect_shifts(series, normal_end=1) == []


# -- the normal window: baseline, envelope excess, short excursions -------------------------------


def test_normal_window_is_the_baseline() -> None:
    """With ``normal_end`` the baseline is the normal window, however short a part of the file
    it is (the leading quarter would already hold the incident here)."""
    series = np.r_[RNG.normal(50, 1, 20), RNG.normal(90, 1, 80)]
    (shift,) = detect_shifts(series, normal_end=20)
    assert shift.baseline == pytest.approx(50, abs=1)
    assert shift.direction == "up" and shift.onset == 20
    assert shift.excess is not None and shift.excess > 20


def test_periodic_bursts_in_normal_operation_have_no_excess() -> None:
    """A burst no larger than the series' own bursts in normal operation is within its
    envelope (excess 0); a clean saturation far beyond it is not."""
    rng = np.random.default_rng(7)
    noisy = rng.normal(10, 0.5, 120)
    noisy[::15] = 40.0  # a burst every 15 samples, in normal operation and after it
    bursts = [s for s in detect_shifts(noisy, normal_end=80) if s.onset >= 80]
    assert bursts and all(s.excess == 0.0 for s in bursts)
    clean = np.r_[rng.normal(1.0, 0.05, 80), np.full(40, 100.0)]
    (sat,) = detect_shifts(clean, normal_end=80)
    assert sat.excess is not None and sat.excess > 100


def test_two_point_dip_on_a_flat_series_is_an_excursion() -> None:
    """Availability at exactly 100 % throughout normal operation, then two samples at 97 %:
    too short for a change-point segment, but beyond anything the series did before."""
    series = np.r_[np.full(38, 100.0), [97.0, 96.5], np.full(10, 100.0)]
    (dip,) = detect_shifts(series, normal_end=38)
    assert dip.method == "normal_excursion"
    assert (dip.onset, dip.end, dip.direction) == (38, 39, "down")
    assert dip.excess is not None and dip.excess >= 4


def test_without_a_normal_window_nothing_changes() -> None:
    """No incident (a receiver's payload): the leading-part baseline, no excursions."""
    series = np.r_[RNG.normal(100, 5, 120), RNG.normal(300, 5, 60)]
    (a,) = detect_shifts(series)
    (b,) = detect_shifts(series, normal_end=None)
    assert (a.onset, a.magnitude, a.method) == (b.onset, b.magnitude, b.method)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), max_size=80),
    st.integers(min_value=-5, max_value=100),
)
def test_any_series_with_any_normal_end_is_handled(values: list[float], end: int) -> None:
    for shift in detect_shifts(values, normal_end=end):
        assert shift.excess is None or shift.excess >= 0.0
        assert 0 <= shift.onset <= shift.peak <= shift.end < len(values)


def test_an_earlier_incident_in_the_normal_window_does_not_raise_the_envelope() -> None:
    """The minutes before an incident hold an earlier fault on the same series (one episode
    at 90 % CPU). The envelope is what the series reaches *again and again* (the third highest
    excursion), so the new saturation at 90 % still has an excess; with one earlier episode as
    the envelope (rank 1) it had none."""
    rng = np.random.default_rng(11)
    series = rng.normal(20.0, 2.0, 60)
    series[10:15] = 90.0  # an earlier incident, inside the normal window
    series[45:50] = 90.0  # this incident
    (*_, now) = detect_shifts(series, normal_end=40)
    assert now.onset == 45 and now.excess is not None and now.excess > 10
    (*_, rank1) = detect_shifts(series, DetectConfig(envelope_rank=1), normal_end=40)
    assert rank1.onset == 45 and rank1.excess == 0.0


def test_the_envelope_is_the_rank_th_highest_excursion() -> None:
    deviation = np.array([0.0, 5.0, 0.0, 9.0, 1.0, 0.0, 3.0, 0.0, -2.0, -7.0, 0.0])
    assert normal_envelope(deviation, 1) == {"up": 9.0, "down": 7.0}
    assert normal_envelope(deviation, 3) == {"up": 3.0, "down": 0.0}  # one run below
    assert normal_envelope(np.zeros(5), 3) == {"up": 0.0, "down": 0.0}
