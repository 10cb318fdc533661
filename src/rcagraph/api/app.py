"""The FastAPI application factory. The core object is injected: no global driver."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

import rcagraph.api.errors as errors
from rcagraph.__version__ import __version__
from rcagraph.api.metrics import ApiMetrics
from rcagraph.api.routers import admin, forecasts, health, incidents, ingest, postmortems
from rcagraph.core import RcaGraph


def _lifespan(thread_limit: int | None) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Startup/shutdown of the app. The core object is opened and closed by the caller (it
    outlives the app), so the only thing to do here is the worker-thread limit: with
    ``thread_limit`` set, the event loop's default thread limiter (which runs the sync
    handlers) gets that many tokens while the app runs, and its old size back after."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if thread_limit is None:
            yield
            return
        limiter = anyio.to_thread.current_default_thread_limiter()
        before = limiter.total_tokens
        limiter.total_tokens = thread_limit
        try:
            yield
        finally:
            limiter.total_tokens = before

    return lifespan


def create_app(rca: RcaGraph, *, thread_limit: int | None = None) -> FastAPI:
    """The rcagraph API over ``rca`` (its post-mortem workflow, receivers and settings). With
    ``Settings.bootstrap_admin_token`` set, that token is stored as an admin token when no admin
    token exists yet. ``thread_limit`` sets how many worker threads run the (sync) handlers
    while the app runs (default: anyio's, 40)."""
    if thread_limit is not None and thread_limit < 1:
        raise ValueError(f"thread_limit must be at least 1, got {thread_limit}")
    app = FastAPI(
        title="rcagraph",
        version=__version__,
        description="Root-cause analysis and post-mortem workflow over a Neo4j knowledge "
        "graph. Authenticate with `Authorization: Bearer <token>`.",
        lifespan=_lifespan(thread_limit),
        # no trailing-slash redirects: their Location is built from the Host header
        redirect_slashes=False,
        # bearer tokens only: no OAuth2 redirect page among the public routes
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.rca = rca
    app.state.metrics = ApiMetrics()
    app.middleware("http")(app.state.metrics.middleware)
    errors.install(app)
    for module in (health, incidents, postmortems, admin, ingest, forecasts):
        app.include_router(module.router)
    bootstrap = rca.settings.bootstrap_admin_token
    if bootstrap is not None and bootstrap.get_secret_value():
        rca.workflow.tokens.ensure_bootstrap_admin(bootstrap.get_secret_value())
    return app
