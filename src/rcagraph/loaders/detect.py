"""Anomaly and change-point detection on one series: pure functions on numpy arrays.

The method, in order:

1. **Robust baseline.** The leading part of the series (``baseline_frac`` of it, at least
   ``min_segment`` points) gives the baseline median and a robust scale: ``1.4826·MAD``, floored
   by the noise level of the whole series (MAD of first differences / √2, which a level shift
   does not inflate), by 1 % of the baseline's magnitude, and by a tiny absolute value, so a
   constant series does not turn every wobble into an infinite z-score.
2. **Screen.** A series where no point lies ``min_magnitude`` robust z away from the baseline
   yields nothing (flat noise stops here, cheaply).
3. **Change points.** ``ruptures.Binseg`` (cost ``l2``) on the series standardised by the noise
   level, penalty ``penalty_factor·log(n)`` — scaled to the series length on unit-variance data.
   Each segment's median is compared with the baseline; consecutive segments shifted the same
   way by at least ``min_magnitude`` robust z form one episode: onset = first point of the
   first shifted segment, peak = the point furthest from the baseline, end = last point.
4. **Spikes.** Points outside any episode that lie ``spike_magnitude`` robust z away (runs of
   them shorter than a segment) are reported as spikes.

Two special cases:

* **A perfectly flat baseline** (zero MAD in the leading part and zero noise over the series,
  e.g. an availability of exactly 100 % until the incident) floors its scale at
  ``flat_rel_floor`` (0.5 %) of the baseline's magnitude instead of 1 %: on such a series a
  drop to 97 % is real, and with the 1 % floor it stayed under the thresholds.
* **A short series** (fewer than ``min_points`` points, but at least ``short_min_points``) has
  no leading part long enough for a baseline, and change-point search is meaningless on it.
  Such a series is typically just the incident's own window (a few samples around onset).
  When at least ``short_lead_points`` of its points precede the incident's start, they are
  its baseline (time order: normal operation first, as for a long series), with a robust
  scale floored at ``short_rel_floor`` (5 %) of their median; otherwise its points are judged
  against the series' own median and robust scale (1.4826·MAD, with the floors above). A run
  of points at least ``short_magnitude`` away, in one direction, is one episode (method
  ``short_window_z``). The series' own median fails when the fault covers most of the window
  (three of five samples after the fault's onset): the fault is then the median, and it is
  missed, or the normal points before it read as a drop.

Everything is deterministic: the same series gives the same shifts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import ruptures as rpt

FloatArray = npt.NDArray[np.float64]

_MAD_TO_SIGMA = 1.4826
_MAX_MAGNITUDE = 1000.0


@dataclass(frozen=True, slots=True)
class Shift:
    """One detected anomaly, as indices into the series the detector was given."""

    onset: int
    peak: int
    end: int
    direction: str  # "up" or "down"
    magnitude: float  # robust z of the episode's median (spikes: of the peak), capped at 1000
    baseline: float  # baseline median
    value: float  # episode median (spikes: the peak value)
    peak_value: float
    method: str  # "binseg_l2", "robust_z_spike", "short_window_z" or "normal_excursion"
    #: robust z beyond the normal window's own envelope in the shift's direction (how much
    #: further the series went than it ever did in normal operation); None without a normal
    #: window (short series)
    excess: float | None = None


@dataclass(frozen=True, slots=True)
class DetectConfig:
    min_magnitude: float = 4.0
    spike_magnitude: float = 8.0
    baseline_frac: float = 0.25
    min_segment: int = 3
    min_points: int = 8
    penalty_factor: float = 3.0
    max_points: int = 2000  # longer series are searched with a coarser jump
    min_scale: float = 1e-9  # absolute floor of the robust scale (in the series' unit)
    flat_rel_floor: float = 0.005  # relative scale floor when the baseline is perfectly flat
    short_min_points: int = 5  # shorter series yield nothing
    short_magnitude: float = 3.0  # robust z of a short series' episode (its own median)
    #: a short series with at least this many points before the incident takes them as its
    #: baseline (else its own median)
    short_lead_points: int = 2
    #: relative scale floor of a short series judged against its leading points (a scale
    #: from two or three points is no measure of the series' noise)
    short_rel_floor: float = 0.05
    #: an excursion (a run of points beyond the normal envelope) this far past the envelope
    #: is reported even when it is too short for a change-point segment or a spike
    excursion_excess: float = 4.0
    #: the normal envelope in a direction is the ``envelope_rank``-th highest peak of the normal
    #: window's runs on that side of the median: a level the series reaches again and again
    #: (its own bursts) is normal, one it reached once or twice (an earlier incident in the
    #: window) is not
    envelope_rank: int = 3


DEFAULT = DetectConfig()

#: the largest magnitude a point may have (larger ones, like NaN and inf, are dropped)
MAX_VALUE = 1e300


def noise_scale(values: FloatArray) -> float:
    """Noise level robust to level shifts: 1.4826·MAD of first differences / √2."""
    if values.size < 3:
        return 0.0
    with np.errstate(over="ignore", invalid="ignore"):  # values near 1e308: inf differences
        diffs = np.diff(values)
        mad = float(np.median(np.abs(diffs - np.median(diffs))))
    return _MAD_TO_SIGMA * mad / math.sqrt(2.0)


def baseline_length(n: int, config: DetectConfig = DEFAULT, normal_n: int | None = None) -> int:
    """Points of the baseline: the normal window when one of at least ``min_points`` is given,
    else the leading ``baseline_frac`` of the series (at least ``min_segment`` points)."""
    if normal_n is not None and config.min_points <= normal_n <= n:
        return normal_n
    return min(n, max(config.min_segment, int(n * config.baseline_frac)))


def robust_baseline(
    values: FloatArray, config: DetectConfig = DEFAULT, normal_n: int | None = None
) -> tuple[float, float]:
    """(median, robust scale) of the baseline part of ``values`` (:func:`baseline_length`),
    with the floors described above."""
    n = values.size
    lead_n = baseline_length(n, config, normal_n)
    lead = values[:lead_n]
    median = float(np.median(lead))
    mad = float(np.median(np.abs(lead - median)))
    noise = noise_scale(values)
    rel = config.flat_rel_floor if mad == 0.0 and noise == 0.0 else 0.01
    scale = max(
        _MAD_TO_SIGMA * mad,
        noise,
        rel * abs(median),
        config.min_scale,
        1e-9,
    )
    return median, scale


def normal_min_points(n: int, config: DetectConfig = DEFAULT) -> int:
    """How many points before the incident a series of ``n`` points needs for them to be its
    baseline: ``min_points``, or ``short_lead_points`` for a short series."""
    long = n >= max(config.min_points, 2 * config.min_segment + 1)
    return config.min_points if long else config.short_lead_points


def short_window_shifts(
    x: FloatArray,
    finite_idx: npt.NDArray[np.intp],
    config: DetectConfig = DEFAULT,
    lead: int | None = None,
) -> list[Shift]:
    """Episodes of a short series judged against its ``lead`` points before the incident, or
    against its own median (see the module docstring)."""
    if lead is not None and config.short_lead_points <= lead < x.size:
        base = x[:lead]
        median = float(np.median(base))
        mad = float(np.median(np.abs(base - median)))
        rel_floor = config.short_rel_floor
    else:
        median = float(np.median(x))
        mad = float(np.median(np.abs(x - median)))
        rel_floor = 0.01
    scale = max(_MAD_TO_SIGMA * mad, rel_floor * abs(median), config.min_scale, 1e-9)
    with np.errstate(over="ignore", invalid="ignore"):  # values near 1e308 give inf: extreme
        deviation = (x - median) / scale
    shifts: list[Shift] = []
    i, n = 0, x.size
    while i < n:
        if abs(deviation[i]) < config.short_magnitude:
            i += 1
            continue
        j = i
        while (
            j + 1 < n
            and abs(deviation[j + 1]) >= config.short_magnitude
            and np.sign(deviation[j + 1]) == np.sign(deviation[i])
        ):
            j += 1
        shifts.append(_run_shift(x, finite_idx, deviation, i, j, median, scale, "short_window_z"))
        i = j + 1
    return shifts


def _run_shift(
    x: FloatArray,
    finite_idx: npt.NDArray[np.intp],
    deviation: FloatArray,
    i: int,
    j: int,
    median: float,
    scale: float,
    method: str,
) -> Shift:
    """The shift of the run of points ``i..j`` (one direction): its median against the
    baseline, its furthest point as the peak."""
    run = np.abs(deviation[i : j + 1])
    peak = i + int(np.argmax(run))
    seg_median = float(np.median(x[i : j + 1]))
    return Shift(
        onset=int(finite_idx[i]),
        peak=int(finite_idx[peak]),
        end=int(finite_idx[j]),
        direction="up" if deviation[peak] > 0 else "down",
        magnitude=round(_z(seg_median, median, scale), 6),
        baseline=median,
        value=seg_median,
        peak_value=float(x[peak]),
        method=method,
    )


def _z(value: float, median: float, scale: float) -> float:
    return min(abs(value - median) / scale, _MAX_MAGNITUDE)


def _breakpoints(x: FloatArray, scale: float, config: DetectConfig) -> list[int]:
    """Segment ends (exclusive) of ``x``, the last one being ``len(x)``."""
    n = x.size
    with np.errstate(over="ignore", invalid="ignore"):  # values near 1e308 give inf: extreme
        standardised = ((x - float(np.median(x))) / scale).reshape(-1, 1)
    jump = max(1, math.ceil(n / config.max_points))
    algo = rpt.Binseg(model="l2", min_size=config.min_segment, jump=jump)
    try:
        # extreme values (~1e308) overflow the l2 cost: such a series just segments coarsely
        with np.errstate(over="ignore", invalid="ignore"):
            result = algo.fit(standardised).predict(pen=config.penalty_factor * math.log(n))
    except rpt.exceptions.BadSegmentationParameters:
        return [n]
    ends = sorted({int(b) for b in result if 0 < int(b) <= n})
    if not ends or ends[-1] != n:
        ends.append(n)
    return ends


def detect_shifts(
    values: npt.ArrayLike, config: DetectConfig = DEFAULT, normal_end: int | None = None
) -> list[Shift]:
    """Anomalies of one series (NaN/inf points and points beyond ±:data:`MAX_VALUE` are
    dropped; indices refer to the input).

    ``normal_end``: the input points before this index are normal operation (the bundle's
    incident had not begun); they are the baseline and give the normal envelope."""
    raw = np.asarray(values, dtype=np.float64).ravel()
    # beyond ±MAX_VALUE a point is no measurement (a counter's garbage, a sentinel): its
    # arithmetic (medians of two such points, differences across zero) overflows, so it is
    # dropped like NaN
    finite_idx = np.flatnonzero(np.abs(raw) <= MAX_VALUE)
    x = raw[finite_idx]
    n = x.size
    normal_n = int(np.searchsorted(finite_idx, normal_end)) if normal_end is not None else None
    if n < max(config.min_points, 2 * config.min_segment + 1):
        if n >= config.short_min_points:
            return short_window_shifts(x, finite_idx, config, normal_n)
        return []
    lead_n = baseline_length(n, config, normal_n)
    median, scale = robust_baseline(x, config, normal_n)
    with np.errstate(over="ignore", invalid="ignore"):  # values near 1e308 give inf: extreme
        deviation = (x - median) / scale
    if not np.any(np.abs(deviation) >= config.min_magnitude):
        return []
    envelope = normal_envelope(deviation[:lead_n], config.envelope_rank)

    noise = max(noise_scale(x), 0.01 * abs(median), config.min_scale, 1e-9)
    ends = _breakpoints(x, noise, config)
    shifts: list[Shift] = []
    covered = np.zeros(n, dtype=bool)
    episode: list[tuple[int, int]] = []  # segments (start, end) of the current episode
    episode_dir = ""

    def close_episode() -> None:
        if not episode:
            return
        start, stop = episode[0][0], episode[-1][1]
        seg = x[start:stop]
        seg_median = float(np.median(seg))
        offsets = np.abs(seg - median)
        peak = start + int(np.argmax(offsets))
        covered[start:stop] = True
        shifts.append(
            Shift(
                onset=int(finite_idx[start]),
                peak=int(finite_idx[peak]),
                end=int(finite_idx[stop - 1]),
                direction=episode_dir,
                magnitude=round(_z(seg_median, median, scale), 6),
                baseline=median,
                value=seg_median,
                peak_value=float(x[peak]),
                method="binseg_l2",
            )
        )

    start = 0
    for stop in ends:
        seg_median = float(np.median(x[start:stop]))
        z = (seg_median - median) / scale
        direction = "up" if z > 0 else "down"
        if start > 0 and abs(z) >= config.min_magnitude:
            if episode and direction != episode_dir:
                close_episode()
                episode.clear()
            episode_dir = direction
            episode.append((start, stop))
        else:
            close_episode()
            episode.clear()
        start = stop
    close_episode()

    # spikes: runs of extreme points outside any episode
    extreme = (np.abs(deviation) >= config.spike_magnitude) & ~covered
    i = 0
    while i < n:
        if not extreme[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and extreme[j + 1] and np.sign(deviation[j + 1]) == np.sign(deviation[i]):
            j += 1
        run = np.abs(deviation[i : j + 1])
        peak = i + int(np.argmax(run))
        shifts.append(
            Shift(
                onset=int(finite_idx[i]),
                peak=int(finite_idx[peak]),
                end=int(finite_idx[j]),
                direction="up" if deviation[peak] > 0 else "down",
                magnitude=round(_z(float(x[peak]), median, scale), 6),
                baseline=median,
                value=float(x[peak]),
                peak_value=float(x[peak]),
                method="robust_z_spike",
            )
        )
        i = j + 1
    if normal_n is not None and lead_n == normal_n:
        shifts += _excursions(
            x, finite_idx, deviation, covered, lead_n, envelope, median, scale, config
        )
    shifts = [_with_excess(s, envelope, median, scale) for s in shifts]
    shifts.sort(key=lambda s: (s.onset, s.method))
    return shifts


def normal_envelope(deviation: FloatArray, rank: int) -> dict[str, float]:
    """Per direction, the ``rank``-th highest peak (robust z) among the runs of ``deviation``
    on that side of the baseline (0 when there are fewer runs): how far the series goes,
    repeatedly, in normal operation."""
    out: dict[str, float] = {}
    for direction, side in (("up", deviation), ("down", -deviation)):
        peaks: list[float] = []
        current = 0.0
        for value in side:
            if value > 0.0:
                current = max(current, float(value))
            elif current > 0.0:
                peaks.append(current)
                current = 0.0
        if current > 0.0:
            peaks.append(current)
        peaks.sort(reverse=True)
        out[direction] = peaks[rank - 1] if len(peaks) >= rank else 0.0
    return out


def _with_excess(shift: Shift, envelope: dict[str, float], median: float, scale: float) -> Shift:
    """The shift with its ``excess``: its robust z beyond the normal envelope (0 when within)."""
    z = _z(shift.value, median, scale)
    return replace(shift, excess=round(max(0.0, z - envelope[shift.direction]), 6))


def _excursions(
    x: FloatArray,
    finite_idx: npt.NDArray[np.intp],
    deviation: FloatArray,
    covered: npt.NDArray[np.bool_],
    start: int,
    envelope: dict[str, float],
    median: float,
    scale: float,
    config: DetectConfig,
) -> list[Shift]:
    """Runs of points after the normal window, not yet in a shift, that lie
    ``excursion_excess`` robust z beyond the normal envelope in one direction: a fault that
    lasts two samples of a coarse series (5 min) is too short for a change-point segment and,
    on a series that never moved in normal operation, too small for a spike."""
    beyond_up = deviation - envelope["up"] >= config.excursion_excess
    beyond_down = -deviation - envelope["down"] >= config.excursion_excess
    out: list[Shift] = []
    i, n = start, x.size
    while i < n:
        up = bool(beyond_up[i])
        if covered[i] or not (up or beyond_down[i]):
            i += 1
            continue
        flags = beyond_up if up else beyond_down
        j = i
        while j + 1 < n and flags[j + 1] and not covered[j + 1]:
            j += 1
        out.append(_run_shift(x, finite_idx, deviation, i, j, median, scale, "normal_excursion"))
        i = j + 1
    return out


def robust_rate_baseline(counts: FloatArray, config: DetectConfig = DEFAULT) -> tuple[float, float]:
    """Baseline of a per-minute count series: the median of the leading part, and a scale that
    also respects Poisson noise (√median), floored at 1 line per minute."""
    median, scale = robust_baseline(counts, config)
    return median, max(scale, math.sqrt(max(median, 0.0)), 1.0)
