"""Signal parsers: no input crashes them, every rejection names its place; drain3 mining."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcagraph.loaders.base import Rejection
from rcagraph.loaders.detect import Shift
from rcagraph.loaders.logs import (
    LogRecord,
    LogTallies,
    Miner,
    find_bursts,
    mask,
    new_templates,
    parse_log_value,
)
from rcagraph.loaders.metrics import iter_csv, iter_prometheus, parse_labels, summary_of
from rcagraph.loaders.records import Where
from rcagraph.loaders.traces import CallGraph, parse_trace_value, quantile
from rcagraph.schema.signals import signal_of
from tests.unit.loaders_signals import samples

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "resourceLogs",
                    "resourceSpans",
                    "resource",
                    "attributes",
                    "scopeLogs",
                    "scopeSpans",
                    "logRecords",
                    "spans",
                    "timeUnixNano",
                    "body",
                    "severityNumber",
                    "severityText",
                    "key",
                    "value",
                    "stringValue",
                    "service",
                    "timestamp",
                    "traceId",
                    "spanId",
                    "parentSpanId",
                    "startTimeUnixNano",
                    "endTimeUnixNano",
                    "status",
                    "code",
                    "severity",
                    "x",
                ]
            ),
            inner,
            max_size=6,
        )
    ),
    max_leaves=30,
)


def _check(items: list[Any], kinds: tuple[type, ...]) -> None:
    for item in items:
        assert isinstance(item, kinds)
        if isinstance(item, Rejection):
            assert item.file == "f.jsonl" and item.line == 3 and item.field
            assert item.message()


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_log_parser_never_crashes(value: object) -> None:
    _check(list(parse_log_value(value, Where("f.jsonl", line=3))), (LogRecord, Rejection))


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_trace_parser_never_crashes(value: object) -> None:
    from rcagraph.loaders.traces import Span

    _check(list(parse_trace_value(value, Where("f.jsonl", line=3))), (Span, Rejection))


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_prometheus_parser_never_crashes(value: object) -> None:
    for item in iter_prometheus(value, "m.json", "stem"):
        if isinstance(item, Rejection):
            assert item.file == "m.json" and item.pointer is not None and item.field


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.text(max_size=40), max_size=8))
def test_csv_parser_never_crashes(tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / "m.csv"
    path.write_text("timestamp,service,metric,value,labels\n" + "\n".join(lines))
    for item in iter_csv(path, "metrics/m.csv"):
        if isinstance(item, Rejection):
            assert item.file == "metrics/m.csv" and item.line and item.field


def test_otlp_example_record() -> None:
    """The record of opentelemetry-proto/examples/logs.json (integers, severityText only)."""
    request = {
        "resourceLogs": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "my.service"}}]
                },
                "scopeLogs": [
                    {
                        "scope": {"name": "my.library", "version": "1.0.0"},
                        "logRecords": [
                            {
                                "timeUnixNano": 1544712660300000000,
                                "observedTimeUnixNano": 1544712660300000000,
                                "severityText": "Information",
                                "traceId": "5B8EFFF798038103D269B633813FC60C",
                                "spanId": "EEE19B7EC3C1B174",
                                "body": {"stringValue": "Example log record"},
                            }
                        ],
                    }
                ],
            }
        ]
    }
    (rec,) = parse_log_value(request, Where("f", line=1))
    assert isinstance(rec, LogRecord)
    assert rec.service == "my.service" and rec.level == "INFO"
    assert rec.ts_ns == 1544712660300000000
    assert rec.trace_id == "5b8efff798038103d269b633813fc60c"
    assert rec.body == "Example log record"


def _record_under(attributes: list[dict[str, Any]]) -> dict[str, Any]:
    rec = {"timeUnixNano": "1772366400000000000", "body": {"stringValue": "x"}}
    return {
        "resourceLogs": [
            {"resource": {"attributes": attributes}, "scopeLogs": [{"logRecords": [rec]}]}
        ]
    }


def test_missing_service_name_is_unknown_service_as_the_sdks_say() -> None:
    """A resource without service.name is not rejected: its records belong to
    ``unknown_service`` (``unknown_service:<process.executable.name>`` when that is known),
    as the OpenTelemetry SDKs report them."""
    (rec,) = parse_log_value(_record_under([]), Where("f", line=9))
    assert isinstance(rec, LogRecord) and rec.service == "unknown_service"
    process = [{"key": "process.executable.name", "value": {"stringValue": "java"}}]
    (rec,) = parse_log_value(_record_under(process), Where("f", line=9))
    assert isinstance(rec, LogRecord) and rec.service == "unknown_service:java"
    spans = {
        "resourceSpans": [
            {
                "resource": {"attributes": []},
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": "5b8efff798038103d269b633813fc60c",
                                "spanId": "eee19b7ec3c1b174",
                                "startTimeUnixNano": "1772366400000000000",
                                "endTimeUnixNano": "1772366400100000000",
                            }
                        ]
                    }
                ],
            }
        ]
    }
    (span,) = parse_trace_value(spans, Where("f", line=1))
    assert not isinstance(span, Rejection) and span.service == "unknown_service"


def test_plain_zone_less_timestamp_is_an_error() -> None:
    (rej,) = parse_log_value(
        {"timestamp": "2026-03-01T12:00:00", "service": "a", "body": "x"}, Where("f", line=2)
    )
    assert isinstance(rej, Rejection) and rej.field == "timestamp" and "zone" in rej.reason


def test_drain_mines_templates_per_service() -> None:
    miner = Miner()
    a = [miner.add("cart", f"user {i} added item {i * 7} to cart") for i in range(50)]
    b = miner.add("cart", "connection refused to redis:6379")
    c = miner.add("checkout", "user 1 added item 7 to cart")
    assert len(set(a)) == 1 and b != a[0]
    assert miner.template("cart", a[0]) == "user <*> added item <*> to cart"
    assert miner.template("checkout", c) == "user <*> added item <*> to cart"
    assert mask("took 12.5 ms from 10.0.0.1 id 0xff") == "took <*> ms from <*> id <*>"


def test_bursts_and_new_templates_from_tallies() -> None:
    tallies = LogTallies()
    miner = Miner()
    t0 = samples.T0 * 10**9
    line = 0
    for minute in range(60):
        for i in range(5):
            line += 1
            body = f"GET /x/{i} 200"
            rec = LogRecord(t0 + minute * 60 * 10**9 + i, "svc", "INFO", 9, body, "", "")
            tallies.add(rec, miner.add("svc", body), line)
        if minute >= 50:
            for i in range(20):
                line += 1
                body = f"db timeout after {i} ms"
                rec = LogRecord(
                    t0 + minute * 60 * 10**9 + 100 + i, "svc", "ERROR", 17, body, "", ""
                )
                tallies.add(rec, miner.add("svc", body), line)
    cutoff = tallies.cutoff(t0 + 50 * 60 * 10**9)
    assert cutoff == t0 + 20 * 60 * 10**9
    (burst,) = find_bursts(tallies, cutoff)
    assert burst.onset_ns == t0 + 50 * 60 * 10**9 + 100
    assert burst.count == 200 and burst.rate == 20.0
    assert burst.baseline_ratio == 200.0
    assert burst.cluster is not None and "timeout" in miner.template("svc", burst.cluster)
    (new,) = new_templates(tallies, cutoff)
    assert new == ("svc", burst.cluster)


def test_call_graph_resolves_parents_across_lines_either_order(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    samples.write_traces(path)
    graph = CallGraph()
    for number, line in enumerate(path.read_text().splitlines(), 1):
        for span in parse_trace_value(json.loads(line), Where("t", line=number)):
            assert not isinstance(span, Rejection)
            graph.add(span)
    graph.finish()
    assert graph.unresolved == 0
    (edge,) = graph.edges
    assert edge == ("frontend", "checkoutservice")
    assert sum(c.calls for c in graph.edges[edge].values()) == 600


def _request(service: str, *spans: dict[str, object]) -> dict[str, object]:
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": service}}]
                },
                "scopeSpans": [{"spans": list(spans)}],
            }
        ]
    }


def _otlp_span(
    span_id: str, parent: str = "", kind: object = 1, peer: tuple[str, str] | None = None
) -> dict[str, object]:
    attrs = [{"key": peer[0], "value": {"stringValue": peer[1]}}] if peer else []
    return {
        "traceId": "ab" * 16,
        "spanId": span_id,
        "parentSpanId": parent,
        "kind": kind,
        "startTimeUnixNano": str(samples.T0 * 10**9),
        "endTimeUnixNano": str(samples.T0 * 10**9 + 5_000_000),
        "attributes": attrs,
        "status": {"code": 2} if span_id.endswith("e") else {},
    }


def test_client_spans_without_a_server_side_are_calls_to_uninstrumented_peers() -> None:
    requests = [
        # checkout → payments-api (external, no spans of its own), failing
        _request("checkout", _otlp_span("a1", kind=3, peer=("peer.service", "payments-api"))),
        _request(
            "checkout",
            _otlp_span("a2e", kind="SPAN_KIND_CLIENT", peer=("server.address", "payments-api")),
        ),
        # checkout → cart: the client span has cart's server span as its child (instrumented),
        # the child arriving first
        _request("cart", _otlp_span("c1", parent="b1", kind=2)),
        _request("checkout", _otlp_span("b1", kind=3, peer=("peer.service", "cart"))),
        # checkout → redis (a database call); checkout → frontend, a service of the file
        _request("checkout", _otlp_span("d1", kind=3, peer=("db.system", "redis"))),
        _request("frontend", _otlp_span("f1", kind=2)),
        _request("checkout", _otlp_span("g1", kind=3, peer=("peer.service", "frontend"))),
        # an internal span naming a peer is no call
        _request("checkout", _otlp_span("h1", kind=1, peer=("peer.service", "ledger"))),
    ]
    graph = CallGraph()
    for number, request in enumerate(requests, 1):
        for span in parse_trace_value(request, Where("t", line=number)):
            assert not isinstance(span, Rejection)
            graph.add(span)
    graph.finish()
    assert graph.peers == {"payments-api", "redis"}
    assert set(graph.edges) == {
        ("checkout", "payments-api"),
        ("checkout", "cart"),
        ("checkout", "redis"),
    }
    cells = graph.edges[("checkout", "payments-api")].values()
    assert sum(c.calls for c in cells) == 2 and sum(c.errors for c in cells) == 1


def test_quantile_within_five_percent() -> None:
    from collections import Counter

    from rcagraph.loaders.traces import _bucket

    hist = Counter(_bucket(float(ms)) for ms in range(1, 101))
    assert abs(quantile(hist, 0.95) - 95) / 95 < 0.05
    assert abs(quantile(hist, 0.5) - 50) / 50 < 0.05


def test_labels_and_signals() -> None:
    assert parse_labels("pod=a; quantile=0.95") == "pod=a;quantile=0.95"
    assert parse_labels("b=2;a=1") == "a=1;b=2"
    assert signal_of("latency_p95_ms") == "latency"
    assert signal_of("http_server_errors_total") == "errors"
    assert signal_of("up") == "availability"
    assert (
        signal_of("container_cpu_usage_seconds_total") == "saturation"
        or signal_of("container_cpu_usage_seconds_total") == "latency"
    )
    assert signal_of("orders_total") == "other"


def test_prometheus_documented_answer() -> None:
    answer = samples.prometheus_answer()
    items = list(iter_prometheus(answer, "metrics/errors.json", "errors"))
    assert not [i for i in items if isinstance(i, Rejection)]
    services = {i.service for i in items if not isinstance(i, Rejection)}
    assert services == {"prometheus", "cartservice"}
    up = next(i for i in items if not isinstance(i, Rejection) and i.metric == "up")
    assert up.labels == "instance=localhost:9090"
    nameless = next(i for i in items if not isinstance(i, Rejection) and i.service == "cartservice")
    assert nameless.metric == "errors"
    bad = json.loads(json.dumps(answer))
    bad["data"]["result"][0]["values"][2] = ["2026-03-01T12:00:00", "1"]
    (rej,) = [i for i in iter_prometheus(bad, "m.json", "m") if isinstance(i, Rejection)]
    assert rej.pointer == "/data/result/0/values/2" and rej.field == "values.time"


def test_anomaly_summaries_state_a_unit_only_where_the_metric_name_does() -> None:
    shift = Shift(30, 30, 59, "up", 12.0, 0.2, 1.4, 1.4, "binseg_l2")
    # a bare "latency" is seconds in one source (PetShop's X-Ray figures), ms in another
    assert summary_of("latency_p99", "", shift) == "latency_p99 0.2 → 1.4 (up, z=12.0)"
    assert "0.2 ms → 1.4 ms" in summary_of("latency_p95_ms", "", shift)
    assert "0.2 s → 1.4 s" in summary_of("http_server_request_duration_seconds", "", shift)
    ratio = Shift(30, 30, 59, "up", 12.0, 0.01, 0.25, 0.25, "binseg_l2")
    assert "1% → 25%" in summary_of("http_error_rate", "", ratio)
    assert "1% → 25%" in summary_of("error_ratio", "", ratio)
