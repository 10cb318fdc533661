"""``rcagraph load`` on a bundle with hostile files (issue 13 items 2 and 7): JSON too deep
or with a 5,000-digit integer, timestamps that overflow, huge epoch numbers, lines over the
line limit. Each is a rejection naming file, line and field; no traceback; the rest loads."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from rcagraph.cli.main import app
from rcagraph.core import RcaGraph
from rcagraph.graph import Query
from rcagraph.loaders.limits import MAX_LINE_BYTES
from tests.integration.loaders.test_bundle_load import EXAMPLE

COUNT = Query(
    "t.hostile_count", "MATCH (n {scope: $scope}) WHERE $label IN labels(n) RETURN count(n)"
)
DEEP = "[" * 100_000 + "]" * 100_000
BIG_INT = '{"n": ' + "9" * 5000 + "}"


def _hostile_bundle(root: Path) -> Path:
    bundle = root / "hostile"
    shutil.copytree(EXAMPLE, bundle)
    deployments = bundle / "deployments.jsonl"
    good = deployments.read_text().splitlines()
    late = json.loads(good[0])
    late["context"]["timestamp"] = "9999-12-31T23:59:59-01:00"
    long_line = '{"x": "' + "y" * MAX_LINE_BYTES + '"}'
    lines = [*good, DEEP, BIG_INT, json.dumps(late), long_line]
    deployments.write_text("\n".join(lines) + "\n")
    (bundle / "alerts" / "alertmanager.json").write_text(DEEP)
    with (bundle / "metrics" / "latency.csv").open("a") as fh:
        fh.write("1" + "0" * 400 + ",frontend,latency_p95_ms,1.0\n")
    with (bundle / "topology" / "edges.csv").open("a") as fh:
        fh.write("a," + "b" * MAX_LINE_BYTES + ",grpc,1\n")
    return bundle


def test_cli_load_rejects_hostile_records_and_loads_the_rest(
    rca: RcaGraph, tmp_path: Path, neo4j_env: dict[str, str]
) -> None:
    bundle = _hostile_bundle(tmp_path)
    n_good = len((EXAMPLE / "deployments.jsonl").read_text().splitlines())
    runner = CliRunner()
    result = runner.invoke(app, ["load", str(bundle), "--scope", "hostile", "--no-progress"])
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    out = runner.invoke(
        app, ["load", str(bundle), "--scope", "hostile2", "--allow-rejected", "--json"]
    )
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    places = {(r["file"], r.get("line"), r.get("field")) for r in report["rejections"]}
    for line in range(n_good + 1, n_good + 5):
        assert any(f == "deployments.jsonl" and ln == line for f, ln, _ in places), places
    assert ("deployments.jsonl", n_good + 3, "context.timestamp") in places
    assert any(f == "alerts/alertmanager.json" and fld == "$" for f, _, fld in places), places
    assert any(f == "metrics/latency.csv" and fld == "timestamp" for f, _, fld in places), places
    assert any(f == "topology/edges.csv" and fld == "$" for f, _, fld in places), places
    assert int(rca.graph.read_value(COUNT, scope="hostile2", label="Change")) > 0
    assert int(rca.graph.read_value(COUNT, scope="hostile2", label="Component")) > 0
