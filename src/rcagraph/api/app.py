"""The FastAPI application factory. The core object is injected: no global driver."""

from __future__ import annotations

from fastapi import FastAPI

from rcagraph import __version__
from rcagraph.api import errors
from rcagraph.api.ingest import IngestService
from rcagraph.api.metrics import ApiMetrics
from rcagraph.api.routers import admin, forecasts, health, incidents, ingest, postmortems
from rcagraph.core import RcaGraph
from rcagraph.postmortem import Workflow
from rcagraph.postmortem.policy import SeverityPolicy


def create_app(rca: RcaGraph, *, policy: SeverityPolicy | None = None) -> FastAPI:
    """The rcagraph API over ``rca``. With ``Settings.bootstrap_admin_token`` set, that token
    is stored as an admin token when no admin token exists yet."""
    app = FastAPI(
        title="rcagraph",
        version=__version__,
        description="Root-cause analysis and post-mortem workflow over a Neo4j knowledge "
        "graph. Authenticate with `Authorization: Bearer <token>`.",
    )
    workflow = Workflow.create(rca, policy)
    app.state.rca = rca
    app.state.workflow = workflow
    app.state.ingest = IngestService(rca)
    app.state.metrics = ApiMetrics()
    app.middleware("http")(app.state.metrics.middleware)
    errors.install(app)
    for module in (health, incidents, postmortems, admin, ingest, forecasts):
        app.include_router(module.router)
    bootstrap = rca.settings.bootstrap_admin_token
    if bootstrap is not None and bootstrap.get_secret_value():
        workflow.tokens.ensure_bootstrap_admin(bootstrap.get_secret_value())
    return app
