"""Post-mortems: create from the graph, edit (new versions), diff, review gates, export,
verification, and their actions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from rcagraph.api.answers import (
    ActionOut,
    DiffOut,
    PostMortemListed,
    PostMortemOut,
    VerificationOut,
    VerificationRecord,
    VersionOut,
)
from rcagraph.api.deps import Responder, Reviewer, Viewer, WorkflowDep
from rcagraph.api.models import (
    ERRORS,
    ActionCreate,
    ApproveIn,
    Name,
    PostMortemCreate,
    PostMortemEdit,
    Scope,
)
from rcagraph.postmortem.documents import PostMortem

router = APIRouter(prefix="/api/v1/postmortems", tags=["post-mortems"], responses=ERRORS)

Number = Annotated[int, Query(ge=1, le=1_000_000)]


def _pm(pm: PostMortem, wf: WorkflowDep) -> dict[str, Any]:
    out = pm.to_json()
    out["approval"] = wf.postmortems.approval_status(pm)
    return out


@router.post("", status_code=201, response_model=PostMortemOut)
def create_postmortem(body: PostMortemCreate, wf: WorkflowDep, actor: Responder) -> dict[str, Any]:
    """Generate the draft from the graph and store it as version 1 (with its actions)."""
    return _pm(wf.postmortems.create(actor, body.incident_id, body.scope), wf)


#: the scope an id is resolved in; without one, the scopes the token sees (409 if ambiguous)
InScope = Annotated[Scope | None, Query(description="the scope to resolve the id in")]


@router.get("", response_model=list[PostMortemListed], response_model_exclude_unset=True)
def list_postmortems(
    wf: WorkflowDep,
    actor: Viewer,
    status: Literal["draft", "in_review", "approved", "published"] | None = None,
    scope: Scope | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[dict[str, Any]]:
    return wf.postmortems.search(
        actor=actor, status=status, scope=scope, limit=limit, offset=offset
    )


@router.get("/{pm_id}", response_model=PostMortemOut)
def get_postmortem(
    pm_id: Name, wf: WorkflowDep, actor: Viewer, scope: InScope = None
) -> dict[str, Any]:
    return _pm(wf.postmortems.get(pm_id, scope, actor), wf)


@router.post("/{pm_id}/versions", status_code=201, response_model=PostMortemOut)
def edit_postmortem(
    pm_id: Name, body: PostMortemEdit, wf: WorkflowDep, actor: Responder, scope: InScope = None
) -> dict[str, Any]:
    """Edit: a new immutable version based on ``base_version`` (stale base: 409). The answer
    carries the blameless-language findings of the new version."""
    pm = wf.postmortems.edit(
        actor,
        pm_id,
        base_version=body.base_version,
        changes=body.changes,
        note=body.note,
        scope=scope,
    )
    return _pm(pm, wf)


@router.get("/{pm_id}/versions", response_model=list[VersionOut], response_model_exclude_unset=True)
def list_versions(
    pm_id: Name, wf: WorkflowDep, actor: Viewer, scope: InScope = None
) -> list[dict[str, Any]]:
    return [v.to_json() for v in wf.postmortems.versions(pm_id, scope, actor)]


@router.get("/{pm_id}/versions/{number}", response_model=VersionOut)
def get_version(
    pm_id: Name, number: int, wf: WorkflowDep, actor: Viewer, scope: InScope = None
) -> dict[str, Any]:
    return wf.postmortems.version(pm_id, number, scope, actor).to_json()


@router.get("/{pm_id}/diff", response_model=DiffOut)
def diff_versions(
    pm_id: Name, a: Number, b: Number, wf: WorkflowDep, actor: Viewer, scope: InScope = None
) -> dict[str, Any]:
    """Unified diff of the Markdown and field-level JSON diff of versions ``a`` and ``b``."""
    d = wf.postmortems.diff(pm_id, a, b, scope, actor)
    return {"a": d.a, "b": d.b, "markdown_diff": d.markdown, "fields": d.fields}


@router.post("/{pm_id}/submit", response_model=PostMortemOut)
def submit(pm_id: Name, wf: WorkflowDep, actor: Responder, scope: InScope = None) -> dict[str, Any]:
    """draft → in_review."""
    return _pm(wf.postmortems.submit(actor, pm_id, scope), wf)


@router.post("/{pm_id}/approve", response_model=PostMortemOut)
def approve(
    pm_id: Name, body: ApproveIn, wf: WorkflowDep, actor: Reviewer, scope: InScope = None
) -> dict[str, Any]:
    """Approve the current version; in_review → approved once the severity's policy is met."""
    return _pm(wf.postmortems.approve(actor, pm_id, body.version, scope), wf)


@router.post("/{pm_id}/publish", response_model=PostMortemOut)
def publish(pm_id: Name, wf: WorkflowDep, actor: Reviewer, scope: InScope = None) -> dict[str, Any]:
    """approved → published (read-only from then on)."""
    return _pm(wf.postmortems.publish(actor, pm_id, scope), wf)


@router.get("/{pm_id}/export", response_model=None)
def export(
    pm_id: Name,
    wf: WorkflowDep,
    actor: Viewer,
    format: Literal["md", "json"] = "md",
    version: Number | None = None,
    scope: InScope = None,
) -> PlainTextResponse:
    text = wf.postmortems.export(pm_id, format, version, scope, actor)
    media = "text/markdown" if format == "md" else "application/json"
    return PlainTextResponse(text, media_type=media)


@router.post("/{pm_id}/verify", response_model=VerificationOut)
def verify(pm_id: Name, wf: WorkflowDep, actor: Responder, scope: InScope = None) -> dict[str, Any]:
    """After remediation: look for the failure signature in newer telemetry; a regression
    reopens the actions it concerns."""
    return wf.verifier.verify(actor, pm_id, scope).to_json()


@router.get("/{pm_id}/verifications", response_model=list[VerificationRecord])
def verifications(
    pm_id: Name, wf: WorkflowDep, actor: Viewer, scope: InScope = None
) -> list[dict[str, Any]]:
    return wf.verifier.history(pm_id, scope, actor)


@router.get("/{pm_id}/actions", response_model=list[ActionOut], response_model_exclude_unset=True)
def pm_actions(
    pm_id: Name, wf: WorkflowDep, actor: Viewer, scope: InScope = None
) -> list[dict[str, Any]]:
    return wf.actions.of_postmortem(pm_id, scope, actor)


@router.post(
    "/{pm_id}/actions",
    status_code=201,
    response_model=ActionOut,
    response_model_exclude_unset=True,
)
def add_action(
    pm_id: Name, body: ActionCreate, wf: WorkflowDep, actor: Responder, scope: InScope = None
) -> dict[str, Any]:
    return wf.actions.add(
        actor,
        pm_id,
        title=body.title,
        owner=body.owner,
        due=body.due,
        success_criterion=body.success_criterion,
        ticket_url=body.ticket_url,
        service=body.service,
        scope=scope,
    )
