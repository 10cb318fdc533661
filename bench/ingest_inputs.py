"""Synthetic inputs of the ingest benchmark (:mod:`bench.ingest`), one generator per kind, in the
bundle formats; each streams its records to files (nothing is held in memory) and is seeded."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

T0 = 1_772_366_400  # 2026-03-01T12:00:00Z


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat().replace("+00:00", "Z")


_LOG_SHAPES = (
    "GET /api/cart/{a} 200 in {b} ms",
    "user {a} logged in from 10.0.{c}.{d}",
    "order {a} placed with {c} items total {b}.{d} USD",
    "cache miss for key product:{a}",
    "payment authorised for card ending {c}{d} amount {b}",
    "connection pool size {c} active {d} idle {b}",
    "retrying request {a} attempt {c}",
    "shipping quote {a} computed in {b} ms",
)


def gen_logs(bundle: Path, n: int) -> Path:
    """OTLP/JSON lines, 10 records a line, 8 services, 12 h; an error burst near the end."""
    rng = random.Random(1)
    path = bundle / "logs" / "bench.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    span_ns = 12 * 3600 * 10**9
    with path.open("w") as out:
        for start in range(0, n, 10):
            service = f"svc-{(start // 10) % 8}"
            records = []
            for i in range(start, min(start + 10, n)):
                ts = T0 * 10**9 + span_ns * i // n
                late = i > n * 0.9 and service == "svc-3"
                if late and rng.random() < 0.5:
                    sev, text = 17, "ERROR"
                    body = f"upstream connect error to redis:6379 after {rng.randint(1, 9)} retries"
                else:
                    sev, text = 9, "INFO"
                    body = rng.choice(_LOG_SHAPES).format(
                        a=rng.randint(1, 10**6),
                        b=rng.randint(1, 999),
                        c=rng.randint(0, 255),
                        d=rng.randint(0, 255),
                    )
                records.append(
                    {
                        "timeUnixNano": str(ts),
                        "severityNumber": sev,
                        "severityText": text,
                        "body": {"stringValue": body},
                        "traceId": f"{rng.getrandbits(128):032x}",
                        "spanId": f"{rng.getrandbits(64):016x}",
                    }
                )
            request = {
                "resourceLogs": [
                    {
                        "resource": {
                            "attributes": [
                                {"key": "service.name", "value": {"stringValue": service}}
                            ]
                        },
                        "scopeLogs": [{"scope": {"name": "bench"}, "logRecords": records}],
                    }
                ]
            }
            out.write(json.dumps(request) + "\n")
    return path


def gen_metrics(bundle: Path, n: int) -> Path:
    """Long CSV, series of 1,440 one-minute points; every 10th series steps up at 80 %."""
    rng = random.Random(2)
    path = bundle / "metrics" / "bench.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    points = 1440
    n_series = max(1, n // points)
    with path.open("w") as out:
        out.write("timestamp,service,metric,value,labels\n")
        written = 0
        for minute in range(points):
            for s in range(n_series):
                if written >= n:
                    break
                level = 100.0 * (3 if s % 10 == 0 and minute > points * 0.8 else 1)
                out.write(
                    f"{T0 + minute * 60},svc-{s % 50},latency_p95_ms,"
                    f"{rng.gauss(level, 5):.2f},pod=p{s}\n"
                )
                written += 1
    return path


def gen_traces(bundle: Path, n: int) -> Path:
    """OTLP/JSON trace requests, one span a line; parent and child of a trace on different
    lines (child first for every other trace); 20 services in a ring of calls."""
    rng = random.Random(3)
    path = bundle / "traces" / "bench.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    span_ns = 12 * 3600 * 10**9

    def line(service: str, span: dict[str, Any]) -> str:
        return json.dumps(
            {
                "resourceSpans": [
                    {
                        "resource": {
                            "attributes": [
                                {"key": "service.name", "value": {"stringValue": service}}
                            ]
                        },
                        "scopeSpans": [{"scope": {"name": "bench"}, "spans": [span]}],
                    }
                ]
            }
        )

    with path.open("w") as out:
        for i in range(0, n, 2):
            k = (i // 2) % 20
            trace = f"{rng.getrandbits(128):032x}"
            pid, cid = f"{rng.getrandbits(64):016x}", f"{rng.getrandbits(64):016x}"
            start = T0 * 10**9 + span_ns * i // n
            error = i > n * 0.9 and k == 5 and rng.random() < 0.5
            parent = {
                "traceId": trace,
                "spanId": pid,
                "name": "call",
                "kind": 3,
                "startTimeUnixNano": str(start),
                "endTimeUnixNano": str(start + 50_000_000),
            }
            child = {
                "traceId": trace,
                "spanId": cid,
                "parentSpanId": pid,
                "name": "handle",
                "kind": 2,
                "startTimeUnixNano": str(start + 1_000_000),
                "endTimeUnixNano": str(start + rng.randint(5, 40) * 1_000_000),
                "status": {"code": 2} if error else {},
            }
            lines = [line(f"svc-{k}", parent), line(f"svc-{(k + 1) % 20}", child)]
            if (i // 2) % 2:
                lines.reverse()
            out.write("\n".join(lines[: n - i]) + "\n")
    return path


def gen_topology(bundle: Path, n: int) -> Path:
    path = bundle / "topology" / "edges.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    width = max(2, int(n**0.5) + 1)
    with path.open("w") as out:
        out.write("caller,callee,protocol,calls\n")
        for i in range(n):
            out.write(f"svc-{i // width},svc-{i % width}-x,grpc,{i % 97}\n")
    return path


def gen_changes(bundle: Path, n: int) -> Path:
    path = bundle / "changes.jsonl"
    with path.open("w") as out:
        for i in range(n):
            out.write(
                json.dumps(
                    {
                        "id": f"chg-{i}",
                        "kind": "config",
                        "service": f"svc-{i % 200}",
                        "at": iso(T0 + i % 43200),
                        "actor": "ops-bot",
                        "source": "aws-ssm",
                        "summary": f"set /app/param{i} = {i % 7}",
                        "attributes": {"parameter": f"/app/param{i}"},
                    }
                )
                + "\n"
            )
    return path


def gen_alerts(bundle: Path, n: int) -> Path:
    directory = bundle / "alerts"
    directory.mkdir(parents=True, exist_ok=True)
    per_file = 1000
    for f in range(0, n, per_file):
        alerts = [
            {
                "status": "firing",
                "labels": {"alertname": "HighLatency", "service": f"svc-{i % 200}", "n": str(i)},
                "annotations": {"summary": f"latency high {i}"},
                "startsAt": iso(T0 + i % 43200),
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus:9090/graph",
                "fingerprint": f"{i:016x}",
            }
            for i in range(f, min(f + per_file, n))
        ]
        payload = {
            "version": "4",
            "groupKey": f"{{}}:{{f={f}}}",
            "status": "firing",
            "receiver": "rcagraph",
            "groupLabels": {},
            "commonLabels": {"alertname": "HighLatency"},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager:9093",
            "alerts": alerts,
        }
        (directory / f"bench-{f // per_file:05d}.json").write_text(json.dumps(payload))
    return directory


GENERATORS: dict[str, Callable[[Path, int], Path]] = {
    "logs": gen_logs,
    "metrics": gen_metrics,
    "traces": gen_traces,
    "topology": gen_topology,
    "changes": gen_changes,
    "alerts": gen_alerts,
}
