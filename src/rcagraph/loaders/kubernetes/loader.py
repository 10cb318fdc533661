"""``k8s/*.json``, ``k8s/*.jsonl``: what ``kubectl get events,deploy,rs,pods -o json`` prints
(one file per command or all in one, lists or single objects, JSON Lines), and what an event
exporter forwards, into the graph.

Per file: the Deployments' and ReplicaSets' rollouts are written first (deploy ``:Change``
nodes, :mod:`rcagraph.loaders.changes`' writer), then the ``ScalingReplicaSet`` steps (on those
changes), then the failure signals of events and pods (``:Anomaly:Event`` ``OBSERVED_ON`` the
component). Every object's component is the first of its candidate names
(:func:`~rcagraph.loaders.kubernetes.objects.component_candidates`) that the scope's graph
already has, else the first candidate, created as a stub as every loader does and counted as
the note ``unknown_component``. Events name pods without their labels, so the pods of every
``k8s/`` file of the bundle are read first to place a pod's events on its component.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rcagraph.ids import uid
from rcagraph.loaders import queries as q
from rcagraph.loaders.base import LoadContext, Rejection
from rcagraph.loaders.changes import ChangeRow, change_uid, write_changes
from rcagraph.loaders.kubernetes.documents import read_objects
from rcagraph.loaders.kubernetes.events import EventSignal, RolloutStep, parse_event
from rcagraph.loaders.kubernetes.objects import deployment_of_replicaset
from rcagraph.loaders.kubernetes.pods import parse_pod, pod_candidates, pod_signals
from rcagraph.loaders.kubernetes.queries import (
    EXISTING_CHANGES,
    KNOWN_COMPONENTS,
    SIGNAL_OBSERVED_ON,
    SIGNALS,
    STEP_DOWN,
    STEP_UP,
)
from rcagraph.loaders.kubernetes.workloads import (
    Rollout,
    Workload,
    link_revisions,
    parse_workload,
    rollout_change_id,
    rollout_of,
)
from rcagraph.loaders.records import (
    WHOLE_RECORD,
    RecordError,
    RecordSkipped,
    Where,
    compact,
    raw_of,
)

KIND = "kubernetes"
EVENT = "kubernetes_event"
ROLLOUT = "kubernetes_rollout"
POD = "kubernetes_pod"
_WORKLOAD_KINDS = frozenset({"Deployment", "ReplicaSet"})


def object_kind(obj: object) -> str | None:
    """What a kubectl item is: ``Event``, ``Deployment``, ``ReplicaSet``, ``Pod``, another
    kind, or None (not an object). An event exporter's event has no ``kind``: it is an
    Event when it has ``involvedObject`` or ``regarding``."""
    if not isinstance(obj, Mapping):
        return None
    kind = obj.get("kind")
    if isinstance(kind, str) and kind:
        return kind
    if "involvedObject" in obj or "regarding" in obj:
        return "Event"
    return ""


@dataclass(slots=True)
class _Parsed:
    rollouts: list[Rollout] = field(default_factory=list)
    deployments: dict[tuple[str, str], Workload] = field(default_factory=dict)
    steps: list[tuple[RolloutStep, Where]] = field(default_factory=list)
    #: each with the kind it is counted as (an event's or a pod's)
    signals: list[tuple[EventSignal, Where, str]] = field(default_factory=list)


@dataclass(slots=True)
class Siblings:
    """What the other ``k8s/`` files of a bundle say that one file's load needs: each pod's
    component candidates (events name pods without their labels), the ScalingReplicaSet steps
    (attached when this file's listing writes their rollout) and the rollouts they list (a
    step of one of those waits for that file rather than being skipped)."""

    pods: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    steps: list[tuple[RolloutStep, Where]] = field(default_factory=list)
    rollout_ids: set[str] = field(default_factory=set)


def read_siblings(path: Path, ctx: LoadContext) -> Siblings:
    """The :class:`Siblings` of ``path`` from every ``k8s/`` file of the bundle (its own pods
    included; unreadable files and objects are left to their own load to reject)."""
    out = Siblings()
    files = sorted(p for p in (ctx.bundle_dir / "k8s").glob("*.json*") if p.is_file())
    for other in files or [path]:
        for where, obj in read_objects(other, ctx.rel(other), KIND):
            kind = object_kind(obj)
            try:
                if kind == "Pod":
                    pod = parse_pod(obj)
                    out.pods[(pod.metadata.namespace or "", pod.metadata.name)] = pod_candidates(
                        pod
                    )
                elif other == path:
                    continue
                elif kind == "Event" and isinstance(obj, Mapping):
                    if obj.get("reason") == "ScalingReplicaSet":
                        step = parse_event(obj)
                        if isinstance(step, RolloutStep):
                            out.steps.append((step, where))
                elif kind == "ReplicaSet":
                    meta = parse_workload(obj).metadata
                    out.rollout_ids.add(rollout_change_id(meta.namespace or "", meta.name))
            except (RecordError, RecordSkipped):
                continue
    return out


class Resolver:
    """Picks each object's component: the first candidate the graph knows, else the first."""

    def __init__(self, ctx: LoadContext, candidate_lists: Iterable[list[str]]) -> None:
        names = sorted({n for c in candidate_lists for n in c})
        rows = ctx.graph.read(KNOWN_COMPONENTS, scope=ctx.scope, names=names) if names else []
        self.known = {str(r["name"]) for r in rows}
        self.ctx = ctx

    def pick(self, kind: str, candidates: list[str]) -> str:
        for name in candidates:
            if name in self.known:
                return name
        self.ctx.report.counts(kind).note("unknown_component")
        return candidates[0]


