"""A Nezha-shaped directory made here converts to bundles that load into Neo4j cleanly, and the
real Online Boutique data (where present on this machine) does too."""

from __future__ import annotations

import csv
import json
import math
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bench.datasets import nezha
from typer.testing import CliRunner

from rcagraph.core import RcaGraph
from rcagraph.engine.extract import extract_view
from rcagraph.engine.scorer import DefaultScorer
from rcagraph.graph import Query
from rcagraph.ids import bundle_scope

REAL = Path(os.environ.get("RCAGRAPH_NEZHA_OB", "/work/data/nezha-ob"))
DATE = "2022-08-22"
DAY = datetime(2022, 8, 22, tzinfo=UTC).timestamp()
START = DAY + 3 * 3600 + 51 * 60 + 19  # 03:51:19, as in the data
FAULTS = [  # (seconds into the day, pod, type)
    (4 * 3600 + 30 * 60 + 5, "cartservice-579f59597d-wc2lz", "cpu_contention"),
    (4 * 3600 + 39 * 60 + 40, "productcatalogservice-668d5f85fb-wckp8", "exception"),
]
PODS = {
    "frontend-579b9bff58-t2dbm": "33.33.33.167",
    "cartservice-579f59597d-wc2lz": "33.33.33.80",
    "productcatalogservice-668d5f85fb-wckp8": "33.33.33.115",
}
CALLS = [("frontend", "cartservice"), ("frontend", "productcatalogservice")]

ANOMALIES = Query(
    "t.nezha_anomalies",
    "MATCH (a:Anomaly {scope: $scope})-[:OBSERVED_ON]->(c:Component) "
    "RETURN c.name AS service, a.metric AS metric",
)
EDGES = Query(
    "t.nezha_edges",
    "MATCH (a:Component {scope: $scope})-[r:CALLS]->(b:Component) "
    "RETURN a.name AS caller, b.name AS callee, r.calls AS calls",
)


def go_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%d %H:%M:%S") + (
        ".589328775 +0000 UTC m=+60.095282755"
    )


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def fault_at(pod: str, t: float) -> str | None:
    for sec, p, kind in FAULTS:
        if p == pod and DAY + sec <= t < DAY + sec + 180:
            return kind
    return None


