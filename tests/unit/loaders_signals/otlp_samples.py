"""OTLP requests as the tools send them, in both encodings.

JSON is shaped after ``opentelemetry-proto/examples/{logs,trace,metrics}.json`` (resource →
scope → records; ids hex; 64-bit integers as strings); the protobuf requests are built with the
``opentelemetry-proto`` message classes field by field, as an SDK's exporter builds them, so
the two encodings are made independently and a test can compare what the loaders read.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.metrics.v1 import metrics_pb2

from tests.unit.loaders_signals.samples import T0

NS = 10**9
TRACE = "5b8efff798038103d269b633813fc60c"
PARENT = "eee19b7ec3c1b173"
CHILD = "eee19b7ec3c1b174"


def kv(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "value": {"stringValue": value}}


def log_json(service: str | None, bodies: list[tuple[int, int, str]]) -> dict[str, Any]:
    """One resource, one scope; records (seconds after T0, severityNumber, body)."""
    attrs = [kv("service.name", service)] if service else []
    return {
        "resourceLogs": [
            {
                "resource": {"attributes": [*attrs, kv("host.name", "node-1")]},
                "scopeLogs": [
                    {
                        "scope": {"name": "my.library", "version": "1.0.0"},
                        "logRecords": [
                            {
                                "timeUnixNano": str((T0 + s) * NS),
                                "observedTimeUnixNano": str((T0 + s) * NS),
                                "severityNumber": sev,
                                "severityText": "ERROR" if sev >= 17 else "INFO",
                                "traceId": TRACE,
                                "spanId": CHILD,
                                "body": {"stringValue": body},
                                "attributes": [kv("string.attribute", "some string")],
                            }
                            for s, sev, body in bodies
                        ],
                    }
                ],
            }
        ]
    }


def log_proto(service: str, bodies: list[tuple[int, int, str]]) -> ExportLogsServiceRequest:
    req = ExportLogsServiceRequest()
    rl = req.resource_logs.add()
    rl.resource.attributes.add(key="service.name").value.string_value = service
    rl.resource.attributes.add(key="host.name").value.string_value = "node-1"
    sl = rl.scope_logs.add()
    sl.scope.name, sl.scope.version = "my.library", "1.0.0"
    for s, sev, body in bodies:
        rec = sl.log_records.add()
        rec.time_unix_nano = rec.observed_time_unix_nano = (T0 + s) * NS
        rec.severity_number = sev  # type: ignore[assignment]
        rec.severity_text = "ERROR" if sev >= 17 else "INFO"
        rec.trace_id, rec.span_id = bytes.fromhex(TRACE), bytes.fromhex(CHILD)
        rec.body.string_value = body
        rec.attributes.add(key="string.attribute").value.string_value = "some string"
    return req


def span_json(
    trace: str, span_id: str, parent: str, start_s: float, ms: float, error: bool = False
) -> dict[str, Any]:
    start = int((T0 + start_s) * NS)
    out: dict[str, Any] = {
        "traceId": trace,
        "spanId": span_id,
        "name": "GET /cart",
        "kind": 2,
        "startTimeUnixNano": str(start),
        "endTimeUnixNano": str(start + int(ms * 1e6)),
    }
    if error:
        out["status"] = {"code": 2}
    if parent:
        out["parentSpanId"] = parent
    return out


def trace_json(resources: list[tuple[str | None, list[dict[str, Any]]]]) -> dict[str, Any]:
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [kv("service.name", svc)] if svc else []},
                "scopeSpans": [{"scope": {"name": "my.library"}, "spans": spans}],
            }
            for svc, spans in resources
        ]
    }


def trace_proto(resources: list[tuple[str, list[dict[str, Any]]]]) -> ExportTraceServiceRequest:
    """The same requests as :func:`trace_json`, built with the message classes."""
    req = ExportTraceServiceRequest()
    for svc, spans in resources:
        rs = req.resource_spans.add()
        rs.resource.attributes.add(key="service.name").value.string_value = svc
        ss = rs.scope_spans.add()
        ss.scope.name = "my.library"
        for s in spans:
            p = ss.spans.add()
            p.trace_id, p.span_id = bytes.fromhex(s["traceId"]), bytes.fromhex(s["spanId"])
            if s.get("parentSpanId"):
                p.parent_span_id = bytes.fromhex(s["parentSpanId"])
            p.name, p.kind = s["name"], s["kind"]
            p.start_time_unix_nano = int(s["startTimeUnixNano"])
            p.end_time_unix_nano = int(s["endTimeUnixNano"])
            if "status" in s:
                p.status.code = s["status"]["code"]
    return req


def two_service_traces(calls: int = 3) -> list[tuple[str, list[dict[str, Any]]]]:
    """frontend → cartservice: ``calls`` traces, a parent span each side."""
    front, cart = [], []
    for i in range(calls):
        trace = f"{i + 1:032x}"
        front.append(span_json(trace, f"{i + 1:016x}", "", i * 10.0, 50.0))
        cart.append(span_json(trace, f"{i + 101:016x}", f"{i + 1:016x}", i * 10.0 + 0.01, 20.0))
    return [("frontend", front), ("cartservice", cart)]


def metrics_json(
    service: str, minutes: int, step_at: int, *, with_histogram: bool = True
) -> dict[str, Any]:
    """A gauge whose value steps up at ``step_at``, a cumulative monotonic counter of errors
    whose rate steps up there, and a cumulative latency histogram whose p95 moves with it."""
    gauge, errors, hist = [], [], []
    total = 0
    buckets = [0, 0, 0, 0, 0]
    bounds = [10.0, 50.0, 100.0, 500.0]
    for m in range(minutes):
        ts = str((T0 + m * 60) * NS)
        start = str(T0 * NS)
        after = m >= step_at
        gauge.append(
            {
                "timeUnixNano": ts,
                "asDouble": (0.9 if after else 0.3) + (m % 3) * 0.001,
                "attributes": [kv("host.name", "node-1")],
            }
        )
        total += (120 if after else 2) + m % 2
        errors.append({"startTimeUnixNano": start, "timeUnixNano": ts, "asInt": str(total)})
        if after:
            buckets[3] += 40
            buckets[2] += 2
        else:
            buckets[1] += 40
            buckets[0] += 2 + m % 2
        hist.append(
            {
                "startTimeUnixNano": start,
                "timeUnixNano": ts,
                "count": str(sum(buckets)),
                "sum": 1.0,
                "bucketCounts": [str(b) for b in buckets],
                "explicitBounds": bounds,
            }
        )
    metrics: list[dict[str, Any]] = [
        {"name": "process.cpu.utilization", "unit": "1", "gauge": {"dataPoints": gauge}},
        {
            "name": "http.server.errors",
            "unit": "{error}",
            "sum": {"aggregationTemporality": 2, "isMonotonic": True, "dataPoints": errors},
        },
    ]
    if with_histogram:
        metrics.append(
            {
                "name": "http.server.request.duration",
                "unit": "ms",
                "histogram": {"aggregationTemporality": 2, "dataPoints": hist},
            }
        )
    return {
        "resourceMetrics": [
            {
                "resource": {"attributes": [kv("service.name", service)]},
                "scopeMetrics": [{"scope": {"name": "my.library"}, "metrics": metrics}],
            }
        ]
    }


def metrics_proto(request: dict[str, Any]) -> ExportMetricsServiceRequest:
    """:func:`metrics_json`'s request built with the message classes."""
    req = ExportMetricsServiceRequest()
    for res in request["resourceMetrics"]:
        rm = req.resource_metrics.add()
        for a in res["resource"]["attributes"]:
            rm.resource.attributes.add(key=a["key"]).value.string_value = a["value"]["stringValue"]
        for scope in res["scopeMetrics"]:
            sm = rm.scope_metrics.add()
            sm.scope.name = scope["scope"]["name"]
            for m in scope["metrics"]:
                pm = sm.metrics.add(name=m["name"], unit=m["unit"])
                if "gauge" in m:
                    for dp in m["gauge"]["dataPoints"]:
                        p = pm.gauge.data_points.add()
                        p.time_unix_nano, p.as_double = int(dp["timeUnixNano"]), dp["asDouble"]
                        for a in dp.get("attributes", []):
                            p.attributes.add(key=a["key"]).value.string_value = a["value"][
                                "stringValue"
                            ]
                elif "sum" in m:
                    pm.sum.aggregation_temporality = metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
                    pm.sum.is_monotonic = True
                    for dp in m["sum"]["dataPoints"]:
                        p = pm.sum.data_points.add()
                        p.start_time_unix_nano = int(dp["startTimeUnixNano"])
                        p.time_unix_nano, p.as_int = int(dp["timeUnixNano"]), int(dp["asInt"])
                else:
                    h = pm.histogram
                    h.aggregation_temporality = metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
                    for dp in m["histogram"]["dataPoints"]:
                        hp = h.data_points.add()
                        hp.start_time_unix_nano = int(dp["startTimeUnixNano"])
                        hp.time_unix_nano, hp.count = int(dp["timeUnixNano"]), int(dp["count"])
                        hp.sum = dp["sum"]
                        hp.bucket_counts.extend(int(b) for b in dp["bucketCounts"])
                        hp.explicit_bounds.extend(dp["explicitBounds"])
    return req
