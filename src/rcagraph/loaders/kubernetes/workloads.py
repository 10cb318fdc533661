"""Deployments and ReplicaSets (``kubectl get deploy,rs -o json``) as rollouts: every
ReplicaSet a Deployment created is one revision of its pod template, so one deploy.

A ReplicaSet belongs to the Deployment of its controller ``ownerReferences`` (else the name
``<deployment>-<pod-template-hash>``); its revision is the annotation
``deployment.kubernetes.io/revision`` (a ReplicaSet a rollback brought back keeps its first
revision, the lowest of ``deployment.kubernetes.io/revision-history``, and is counted as the
note ``rollbacks_reused_replicaset``: its rollback has no time in the object). The deploy is at
the ReplicaSet's ``creationTimestamp``; its version is the image tag of the first container
whose image differs from the previous revision's, or, when the images are the same (a change of
environment, resources or config in the template), the ``pod-template-hash``. The newest
revision's ``rollout_share`` is its ready replicas over the Deployment's ``spec.replicas`` when
the Deployment is in the same file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import Field

from rcagraph.loaders.kubernetes.objects import (
    HASH_LABEL,
    REVISION_ANNOTATION,
    REVISION_HISTORY_ANNOTATION,
    ObjectMeta,
    component_candidates,
    deployment_of_replicaset,
    image_tag,
    label,
    owner,
)
from rcagraph.loaders.records import Record, RecordError, Where, validate


class Container(Record):
    name: str = ""
    image: str = ""


class PodSpec(Record):
    containers: list[Container] = Field(default_factory=list)


class TemplateMeta(Record):
    labels: dict[str, str] = Field(default_factory=dict)


class PodTemplate(Record):
    metadata: TemplateMeta = Field(default_factory=TemplateMeta)
    spec: PodSpec = Field(default_factory=PodSpec)


class WorkloadSpec(Record):
    replicas: int | None = Field(default=None, ge=0)
    template: PodTemplate = Field(default_factory=PodTemplate)


class WorkloadStatus(Record):
    replicas: int | None = Field(default=None, ge=0)
    readyReplicas: int | None = Field(default=None, ge=0)  # noqa: N815 (the API's names)


class Workload(Record):
    kind: str
    metadata: ObjectMeta
    spec: WorkloadSpec = Field(default_factory=WorkloadSpec)
    status: WorkloadStatus = Field(default_factory=WorkloadStatus)


def rollout_change_id(namespace: str, replicaset: str) -> str:
    """The change id of the rollout to a ReplicaSet (shared with its ScalingReplicaSet
    events)."""
    return f"kubernetes:{namespace}/{replicaset}" if namespace else f"kubernetes:{replicaset}"


@dataclass(slots=True)
class Rollout:
    """One revision of a Deployment: the deploy that created a ReplicaSet."""

    where: Where
    change_id: str
    candidates: list[str]
    namespace: str
    deployment: str
    replicaset: str
    revision: int | None
    at: datetime
    pod_hash: str | None
    images: list[str]
    version: str | None = None
    previous_version: str | None = None
    rollout_share: float | None = None
    reused: bool = False
    change_cause: str | None = None
    uid: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def artifact(self) -> str | None:
        """The image the version was taken from (else the first image)."""
        tagged = [i for i in self.images if image_tag(i) == self.version]
        return tagged[0] if tagged else (self.images[0] if self.images else None)

    @property
    def action(self) -> str:
        return "deployed" if self.previous_version is None else "upgraded"

    @property
    def summary(self) -> str:
        rev = f" (revision {self.revision})" if self.revision is not None else ""
        images = ", ".join(self.images)
        same = self.previous_version is not None and self.version == self.pod_hash
        what = "pod template changed, same images " if same else ""
        return f"rollout of {self.deployment} to {self.replicaset}{rev}: {what}{images}"[:500]

    def attributes(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "namespace": self.namespace or None,
            "deployment": self.deployment,
            "replicaset": self.replicaset,
            "revision": self.revision,
            "pod_template_hash": self.pod_hash,
            "images": self.images,
            "change_cause": self.change_cause,
            "replicaset_uid": self.uid,
        }
        return {k: v for k, v in out.items() if v is not None}


def _revision(meta: ObjectMeta) -> tuple[int | None, bool]:
    history = meta.annotations.get(REVISION_HISTORY_ANNOTATION, "").strip()
    if history:
        try:
            return min(int(x) for x in history.split(",") if x.strip()), True
        except ValueError:
            raise RecordError(
                f"not a list of revisions: {history!r}",
                field=f"metadata.annotations.{REVISION_HISTORY_ANNOTATION}",
            ) from None
    text = meta.annotations.get(REVISION_ANNOTATION)
    if text is None:
        return None, False
    try:
        return int(text), False
    except ValueError:
        raise RecordError(
            f"not a revision number: {text!r}",
            field=f"metadata.annotations.{REVISION_ANNOTATION}",
        ) from None


def parse_workload(obj: object) -> Workload:
    return validate(Workload, obj)


def rollout_of(where: Where, rs: Workload) -> Rollout:
    """The rollout a ReplicaSet stands for (its version is set by :func:`link_revisions`)."""
    meta = rs.metadata
    if meta.creationTimestamp is None:
        raise RecordError("required field is missing", field="metadata.creationTimestamp")
    dep_ref = owner(meta, "Deployment")
    deployment = dep_ref.name if dep_ref else deployment_of_replicaset(meta.name, meta.labels)
    if not deployment:
        raise RecordError(
            "a ReplicaSet owned by no Deployment (no ownerReferences, and its name is not "
            "<deployment>-<pod-template-hash>)",
            field="metadata.ownerReferences",
        )
    revision, reused = _revision(meta)
    labels = {**rs.spec.template.metadata.labels, **meta.labels}
    namespace = meta.namespace or ""
    return Rollout(
        where=where,
        change_id=rollout_change_id(namespace, meta.name),
        candidates=component_candidates("ReplicaSet", meta.name, labels, meta.ownerReferences),
        namespace=namespace,
        deployment=deployment,
        replicaset=meta.name,
        revision=revision,
        at=meta.creationTimestamp,
        pod_hash=label(labels, HASH_LABEL),
        images=[c.image for c in rs.spec.template.spec.containers if c.image],
        reused=reused,
        change_cause=meta.annotations.get("kubernetes.io/change-cause"),
        uid=meta.uid,
        extra={"ready": rs.status.readyReplicas},
    )


def _version(current: Rollout, previous: Rollout | None) -> str | None:
    if previous is not None and current.images == previous.images:
        return current.pod_hash or (image_tag(current.images[0]) if current.images else None)
    old = set(previous.images) if previous is not None else set()
    for image in current.images:
        if image not in old:
            return image_tag(image) or current.pod_hash
    return current.pod_hash


def link_revisions(
    rollouts: Iterable[Rollout], deployments: dict[tuple[str, str], Workload]
) -> None:
    """Set version, previous version and (for the newest) rollout share, per Deployment in
    revision order (creation time where a revision is missing)."""
    groups: dict[tuple[str, str], list[Rollout]] = {}
    for r in rollouts:
        groups.setdefault((r.namespace, r.deployment), []).append(r)
    for key, group in groups.items():
        group.sort(key=lambda r: (r.revision if r.revision is not None else 1 << 62, r.at))
        previous: Rollout | None = None
        for r in group:
            r.version = _version(r, previous)
            r.previous_version = previous.version if previous is not None else None
            previous = r
        dep = deployments.get(key)
        newest = group[-1]
        desired = dep.spec.replicas if dep is not None else None
        ready = newest.extra.get("ready")
        if desired and isinstance(ready, int):
            newest.rollout_share = min(1.0, ready / desired)
