"""Forecasting on the real Neo4j: history in, failure modes, forecasts written and read back."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rcagraph.core import RcaGraph
from rcagraph.forecast.history import History
from rcagraph.forecast.model import ForecastModel
from rcagraph.forecast.modes import build_failure_modes
from rcagraph.forecast.service import load_history, read_forecasts, write_history
from rcagraph.graph import Query
from rcagraph.synthetic.forecast_history import HistoryConfig, generate_history

SCOPE = "hist"

_MODES = Query(
    "tests.forecast.modes",
    """
MATCH (i:Incident {scope: $scope})-[:OF_MODE]->(m:FailureMode)-[:AFFECTS]->(c:Component)
RETURN m.key AS key, m.count AS count, count(i) AS incidents, c.name AS component,
       m.first_seen AS first_seen, m.last_seen AS last_seen
""",
)
_FORECASTS = Query(
    "tests.forecast.forecasts",
    """
MATCH (f:Forecast {scope: $scope})-[:PREDICTS]->(m:FailureMode)
MATCH (f)-[:FOR]->(t)
RETURN f.horizon AS horizon, f.probability AS p, labels(t) AS target, m.service AS mode_service,
       CASE WHEN t:Change THEN t.service ELSE t.name END AS service, f.drivers AS drivers
""",
)
_COUNT = Query("tests.forecast.count", "MATCH (n {scope: $scope}) RETURN count(n) AS n")


@pytest.fixture(scope="module")
def history() -> History:
    return generate_history(HistoryConfig(seed=2, scope=SCOPE, days=75, n_services=8))


def test_history_modes_and_forecasts_round_trip(
    rca: RcaGraph, history: History, tmp_path: Path, neo4j_env: dict[str, str]
) -> None:
    write_history(rca.graph, history)
    nodes = rca.graph.read_value(_COUNT, scope=SCOPE)
    write_history(rca.graph, history)  # idempotent
    assert rca.graph.read_value(_COUNT, scope=SCOPE) == nodes

    # failure modes from the confirmed hypotheses and their evidence
    report = build_failure_modes(rca.graph, SCOPE)
    expected = Counter(i.mode_key for i in history.incidents)
    assert report.incidents == len(history.incidents) and report.skipped == 0
    assert report.modes == len(expected)
    rows = rca.graph.read(_MODES, scope=SCOPE)
    assert {r["key"]: r["count"] for r in rows} == dict(expected)
    assert all(r["count"] == r["incidents"] for r in rows)
    assert all(r["key"].split("|")[1] == r["component"] for r in rows)
    assert all(r["first_seen"] <= r["last_seen"] for r in rows)
    again = build_failure_modes(rca.graph, SCOPE)
    assert again == report

    def by_key(r: dict[str, object]) -> str:
        return str(r["key"])

    assert sorted(rca.graph.read(_MODES, scope=SCOPE), key=by_key) == sorted(rows, key=by_key)

    # the graph gives back the same tables the generator made
    loaded = load_history(rca.graph, SCOPE)
    assert len(loaded.changes) == len(history.changes)
    assert len(loaded.anomalies) == len(history.anomalies)
    assert len(loaded.alerts) == len(history.alerts)
    assert Counter(i.mode_key for i in loaded.incidents) == expected
    assert sorted(loaded.edges) == sorted(history.edges)

    # train on the graph's history, forecast at the end, write back, read with Cypher
    at = history.end - timedelta(days=1)
    model = ForecastModel().fit(loaded, until=at)
    forecasts = rca.forecast(SCOPE, model=model, at=at)
    assert forecasts and all(0.0 <= f.probability <= 1.0 for f in forecasts)
    assert {f.horizon for f in forecasts} == {"24h", "7d"}
    written = rca.graph.read(_FORECASTS, scope=SCOPE)
    assert len(written) == len(forecasts)
    assert all(r["service"] == r["mode_service"] for r in written)
    services = [r for r in written if "Component" in r["target"]]
    changes = [r for r in written if "Change" in r["target"]]
    assert services and changes  # the last day's changes get their own forecasts
    assert all(isinstance(json.loads(r["drivers"]), list) for r in written)
    back = read_forecasts(rca.graph, SCOPE, "7d")
    assert back and back[0]["probability"] == max(r["p"] for r in written if r["horizon"] == "7d")

    # a read-only forecast changes nothing in the graph
    nodes_now = rca.graph.read_value(_COUNT, scope=SCOPE)
    assert rca.forecast(SCOPE, horizon="24h", model=model, at=at, write=False)
    assert rca.graph.read_value(_COUNT, scope=SCOPE) == nodes_now

    # forecasting again replaces the scope's forecasts instead of piling them up
    rca.forecast(SCOPE, horizon="7d", model=model, at=at)
    assert len(rca.graph.read(_FORECASTS, scope=SCOPE)) == len(forecasts)

    # the CLI (pointed at the test Neo4j by ``neo4j_env``): train to a file, then a JSON
    # forecast with that model
    from rcagraph.cli.main import app

    runner = CliRunner()
    path = tmp_path / "model.joblib"
    until = at.isoformat()
    res = runner.invoke(
        app, ["forecast", "train", "--scope", SCOPE, "--out", str(path), "--until", until]
    )
    assert res.exit_code == 0, res.output
    assert path.is_file()
    res = runner.invoke(
        app,
        [
            "forecast",
            "--scope",
            SCOPE,
            "--horizon",
            "24h",
            "--json",
            "--model",
            str(path),
            "--at",
            until,
        ],
    )
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert payload["forecasts"] and {f["horizon"] for f in payload["forecasts"]} == {"24h"}
    res = runner.invoke(app, ["forecast", "--scope", SCOPE, "--model", str(path), "--at", until])
    assert res.exit_code == 0, res.output
    assert "failure mode" in res.output
    missing = runner.invoke(app, ["forecast", "--scope", SCOPE, "--model", str(tmp_path / "x")])
    assert missing.exit_code == 1
    assert "no forecast model" in missing.output
