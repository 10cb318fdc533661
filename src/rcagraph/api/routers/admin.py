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
    actor: Viewer,
    status: ActionStatus | None = None,
    owner: Name | None = None,
    overdue: bool = False,
    today: date | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
    scope: Scope | None = None,
) -> list[dict[str, Any]]:
    """Actions; ``overdue=true``: past due and still open (open, in_progress, reopened)."""
    return wf.actions.search(
        actor=actor,
        scope=scope,
        status=status,
        owner=owner,
        overdue=overdue,
        today=today,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/actions/{action_id}",
    tags=["actions"],
    response_model=ActionOut,
    response_model_exclude_unset=True,
)
def get_action(
    action_id: Name, wf: WorkflowDep, actor: Viewer, scope: Scope | None = None
) -> dict[str, Any]:
    return wf.actions.get(action_id, scope, actor)


@router.patch(
    "/actions/{action_id}",
    tags=["actions"],
    response_model=ActionOut,
    response_model_exclude_unset=True,
)
def update_action(
    action_id: Name,
    body: ActionUpdate,
    wf: WorkflowDep,
    actor: Responder,
    scope: Scope | None = None,
) -> dict[str, Any]:
    return wf.actions.update(actor, action_id, body.model_dump(exclude_unset=True), scope=scope)


@router.get("/kpis", tags=["kpis"], response_model=list[KpiRow])
def kpis(
    wf: WorkflowDep,
    actor: Viewer,
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
        scopes=actor.visible_scopes(),
    )


@router.get("/audit", tags=["audit"], response_model=list[AuditEntryOut])
def audit(
    wf: WorkflowDep,
    caller: Reviewer,
    target: Annotated[str | None, Query(max_length=500)] = None,
    actor: Name | None = None,
    actor_id: Name | None = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
    since: Time = None,
    until: Time = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    """The append-only audit trail, newest first: of the scopes the token sees (entries about
    tokens only for tokens that see every scope)."""
    entries = wf.audit.query(
        target=target,
        actor=actor,
        actor_id=actor_id,
        scopes=caller.visible_scopes(),
        action=action,
        since=parse_time(since, "since"),
        until=parse_time(until, "until"),
        limit=limit,
        offset=offset,
    )
    return [e.to_json() for e in entries]


@router.post("/tokens", status_code=201, tags=["tokens"], response_model=TokenCreated)
def create_token(body: TokenCreate, wf: WorkflowDep, actor: Admin) -> TokenCreated:
    """Create a token (audited); the secret is in this answer only. A name is used once."""
    token = wf.tokens.create(
        body.name, Role.parse(body.role), body.team, teams=body.teams, scopes=body.scopes, by=actor
    )
    made = wf.tokens.authenticate(token)
    return TokenCreated(
        id=made.id,
        name=body.name,
        role=body.role,
        team=body.team,
        teams=list(made.teams),
        scopes=sorted(made.scopes) if made.scopes is not None else ["*"],
        token=token,
    )


@router.get("/tokens", tags=["tokens"], response_model=list[TokenInfo])
def list_tokens(wf: WorkflowDep, _: Admin) -> list[dict[str, Any]]:
    """Token ids, names, roles, teams, scopes and revocations (never the secrets: only their
    hashes are stored)."""
    return wf.tokens.all()


@router.post("/tokens/{name}/revoke", tags=["tokens"], response_model=TokenInfo)
def revoke_token(name: Name, wf: WorkflowDep, actor: Admin) -> dict[str, Any]:
    """Revoke a token (audited): refused from the next request on."""
    wf.tokens.revoke(name, actor)
    return wf.tokens.get(name)
