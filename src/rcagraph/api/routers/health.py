"""Liveness, readiness (Neo4j reachable, schema current) and Prometheus metrics."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from rcagraph.api.answers import Health, Readiness
from rcagraph.api.deps import RcaDep
from rcagraph.api.errors import headers_of, public_message, status_of
from rcagraph.errors import RcaGraphError
from rcagraph.schema.migrations import SCHEMA_VERSION

router = APIRouter(tags=["health"])
log = logging.getLogger("rcagraph.api")


@router.get("/healthz", response_model=Health)
def healthz() -> dict[str, str]:
    """The process is up (does not touch Neo4j)."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "not ready"}},
)
def readyz(rca: RcaDep) -> Any:
    """Ready when Neo4j answers and the graph schema is the version this rcagraph needs. Not
    ready: 503 with ``Retry-After``; the body says what failed without the server's address or
    the driver's message (this route needs no token; the details are logged)."""
    checks: dict[str, Any] = {"schema_required": SCHEMA_VERSION}
    try:
        version = rca.schema_version()
        checks["neo4j"] = "ok"
        checks["schema_version"] = version
        ready = version == SCHEMA_VERSION
    except RcaGraphError as exc:
        log.error("readiness check failed: %s", exc)
        checks["neo4j"] = f"error: {public_message(exc, status_of(exc))}"
        ready = False
    body = {"status": "ready" if ready else "not ready", "checks": checks}
    return JSONResponse(
        body, status_code=200 if ready else 503, headers=None if ready else headers_of(503)
    )


@router.get("/metrics", response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus exposition: request counts and latency per route."""
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