def make_nezha(root: Path) -> Path:
    """A tiny copy of the dataset's layout: one date, three pods, two faults, 70 minutes."""
    day = root / "rca_data" / DATE
    faults: dict[str, list[dict[str, str]]] = {}
    for sec, pod, kind in FAULTS:
        at = DAY + sec
        faults.setdefault(f"{sec // 3600:02d}", []).append(
            {
                "inject_time": datetime.fromtimestamp(at, tz=UTC).strftime("%Y-%m-%d %H:%M:%S"),
                "inject_timestamp": str(int(at)),
                "inject_pod": pod,
                "inject_type": kind,
            }
        )
    day.mkdir(parents=True)
    (day / f"{DATE}-fault_list.json").write_text(json.dumps(faults, indent=4))
    times = [START + 60 * i for i in range(70)]
    header = [
        "Time",
        "TimeStamp",
        "PodName",
        "CpuUsage(m)",
        "CpuUsageRate(%)",
        "MemoryUsageRate(%)",
        "PodServerLatencyP90(s)",
        "PodWorkload(Ops)",
        "PodSuccessRate(%)",
        "NodeCpuUsageRate(%)",
    ]
    for k, (pod, _node) in enumerate(PODS.items()):
        rows: list[list[object]] = []
        for i, t in enumerate(times):
            wobble = math.sin(i * 1.7 + k)
            busy = fault_at(pod, t) == "cpu_contention"
            cpu = 95.0 if busy else 20.0 + wobble
            lat = 2.0 if busy else 0.01 + 0.001 * wobble
            rows.append(
                [
                    go_time(t),
                    int(t),
                    pod,
                    cpu / 5,
                    cpu,
                    30.0,
                    lat,
                    8 + wobble,
                    0,
                    10.0 + (8 if busy else 0) + wobble,
                ]
            )
        write_csv(day / "metric" / f"{pod}_metric.csv", header, rows)
    front = []
    for i, t in enumerate(times):
        slow = fault_at("cartservice-579f59597d-wc2lz", t) is not None
        erring = fault_at("productcatalogservice-668d5f85fb-wckp8", t) is not None
        front.append(
            [
                go_time(t),
                int(t),
                "Frontend",
                60.0 if erring else 100.0,
                0.2,
                1.5 if slow else 0.5 + 0.01 * math.sin(i),
                0.7,
                0.9,
            ]
        )
    write_csv(
        day / "metric" / "front_service.csv",
        [
            "Time",
            "TimeStamp",
            "ServiceName",
            "SuccessRate(%)",
            "LatencyP50(s)",
            "LatencyP90(s)",
            "LatencyP95(s)",
            "LatencyP99(s)",
        ],
        front,
    )
    for side in ("source", "destination"):
        write_csv(
            day / "metric" / f"{side}_50.csv",
            ["time", "timestamp", *(f"{a}_{b}" for a, b in CALLS)],
            [[go_time(t), int(t), 0.004, 0.003] for t in times],
        )
    deps = [[a, b, 1] for a, b in CALLS] + [[p.rsplit("-", 2)[0], ip, 1] for p, ip in PODS.items()]
    write_csv(day / "metric" / "dependency.csv", ["Source", "Target", "Weight"], deps)
    # traces: the minute before and two after the first injection; the second's are absent
    first = DAY + FAULTS[0][0]
    span_rows: dict[str, list[list[object]]] = {}
    for n in range(40):
        t0 = int((first - 90 + n * 6) * 1e9)
        minute = datetime.fromtimestamp(t0 / 1e9 + 41, tz=UTC).strftime("%H_%M")
        tid = f"{n:032x}"
        rows = span_rows.setdefault(minute, [])
        top, call, srv = f"{n:08x}a0000000", f"{n:08x}b0000000", f"{n:08x}c0000000"
        callee_pod = list(PODS)[1 + n % 2]
        rows += [
            [
                tid,
                top,
                "root",
                "frontend-579b9bff58-t2dbm",
                "hipstershop.Frontend/Recv.",
                t0,
                t0 + 9_000_000,
                9000,
            ],
            [
                tid,
                call,
                top,
                "frontend-579b9bff58-t2dbm",
                "hipstershop.CartService/GetCart",
                t0 + 1_000_000,
                t0 + 8_000_000,
                7000,
            ],
            [
                tid,
                srv,
                call,
                callee_pod,
                "hipstershop.CartService/GetCart",
                t0 + 2_000_000,
                t0 + 7_000_000,
                5000,
            ],
        ]
    for minute, rows in span_rows.items():
        write_csv(
            day / "trace" / f"{minute}_trace.csv",
            [
                "TraceID",
                "SpanID",
                "ParentID",
                "PodName",
                "OperationName",
                "StartTimeUnixNano",
                "EndTimeUnixNano",
                "Duration",
            ],
            rows,
        )
    second = DAY + FAULTS[1][0]
    logs = []
    for n in range(30):
        ns = int((second + n * 3) * 1e9)
        app = json.dumps(
            {
                "severity": "error" if n % 3 else "info",
                "message": f"TraceID: {n:032x} SpanID: {n:016x} query product {n}",
            }
        )
        logs.append(
            [
                f"{datetime.fromtimestamp(ns / 1e9, tz=UTC).isoformat()}",
                ns,
                "33.33.33.115",
                "productcatalogservice-668d5f85fb-wckp8",
                "server",
                f"{n:032x}",
                f"{n:016x}",
                json.dumps({"log": app + "\n", "stream": "stdout"}),
            ]
        )
    minute = datetime.fromtimestamp(second + 41, tz=UTC).strftime("%H_%M")
    write_csv(
        day / "log" / f"{minute}_log.csv",
        ["Timestamp", "TimeUnixNano", "Node", "PodName", "Container", "TraceID", "SpanID", "Log"],
        logs,
    )
    absent = datetime.fromtimestamp(second, tz=UTC).strftime("%H_%M")
    (root / "ABSENT_IN_SNAPSHOT.txt").write_text(f"rca_data/{DATE}/trace/{absent}_trace.csv\n")
    labels = {"cartservice": {"cpu_contention": "CpuUsageRate(%)"}}
    (root / "construct_data").mkdir()
    (root / "construct_data" / "root_cause_hipster.json").write_text(json.dumps(labels))
    (root / "LICENSE").write_text("MIT License\n\nCopyright (c) 2023 IntelligentDDS\n")
    return root


