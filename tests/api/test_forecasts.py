"""Forecast endpoints: viewers read (nothing written), responders run and write back."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from rcagraph.api import create_app
from rcagraph.core import RcaGraph
from rcagraph.forecast.modes import build_failure_modes
from rcagraph.forecast.service import write_history
from rcagraph.graph import Query
from rcagraph.postmortem.common import Role
from rcagraph.postmortem.tokens import TokenStore
from rcagraph.synthetic.forecast_history import HistoryConfig, generate_history

SCOPE = "api-forecast"
_FORECASTS = Query("t.api.forecasts", "MATCH (f:Forecast {scope: $scope}) RETURN count(f) AS n")
_AUDIT = Query(
    "t.api.forecast_audit",
    "MATCH (a:AuditEntry {action: 'forecast.run'}) RETURN a.actor AS actor, a.target AS target",
)


def test_forecasts_read_and_run(rca: RcaGraph, tmp_path: Path) -> None:
    core = RcaGraph(rca.driver, rca.settings.model_copy(update={"home": tmp_path}))
    history = generate_history(HistoryConfig(seed=3, scope=SCOPE, days=45, n_services=6))
    write_history(core.graph, history)
    build_failure_modes(core.graph, SCOPE)
    core.train_forecast(SCOPE)  # saves to the default model path under home
    store = TokenStore(core.graph)
    viewer = {"Authorization": f"Bearer {store.create('vera', Role.viewer, scopes=['*'])}"}
    responder = {"Authorization": f"Bearer {store.create('rui', Role.responder, scopes=['*'])}"}
    at = (history.end - timedelta(days=1)).isoformat()
    with TestClient(create_app(core), raise_server_exceptions=False) as client:
        assert client.get("/api/v1/forecasts", params={"scope": SCOPE}).status_code == 401
        got = client.get(
            "/api/v1/forecasts",
            params={"scope": SCOPE, "horizon": "24h", "at": at, "top": 5},
            headers=viewer,
        )
        assert got.status_code == 200, got.text
        rows = got.json()
        assert 0 < len(rows) <= 5
        assert all(r["horizon"] == "24h" and 0 <= r["probability"] <= 1 for r in rows)
        assert rows == sorted(rows, key=lambda r: r["probability"], reverse=True)
        assert all(isinstance(r["drivers"], list) for r in rows)
        assert core.graph.read_value(_FORECASTS, scope=SCOPE) == 0  # reading writes nothing

        bad = client.get(
            "/api/v1/forecasts", params={"scope": SCOPE, "horizon": "1y"}, headers=viewer
        )
        assert bad.status_code == 422
        refused = client.post("/api/v1/forecasts/run", params={"scope": SCOPE}, headers=viewer)
        assert refused.status_code == 403

        run = client.post(
            "/api/v1/forecasts/run", params={"scope": SCOPE, "at": at}, headers=responder
        )
        assert run.status_code == 200, run.text
        assert core.graph.read_value(_FORECASTS, scope=SCOPE) > 0
        assert core.graph.read(_AUDIT) == [{"actor": "rui", "target": f"scope:{SCOPE}"}]

        missing = client.get("/api/v1/forecasts", params={"scope": "nothing"}, headers=viewer)
        assert missing.status_code == 404
