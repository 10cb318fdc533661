"""Payloads as the tools send them (issue 12 items 9-13, 17): skipped-but-valid events, CDEvents
incidents and CloudEvents envelopes, Alertmanager/Grafana alerts without fingerprints, Backstage
namespaces and owners, Prometheus native histograms, LaunchDarkly before/after (no server).

Every fixture here is written for these tests in the shape the tool's own docs and examples give.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from rcagraph.loaders.alerts import label_fingerprint, parse_payloads
from rcagraph.loaders.base import Rejection
from rcagraph.loaders.changes import parse_cdevent, parse_flag_change, parse_lines
from rcagraph.loaders.changes.cdevents import IncidentEventRow, unwrap_cloudevent
from rcagraph.loaders.changes.load import Skipped
from rcagraph.loaders.changes.row import ChangeRow
from rcagraph.loaders.metrics import Sample, iter_prometheus
from rcagraph.loaders.records import RecordError, RecordSkipped
from rcagraph.loaders.topology import parse_catalog


def prov(source: str, ref: str) -> dict[str, Any]:
    return {"source": source, "source_ref": ref, "loader_version": "t"}


# -- CDEvents ---------------------------------------------------------------------------------

DEPLOYED: dict[str, Any] = {
    "context": {
        "specversion": "0.4.1",
        "id": "7d1f3a52-6a5e-4c1b-9f0e-2b8c4d6e8f10",
        "source": "/argocd/shop",
        "type": "dev.cdevents.service.deployed.0.2.0",
        "timestamp": "2026-03-01T11:40:00Z",
    },
    "subject": {
        "id": "service/cart",
        "source": "/argocd/shop",
        "type": "service",
        "content": {
            "environment": {"id": "production"},
            "artifactId": "pkg:oci/cart@sha256%3Aab12?repository_url=registry.example/cart",
        },
    },
}

PUBLISHED: dict[str, Any] = {
    "context": {
        "specversion": "0.4.1",
        "id": "5a0c7e1d-0b1f-4c57-8a7e-6f2d3c4b5a69",
        "source": "/ci/shop",
        "type": "dev.cdevents.service.published.0.2.0",
        "timestamp": "2026-03-01T11:41:00Z",
    },
    "subject": {
        "id": "service/cart",
        "type": "service",
        "content": {"environment": {"id": "production"}},
    },
}


def incident_event(predicate: str, at: str, **content: Any) -> dict[str, Any]:
    return {
        "context": {
            "specversion": "0.4.1",
            "id": f"evt-{predicate}-{at}",
            "source": "/monitoring/prod",
            "type": f"dev.cdevents.incident.{predicate}.0.2.0",
            "timestamp": at,
        },
        "subject": {
            "id": "INC-77",
            "source": "/monitoring/prod",
            "type": "incident",
            "content": {"environment": {"id": "prod", "source": "/iaas/eu1"}, **content},
        },
        "customData": {"severity": "sev2", "priority": "high"},
        "customDataContentType": "application/json",
    }


def test_service_published_is_skipped_not_rejected() -> None:
    with pytest.raises(RecordSkipped, match=r"service\.published is not used"):
        parse_cdevent(PUBLISHED)
    other = json.loads(json.dumps(PUBLISHED))
    other["context"]["type"] = "dev.cdevents.pipelineRun.finished.0.2.0"
    with pytest.raises(RecordSkipped, match=r"pipelineRun\.finished"):
        parse_cdevent(other)
    # a skip still needs a readable context: a bad timestamp is a rejection naming it
    other["context"]["timestamp"] = "yesterday"
    with pytest.raises(RecordError) as info:
        parse_cdevent(other)
    assert info.value.field == "context.timestamp"


def test_incident_events_read_as_incident_events() -> None:
    detected = parse_cdevent(
        incident_event(
            "detected",
            "2026-03-01T12:01:00Z",
            description="p95 latency of checkout above 2 s",
            service={"id": "service/checkout", "source": "/k8s/shop"},
            artifactId="pkg:oci/checkout@v2.1.0",
        )
    )
    assert isinstance(detected, IncidentEventRow)
    assert (detected.incident_id, detected.predicate, detected.service) == (
        "INC-77",
        "detected",
        "checkout",
    )
    assert detected.severity == "SEV2" and detected.environment == "prod"
    reported = parse_cdevent(
        incident_event("reported", "2026-03-01T12:03:00Z", ticketURI="https://tickets.example/77")
    )
    assert isinstance(reported, IncidentEventRow) and reported.ticket_uri.endswith("/77")  # type: ignore[union-attr]
    resolved = parse_cdevent(incident_event("resolved", "2026-03-01T13:00:00Z"))
    assert isinstance(resolved, IncidentEventRow) and resolved.service is None
    # incident.reported requires its ticket, and says so
    with pytest.raises(RecordError) as info:
        parse_cdevent(incident_event("reported", "2026-03-01T12:03:00Z"))
    assert info.value.field == "subject.content.ticketURI"


def envelope(data: Any, **extra: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": "ce-1",
        "source": "/argocd/shop",
        "type": "dev.cdevents.service.deployed.0.2.0",
        "time": "2026-03-01T11:40:00Z",
        "datacontenttype": "application/json",
        "data": data,
        **extra,
    }


def test_structured_cloudevents_are_unwrapped() -> None:
    plain = parse_cdevent(DEPLOYED)
    assert isinstance(plain, ChangeRow)
    for wrapped in (
        envelope(DEPLOYED),
        envelope(json.dumps(DEPLOYED)),
        {
            k: v
            for k, v in (
                envelope(None) | {"data_base64": base64.b64encode(json.dumps(DEPLOYED).encode())}
            ).items()
            if k != "data"
        },
    ):
        if isinstance(wrapped.get("data_base64"), bytes):
            wrapped["data_base64"] = wrapped["data_base64"].decode()
        row = parse_cdevent(wrapped)
        assert isinstance(row, ChangeRow)
        assert (row.change_id, row.services, row.version) == (
            plain.change_id,
            ["cart"],
            "sha256:ab12",
        )
    # data with only the subject: the envelope gives the context
    bare = envelope({"subject": DEPLOYED["subject"]})
    row = parse_cdevent(bare)
    assert isinstance(row, ChangeRow) and row.change_id == "ce-1"
    assert row.at.isoformat() == "2026-03-01T11:40:00+00:00"


def test_bad_cloudevents_envelopes_name_their_field() -> None:
    for bad, field in (
        ({"specversion": "1.0", "id": "x", "type": DEPLOYED["context"]["type"]}, "data"),
        (envelope("{not json"), "data"),
        (envelope(None) | {"data": None, "data_base64": "%%%"}, "data_base64"),
        (envelope(None) | {"data": None, "data_base64": 12}, "data_base64"),
        (envelope([1, 2]), "data"),
    ):
        with pytest.raises(RecordError) as info:
            unwrap_cloudevent(bad)
        assert info.value.field == field, bad
    assert unwrap_cloudevent(DEPLOYED) is DEPLOYED
    push = envelope({"ref": "refs/heads/main"}) | {"type": "com.github.push"}
    with pytest.raises(RecordSkipped, match=r"'com\.github\.push' are not CDEvents"):
        parse_cdevent(push)


def test_a_cloudevents_batch_line_gives_one_record_per_element(tmp_path: Path) -> None:
    path = tmp_path / "deployments.jsonl"
    batch = [envelope(DEPLOYED), envelope(PUBLISHED), {"specversion": "1.0"}]
    path.write_text(json.dumps(DEPLOYED) + "\n" + json.dumps(batch) + "\n")
    out = list(parse_lines(path, "deployments.jsonl", "deployment", parse_cdevent))
    assert [w.ref for w, _ in out] == ["line 1", "line 2 /0", "line 2 /1", "line 2 /2"]
    kinds = [type(item).__name__ for _, item in out]
    assert kinds == ["ChangeRow", "ChangeRow", "Skipped", "Rejection"]
    rejected = out[3][1]
    assert isinstance(rejected, Rejection) and rejected.pointer == "/2" and rejected.line == 2
    assert isinstance(out[2][1], Skipped) and "service.published" in out[2][1].reason


# -- LaunchDarkly and Unleash -----------------------------------------------------------------


def ld_entry(current: dict[str, Any] | None, previous: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "_id": "61a2f0c0e4b0d7a1c2d3e4f5",
        "date": 1772366400000,
        "kind": "flag",
        "name": "New checkout",
        "titleVerb": "turned on the flag",
        "member": {"email": "ana@example.com", "firstName": "Ana"},
        "accesses": [
            {"action": "updateOn", "resource": "proj/shop:env/production:flag/new-checkout"}
        ],
        "currentVersion": current,
        "previousVersion": previous,
    }


def flag(**envs: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": "new-checkout",
        "tags": ["service:checkout"],
        "variations": [{"value": True}, {"value": False}],
        "environments": envs,
    }


def test_launchdarkly_compares_one_environment_on_both_sides() -> None:
    on = {"on": True, "fallthrough": {"variation": 0}, "offVariation": 1, "version": 4}
    off = {"on": False, "fallthrough": {"variation": 0}, "offVariation": 1, "version": 3}
    row = parse_flag_change(ld_entry(flag(production=on), flag(production=off)))
    assert json.loads(row.before or "") == off and json.loads(row.after or "") == on
    # the environment is new in this version: before is nothing, never the whole flag
    row = parse_flag_change(ld_entry(flag(production=on), flag(staging=off)))
    assert row.before is None and json.loads(row.after or "") == on
    # only the previous version has the environment (it was removed): after is nothing
    row = parse_flag_change(ld_entry(flag(staging=on), flag(production=off)))
    assert json.loads(row.before or "") == off and row.after is None
    # neither version has environments: whole versions on both sides
    row = parse_flag_change(ld_entry({"key": "k", "on": True}, {"key": "k", "on": False}))
    assert json.loads(row.before or "") == {"key": "k", "on": False}
    assert json.loads(row.after or "") == {"key": "k", "on": True}


def test_launchdarkly_other_kinds_are_skipped() -> None:
    webhook = {
        "_id": "61a2f0c0e4b0d7a1c2d3e4f6",
        "date": 1772366400000,
        "kind": "environment",
        "name": "Production",
        "accesses": [{"action": "updateApiKey", "resource": "proj/shop:env/production"}],
        "currentVersion": {"key": "production", "color": "417505"},
    }
    with pytest.raises(RecordSkipped, match="'environment'"):
        parse_flag_change(webhook)
    with pytest.raises(RecordError) as info:
        parse_flag_change({"_id": "x", "date": 1})  # no kind: not a valid entry
    assert info.value.field == "kind"


def test_unleash_events_without_a_feature_or_behaviour_are_skipped() -> None:
    strategy = {
        "id": 912,
        "type": "strategy-created",
        "createdBy": "admin",
        "createdAt": "2026-03-01T11:50:00.000Z",
        "data": {"name": "office-hours", "parameters": []},
        "featureName": None,
        "project": None,
        "environment": None,
        "tags": [],
    }
    with pytest.raises(RecordSkipped, match="name no feature"):
        parse_flag_change(strategy)
    tagged = strategy | {"id": 913, "type": "feature-tagged", "featureName": "new-checkout"}
    with pytest.raises(RecordSkipped, match="feature-tagged"):
        parse_flag_change(tagged)
    enabled = tagged | {"id": 914, "type": "feature-environment-enabled", "environment": "prod"}
    enabled["data"] = None
    row = parse_flag_change(enabled)
    assert row.flag_key == "new-checkout" and row.after == '{"enabled":true}'


# -- Alertmanager and Grafana -----------------------------------------------------------------


def test_label_fingerprint_matches_prometheus() -> None:
    # the values prometheus/common's model tests pin for labelSetToFingerprint
    assert int(label_fingerprint({}), 16) == 14695981039346656037
    pair = {"name": "garland, briggs", "fear": "love is not enough"}
    assert int(label_fingerprint(pair), 16) == 5799056148416392346
    one = {"first-label": "first-label-value"}
    assert int(label_fingerprint(one), 16) == 5146282821936882169
    assert label_fingerprint(one) == f"{5146282821936882169:016x}"
    assert label_fingerprint({"a": "bc"}) != label_fingerprint({"ab": "c"})


OLD_ALERTMANAGER: dict[str, Any] = {
    "receiver": "rcagraph",
    "status": "firing",
    "alerts": [
        {
            "labels": {"alertname": "HighLatency", "service": "checkout", "severity": "page"},
            "annotations": {"summary": "p95 above 2 s"},
            "startsAt": "2026-03-01T12:02:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=x",
        },
        {
            "status": "resolved",
            "labels": {"alertname": "HighErrors", "service": "cart"},
            "startsAt": "2026-03-01T11:50:00Z",
            "endsAt": "2026-03-01T11:58:00Z",
        },
    ],
    "groupLabels": {},
    "commonLabels": {},
    "commonAnnotations": {},
    "externalURL": "http://alertmanager:9093",
    "version": "4",
    "groupKey": "{}:{}",
}


def test_alerts_without_fingerprint_or_status_take_them_from_labels_and_group() -> None:
    rows = [r for _, r in parse_payloads(OLD_ALERTMANAGER, "alerts/a.json")]
    first, second = rows
    assert not isinstance(first, Rejection) and not isinstance(second, Rejection)
    assert first.fingerprint == label_fingerprint(OLD_ALERTMANAGER["alerts"][0]["labels"])
    assert first.status == "firing" and second.status == "resolved"
    assert len(first.fingerprint) == 16
    no_status = json.loads(json.dumps(OLD_ALERTMANAGER))
    del no_status["status"]
    ((_, rej), (_, ok)) = list(parse_payloads(no_status, "alerts/b.json"))
    assert isinstance(rej, Rejection) and rej.field == "status" and rej.pointer == "/alerts/0"
    assert not isinstance(ok, Rejection)


GRAFANA: dict[str, Any] = {
    "receiver": "rcagraph-webhook",
    "status": "firing",
    "orgId": 1,
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "Checkout latency", "service": "checkout", "team": "pay"},
            "annotations": {"summary": "p95 latency above 2 s"},
            "startsAt": "2026-03-01T12:02:10.157076+01:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://grafana.example/alerting/grafana/abc123/view",
            "fingerprint": "3f2e1d0c9b8a7f6e",
            "silenceURL": "https://grafana.example/alerting/silence/new?matcher=x",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"B": 2.31, "C": 1},
            "valueString": "[ var='B' labels={service=checkout} value=2.31 ]",
        }
    ],
    "groupLabels": {"alertname": "Checkout latency"},
    "commonLabels": {"alertname": "Checkout latency", "service": "checkout"},
    "commonAnnotations": {"summary": "p95 latency above 2 s"},
    "externalURL": "https://grafana.example/",
    "version": "1",
    "groupKey": '{}:{alertname="Checkout latency"}',
    "truncatedAlerts": 0,
    "title": "[FIRING:1] Checkout latency (checkout pay)",
    "state": "alerting",
    "message": "**Firing**\n\nValue: B=2.31",
}


def test_grafana_managed_alerting_webhook() -> None:
    ((where, row),) = list(parse_payloads(GRAFANA, "alerts/g.json"))
    assert not isinstance(row, Rejection), row
    assert (row.fingerprint, row.service, row.status, row.name) == (
        "3f2e1d0c9b8a7f6e",
        "checkout",
        "firing",
        "Checkout latency",
    )
    assert row.at.isoformat() == "2026-03-01T11:02:10.157076+00:00" and row.ends_at is None
    assert where.pointer == "/alerts/0"


# -- Backstage --------------------------------------------------------------------------------

CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: cart
spec:
  type: service
  lifecycle: production
  owner: group:default/shop
  dependsOn: [resource:cart-db]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: cart
  namespace: payments
spec:
  type: service
  lifecycle: production
  owner: user:ana
  dependsOn: [component:ledger, component:default/cart]
  subcomponentOf: component:payments/checkout
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: ana
  namespace: payments
spec:
  profile: {displayName: Ana Lima, email: ana@example.com}
  memberOf: [pay]
---
apiVersion: backstage.io/v1alpha1
kind: Domain
metadata: {name: commerce}
spec: {owner: shop}
"""


