"""Remediation actions across incidents: a board by status (open, in progress, done,
verified, reopened; cancelled folded away), owner, due date and ticket editable, overdue ones
marked; and the verification after remediation. The calls are the API's ``GET/PATCH
/api/v1/actions…`` and ``POST /api/v1/postmortems/{id}/verify``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from pydantic import BaseModel, ConfigDict, ValidationError

from rcagraph.api.models import ActionUpdate, Name, Scope
from rcagraph.errors import PermissionDeniedError, RcaGraphError
from rcagraph.postmortem.actions import OPEN_STATUSES, STATUSES, TRANSITIONS
from rcagraph.postmortem.common import Role
from rcagraph.workspace.incidents import input_error
from rcagraph.workspace.pages import (
    PREFIX,
    NavEntry,
    ResponderForm,
    ViewerPage,
    WorkflowPage,
    WorkspaceRoute,
    redirect,
    register_nav,
    render,
)
from rcagraph.workspace.postmortem import postmortem_path, refused_page

router = APIRouter(prefix=PREFIX, route_class=WorkspaceRoute, include_in_schema=False)
register_nav(NavEntry("Actions", f"{PREFIX}/actions", Role.viewer, order=20))


class BoardFilters(BaseModel):
    """The board's filters, as the API's ``GET /api/v1/actions`` takes them."""

    model_config = ConfigDict(extra="forbid")

    owner: Name | None = None
    scope: Scope | None = None


#: the board's columns, in order (cancelled actions are listed under the board)
COLUMNS: tuple[str, ...] = ("open", "in_progress", "done", "verified", "reopened")
#: actions on the board at most
BOARD_LIMIT = 1000


def next_statuses(status: str) -> list[str]:
    """The statuses a person may move an action to from ``status`` (``verified`` only comes
    from verification)."""
    return [s for s in STATUSES if s in TRANSITIONS.get(status, frozenset()) and s != "verified"]


def is_overdue(action: dict[str, Any], today: date) -> bool:
    """Past due and still open (open, in progress, reopened): the API's ``overdue=true``."""
    due = action.get("due")
    if not due or action.get("status") not in OPEN_STATUSES:
        return False
    try:
        return date.fromisoformat(str(due)[:10]) < today
    except ValueError:
        return False


@router.get("/actions")
def board(
    request: Request,
    user: ViewerPage,
    wf: WorkflowPage,
    owner: str = "",
    scope: str = "",
    overdue: Annotated[bool, Query()] = False,
) -> Response:
    """The board: ``GET /api/v1/actions`` (filters ``owner``, ``scope``, ``overdue``)."""
    try:
        filters = BoardFilters.model_validate(
            {"owner": owner.strip() or None, "scope": scope.strip() or None}
        )
    except ValidationError as exc:
        raise input_error(exc) from None
    found = wf.actions.search(
        actor=user.actor,
        scope=filters.scope,
        owner=filters.owner,
        overdue=overdue,
        limit=BOARD_LIMIT,
    )
    today = datetime.now(UTC).date()
    columns = {c: [a for a in found if a.get("status") == c] for c in COLUMNS}
    postmortems = sorted({(a["postmortem_id"], a["scope"]) for a in found})
    return render(
        request,
        "actions.html",
        user,
        title="Actions",
        columns=columns,
        cancelled=[a for a in found if a.get("status") == "cancelled"],
        postmortems=postmortems,
        overdue_ids={a["id"] for a in found if is_overdue(a, today)},
        next_statuses=next_statuses,
        query={"owner": owner, "scope": scope, "overdue": overdue},
        today=today.isoformat(),
    )


@router.post("/actions/{action_id}")
def update_action(
    request: Request,
    action_id: Name,
    user: ResponderForm,
    wf: WorkflowPage,
    scope: Annotated[str, Form(max_length=200)] = "",
    owner: Annotated[str, Form(max_length=200)] = "",
    due: Annotated[str, Form(max_length=40)] = "",
    ticket_url: Annotated[str, Form(max_length=2000)] = "",
    status: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Change owner, due date, ticket and/or status: ``PATCH /api/v1/actions/{id}`` (the
    service checks the owning teams and the allowed status changes)."""
    raw: dict[str, Any] = {}
    if owner.strip():
        raw["owner"] = owner.strip()
    if due.strip():
        raw["due"] = due.strip()
    if ticket_url.strip():
        raw["ticket_url"] = ticket_url.strip()
    if status.strip():
        raw["status"] = status.strip()
    try:
        body = ActionUpdate.model_validate(raw)
    except ValidationError as exc:
        raise input_error(exc) from None
    action = wf.actions.update(
        user.actor, action_id, body.model_dump(exclude_unset=True), scope=scope or None
    )
    return redirect(f"{PREFIX}/actions#card-{action['id']}")


@router.post("/postmortems/{pm_id}/verify")
def verify(
    request: Request,
    pm_id: Name,
    user: ResponderForm,
    wf: WorkflowPage,
    scope: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """After remediation: ``POST /api/v1/postmortems/{id}/verify``; its result is shown on
    the post-mortem page (a gate that blocks, e.g. actions not done yet, is shown there)."""
    pm = wf.postmortems.get(pm_id, scope or None, user.actor)
    try:
        wf.verifier.verify(user.actor, pm.id, pm.scope)
    except PermissionDeniedError:
        raise
    except RcaGraphError as exc:
        return refused_page(request, user, wf, pm, exc)
    return redirect(postmortem_path(pm.id, pm.scope) + "#verification")
