"""Features of a (service, failure mode) at a moment, from the events strictly before it.

One row is a service, one of its failure modes known at time ``t`` (first seen before ``t``),
and ``t`` itself. Every feature counts events with ``at < t`` only; the labels count incidents of
the mode in ``(t, t + horizon]``. The same code serves the in-memory backtest and the graph path
(which reads a :class:`~rcagraph.forecast.history.History` out of a scope first).

Features (all numeric):

* the mode: how often it happened before (``mode_count``, ``mode_rate_30d``, and the log of its
  rate since it was first seen and over the last 90 days, ``mode_log_rate``, ``mode_log_rate_90d``;
  ``svc_log_rate`` for any incident of the service; the share of past moments an incident
  followed within 24 h or 7 d, ``mode_log_hit_24h``, ``mode_log_hit_7d``), recently
  (``mode_inc_7d``, ``mode_inc_30d``), ``mode_log_hours_since`` and its cause kind (one-hot
  ``cause_<kind>``);
* changes on the service: per kind in the last 24 h and 7 days, and the changes of the mode's own
  cause kind (``mode_kind_changes_24h``, ``…_7d``) — a deploy-caused mode follows deploys;
* incidents of the service: ``inc_7d``, ``inc_30d``, ``log_hours_since_inc``;
* anomalies and alerts: all of them, and those with the mode's signature, in 24 h and 7 days;
* topology: ``fan_in``, ``fan_out``, and incidents of the service's dependencies (24 h, 7 d).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from rcagraph.forecast.history import ChangeRec, History
from rcagraph.forecast.modes import parse_mode_key

HORIZONS: dict[str, float] = {"24h": 24.0, "7d": 168.0}
CAUSE_ONE_HOT: tuple[str, ...] = ("deploy", "flag", "config", "infra", "service", "unknown")
CHANGE_GROUPS: dict[str, str] = {
    "deploy": "deploy",
    "flag": "flag",
    "config": "config",
    "secret": "config",
    "infra": "infra",
    "scale": "infra",
    "schema": "infra",
}
_HOURS_CAP = 24.0 * 365

FEATURES: tuple[str, ...] = (
    "mode_count",
    "mode_rate_30d",
    "mode_log_rate",
    "mode_log_rate_90d",
    "mode_log_hit_24h",
    "mode_log_hit_7d",
    "svc_log_rate",
    "mode_inc_7d",
    "mode_inc_30d",
    "mode_log_hours_since",
    *(f"cause_{k}" for k in CAUSE_ONE_HOT),
    "mode_kind_changes_24h",
    "mode_kind_changes_7d",
    "deploys_24h",
    "deploys_7d",
    "flags_24h",
    "flags_7d",
    "configs_24h",
    "configs_7d",
    "infra_7d",
    "inc_7d",
    "inc_30d",
    "log_hours_since_inc",
    "anomalies_24h",
    "anomalies_7d",
    "sig_anomalies_24h",
    "sig_anomalies_7d",
    "alerts_24h",
    "alerts_7d",
    "fan_in",
    "fan_out",
    "dep_inc_24h",
    "dep_inc_7d",
)


def _h(at: datetime) -> float:
    return at.timestamp() / 3600.0


def anomaly_signature_of(mode_signature: str) -> str:
    """The anomaly signature that announces a mode (log modes: error ratio going up)."""
    if mode_signature.startswith("metric:"):
        return mode_signature
    return "metric:error_ratio/up"


@dataclass(frozen=True, slots=True)
class RowMeta:
    service: str
    mode: str
    at: datetime
    change_id: str | None = None


@dataclass(slots=True)
class FeatureMatrix:
    meta: list[RowMeta]
    X: np.ndarray  # (rows, len(FEATURES))
    y: dict[str, np.ndarray] = field(default_factory=dict)  # horizon -> 0/1 labels
    #: for each horizon, whether the label window ends inside the history (not censored)
    complete: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def times(self) -> np.ndarray:
        return np.array([m.at.timestamp() for m in self.meta], dtype=float)

    def subset(self, mask: np.ndarray) -> FeatureMatrix:
        return self.take(np.nonzero(mask)[0])

    def take(self, idx: np.ndarray) -> FeatureMatrix:
        """The rows at ``idx``, in that order."""
        return FeatureMatrix(
            [self.meta[int(i)] for i in idx],
            self.X[idx],
            {h: v[idx] for h, v in self.y.items()},
            {h: v[idx] for h, v in self.complete.items()},
        )


class EventIndex:
    """Sorted event times (in hours) per service, kind and mode, for fast window counts."""

    def __init__(self, history: History) -> None:
        self.history = history
        self.end_h = _h(history.end)
        self.start_h = _h(history.start)
        self.services = history.services
        self.changes: dict[tuple[str, str], list[float]] = defaultdict(list)
        for c in history.changes:
            self.changes[(c.service, CHANGE_GROUPS.get(c.kind, "other"))].append(_h(c.at))
        self.incidents: dict[str, list[float]] = defaultdict(list)
        self.mode_incidents: dict[str, list[float]] = defaultdict(list)
        self.modes_of: dict[str, set[str]] = defaultdict(set)
        for inc in history.incidents:
            t = _h(inc.started_at)
            self.incidents[inc.service].append(t)
            self.mode_incidents[inc.mode_key].append(t)
            self.modes_of[inc.service].add(inc.mode_key)
        self.anomalies: dict[str, list[float]] = defaultdict(list)
        self.sig_anomalies: dict[tuple[str, str], list[float]] = defaultdict(list)
        for a in history.anomalies:
            t = _h(a.at)
            self.anomalies[a.service].append(t)
            self.sig_anomalies[(a.service, a.signature)].append(t)
        self.alerts: dict[str, list[float]] = defaultdict(list)
        for al in history.alerts:
            self.alerts[al.service].append(_h(al.at))
        for table in (
            self.changes,
            self.incidents,
            self.mode_incidents,
            self.anomalies,
            self.sig_anomalies,
            self.alerts,
        ):
            for v in table.values():
                v.sort()
        self.fan_in: dict[str, int] = defaultdict(int)
        self.fan_out: dict[str, int] = defaultdict(int)
        self.deps: dict[str, list[str]] = defaultdict(list)
        for src, dst in history.edges:
            self.fan_out[src] += 1
            self.fan_in[dst] += 1
            self.deps[src].append(dst)

    def known_modes(self, service: str, t: float) -> list[str]:
        """Modes of ``service`` first seen strictly before ``t`` (hours)."""
        return sorted(m for m in self.modes_of.get(service, ()) if self.mode_incidents[m][0] < t)


def _before(arr: Sequence[float], t: float, window: float) -> int:
    """Events in ``[t - window, t)``."""
    return bisect_left(arr, t) - bisect_left(arr, t - window)


def _since(arr: Sequence[float], t: float) -> float:
    i = bisect_left(arr, t)
    return min(t - arr[i - 1], _HOURS_CAP) if i else _HOURS_CAP


def _hit_rate(incidents: Sequence[float], n: int, t: float, h: float) -> float:
    """Log share of past moments (since the mode was first seen) followed by an incident of it
    within ``h`` hours, using only windows that ended before ``t``; a burst counts once."""
    if n == 0:
        return math.log(0.5 / (7 * 24.0))
    first, end = incidents[0], t - h
    covered = 0.0
    if end > first:
        cur_lo = cur_hi = first
        for x in incidents[1:n]:
            lo, hi = max(x - h, first), min(x, end)
            if hi <= lo:
                continue
            if lo > cur_hi:
                covered += cur_hi - cur_lo
                cur_lo, cur_hi = lo, hi
            else:
                cur_hi = max(cur_hi, hi)
        covered += cur_hi - cur_lo
    span = max(end - first, 0.0)
    return math.log((covered + 0.5 * h) / (span + 7 * 24.0))


def feature_vector(
    index: EventIndex,
    service: str,
    mode: str,
    t: float,
    extra_changes: Sequence[tuple[str, float]] = (),
) -> list[float]:
    """The features of (service, mode) at ``t`` hours; ``extra_changes``: (group, hour) added."""
    cause, _, signature = parse_mode_key(mode)
    mi = index.mode_incidents.get(mode, [])
    n_mode = bisect_left(mi, t)
    observed_days = max((t - index.start_h) / 24.0, 1.0)

    def changes(group: str, window: float) -> int:
        n = _before(index.changes.get((service, group), []), t, window)
        return n + sum(1 for g, at in extra_changes if g == group and t - window <= at < t)

    cause_group = CHANGE_GROUPS.get(cause)
    anomalies = index.anomalies.get(service, [])
    sig_an = index.sig_anomalies.get((service, anomaly_signature_of(signature)), [])
    alerts = index.alerts.get(service, [])
    dep_24 = sum(_before(index.incidents.get(d, []), t, 24.0) for d in index.deps.get(service, []))
    dep_7d = sum(_before(index.incidents.get(d, []), t, 168.0) for d in index.deps.get(service, []))
    inc = index.incidents.get(service, [])
    # the mode's rate since it was first seen (its first incident opened it: not counted),
    # with a week of prior exposure; logged, as logit P(incident within h) ≈ log(rate · h)
    known_days = (t - mi[0]) / 24.0 if n_mode else 0.0
    n_90 = _before(mi, t, 24.0 * 90) - (1 if n_mode and t - mi[0] <= 24.0 * 90 else 0)
    return [
        math.log1p(n_mode),
        n_mode / observed_days * 30.0,
        math.log((max(n_mode - 1, 0) + 0.5) / (known_days + 7.0)),
        math.log((max(n_90, 0) + 0.5) / (min(known_days, 90.0) + 7.0)),
        _hit_rate(mi, n_mode, t, 24.0),
        _hit_rate(mi, n_mode, t, 168.0),
        math.log((bisect_left(inc, t) + 0.5) / observed_days),
        float(_before(mi, t, 168.0)),
        float(_before(mi, t, 720.0)),
        math.log1p(_since(mi, t)),
        *(1.0 if cause == k else 0.0 for k in CAUSE_ONE_HOT),
        float(changes(cause_group, 24.0)) if cause_group else 0.0,
        float(changes(cause_group, 168.0)) if cause_group else 0.0,
        float(changes("deploy", 24.0)),
        float(changes("deploy", 168.0)),
        float(changes("flag", 24.0)),
        float(changes("flag", 168.0)),
        float(changes("config", 24.0)),
        float(changes("config", 168.0)),
        float(changes("infra", 168.0)),
        float(_before(inc, t, 168.0)),
        float(_before(inc, t, 720.0)),
        math.log1p(_since(inc, t)),
        float(_before(anomalies, t, 24.0)),
        float(_before(anomalies, t, 168.0)),
        float(_before(sig_an, t, 24.0)),
        float(_before(sig_an, t, 168.0)),
        float(_before(alerts, t, 24.0)),
        float(_before(alerts, t, 168.0)),
        float(index.fan_in.get(service, 0)),
        float(index.fan_out.get(service, 0)),
        float(dep_24),
        float(dep_7d),
    ]


def labels(index: EventIndex, mode: str, t: float) -> dict[str, tuple[int, bool]]:
    """For each horizon: (an incident of ``mode`` in ``(t, t + h]``, window inside history)."""
    mi = index.mode_incidents.get(mode, [])
    out: dict[str, tuple[int, bool]] = {}
    for name, hours in HORIZONS.items():
        n = bisect_right(mi, t + hours) - bisect_right(mi, t)
        out[name] = (int(n > 0), t + hours <= index.end_h)
    return out


def daily_origins(start: datetime, end: datetime, *, warmup_days: int = 14) -> list[datetime]:
    """Midnight origins from ``start + warmup_days`` up to ``end`` (exclusive)."""
    first = (start + timedelta(days=warmup_days)).replace(hour=0, minute=0, second=0, microsecond=0)
    out = []
    t = first
    while t < end:
        out.append(t)
        t += timedelta(days=1)
    return out


def build_matrix(
    index: EventIndex,
    origins: Iterable[datetime],
    *,
    services: Sequence[str] | None = None,
    with_labels: bool = True,
) -> FeatureMatrix:
    """Rows for every service and each of its modes known at every origin."""
    meta: list[RowMeta] = []
    rows: list[list[float]] = []
    ys: dict[str, list[int]] = {h: [] for h in HORIZONS}
    complete: dict[str, list[bool]] = {h: [] for h in HORIZONS}
    for origin in origins:
        t = _h(origin)
        for service in services or index.services:
            for mode in index.known_modes(service, t):
                meta.append(RowMeta(service, mode, origin))
                rows.append(feature_vector(index, service, mode, t))
                if with_labels:
                    for h, (y, ok) in labels(index, mode, t).items():
                        ys[h].append(y)
                        complete[h].append(ok)
    mat = np.array(rows, dtype=float).reshape(len(rows), len(FEATURES))
    fm = FeatureMatrix(meta, mat)
    if with_labels:
        fm.y = {h: np.array(v, dtype=int) for h, v in ys.items()}
        fm.complete = {h: np.array(v, dtype=bool) for h, v in complete.items()}
    return fm


def change_matrix(index: EventIndex, changes: Sequence[ChangeRec], at: datetime) -> FeatureMatrix:
    """Rows for pending or recent changes: their service's modes at ``at``, the change counted.

    A pending change (``at`` in the future) is counted as if it had just happened; a recent one
    is already in the history's counts.
    """
    t = _h(at)
    meta: list[RowMeta] = []
    rows: list[list[float]] = []
    for c in changes:
        ct = _h(c.at)
        extra = [(CHANGE_GROUPS.get(c.kind, "other"), t - 1e-6)] if ct >= t else []
        for mode in index.known_modes(c.service, t):
            meta.append(RowMeta(c.service, mode, at, c.change_id))
            rows.append(feature_vector(index, c.service, mode, t, extra))
    mat = np.array(rows, dtype=float).reshape(len(rows), len(FEATURES))
    return FeatureMatrix(meta, mat)
