"""The PetShop dataset converts to 68 bundles, and a converted bundle loads cleanly."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from bench.datasets.petshop import convert, retime_before

from rcagraph.core import RcaGraph
from rcagraph.engine.extract import extract_view
from rcagraph.graph import Query
from rcagraph.ids import bundle_scope

SOURCE = Path(__file__).resolve().parents[3].parent / "shared" / "datasets" / "petshop" / "dataset"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def source() -> Path:
    if not SOURCE.is_dir():
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"the PetShop dataset is missing in CI: {SOURCE}")
        pytest.skip(f"no PetShop dataset at {SOURCE}")
    return SOURCE


def test_all_68_issues_convert(source: Path, tmp_path: Path) -> None:
    bundles = convert(source, tmp_path / "out", baseline_rows=0)
    assert len(bundles) == 68
    kinds: dict[str, int] = {}
    for b in bundles:
        truth = json.loads((b / "truth.json").read_text())["root_cause"]
        kinds[truth["kind"]] = kinds.get(truth["kind"], 0) + 1
        if truth["change_id"] is None:
            assert not (b / "changes.jsonl").exists()
        else:
            change = json.loads((b / "changes.jsonl").read_text())
            assert change["id"] == truth["change_id"] and change["kind"] == truth["kind"]
            incident = json.loads((b / "incident.json").read_text())
            assert change["at"] <= incident["started_at"]
    assert set(kinds) == {"config", "deploy", "service"}
    assert sum(kinds.values()) == 68
    assert "CC-BY-4.0" in (tmp_path / "out" / "README.md").read_text()


def test_a_converted_bundle_loads(source: Path, rca: RcaGraph, tmp_path: Path) -> None:
    bundles = convert(source, tmp_path / "out", baseline_rows=6, limit=1)
    bundle = bundles[0]
    incident = json.loads((bundle / "incident.json").read_text())
    truth = json.loads((bundle / "truth.json").read_text())["root_cause"]
    scope = bundle_scope(incident["id"])
    report = rca.load_bundle(bundle, scope=scope, report_dir=tmp_path / "r", progress=False)
    assert report.rejections == [] and report.unknown_files == []
    assert report.kinds["edge"].loaded > 40
    found = rca.graph.read(
        Query(
            "t.petshop_change",
            "MATCH (c:Change {scope: $scope, change_id: $id})-[:CHANGED]->(s:Component) "
            "RETURN s.name AS service",
        ),
        scope=scope,
        id=truth["change_id"],
    )
    assert found == [{"service": truth["service"]}]
    # X-Ray's inferred nodes are marked as seen only through their callers, and the engine's
    # view carries the mark
    marked = rca.graph.read(
        Query(
            "t.petshop_instrumented",
            "MATCH (c:Component {scope: $scope}) "
            "RETURN c.name AS name, c.instrumented AS instrumented ORDER BY name",
        ),
        scope=scope,
    )
    flags = {r["name"]: r["instrumented"] for r in marked}
    assert flags["servi-searc.us-west-2.elb.amazonaws.com_remote"] is False
    assert flags["petInfo_AWS::DynamoDB::Table"] is False
    assert flags["PetSearch_AWS::ECS::Fargate"] is None
    assert report.kinds["catalog"].loaded == sum(v is False for v in flags.values()) > 10
    view = extract_view(rca.graph, incident["id"], scope)
    assert view.components["servi-searc.us-west-2.elb.amazonaws.com_remote"].instrumented is False
    assert view.components["PetSearch_AWS::ECS::Fargate"].instrumented is None


def test_normal_operation_rows_move_back_by_whole_days_before_the_issue() -> None:
    day = 86400.0
    issue_start = 1_681_855_320.0  # 2023-04-18 22:02 UTC
    later = [  # recorded months later, 5-min steps
        ("1692784500.0", "a", "latency", "1"),
        ("1692784800.0", "a", "latency", "2"),
        ("1692784800.0", "b", "requests", "3"),
    ]
    moved = retime_before(later, issue_start)
    times = [float(r[0]) for r in moved]
    assert max(times) < issue_start
    assert issue_start - max(times) < day  # the latest day on which they end before it
    assert all((float(a[0]) - float(b[0])) % day == 0 for a, b in zip(later, moved, strict=True))
    assert [r[1:] for r in moved] == [r[1:] for r in later]  # values and series unchanged
    assert times[1] - times[0] == 300.0
    earlier = [("1681800000.0", "a", "latency", "1")]
    assert retime_before(earlier, issue_start) == earlier  # already before: kept
    assert retime_before([], issue_start) == []
