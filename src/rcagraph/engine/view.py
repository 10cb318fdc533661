"""What a ranker sees of an incident: a typed, in-memory view extracted from the graph.

Every ranker (the default scorer, the learned ranker, the baselines) works on an
:class:`IncidentView`, so ranking logic is pure Python, testable without a server, and all of
them see exactly the same data. The view holds one scope only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

CauseKind = Literal["deploy", "flag", "config", "infra", "service"]
SignalKind = Literal["metric_anomaly", "log_burst", "new_log_template", "alert"]
EdgeType = Literal["DEPENDS_ON", "CALLS"]


@dataclass(frozen=True, slots=True)
class Symptom:
    service: str
    signal: str  # latency, errors, availability, saturation, other
    metric: str | None = None


@dataclass(frozen=True, slots=True)
class IncidentInfo:
    id: str
    title: str
    severity: str
    system: str | None
    started_at: datetime
    detected_at: datetime | None
    symptoms: tuple[Symptom, ...]


@dataclass(frozen=True, slots=True)
class ComponentInfo:
    name: str
    kind: str | None = None
    owner: str | None = None
    uid: str | None = None  # the :Component node (for write-back links)
    #: False for a component seen only through its callers' measurements (an uninstrumented
    #: peer: a load balancer, a gateway, an external endpoint, a managed resource seen through
    #: SDK calls; the graph's ``Component.instrumented``); None when unknown
    instrumented: bool | None = None
    #: how many metric series the bundle holds for it (the graph's ``Component.metric_series``;
    #: None when it has none, or the view was built without): a component with metrics of its
    #: own whose series did not move was observed healthy, not unobserved
    metric_series: int | None = None


@dataclass(frozen=True, slots=True)
class Edge:
    """``src`` depends on ``dst`` (a failure of dst can break src)."""

    src: str
    dst: str
    type: EdgeType
    weight: float | None = None
    error_ratio: float | None = None


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    uid: str
    change_id: str
    kind: str  # deploy, flag, config, infra, scale, schema, secret, other
    at: datetime
    services: tuple[str, ...]  # components it touches (CHANGED, or flag → USES_FLAG)
    summary: str = ""
    action: str | None = None
    version: str | None = None
    rollback: bool = False
    rollout_share: float | None = None
    first_deploy_of_version: bool | None = None
    flag_key: str | None = None
    source: str | None = None
    source_ref: str | None = None
    #: a deploy's rollout steps: when its new version gained instances or traffic (a
    #: Kubernetes rollout's scale-ups of its ReplicaSet; every deploy record of the same
    #: service and version in the view, such as CDEvents at 10 %, 50 %, 100 %), in time order
    rollout_steps: tuple[datetime, ...] = ()
    #: a release seen only in versioned metrics (the graph's ``Change.observed``): no deploy
    #: record of it was loaded; its time is the new version's first sample
    observed: bool = False


@dataclass(frozen=True, slots=True)
class SignalEvent:
    uid: str
    kind: SignalKind
    service: str
    at: datetime
    summary: str = ""
    metric: str | None = None
    direction: str | None = None  # up, down
    magnitude: float | None = None  # robust z or baseline ratio
    source: str | None = None
    source_ref: str | None = None
    severity: str | None = None  # log level of a log signal's template (INFO, ERROR, ...)
    end_at: datetime | None = None  # a metric anomaly's last point (its episode's end)
    #: a metric anomaly's signal class as the graph stores it (latency, errors, availability,
    #: saturation, other; see :mod:`rcagraph.schema.signals`); None where it stores none
    signal: str | None = None
    #: robust z beyond the series' normal envelope (None: unknown, e.g. no normal window)
    excess: float | None = None
    #: a metric anomaly's baseline median and episode median, in the series' unit (None for
    #: other signals): how many-fold it changed, comparable across metric families
    baseline: float | None = None
    value: float | None = None
    #: for a signal handed over from a component seen only through its callers to the
    #: instrumented peer whose failure it shows (:mod:`rcagraph.engine.features.mirror`): that
    #: component's name; None for a component's own signal
    seen_through: str | None = None


@dataclass(frozen=True, slots=True)
class CanaryVerdict:
    """A release's new version against its old one on one metric, in the same minutes (the
    graph's ``:CanaryVerdict``, see :mod:`rcagraph.engine.canary`)."""

    uid: str
    service: str
    metric: str
    new_version: str
    verdict: str  # degraded, better, same
    at: datetime  # onset of a degradation, else the overlap's start
    new_since: datetime  # the new version's first sample
    effect: float | None = None  # robust z of the median per-minute difference
    p_value: float | None = None
    signal: str | None = None
    summary: str = ""
    source: str | None = None
    source_ref: str | None = None


@dataclass(slots=True)
class IncidentView:
    scope: str
    incident: IncidentInfo
    window_start: datetime
    window_end: datetime
    components: dict[str, ComponentInfo] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    changes: list[ChangeEvent] = field(default_factory=list)
    signals: list[SignalEvent] = field(default_factory=list)
    canary: list[CanaryVerdict] = field(default_factory=list)


def cause_kind(change_kind: str) -> CauseKind:
    """The contract's truth kind for a change kind (scale, schema, secret, other → infra/config)."""
    if change_kind in ("deploy", "flag", "config", "infra"):
        return change_kind  # type: ignore[return-value]
    if change_kind in ("scale",):
        return "infra"
    return "config"
