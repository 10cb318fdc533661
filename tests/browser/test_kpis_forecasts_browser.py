"""KPIs and forecasts in Chromium: the charts and their tables over a scope with a history
(a synthetic one, written for this module and removed after it), beside the demo incident."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from rcagraph.forecast.history import History
from rcagraph.forecast.service import ForecastOptions, write_history
from rcagraph.graph import Query
from rcagraph.synthetic.forecast_history import HistoryConfig, generate_history
from tests.browser.conftest import Shoot, Workspace, sign_in

pytestmark = pytest.mark.usefixtures("patient")


HISTORY_SCOPE = "ui-history"
_DROP_SCOPE = Query(
    "tests.browser.drop_scope",
    "MATCH (n) WHERE n.scope = $scope CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
)


@pytest.fixture(scope="module")
def history(workspace: Workspace) -> Iterator[History]:
    """A scope with 45 days of synthetic operation (incidents, changes, anomalies)."""
    found = generate_history(HistoryConfig(seed=3, scope=HISTORY_SCOPE, days=45, n_services=6))
    write_history(workspace.rca.graph, found)
    try:
        yield found
    finally:
        workspace.rca.graph.run_autocommit(_DROP_SCOPE, scope=HISTORY_SCOPE)


def test_kpis_over_time_and_per_team(
    page: Page, workspace: Workspace, history: History, shoot: Shoot
) -> None:
    sign_in(page, workspace.tokens["viewer"], "/ui/kpis")
    expect(page.get_by_role("heading", name="KPIs")).to_be_visible()
    charts = page.locator("svg.bars")
    expect(charts).to_have_count(5)
    for name in ("MTTD", "MTTR", "Time to first action", "Remediation cycle", "Overdue share"):
        expect(page.locator("figure figcaption", has_text=name)).to_have_count(1)
    table = page.locator("table.list")
    expect(
        table.get_by_role("rowheader", name="2026-03", exact=True)
    ).to_be_visible()  # the demo incident
    expect(
        table.get_by_role("rowheader", name="2026-01", exact=True)
    ).to_be_visible()  # the history
    bar = charts.first.locator("g.mark").first
    bar.focus()
    expect(page.locator("figure .detail").first).to_contain_text("min")
    shoot(page, "kpis")
    page.get_by_label("Group by").select_option("team")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"by=team"))
    expect(table.get_by_role("rowheader", name="web-team", exact=True)).to_be_visible()
    page.get_by_label("Group by").select_option("service")
    page.get_by_role("button", name="Show").click()
    expect(table.get_by_role("rowheader", name="frontend", exact=True)).to_be_visible()


def test_forecasts_with_their_drivers(
    page: Page,
    workspace: Workspace,
    history: History,
    shoot: Shoot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rca = workspace.rca
    sign_in(page, workspace.tokens["viewer"], f"/ui/forecasts?scope={HISTORY_SCOPE}")
    expect(page.get_by_role("alert")).to_contain_text("model")  # none trained yet
    # the server reads the model from its options (as `rcagraph serve` does from HOME)
    monkeypatch.setattr(rca, "forecast_options", ForecastOptions(tmp_path / "forecast.joblib"))
    rca.train_forecast(HISTORY_SCOPE)
    at = (history.end - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("From (UTC, default now)").fill(at)
    page.get_by_label("Horizon").select_option("7d")
    page.get_by_role("button", name="Forecast").click()
    rows = page.locator("#forecast-table tbody tr")
    expect(rows.first).to_contain_text("7d")
    assert 0 < rows.count() <= 20
    probabilities = [
        float(t.rstrip("%"))
        for t in page.locator("#forecast-table tbody td:nth-child(6)").all_inner_texts()
    ]
    assert probabilities == sorted(probabilities, reverse=True)
    expect(rows.first.locator("ul.drivers li").first).to_contain_text("points")
    expect(page.locator("svg.bars g.mark")).to_have_count(rows.count())
    shoot(page, "forecasts")
    assert (
        rca.graph.read_value(
            Query("tests.browser.forecasts", "MATCH (f:Forecast {scope: $scope}) RETURN count(f)"),
            scope=HISTORY_SCOPE,
        )
        == 0
    )  # reading writes nothing
