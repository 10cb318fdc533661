"""The PetShop dataset converts to 68 bundles, and a converted bundle loads cleanly."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from bench.datasets.petshop import convert

from rcagraph.core import RcaGraph
from rcagraph.graph import Query
from rcagraph.ids import bundle_scope
from rcagraph.loaders.bundle import load_bundle

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
    report = load_bundle(rca, bundle, scope=scope, report_dir=tmp_path / "r", progress=False)
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
