"""The post-mortem workspace: server-rendered pages under ``/ui`` on the same library calls,
and behind the same roles, as the API (see docs/workspace.md).

:func:`create_app` is the API (:func:`rcagraph.api.create_app`) with the workspace added by
:func:`install`: its state (the session store), the page routers of :data:`PAGE_ROUTERS` and
the static files. ``rcagraph serve`` serves it. The workspace is an edge above the API (it
reuses the API's dependencies, input models and error statuses); the API knows nothing of it.
A new page module adds its router to :data:`PAGE_ROUTERS` and its navigation entry with
:func:`rcagraph.workspace.pages.register_nav`.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from rcagraph.api import create_app as create_api
from rcagraph.core import RcaGraph
from rcagraph.settings import Settings
from rcagraph.workspace import actions, auth, forecasts, incident, incidents, kpis, postmortem
from rcagraph.workspace.pages import PREFIX, WorkspaceState

#: every page router of the workspace, in the order they are added
PAGE_ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    incidents.router,
    incident.router,
    postmortem.router,
    actions.router,
    kpis.router,
    forecasts.router,
)
#: where the stylesheet, the script and the icons are served from
STATIC = f"{PREFIX}/static"


def install(app: FastAPI, settings: Settings) -> None:
    app.state.workspace = WorkspaceState.of(settings)
    for router in PAGE_ROUTERS:
        app.include_router(router)
    app.mount(STATIC, StaticFiles(packages=[("rcagraph.workspace", "static")]), name="ui-static")


def create_app(rca: RcaGraph, *, thread_limit: int | None = None) -> FastAPI:
    """The API over ``rca`` with the workspace under ``/ui``."""
    app = create_api(rca, thread_limit=thread_limit)
    install(app, rca.settings)
    return app
