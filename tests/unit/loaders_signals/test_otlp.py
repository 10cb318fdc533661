"""OTLP: protobuf bodies decoded to the JSON shape, OTLP metrics, .json documents, deliveries."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from rcagraph.errors import InputError
from rcagraph.loaders import otlp, otlp_proto
from rcagraph.loaders.base import Rejection, dotted
from rcagraph.loaders.logs import LogRecord, parse_log_value
from rcagraph.loaders.otlp_metrics import (
    Converter,
    Point,
    Skipped,
    histogram_quantile,
    parse_metrics_value,
)
from rcagraph.loaders.receivers import Delivery, canonical_json, delivery_id
from rcagraph.loaders.records import Where
from rcagraph.loaders.traces import Span, parse_trace_value
from tests.unit.loaders_signals import otlp_samples as s
from tests.unit.loaders_signals.samples import T0

# -- protobuf → the OTLP/JSON shape ---------------------------------------------------------


def test_protobuf_logs_read_as_the_same_records_as_json() -> None:
    bodies = [(0, 9, "GET /cart 200"), (5, 17, "connection refused to redis")]
    from_proto = otlp_proto.decode_request(
        "logs", s.log_proto("cartservice", bodies).SerializeToString()
    )
    a = list(parse_log_value(from_proto, Where("p")))
    b = list(parse_log_value(s.log_json("cartservice", bodies), Where("j")))
    assert a == b and all(isinstance(r, LogRecord) for r in a)
    first = a[0]
    assert isinstance(first, LogRecord)
    assert (first.trace_id, first.span_id) == (s.TRACE, s.CHILD)  # hex, not base64
    assert first.severity_number == 9 and first.ts_ns == T0 * s.NS


def test_protobuf_traces_read_as_the_same_spans_as_json() -> None:
    resources = s.two_service_traces(2)
    from_proto = otlp_proto.decode_request("traces", s.trace_proto(resources).SerializeToString())
    a = list(parse_trace_value(from_proto, Where("p")))
    b = list(parse_trace_value(s.trace_json(list(resources)), Where("j")))
    assert a == b and len(a) == 4
    child = a[2]
    assert isinstance(child, Span) and child.parent_id == f"{1:016x}"


def test_protobuf_metrics_read_as_the_same_points_as_json() -> None:
    request = s.metrics_json("cartservice", 5, 3)
    from_proto = otlp_proto.decode_request("metrics", s.metrics_proto(request).SerializeToString())
    a = list(parse_metrics_value(from_proto, Where("p")))
    b = list(parse_metrics_value(request, Where("j")))
    assert a == b and len(a) == 15 and all(isinstance(p, Point) for p in a)


def test_hex_ids_leave_bytes_values_alone() -> None:
    value = {
        "traceId": "W47/95gDgQPSabYzgT/GDA==",
        "x": [{"spanId": "7uGbfsPBsXQ=", "value": {"bytesValue": "AAE="}}],
    }
    assert otlp_proto.hex_ids(value) == {
        "traceId": s.TRACE,
        "x": [{"spanId": "eee19b7ec3c1b174", "value": {"bytesValue": "AAE="}}],
    }


def test_not_protobuf_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not a protobuf ExportLogsServiceRequest"):
        otlp_proto.decode_request("logs", b"\xff\xff\xff\xff")


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.binary(max_size=300), signal=st.sampled_from(["logs", "traces", "metrics"]))
def test_any_body_decodes_or_is_an_input_error(body: bytes, signal: otlp_proto.Signal) -> None:
    """No body crashes the decoder, and what it decodes the parsers read without raising."""
    try:
        value = otlp_proto.decode_request(signal, body)
    except InputError:
        return
    parse = {"logs": parse_log_value, "traces": parse_trace_value, "metrics": parse_metrics_value}
    for item in parse[signal](value, Where("p")):
        assert item is not None


@settings(max_examples=100, deadline=None)
@given(
    bodies=st.lists(
        st.tuples(st.integers(0, 86_400), st.integers(0, 24), st.text(max_size=30)), max_size=5
    ),
    service=st.text(min_size=1, max_size=12).filter(lambda x: x.strip() != ""),
)
def test_protobuf_and_json_encodings_agree(
    bodies: list[tuple[int, int, str]], service: str
) -> None:
    from_proto = otlp_proto.decode_request("logs", s.log_proto(service, bodies).SerializeToString())
    assert list(parse_log_value(from_proto, Where("f"))) == list(
        parse_log_value(s.log_json(service, bodies), Where("f"))
    )


@pytest.mark.parametrize(
    ("signal", "response", "field"),
    [
        ("logs", ExportLogsServiceResponse, "rejected_log_records"),
        ("traces", ExportTraceServiceResponse, "rejected_spans"),
        ("metrics", ExportMetricsServiceResponse, "rejected_data_points"),
    ],
)
def test_partial_success_answers(signal: otlp_proto.Signal, response: Any, field: str) -> None:
    full = response.FromString(otlp_proto.partial_success_proto(signal, 0, ""))
    assert not full.HasField("partial_success")
    part = response.FromString(otlp_proto.partial_success_proto(signal, 3, "bad"))
    assert getattr(part.partial_success, field) == 3
    assert part.partial_success.error_message == "bad"
    name = otlp_proto.MESSAGES[signal].rejected_json
    assert otlp_proto.partial_success_json(signal, 3, "bad") == {
        "partialSuccess": {name: 3, "errorMessage": "bad"}
    }
    assert otlp_proto.partial_success_json(signal, 0, "") == {"partialSuccess": {}}
    # a warning of a fully accepted request: 0 rejected and a message, as the spec allows
    assert otlp_proto.partial_success_json(signal, 0, "note") == {
        "partialSuccess": {name: 0, "errorMessage": "note"}
    }
    warned = response.FromString(otlp_proto.partial_success_proto(signal, 0, "note"))
    assert warned.HasField("partial_success") and warned.partial_success.error_message == "note"


def test_notes_become_one_warning() -> None:
    assert otlp_proto.warning_of({}) == ""
    assert otlp_proto.warning_of({"unresolved_parents": 2, "unknown_service": 1}) == (
        "1 record(s) of a resource without service.name stored as unknown_service; "
        "2 span(s) whose parent span was not in this request: no call edge for them"
    )


# -- OTLP metrics ---------------------------------------------------------------------------


def _samples(request: dict[str, Any]) -> dict[str, list[float]]:
    conv = Converter()
    out: dict[str, list[float]] = {}
    for p in parse_metrics_value(request, Where("m")):
        assert isinstance(p, Point), p
        v = conv.sample(p)
        if v is not None:
            out.setdefault(p.metric, []).append(v)
    return out


def test_gauge_counter_rate_and_histogram_p95() -> None:
    got = _samples(s.metrics_json("cartservice", 6, 3))
    assert got["process.cpu.utilization"][:3] == pytest.approx([0.3, 0.301, 0.302])
    # cumulative counter: the first point sets the start, then increase ÷ 60 s
    increases = [3, 2, 121, 120, 121]
    assert got["http.server.errors.rate"] == pytest.approx([n / 60 for n in increases])
    # before the step 40 of 42 observations fall in (10, 50] ms, after it in (100, 500]
    p95 = got["http.server.request.duration.p95"]
    assert len(p95) == 5 and all(10 < v <= 50 for v in p95[:2]) and all(v > 100 for v in p95[2:])


def test_the_emitters_version_and_pod_are_labels_for_the_canary_analysis() -> None:
    request = s.metrics_json("cartservice", 2, 1, with_histogram=False)
    request["resourceMetrics"][0]["resource"]["attributes"] += [
        s.kv("service.version", "2.0.1"),
        s.kv("k8s.pod.name", "cartservice-7d4b9c-x2x"),
        s.kv("host.arch", "amd64"),
    ]
    labels = {p.labels for p in parse_metrics_value(request, Where("m")) if isinstance(p, Point)}
    assert labels == {
        "host.name=node-1;k8s.pod.name=cartservice-7d4b9c-x2x;service.version=2.0.1",
        "k8s.pod.name=cartservice-7d4b9c-x2x;service.version=2.0.1",
    }


def test_counter_reset_delta_sums_and_out_of_order() -> None:
    def pt(ts: int, v: float, kind: str = "rate_cumulative", start: int = 0) -> Point:
        return Point("svc", "x.rate", "", ts * s.NS, start * s.NS, kind, v)

    conv = Converter()
    assert conv.sample(pt(T0, 100)) is None
    assert conv.sample(pt(T0 + 10, 150)) == 5.0
    assert conv.sample(pt(T0 + 20, 30)) == 3.0  # reset: the new value is the increase
    assert conv.sample(pt(T0 + 20, 40)) is None and conv.out_of_order == 1
    assert conv.sample(pt(T0 + 60, 120, "rate_delta", T0)) == 2.0


def test_histogram_quantile_interpolates_in_the_bucket() -> None:
    assert histogram_quantile(0.5, (10.0, 20.0), (0, 10, 0)) == 15.0
    assert histogram_quantile(0.95, (10.0,), (0, 5)) == 10.0  # the open bucket: the top bound
    assert math.isnan(histogram_quantile(0.95, (10.0,), (0, 0)))


def test_metric_rejections_name_the_data_point_and_skips_are_counted() -> None:
    request = s.metrics_json("svc", 2, 1, with_histogram=False)
    metrics = request["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
    metrics[0]["gauge"]["dataPoints"][1]["timeUnixNano"] = "soon"
    metrics.append({"name": "rpc.duration", "summary": {"dataPoints": [{}, {}]}})
    metrics.append({"name": "nothing"})
    items = list(parse_metrics_value(request, Where("m")))
    rejected = [i for i in items if isinstance(i, Rejection)]
    assert [(r.pointer, r.field) for r in rejected] == [
        ("/resourceMetrics/0/scopeMetrics/0/metrics/0/gauge/dataPoints/1", "timeUnixNano"),
        ("/resourceMetrics/0/scopeMetrics/0/metrics/3", "name"),
    ]
    assert all(r.raw for r in rejected)
    assert [i.count for i in items if isinstance(i, Skipped)] == [2]


metric_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "resourceMetrics",
                    "resource",
                    "attributes",
                    "scopeMetrics",
                    "metrics",
                    "name",
                    "gauge",
                    "sum",
                    "histogram",
                    "summary",
                    "dataPoints",
                    "timeUnixNano",
                    "startTimeUnixNano",
                    "asDouble",
                    "asInt",
                    "bucketCounts",
                    "explicitBounds",
                    "aggregationTemporality",
                    "isMonotonic",
                    "key",
                    "value",
                    "stringValue",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(value=metric_json)
def test_metrics_parser_never_raises(value: object) -> None:
    conv = Converter()
    for item in parse_metrics_value(value, Where("m", line=1)):
        if isinstance(item, Rejection):
            assert item.field and item.file == "m"
        elif isinstance(item, Point):
            conv.sample(item)


# -- files: .json documents, .jsonl lines, what a refused file should look like -------------


def test_a_pretty_printed_request_in_jsonl_is_refused_once_saying_what_to_do(
    tmp_path: Path,
) -> None:
    path = tmp_path / "app.jsonl"
    path.write_text(json.dumps(s.log_json("cart", [(0, 9, "x")]), indent=2))
    got = list(otlp.iter_requests(path, "logs/app.jsonl", "logs"))
    assert len(got) == 1
    rej = got[0][1]
    assert isinstance(rej, Rejection) and rej.line == 1 and rej.raw
    assert "not JSON lines" in rej.reason and "logs/app.json" in rej.reason
    doc = tmp_path / "app.json"
    doc.write_text(json.dumps(s.log_json("cart", [(0, 9, "x")]), indent=2))
    ((where, value),) = otlp.iter_requests(doc, "logs/app.json", "logs")
    assert where.line is None and isinstance(value, dict)


def test_a_bad_jsonl_line_says_what_a_line_must_be(tmp_path: Path) -> None:
    path = tmp_path / "app.jsonl"
    path.write_text(json.dumps(s.log_json("cart", [(0, 9, "x")])) + "\n{nope\n")
    got = [v for _, v in otlp.iter_requests(path, "logs/app.jsonl", "logs")]
    assert isinstance(got[0], dict) and isinstance(got[1], Rejection)
    assert "not valid JSON" in got[1].reason and "one OTLP request" in got[1].reason


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    text=st.text(max_size=200)
    | st.lists(st.sampled_from(["{", "}", "[", "]", '"a"', ":", ",", "1", "\n", " "])).map("".join),
    suffix=st.sampled_from([".json", ".jsonl"]),
)
def test_any_file_reads_or_is_rejected_by_name(
    tmp_path_factory: pytest.TempPathFactory, text: str, suffix: str
) -> None:
    path = tmp_path_factory.mktemp("f") / f"x{suffix}"
    path.write_text(text)
    for where, value in otlp.iter_requests(path, f"logs/x{suffix}", "logs"):
        assert where.file == f"logs/x{suffix}"
        if isinstance(value, Rejection):
            assert value.file == f"logs/x{suffix}" and value.field == "$" and value.reason


# -- deliveries -----------------------------------------------------------------------------


def test_deliveries_are_named_by_content_and_positions_by_what_was_sent() -> None:
    a = canonical_json({"b": 1, "a": [1, 2]})
    assert a == canonical_json({"a": [1, 2], "b": 1}) == b'{"a":[1,2],"b":1}'
    assert delivery_id(a) == delivery_id(a) != delivery_id(canonical_json({"b": 2}))
    assert dotted("/resourceLogs/1/scopeLogs/0/logRecords/3") == (
        "resourceLogs[1].scopeLogs[0].logRecords[3]"
    )
    assert dotted("") == "" and dotted("/a~1b/0") == "a/b[0]"
    d = Delivery("POST /api/v1/ingest/cdevents", "sha256:0", array=True)
    r = d.rejection(Rejection("deployment", "deployments.jsonl", "bad", line=3, field="x"))
    assert (r.file, r.line, r.pointer) == ("POST /api/v1/ingest/cdevents", None, "[2]")
    assert r.message() == "POST /api/v1/ingest/cdevents, at [2], field 'x': bad"
    one = Delivery("POST /v1/logs", "sha256:0").rejection(
        Rejection("logs", "logs/x.json", "bad", pointer="/resourceLogs/0", field="y")
    )
    assert one.message() == "POST /v1/logs, at resourceLogs[0], field 'y': bad"
