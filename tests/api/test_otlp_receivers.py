"""OTLP/HTTP receivers through the real app and Neo4j: protobuf and JSON, retries, partial
success, 400s, /v1/metrics, provenance of deliveries, and multipart bundle uploads."""

from __future__ import annotations

import copy
import gzip
import io
import json
import tarfile
from typing import Any

import pyarrow.parquet as pq
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from rcagraph.graph import Query
from tests.api.conftest import Api
from tests.unit.loaders_signals import otlp_samples as s

PROTO = "application/x-protobuf"

_LABELS = Query(
    "tests.otlp.labels",
    "MATCH (n) WHERE n.scope = 'default' UNWIND labels(n) AS l RETURN l, count(*) AS c ORDER BY l",
)
_RELS = Query(
    "tests.otlp.rels",
    "MATCH (a)-[r]->() WHERE a.scope = 'default' RETURN type(r) AS t, count(*) AS c ORDER BY t",
)
_TEMPLATES = Query(
    "tests.otlp.templates",
    "MATCH (t:LogTemplate) RETURN t.template AS template, t.count AS count, "
    "t.count_by_source AS by_source, t.source AS source, t.source_ref AS ref ORDER BY template",
)
_CALLS = Query(
    "tests.otlp.calls",
    "MATCH (a:Component)-[r:CALLS]->(b:Component) "
    "RETURN a.name AS caller, b.name AS callee, r.calls AS calls, r.stats_by_source AS by_source",
)
_ANOMALIES = Query(
    "tests.otlp.anomalies",
    "MATCH (a:Anomaly)-[:OBSERVED_ON]->(c:Component) "
    "RETURN a.metric AS metric, c.name AS service, a.source AS source, a.source_ref AS ref "
    "ORDER BY metric",
)
_COMPONENTS = Query("tests.otlp.components", "MATCH (c:Component) RETURN c.name AS name")


def _raw_rows(api: Api, kind: str) -> tuple[int, int]:
    """(files, rows) of the raw Parquet store of ``kind`` in the default scope."""
    root = api.rca.settings.raw_data_dir / "default" / kind
    files = [p for p in root.glob("*.parquet") if ".templates." not in p.name]
    return len(files), sum(pq.read_metadata(p).num_rows for p in files)


def _state(api: Api) -> dict[str, Any]:
    g = api.rca.graph
    return {
        "labels": [tuple(r.values()) for r in g.read(_LABELS)],
        "rels": [tuple(r.values()) for r in g.read(_RELS)],
        "templates": g.read(_TEMPLATES),
        "calls": g.read(_CALLS),
        "anomalies": g.read(_ANOMALIES),
        "raw_logs": _raw_rows(api, "logs"),
        "raw_metrics": _raw_rows(api, "metrics"),
    }


def _post(api: Api, path: str, body: Any, **headers: str) -> Any:
    h = {**api.h("responder"), **headers}
    if isinstance(body, bytes):
        return api.client.post(path, content=body, headers=h)
    return api.client.post(path, json=body, headers=h)


BODIES = [(0, 9, "GET /cart/1 200 in 12 ms"), (30, 17, "connection refused to redis-cart:6379")]


def test_protobuf_logs_are_stored_and_retries_change_nothing(api: Api) -> None:
    """The same request twice, then once more as protobuf: the graph, the template counts and
    the raw rows are those of one delivery; a protobuf request gets a protobuf answer."""
    first = _post(api, "/v1/logs", s.log_json("cartservice", BODIES))
    assert first.status_code == 200, first.text
    assert first.json() == {"partialSuccess": {}}
    once = _state(api)
    assert [t["count"] for t in once["templates"]] == [1, 1] and once["raw_logs"] == (1, 2)
    assert _post(api, "/v1/logs", s.log_json("cartservice", BODIES)).status_code == 200
    assert _state(api) == once
    proto = _post(
        api,
        "/v1/logs",
        s.log_proto("cartservice", BODIES).SerializeToString(),
        **{"Content-Type": PROTO},
    )
    assert proto.status_code == 200, proto.text
    assert proto.headers["content-type"] == PROTO
    answer = ExportLogsServiceResponse.FromString(proto.content)
    assert not answer.HasField("partial_success")
    assert _state(api) == once  # the same data as protobuf is the same delivery
    # gzip-compressed protobuf, as the collector's otlphttp exporter sends it by default
    zipped = _post(
        api,
        "/v1/logs",
        gzip.compress(s.log_proto("cartservice", BODIES[:1]).SerializeToString()),
        **{"Content-Type": PROTO, "Content-Encoding": "gzip"},
    )
    assert zipped.status_code == 200, zipped.text
    counts = {t["template"]: t["count"] for t in api.rca.graph.read(_TEMPLATES)}
    assert sorted(counts.values()) == [1, 2]  # a different request does count


