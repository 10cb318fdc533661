"""The Cypher of docs/forecasting.md runs on a forecast graph and finds what it says."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from rcagraph.core import RcaGraph
from rcagraph.forecast.history import History
from rcagraph.forecast.model import ForecastModel
from rcagraph.forecast.service import write_history
from rcagraph.graph import Query
from rcagraph.synthetic.forecast_history import HistoryConfig, generate_history

DOC = Path(__file__).resolve().parents[3] / "docs" / "forecasting.md"
BLOCK = re.compile(r"```cypher\n// params: (\{.*?\})\n(.*?)```", re.S)
SCOPE = "docs-forecast"


def _blocks() -> list[tuple[dict[str, Any], str]]:
    return [(json.loads(p), q) for p, q in BLOCK.findall(DOC.read_text())]


@pytest.fixture(scope="module")
def history() -> History:
    return generate_history(HistoryConfig(seed=2, scope=SCOPE, days=75, n_services=8))


def test_doc_has_its_examples() -> None:
    blocks = _blocks()
    assert len(blocks) == 2
    assert all(params.get("scope") == "history" for params, _ in blocks)


def test_doc_cypher_reads_the_forecasts(rca: RcaGraph, history: History) -> None:
    write_history(rca.graph, history)
    at = history.end - timedelta(days=14)
    model = ForecastModel().fit(history, until=at)
    forecasts = rca.forecast(SCOPE, model=model, at=at)
    services_7d = sorted(
        (f for f in forecasts if f.horizon == "7d" and f.change_id is None),
        key=lambda f: -f.probability,
    )
    assert services_7d
    (top_params, top_query), (band_params, band_query) = _blocks()

    # the most likely failures of the coming week, as forecast
    top = rca.graph.read(Query("docs.forecast.top", top_query), **{**top_params, "scope": SCOPE})
    assert [r["p"] for r in top] == [round(f.probability, 3) for f in services_7d[:5]]
    assert [r["service"] for r in top][:1] == [services_7d[0].service]

    # what followed each service forecast, by band: checked against the history itself
    bands = rca.graph.read(
        Query("docs.forecast.bands", band_query), **{**band_params, "scope": SCOPE}
    )
    assert sum(r["forecasts"] for r in bands) == len(services_7d)
    window = (at, at + timedelta(days=7))
    followed = sum(
        any(
            i.mode_key == f.mode and window[0] < i.started_at <= window[1]
            for i in history.incidents
        )
        for f in services_7d
    )
    assert followed > 0 and sum(r["followed"] for r in bands) == followed
