"""Signing in with an API token, and out."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from rcagraph.errors import AuthenticationError, PermissionDeniedError
from rcagraph.postmortem.tokens import hash_token
from rcagraph.workspace.pages import (
    PREFIX,
    SIGN_IN,
    ViewerForm,
    WorkspaceRoute,
    redirect,
    render,
    set_cookie,
    workflow_of,
    workspace_state,
)
from rcagraph.workspace.sessions import CSRF_FIELD, SESSION_COOKIE, SIGNIN_COOKIE, same_secret

router = APIRouter(prefix=PREFIX, route_class=WorkspaceRoute, include_in_schema=False)

#: the page after signing in when none (or a foreign one) was asked for
HOME = f"{PREFIX}/incidents"
#: the longest token the sign-in form takes (rcagraph's are 47 characters)
MAX_TOKEN = 512


def safe_next(target: str | None) -> str:
    """``target`` when it is a workspace path on this site, else :data:`HOME` (no open
    redirect: ``//host``, ``/\\host`` and absolute URLs are refused)."""
    if (
        not target
        or not target.startswith(PREFIX + "/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 for c in target)
    ):
        return HOME
    return target


def _sign_in_page(request: Request, *, error: str = "", status: int = 200) -> Response:
    nonce = secrets.token_urlsafe(32)
    response = render(
        request,
        "sign_in.html",
        status=status,
        title="Sign in",
        signin_csrf=nonce,
        next=safe_next(request.query_params.get("next")),
        error=error,
    )
    set_cookie(request, response, SIGNIN_COOKIE, nonce, SIGN_IN)
    return response


@router.get("")
def workspace_root() -> Response:
    return redirect(HOME)


@router.get("/sign-in")
def sign_in_form(request: Request) -> Response:
    return _sign_in_page(request)


@router.post("/sign-in")
def sign_in(
    request: Request,
    token: Annotated[str, Form(max_length=MAX_TOKEN)] = "",
    csrf: Annotated[str, Form(alias=CSRF_FIELD)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Check the token with the token store; on success a new session (a fresh id: no
    fixation) and a redirect to ``next``."""
    if not same_secret(request.cookies.get(SIGNIN_COOKIE, ""), csrf):
        raise PermissionDeniedError("the sign-in form expired or was not sent by this site")
    try:
        actor = workflow_of(request).tokens.authenticate(token.strip())
    except AuthenticationError:
        return _sign_in_page(request, error="That token is not valid (or was revoked).", status=401)
    state = workspace_state(request)
    old = request.cookies.get(SESSION_COOKIE)
    state.sessions.end(old)
    session_id, _ = state.sessions.create(hash_token(token.strip()), actor.id)
    response = redirect(safe_next(next))
    set_cookie(request, response, SESSION_COOKIE, session_id, PREFIX)
    response.delete_cookie(SIGNIN_COOKIE, path=SIGN_IN)
    return response


@router.post("/sign-out")
def sign_out(request: Request, user: ViewerForm) -> Response:
    """End the session on the server (its cookie is dead even if kept) and drop the cookie."""
    workspace_state(request).sessions.end(user.session_id)
    response = redirect(SIGN_IN)
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response