def test_backstage_namespaces_subcomponents_and_user_owners() -> None:
    rows, rejections, read = parse_catalog(CATALOG, "topology/c.yaml", "s", prov)
    assert rejections == [] and read == 4
    assert rows.skipped == ["Backstage Domain entities are not used"]
    assert [(r["uid"], r["name"]) for r in rows.services] == [
        ("s|Component|cart", "cart"),  # the default namespace keeps its id
        ("s|Component|payments/cart", "payments/cart"),
    ]
    deps = {(d["src_uid"], d["dst_uid"]) for d in rows.depends_on}
    assert deps == {
        ("s|Component|cart", "s|Component|cart-db"),
        ("s|Component|payments/cart", "s|Component|payments/ledger"),  # the holder's namespace
        ("s|Component|payments/cart", "s|Component|cart"),
    }
    ((sub,),) = [rows.subcomponents]
    assert (sub["src_uid"], sub["dst_uid"]) == (
        "s|Component|payments/cart",
        "s|Component|payments/checkout",
    )
    owners = {(o["src_uid"], o["team_uid"], o["team_kind"]) for o in rows.owns}
    assert owners == {
        ("s|Component|cart", "s|Team|shop", "group"),
        ("s|Component|payments/cart", "s|Team|user:payments/ana", "user"),
    }
    ((user,),) = [rows.teams]
    assert (user["uid"], user["kind"], user["email"]) == (
        "s|Team|user:payments/ana",
        "user",
        "ana@example.com",
    )


