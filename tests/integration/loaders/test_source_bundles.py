"""Sources as the tools send them, loaded into a real Neo4j (issue 12 items 9-13): skipped
counts and exit codes, CDEvents incidents, CloudEvents envelopes, Alertmanager fingerprints
computed and deduplicated, Grafana alerts, Backstage namespaces and owners, native histograms."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from rcagraph.cli.main import app
from rcagraph.core import RcaGraph
from rcagraph.graph import Query
from rcagraph.loaders.alerts import label_fingerprint
from tests.unit.loaders.test_source_shapes import (
    CATALOG,
    DEPLOYED,
    GRAFANA,
    HISTOGRAM,
    OLD_ALERTMANAGER,
    PUBLISHED,
    envelope,
    incident_event,
)

INCIDENT = {
    "id": "INC-9",
    "title": "Checkout slow",
    "severity": "SEV2",
    "started_at": "2026-03-01T12:00:00Z",
    "symptoms": [{"service": "checkout", "signal": "latency"}],
}


def bundle(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "incident.json").write_text(json.dumps(INCIDENT))
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def jsonl(*items: Any) -> str:
    return "".join(json.dumps(x) + "\n" for x in items)


LD_ENVIRONMENT = {
    "_id": "61a2f0c0e4b0d7a1c2d3e4f6",
    "date": 1772366400000,
    "kind": "environment",
    "accesses": [{"action": "updateApiKey", "resource": "proj/shop:env/production"}],
}
UNLEASH_STRATEGY = {
    "id": 912,
    "type": "strategy-created",
    "createdBy": "admin",
    "createdAt": "2026-03-01T11:50:00.000Z",
    "data": {"name": "office-hours"},
    "featureName": None,
    "tags": [],
}

INCIDENTS = Query(
    "t.incidents",
    "MATCH (i:Incident {scope: $scope}) "
    "RETURN i.id AS id, i.title AS title, i.severity AS severity, i.status AS status, "
    "toString(i.started_at) AS started, toString(i.detected_at) AS detected, "
    "toString(i.resolved_at) AS resolved, i.ticket_uri AS ticket, "
    "COLLECT { MATCH (i)-[h:HAS_SYMPTOM]->(c) RETURN c.name + ':' + h.signal } AS symptoms "
    "ORDER BY id",
)


def test_unused_events_are_skipped_and_incidents_are_read(
    rca: RcaGraph, tmp_path: Path, neo4j_env: dict[str, str]
) -> None:
    detected = incident_event(
        "detected",
        "2026-03-01T12:01:00Z",
        description="p95 latency of payments above 2 s",
        service={"id": "service/payments"},
    )
    resolved = incident_event("resolved", "2026-03-01T13:00:00Z", description="back below 2 s")
    reported = incident_event(
        "reported", "2026-03-01T12:03:00Z", ticketURI="https://tickets.example/77"
    )
    own = incident_event("detected", "2026-03-01T11:55:00Z", description="other words")
    own["subject"]["id"] = "INC-9"
    own["subject"]["content"]["service"] = {"id": "checkout"}
    deployments = (
        jsonl(resolved, envelope(DEPLOYED), PUBLISHED, detected, own)
        + json.dumps([envelope(PUBLISHED), reported])
        + "\n"
    )
    b = bundle(
        tmp_path / "b",
        {
            "deployments.jsonl": deployments,
            "flags.jsonl": jsonl(LD_ENVIRONMENT, UNLEASH_STRATEGY),
            "topology/catalog.yaml": CATALOG,
        },
    )
    report = rca.load_bundle(b, scope="s", report_dir=tmp_path / "r")
    assert report.rejections == []
    dep = report.kinds["deployment"]
    assert (dep.read, dep.loaded, dep.skipped) == (3, 1, 2)
    assert dep.skip_reasons == {"CDEvents service.published is not used": 2}
    assert report.kinds["flag_change"].skipped == 2 and report.kinds["flag_change"].loaded == 0
    assert report.kinds["catalog"].skip_reasons == {"Backstage Domain entities are not used": 1}
    inc = report.kinds["incident_event"]
    assert (inc.read, inc.loaded, inc.merged) == (4, 1, 3)
    saved = json.loads((tmp_path / "r" / "load-report.json").read_text())
    assert saved["kinds"]["deployment"]["skipped"] == 2

    rows = {r["id"]: r for r in rca.graph.read(INCIDENTS, scope="s")}
    assert rows["INC-77"] == {
        "id": "INC-77",
        "title": "p95 latency of payments above 2 s",
        "severity": "SEV2",
        "status": "resolved",
        "started": "2026-03-01T12:01:00Z",
        "detected": "2026-03-01T12:01:00Z",
        "resolved": "2026-03-01T13:00:00Z",
        "ticket": "https://tickets.example/77",
        "symptoms": ["payments:other"],
    }
    # the declared incident keeps its title, severity and symptom; the earlier detection
    # moves its start and detection earlier
    mine = rows["INC-9"]
    assert (mine["title"], mine["severity"], mine["status"]) == ("Checkout slow", "SEV2", "open")
    assert mine["started"] == mine["detected"] == "2026-03-01T11:55:00Z"
    assert mine["symptoms"] == ["checkout:latency"]

    first = rca.counts("s")
    again = rca.load_bundle(b, scope="s", report_dir=tmp_path / "r2")
    assert rca.counts("s") == first and again.kinds["incident_event"].loaded == 0
    assert {r["id"]: r for r in rca.graph.read(INCIDENTS, scope="s")} == rows

    result = CliRunner().invoke(app, ["load", str(b), "--scope", "cli", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "skipped 2 deployment: CDEvents service.published is not used" in result.output


COMPONENTS = Query(
    "t.components",
    "MATCH (c:Component {scope: $scope}) "
    "RETURN c.name AS name, c.uid AS uid, "
    "COLLECT { MATCH (c)-[r:DEPENDS_ON]->(d) RETURN d.name + ' ' + r.via } AS deps, "
    "COLLECT { MATCH (t:Team)-[:OWNS]->(c) RETURN t.kind + ' ' + t.name + ' ' "
    "  + coalesce(t.email, '-') } AS owners "
    "ORDER BY name",
)


def test_backstage_namespaces_are_identity(rca: RcaGraph, tmp_path: Path) -> None:
    b = bundle(tmp_path / "b", {"topology/catalog.yaml": CATALOG})
    report = rca.load_bundle(b, scope="s", report_dir=tmp_path / "r")
    assert report.rejections == []
    rows = {r["name"]: r for r in rca.graph.read(COMPONENTS, scope="s")}
    assert rows["cart"]["uid"] == "s|Component|cart"  # ids of the default namespace unchanged
    assert sorted(rows["cart"]["deps"]) == ["cart-db dependsOn"]
    assert rows["cart"]["owners"] == ["group shop -"]
    pay = rows["payments/cart"]
    assert sorted(pay["deps"]) == ["cart dependsOn", "payments/ledger dependsOn"]
    assert pay["owners"] == ["user payments/ana ana@example.com"]
    assert rows["payments/checkout"]["deps"] == ["payments/cart subcomponentOf"]
    # the symptom names the default-namespace cart; the namespaced one stays apart
    assert rows["checkout"]["uid"] == "s|Component|checkout"


ALERTS = Query(
    "t.alerts",
    "MATCH (a:Alert {scope: $scope}) OPTIONAL MATCH (a)-[:OBSERVED_ON]->(c) "
    "RETURN a.fingerprint AS fp, a.status AS status, c.name AS service ORDER BY a.at",
)


def test_fingerprints_computed_alike_merge_and_grafana_loads(rca: RcaGraph, tmp_path: Path) -> None:
    resolved = json.loads(json.dumps(OLD_ALERTMANAGER))
    resolved["status"] = "resolved"
    resolved["alerts"][0]["endsAt"] = "2026-03-01T12:30:00Z"
    resolved["alerts"] = resolved["alerts"][:1]
    b = bundle(
        tmp_path / "b",
        {
            "alerts/firing.json": json.dumps(OLD_ALERTMANAGER),
            "alerts/resolved.json": json.dumps(resolved),
            "alerts/grafana.json": json.dumps(GRAFANA),
        },
    )
    report = rca.load_bundle(b, scope="s", report_dir=tmp_path / "r")
    assert report.rejections == []
    assert report.kinds["alert"].read == 4 and report.kinds["alert"].loaded == 3
    fp = label_fingerprint(OLD_ALERTMANAGER["alerts"][0]["labels"])
    errors_fp = label_fingerprint(OLD_ALERTMANAGER["alerts"][1]["labels"])
    assert rca.graph.read(ALERTS, scope="s") == [
        {"fp": "3f2e1d0c9b8a7f6e", "status": "firing", "service": "checkout"},  # 11:02:10Z
        {"fp": errors_fp, "status": "resolved", "service": "cart"},
        {"fp": fp, "status": "resolved", "service": "checkout"},  # firing + resolved: one
    ]


SERIES = Query(
    "t.metric_anomalies",
    "MATCH (a:Anomaly {scope: $scope}) RETURN a.metric AS metric, a.direction AS direction",
)


def test_native_histograms_load_as_count_and_sum_series(rca: RcaGraph, tmp_path: Path) -> None:
    start = 1772366400
    points = [
        [start + 60 * i, HISTOGRAM | {"count": str(100 if i < 40 else 400), "sum": str(5 + i)}]
        for i in range(60)
    ]
    doc = {
        "status": "success",
        "data": {
            "resultType": "matrix",
            "result": [
                {
                    "metric": {"__name__": "http_request_errors", "job": "checkout"},
                    "histograms": points,
                }
            ],
        },
    }
    b = bundle(tmp_path / "b", {"metrics/errors.json": json.dumps(doc)})
    report = rca.load_bundle(b, scope="s", report_dir=tmp_path / "r")
    assert report.rejections == []
    assert report.kinds["metrics"].read == 60
    found = {(r["metric"], r["direction"]) for r in rca.graph.read(SERIES, scope="s")}
    assert ("http_request_errors_count", "up") in found


def test_cloudevents_base64_data_loads(rca: RcaGraph, tmp_path: Path) -> None:
    wrapped = {k: v for k, v in envelope(None).items() if k != "data"}
    wrapped["data_base64"] = base64.b64encode(json.dumps(DEPLOYED).encode()).decode()
    b = bundle(tmp_path / "b", {"deployments.jsonl": jsonl(wrapped)})
    report = rca.load_bundle(b, scope="s", report_dir=tmp_path / "r")
    assert report.rejections == [] and report.kinds["deployment"].loaded == 1


def test_trace_peers_without_spans_are_uninstrumented_components(
    rca: RcaGraph, tmp_path: Path
) -> None:
    """Client spans to payments-api and redis have no server span: both become components
    seen only through their callers, with call edges; a catalog that says redis is
    instrumented keeps its word."""
    t0 = 1_772_366_400 * 10**9  # 2026-03-01T12:00:00Z

    def request(service: str, span_id: str, peer: tuple[str, str], parent: str = "") -> str:
        span = {
            "traceId": "cd" * 16,
            "spanId": span_id,
            "parentSpanId": parent,
            "kind": 3,
            "startTimeUnixNano": str(t0 - 600 * 10**9),
            "endTimeUnixNano": str(t0 - 600 * 10**9 + 8_000_000),
            "attributes": [{"key": peer[0], "value": {"stringValue": peer[1]}}],
        }
        resource = {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]}
        return json.dumps(
            {"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": [span]}]}]}
        )

    catalog = (
        "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: redis\n"
        "  annotations:\n    rcagraph.io/instrumented: 'true'\n"
        "spec:\n  type: cache\n  owner: group:web\n"
    )
    b = bundle(
        tmp_path / "b",
        {
            "topology/catalog.yaml": catalog,
            "traces/spans.jsonl": "\n".join(
                [
                    request("checkout", "a1", ("peer.service", "payments-api")),
                    request("checkout", "a2", ("db.system", "redis")),
                ]
            )
            + "\n",
        },
    )
    report = rca.load_bundle(b, scope="s", report_dir=tmp_path / "r")
    assert report.rejections == []
    assert report.kinds["traces"].notes["uninstrumented_peers"] == 2
    rows = rca.graph.read(
        Query(
            "t.trace_peers",
            "MATCH (a:Component {scope: 's', name: 'checkout'})-[:CALLS]->(c:Component) "
            "RETURN c.name AS name, c.instrumented AS instrumented ORDER BY name",
        )
    )
    assert rows == [
        {"name": "payments-api", "instrumented": False},
        {"name": "redis", "instrumented": True},
    ]
    rca.load_bundle(b, scope="s", report_dir=tmp_path / "r2")  # again: nothing changes
    assert rca.graph.read(
        Query(
            "t.trace_peers_again",
            "MATCH (:Component {scope: 's', name: 'checkout'})-[r:CALLS]->(c:Component) "
            "RETURN c.name AS name, r.calls AS calls ORDER BY name",
        )
    ) == [{"name": "payments-api", "calls": 1.0}, {"name": "redis", "calls": 1.0}]
