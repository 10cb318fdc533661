"""Kubernetes objects in the shapes the API server and kubectl give them (written for these
tests after the API reference and kubectl's output; no cluster's data): ``kubectl get events
-o json`` (a ``List`` of core/v1 Events), an ``events.k8s.io/v1`` Event, what
kubernetes-event-exporter's webhook sink posts (a core/v1 Event without ``kind``, with the
involved object's labels and the ``clusterName``), and ``kubectl get deploy,rs -o json`` /
``kubectl get pods -o json`` lists of a Deployment ``checkout`` rolled from 1.4.1 to 1.5.0."""

from __future__ import annotations

from typing import Any

NS = "shop"
OLD_HASH = "5d4c7b9f68"
NEW_HASH = "7f6bd89c45"
OLD_RS = f"checkout-{OLD_HASH}"
NEW_RS = f"checkout-{NEW_HASH}"
NEW_POD = f"{NEW_RS}-x2k4p"
DEPLOY_UID = "0f3c2a9e-6d1b-4c8a-9e2f-1b7d5a3c8e01"
OLD_RS_UID = "5a1e7c3b-2f4d-4b9a-8c6e-0d2f4a6b8c02"
NEW_RS_UID = "9b2d4f6a-8c1e-4a3b-9d5f-7e1c3a5b7d03"
POD_UID = "c4e6a8b0-2d4f-4e6a-8b0c-2d4f6a8b0c04"


def event(
    uid: str,
    reason: str,
    message: str,
    *,
    kind: str = "Pod",
    name: str = NEW_POD,
    first: str = "2026-03-01T11:52:10Z",
    last: str | None = None,
    count: int = 1,
    type_: str = "Warning",
    component: str = "kubelet",
) -> dict[str, Any]:
    """A core/v1 Event as ``kubectl get events -o json`` prints each item."""
    return {
        "apiVersion": "v1",
        "count": count,
        "eventTime": None,
        "firstTimestamp": first,
        "involvedObject": {
            "apiVersion": "apps/v1" if kind != "Pod" else "v1",
            "kind": kind,
            "name": name,
            "namespace": NS,
            "resourceVersion": "48213",
            "uid": POD_UID if kind == "Pod" else DEPLOY_UID,
            **({"fieldPath": "spec.containers{checkout}"} if kind == "Pod" else {}),
        },
        "kind": "Event",
        "lastTimestamp": last or first,
        "message": message,
        "metadata": {
            "creationTimestamp": first,
            "name": f"{name}.17f1c2a3b4c5{uid[-4:]}",
            "namespace": NS,
            "resourceVersion": f"4822{count}",
            "uid": uid,
        },
        "reason": reason,
        "reportingComponent": component,
        "reportingInstance": "",
        "source": {"component": component, "host": "node-a"},
        "type": type_,
    }


SCALED_UP = event(
    "e1000000-0000-4000-8000-000000000001",
    "ScalingReplicaSet",
    f"Scaled up replica set {NEW_RS} to 1",
    kind="Deployment",
    name="checkout",
    first="2026-03-01T11:50:03Z",
    type_="Normal",
    component="deployment-controller",
)
SCALED_DOWN = event(
    "e1000000-0000-4000-8000-000000000002",
    "ScalingReplicaSet",
    f"Scaled down replica set {OLD_RS} to 2 from 3",
    kind="Deployment",
    name="checkout",
    first="2026-03-01T11:50:41Z",
    type_="Normal",
    component="deployment-controller",
)
OOM_BACKOFF = event(
    "e1000000-0000-4000-8000-000000000003",
    "BackOff",
    "Back-off restarting failed container checkout in pod " + NEW_POD + "_shop(" + POD_UID + ")",
    first="2026-03-01T11:52:10Z",
    last="2026-03-01T11:58:40Z",
    count=7,
)
UNHEALTHY = event(
    "e1000000-0000-4000-8000-000000000004",
    "Unhealthy",
    'Readiness probe failed: Get "http://10.0.0.12:8080/healthz": context deadline exceeded',
    first="2026-03-01T11:51:30Z",
    last="2026-03-01T11:57:00Z",
    count=12,
)
PULLED = event(
    "e1000000-0000-4000-8000-000000000005",
    "Pulled",
    'Successfully pulled image "registry.example/shop/checkout:1.5.0" in 1.2s',
    first="2026-03-01T11:50:09Z",
    type_="Normal",
)
KILLING_ROLLOUT = event(
    "e1000000-0000-4000-8000-000000000006",
    "Killing",
    "Stopping container checkout",
    name=f"{OLD_RS}-q7w9z",
    first="2026-03-01T11:50:45Z",
    type_="Normal",
)
NODE_PRESSURE: dict[str, Any] = {
    **event(
        "e1000000-0000-4000-8000-000000000007",
        "NodeHasInsufficientMemory",
        "Node node-a status is now: NodeHasInsufficientMemory",
        kind="Node",
        name="node-a",
    ),
}


