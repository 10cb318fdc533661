"""Kubernetes object metadata as the API server gives it, and the component an object belongs
to.

A component is named, in this order, by the label ``backstage.io/kubernetes-id`` (what
Backstage's Kubernetes plugin matches a catalog entity by), ``app.kubernetes.io/name``, ``app``
(also in the de-dotted form ``app_kubernetes_io/name`` an event exporter may send), then the
Deployment the object belongs to (its own name, the ReplicaSet's owner, or the name a
Deployment's pods and ReplicaSets carry: ``<deployment>-<pod-template-hash>[-<suffix>]``), then
the object's own name. :func:`component_candidates` gives that list; the loader takes the first
name the scope's graph already has as a component (the catalog's, see
:mod:`rcagraph.loaders.kubernetes.write`), else the first of the list.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import Field

from rcagraph.loaders.records import Key, Record, Timestamp

#: labels naming the component an object belongs to, most specific first
COMPONENT_LABELS: tuple[str, ...] = (
    "backstage.io/kubernetes-id",
    "app.kubernetes.io/name",
    "app",
)
HASH_LABEL = "pod-template-hash"
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history"

#: the alphabet Kubernetes renders pod-template hashes and generated name suffixes in
#: (``k8s.io/apimachinery/pkg/util/rand.SafeEncodeString``: no vowels, no 0/1/3)
_SAFE = "bcdfghjklmnpqrstvwxz2456789"
_POD_OF_RS = re.compile(rf"^(?P<rs>(?P<deploy>.+)-(?P<hash>[{_SAFE}]{{6,10}}))-[{_SAFE}]{{5}}$")
_RS_OF_DEPLOY = re.compile(rf"^(?P<deploy>.+)-(?P<hash>[{_SAFE}]{{6,10}})$")


class OwnerReference(Record):
    kind: str = ""
    name: Key = ""
    uid: str | None = None
    controller: bool | None = None


class ObjectMeta(Record):
    name: Key = Field(min_length=1)
    namespace: Key | None = None
    uid: Key | None = None
    resourceVersion: str | None = None  # noqa: N815 (the API's names)
    creationTimestamp: Timestamp | None = None  # noqa: N815
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    ownerReferences: list[OwnerReference] = Field(default_factory=list)  # noqa: N815


def label(labels: Mapping[str, str], name: str) -> str | None:
    """A label's value, also under its de-dotted name (``app_kubernetes_io/name``)."""
    for key in (name, name.replace(".", "_")):
        value = labels.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def owner(meta: ObjectMeta, kind: str) -> OwnerReference | None:
    """The owner of ``kind`` (the controller first), None without one."""
    owners = [o for o in meta.ownerReferences if o.kind == kind and o.name]
    owners.sort(key=lambda o: not o.controller)
    return owners[0] if owners else None


def deployment_of_replicaset(name: str, labels: Mapping[str, str]) -> str | None:
    """A ReplicaSet's Deployment from its name: ``<deployment>-<pod-template-hash>``."""
    pod_hash = label(labels, HASH_LABEL)
    if pod_hash and name.endswith("-" + pod_hash) and len(name) > len(pod_hash) + 1:
        return name[: -len(pod_hash) - 1]
    m = _RS_OF_DEPLOY.match(name)
    return m.group("deploy") if m else None


def replicaset_of_pod(name: str, labels: Mapping[str, str]) -> str | None:
    """A Deployment's pod's ReplicaSet from its name: ``<replicaset>-<suffix>``."""
    pod_hash = label(labels, HASH_LABEL)
    if pod_hash:
        m = re.match(rf"^(?P<rs>.+-{re.escape(pod_hash)})-[{_SAFE}]{{5}}$", name)
        if m:
            return m.group("rs")
    m = _POD_OF_RS.match(name)
    return m.group("rs") if m else None


def component_candidates(
    kind: str,
    name: str,
    labels: Mapping[str, str] | None = None,
    owners: list[OwnerReference] | None = None,
) -> list[str]:
    """The names the component of the object ``kind``/``name`` may have, most likely first
    (see the module's docstring); never empty for a non-empty ``name``."""
    labels = labels or {}
    out: list[str] = []
    for key in COMPONENT_LABELS:
        value = label(labels, key)
        if value:
            out.append(value)
    rs: str | None = None
    deploy: str | None = None
    if kind == "Deployment":
        deploy = name
    elif kind == "ReplicaSet":
        rs = name
    elif kind == "Pod":
        rs_owner = next((o for o in owners or [] if o.kind == "ReplicaSet" and o.name), None)
        rs = rs_owner.name if rs_owner else replicaset_of_pod(name, labels)
        if rs is None:
            other = next((o for o in owners or [] if o.name), None)
            if other is not None:  # a StatefulSet's, DaemonSet's or Job's pod
                out.append(other.name)
    if rs is not None:
        deploy_owner = next((o for o in owners or [] if o.kind == "Deployment"), None)
        deploy = deploy_owner.name if deploy_owner and kind == "ReplicaSet" else None
        deploy = deploy or deployment_of_replicaset(rs, labels)
    if deploy:
        out.append(deploy)
    if name:
        out.append(name)
    return list(dict.fromkeys(out))


def image_tag(image: str) -> str | None:
    """The tag (or digest) of a container image reference: ``reg:5000/a/b:1.2`` → ``1.2``,
    ``a/b@sha256:…`` → ``sha256:…``, ``b`` → None."""
    if "@" in image:
        return image.rsplit("@", 1)[1] or None
    last = image.rsplit("/", 1)[-1]
    if ":" in last:
        return last.rsplit(":", 1)[1] or None
    return None


def str_map(value: Any) -> dict[str, str]:
    """A labels/annotations map with string values only (others dropped)."""
    if not isinstance(value, Mapping):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}