class KubernetesLoader:
    """Kubernetes Events, Deployments, ReplicaSets and Pods as kubectl prints them."""

    kind = KIND
    patterns: tuple[str, ...] = ("k8s/*.json", "k8s/*.jsonl")

    def load(self, path: Path, ctx: LoadContext) -> None:
        file = ctx.rel(path)
        siblings = read_siblings(path, ctx)
        parsed = self._parse(path, file, ctx, siblings.pods)
        resolver = Resolver(
            ctx,
            [r.candidates for r in parsed.rollouts]
            + [s.candidates for s, _ in parsed.steps]
            + [s.candidates for s, _, _ in parsed.signals],
        )
        self._write_rollouts(ctx, parsed, resolver)
        if parsed.rollouts:  # the other files' steps of this file's rollouts
            mine = {r.change_id for r in parsed.rollouts}
            rows = [
                _step_row(ctx, step, where, "")
                for step, where in siblings.steps
                if rollout_change_id(step.namespace, step.replicaset) in mine
            ]
            if rows:
                ctx.graph.write_batches(
                    STEP_DOWN, rows, batch_size=ctx.batch_size, extra=ctx.params()
                )
        self._write_steps(ctx, parsed.steps, resolver, siblings.rollout_ids)
        self._write_signals(ctx, parsed.signals, resolver)

    def _parse(
        self, path: Path, file: str, ctx: LoadContext, pods: dict[tuple[str, str], list[str]]
    ) -> _Parsed:
        out = _Parsed()
        for where, obj in read_objects(path, file, KIND):
            if isinstance(obj, Rejection):
                ctx.report.counts(KIND).read += 1
                ctx.reject(obj)
                continue
            kind = object_kind(obj)
            counted = {"Event": EVENT, "Pod": POD}.get(kind or "", ROLLOUT)
            ctx.report.counts(counted).read += 1
            try:
                if kind is None:
                    raise RecordError(f"expected a JSON object, got {type(obj).__name__}", "$")
                if kind == "Event":
                    item = parse_event(obj, pods)
                    if isinstance(item, RolloutStep):
                        out.steps.append((item, where))
                    else:
                        out.signals.append((item, where, EVENT))
                elif kind == "Pod":
                    out.signals.extend((s, where, POD) for s in pod_signals(parse_pod(obj)))
                elif kind in _WORKLOAD_KINDS:
                    workload = parse_workload(obj)
                    if kind == "Deployment":
                        meta = workload.metadata
                        out.deployments[(meta.namespace or "", meta.name)] = workload
                        ctx.skip(ROLLOUT, "Deployments are read for their ReplicaSets' rollouts")
                    else:
                        out.rollouts.append(rollout_of(where, workload))
                elif kind == "":
                    raise RecordError(
                        "neither a Kubernetes object (kind) nor an event (involvedObject)",
                        field="kind",
                    )
                else:
                    ctx.skip(ROLLOUT, f"{kind} objects are not used")
            except RecordSkipped as exc:
                ctx.skip(counted, exc.reason)
            except RecordError as exc:
                ctx.reject(
                    where.reject(counted, exc.reason, exc.field or WHOLE_RECORD, raw_of(obj))
                )
        return out

    def _write_rollouts(self, ctx: LoadContext, parsed: _Parsed, resolver: Resolver) -> None:
        if not parsed.rollouts:
            return
        link_revisions(parsed.rollouts, parsed.deployments)
        batch: list[tuple[ChangeRow, Where]] = []
        for r in parsed.rollouts:
            if r.reused:
                ctx.report.counts(ROLLOUT).note("rollbacks_reused_replicaset")
            batch.append(
                (
                    ChangeRow(
                        change_id=r.change_id,
                        kind="deploy",
                        at=r.at,
                        services=[resolver.pick(ROLLOUT, r.candidates)],
                        summary=r.summary,
                        action=r.action,
                        version=r.version,
                        previous_version=r.previous_version,
                        artifact=r.artifact,
                        rollout_share=r.rollout_share,
                        attributes=compact(r.attributes()),
                    ),
                    r.where,
                )
            )
        write_changes(ctx, ROLLOUT, batch)
        ctx.graph.write(q.CHANGE_FIRST_DEPLOY, **ctx.params())
        ctx.graph.write(q.CHANGE_ROLLBACK_NOT_FIRST, **ctx.params())

    def _write_steps(
        self,
        ctx: LoadContext,
        steps: list[tuple[RolloutStep, Where]],
        resolver: Resolver,
        listed: set[str],
    ) -> None:
        up: list[dict[str, Any]] = []
        down: list[dict[str, Any]] = []
        for step, where in steps:
            if step.direction == "up":
                up.append(_step_row(ctx, step, where, resolver.pick(EVENT, step.candidates)))
            else:
                down.append(_step_row(ctx, step, where, ""))
        extra = ctx.params()
        if up:
            stats = ctx.graph.write_batches(STEP_UP, up, batch_size=ctx.batch_size, extra=extra)
            ctx.record_write(EVENT, stats)
            ctx.graph.write_batches(q.CHANGE_CHANGED, up, batch_size=ctx.batch_size, extra=extra)
            ctx.graph.write(q.CHANGE_FIRST_DEPLOY, **extra)
        if down:
            uids = sorted({r["change_uid"] for r in down})
            found = {
                str(r["uid"]) for r in ctx.graph.read(EXISTING_CHANGES, scope=ctx.scope, uids=uids)
            }
            kept = [r for r in down if r["change_uid"] in found]
            for r in down:  # a rollout another file of the bundle lists attaches it later
                if r["change_uid"] not in found and r["change_id"] not in listed:
                    ctx.skip(EVENT, "a scale-down of a ReplicaSet no rollout in the graph names")
            if kept:
                stats = ctx.graph.write_batches(
                    STEP_DOWN, kept, batch_size=ctx.batch_size, extra=extra
                )
                ctx.record_write(EVENT, stats)

    def _write_signals(
        self, ctx: LoadContext, signals: list[tuple[EventSignal, Where, str]], resolver: Resolver
    ) -> None:
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for s, where, counted in signals:
            service = resolver.pick(counted, s.candidates)
            labels = f"object={s.object};reason={s.reason}"
            by_kind.setdefault(counted, []).append(
                {
                    "uid": uid(ctx.scope, "Anomaly", "k8s", s.key),
                    "service": service,
                    "component_uid": uid(ctx.scope, "Component", service),
                    "metric": s.kind.metric,
                    "signal": s.kind.signal,
                    "direction": s.kind.direction,
                    "reason": s.reason,
                    "object": s.object,
                    "labels": labels,
                    "at": s.at,
                    "end_at": s.end_at,
                    "count": s.count,
                    "summary": s.summary,
                    **ctx.provenance(where.file, ctx.source_ref(where)),
                }
            )
        extra = ctx.params()
        for counted, rows in by_kind.items():
            stats = ctx.graph.write_batches(SIGNALS, rows, batch_size=ctx.batch_size, extra=extra)
            ctx.record_write(counted, stats)
            ctx.graph.write_batches(
                SIGNAL_OBSERVED_ON, rows, batch_size=ctx.batch_size, extra=extra
            )


def _step_row(ctx: LoadContext, step: RolloutStep, where: Where, service: str) -> dict[str, Any]:
    """The row of a rollout step (``service``: the component, for a step that may create its
    rollout)."""
    change_id = rollout_change_id(step.namespace, step.replicaset)
    deployment = deployment_of_replicaset(step.replicaset, {}) or step.deployment
    version = step.replicaset.removeprefix(deployment + "-") or None
    return {
        "change_uid": change_uid(ctx.scope, "deploy", change_id),
        "change_id": change_id,
        "service": service,
        "component_uid": uid(ctx.scope, "Component", service),
        "at": step.at,
        "step": step.text,
        "version": version,
        "summary": f"rollout of {step.deployment} to {step.replicaset} (from its events)",
        "attributes": compact(
            {
                "namespace": step.namespace or None,
                "deployment": step.deployment,
                "replicaset": step.replicaset,
                "pod_template_hash": version,
            }
        ),
        **ctx.provenance(where.file, ctx.source_ref(where)),
    }
