"""The Nezha file readers (bench/datasets/nezha_files.py) on tiny inputs written here."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import UTC, datetime, timedelta

from bench.datasets import nezha_files as nf
from hypothesis import given, settings
from hypothesis import strategies as st

from rcagraph.loaders.base import Rejection
from rcagraph.loaders.logs import LogRecord, parse_log_value
from rcagraph.loaders.records import Where
from rcagraph.loaders.timeparse import parse_rfc3339
from rcagraph.loaders.traces import Span, parse_trace_value

LOWER = "abcdefghijklmnopqrstuvwxyz"
ALNUM = LOWER + "0123456789"
WORD = st.tuples(st.sampled_from(LOWER), st.text(ALNUM, max_size=8)).map("".join)
SERVICE = st.lists(WORD, min_size=1, max_size=3).map("-".join)
HASH = st.text(ALNUM, min_size=6, max_size=10)
SUFFIX = st.text(ALNUM, min_size=5, max_size=5)
HEX32 = st.integers(0, 2**128 - 1).map(lambda i: f"{i:032x}")
HEX16 = st.integers(0, 2**64 - 1).map(lambda i: f"{i:016x}")
T0 = datetime(2022, 8, 22, 3, 51, 19, tzinfo=UTC).timestamp()


def go_time(epoch: float, nanos: int = 0, offset_min: int = 0, mono: float = 1.5) -> str:
    """Go's ``time.Time.String()`` of ``epoch`` (+ ``nanos``) in a zone ``offset_min`` east."""
    tz = timedelta(minutes=offset_min)
    local = datetime.fromtimestamp(int(epoch), tz=UTC) + tz
    sign = "+" if offset_min >= 0 else "-"
    off = f"{sign}{abs(offset_min) // 60:02d}{abs(offset_min) % 60:02d}"
    zone = "UTC" if offset_min == 0 else "XST"
    return f"{local:%Y-%m-%d %H:%M:%S}.{nanos:09d} {off} {zone} m=+{mono:.9f}"


def csv_text(header: list[str], rows: list[list[str]]) -> list[str]:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().splitlines(keepends=True)


# -- names and times --------------------------------------------------------------------------


@given(SERVICE, HASH, SUFFIX)
def test_a_pod_name_gives_its_service_and_template_hash(svc: str, h: str, sfx: str) -> None:
    pod = f"{svc}-{h}-{sfx}"
    assert nf.service_of_pod(pod) == svc
    assert nf.pod_template_hash(pod) == h


def test_a_name_of_another_shape_is_kept_whole() -> None:
    assert nf.service_of_pod("redis-0") == "redis-0"
    assert nf.service_of_pod("frontend") == "frontend"
    assert nf.pod_template_hash("redis-0") is None
    assert nf.service_of_pod("frontend-579b9bff58-t2dbm") == "frontend"


@given(
    st.integers(1_500_000_000, 1_900_000_000),
    st.integers(0, 999_999_999),
    st.integers(-12 * 60, 14 * 60),
    st.floats(0, 1e6),
)
def test_go_time_text_parses_to_the_instant(secs: int, nanos: int, off: int, mono: float) -> None:
    assert math.isclose(
        nf.parse_go_time(go_time(secs, nanos, off, mono)), secs + nanos / 1e9, abs_tol=1e-6
    )


def test_go_time_without_fraction_or_monotonic_part_and_bad_text() -> None:
    assert nf.parse_go_time("2022-08-22 03:51:19 +0000 UTC") == T0
    try:
        nf.parse_go_time("2022-08-22 03:51:19")  # no zone: never taken as local time
    except ValueError:
        pass
    else:
        raise AssertionError("a time without a zone was accepted")


@given(st.floats(1_500_000_000, 1_900_000_000))
def test_iso_is_rfc3339_utc_to_the_millisecond(epoch: float) -> None:
    back = parse_rfc3339(nf.iso(epoch)).timestamp()
    assert abs(back - epoch) <= 0.0005 + 1e-6


CAMEL = st.tuples(st.sampled_from(LOWER.upper()), st.text(LOWER, min_size=1, max_size=6)).map(
    "".join
)
UNIT = st.sampled_from([("s", "seconds"), ("%", "percent"), ("m", "millicores"), ("Mi", "mib")])


@given(st.lists(CAMEL, min_size=1, max_size=4), st.none() | UNIT)
def test_metric_names_are_snake_case_with_the_unit(
    words: list[str], unit: tuple[str, str] | None
) -> None:
    column = "".join(words) + (f"({unit[0]})" if unit else "")
    expected = "_".join(w.lower() for w in words) + (f"_{unit[1]}" if unit else "")
    assert nf.metric_name(column) == expected


