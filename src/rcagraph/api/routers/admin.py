"""Actions, KPIs, the audit trail and API tokens."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from rcagraph.api.answers import ActionOut, AuditEntryOut, KpiRow, TokenInfo
from rcagraph.api.deps import Admin, Responder, Reviewer, Viewer, WorkflowDep
from rcagraph.api.models import (
    ERRORS,
    ActionStatus,
    ActionUpdate,
    Name,
    Scope,
    TokenCreate,
    TokenCreated,
)
from rcagraph.api.params import parse_time
from rcagraph.postmortem.common import Role

router = APIRouter(prefix="/api/v1", responses=ERRORS)

Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Time = Annotated[str | None, Query(description="RFC 3339 with a zone")]


@router.get(
    "/actions",
    tags=["actions"],
    response_model=list[ActionOut],
    response_model_exclude_unset=True,
)
def list_actions(
    wf: WorkflowDep,
    _: Viewer,
    status: ActionStatus | None = None,
    owner: Name | None = None,
    overdue: bool = False,
    today: date | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    """Actions; ``overdue=true``: past due and still open (open, in_progress, reopened)."""
    return wf.actions.search(
        status=status, owner=owner, overdue=overdue, today=today, limit=limit, offset=offset
    )


@router.get(
    "/actions/{action_id}",
    tags=["actions"],
    response_model=ActionOut,
    response_model_exclude_unset=True,
)
def get_action(action_id: Name, wf: WorkflowDep, _: Viewer) -> dict[str, Any]:
    return wf.actions.get(action_id)


@router.patch(
    "/actions/{action_id}",
    tags=["actions"],
    response_model=ActionOut,
    response_model_exclude_unset=True,
)
def update_action(
    action_id: Name, body: ActionUpdate, wf: WorkflowDep, actor: Responder
) -> dict[str, Any]:
    return wf.actions.update(actor, action_id, body.model_dump(exclude_unset=True))


@router.get("/kpis", tags=["kpis"], response_model=list[KpiRow])
def kpis(
    wf: WorkflowDep,
    _: Viewer,
    group_by: Literal["service", "team", "month", "week", "all"] = "all",
    since: Time = None,
    until: Time = None,
    scope: Scope | None = None,
) -> list[dict[str, Any]]:
    """MTTD, MTTR, time to first action, remediation cycle time, overdue share (minutes)."""
    return wf.kpis.compute(
        group_by=group_by,
        since=parse_time(since, "since"),
        until=parse_time(until, "until"),
        scope=scope,
    )


@router.get("/audit", tags=["audit"], response_model=list[AuditEntryOut])
def audit(
    wf: WorkflowDep,
    _: Reviewer,
    target: Annotated[str | None, Query(max_length=500)] = None,
    actor: Name | None = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
    since: Time = None,
    until: Time = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    """The append-only audit trail, newest first."""
    entries = wf.audit.query(
        target=target,
        actor=actor,
        action=action,
        since=parse_time(since, "since"),
        until=parse_time(until, "until"),
        limit=limit,
        offset=offset,
    )
    return [e.to_json() for e in entries]


@router.post("/tokens", status_code=201, tags=["tokens"], response_model=TokenCreated)
def create_token(body: TokenCreate, wf: WorkflowDep, actor: Admin) -> TokenCreated:
    token = wf.tokens.create(body.name, Role.parse(body.role), body.team)
    wf.audit.record(
        actor,
        "token.create",
        body.name,
        None,
        {"name": body.name, "role": body.role, "team": body.team},
    )
    return TokenCreated(name=body.name, role=body.role, team=body.team, token=token)


@router.get("/tokens", tags=["tokens"], response_model=list[TokenInfo])
def list_tokens(wf: WorkflowDep, _: Admin) -> list[dict[str, Any]]:
    """Token names, roles and teams (never the secrets: only their hashes are stored)."""
    return wf.tokens.all()
