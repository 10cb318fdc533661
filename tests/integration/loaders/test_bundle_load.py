"""Loading incident bundles end to end into a real Neo4j: the example bundle, idempotency,
bad records, the ``rcagraph load`` command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rcagraph.core import RcaGraph
from rcagraph.errors import BundleError
from rcagraph.graph import Query
from rcagraph.ids import bundle_scope

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "bundles" / "checkout-latency"
SCOPE = bundle_scope("INC-1042")

NODES = Query(
    "t.nodes",
    "MATCH (n) WHERE n.scope = $scope AND NOT n:Load "
    "RETURN n.uid AS uid, labels(n) AS labels, properties(n) AS props ORDER BY uid",
)
RELS = Query(
    "t.rels",
    "MATCH (a)-[r]->(b) WHERE a.scope = $scope AND NOT b:Load "
    "RETURN a.uid AS a, type(r) AS type, b.uid AS b, properties(r) AS props "
    "ORDER BY a, type, b",
)
ONE = Query("t.one", "MATCH (n {uid: $uid}) RETURN properties(n) AS p")
CHANGES = Query(
    "t.changes",
    "MATCH (c:Change {scope: $scope}) RETURN c.change_id AS id, labels(c) AS labels, "
    "c.kind AS kind, c.version AS version, c.rollback AS rollback, "
    "c.first_deploy_of_version AS first, c.rollout_share AS share, c.before AS before, "
    "c.after AS after, c.service AS service, c.flag_key AS flag ORDER BY c.at",
)
PATHS = Query(
    "t.paths",
    "MATCH (a:Component {scope: $scope})-[r:DEPENDS_ON|CALLS|OWNS|PART_OF|USES_FLAG|CHANGED"
    "|TOGGLED|OBSERVED_ON|HAS_SYMPTOM|FROM_LOAD]-(b) "
    "RETURN type(r) AS type, count(*) AS n ORDER BY type",
)
PROVENANCE_MISSING = Query(
    "t.provenance_missing",
    "MATCH (n) WHERE n.scope = $scope AND (n:Component OR n:Team OR n:System OR n:API "
    "OR n:Change OR n:Flag OR n:Alert OR n:Incident OR n:Load) AND (n.source IS NULL OR "
    "n.source_ref IS NULL OR n.ingested_at IS NULL OR n.loader_version IS NULL) "
    "RETURN n.uid AS uid",
)
REL_PROVENANCE_MISSING = Query(
    "t.rel_provenance_missing",
    "MATCH (a {scope: $scope})-[r:DEPENDS_ON|CALLS|OWNS|PART_OF|USES_FLAG|CHANGED|TOGGLED"
    "|OBSERVED_ON|HAS_SYMPTOM|FROM_LOAD|PROVIDES_API|CONSUMES_API]->() "
    "WHERE r.source IS NULL OR r.ingested_at IS NULL OR r.loader_version IS NULL "
    "RETURN a.uid AS a, type(r) AS t",
)


def snapshot(rca: RcaGraph, scope: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    def norm(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                k: (sorted(v) if k == "labels" else {pk: str(pv) for pk, pv in v.items()})
                if k in ("labels", "props")
                else v
                for k, v in r.items()
            }
            for r in rows
        ]

    rels = sorted(
        norm(rca.graph.read(RELS, scope=scope)), key=lambda r: json.dumps(r, sort_keys=True)
    )
    return norm(rca.graph.read(NODES, scope=scope)), rels


def test_example_bundle_loads_every_contract_file(rca: RcaGraph, tmp_path: Path) -> None:
    report = rca.load_bundle(EXAMPLE, scope=SCOPE, report_dir=tmp_path / "r", progress=False)
    assert report.unknown_files == []
    mine = {"catalog", "edge", "incident", "deployment", "flag_change", "change", "alert"}
    assert [r.message() for r in report.rejections if r.kind in mine] == []
    assert report.kinds["deployment"].read == 3 and report.kinds["deployment"].loaded == 3
    assert report.kinds["flag_change"].loaded == 2
    assert report.kinds["change"].loaded == 2
    assert report.kinds["edge"].read == 14 and report.kinds["edge"].loaded == 14
    assert report.kinds["alert"].read == 4 and report.kinds["alert"].loaded == 2
    assert report.kinds["catalog"].read == 24
    assert (tmp_path / "r" / "load-report.json").is_file()
    assert (tmp_path / "r" / "quarantine.jsonl").is_file()

    counts = rca.counts(SCOPE)
    nodes, rels = counts["nodes"], counts["relationships"]
    assert nodes["Incident"] == 1 and nodes["Load"] == 1
    assert nodes["Change"] == 7 and nodes["Deployment"] == 3 and nodes["FlagChange"] == 2
    assert nodes["ConfigChange"] == 1 and nodes["InfraChange"] == 1
    assert nodes["Alert"] == 2 and nodes["Team"] == 3 and nodes["System"] == 1
    assert nodes["API"] == 9 and nodes["Service"] == 10 and nodes["Resource"] == 1
    assert nodes["Flag"] == 2
    assert rels["HAS_SYMPTOM"] == 2 and rels["FROM_LOAD"] == 1 and rels["CALLS"] >= 14
    assert rels["TOGGLED"] == 2 and rels["OBSERVED_ON"] >= 2

    changes = {c["id"]: c for c in rca.graph.read(CHANGES, scope=SCOPE)}
    bad = changes["5f8e2c1a-7d43-4b0e-9a61-2c3d4e5f6a7b"]
    assert bad["service"] == "cartservice" and bad["version"] == "v1.4.2"
    assert bad["first"] is True and bad["rollback"] is False and bad["share"] == 1.0
    rollback = changes["9c8b7a6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"]
    assert rollback["rollback"] is True and rollback["first"] is False
    unleash = changes["4211"]
    assert unleash["share"] == 0.25 and unleash["service"] == "frontend"
    assert json.loads(unleash["before"])["parameters"]["rollout"] == "10"
    ld = changes["61f2a3b4c5d6e7f8a9b0c1d2"]
    assert ld["flag"] == "recommendation-ranking-v2" and ld["service"] == "recommendationservice"
    assert ld["share"] is None  # a rule serving one fixed variation: no rollout share
    assert json.loads(ld["before"])["rules"] == [] and json.loads(ld["after"])["rules"]
    assert "ConfigChange" in changes["chg-2026-03-01-002"]["labels"]

    # consumesApis joined to providesApis: frontend depends on cartservice via cart-api
    via = rca.graph.read(
        Query(
            "t.via",
            "MATCH (:Component {scope: $scope, name: 'frontend'})-[r:DEPENDS_ON]->"
            "(:Component {name: 'cartservice'}) RETURN r.via AS via",
        ),
        scope=SCOPE,
    )
    assert [r["via"] for r in via] == ["api:cart-api"]
    alert = rca.graph.read(
        Query(
            "t.alert",
            "MATCH (a:Alert:Event {scope: $scope, name: 'FrontendLatencyHigh'})-[:OBSERVED_ON]->"
            "(c:Component) RETURN a.status AS status, toString(a.ends_at) AS ends, c.name AS c",
        ),
        scope=SCOPE,
    )
    assert alert == [{"status": "resolved", "ends": "2026-03-01T12:48:00Z", "c": "frontend"}]
    cart = rca.graph.read_one(ONE, uid=f"{SCOPE}|Component|cartservice")
    assert cart is not None
    assert cart["p"]["source"] == "topology/catalog.yaml"
    assert cart["p"]["source_ref"].startswith("line ")
    assert cart["p"]["owner"] == "cart-team" and cart["p"]["kind"] == "service"
    assert rca.graph.read(PROVENANCE_MISSING, scope=SCOPE) == []
    assert rca.graph.read(REL_PROVENANCE_MISSING, scope=SCOPE) == []


def test_loading_twice_changes_nothing(rca: RcaGraph, tmp_path: Path) -> None:
    rca.load_bundle(EXAMPLE, scope=SCOPE, report_dir=tmp_path / "1", progress=False)
    first = snapshot(rca, SCOPE)
    counts = rca.counts(SCOPE)
    again = rca.load_bundle(EXAMPLE, scope=SCOPE, report_dir=tmp_path / "2", progress=False)
    assert snapshot(rca, SCOPE) == first
    assert rca.counts(SCOPE) == counts
    assert again.kinds["deployment"].loaded == 0 and again.kinds["deployment"].merged == 3
    assert again.kinds["alert"].loaded == 0


def test_scopes_are_isolated(rca: RcaGraph, tmp_path: Path) -> None:
    rca.load_bundle(EXAMPLE, scope="a", report_dir=tmp_path / "a", progress=False)
    rca.load_bundle(EXAMPLE, scope="b", report_dir=tmp_path / "b", progress=False)
    assert rca.counts("a") == rca.counts("b")


def _bad_bundle(root: Path) -> Path:
    bundle = root / "bad"
    (bundle / "alerts").mkdir(parents=True)
    shutil.copy(EXAMPLE / "incident.json", bundle / "incident.json")
    good = (EXAMPLE / "deployments.jsonl").read_text().splitlines()
    missing = json.loads(good[0])
    del missing["subject"]["content"]["artifactId"]
    zoneless = json.loads(good[2])
    zoneless["context"]["timestamp"] = "2026-03-01T12:40:31"
    lines = [
        good[0],
        '{"context": {"id": "x", "type": ',
        json.dumps(missing),
        good[1],
        json.dumps(zoneless),
    ]
    (bundle / "deployments.jsonl").write_text("\n".join(lines) + "\n")
    (bundle / "stray.txt").write_text("hello\n")
    alerts = json.loads((EXAMPLE / "alerts" / "alertmanager.json").read_text())
    del alerts[1]["alerts"][0]["startsAt"]
    (bundle / "alerts" / "am.json").write_text(json.dumps(alerts))
    return bundle


def test_bad_records_are_rejected_with_their_place(rca: RcaGraph, tmp_path: Path) -> None:
    bundle = _bad_bundle(tmp_path)
    report = rca.load_bundle(bundle, scope="bad", report_dir=tmp_path / "r", progress=False)
    assert report.unknown_files == ["stray.txt"]
    places = {(r.file, r.line, r.pointer, r.field) for r in report.rejections}
    assert places == {
        ("deployments.jsonl", 2, None, "$"),
        ("deployments.jsonl", 3, None, "subject.content.artifactId"),
        ("deployments.jsonl", 5, None, "context.timestamp"),
        ("alerts/am.json", None, "/1/alerts/0", "startsAt"),
    }
    zoneless = next(r for r in report.rejections if r.line == 5)
    assert "no zone" in zoneless.reason
    assert report.kinds["deployment"].loaded == 2 and report.kinds["deployment"].rejected == 3
    assert report.kinds["alert"].loaded == 2 and report.kinds["alert"].merged == 1
    quarantine = (tmp_path / "r" / "quarantine.jsonl").read_text().splitlines()
    assert len(quarantine) == 4
    assert "deployments.jsonl, line 3, field 'subject.content.artifactId'" in quarantine[1]
    nodes = rca.counts("bad")["nodes"]
    assert nodes["Deployment"] == 2


def test_a_bundle_without_incident_is_refused(rca: RcaGraph, tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    with pytest.raises(BundleError, match=r"incident\.json"):
        rca.load_bundle(tmp_path / "b", progress=False)
    (tmp_path / "b" / "incident.json").write_text(
        json.dumps({"id": "X", "severity": "SEV2", "started_at": "2026-03-01T12:00:00"})
    )
    with pytest.raises(BundleError) as info:
        rca.load_bundle(tmp_path / "b", progress=False)
    assert info.value.field == "started_at"


def test_cli_load_exit_codes(rca: RcaGraph, tmp_path: Path, neo4j_env: dict[str, str]) -> None:
    """The CLI, pointed at the test Neo4j and at ``tmp_path / "data"`` by ``neo4j_env``."""
    from rcagraph.cli.main import app

    runner = CliRunner()
    bundle = _bad_bundle(tmp_path)
    result = runner.invoke(app, ["load", str(bundle), "--bundle-scope", "--no-progress"])
    assert result.exit_code == 3, result.output
    assert "deployments.jsonl, line 5, field 'context.timestamp'" in result.output
    assert "quarantine" in result.output
    assert (tmp_path / "data" / "loads" / "bundle_INC-1042" / "quarantine.jsonl").is_file()
    ok = runner.invoke(app, ["load", str(bundle), "--scope", "s2", "--allow-rejected", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["rejected"] == 4
    clean = runner.invoke(app, ["load", str(EXAMPLE), "--scope", "s3", "--no-progress"])
    assert clean.exit_code == 0, clean.output