def test_metric_names_of_the_data() -> None:
    assert nf.metric_name("CpuUsageRate(%)") == "cpu_usage_rate_percent"
    assert nf.metric_name("PodServerLatencyP90(s)") == "pod_server_latency_p90_seconds"
    assert nf.metric_name("MemoryUsage(Mi)") == "memory_usage_mib"
    assert nf.metric_name("NodeNetworkReceiveBytes") == "node_network_receive_bytes"
    assert nf.metric_name("PodWorkload(Ops)") == "requests_per_second"
    assert nf.metric_name("LatencyP50(s)") == "latency_p50_seconds"


# -- fault list and metric files --------------------------------------------------------------

FAULT = st.tuples(
    st.integers(0, 86_399),
    SERVICE,
    HASH,
    SUFFIX,
    st.sampled_from(["cpu_contention", "cpu_consumed", "network_delay", "return", "exception"]),
)


@given(st.lists(FAULT, min_size=1, max_size=12, unique_by=lambda f: f[0]))
def test_the_fault_list_gives_every_fault_in_time_order(
    faults: list[tuple[int, str, str, str, str]],
) -> None:
    day = datetime(2022, 8, 22, tzinfo=UTC).timestamp()
    data: dict[str, list[dict[str, str]]] = {}
    for sec, svc, h, sfx, kind in faults:
        at = day + sec
        data.setdefault(f"{sec // 3600:02d}", []).append(
            {
                "inject_time": datetime.fromtimestamp(at, tz=UTC).strftime("%Y-%m-%d %H:%M:%S"),
                "inject_timestamp": str(int(at)),
                "inject_pod": f"{svc}-{h}-{sfx}",
                "inject_type": kind,
            }
        )
    got = nf.read_fault_list(json.loads(json.dumps(data)), "2022-08-22")
    assert [f.inject_at for f in got] == sorted(day + f[0] for f in faults)
    assert {(f.service, f.kind) for f in got} == {(f[1], f[4]) for f in faults}
    assert all(nf.text_time_offset(f) == 0.0 for f in got)


def test_a_fault_whose_text_time_disagrees_is_timed_by_its_timestamp() -> None:
    data = {
        "07": [
            {
                "inject_time": "2022-08-22 07:10:43",
                "inject_timestamp": "1661152183",
                "inject_pod": "recommendationservice-6cfdd55578-gfj6q",
                "inject_type": "cpu_consumed",
            }
        ]
    }
    (fault,) = nf.read_fault_list(data, "2022-08-22")
    assert fault.inject_at == 1661152183.0 and fault.service == "recommendationservice"
    assert nf.text_time_offset(fault) == 60.0


CELL = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False).map(repr), st.sampled_from(["", "NaN", "nan", "inf"])
)
POD_COLUMNS = [
    "CpuUsageRate(%)",
    "PodServerLatencyP90(s)",
    "PodWorkload(Ops)",
    "NodeCpuUsageRate(%)",
]


@settings(max_examples=60)
@given(
    SERVICE,
    HASH,
    SUFFIX,
    st.lists(st.lists(CELL, min_size=4, max_size=4), min_size=1, max_size=8),
    st.booleans(),
    st.booleans(),
)
def test_pod_metrics_keep_every_measured_cell_with_pod_labels(
    svc: str,
    h: str,
    sfx: str,
    cells: list[list[str]],
    success_zero: bool,
    skewed_clock: bool,
) -> None:
    pod = f"{svc}-{h}-{sfx}"
    header = ["Time", "TimeStamp", "PodName", *POD_COLUMNS, "PodSuccessRate(%)"]
    rows = []
    for i, row in enumerate(cells):
        at = T0 + 60 * i
        stamp = at + (2e8 if skewed_clock else 0)
        rows.append([go_time(at, 5), str(int(stamp)), pod, *row, "0" if success_zero else "99"])
    got = nf.read_pod_metrics(csv_text(header, rows))
    assert got.pod == pod
    assert got.clock_mismatches == (len(rows) if skewed_clock else 0)
    measured = [
        (T0 + 60 * i, col)
        for i, row in enumerate(cells)
        for col, cell in zip(POD_COLUMNS, row, strict=True)
        if cell not in ("", "NaN", "nan", "inf")
    ]
    pod_cells = [(at, nf.metric_name(c)) for at, c in measured if not c.startswith("Node")]
    node_cells = [(at, nf.metric_name(c)) for at, c in measured if c.startswith("Node")]
    success = (
        []
        if success_zero
        else [(T0 + 60 * i, "pod_success_rate_percent") for i in range(len(rows))]
    )
    assert sorted((round(s.at), s.metric) for s in got.samples) == sorted(
        (round(at), m) for at, m in [*pod_cells, *success]
    )
    assert sorted((round(s.at), s.metric) for s in got.node_samples) == sorted(
        (round(at), m) for at, m in node_cells
    )
    assert got.dropped == (("PodSuccessRate(%)",) if success_zero else ())
    assert all(s.service == svc for s in got.samples)
    assert all(s.labels == f"pod={pod};pod_template_hash={h}" for s in got.samples)
    assert all(math.isfinite(s.value) for s in [*got.samples, *got.node_samples])


