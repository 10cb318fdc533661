"""How strongly each component's own health departs from its normal operation, view-wide.

The propagation features (:mod:`rcagraph.engine.features`) ask *in what order* components
turned bad. On real telemetry that order is often not observable: metrics sampled every minute
or five make a root and its callers turn bad "at the same time", and call graphs miss edges.
What is still observable is *how far* each component went beyond what it does in normal
operation, and *in which signal class*. This module computes, once per view:

* **excess** per component: the largest robust z beyond the series' normal envelope
  (``SignalEvent.excess``, see :mod:`rcagraph.loaders.detect`; the robust z itself where the
  envelope is unknown) among its failure anomalies of a health class (not traffic), from
  ``horizon`` before the incident's onset to ``follow_window`` after it;
* **dominance**: that excess over the largest of any component in the view (1 for the most
  deviating component), on a log scale so one runaway series does not flatten the rest;
* **signal match**: whether the component fails in the symptom's own signal class. Errors
  propagate to callers as errors (availability is the same class), latency as latency, and a
  saturated resource shows as latency; a component whose only anomaly is in another class
  (latency noise during an availability incident) explains the symptom less well.

Every value is in [0, 1].
"""

from __future__ import annotations

import math
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
    """Per component: ``excess`` (raw robust z), ``dominance`` and ``match`` in [0, 1]."""

    excess: dict[str, float] = field(default_factory=dict)
    classes: dict[str, set[str]] = field(default_factory=dict)
    top: float = 0.0
    symptom_classes: frozenset[str] = frozenset()

    def dominance(self, n: str) -> float:
        e = self.excess.get(n, 0.0)
        if e <= 0.0 or self.top <= 0.0:
            return 0.0
        return math.log1p(e) / math.log1p(self.top)

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


def view_strength(
    view: IncidentView,
    *,
    lo: datetime,
    hi: datetime,
    is_failure: Callable[[SignalEvent], bool],
    signal_class: Callable[[SignalEvent], str],
) -> Strength:
    """:class:`Strength` of every component of ``view`` from its failure anomalies in
    ``[lo, hi]`` (``is_failure`` and ``signal_class`` classify a signal)."""
    out = Strength(
        symptom_classes=frozenset(s.signal for s in view.incident.symptoms if s.signal in _MATCH)
    )
    for s in view.signals:
        if not lo <= s.at <= hi or not is_failure(s):
            continue
        if s.kind in ("log_burst", "new_log_template"):
            # an error-level log burst or new template is a failure of the errors class; its
            # size (a rate ratio) is not a robust z, so it takes no part in dominance
            out.classes.setdefault(s.service, set()).add("errors")
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
    out.top = max(out.excess.values(), default=0.0)
    return out
