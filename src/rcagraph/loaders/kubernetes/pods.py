"""Pods (``kubectl get pods -o json``): their containers' restarts and OOM kills, and
evictions, as signals on the component the pod belongs to.

* A container (or init container) with ``restartCount`` > 0 and a ``lastState.terminated``
  → one signal at that termination's ``finishedAt``, with the restart count as its count:
  ``k8s_oom_kills`` when the reason is ``OOMKilled``, else ``k8s_container_restarts`` (reason
  ``Error``, ``Completed``, …, the exit code and a ``CrashLoopBackOff`` wait in the summary).
  A pod lists only its containers' last termination, so a later listing with more restarts is a
  new signal at the newer time; the same listing twice is the same signal.
* A pod whose ``status.reason`` is ``Evicted`` → ``k8s_evictions`` at its latest condition
  transition (no signal without one).
* Any other pod is valid and skipped.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from rcagraph.loaders.kubernetes.events import (
    EVICTIONS,
    OOM,
    RESTARTS,
    EventSignal,
    KubeTime,
)
from rcagraph.loaders.kubernetes.objects import ObjectMeta, component_candidates
from rcagraph.loaders.records import Record, RecordSkipped, validate


class Terminated(Record):
    reason: str | None = None
    exitCode: int | None = None  # noqa: N815 (the API's names)
    finishedAt: KubeTime = None  # noqa: N815
    message: str | None = None


class Waiting(Record):
    reason: str | None = None
    message: str | None = None


class ContainerState(Record):
    terminated: Terminated | None = None
    waiting: Waiting | None = None


class ContainerStatus(Record):
    name: str = Field(min_length=1)
    restartCount: int = Field(default=0, ge=0)  # noqa: N815
    lastState: ContainerState = Field(default_factory=ContainerState)  # noqa: N815
    state: ContainerState = Field(default_factory=ContainerState)
    image: str | None = None


class Condition(Record):
    type: str = ""
    lastTransitionTime: KubeTime = None  # noqa: N815


class PodStatus(Record):
    phase: str | None = None
    reason: str | None = None
    message: str | None = None
    conditions: list[Condition] = Field(default_factory=list)
    containerStatuses: list[ContainerStatus] = Field(default_factory=list)  # noqa: N815
    initContainerStatuses: list[ContainerStatus] = Field(default_factory=list)  # noqa: N815


class Pod(Record):
    kind: str = "Pod"
    metadata: ObjectMeta
    status: PodStatus = Field(default_factory=PodStatus)


def pod_candidates(pod: Pod) -> list[str]:
    meta = pod.metadata
    return component_candidates("Pod", meta.name, meta.labels, meta.ownerReferences)


def parse_pod(obj: object) -> Pod:
    return validate(Pod, obj)


def pod_signals(pod: Pod) -> list[EventSignal]:
    """The restarts, OOM kills and eviction of a pod; raises RecordSkipped for a pod with
    none."""
    meta = pod.metadata
    namespace = meta.namespace or ""
    where = f"Pod/{namespace}/{meta.name}" if namespace else f"Pod/{meta.name}"
    key = meta.uid or f"{namespace}/{meta.name}"
    candidates = pod_candidates(pod)
    out: list[EventSignal] = []
    for status in [*pod.status.initContainerStatuses, *pod.status.containerStatuses]:
        last = status.lastState.terminated
        if status.restartCount <= 0 or last is None or last.finishedAt is None:
            continue
        reason = last.reason or "Terminated"
        waiting = status.state.waiting.reason if status.state.waiting else None
        detail = f"exit code {last.exitCode}" if last.exitCode is not None else ""
        detail += f", now {waiting}" if waiting else ""
        out.append(
            EventSignal(
                key=f"{key}/{status.name}/{last.finishedAt.isoformat()}",
                candidates=candidates,
                kind=OOM if reason == "OOMKilled" else RESTARTS,
                reason=reason,
                at=last.finishedAt,
                end_at=last.finishedAt,
                count=status.restartCount,
                object=f"{where} container {status.name}",
                message=f"{status.restartCount} restart(s), last {reason} ({detail.strip(', ')})",
                event_type="Warning",
            )
        )
    if pod.status.reason == "Evicted":
        times = [c.lastTransitionTime for c in pod.status.conditions if c.lastTransitionTime]
        at: datetime | None = max(times) if times else None
        if at is not None:
            out.append(
                EventSignal(
                    key=f"{key}/evicted",
                    candidates=candidates,
                    kind=EVICTIONS,
                    reason="Evicted",
                    at=at,
                    end_at=at,
                    count=1,
                    object=where,
                    message=(pod.status.message or "evicted")[:400],
                    event_type="Warning",
                )
            )
    if not out:
        raise RecordSkipped("pods without restarts, OOM kills or eviction are not used")
    return out
