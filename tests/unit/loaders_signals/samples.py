"""Realistic sample bundles for the signal loaders, shaped after the formats' own documentation.

* logs: ``opentelemetry-proto/examples/logs.json`` (ExportLogsServiceRequest: resourceLogs →
  resource.attributes service.name → scopeLogs[].scope + logRecords[] with timeUnixNano,
  observedTimeUnixNano, severityNumber/severityText, traceId, spanId, body.stringValue,
  attributes), one request a line as the Collector's file exporter writes them;
* traces: ``opentelemetry-proto/examples/trace.json`` (resourceSpans → scopeSpans → spans with
  traceId, spanId, parentSpanId, name, kind, start/endTimeUnixNano, attributes, status);
* metrics JSON: the Prometheus HTTP API ``query_range`` example answer (status success,
  resultType matrix, result[].metric with __name__/job/instance, values [[time, "value"]]).

Every series is deterministic (seeded), so loads are repeatable.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

T0 = 1_772_366_400  # 2026-03-01T12:00:00Z
MINUTES = 60
INCIDENT_MINUTE = 45


def iso(seconds: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, tz=UTC).isoformat().replace("+00:00", "Z")


def _kv(key: str, value: object) -> dict[str, object]:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": str(value)}}


def otlp_log_request(service: str, records: list[dict[str, object]]) -> dict[str, object]:
    return {
        "resourceLogs": [
            {
                "resource": {"attributes": [_kv("service.name", service), _kv("host.name", "n1")]},
                "scopeLogs": [
                    {
                        "scope": {"name": "my.library", "version": "1.0.0"},
                        "logRecords": records,
                    }
                ],
            }
        ]
    }


def log_record(
    ts_ns: int, severity: int, text: str, body: str, trace: str = ""
) -> dict[str, object]:
    rec: dict[str, object] = {
        "timeUnixNano": str(ts_ns),
        "observedTimeUnixNano": str(ts_ns),
        "severityNumber": severity,
        "severityText": text,
        "body": {"stringValue": body},
        "attributes": [_kv("string.attribute", "some string"), _kv("int.attribute", 10)],
    }
    if trace:
        rec["traceId"] = trace
        rec["spanId"] = trace[:16]
    return rec


def write_logs(path: Path, burst: bool = True) -> None:
    """cartservice: INFO traffic and rare WARNs for an hour; an ERROR burst at minute 45."""
    rng = random.Random(7)
    lines: list[str] = []
    for minute in range(MINUTES):
        base = (T0 + minute * 60) * 10**9
        records = []
        for i in range(6):
            records.append(
                log_record(
                    base + i * 9 * 10**9,
                    9,
                    "INFO",
                    f"GET /cart/{rng.randint(1, 999)} 200 in {rng.randint(3, 40)} ms",
                    f"{rng.getrandbits(128):032x}",
                )
            )
        if minute % 7 == 0:
            records.append(log_record(base + 5 * 10**9, 13, "WARN", f"cache miss for key {minute}"))
        if burst and INCIDENT_MINUTE <= minute < INCIDENT_MINUTE + 5:
            for i in range(30):
                records.append(
                    log_record(
                        base + i * 2 * 10**9,
                        17,
                        "ERROR",
                        f"Connection refused to redis-cart:6379 after {rng.randint(1, 5)} retries",
                    )
                )
        lines.append(json.dumps(otlp_log_request("cartservice", records)))
    path.write_text("\n".join(lines) + "\n")


def write_plain_logs(path: Path) -> None:
    lines: list[str] = []
    for minute in range(0, MINUTES, 2):
        lines.append(
            json.dumps(
                {
                    "timestamp": iso(T0 + minute * 60),
                    "service": "frontend",
                    "severity": "info",
                    "body": f"request served in {10 + minute % 5} ms",
                    "trace_id": "5b8efff798038103d269b633813fc60c",
                }
            )
        )
    path.write_text("\n".join(lines) + "\n")


def write_metrics_csv(path: Path) -> None:
    """frontend latency p95 ~120 ms, stepping to ~850 ms at minute 45; a flat noisy CPU."""
    rng = random.Random(11)
    rows = ["timestamp,service,metric,value,labels"]
    for minute in range(MINUTES):
        ts = T0 + minute * 60
        lat = rng.gauss(850 if minute >= INCIDENT_MINUTE else 120, 6)
        rows.append(f"{iso(ts)},frontend,latency_p95_ms,{lat:.2f},quantile=0.95;pod=frontend-1")
        rows.append(f"{ts},frontend,cpu_usage,{rng.gauss(0.4, 0.01):.4f},")
    path.write_text("\n".join(rows) + "\n")


def prometheus_answer() -> dict[str, object]:
    """Shaped as the Prometheus HTTP API documentation's query_range example."""
    rng = random.Random(3)
    values_up = [[T0 + m * 60 + 0.781, "1"] for m in range(MINUTES)]
    values_err = [
        [
            T0 + m * 60 + 0.781,
            f"{(0.08 if m >= INCIDENT_MINUTE else 0.002) + rng.random() / 1000:.5f}",
        ]
        for m in range(MINUTES)
    ]
    return {
        "status": "success",
        "data": {
            "resultType": "matrix",
            "result": [
                {
                    "metric": {"__name__": "up", "job": "prometheus", "instance": "localhost:9090"},
                    "values": values_up,
                },
                {
                    "metric": {"service": "cartservice", "instance": "10.0.0.7:8080"},
                    "values": values_err,
                },
            ],
        },
    }


