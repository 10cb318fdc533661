"""Signal loaders (logs, metrics, traces) into the real Neo4j, through a LoadContext."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from rcagraph.core import RcaGraph
from rcagraph.graph import Query
from rcagraph.ids import uid
from rcagraph.loaders.base import LoadContext, LoadReport
from rcagraph.loaders.logs import LogsLoader
from rcagraph.loaders.metrics import MetricsLoader
from rcagraph.loaders.rawstore import read_ref
from rcagraph.loaders.traces import TracesLoader
from tests.unit.loaders_signals import samples

SCOPE = "bundle:INC-7"

_COUNTS = Query(
    "tests.signals.counts",
    "MATCH (n) WHERE n.scope = $scope UNWIND labels(n) AS l RETURN l, count(*) AS c ORDER BY l",
)
_RELS = Query(
    "tests.signals.rels",
    "MATCH (a)-[r]->() WHERE a.scope = $scope RETURN type(r) AS t, count(*) AS c ORDER BY t",
)
_PROPS = Query(
    "tests.signals.props",
    "MATCH (n) WHERE n.scope = $scope RETURN n.uid AS uid, properties(n) AS p ORDER BY uid",
)
_REL_PROPS = Query(
    "tests.signals.rel_props",
    "MATCH (a)-[r]->(b) WHERE a.scope = $scope "
    "RETURN a.uid + type(r) + b.uid AS k, properties(r) AS p ORDER BY k",
)
_ANOMALIES = Query(
    "tests.signals.anomalies",
    "MATCH (a:Anomaly:Event)-[:OBSERVED_ON]->(c:Component) WHERE a.scope = $scope "
    "RETURN a.metric AS metric, a.service AS service, a.direction AS direction, a.at AS at, "
    "a.magnitude AS magnitude, a.signal AS signal, a.series_ref AS series_ref, "
    "a.source AS source, a.source_ref AS source_ref, a.summary AS summary, c.name AS component",
)
_LOG_EVENTS = Query(
    "tests.signals.log_events",
    "MATCH (e:LogEvent:Event)-[:OBSERVED_ON]->(c:Component) WHERE e.scope = $scope "
    "OPTIONAL MATCH (e)-[:OF_TEMPLATE]->(t:LogTemplate)-[:TEMPLATE_OF]->(c) "
    "RETURN e.kind AS kind, e.service AS service, e.at AS at, e.count AS count, "
    "e.baseline_ratio AS ratio, e.samples AS samples, e.raw_ref AS raw_ref, "
    "t.template AS template, e.source_ref AS source_ref",
)
_CALLS = Query(
    "tests.signals.calls",
    "MATCH (a:Component)-[r:CALLS]->(b:Component) WHERE a.scope = $scope "
    "RETURN a.name AS caller, b.name AS callee, r.calls AS calls, r.error_ratio AS error_ratio, "
    "r.p95_ms AS p95, r.series_ref AS series_ref, r.source AS source",
)


def _ctx(rca: RcaGraph, bundle: Path, data: Path) -> LoadContext:
    now = datetime.now(UTC)
    return LoadContext(
        graph=rca.graph,
        scope=SCOPE,
        bundle_dir=bundle,
        data_dir=data,
        ingested_at=now,
        report=LoadReport(scope=SCOPE, bundle=str(bundle), started_at=now),
        batch_size=50,
    )


def _load_all(rca: RcaGraph, bundle: Path, data: Path) -> LoadContext:
    ctx = _ctx(rca, bundle, data)
    for loader, pattern in (
        (TracesLoader(), "traces/*.jsonl"),
        (MetricsLoader(), "metrics/*"),
        (LogsLoader(), "logs/*.jsonl"),
    ):
        for path in sorted(bundle.glob(pattern)):
            loader.load(path, ctx)
    return ctx


def _snapshot(rca: RcaGraph) -> tuple[Any, ...]:
    props = [
        (r["uid"], {k: v for k, v in r["p"].items() if k != "ingested_at"})
        for r in rca.graph.read(_PROPS, scope=SCOPE)
    ]
    rels = [
        (r["k"], {k: v for k, v in r["p"].items() if k != "ingested_at"})
        for r in rca.graph.read(_REL_PROPS, scope=SCOPE)
    ]
    return (
        rca.graph.read(_COUNTS, scope=SCOPE),
        rca.graph.read(_RELS, scope=SCOPE),
        props,
        rels,
    )


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return samples.write_bundle(tmp_path / "bundle")


def test_signal_bundle_loads_and_reloads_identically(
    rca: RcaGraph, bundle: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    ctx = _load_all(rca, bundle, data)
    assert ctx.report.rejections == []
    assert ctx.report.counts("logs").read == 60 * 6 + 9 + 150 + 30
    assert ctx.report.counts("traces").read == 1200
    assert ctx.report.counts("metrics").read == 120 + 120
    first = _snapshot(rca)
    ingested = rca.graph.read(
        Query("t.ing", "MATCH (n:LogTemplate) RETURN n.uid AS u, n.ingested_at AS i ORDER BY u")
    )
    ctx2 = _load_all(rca, bundle, data)
    assert _snapshot(rca) == first
    assert ingested == rca.graph.read(
        Query("t.ing", "MATCH (n:LogTemplate) RETURN n.uid AS u, n.ingested_at AS i ORDER BY u")
    )
    assert ctx2.report.counts("logs").loaded == 0  # everything merged the second time
    assert ctx2.report.counts("logs").merged > 0


def test_step_in_metrics_and_traces_becomes_anomalies(
    rca: RcaGraph, bundle: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    _load_all(rca, bundle, data)
    rows = rca.graph.read(_ANOMALIES, scope=SCOPE)
    incident = datetime.fromtimestamp(samples.T0 + samples.INCIDENT_MINUTE * 60, tz=UTC)
    by_metric = {r["metric"]: r for r in rows}
    lat = by_metric["latency_p95_ms"]
    assert lat["component"] == "frontend"
    assert lat["direction"] == "up"
    assert lat["signal"] == "latency"
    assert lat["at"].to_native() == incident
    assert lat["magnitude"] >= 4
    assert lat["source"] == "metrics/samples.csv"
    assert lat["source_ref"].startswith("line ")
    assert "120" in lat["summary"] and "85" in lat["summary"]
    series = read_ref(data, lat["series_ref"])
    assert series.num_rows == 60
    assert set(series.column("metric").to_pylist()) == {"latency_p95_ms"}
    # the flat CPU series and the constant `up` series give nothing
    assert "cpu_usage" not in by_metric
    assert "up" not in by_metric
    # Prometheus: service label, error ratio step
    err = next(r for r in rows if r["service"] == "cartservice")
    assert err["signal"] == "errors"
    assert err["at"].to_native() == incident + timedelta(milliseconds=781)
    assert err["source_ref"] == "/data/result/1/values/0"
    # traces: the callee gets an error-ratio anomaly from its caller
    rpc = by_metric["rpc.error_ratio from frontend"]
    assert rpc["component"] == "checkoutservice"
    assert rpc["direction"] == "up"
    assert rpc["at"].to_native() == incident


def test_components_count_their_own_metric_series(
    rca: RcaGraph, bundle: Path, tmp_path: Path
) -> None:
    # frontend: latency and CPU in the CSV (the CPU never moves: the component was watched);
    # the Prometheus answer: cartservice's error ratio and the prometheus job's `up`; the
    # traces: checkoutservice's calls from frontend, per minute (error ratio and latency p95)
    _load_all(rca, bundle, tmp_path / "data")
    rows = rca.graph.read(
        Query(
            "tests.signals.metric_series",
            "MATCH (c:Component {scope: $scope}) WHERE c.metric_series IS NOT NULL "
            "RETURN c.name AS name, c.metric_series AS n, c.metric_series_by_source AS by "
            "ORDER BY name",
        ),
        scope=SCOPE,
    )
    assert [(r["name"], r["n"], r["by"]) for r in rows] == [
        ("cartservice", 1, ["metrics/errors.json #1"]),
        ("checkoutservice", 2, ["traces/spans.jsonl #2"]),
        ("frontend", 2, ["metrics/samples.csv #2"]),
        ("prometheus", 1, ["metrics/errors.json #1"]),
    ]


def test_trace_call_edges_with_stats_and_series(
    rca: RcaGraph, bundle: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    _load_all(rca, bundle, data)
    (edge,) = rca.graph.read(_CALLS, scope=SCOPE)
    assert (edge["caller"], edge["callee"]) == ("frontend", "checkoutservice")
    assert edge["calls"] == 600
    assert edge["error_ratio"] == pytest.approx(15 * 6 / 600)
    assert 33 <= edge["p95"] <= 42  # durations 30..39 ms, 5 % buckets
    assert edge["source"] == "traces/spans.jsonl"
    series = read_ref(data, edge["series_ref"])
    assert series.num_rows == 60
    assert sum(series.column("calls").to_pylist()) == 600
    # topology stub components join by uid
    uids = {r["u"] for r in rca.graph.read(Query("t.c", "MATCH (c:Component) RETURN c.uid AS u"))}
    assert uid(SCOPE, "Component", "checkoutservice") in uids


def test_log_burst_and_new_template(rca: RcaGraph, bundle: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    _load_all(rca, bundle, data)
    events = rca.graph.read(_LOG_EVENTS, scope=SCOPE)
    incident = datetime.fromtimestamp(samples.T0 + samples.INCIDENT_MINUTE * 60, tz=UTC)
    burst = next(e for e in events if e["kind"] == "error_burst")
    assert burst["service"] == "cartservice"
    assert burst["at"].to_native() == incident
    assert burst["count"] == 150
    assert burst["ratio"] >= 10
    assert burst["samples"] and "Connection refused" in burst["samples"][0]
    assert burst["template"] is not None and "Connection refused" in burst["template"]
    assert burst["source_ref"].startswith("line ")
    raw = read_ref(data, burst["raw_ref"])
    assert raw.num_rows >= 150
    assert set(raw.column("service").to_pylist()) == {"cartservice"}
    new = [e for e in events if e["kind"] == "new_template"]
    assert any("Connection refused" in (e["template"] or "") for e in new)
    # no event on frontend: plain INFO lines, no new shapes
    assert all(e["service"] == "cartservice" for e in events)
    templates = rca.graph.read(
        Query(
            "t.tpl",
            "MATCH (t:LogTemplate)-[:TEMPLATE_OF]->(c:Component) "
            "RETURN c.name AS c, t.template AS t, t.count AS n, t.severity AS s",
        )
    )
    assert sum(t["n"] for t in templates) == 60 * 6 + 9 + 150 + 30
    assert len(templates) <= 6  # drain folds the variable parts


def test_bad_lines_rejected_with_place_good_ones_load(rca: RcaGraph, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    (bundle / "logs").mkdir(parents=True)
    (bundle / "metrics").mkdir()
    good = samples.otlp_log_request(
        "cartservice", [samples.log_record(samples.T0 * 10**9, 9, "INFO", "hello 1")]
    )
    bad_ts = samples.otlp_log_request(
        "cartservice", [samples.log_record(samples.T0 * 10**9, 9, "INFO", "x")]
    )
    bad_ts["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["timeUnixNano"] = "soon"  # type: ignore[index]
    bad_ts["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["observedTimeUnixNano"] = "0"  # type: ignore[index]
    lines = [
        json.dumps(good),
        '{"resourceLogs": [ oops',
        json.dumps({"timestamp": "2026-03-01T12:00:00", "service": "a", "body": "zone-less"}),
        json.dumps({"timestamp": "2026-03-01T12:00:00Z", "body": "no service"}),
        json.dumps(bad_ts),
        json.dumps({"timestamp": "2026-03-01T12:00:01Z", "service": "a", "body": "fine"}),
    ]
    (bundle / "logs" / "app.jsonl").write_text("\n".join(lines) + "\n")
    (bundle / "metrics" / "m.csv").write_text(
        "timestamp,service,metric,value\n"
        "2026-03-01T12:00:00Z,a,latency_ms,1\n"
        "2026-03-01T12:01:00,a,latency_ms,2\n"
        "2026-03-01T12:02:00Z,a,latency_ms,abc\n"
        "2026-03-01T12:03:00Z,,latency_ms,3\n"
        "1772366640,a,latency_ms,4\n"
    )
    ctx = _ctx(rca, bundle, tmp_path / "data")
    LogsLoader().load(bundle / "logs" / "app.jsonl", ctx)
    MetricsLoader().load(bundle / "metrics" / "m.csv", ctx)
    places = {(r.file, r.line, r.field) for r in ctx.report.rejections}
    assert places == {
        ("logs/app.jsonl", 2, "$"),
        ("logs/app.jsonl", 3, "timestamp"),
        ("logs/app.jsonl", 4, "service"),
        ("logs/app.jsonl", 5, "timeUnixNano"),
        ("metrics/m.csv", 3, "timestamp"),
        ("metrics/m.csv", 4, "value"),
        ("metrics/m.csv", 5, "service"),
    }
    assert all(r.message() for r in ctx.report.rejections)
    assert ctx.report.counts("logs").read == 6 and ctx.report.counts("logs").rejected == 4
    assert ctx.report.counts("metrics").rejected == 3
    templates = rca.graph.read(
        Query("t.t", "MATCH (t:LogTemplate) RETURN t.service AS s, t.count AS n ORDER BY s")
    )
    assert templates == [{"s": "a", "n": 1}, {"s": "cartservice", "n": 1}]
