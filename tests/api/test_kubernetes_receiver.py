"""The Kubernetes events receiver as kubernetes-event-exporter's webhook sink calls it (one
core/v1 Event a request, with the involved object's labels), and batches: signals on the
labelled component, retries and updates idempotent, bad events rejected by position and field
while the good ones load, rollouts from ScalingReplicaSet events alone."""

from __future__ import annotations

import copy
import json
from typing import Any

from rcagraph.graph import Query
from tests.api.conftest import Api
from tests.unit.loaders import k8s_shapes as k

PATH = "/api/v1/ingest/kubernetes/events"
SIGNALS = Query(
    "t.api_k8s_signals",
    "MATCH (a:Anomaly)-[:OBSERVED_ON]->(c:Component) "
    "RETURN a.metric AS metric, a.count AS count, c.name AS on, a.source AS source, "
    "toString(a.end_at) AS end_at ORDER BY metric",
)
CHANGES = Query(
    "t.api_k8s_changes",
    "MATCH (c:Change)-[:CHANGED]->(s:Component) "
    "RETURN c.change_id AS id, c.version AS version, s.name AS on, c.rollout_steps AS steps",
)
SHAPE = Query(
    "t.api_k8s_shape",
    "MATCH (n) WHERE n.scope = 'default' OPTIONAL MATCH (n)-[r]->() "
    "RETURN count(DISTINCT n) AS nodes, count(r) AS rels",
)


def post(api: Api, body: Any, status: int = 200) -> Any:
    r = api.client.post(
        PATH,
        content=json.dumps(body),
        headers=api.h("responder") | {"Content-Type": "application/json"},
    )
    assert r.status_code == status, r.text
    return r.json()


def test_an_exporters_event_is_a_signal_and_its_retry_changes_nothing(api: Api) -> None:
    got = post(api, k.exporter_event())
    assert got["rejected"] == 0
    assert got["kinds"]["kubernetes_event"]["loaded"] == 1
    assert got["kinds"]["kubernetes_event"]["notes"] == {"unknown_component": 1}
    (signal,) = api.rca.graph.read(SIGNALS)
    assert (signal["metric"], signal["count"], signal["on"]) == (
        "k8s_probe_failures",
        4,
        "checkout",
    )
    assert signal["source"].startswith(PATH.replace("/api", "POST /api", 1) + " sha256:")
    shape = api.rca.graph.read(SHAPE)
    again = post(api, k.exporter_event())
    assert again["kinds"]["kubernetes_event"]["merged"] == 1
    assert api.rca.graph.read(SHAPE) == shape
    # the exporter sends the event again when Kubernetes counts a repeat: one signal, updated
    update = post(api, k.exporter_event(count=9, lastTimestamp="2026-03-01T11:59:00Z"))
    assert update["kinds"]["kubernetes_event"]["merged"] == 1
    (signal,) = api.rca.graph.read(SIGNALS)
    assert (signal["count"], signal["end_at"]) == (9, "2026-03-01T11:59:00Z")


def test_a_batch_rejects_bad_events_by_position_and_field_and_loads_the_others(api: Api) -> None:
    bad_time = copy.deepcopy(k.UNHEALTHY)
    bad_time["lastTimestamp"] = "soon"
    no_reason = copy.deepcopy(k.OOM_BACKOFF)
    no_reason.pop("reason")
    got = post(api, k.event_list(k.UNHEALTHY, bad_time, no_reason, k.PULLED))
    assert got["kinds"]["kubernetes_event"]["loaded"] == 1
    assert got["kinds"]["kubernetes_event"]["skipped"] == 1
    assert [(r["file"], r["pointer"], r["field"]) for r in got["rejections"]] == [
        ("POST /api/v1/ingest/kubernetes/events", "items[1]", "lastTimestamp"),
        ("POST /api/v1/ingest/kubernetes/events", "items[2]", "reason"),
    ]
    assert "at items[1]" in got["rejections"][0]["message"]
    array = post(api, [k.SCHEDULING_V1, bad_time])
    assert [(r["pointer"], r["field"]) for r in array["rejections"]] == [("[1]", "lastTimestamp")]
    assert {s["metric"] for s in api.rca.graph.read(SIGNALS)} == {
        "k8s_failed_scheduling",
        "k8s_probe_failures",
    }


def test_only_bad_events_are_a_422_and_only_unused_ones_a_200(api: Api) -> None:
    bad = copy.deepcopy(k.exporter_event())
    bad["involvedObject"] = "checkout"
    r = api.client.post(PATH, json=bad, headers=api.h("responder"))
    assert r.status_code == 422 and "involvedObject" in r.text
    skipped = post(api, k.PULLED)
    assert skipped["kinds"]["kubernetes_event"]["skip_reasons"] == {
        "Normal events of reason 'Pulled' are not used": 1
    }
    assert api.client.post(PATH, json=k.PULLED).status_code == 401
    assert api.client.post(PATH, json=k.PULLED, headers=api.h("viewer")).status_code == 403


def test_scaling_events_alone_give_the_rollout(api: Api) -> None:
    post(api, k.SCALED_UP)
    got = post(api, k.SCALED_DOWN)
    assert got["kinds"]["kubernetes_event"]["skipped"] == 1  # the old ReplicaSet's rollout: unknown
    (change,) = api.rca.graph.read(CHANGES)
    assert change == {
        "id": f"kubernetes:shop/{k.NEW_RS}",
        "version": k.NEW_HASH,
        "on": "checkout",
        "steps": [f"2026-03-01T11:50:03Z scaled up {k.NEW_RS} to 1"],
    }
