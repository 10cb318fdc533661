"""The incident page's drawings and the timeline's pure parts, without a server."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from rcagraph.engine.view import (
    ComponentInfo,
    Edge,
    IncidentInfo,
    IncidentView,
    SignalEvent,
    Symptom,
)
from rcagraph.loaders.rawstore import (
    METRIC_SCHEMA,
    MetricSeries,
    raw_path,
    read_metric_series,
    write_table,
)
from rcagraph.postmortem.incidents import Incident
from rcagraph.timeline import (
    IncidentTimeline,
    TimelineEvent,
    _subgraph,
    window_of,
)
from rcagraph.workspace.svg import subgraph_svg, timeline_svg

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def incident(**changes: object) -> Incident:
    base = Incident(
        uid="default|Incident|INC-1",
        scope="default",
        id="INC-1",
        title="Checkout <slow>",
        severity="SEV2",
        system="shop",
        status="resolved",
        started_at=T0,
        detected_at=T0 + timedelta(minutes=4),
        resolved_at=T0 + timedelta(minutes=50),
        symptoms=[{"service": "frontend", "signal": "latency", "metric": None}],
    )
    for k, v in changes.items():
        setattr(base, k, v)
    return base


def view() -> IncidentView:
    return IncidentView(
        scope="default",
        incident=IncidentInfo(
            "INC-1", "t", "SEV2", None, T0, None, (Symptom("frontend", "latency"),)
        ),
        window_start=T0 - timedelta(hours=2),
        window_end=T0 + timedelta(minutes=30),
        components={
            n: ComponentInfo(n, "service", "web")
            for n in ("web", "frontend", "checkout", "cart", "db", "far")
        },
        edges=[
            Edge("web", "frontend", "CALLS"),
            Edge("frontend", "checkout", "CALLS"),
            Edge("checkout", "cart", "CALLS"),
            Edge("cart", "db", "DEPENDS_ON"),
            Edge("db", "far", "DEPENDS_ON"),
        ],
        signals=[SignalEvent("a1", "metric_anomaly", "cart", T0, "errors up")],
    )


def test_the_window_runs_from_before_the_start_to_after_the_resolution() -> None:
    assert window_of(incident()) == (T0 - timedelta(minutes=30), T0 + timedelta(minutes=60))
    open_one = incident(resolved_at=None, detected_at=None, status="open")
    assert window_of(open_one) == (T0 - timedelta(minutes=30), T0 + timedelta(minutes=70))


def test_the_subgraph_layers_callers_symptoms_and_dependencies() -> None:
    nodes, edges = _subgraph(view(), ["frontend", "checkout", "cart"], "cart")
    layer = {n.name: n.layer for n in nodes}
    assert layer == {"web": -1, "frontend": 0, "checkout": 1, "cart": 2, "db": 3}  # 3 hops
    by = {n.name: n for n in nodes}
    assert by["cart"].blamed and by["cart"].anomalous and by["frontend"].symptom
    assert by["checkout"].on_path and not by["db"].on_path
    assert {(e.src, e.dst) for e in edges if e.on_path} == {
        ("frontend", "checkout"),
        ("checkout", "cart"),
    }
    assert all(e.dst != "far" for e in edges)


def timeline() -> IncidentTimeline:
    nodes, edges = _subgraph(view(), ["frontend", "checkout", "cart"], "cart")
    times = tuple(T0 + timedelta(minutes=m) for m in range(0, 40, 5))
    return IncidentTimeline(
        incident=incident(),
        start=T0 - timedelta(minutes=30),
        end=T0 + timedelta(minutes=60),
        hypotheses=[],
        series=[
            MetricSeries(
                "frontend",
                "latency_ms",
                "",
                "f.parquet#series=0",
                times,
                tuple(100.0 + i for i in range(len(times))),
                (2, 40),
            ),
            MetricSeries(
                "cart",
                "latency_ms",
                "",
                "f.parquet#series=1",
                times,
                tuple(50.0 for _ in times),
                (3, 41),
            ),
        ],
        events=[
            TimelineEvent(
                "c1",
                "change",
                "deploy",
                "cart",
                T0 - timedelta(minutes=3),
                "deploy <v2>",
                "deployments.jsonl",
                "line 7",
            ),
            TimelineEvent(
                "al",
                "alert",
                "",
                "cart",
                T0 + timedelta(minutes=2),
                "CartErrors",
                "alerts/am.json",
                "/alerts/0",
                end=T0 + timedelta(minutes=20),
            ),
            TimelineEvent(
                "a1",
                "metric_anomaly",
                "errors",
                "cart",
                T0,
                "errors up",
                "metrics/m.csv",
                "line 12",
            ),
            TimelineEvent(
                "l1",
                "log_burst",
                "",
                "cart",
                T0 + timedelta(minutes=1),
                "burst",
                "logs/app.jsonl",
                "line 99",
            ),
        ],
        nodes=nodes,
        edges=edges,
        path=["frontend", "checkout", "cart"],
    )


def test_the_chart_marks_every_event_with_its_source_and_escapes_text() -> None:
    svg = str(timeline_svg(timeline()))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<v2>" not in svg and "deploy &lt;v2&gt;" in svg
    assert "Checkout <slow>" not in svg
    focusable = re.findall(r'<g class="mark" tabindex="0"[^>]*aria-label="([^"]*)"', svg)
    assert len(focusable) == 4  # once each, on the first panel
    assert any("deployments.jsonl, line 7" in a for a in focusable)
    assert any("until 2026-03-01T12:20:00Z" in a for a in focusable)  # the alert's band end
    assert svg.count("<polyline") == 2 and svg.count('class="alert-band"') == 1
    assert "metrics/m.csv, line 12" in svg and "f.parquet#series=0, lines 2-40" in svg


def test_the_chart_without_series_says_so() -> None:
    t = timeline()
    t.series = []
    assert "no stored series for these services" in str(timeline_svg(t))


def test_the_subgraph_highlights_the_blamed_path() -> None:
    svg = str(subgraph_svg(timeline()))
    assert svg.count('class="edge path"') == 2
    assert re.search(r'<g class="node anomalous blamed on-path"[^>]*data-name="cart"', svg)
    assert re.search(r'<g class="node symptom on-path"[^>]*data-name="frontend"', svg)
    assert "blamed path frontend → checkout → cart" in svg


def test_stored_series_are_read_per_service_within_the_window(tmp_path: Path) -> None:
    path = raw_path(tmp_path, "default", "metrics", "metrics/latency.csv")
    path.parent.mkdir(parents=True)
    ns = [int((T0 + timedelta(minutes=m)).timestamp() * 1e9) for m in range(10)]
    write_table(
        path,
        {
            "series": [0] * 10 + [1] * 10,
            "line": list(range(2, 22)),
            "ts": ns + ns,
            "service": ["frontend"] * 10 + ["cart"] * 10,
            "metric": ["latency_ms"] * 20,
            "labels": [""] * 20,
            "value": [float(i) for i in range(20)],
        },
        METRIC_SCHEMA,
    )
    found = read_metric_series(
        tmp_path, "default", {"cart"}, T0 + timedelta(minutes=2), T0 + timedelta(minutes=5)
    )
    assert [(s.service, s.values, s.lines) for s in found] == [
        ("cart", (12.0, 13.0, 14.0, 15.0), (14, 17))
    ]
    assert found[0].times[0] == T0 + timedelta(minutes=2)
    assert found[0].ref.endswith("#series=1")
    thin = read_metric_series(
        tmp_path, "default", {"frontend"}, T0, T0 + timedelta(hours=1), max_points=3
    )
    assert len(thin[0].values) <= 3
    assert read_metric_series(tmp_path, "other", {"cart"}, T0, T0) == []
    assert pa.types.is_timestamp(METRIC_SCHEMA.field("ts").type)


def test_a_series_kept_in_two_files_is_read_from_the_newest(tmp_path: Path) -> None:
    ns = [int((T0 + timedelta(minutes=m)).timestamp() * 1e9) for m in range(3)]
    paths = []
    for n, source in enumerate(("metrics_old.csv", "metrics/new.csv")):
        path = raw_path(tmp_path, "default", "metrics", source)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_table(
            path,
            {
                "series": [0] * 3,
                "line": [2, 3, 4],
                "ts": ns,
                "service": ["cart"] * 3,
                "metric": ["latency_ms"] * 3,
                "labels": [""] * 3,
                "value": [float(n)] * 3,
            },
            METRIC_SCHEMA,
        )
        paths.append(path)
    os.utime(paths[0], (1_000_000, 1_000_000))  # the old naming's file, left behind
    found = read_metric_series(tmp_path, "default", {"cart"}, T0, T0 + timedelta(minutes=5))
    assert len(found) == 1 and found[0].values == (1.0, 1.0, 1.0)
    assert found[0].ref.startswith(paths[1].relative_to(tmp_path).as_posix())
