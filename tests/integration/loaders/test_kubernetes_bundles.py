"""Kubernetes as kubectl prints it, loaded into a real Neo4j: a rollout of ``checkout`` from
1.4.1 to 1.5.0 with its ScalingReplicaSet steps, its pod's OOM kills and probe failures, on the
catalog's component; loading twice changes nothing; a later copy of an event updates its count
in any order; the rollout is a change candidate of the ranker and the OOM kills are evidence."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rcagraph.core import RcaGraph
from rcagraph.engine.extract import extract_view
from rcagraph.engine.features.classify import is_failure_signal
from rcagraph.graph import Query
from tests.unit.loaders import k8s_shapes as k

CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: frontend
spec:
  type: service
  lifecycle: production
  owner: group:default/web
  dependsOn: [component:checkout]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
spec:
  type: service
  lifecycle: production
  owner: group:default/shop
"""
INCIDENT = {
    "id": "INC-K8S",
    "title": "Checkout errors",
    "severity": "SEV2",
    "started_at": "2026-03-01T11:58:00Z",
    "symptoms": [{"service": "frontend", "signal": "errors"}],
}

CHANGES = Query(
    "t.k8s_changes",
    "MATCH (c:Change {scope: $scope}) "
    "RETURN c.change_id AS id, c.kind AS kind, c.version AS version, "
    "c.previous_version AS previous, c.action AS action, toString(c.at) AS at, "
    "c.artifact AS artifact, c.rollout_share AS share, c.rollout_steps AS steps, "
    "c.source AS source, c.source_ref AS ref, c.first_deploy_of_version AS first, "
    "COLLECT { MATCH (c)-[:CHANGED]->(s) RETURN s.name } AS on "
    "ORDER BY id",
)
SIGNALS = Query(
    "t.k8s_signals",
    "MATCH (a:Anomaly {scope: $scope})-[:OBSERVED_ON]->(c:Component) "
    "RETURN a.metric AS metric, a.signal AS signal, a.count AS count, toString(a.at) AS at, "
    "toString(a.end_at) AS end_at, a.reason AS reason, c.name AS on, a.source_ref AS ref, "
    "a.method AS method, a.value AS value "
    "ORDER BY metric",
)
SHAPE = Query(
    "t.k8s_shape",
    "MATCH (n {scope: $scope}) OPTIONAL MATCH (n)-[r]->() "
    "RETURN count(DISTINCT n) AS nodes, count(r) AS rels, "
    "collect(DISTINCT n.name) AS names",
)


def bundle(root: Path, files: dict[str, Any], incident: dict[str, Any] = INCIDENT) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "incident.json").write_text(json.dumps(incident))
    for rel, body in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(body if isinstance(body, str) else json.dumps(body, indent=2))
    return root


def _files() -> dict[str, Any]:
    return {
        "topology/catalog.yaml": CATALOG,
        "k8s/workloads.json": k.workloads(k.DEPLOYMENT, k.OLD_REPLICASET, k.NEW_REPLICASET),
        "k8s/events.json": k.event_list(
            k.SCALED_UP,
            k.SCALED_DOWN,
            k.UNHEALTHY,
            k.OOM_BACKOFF,
            k.PULLED,
            k.KILLING_ROLLOUT,
            k.NODE_PRESSURE,
        ),
        "k8s/pods.json": k.pod_list(k.OOM_POD, k.HEALTHY_POD),
    }