@given(st.lists(st.tuples(st.floats(0, 100), st.floats(0, 30)), min_size=1, max_size=6))
def test_entry_metrics_are_the_entry_services_http_series(rows: list[tuple[float, float]]) -> None:
    header = ["Time", "TimeStamp", "ServiceName", "SuccessRate(%)", "LatencyP90(s)"]
    text = [
        [go_time(T0 + 60 * i), str(int(T0 + 60 * i)), "Frontend", repr(a), repr(b)]
        for i, (a, b) in enumerate(rows)
    ]
    got = nf.read_entry_metrics(csv_text(header, text))
    assert {s.service for s in got} == {"frontend"}
    assert [s.value for s in got if s.metric == "http_success_rate_percent"] == [a for a, _ in rows]
    assert [s.value for s in got if s.metric == "http_latency_p90_seconds"] == [b for _, b in rows]


@given(
    st.lists(
        st.tuples(SERVICE.filter(lambda s: "_" not in s), SERVICE),
        min_size=1,
        max_size=4,
        unique=True,
    ),
    st.sampled_from(["source", "destination"]),
)
def test_call_latency_goes_to_the_callee_with_caller_and_reporter(
    edges: list[tuple[str, str]], reporter: str
) -> None:
    header = ["time", "timestamp", *(f"{a}_{b}" for a, b in edges), "not_an_edge_column"]
    row = [go_time(T0), str(int(T0)), *("0.25" for _ in edges), "1"]
    got = nf.read_call_latency(csv_text(header, [row]), reporter)
    assert sorted((s.labels, s.service) for s in got) == sorted(
        (f"caller={a};reporter={reporter}", b) for a, b in edges
    )
    assert all(s.metric == "call_latency_p50_seconds" and s.value == 0.25 for s in got)


IP = st.tuples(*(st.integers(0, 255) for _ in range(4))).map(lambda t: ".".join(map(str, t)))


@given(
    st.lists(st.tuples(SERVICE, SERVICE), max_size=6),
    st.dictionaries(SERVICE, IP, max_size=5),
)
def test_dependency_rows_are_calls_or_the_node_a_service_runs_on(
    calls: list[tuple[str, str]], hosts: dict[str, str]
) -> None:
    rows = [[a, b, "1"] for a, b in calls] + [[s, ip, "1"] for s, ip in hosts.items()]
    rows.append(["loadgenerator", "10.0.0.1", "1"])
    rows.append(["loadgenerator", "10.0.0.2", "1"])
    got_calls, node_of = nf.read_dependency(csv_text(["Source", "Target", "Weight"], rows))
    assert got_calls == list(dict.fromkeys((a, b) for a, b in calls if a != b))
    expected = {s: ip for s, ip in hosts.items() if s != "loadgenerator"}
    assert node_of == expected  # two hosts: no node


# -- traces -----------------------------------------------------------------------------------