def event_list(*items: Any) -> dict[str, Any]:
    """``kubectl get events -o json``: a ``List`` of the events."""
    return {
        "apiVersion": "v1",
        "items": list(items),
        "kind": "List",
        "metadata": {"resourceVersion": ""},
    }


#: an events.k8s.io/v1 Event (``kubectl get events.v1.events.k8s.io -o json``): a series of
#: repeated failed scheduling attempts
SCHEDULING_V1: dict[str, Any] = {
    "apiVersion": "events.k8s.io/v1",
    "kind": "Event",
    "metadata": {
        "name": f"{NEW_RS}-m5n8r.17f1c2a3b4c5e001",
        "namespace": NS,
        "uid": "e2000000-0000-4000-8000-000000000001",
        "resourceVersion": "48301",
        "creationTimestamp": "2026-03-01T11:53:00Z",
    },
    "eventTime": "2026-03-01T11:53:00.412907Z",
    "series": {"count": 5, "lastObservedTime": "2026-03-01T11:59:02.118310Z"},
    "reportingController": "default-scheduler",
    "reportingInstance": "default-scheduler-control-plane",
    "action": "Scheduling",
    "reason": "FailedScheduling",
    "regarding": {
        "kind": "Pod",
        "namespace": NS,
        "name": f"{NEW_RS}-m5n8r",
        "uid": "c4e6a8b0-0000-4000-8000-000000000009",
        "apiVersion": "v1",
        "resourceVersion": "48100",
    },
    "note": (
        "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are "
        "available: 3 No preemption victims found for incoming pod."
    ),
    "type": "Warning",
    "deprecatedSource": {},
    "deprecatedFirstTimestamp": None,
    "deprecatedLastTimestamp": None,
}


def exporter_event(**changes: Any) -> dict[str, Any]:
    """What kubernetes-event-exporter's webhook sink posts for one event: the core/v1 Event
    as the informer gives it (no ``kind``/``apiVersion``), ``involvedObject`` with the object's
    labels and annotations, and ``clusterName``."""
    base = event(
        "e3000000-0000-4000-8000-000000000001",
        "Unhealthy",
        "Liveness probe failed: HTTP probe failed with statuscode: 503",
        first="2026-03-01T11:54:00Z",
        last="2026-03-01T11:55:30Z",
        count=4,
    )
    base.pop("kind")
    base.pop("apiVersion")
    base["involvedObject"]["labels"] = {
        "app.kubernetes.io/name": "checkout",
        "pod-template-hash": NEW_HASH,
    }
    base["involvedObject"]["annotations"] = {
        "kubectl.kubernetes.io/restartedAt": "2026-03-01T11:49:58Z"
    }
    base["clusterName"] = "prod-eu"
    base.update(changes)
    return base


def _template(image: str, pod_hash: str | None = None) -> dict[str, Any]:
    labels = {
        "app.kubernetes.io/name": "checkout",
        **({"pod-template-hash": pod_hash} if pod_hash else {}),
    }
    return {
        "metadata": {"labels": labels},
        "spec": {
            "containers": [
                {
                    "name": "checkout",
                    "image": image,
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                },
                {"name": "envoy", "image": "envoyproxy/envoy:v1.29.1"},
            ]
        },
    }


def replicaset(
    name: str, uid: str, pod_hash: str, image: str, revision: str, created: str, ready: int
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "annotations": {
                "deployment.kubernetes.io/desired-replicas": "3",
                "deployment.kubernetes.io/max-replicas": "4",
                "deployment.kubernetes.io/revision": revision,
            },
            "creationTimestamp": created,
            "generation": 3,
            "labels": {"app.kubernetes.io/name": "checkout", "pod-template-hash": pod_hash},
            "name": name,
            "namespace": NS,
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "blockOwnerDeletion": True,
                    "controller": True,
                    "kind": "Deployment",
                    "name": "checkout",
                    "uid": DEPLOY_UID,
                }
            ],
            "resourceVersion": "48250",
            "uid": uid,
        },
        "spec": {
            "replicas": ready,
            "selector": {
                "matchLabels": {"app.kubernetes.io/name": "checkout", "pod-template-hash": pod_hash}
            },
            "template": _template(image, pod_hash),
        },
        "status": {
            "availableReplicas": ready,
            "fullyLabeledReplicas": ready,
            "observedGeneration": 3,
            "readyReplicas": ready,
            "replicas": ready,
        },
    }


DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {
        "annotations": {"deployment.kubernetes.io/revision": "2"},
        "creationTimestamp": "2026-02-20T09:14:00Z",
        "generation": 2,
        "labels": {"app.kubernetes.io/name": "checkout"},
        "name": "checkout",
        "namespace": NS,
        "resourceVersion": "48255",
        "uid": DEPLOY_UID,
    },
    "spec": {
        "progressDeadlineSeconds": 600,
        "replicas": 3,
        "revisionHistoryLimit": 10,
        "selector": {"matchLabels": {"app.kubernetes.io/name": "checkout"}},
        "strategy": {
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            "type": "RollingUpdate",
        },
        "template": _template("registry.example/shop/checkout:1.5.0"),
    },
    "status": {
        "availableReplicas": 2,
        "conditions": [
            {
                "lastTransitionTime": "2026-03-01T11:50:03Z",
                "lastUpdateTime": "2026-03-01T11:50:03Z",
                "message": f'ReplicaSet "{NEW_RS}" is progressing.',
                "reason": "ReplicaSetUpdated",
                "status": "True",
                "type": "Progressing",
            }
        ],
        "observedGeneration": 2,
        "readyReplicas": 2,
        "replicas": 4,
        "updatedReplicas": 1,
    },
}
OLD_REPLICASET = replicaset(
    OLD_RS,
    OLD_RS_UID,
    OLD_HASH,
    "registry.example/shop/checkout:1.4.1",
    "1",
    "2026-02-20T09:14:00Z",
    2,
)
NEW_REPLICASET = replicaset(
    NEW_RS,
    NEW_RS_UID,
    NEW_HASH,
    "registry.example/shop/checkout:1.5.0",
    "2",
    "2026-03-01T11:50:03Z",
    1,
)


def workloads(*items: dict[str, Any]) -> dict[str, Any]:
    """``kubectl get deploy,rs -o json``: a ``List`` of the objects."""
    return {
        "apiVersion": "v1",
        "items": list(items),
        "kind": "List",
        "metadata": {"resourceVersion": ""},
    }


OOM_POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "creationTimestamp": "2026-03-01T11:50:03Z",
        "generateName": f"{NEW_RS}-",
        "labels": {"app.kubernetes.io/name": "checkout", "pod-template-hash": NEW_HASH},
        "name": NEW_POD,
        "namespace": NS,
        "ownerReferences": [
            {
                "apiVersion": "apps/v1",
                "blockOwnerDeletion": True,
                "controller": True,
                "kind": "ReplicaSet",
                "name": NEW_RS,
                "uid": NEW_RS_UID,
            }
        ],
        "resourceVersion": "48390",
        "uid": POD_UID,
    },
    "spec": {
        "containers": [{"name": "checkout", "image": "registry.example/shop/checkout:1.5.0"}],
        "nodeName": "node-a",
    },
    "status": {
        "conditions": [
            {
                "lastProbeTime": None,
                "lastTransitionTime": "2026-03-01T11:50:05Z",
                "status": "True",
                "type": "PodScheduled",
            }
        ],
        "containerStatuses": [
            {
                "containerID": "containerd://4f1e",
                "image": "registry.example/shop/checkout:1.5.0",
                "imageID": "registry.example/shop/checkout@sha256:9f86d081884c7d65",
                "lastState": {
                    "terminated": {
                        "containerID": "containerd://3a2b",
                        "exitCode": 137,
                        "finishedAt": "2026-03-01T11:57:48Z",
                        "reason": "OOMKilled",
                        "startedAt": "2026-03-01T11:55:12Z",
                    }
                },
                "name": "checkout",
                "ready": False,
                "restartCount": 4,
                "started": False,
                "state": {
                    "waiting": {
                        "message": (
                            "back-off 1m20s restarting failed container=checkout "
                            f"pod={NEW_POD}_shop({POD_UID})"
                        ),
                        "reason": "CrashLoopBackOff",
                    }
                },
            },
            {
                "containerID": "containerd://77aa",
                "image": "envoyproxy/envoy:v1.29.1",
                "imageID": "docker.io/envoyproxy/envoy@sha256:0b5c",
                "lastState": {},
                "name": "envoy",
                "ready": True,
                "restartCount": 0,
                "started": True,
                "state": {"running": {"startedAt": "2026-03-01T11:50:08Z"}},
            },
        ],
        "phase": "Running",
        "podIP": "10.0.0.12",
        "startTime": "2026-03-01T11:50:05Z",
    },
}
HEALTHY_POD: dict[str, Any] = {
    **OOM_POD,
    "metadata": {
        **OOM_POD["metadata"],
        "name": f"{OLD_RS}-b8d2h",
        "uid": "c4e6a8b0-0000-4000-8000-000000000010",
    },
    "status": {
        "phase": "Running",
        "containerStatuses": [
            {"name": "checkout", "restartCount": 0, "lastState": {}, "state": {"running": {}}}
        ],
    },
}


def pod_list(*items: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "items": list(items),
        "kind": "List",
        "metadata": {"resourceVersion": ""},
    }