def test_a_rollout_and_its_pods_failures_land_on_the_catalogs_component(
    rca: RcaGraph, tmp_path: Path
) -> None:
    b = bundle(tmp_path / "b", _files())
    report = rca.load_bundle(b, scope="k", report_dir=tmp_path / "r")
    assert report.rejections == []
    assert report.unknown_files == []
    rollout, ev, pod = (
        report.kinds[x] for x in ("kubernetes_rollout", "kubernetes_event", "kubernetes_pod")
    )
    # events.json loads first: its scale-up step wrote the new rollout, the listing merged it
    assert (rollout.read, rollout.loaded, rollout.merged, rollout.skipped) == (3, 1, 1, 1)
    assert ev.read == 7 and ev.skipped == 3
    assert ev.skip_reasons == {
        "Normal events of reason 'Pulled' are not used": 1,
        "Killing (a container stopped, not after a failed probe) is not used": 1,
        "events on a Node are not used": 1,
    }
    assert (pod.read, pod.loaded, pod.skipped) == (2, 1, 1)
    assert all("unknown_component" not in c.notes for c in report.kinds.values())

    old, new = rca.graph.read(CHANGES, scope="k")
    assert new == {
        "id": f"kubernetes:shop/{k.NEW_RS}",
        "kind": "deploy",
        "version": "1.5.0",
        "previous": "1.4.1",
        "action": "upgraded",
        "at": "2026-03-01T11:50:03Z",
        "artifact": "registry.example/shop/checkout:1.5.0",
        "share": 1 / 3,
        "steps": [f"2026-03-01T11:50:03Z scaled up {k.NEW_RS} to 1"],
        "source": "k8s/workloads.json",
        "ref": "/items/2",
        "first": True,
        "on": ["checkout"],
    }
    assert old["version"] == "1.4.1" and old["action"] == "deployed"
    assert old["steps"] == [f"2026-03-01T11:50:41Z scaled down {k.OLD_RS} to 2 from 3"]

    signals = rca.graph.read(SIGNALS, scope="k")
    assert [(s["metric"], s["count"], s["on"], s["reason"]) for s in signals] == [
        ("k8s_crash_loop_backoff", 7, "checkout", "BackOff"),
        ("k8s_oom_kills", 4, "checkout", "OOMKilled"),
        ("k8s_probe_failures", 12, "checkout", "Unhealthy"),
    ]
    crash = signals[0]
    assert (crash["at"], crash["end_at"], crash["ref"]) == (
        "2026-03-01T11:52:10Z",
        "2026-03-01T11:58:40Z",
        "/items/3",
    )
    assert crash["method"] == "kubernetes" and crash["value"] == 7.0

    before = rca.graph.read(SHAPE, scope="k")
    again = rca.load_bundle(b, scope="k", report_dir=tmp_path / "r")
    assert again.kinds["kubernetes_rollout"].loaded == 0
    assert again.kinds["kubernetes_event"].loaded == 0
    assert rca.graph.read(SHAPE, scope="k") == before
    assert rca.graph.read(CHANGES, scope="k") == [old, new]
    assert rca.graph.read(SIGNALS, scope="k") == signals


def test_the_rollout_is_a_change_candidate_and_the_oom_kills_are_evidence(
    rca: RcaGraph, tmp_path: Path
) -> None:
    b = bundle(tmp_path / "b", _files())
    rca.load_bundle(b, scope="rank", report_dir=tmp_path / "r")
    view = extract_view(rca.graph, "INC-K8S", "rank")
    k8s = {(s.metric, s.service, s.kind) for s in view.signals if s.source_ref}
    assert ("k8s_oom_kills", "checkout", "metric_anomaly") in k8s
    assert ("k8s_probe_failures", "checkout", "metric_anomaly") in k8s
    oom = next(s for s in view.signals if s.metric == "k8s_oom_kills")
    assert is_failure_signal(oom) and oom.signal == "saturation"
    # the rollout's scale-up of its new ReplicaSet is its step (the old one's scale-down is not)
    rollout = next(c for c in view.changes if c.change_id == f"kubernetes:shop/{k.NEW_RS}")
    assert rollout.rollout_steps == (datetime(2026, 3, 1, 11, 50, 3, tzinfo=UTC),)
    ranking = rca.rank("INC-K8S", "rank")
    ids = [c.change_id for c in ranking.candidates if c.kind == "deploy"]
    assert f"kubernetes:shop/{k.NEW_RS}" in ids
    top = next(c for c in ranking.candidates if c.change_id == f"kubernetes:shop/{k.NEW_RS}")
    assert top.service == "checkout"
    assert any(e.kind == "change" for e in top.evidence)
    summaries = " ".join(e.summary for c in ranking.candidates for e in c.evidence)
    assert "OOMKilled" in summaries or "BackOff" in summaries or "Unhealthy" in summaries


