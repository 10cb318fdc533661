"""Dependencies: the core object of the app, its workflow services, and the caller (bearer
token → role)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from rcagraph.core import RcaGraph
from rcagraph.postmortem.common import Actor, Role
from rcagraph.postmortem.workflow import Workflow

bearer = HTTPBearer(auto_error=False, description="an rcagraph API token")


def get_rca(request: Request) -> RcaGraph:
    rca: RcaGraph = request.app.state.rca
    return rca


def get_workflow(request: Request) -> Workflow:
    return get_rca(request).workflow


def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    """The caller of a request. The scope a route works in (its ``?scope=``, or the default
    of its ``scope`` parameter when none is given) is checked here against the token's scopes,
    for every route (reads, writes and receivers alike)."""
    actor = get_workflow(request).tokens.authenticate(
        credentials.credentials if credentials else None
    )
    scope = route_scope(request)
    if scope is not None:
        actor.require_scope(scope)
    return actor


def route_scope(request: Request) -> str | None:
    """The ``scope`` query parameter as given, else its default on the matched route (e.g. the
    receivers' ``default``); None when the route has no scope or no default one."""
    given = request.query_params.get("scope")
    if given is not None:
        return given
    dependant: Any = getattr(request.scope.get("route"), "dependant", None)
    for param in getattr(dependant, "query_params", ()):
        if param.name == "scope" and isinstance(param.default, str):
            return str(param.default)
    return None


def require(role: Role) -> Callable[..., Actor]:
    def dependency(actor: Annotated[Actor, Depends(authenticate)]) -> Actor:
        actor.require(role)
        return actor

    dependency.__name__ = f"require_{role.name}"
    return dependency


WorkflowDep = Annotated[Workflow, Depends(get_workflow)]
RcaDep = Annotated[RcaGraph, Depends(get_rca)]
Viewer = Annotated[Actor, Depends(require(Role.viewer))]
Responder = Annotated[Actor, Depends(require(Role.responder))]
Reviewer = Annotated[Actor, Depends(require(Role.reviewer))]
Admin = Annotated[Actor, Depends(require(Role.admin))]
