"""Forecasts: the services most likely to fail next (per failure mode and pending change),
with the features that drove each: :meth:`rcagraph.core.RcaGraph.forecast` read only, as
the API's ``GET /api/v1/forecasts`` calls it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from rcagraph.api.models import Scope
from rcagraph.errors import NotFoundError
from rcagraph.forecast.model import Forecast
from rcagraph.postmortem.common import Role
from rcagraph.workspace.charts import bars_svg
from rcagraph.workspace.incidents import local_time
from rcagraph.workspace.pages import (
    PREFIX,
    NavEntry,
    RcaPage,
    ViewerPage,
    WorkspaceRoute,
    register_nav,
    render,
)

router = APIRouter(prefix=PREFIX, route_class=WorkspaceRoute, include_in_schema=False)
register_nav(NavEntry("Forecasts", f"{PREFIX}/forecasts", Role.viewer, order=40))


def _label(f: Forecast) -> str:
    return f"{f.service} ({f.horizon}{', change ' + f.change_id if f.change_id else ''})"


@router.get("/forecasts")
def forecasts(
    request: Request,
    user: ViewerPage,
    rca: RcaPage,
    scope: Scope = "default",
    horizon: Literal["24h", "7d", ""] = "",
    at: str = "",
    top: Annotated[int, Query(ge=1, le=200)] = 20,
) -> Response:
    """The ``top`` most probable forecasts of ``scope`` (nothing written); without a trained
    model the page says how to train one."""
    user.actor.require_scope(scope)
    missing = ""
    found: list[Forecast] = []
    try:
        found = rca.forecast(scope, horizon or None, None, at=local_time(at, "at"), write=False)
    except NotFoundError as exc:
        missing = str(exc)
    found.sort(key=lambda f: f.probability, reverse=True)
    shown = found[:top]
    rows: list[dict[str, Any]] = [f.to_json() for f in shown]
    chart = bars_svg(
        f"Probability of an incident, top {len(shown)}",
        [(_label(f), f.probability * 100) for f in shown],
        "%",
        chart_id="forecast",
    )
    return render(
        request,
        "forecasts.html",
        user,
        title="Forecasts",
        rows=rows,
        chart=chart,
        missing=missing,
        query={"scope": scope, "horizon": horizon, "at": at, "top": top},
    )