@given(st.lists(HEX32, min_size=1, max_size=50), st.floats(0, 1), st.floats(0, 1))
def test_the_trace_sample_is_deterministic_and_nested(ids: list[str], a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert all(nf.trace_kept(t, 1.0) for t in ids)
    assert not any(nf.trace_kept(t, 0.0) for t in ids)
    for t in ids:
        assert nf.trace_kept(t, lo) == nf.trace_kept(t, lo)
        assert not nf.trace_kept(t, lo) or nf.trace_kept(t, hi)  # a smaller sample is inside


def test_the_trace_sample_keeps_about_its_share() -> None:
    ids = [f"{i:032x}" for i in range(4000)]
    share = sum(nf.trace_kept(t, 0.25) for t in ids) / len(ids)
    assert 0.22 < share < 0.28


SPAN = st.tuples(HEX16, SERVICE, HASH, SUFFIX, st.integers(0, 10**9), st.integers(0, 10**9))


@settings(max_examples=50)
@given(HEX32, st.lists(SPAN, min_size=1, max_size=8, unique_by=lambda s: s[0]))
def test_spans_become_otlp_that_the_trace_loader_reads(
    trace_id: str, spans: list[tuple[str, str, str, str, int, int]]
) -> None:
    start0 = int(T0 * 1e9)
    rows = []
    for i, (sid, svc, h, sfx, off, dur) in enumerate(spans):
        parent = "root" if i == 0 else spans[i - 1][0]
        pod = f"{svc}-{h}-{sfx}"
        start = start0 + off
        rows.append([trace_id, sid, parent, pod, f"op{i}", str(start), str(start + dur), "0"])
    header = [
        "TraceID",
        "SpanID",
        "ParentID",
        "PodName",
        "OperationName",
        "StartTimeUnixNano",
        "EndTimeUnixNano",
        "Duration",
    ]
    read = list(nf.read_spans(csv_text(header, rows)))
    assert [s.span_id for s in read] == [s[0] for s in spans]
    assert read[0].parent_id == "" and all(
        read[i].parent_id == spans[i - 1][0] for i in range(1, len(read))
    )
    request = json.loads(json.dumps(nf.otlp_trace_request(read)))
    parsed = list(parse_trace_value(request, Where("traces/traces.jsonl", line=1)))
    assert all(isinstance(p, Span) for p in parsed)
    got = {p.span_id: p for p in parsed if isinstance(p, Span)}
    for sid, svc, _h, _sfx, _off, dur in spans:
        assert got[sid].service == svc and got[sid].trace_id == trace_id
        assert math.isclose(got[sid].duration_ms, dur / 1e6, abs_tol=1e-9)
    assert [got[s[0]].parent_id for s in spans] == [r.parent_id for r in read]


# -- logs -------------------------------------------------------------------------------------

MESSAGE = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(lambda m: m.strip() == m and m)
LEVEL = st.sampled_from(["info", "INFO", "warn", "WARNING", "error", "ERROR", "debug"])


def runtime_line(app_line: str) -> str:
    return json.dumps({"log": app_line + "\n", "stream": "stdout", "time": "2022-08-22T05:18:42Z"})


@given(LEVEL, MESSAGE, HEX32, HEX16)
def test_a_json_application_line_gives_its_level_and_message(
    level: str, message: str, tid: str, sid: str
) -> None:
    app = json.dumps({"severity": level, "message": f"TraceID: {tid} SpanID: {sid} {message}"})
    severity, body, stream = nf.parse_log_line(runtime_line(app))
    assert severity == {"WARNING": "WARN"}.get(level.upper(), level.upper())
    assert body == message and stream == "stdout"


@given(st.sampled_from(["INFO", "WARN", "ERROR"]), MESSAGE)
def test_a_text_line_with_a_level_and_one_without(level: str, message: str) -> None:
    assert nf.parse_log_line(runtime_line(f"05:18:42.995 {level}  - {message}"))[:2] == (
        level,
        message,
    )
    assert nf.parse_log_line(runtime_line(f"TraceID: abc SpanID: def {message}"))[:2] == (
        None,
        message,
    )
    assert nf.parse_log_line("not json at all")[:2] == (None, "not json at all")


@settings(max_examples=40)
@given(
    st.lists(
        st.tuples(SERVICE, HASH, SUFFIX, st.none() | LEVEL, MESSAGE),
        min_size=1,
        max_size=6,
        unique_by=lambda t: t[4],
    )
)
def test_log_rows_become_otlp_that_the_log_loader_reads(
    lines: list[tuple[str, str, str, str | None, str]],
) -> None:
    header = [
        "Timestamp",
        "TimeUnixNano",
        "Node",
        "PodName",
        "Container",
        "TraceID",
        "SpanID",
        "Log",
    ]
    rows = []
    for i, (svc, h, sfx, level, message) in enumerate(lines):
        app = json.dumps({"message": message} | ({"severity": level} if level else {}))
        ns = int(T0 * 1e9) + i
        rows.append(
            [
                "x",
                str(ns),
                "10.0.0.1",
                f"{svc}-{h}-{sfx}",
                "server",
                "ab" * 16,
                "cd" * 8,
                runtime_line(app),
            ]
        )
    read = list(nf.read_log_rows(csv_text(header, rows)))
    assert [r.body for r in read] == [m for *_, m in lines]
    request = json.loads(json.dumps(nf.otlp_log_request(read)))
    parsed = list(parse_log_value(request, Where("logs/logs.jsonl", line=1)))
    assert not [p for p in parsed if isinstance(p, Rejection)]
    records = [p for p in parsed if isinstance(p, LogRecord)]
    assert sorted(r.service for r in records) == sorted(svc for svc, *_ in lines)
    assert sorted(r.body for r in records) == sorted(m for *_, m in lines)
    levels = {r.body: r.level for r in records}
    for *_, level, message in lines:
        expected = {"WARNING": "WARN"}.get(level.upper(), level.upper()) if level else "INFO"
        assert levels[message] == expected
