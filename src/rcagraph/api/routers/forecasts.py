"""Failure-mode forecasts: read (computed on the fly) or run and write back to the graph."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from rcagraph.api.answers import ForecastOut
from rcagraph.api.deps import RcaDep, Responder, Viewer, WorkflowDep
from rcagraph.api.models import ERRORS, Scope
from rcagraph.api.params import parse_time
from rcagraph.core import RcaGraph

router = APIRouter(prefix="/api/v1", tags=["forecasts"], responses=ERRORS)

Horizon = Literal["24h", "7d"]
Top = Annotated[int, Query(ge=1, le=10_000)]
At = Annotated[str | None, Query(description="forecast origin (RFC 3339); default now")]


def _run(
    rca: RcaGraph, scope: str, horizon: str | None, at: str | None, top: int, write: bool
) -> list[dict[str, Any]]:
    found = rca.forecast(scope, horizon, None, at=parse_time(at, "at"), write=write)
    found.sort(key=lambda f: f.probability, reverse=True)
    return [f.to_json() for f in found[:top]]


@router.get("/forecasts", response_model=list[ForecastOut])
def read_forecasts(
    rca: RcaDep,
    _: Viewer,
    scope: Scope = "default",
    horizon: Horizon | None = None,
    at: At = None,
    top: Top = 100,
) -> list[dict[str, Any]]:
    """The most likely incidents per service × failure mode (and pending change), with the
    features that drove each; computed from the graph, nothing written."""
    return _run(rca, scope, horizon, at, top, write=False)


@router.post("/forecasts/run", response_model=list[ForecastOut])
def run_forecasts(
    rca: RcaDep,
    wf: WorkflowDep,
    actor: Responder,
    scope: Scope = "default",
    horizon: Horizon | None = None,
    at: At = None,
    top: Top = 100,
) -> list[dict[str, Any]]:
    """Compute forecasts and write them back to the graph as ``:Forecast`` nodes."""
    result = _run(rca, scope, horizon, at, top, write=True)
    wf.audit.record(actor, "forecast.run", f"scope:{scope}", None, {"horizon": horizon})
    return result
