"""OTLP files in a bundle, loaded into the real Neo4j: ``.json`` documents, refused ``.jsonl``
files that say what they should be, OTLP metrics files, and the report's notes (unresolved
parents, unknown_service) in ``load-report.json`` and the printed table."""

from __future__ import annotations

import json
from pathlib import Path

from rcagraph.cli.common import console
from rcagraph.cli.load_cmd import print_report
from rcagraph.core import RcaGraph
from rcagraph.graph import Query
from tests.unit.loaders_signals import otlp_samples as s

_ANOMALIES = Query(
    "tests.otlp_files.anomalies",
    "MATCH (a:Anomaly)-[:OBSERVED_ON]->(c:Component) WHERE a.scope = $scope "
    "RETURN a.metric AS metric, c.name AS service, a.source AS source ORDER BY metric",
)
_TEMPLATES = Query(
    "tests.otlp_files.templates",
    "MATCH (t:LogTemplate)-[:TEMPLATE_OF]->(c:Component) WHERE t.scope = $scope "
    "RETURN c.name AS service, t.count AS count, t.source AS source, t.source_ref AS ref",
)

SCOPE = "bundle:INC-O1"


def _bundle(root: Path) -> Path:
    b = root / "b"
    for d in ("logs", "traces", "metrics"):
        (b / d).mkdir(parents=True)
    (b / "incident.json").write_text(
        json.dumps(
            {
                "id": "INC-O1",
                "title": "cart errors",
                "severity": "SEV2",
                "started_at": "2026-03-01T12:30:00Z",
                "symptoms": [{"service": "cartservice", "signal": "errors"}],
            }
        )
    )
    bodies = [(0, 9, "GET /cart 200"), (1, 17, "redis timeout")]
    (b / "logs" / "app.json").write_text(json.dumps(s.log_json(None, bodies), indent=2))
    (b / "logs" / "pretty.jsonl").write_text(
        json.dumps(s.log_json("cartservice", bodies), indent=2)
    )
    resources = s.two_service_traces(2)
    orphan = s.span_json(s.TRACE, s.CHILD, "00000000000000aa", 0, 5)
    traces = s.trace_json([*resources, ("cartservice", [orphan])])
    traces["resourceSpans"].append(["not", "a", "resource"])
    (b / "traces" / "t.json").write_text(json.dumps(traces, indent=2))
    request = s.metrics_json("cartservice", 40, 28)
    (b / "metrics" / "cart.otlp.json").write_text(json.dumps(request, indent=2))
    # the collector's file exporter: one request a line, one point per series each
    lines = []
    gauge = request["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]
    for point in gauge["gauge"]["dataPoints"]:
        one = json.loads(json.dumps(request))
        metric = dict(gauge, name="frontend.queue.length", gauge={"dataPoints": [point]})
        one["resourceMetrics"][0]["resource"]["attributes"] = [s.kv("service.name", "frontend")]
        one["resourceMetrics"][0]["scopeMetrics"][0]["metrics"] = [metric]
        lines.append(json.dumps(one))
    (b / "metrics" / "frontend.otlp.jsonl").write_text("\n".join(lines) + "\n")
    return b


def test_otlp_bundle_files_notes_and_refusals(rca: RcaGraph, tmp_path: Path) -> None:
    bundle = _bundle(tmp_path)
    report = rca.load_bundle(bundle, scope=SCOPE, report_dir=tmp_path / "r", progress=False)
    assert report.unknown_files == []  # every .json document was claimed
    # two rejections only: the .otlp.json metrics file is not read as a Prometheus answer
    assert sorted(r.file for r in report.rejections) == ["logs/pretty.jsonl", "traces/t.json"]
    kinds = report.kinds
    assert kinds["traces"].notes == {"unresolved_parents": 1}
    assert kinds["logs"].notes == {"unknown_service": 2}
    # the pretty-printed .jsonl file: one rejection that says what the file must look like
    pretty = [r for r in report.rejections if r.file == "logs/pretty.jsonl"]
    assert len(pretty) == 1 and "logs/pretty.json" in pretty[0].reason and pretty[0].raw
    # a resource that is not an object keeps its raw text in quarantine
    quarantine = [
        json.loads(x) for x in (tmp_path / "r" / "quarantine.jsonl").read_text().splitlines()
    ]
    (resource,) = [q for q in quarantine if q["file"] == "traces/t.json"]
    assert resource["pointer"] == "/resourceSpans/3" and resource["raw"] == '["not","a","resource"]'
    saved = json.loads((tmp_path / "r" / "load-report.json").read_text())
    assert saved["kinds"]["traces"]["notes"] == {"unresolved_parents": 1}

    templates = rca.graph.read(_TEMPLATES, scope=SCOPE)
    assert {t["service"] for t in templates} == {"unknown_service"}
    assert {t["ref"] for t in templates} == {"record 1", "record 2"}
    anomalies = rca.graph.read(_ANOMALIES, scope=SCOPE)
    by_metric = {(a["metric"], a["service"]) for a in anomalies}
    assert ("http.server.request.duration.p95", "cartservice") in by_metric
    assert ("http.server.errors.rate", "cartservice") in by_metric
    # a series continued over the lines of a file is one series
    assert ("frontend.queue.length", "frontend") in by_metric

    with console.capture() as out:
        print_report(report)
    table = out.get()
    assert "notes" in table and "unresolved_parents 1" in table and "unknown_service 2" in table

    again = rca.load_bundle(bundle, scope=SCOPE, report_dir=tmp_path / "r2", progress=False)
    assert rca.graph.read(_TEMPLATES, scope=SCOPE) == templates
    assert rca.graph.read(_ANOMALIES, scope=SCOPE) == anomalies
    assert again.kinds["traces"].notes == report.kinds["traces"].notes
