"""Kubernetes Events, ``core/v1`` (``kubectl get events -o json``, what an event exporter
forwards) and ``events.k8s.io/v1`` (``regarding``, ``note``, ``deprecated*`` fields), as
signals on components and as the steps of rollouts.

* A failure reason (:data:`SIGNAL_REASONS`: OOM kills, ``BackOff`` / ``CrashLoopBackOff``,
  ``Unhealthy`` probes, ``FailedScheduling``, ``Evicted``, ``Failed``, a ``Killing`` after a
  failed liveness or startup probe) → :class:`EventSignal`, an ``:Anomaly`` on the component.
  Kubernetes folds repeats of one event into one object: ``count`` (or ``series.count``,
  ``deprecatedCount``) is kept, the onset is ``firstTimestamp`` (``eventTime``,
  ``deprecatedFirstTimestamp``, the object's ``creationTimestamp``) and the end
  ``series.lastObservedTime`` (``lastTimestamp``, ``deprecatedLastTimestamp``).
* ``ScalingReplicaSet`` (``Scaled up replica set web-7d9f8b6c5d to 3 [from 1]``) →
  :class:`RolloutStep` of the Deployment's rollout to that ReplicaSet.
* Any other event (``Pulled``, ``Created``, ``Started``, ``Scheduled``, a ``Killing`` of a
  rollout, events on Nodes) is valid and unused: skipped, counted by reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import BeforeValidator, Field

from rcagraph.loaders.kubernetes.objects import (
    ObjectMeta,
    OwnerReference,
    component_candidates,
)
from rcagraph.loaders.records import Key, Record, RecordError, RecordSkipped, validate
from rcagraph.loaders.timeparse import parse_rfc3339


def _time_or_none(value: object) -> object:
    """Kubernetes prints an unset time as ``null`` (Go's zero time where it slips through)."""
    if value is None or (isinstance(value, str) and value.startswith("0001-01-01")):
        return None
    return parse_rfc3339(value)


#: an optional Kubernetes time (``metav1.Time`` / ``MicroTime``)
KubeTime = Annotated[datetime | None, BeforeValidator(_time_or_none)]

#: workload kinds whose events belong to a component
WORKLOAD_KINDS = frozenset(
    {"Pod", "ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}
)


@dataclass(frozen=True, slots=True)
class SignalKind:
    metric: str
    signal: str  # the contract's signal class
    direction: str = "up"


OOM = SignalKind("k8s_oom_kills", "saturation")
RESTARTS = SignalKind("k8s_container_restarts", "errors")
CRASH_LOOP = SignalKind("k8s_crash_loop_backoff", "errors")
IMAGE_PULL = SignalKind("k8s_image_pull_failures", "errors")
PROBES = SignalKind("k8s_probe_failures", "errors")
PROBE_KILLS = SignalKind("k8s_probe_restarts", "errors")
SCHEDULING = SignalKind("k8s_failed_scheduling", "saturation")
EVICTIONS = SignalKind("k8s_evictions", "saturation")
FAILURES = SignalKind("k8s_container_failures", "errors")

#: event reasons that are failure signals (``BackOff`` and ``Killing`` look at the message)
SIGNAL_REASONS: dict[str, SignalKind] = {
    "OOMKilled": OOM,
    "OOMKilling": OOM,
    "BackOff": CRASH_LOOP,
    "CrashLoopBackOff": CRASH_LOOP,
    "ErrImagePull": IMAGE_PULL,
    "ImagePullBackOff": IMAGE_PULL,
    "Unhealthy": PROBES,
    "Killing": PROBE_KILLS,
    "FailedScheduling": SCHEDULING,
    "Evicted": EVICTIONS,
    "Failed": FAILURES,
}
_PROBE_KILL = re.compile(r"failed (liveness|startup) probe", re.IGNORECASE)
_PULL = re.compile(r"pull(ing)? image", re.IGNORECASE)
_SCALED = re.compile(
    r"^Scaled (?P<dir>up|down) replica set (?P<rs>\S+) to (?P<to>\d+)(?: from (?P<from>\d+))?"
)


class ObjectRef(Record):
    """``involvedObject`` / ``regarding``, with the labels, annotations and owners an event
    exporter adds (kubernetes-event-exporter's ``EnhancedObjectReference``)."""

    kind: str = ""
    name: Key = ""
    namespace: Key | None = None
    uid: str | None = None
    fieldPath: str | None = None  # noqa: N815 (the API's names)
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    ownerReferences: list[OwnerReference] = Field(default_factory=list)  # noqa: N815


class EventSeries(Record):
    count: int | None = Field(default=None, ge=0)
    lastObservedTime: KubeTime = None  # noqa: N815


class KubeEvent(Record):
    metadata: ObjectMeta
    involvedObject: ObjectRef | None = None  # noqa: N815
    regarding: ObjectRef | None = None
    reason: str = ""
    message: str | None = None
    note: str | None = None
    type: str | None = None
    count: int | None = Field(default=None, ge=0)
    deprecatedCount: int | None = Field(default=None, ge=0)  # noqa: N815
    firstTimestamp: KubeTime = None  # noqa: N815
    lastTimestamp: KubeTime = None  # noqa: N815
    eventTime: KubeTime = None  # noqa: N815
    deprecatedFirstTimestamp: KubeTime = None  # noqa: N815
    deprecatedLastTimestamp: KubeTime = None  # noqa: N815
    series: EventSeries | None = None
    clusterName: str | None = None  # noqa: N815 (kubernetes-event-exporter)


@dataclass(slots=True)
class EventSignal:
    """A failure event on a component, with Kubernetes' own count of its repeats."""

    key: str  # the event's uid (else namespace/name): the anomaly's identity
    candidates: list[str]
    kind: SignalKind
    reason: str
    at: datetime
    end_at: datetime
    count: int
    object: str  # Kind/namespace/name
    message: str
    event_type: str | None

    @property
    def summary(self) -> str:
        times = f" ×{self.count}" if self.count > 1 else ""
        return f"{self.reason}{times} on {self.object}: {self.message}"[:500]


@dataclass(slots=True)
class RolloutStep:
    """One ``ScalingReplicaSet`` event: a Deployment's ReplicaSet scaled up or down."""

    key: str
    candidates: list[str]
    namespace: str
    deployment: str
    replicaset: str
    direction: str  # up, down
    replicas: int
    from_replicas: int | None
    at: datetime

    @property
    def text(self) -> str:
        start = f" from {self.from_replicas}" if self.from_replicas is not None else ""
        return (
            f"{self.at.isoformat().replace('+00:00', 'Z')} scaled {self.direction} "
            f"{self.replicaset} to {self.replicas}{start}"
        )


def _event_times(ev: KubeEvent) -> tuple[datetime, datetime]:
    at = ev.firstTimestamp or ev.eventTime or ev.deprecatedFirstTimestamp
    at = at or ev.metadata.creationTimestamp
    if at is None:
        raise RecordError("the event has no time", field="firstTimestamp")
    last = ev.series.lastObservedTime if ev.series else None
    end = last or ev.lastTimestamp or ev.deprecatedLastTimestamp or at
    return at, max(at, end)


def _count(ev: KubeEvent) -> int:
    for value in (ev.series.count if ev.series else None, ev.count, ev.deprecatedCount):
        if value:
            return value
    return 1


def parse_event(
    obj: object, pods: dict[tuple[str, str], list[str]] | None = None
) -> EventSignal | RolloutStep:
    """A Kubernetes Event as an :class:`EventSignal` or a :class:`RolloutStep`; raises
    RecordSkipped for an event that is neither, RecordError naming the field for a bad one.
    ``pods`` maps (namespace, pod name) to the component candidates of a pod that
    ``k8s/pods.json`` described (events name pods, not their labels)."""
    ev = validate(KubeEvent, obj)
    ref = ev.involvedObject or ev.regarding
    if ref is None:
        raise RecordError("required field is missing", field="involvedObject")
    if not ev.reason:
        raise RecordError("required field is missing", field="reason")
    namespace = ref.namespace or ev.metadata.namespace or ""
    key = ev.metadata.uid or f"{namespace}/{ev.metadata.name}"
    message = (ev.message or ev.note or "").strip()
    if ref.kind not in WORKLOAD_KINDS or not ref.name:
        raise RecordSkipped(f"events on a {ref.kind or 'object without kind'} are not used")
    at, end = _event_times(ev)
    candidates = component_candidates(ref.kind, ref.name, ref.labels, ref.ownerReferences)
    if ref.kind == "Pod" and not ref.labels and pods and (namespace, ref.name) in pods:
        candidates = list(dict.fromkeys([*pods[(namespace, ref.name)], *candidates]))
    if ev.reason == "ScalingReplicaSet":
        m = _SCALED.match(message)
        if m is None:
            raise RecordError(
                "a ScalingReplicaSet message not of the form 'Scaled up|down replica set X to N'",
                field="message",
            )
        return RolloutStep(
            key=key,
            candidates=candidates,
            namespace=namespace,
            deployment=ref.name,
            replicaset=m.group("rs"),
            direction=m.group("dir"),
            replicas=int(m.group("to")),
            from_replicas=int(m.group("from")) if m.group("from") else None,
            at=end,
        )
    kind = SIGNAL_REASONS.get(ev.reason)
    if kind is PROBE_KILLS and not _PROBE_KILL.search(message):
        raise RecordSkipped("Killing (a container stopped, not after a failed probe) is not used")
    if kind is CRASH_LOOP and _PULL.search(message):
        kind = IMAGE_PULL
    if kind is None:
        raise RecordSkipped(f"{ev.type or 'Normal'} events of reason {ev.reason!r} are not used")
    return EventSignal(
        key=key,
        candidates=candidates,
        kind=kind,
        reason=ev.reason,
        at=at,
        end_at=end,
        count=_count(ev),
        object=f"{ref.kind}/{namespace}/{ref.name}" if namespace else f"{ref.kind}/{ref.name}",
        message=message[:400],
        event_type=ev.type,
    )
