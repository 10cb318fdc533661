"""The time constants and tolerances of the features, and how a change is placed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

#: scores a (change, component) option, to choose where a multi-component change acts
Placement = Callable[[Mapping[str, float]], float]


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    """Time constants and tolerances of the features (documented in :data:`FEATURES`).

    ``skew`` is the clock-skew tolerance between sources: an anomaly up to ``skew`` before a
    change still counts as after it (deploy, flag and log clocks disagree by tens of seconds).
    ``horizon`` bounds how long before the incident's onset a component's own onset can lie
    (the root turns bad first, the symptom follows hop by hop). ``propagation`` is the longest
    delay for an anomaly to reach a direct caller; ``order_tol`` how much earlier a dependency
    must turn bad to count as earlier (clock jitter between metrics and logs).
    ``explain_ratio``: a dependency explains a caller's failure only if its deviation (robust
    z) is at least this share of the caller's own, or its fold change at least
    ``explain_fold_ratio`` of the caller's (``explain_ratio`` 0 turns the check off,
    ``explain_fold_ratio`` 0 the fold-change alternative).
    """

    skew: timedelta = timedelta(minutes=2)
    tau_component: timedelta = timedelta(minutes=10)
    tau_onset: timedelta = timedelta(minutes=30)
    tau_symptom: timedelta = timedelta(minutes=20)
    follow_window: timedelta = timedelta(minutes=30)
    horizon: timedelta = timedelta(minutes=20)
    propagation: timedelta = timedelta(minutes=4)
    order_tol: timedelta = timedelta(seconds=30)
    compare_window: timedelta = timedelta(minutes=15)
    proxy_discount: float = 0.7
    sustain_window: timedelta = timedelta(minutes=5)
    explain_ratio: float = 0.1
    #: ... or at least this share as many-fold beyond its baseline (0 turns that off)
    explain_fold_ratio: float = 0.5
    #: only metric anomalies of a class that can travel to the symptoms' class mark onsets
    #: (:func:`rcagraph.engine.strength.propagating_classes`)
    class_aware: bool = True
    #: only anomalies still under way at the onset count towards a component's strength
    #: (:func:`rcagraph.engine.strength.view_strength`)
    ongoing_strength: bool = True
    #: a component's onset is its first signal still under way at the incident's onset
    #: (:class:`rcagraph.engine.features.view_graph.ViewGraph`)
    ongoing_onsets: bool = True
    #: a component whose own compute resources (CPU, memory, ...) went at least this share as
    #: far beyond normal as the view's most saturated component's is not a victim of an earlier
    #: dependency anomaly: a failing dependency does not saturate its callers' CPU or memory
    #: (0 turns this off; :meth:`rcagraph.engine.strength.Strength.own_resources`)
    resource_root: float = 0.5
    #: such a component on a symptom's path reaches the symptom at least this far
    #: (``reaches_symptom``), even when no caller's anomaly traces the propagation
    resource_reach: float = 0.5