def test_a_nezha_shaped_directory_converts_to_one_bundle_per_fault(tmp_path: Path) -> None:
    src = make_nezha(tmp_path / "nezha")
    out = tmp_path / "out"
    assert nezha.main([str(src), str(out)]) == 0
    bundles = sorted(p for p in out.iterdir() if p.is_dir())
    assert [b.name for b in bundles] == ["nezha-ob-2022-08-22-0430", "nezha-ob-2022-08-22-0439"]
    first, second = bundles
    truth = json.loads((first / "truth.json").read_text())
    assert truth["root_cause"] == {"kind": "service", "service": "cartservice", "change_id": None}
    assert truth["fault"] == "cpu_contention"
    assert truth["nezha"]["inner_label"] == "CpuUsageRate(%)"
    incident = json.loads((first / "incident.json").read_text())
    assert incident["symptoms"] == [
        {"service": "frontend", "signal": "latency", "metric": "http_latency_p90_seconds"}
    ]
    assert "cart" not in json.dumps(incident)  # nothing in the incident points at the root
    assert incident["started_at"] == "2022-08-22T04:30:05.000Z"
    second_incident = json.loads((second / "incident.json").read_text())
    assert second_incident["symptoms"][0]["signal"] == "errors"
    report = json.loads((out / "conversion.json").read_text())
    assert report["converted"] == 2 and report["skipped"] == []
    one, two = report["cases"]
    assert one["window"][1] == "2022-08-22T04:39:40.000Z"  # ends at the next injection
    assert one["spans_written"] == 120 and one["log_lines"] == 0
    assert two["log_lines"] == 30 and two["spans_written"] == 0
    assert two["trace_files_absent"] and two["trace_files"] == []
    pods = list(csv.DictReader((first / "metrics" / "pods.csv").read_text().splitlines()))
    assert {r["metric"] for r in pods} >= {"cpu_usage_rate_percent", "requests_per_second"}
    assert "pod_success_rate_percent" not in {r["metric"] for r in pods}  # 0 everywhere
    assert all(r["labels"].startswith("pod=") for r in pods)
    stamps = [r["timestamp"] for r in pods]
    assert min(stamps) >= "2022-08-22T03:51" and max(stamps) < "2022-08-22T04:39:40"
    edges = list(csv.reader((first / "topology" / "edges.csv").read_text().splitlines()))
    assert ["cartservice", "node-33.33.33.80"] in edges and ["frontend", "cartservice"] in edges
    assert "IntelligentDDS" in (first / "README.md").read_text()


def test_converted_bundles_load_without_a_rejection(rca: RcaGraph, tmp_path: Path) -> None:
    bundles = nezha.convert(make_nezha(tmp_path / "nezha"), tmp_path / "out")
    for bundle in bundles:
        incident = json.loads((bundle / "incident.json").read_text())
        scope = bundle_scope(incident["id"])
        report = rca.load_bundle(bundle, scope=scope, report_dir=tmp_path / "r", progress=False)
        assert report.rejections == [] and report.unknown_files == []
    scope = bundle_scope(json.loads((bundles[0] / "incident.json").read_text())["id"])
    edges = {(r["caller"], r["callee"]): r["calls"] for r in rca.graph.read(EDGES, scope=scope)}
    assert edges[("frontend", "cartservice")] == 20  # from the traces
    assert ("cartservice", "node-33.33.33.80") in edges  # from dependency.csv
    found = {(r["service"], r["metric"]) for r in rca.graph.read(ANOMALIES, scope=scope)}
    assert ("cartservice", "cpu_usage_rate_percent") in found
    view = extract_view(
        rca.graph, json.loads((bundles[0] / "incident.json").read_text())["id"], scope
    )
    ranking = DefaultScorer().rank(view)
    assert "cartservice" in {c.service for c in ranking.candidates}


def test_rcagraph_load_reads_a_converted_bundle(
    rca: RcaGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rcagraph.cli.main import app

    settings = rca.settings
    monkeypatch.setenv("RCAGRAPH_SERVER_NAME", settings.server_name)
    monkeypatch.setenv("RCAGRAPH_NEO4J_URI", settings.neo4j_uri)
    monkeypatch.setenv("RCAGRAPH_NEO4J_USER", settings.neo4j_user)
    monkeypatch.setenv("RCAGRAPH_NEO4J_PASSWORD", settings.neo4j_password.get_secret_value())
    monkeypatch.setenv("RCAGRAPH_HOME", str(settings.home))
    monkeypatch.setenv("RCAGRAPH_DATA_DIR", str(tmp_path / "data"))
    bundle = nezha.convert(make_nezha(tmp_path / "nezha"), tmp_path / "out", limit=1)[0]
    result = CliRunner().invoke(app, ["load", str(bundle), "--bundle-scope", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rejected"] == 0


@pytest.fixture
def real_nezha() -> Path:
    """The extracted Nezha data on this machine (never needed in CI: skipped when absent)."""
    if not (REAL / "rca_data" / "2022-08-22").is_dir():
        pytest.skip(f"no Nezha Online Boutique data at {REAL} (set RCAGRAPH_NEZHA_OB)")
    return REAL


@pytest.mark.slow
def test_the_real_online_boutique_cases_load_without_a_rejection(
    real_nezha: Path, rca: RcaGraph, tmp_path: Path
) -> None:
    bundles = nezha.convert(real_nezha, tmp_path / "out", limit=2, trace_sample=0.1)
    assert [b.name for b in bundles] == ["nezha-ob-2022-08-22-0353", "nezha-ob-2022-08-22-0402"]
    bundle = bundles[1]
    incident = json.loads((bundle / "incident.json").read_text())
    report = rca.load_bundle(
        bundle, scope=bundle_scope(incident["id"]), report_dir=tmp_path / "r", progress=False
    )
    assert report.rejections == [] and report.unknown_files == []
    assert report.kinds["metrics"].loaded > 0
