"""How strongly each component's own health departs from its normal operation, view-wide.

The propagation features (:mod:`rcagraph.engine.features`) ask *in what order* components
turned bad. On real telemetry that order is often not observable: metrics sampled every minute
or five make a root and its callers turn bad "at the same time", and call graphs miss edges.
What is still observable is *how far* each component went beyond what it does in normal
operation, and *in which signal class*. This module computes, once per view:

* **excess** per component: the largest robust z beyond the series' normal envelope
  (``SignalEvent.excess``, see :mod:`rcagraph.loaders.detect`; the robust z itself where the
  envelope is unknown) among its failure anomalies of a health class (not traffic) that are
  *under way at or after the incident's onset*: begun at most ``horizon`` before it (the root
  turns bad first) and not known to be over before it (less the clock-skew tolerance), up to
  ``follow_window`` after it. An episode that began and ended before the onset is an earlier
  event (a previous incident, a burst of the series' own), not this incident's evidence;
* **size** per component: among those anomalies (the ones beyond the normal envelope), the
  largest *fold change* of the episode against its baseline, ``|log(value / baseline)|``
  (:func:`fold_change`). A robust z measures change against a series' noise, so a flat series
  (a latency of 4.6 ms to the microsecond) turns a trivial change into z 1000, and the z of a
  CPU at 0.5 % → 85 % and of a latency at 4 → 7 ms cannot be compared; how many-fold each went
  can, whatever the unit and the metric family. Where baseline and value are unknown, the
  excess stands in (``log1p``);
* **dominance**: the mean of two shares, each against the most deviating component of the
  view: the component's size over the largest size, and ``log1p`` of its excess over that of
  the largest excess (1 for a component that leads on both). Each alone misleads on real
  telemetry: the robust z on flat series (above), the fold change along a call chain, where a
  caller's latency percentile starts from a lower baseline than its callee's and so changes
  "more-fold" for the same added seconds. An error-log burst is sized as the fold change of
  the service's error rate over its baseline rate (the burst's ``baseline_ratio``), so logs
  sit on the same scale as metrics; a component whose only evidence is logs (no metric beyond
  its envelope) has the size share alone;
* **signal match**: whether the component fails in the symptom's own signal class. Errors
  propagate to callers as errors (availability is the same class), latency as latency, and a
  saturated resource shows as latency; a component whose only anomaly is in another class
  (latency noise during an availability incident) explains the symptom less well.

Every value is in [0, 1].
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from rcagraph.engine.view import IncidentView, SignalEvent

#: which failing signal classes of a component explain a symptom of a class, and how well
_MATCH: dict[str, dict[str, float]] = {
    "errors": {"errors": 1.0, "availability": 1.0},
    "availability": {"errors": 1.0, "availability": 1.0},
    "latency": {"latency": 1.0, "saturation": 1.0, "errors": 1.0, "availability": 1.0},
    "saturation": {"saturation": 1.0, "latency": 1.0},
}
_UNKNOWN_MATCH = 0.5  # the symptom's class is unknown ("other", or no symptom)
#: saturation-class metrics of a component's own compute resources: what a failing dependency
#: does not drive up in its callers (it fills their thread pools, queues and connection pools,
#: which are saturation too, but not these)
COMPUTE_RESOURCE = re.compile(
    r"cpu|mem|heap|swap|disk|iops|throttl|fd_|open_files|gc_", re.IGNORECASE
)
#: sizes cap at a hundredfold change (from nothing to something is "total", not infinite)
FOLD_CAP = math.log(101.0)


def propagating_classes(symptom_classes: frozenset[str] | set[str]) -> frozenset[str] | None:
    """The metric signal classes whose failures can travel to a symptom of these classes (the
    ones that mark onsets and carry propagation), or None when the symptoms' class is unknown
    (every class then counts)."""
    known = [c for c in symptom_classes if c in _MATCH]
    if not known:
        return None
    return frozenset(c for sc in known for c, w in _MATCH[sc].items() if w >= 1.0)


@dataclass(slots=True)
class Strength:
    """Per component: ``excess`` (raw robust z), ``size`` (fold change), ``dominance`` and
    ``match`` in [0, 1]."""

    excess: dict[str, float] = field(default_factory=dict)
    size: dict[str, float] = field(default_factory=dict)
    #: the size of the component's saturation-class anomalies alone (its own resources)
    saturation_size: dict[str, float] = field(default_factory=dict)
    #: the size of its compute-resource anomalies alone (:data:`COMPUTE_RESOURCE`)
    resource_size: dict[str, float] = field(default_factory=dict)
    classes: dict[str, set[str]] = field(default_factory=dict)
    top: float = 0.0
    top_size: float = 0.0
    top_saturation: float = 0.0
    top_resource: float = 0.0
    symptom_classes: frozenset[str] = frozenset()

    def saturation(self, n: str) -> float:
        """The component's own-resource share: its saturation size over the view's largest."""
        size = self.saturation_size.get(n, 0.0)
        if size <= 0.0 or self.top_saturation <= 0.0:
            return 0.0
        return size / self.top_saturation

    def own_resources(self, n: str) -> float:
        """The component's compute-resource share (CPU, memory, disk, file descriptors): its
        size over the view's largest. A failing dependency fills a caller's thread pools and
        queues, not its CPU or memory."""
        size = self.resource_size.get(n, 0.0)
        if size <= 0.0 or self.top_resource <= 0.0:
            return 0.0
        return size / self.top_resource

    def dominance(self, n: str) -> float:
        size = self.size.get(n, 0.0)
        if size <= 0.0 or self.top_size <= 0.0:
            return 0.0
        e = self.excess.get(n, 0.0)
        if e <= 0.0:
            # only log evidence (no metric beyond its envelope): the size share stands alone
            return size / self.top_size
        by_z = math.log1p(e) / math.log1p(self.top) if self.top > 0.0 else 0.0
        return 0.5 * (size / self.top_size + by_z)

    def match(self, n: str) -> float:
        classes = self.classes.get(n)
        if not classes:
            return 0.0
        if not self.symptom_classes:
            return _UNKNOWN_MATCH
        return max(
            (_MATCH.get(sc, {}).get(c, 0.0) for sc in self.symptom_classes for c in classes),
            default=0.0,
        )


def signal_excess(s: SignalEvent) -> float:
    """A metric anomaly's robust z beyond its normal envelope (its robust z when unknown)."""
    if s.excess is not None:
        return abs(s.excess)
    return abs(s.magnitude) if s.magnitude is not None else 0.0