# -- Prometheus native histograms -------------------------------------------------------------

HISTOGRAM = {
    "count": "12",
    "sum": "3.5",
    "buckets": [[0, "0.25", "0.5", "8"], [0, "0.5", "1", "4"]],
}


def prometheus(result_type: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"status": "success", "data": {"resultType": result_type, "result": results}}


def test_native_histogram_series_are_read_as_count_and_sum() -> None:
    doc = prometheus(
        "matrix",
        [
            {
                "metric": {"__name__": "http_request_duration_seconds", "job": "checkout"},
                "histograms": [[1772366400, HISTOGRAM], [1772366460, HISTOGRAM | {"count": "20"}]],
            },
            {
                "metric": {"__name__": "up", "job": "checkout"},
                "values": [[1772366400, "1"]],
                "histograms": [[1772366460.5, HISTOGRAM]],
            },
        ],
    )
    out = list(iter_prometheus(doc, "metrics/p.json", "p"))
    assert all(isinstance(s, Sample) for s in out)
    samples = [s for s in out if isinstance(s, Sample)]
    got = [(s.metric, s.value, s.json_ref, s.derived) for s in samples]
    assert got[:4] == [
        ("http_request_duration_seconds_count", 12.0, "/data/result/0/histograms/0", False),
        ("http_request_duration_seconds_sum", 3.5, "/data/result/0/histograms/0", True),
        ("http_request_duration_seconds_count", 20.0, "/data/result/0/histograms/1", False),
        ("http_request_duration_seconds_sum", 3.5, "/data/result/0/histograms/1", True),
    ]
    assert [s.metric for s in samples[4:]] == ["up", "up_count", "up_sum"]


