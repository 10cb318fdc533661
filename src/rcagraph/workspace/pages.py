"""What every workspace page shares: the signed-in user, role checks, CSRF, templates, the
navigation registry, error pages and security headers.

A page module (``incidents.py``, …) defines an ``APIRouter(route_class=WorkspaceRoute)`` and
takes the user through one of the dependencies below:

* :data:`ViewerPage`, :data:`ResponderPage`, … (or :func:`page_user`) for a GET page: signed in
  (else a redirect to the sign-in page) with at least that role (else the 403 page);
* :data:`ResponderForm`, … (or :func:`form_user`) for a POST: the same, and the form's ``csrf``
  field must be the session's CSRF token (else the 403 page).

Role decisions are the API's: :meth:`rcagraph.postmortem.common.Actor.require` for the route's
role, and the services' own object checks (:mod:`rcagraph.postmortem.access`) for what the
action touches. Status codes of errors come from :func:`rcagraph.api.errors.status_of`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Form, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, select_autoescape

from rcagraph.__version__ import __version__
from rcagraph.api.deps import get_rca
from rcagraph.api.errors import public_message, status_of
from rcagraph.core import RcaGraph
from rcagraph.errors import AuthenticationError, PermissionDeniedError, RcaGraphError
from rcagraph.postmortem.common import Actor, Role, iso
from rcagraph.postmortem.workflow import Workflow
from rcagraph.settings import Settings
from rcagraph.workspace.sessions import CSRF_FIELD, SESSION_COOKIE, Session, SessionStore

#: where the workspace lives
PREFIX = "/ui"
SIGN_IN = f"{PREFIX}/sign-in"

#: headers of every workspace answer: no script, style or frame from anywhere else (the
#: workspace works offline), no sniffing, no referrer beyond the origin, pages not cached
SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

templates = Environment(
    loader=PackageLoader("rcagraph.workspace", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters["iso"] = iso


# --- navigation --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NavEntry:
    """A link of the navigation bar: shown to users with at least ``role``, in ``order``."""

    label: str
    path: str
    role: Role = Role.viewer
    order: int = 100


#: the navigation bar; a page module adds its entry with :func:`register_nav`
NAV: list[NavEntry] = []


def register_nav(entry: NavEntry) -> NavEntry:
    """Add ``entry`` to the navigation bar (once per path)."""
    if all(e.path != entry.path for e in NAV):
        NAV.append(entry)
        NAV.sort(key=lambda e: (e.order, e.label))
    return entry


# --- the workspace's state ---------------------------------------------------------------


@dataclass(slots=True)
class WorkspaceState:
    sessions: SessionStore
    cookie_secure: str  # auto, always, never

    @classmethod
    def of(cls, settings: Settings) -> WorkspaceState:
        return cls(SessionStore(settings.ui_session_hours * 3600), settings.ui_cookie_secure)


def workspace_state(request: Request) -> WorkspaceState:
    state: WorkspaceState = request.app.state.workspace
    return state


def _loopback(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def cookie_secure(request: Request) -> bool:
    """Whether the workspace's cookies carry ``Secure`` (``RCAGRAPH_UI_COOKIE_SECURE``)."""
    mode = workspace_state(request).cookie_secure
    if mode == "always":
        return True
    if mode == "never":
        return False
    return request.url.scheme == "https" or not _loopback(request.url.hostname or "")


def set_cookie(request: Request, response: Response, name: str, value: str, path: str) -> None:
    response.set_cookie(
        name,
        value,
        path=path,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request),
    )


# --- the signed-in user ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class User:
    """The person behind a request: their token's actor and their session."""

    actor: Actor
    session: Session
    session_id: str

    @property
    def csrf(self) -> str:
        return self.session.csrf

    def may(self, role: Role) -> bool:
        return self.actor.role >= role


def current_user(request: Request) -> User:
    """The signed-in user, the token checked now; AuthenticationError when there is none (no
    or unknown session, expired, token revoked: the session is ended)."""
    state = workspace_state(request)
    session_id = request.cookies.get(SESSION_COOKIE)
    session = state.sessions.get(session_id)
    if session is None or session_id is None:
        raise AuthenticationError("not signed in")
    try:
        actor = get_rca(request).workflow.tokens.authenticate_hash(session.token_hash)
    except AuthenticationError:
        state.sessions.end(session_id)
        raise
    user = User(actor, session, session_id)
    request.state.workspace_user = user
    return user