def span(
    trace: str, span_id: str, parent: str, start_ns: int, dur_ms: float, error: bool, name: str
) -> dict[str, object]:
    out: dict[str, object] = {
        "traceId": trace,
        "spanId": span_id,
        "parentSpanId": parent,
        "name": name,
        "kind": 2,
        "startTimeUnixNano": str(start_ns),
        "endTimeUnixNano": str(start_ns + int(dur_ms * 1e6)),
        "attributes": [_kv("my.span.attr", "some value")],
        "status": {"code": 2, "message": "error"} if error else {},
    }
    return out


def trace_request(service: str, spans: list[dict[str, object]]) -> dict[str, object]:
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [_kv("service.name", service)]},
                "scopeSpans": [
                    {"scope": {"name": "my.library", "version": "1.0.0"}, "spans": spans}
                ],
            }
        ]
    }


def write_traces(path: Path) -> None:
    """frontend → checkoutservice, 10 calls a minute; errors go 0 % → 60 % at minute 45.

    Parent (frontend) and child (checkoutservice) spans of a trace are on different lines,
    and for every other trace the child comes first."""
    rng = random.Random(5)
    lines: list[str] = []
    for minute in range(MINUTES):
        for i in range(10):
            trace = f"{rng.getrandbits(128):032x}"
            parent_id = f"{rng.getrandbits(64):016x}"
            child_id = f"{rng.getrandbits(64):016x}"
            start = (T0 + minute * 60 + i * 5) * 10**9
            bad = minute >= INCIDENT_MINUTE and i < 6
            parent = trace_request(
                "frontend", [span(trace, parent_id, "", start, 40.0, bad, "GET /checkout")]
            )
            child = trace_request(
                "checkoutservice",
                [span(trace, child_id, parent_id, start + 10**6, 30.0 + i, bad, "PlaceOrder")],
            )
            pair = [parent, child] if i % 2 == 0 else [child, parent]
            lines.extend(json.dumps(p) for p in pair)
    path.write_text("\n".join(lines) + "\n")


def write_incident(bundle: Path) -> None:
    (bundle / "incident.json").write_text(
        json.dumps(
            {
                "id": "INC-7",
                "title": "Checkout failing",
                "severity": "SEV2",
                "system": "online-boutique",
                "started_at": iso(T0 + INCIDENT_MINUTE * 60),
                "detected_at": iso(T0 + (INCIDENT_MINUTE + 2) * 60),
                "resolved_at": None,
                "symptoms": [{"service": "frontend", "signal": "latency"}],
            }
        )
    )


def write_bundle(bundle: Path) -> Path:
    for sub in ("logs", "metrics", "traces"):
        (bundle / sub).mkdir(parents=True, exist_ok=True)
    write_incident(bundle)
    write_logs(bundle / "logs" / "cartservice.jsonl")
    write_plain_logs(bundle / "logs" / "frontend.jsonl")
    write_metrics_csv(bundle / "metrics" / "samples.csv")
    (bundle / "metrics" / "errors.json").write_text(json.dumps(prometheus_answer()))
    write_traces(bundle / "traces" / "spans.jsonl")
    return bundle