def fold_change(s: SignalEvent, cls: str) -> float | None:
    """``|log(value / baseline)|`` of a metric anomaly, capped at :data:`FOLD_CAP` (None when
    either is unknown). For the availability class the *unavailable* share is compared
    (100 % → 97 % is 3 points of failure where there were none; on a 0–1 scale alike); a
    floor of 1 % of the larger of the two keeps a change from exactly 0 finite."""
    if s.baseline is None or s.value is None:
        return None
    base, value = s.baseline, s.value
    if not (math.isfinite(base) and math.isfinite(value)):
        return None
    if cls == "availability":
        full = 100.0 if max(abs(base), abs(value)) > 1.0 else 1.0
        base, value = full - base, full - value
    base, value = abs(base), abs(value)
    floor = 0.01 * max(base, value) + 1e-12
    return min(abs(math.log((value + floor) / (base + floor))), FOLD_CAP)


def view_strength(
    view: IncidentView,
    *,
    lo: datetime,
    hi: datetime,
    is_failure: Callable[[SignalEvent], bool],
    signal_class: Callable[[SignalEvent], str],
    ongoing_from: datetime | None = None,
) -> Strength:
    """:class:`Strength` of every component of ``view`` from its failure anomalies that begin
    in ``[lo, hi]`` and, with ``ongoing_from``, last until then at least (``is_failure`` and
    ``signal_class`` classify a signal)."""
    out = Strength(
        symptom_classes=frozenset(s.signal for s in view.incident.symptoms if s.signal in _MATCH)
    )
    for s in view.signals:
        if not lo <= s.at <= hi or not is_failure(s):
            continue
        over = ongoing_from is not None and s.end_at is not None and s.end_at < ongoing_from
        if over and s.kind != "new_log_template":
            continue  # over before the incident began: an earlier episode
        if s.kind in ("log_burst", "new_log_template"):
            # an error-level log burst or new template is a failure of the errors class; a
            # burst's size is the fold change of its error rate over the service's baseline rate
            # (the burst's ``baseline_ratio``), on the same scale as a metric's fold change
            out.classes.setdefault(s.service, set()).add("errors")
            ratio = s.magnitude
            if s.kind == "log_burst" and ratio is not None and ratio > 1.0:
                size = min(math.log(ratio), FOLD_CAP)
                if size > out.size.get(s.service, 0.0):
                    out.size[s.service] = size
            continue
        if s.kind != "metric_anomaly":
            continue
        cls = signal_class(s)
        e = signal_excess(s)
        if cls == "other" or e <= 0.0:
            continue  # traffic (the load a component receives), or within normal behaviour
        out.classes.setdefault(s.service, set()).add(cls)
        if e > out.excess.get(s.service, 0.0):
            out.excess[s.service] = e
        fold = fold_change(s, cls)
        size = min(math.log1p(e), FOLD_CAP) if fold is None else fold
        if size > out.size.get(s.service, 0.0):
            out.size[s.service] = size
        if cls == "saturation" and size > out.saturation_size.get(s.service, 0.0):
            out.saturation_size[s.service] = size
        if (
            cls == "saturation"
            and COMPUTE_RESOURCE.search(s.metric or "")
            and size > out.resource_size.get(s.service, 0.0)
        ):
            out.resource_size[s.service] = size
    out.top = max(out.excess.values(), default=0.0)
    out.top_size = max(out.size.values(), default=0.0)
    out.top_saturation = max(out.saturation_size.values(), default=0.0)
    out.top_resource = max(out.resource_size.values(), default=0.0)
    return out
