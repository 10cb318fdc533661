"""KPIs: MTTD, MTTR, time to first action, remediation cycle time and overdue share, over
time (per month or ISO week) and per team or service: the API's ``GET /api/v1/kpis``, drawn
as bar charts (:mod:`rcagraph.workspace.charts`) with the numbers in a table."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from rcagraph.postmortem.common import Role
from rcagraph.workspace.charts import bars_svg
from rcagraph.workspace.incidents import IncidentFilters, input_error, local_time
from rcagraph.workspace.pages import (
    PREFIX,
    NavEntry,
    ViewerPage,
    WorkflowPage,
    WorkspaceRoute,
    register_nav,
    render,
)

router = APIRouter(prefix=PREFIX, route_class=WorkspaceRoute, include_in_schema=False)
register_nav(NavEntry("KPIs", f"{PREFIX}/kpis", Role.viewer, order=30))

#: the KPIs shown: (field of a KPI row, name, unit)
METRICS: tuple[tuple[str, str, str], ...] = (
    ("mttd_minutes", "MTTD (mean time to detect)", "min"),
    ("mttr_minutes", "MTTR (mean time to resolve)", "min"),
    ("time_to_first_action_minutes", "Time to first action", "min"),
    ("remediation_cycle_minutes", "Remediation cycle time", "min"),
    ("overdue_share", "Overdue share of actions", "%"),
)
GROUPINGS: dict[str, str] = {
    "month": "per month",
    "week": "per ISO week",
    "team": "per team",
    "service": "per service",
}


def metric_rows(rows: list[dict[str, Any]], field: str) -> list[tuple[str, float | None]]:
    """(group, value) of one KPI; the overdue share in percent."""
    out: list[tuple[str, float | None]] = []
    for r in rows:
        v = r.get(field)
        value = None if v is None else float(v) * (100.0 if field == "overdue_share" else 1.0)
        out.append((str(r["group"]), value))
    return out


@router.get("/kpis")
def kpis(
    request: Request,
    user: ViewerPage,
    wf: WorkflowPage,
    by: Literal["month", "week", "team", "service"] = "month",
    scope: str = "",
    since: str = "",
    until: str = "",
) -> Response:
    """The KPIs of the incidents the token sees (``scope``, started ``since``/``until``)."""
    try:
        chosen = IncidentFilters.model_validate({"scope": scope.strip() or None}).scope
    except ValidationError as exc:
        raise input_error(exc) from None
    if chosen is not None:
        user.actor.require_scope(chosen)
    common: dict[str, Any] = {
        "since": local_time(since, "since"),
        "until": local_time(until, "until"),
        "scope": chosen,
        "scopes": user.actor.visible_scopes(),
    }
    rows = wf.kpis.compute(group_by=by, **common)
    overall = wf.kpis.compute(group_by="all", **common)
    charts = [
        (
            name,
            unit,
            bars_svg(f"{name} {GROUPINGS[by]}", metric_rows(rows, field), unit, chart_id=field),
        )
        for field, name, unit in METRICS
    ]
    return render(
        request,
        "kpis.html",
        user,
        title="KPIs",
        rows=rows,
        overall=overall[0] if overall else None,
        charts=charts,
        by=by,
        groupings=GROUPINGS,
        metrics=METRICS,
        query={"scope": chosen or "", "since": since, "until": until},
    )