def page_user(role: Role) -> Callable[..., User]:
    """A GET page's dependency: the signed-in user, with at least ``role``."""

    def dependency(request: Request) -> User:
        user = current_user(request)
        user.actor.require(role)
        return user

    dependency.__name__ = f"page_{role.name}"
    return dependency


def form_user(role: Role) -> Callable[..., User]:
    """A POST's dependency: the signed-in user, with at least ``role``, whose form carries the
    session's CSRF token."""

    def dependency(request: Request, csrf: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> User:
        user = current_user(request)
        if not user.session.csrf_ok(csrf):
            raise PermissionDeniedError("the form's CSRF token is missing or wrong; reload it")
        user.actor.require(role)
        return user

    dependency.__name__ = f"form_{role.name}"
    return dependency


ViewerPage = Annotated[User, Depends(page_user(Role.viewer))]
ResponderPage = Annotated[User, Depends(page_user(Role.responder))]
ReviewerPage = Annotated[User, Depends(page_user(Role.reviewer))]
AdminPage = Annotated[User, Depends(page_user(Role.admin))]
ViewerForm = Annotated[User, Depends(form_user(Role.viewer))]
ResponderForm = Annotated[User, Depends(form_user(Role.responder))]
ReviewerForm = Annotated[User, Depends(form_user(Role.reviewer))]
AdminForm = Annotated[User, Depends(form_user(Role.admin))]


def rca_of(request: Request) -> RcaGraph:
    return get_rca(request)


def workflow_of(request: Request) -> Workflow:
    return get_rca(request).workflow


RcaPage = Annotated[RcaGraph, Depends(rca_of)]
WorkflowPage = Annotated[Workflow, Depends(workflow_of)]


# --- rendering ---------------------------------------------------------------------------


def render(
    request: Request,
    template: str,
    user: User | None = None,
    *,
    status: int = 200,
    title: str = "",
    **context: Any,
) -> HTMLResponse:
    """``template`` rendered with the page context: the user, their CSRF token, the navigation
    entries their role may see, ``Role`` (for the buttons' role checks) and ``context``."""
    if user is None:
        user = getattr(request.state, "workspace_user", None)
    nav = [e for e in NAV if user is not None and user.may(e.role)]
    html = templates.get_template(template).render(
        request=request,
        user=user,
        csrf=user.csrf if user else "",
        csrf_field=CSRF_FIELD,
        nav=nav,
        Role=Role,
        title=title,
        path=request.url.path,
        version=__version__,
        **context,
    )
    return HTMLResponse(html, status_code=status)


def redirect(path: str) -> RedirectResponse:
    """See-other to a workspace path (after a POST, the browser GETs it)."""
    return RedirectResponse(path, status_code=303)


def sign_in_redirect(request: Request) -> RedirectResponse:
    target = request.url.path
    if request.url.query and request.method == "GET":
        target += "?" + request.url.query
    response = redirect(f"{SIGN_IN}?next={quote(target, safe='')}")
    if request.cookies.get(SESSION_COOKIE):
        response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response


def error_page(request: Request, exc: RcaGraphError) -> HTMLResponse:
    status = status_of(exc, request.url.path)
    titles = {403: "Not allowed", 404: "Not found", 409: "Conflict", 422: "Check the input"}
    return render(
        request,
        "error.html",
        status=status,
        title=titles.get(status, "Something went wrong"),
        status_code=status,
        message=public_message(exc, status),
    )


def validation_page(request: Request, exc: RequestValidationError) -> HTMLResponse:
    lines = [
        f"{'.'.join(str(x) for x in err.get('loc', ()) if x not in ('query', 'body'))}: "
        f"{err.get('msg', '')}"
        for err in exc.errors()
    ]
    return render(
        request,
        "error.html",
        status=422,
        title="Check the input",
        status_code=422,
        message="; ".join(lines) or "invalid request",
    )


class WorkspaceRoute(APIRoute):
    """A workspace route: errors become pages (not JSON), a missing or ended session a
    redirect to the sign-in page, and every answer carries :data:`SECURITY_HEADERS`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            response: Response
            try:
                response = await handler(request)
            except AuthenticationError:
                response = sign_in_redirect(request)
            except RcaGraphError as exc:
                response = error_page(request, exc)
            except RequestValidationError as exc:
                response = validation_page(request, exc)
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            if response.headers.get("content-type", "").startswith("text/html"):
                response.headers["Cache-Control"] = "no-store"
            return response

        return route