def test_delivery_provenance_names_the_endpoint_and_the_record(api: Api) -> None:
    assert _post(api, "/v1/logs", s.log_json("cartservice", BODIES)).status_code == 200
    rows = api.rca.graph.read(_TEMPLATES)
    assert {r["ref"] for r in rows} == {"record 1", "record 2"}
    for r in rows:
        assert r["source"].startswith("POST /v1/logs sha256:")
        assert "logs/" not in r["source"] and ".json" not in r["source"]


def test_logs_partial_success_counts_records_and_names_their_place(api: Api) -> None:
    good = s.log_json("cartservice", BODIES)
    mixed = s.log_json("checkoutservice", [(0, 9, "a"), (1, 9, "b"), (2, 9, "c")])
    records = mixed["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
    records[0]["timeUnixNano"] = records[0]["observedTimeUnixNano"] = "yesterday"
    records[2]["timeUnixNano"] = "-5"
    records[2]["observedTimeUnixNano"] = "-5"
    payload = {"resourceLogs": [*good["resourceLogs"], *mixed["resourceLogs"], "not a resource"]}
    r = _post(api, "/v1/logs", payload)
    assert r.status_code == 200, r.text
    partial = r.json()["partialSuccess"]
    assert partial["rejectedLogRecords"] == 3  # two records and a resource that is not one
    assert partial["errorMessage"].startswith(
        "POST /v1/logs, at resourceLogs[1].scopeLogs[0].logRecords[0], field 'timeUnixNano'"
    )
    assert sum(t["count"] for t in api.rca.graph.read(_TEMPLATES)) == 3  # 2 + 1 good records
    # as protobuf, the answer carries the same counts
    proto_payload = s.log_proto("cartservice", BODIES)
    rl = proto_payload.resource_logs.add()
    rl.resource.attributes.add(key="service.name").value.string_value = "x"
    rl.scope_logs.add().log_records.add().body.string_value = "no time at all"
    p = _post(api, "/v1/logs", proto_payload.SerializeToString(), **{"Content-Type": PROTO})
    assert p.status_code == 200, p.text
    got = ExportLogsServiceResponse.FromString(p.content).partial_success
    assert got.rejected_log_records == 1 and "resourceLogs[1]" in got.error_message


def test_traces_partial_success_keeps_the_good_resources(api: Api) -> None:
    """One good resource whose spans make no call edge, one with bad spans: 200 and the bad
    spans counted (this was a 422: accepted records were counted by edges written)."""
    bad = [s.span_json(s.TRACE, "", "", 0, 5), s.span_json(s.TRACE, s.CHILD, "", 0, 5)]
    bad[1]["endTimeUnixNano"] = "1"
    payload = s.trace_json(
        [("frontend", [s.span_json(s.TRACE, s.PARENT, "", 0, 10)]), ("cartservice", bad)]
    )
    r = _post(api, "/v1/traces", payload)
    assert r.status_code == 200, r.text
    assert r.json()["partialSuccess"]["rejectedSpans"] == 2
    assert (
        "POST /v1/traces, at resourceSpans[1].scopeSpans[0].spans[0]"
        in (r.json()["partialSuccess"]["errorMessage"])
    )


def test_traces_protobuf_and_retries(api: Api) -> None:
    resources = s.two_service_traces(3)
    body = s.trace_proto(resources).SerializeToString()
    r = _post(api, "/v1/traces", body, **{"Content-Type": PROTO})
    assert r.status_code == 200, r.text
    assert not ExportTraceServiceResponse.FromString(r.content).HasField("partial_success")
    (call,) = api.rca.graph.read(_CALLS)
    assert (call["caller"], call["callee"], call["calls"]) == ("frontend", "cartservice", 3.0)
    once = _state(api)
    assert _post(api, "/v1/traces", body, **{"Content-Type": PROTO}).status_code == 200
    assert _post(api, "/v1/traces", s.trace_json(list(resources))).status_code == 200
    assert _state(api) == once


def test_unresolved_parents_and_unknown_service_are_in_the_answer(api: Api) -> None:
    """Stored, and said to the sender as a warning (0 rejected and a message, as the OTLP
    spec lets a server warn on a fully accepted request)."""
    orphan = s.span_json(s.TRACE, s.CHILD, "00000000000000aa", 0, 5)
    r = _post(api, "/v1/traces", s.trace_json([(None, [orphan])]))
    assert r.status_code == 200, r.text
    partial = r.json()["partialSuccess"]
    assert partial["rejectedSpans"] == 0
    assert "1 span(s) whose parent span was not in this request" in partial["errorMessage"]
    assert "1 record(s) of a resource without service.name" in partial["errorMessage"]
    logs = _post(api, "/v1/logs", s.log_json(None, BODIES))
    assert logs.status_code == 200
    assert logs.json()["partialSuccess"] == {
        "rejectedLogRecords": 0,
        "errorMessage": "2 record(s) of a resource without service.name stored as unknown_service",
    }
    assert "unknown_service" in {row["name"] for row in api.rca.graph.read(_COMPONENTS)}


def test_wholly_bad_requests_are_400_with_the_error_body(api: Api) -> None:
    whole = _post(api, "/v1/logs", {"resourceLogs": "none"})
    assert whole.status_code == 400, whole.text
    err = whole.json()["error"]
    assert err["type"] == "InputError" and err["file"] == "POST /v1/logs"
    assert "resourceLogs" in err["message"]
    for path in ("/v1/logs", "/v1/traces", "/v1/metrics"):
        garbage = _post(api, path, b"\xff\xff\xff", **{"Content-Type": PROTO})
        assert garbage.status_code == 400, garbage.text
        assert "not a protobuf" in garbage.json()["error"]["message"]
        assert _post(api, path, b"{", **{"Content-Type": "application/json"}).status_code == 400
        # an encoding OTLP/HTTP does not have: 415 (as the collector's receiver answers), not
        # retried by exporters, like the 400s
        plain = _post(api, path, b"hello", **{"Content-Type": "text/plain"})
        assert plain.status_code == 415 and "Content-Type" in plain.text
        bad_zip = _post(api, path, b"no", **{"Content-Encoding": "gzip"})
        assert bad_zip.status_code == 400 and "Content-Encoding" in bad_zip.text
    spans = _post(api, "/v1/traces", s.trace_json([("a", [{"spanId": "01"}])]))
    assert spans.status_code == 400
    # elsewhere bad input stays a 422
    assert _post(api, "/api/v1/ingest/cdevents", b"{").status_code == 422


def test_metrics_json_and_protobuf_give_the_metrics_loaders_anomalies(api: Api) -> None:
    request = s.metrics_json("cartservice", 40, 28)
    r = _post(api, "/v1/metrics", request)
    assert r.status_code == 200, r.text
    assert r.json() == {"partialSuccess": {}}
    rows = api.rca.graph.read(_ANOMALIES)
    metrics = {row["metric"] for row in rows}
    assert {
        "process.cpu.utilization",
        "http.server.errors.rate",
        "http.server.request.duration.p95",
    } <= metrics
    assert {row["service"] for row in rows} == {"cartservice"}
    assert all(row["source"].startswith("POST /v1/metrics sha256:") for row in rows)
    assert any(row["ref"].startswith("/resourceMetrics/0/scopeMetrics/0/metrics/") for row in rows)
    once = _state(api)
    proto = _post(
        api, "/v1/metrics", s.metrics_proto(request).SerializeToString(), **{"Content-Type": PROTO}
    )
    assert proto.status_code == 200, proto.text
    assert not ExportMetricsServiceResponse.FromString(proto.content).HasField("partial_success")
    assert _state(api) == once
    partial = copy.deepcopy(request)
    points = partial["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["gauge"]["dataPoints"]
    points[3]["asDouble"] = "lots"
    answer = _post(api, "/v1/metrics", partial).json()["partialSuccess"]
    assert answer["rejectedDataPoints"] == 1
    assert "metrics[0].gauge.dataPoints[3], field 'asDouble'" in answer["errorMessage"]


def _bundle_tar() -> bytes:
    incident = {
        "id": "INC-M1",
        "title": "t",
        "severity": "SEV3",
        "started_at": "2026-03-01T12:04:00Z",
        "symptoms": [{"service": "frontend", "signal": "latency"}],
    }
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in {
            "b/incident.json": json.dumps(incident).encode(),
            "b/logs/app.json": json.dumps(s.log_json("frontend", BODIES), indent=2).encode(),
        }.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_bundle_upload_as_multipart_form(api: Api) -> None:
    r = api.client.post(
        "/api/v1/ingest/bundle",
        params={"scope": "bundle:INC-M1"},
        files={"bundle": ("b.tar.gz", _bundle_tar(), "application/gzip")},
        headers=api.h("responder"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["kinds"]["logs"]["read"] == 2  # the pretty-printed .json document was read
    empty = api.client.post(
        "/api/v1/ingest/bundle", files={"note": (None, b"no file")}, headers=api.h("responder")
    )
    assert empty.status_code == 422
    assert "exactly one file part" in empty.json()["error"]["message"]
    # a body that is no archive says which two ways an archive may come
    junk = _post(api, "/api/v1/ingest/bundle", b"junk")
    assert junk.status_code == 422 and "curl -F bundle=@" in junk.json()["error"]["message"]


def _deployed(event_id: str, timestamp: str) -> dict[str, Any]:
    return {
        "context": {
            "version": "0.4.1",
            "id": event_id,
            "source": "/argo",
            "type": "dev.cdevents.service.deployed.0.2.0",
            "timestamp": timestamp,
        },
        "subject": {
            "id": "service/cartservice",
            "source": "/argo",
            "content": {
                "environment": {"id": "prod"},
                "artifactId": "pkg:oci/cartservice@sha256:abc?tag=2.0",
            },
        },
    }


def test_webhook_rejections_name_the_endpoint_and_the_array_element(api: Api) -> None:
    """Item 15: not 'deployments.jsonl line 2' but the element of the array that was sent."""
    events = [_deployed("cd-1", "2026-03-01T11:57:00Z"), _deployed("cd-2", "2026-03-01T11:58")]
    r = _post(api, "/api/v1/ingest/cdevents", events)
    assert r.status_code == 200, r.text
    (rej,) = r.json()["rejections"]
    assert rej["file"] == "POST /api/v1/ingest/cdevents" and rej["line"] is None
    assert rej["message"].startswith("POST /api/v1/ingest/cdevents, at [1], field 'context.")
    alert = {
        "version": "4",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "HighLatency", "service": "frontend"},
                "startsAt": "2026-03-01T12:05:00Z",
                "fingerprint": "fp-1",
            },
            {
                "status": "firing",
                "labels": {"alertname": "HighLatency", "service": "frontend"},
                "startsAt": "soon",
                "fingerprint": "fp-2",
            },
        ],
    }
    a = _post(api, "/api/v1/ingest/alertmanager", alert)
    assert a.status_code == 200, a.text
    (arej,) = a.json()["rejections"]
    assert arej["file"] == "POST /api/v1/ingest/alertmanager"
    assert arej["pointer"].startswith("alerts[1]"), arej
    assert "alertmanager-" not in arej["message"]