def test_vector_answers_and_bad_histograms() -> None:
    doc = prometheus(
        "vector",
        [
            {"metric": {"job": "cart"}, "value": [1772366400, "0.5"]},
            {"metric": {"job": "cart", "__name__": "lat"}, "histogram": [1772366400, HISTOGRAM]},
            {"metric": {"job": "cart"}, "histogram": [1772366400, {"sum": "1"}]},
            {"metric": {"job": "cart"}, "histograms": {"not": "a list"}},
            {"metric": {"job": "cart"}},
        ],
    )
    out = list(iter_prometheus(doc, "metrics/v.json", "v"))
    samples = [s for s in out if isinstance(s, Sample)]
    assert [(s.metric, s.json_ref) for s in samples] == [
        ("v", "/data/result/0/value"),
        ("lat_count", "/data/result/1/histogram"),
        ("lat_sum", "/data/result/1/histogram"),
    ]
    rejected = [(r.pointer, r.field) for r in out if isinstance(r, Rejection)]
    # a rejected series keeps its raw text (issue 12 item 14)
    raws = [json.loads(r.raw) for r in out if isinstance(r, Rejection)]
    assert raws == [[1772366400, {"sum": "1"}], {"not": "a list"}, {"metric": {"job": "cart"}}]
    assert rejected == [
        ("/data/result/2/histogram", "histogram.histogram.count"),
        ("/data/result/3/histograms", "histograms"),
        ("/data/result/4", "values"),
    ]