def test_events_alone_give_the_rollout_and_later_copies_update_counts_in_any_order(
    rca: RcaGraph, tmp_path: Path
) -> None:
    later = copy.deepcopy(k.UNHEALTHY)
    later["count"] = 20
    later["lastTimestamp"] = "2026-03-01T12:03:00Z"
    later["metadata"]["resourceVersion"] = "48999"
    first = bundle(
        tmp_path / "a",
        {
            "k8s/events.jsonl": "".join(
                json.dumps(x) + "\n" for x in (k.SCALED_UP, k.SCALED_DOWN, later)
            )
        },
    )
    report = rca.load_bundle(first, scope="e", report_dir=tmp_path / "r")
    assert report.kinds["kubernetes_event"].skip_reasons == {
        "a scale-down of a ReplicaSet no rollout in the graph names": 1
    }
    assert report.kinds["kubernetes_event"].notes == {"unknown_component": 2}
    (change,) = rca.graph.read(CHANGES, scope="e")
    assert (change["id"], change["version"], change["at"], change["on"]) == (
        f"kubernetes:shop/{k.NEW_RS}",
        k.NEW_HASH,
        "2026-03-01T11:50:03Z",
        ["checkout"],
    )
    assert change["ref"] == "line 1"
    older = bundle(tmp_path / "b", {"k8s/events.json": k.event_list(k.UNHEALTHY)})
    rca.load_bundle(older, scope="e", report_dir=tmp_path / "r")
    (signal,) = rca.graph.read(SIGNALS, scope="e")
    assert (signal["count"], signal["at"], signal["end_at"], signal["ref"]) == (
        20,
        "2026-03-01T11:51:30Z",
        "2026-03-01T12:03:00Z",
        "line 3",
    )
    # the listing arrives afterwards: the same change gets its image version and time
    listing = bundle(tmp_path / "c", {"k8s/workloads.json": k.workloads(k.NEW_REPLICASET)})
    rca.load_bundle(listing, scope="e", report_dir=tmp_path / "r")
    (change,) = rca.graph.read(CHANGES, scope="e")
    assert (change["version"], change["steps"]) == (
        "1.5.0",
        [f"2026-03-01T11:50:03Z scaled up {k.NEW_RS} to 1"],
    )


def test_bad_objects_are_rejected_naming_position_and_field_the_others_load(
    rca: RcaGraph, tmp_path: Path
) -> None:
    no_time = copy.deepcopy(k.UNHEALTHY)
    no_time["firstTimestamp"] = "2026-03-01T11:51:30"
    no_owner = copy.deepcopy(k.NEW_REPLICASET)
    no_owner["metadata"]["ownerReferences"] = []
    no_owner["metadata"]["name"] = "standalone"
    b = bundle(
        tmp_path / "b",
        {
            "k8s/events.json": k.event_list(k.OOM_BACKOFF, no_time, 7),
            "k8s/workloads.json": k.workloads(
                no_owner, k.OLD_REPLICASET, {"kind": "ConfigMap", "metadata": {"name": "cfg"}}
            ),
            "k8s/broken.json": '{"kind": "List", "items": [',
        },
    )
    report = rca.load_bundle(b, scope="bad", report_dir=tmp_path / "r")
    got = sorted((r.file, r.pointer, r.line, r.field) for r in report.rejections)
    assert got == [
        ("k8s/broken.json", None, 1, "$"),
        ("k8s/events.json", "/items/1", None, "firstTimestamp"),
        ("k8s/events.json", "/items/2", None, "$"),
        ("k8s/workloads.json", "/items/0", None, "metadata.ownerReferences"),
    ]
    assert report.kinds["kubernetes_rollout"].skip_reasons == {"ConfigMap objects are not used": 1}
    assert len(rca.graph.read(CHANGES, scope="bad")) == 1
    assert len(rca.graph.read(SIGNALS, scope="bad")) == 1
    quarantined = (tmp_path / "r" / "quarantine.jsonl").read_text().splitlines()
    assert all(json.loads(line)["raw"] for line in quarantined)
