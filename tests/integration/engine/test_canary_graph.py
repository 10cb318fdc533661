"""A rolling release with per-pod, per-version series: canary verdicts in the graph, and the
engine's canary features on the deploys."""

from __future__ import annotations

import json
from pathlib import Path

from rcagraph.core import RcaGraph
from rcagraph.engine.extract import extract_view
from rcagraph.engine.features import FeatureConfig, build_candidates
from rcagraph.graph import Query
from rcagraph.synthetic.incidents import plan_incident
from rcagraph.synthetic.incidents.bundle import write_bundle

VERDICTS = Query(
    "test.canary_verdicts",
    "MATCH (v:CanaryVerdict {scope: $scope})-[:OBSERVED_ON]->(c:Component) "
    "RETURN c.name AS service, v.new_version AS version, v.metric AS metric, "
    "v.verdict AS verdict",
)
OBSERVED = Query(
    "test.observed_releases",
    "MATCH (d:Change:Deployment {scope: $scope, observed: true})-[:CHANGED]->(c:Component) "
    "RETURN c.name AS service, d.version AS version, d.change_id AS change_id, "
    "d.action AS action ORDER BY service",
)
CANARY_ANOMALIES = Query(
    "test.canary_anomalies",
    "MATCH (a:Anomaly {scope: $scope, method: 'canary'}) RETURN a.service AS service, "
    "a.labels AS labels, a.summary AS summary",
)


def test_concurrent_release_gives_canary_evidence(rca: RcaGraph, tmp_path: Path) -> None:
    index = next(
        i
        for i in range(40)
        if plan_incident("online-boutique", 3, i).variant == "deploy-concurrent"
    )
    plan = plan_incident("online-boutique", 3, index)
    bundle = write_bundle(plan, tmp_path / "b", 3, index)
    truth = json.loads((bundle / "truth.json").read_text())["root_cause"]
    loaded = rca.load_labelled_bundle(bundle, fresh=True)
    releases = {r.service: r for r in plan.releases}
    root = releases[truth["service"]]
    rows = rca.graph.read(VERDICTS, scope=loaded.scope)
    assert {r["service"] for r in rows} == set(releases)
    mine = {r["metric"]: r["verdict"] for r in rows if r["service"] == root.service}
    assert mine["request_rate"] == "same"
    assert "degraded" in (mine["latency_p95_ms"], mine["error_ratio"])
    anomalies = rca.graph.read(CANARY_ANOMALIES, scope=loaded.scope)
    assert anomalies and all(a["service"] == root.service for a in anomalies)
    assert all(f"version={root.new_version}" in a["labels"] for a in anomalies)

    # every release is also seen in the metrics; the deploy records stand for them in the view
    observed = rca.graph.read(OBSERVED, scope=loaded.scope)
    assert {(o["service"], o["action"]) for o in observed} == {(s, "observed") for s in releases}
    assert rca.graph.read(OBSERVED, scope=loaded.scope) == observed  # written once per release

    view = extract_view(rca.graph, loaded.incident_id, loaded.scope)
    assert not any(c.observed for c in view.changes)
    assert {v.service for v in view.canary} == set(releases)
    cands = build_candidates(view, FeatureConfig())
    by_change = {c.change.change_id: c.features for c in cands if c.change is not None}
    culprit = by_change[truth["change_id"]]
    assert culprit["canary_degraded"] > 0.5 and culprit["canary_same"] == 0.0
    benign = [
        by_change[c.change_id]
        for c in plan.changes
        if c.service in releases and c.service != root.service and c.change_id in by_change
    ]
    assert benign and all(f.get("canary_degraded", 0.0) == 0.0 for f in benign)


def test_releases_seen_only_in_versioned_metrics_are_change_candidates(
    rca: RcaGraph, tmp_path: Path
) -> None:
    # the same concurrent release without its deploy records: the versioned series alone say
    # which releases happened, and the canary verdicts which one degraded
    index = next(
        i
        for i in range(40)
        if plan_incident("online-boutique", 3, i).variant == "deploy-concurrent"
    )
    plan = plan_incident("online-boutique", 3, index)
    bundle = write_bundle(plan, tmp_path / "b", 3, index)
    (bundle / "deployments.jsonl").unlink()
    truth = json.loads((bundle / "truth.json").read_text())["root_cause"]
    loaded = rca.load_labelled_bundle(bundle, fresh=True)
    releases = {r.service: r for r in plan.releases}
    view = extract_view(rca.graph, loaded.incident_id, loaded.scope)
    observed = {c.services[0]: c for c in view.changes if c.observed}
    assert set(observed) == set(releases)
    root = observed[truth["service"]]
    assert root.change_id == f"observed:{truth['service']}@{releases[truth['service']].new_version}"
    ranking = rca.rank(loaded.incident_id, loaded.scope)
    top = ranking.candidates[0]
    assert (top.kind, top.service, top.change_id) == ("deploy", truth["service"], root.change_id)
    assert any(e.kind == "canary" for e in top.evidence)
