"""Incidents and their hypotheses."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from rcagraph.api.answers import HypothesisOut, IncidentOut, PostMortemDocument, TimelineOut
from rcagraph.api.deps import RcaDep, Responder, Viewer, WorkflowDep
from rcagraph.api.models import (
    ERRORS,
    IncidentDeclare,
    IncidentStatus,
    IncidentUpdate,
    Name,
    Scope,
    Severity,
    VerdictIn,
)
from rcagraph.api.params import parse_time
from rcagraph.postmortem.common import jsonable, jsonable_dict
from rcagraph.postmortem.hypotheses import hypothesis_json
from rcagraph.postmortem.render import render_markdown
from rcagraph.timeline import timeline_json

router = APIRouter(prefix="/api/v1", tags=["incidents"], responses=ERRORS)

Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


@router.get("/incidents", response_model=list[IncidentOut])
def list_incidents(
    wf: WorkflowDep,
    actor: Viewer,
    severity: Severity | None = None,
    status: IncidentStatus | None = None,
    system: Name | None = None,
    service: Name | None = None,
    scope: Scope | None = None,
    since: Annotated[str | None, Query(description="started at or after (RFC 3339)")] = None,
    until: Annotated[str | None, Query(description="started before (RFC 3339)")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    found = wf.incidents.search(
        actor=actor,
        scope=scope,
        severity=severity,
        status=status,
        system=system,
        service=service,
        since=parse_time(since, "since"),
        until=parse_time(until, "until"),
        limit=limit,
        offset=offset,
    )
    return [jsonable_dict(i.public()) for i in found]


@router.post("/incidents", status_code=201, response_model=IncidentOut)
def declare_incident(body: IncidentDeclare, wf: WorkflowDep, actor: Responder) -> dict[str, Any]:
    incident = body.declare(wf.incidents, actor)
    return jsonable_dict(incident.public())


@router.get("/incidents/{incident_id}", response_model=IncidentOut)
def get_incident(
    incident_id: Name, wf: WorkflowDep, actor: Viewer, scope: Scope | None = None
) -> dict[str, Any]:
    return jsonable_dict(wf.incidents.get(incident_id, scope, actor).public())


@router.patch("/incidents/{incident_id}", response_model=IncidentOut)
def update_incident(
    incident_id: Name,
    body: IncidentUpdate,
    wf: WorkflowDep,
    actor: Responder,
    scope: Scope | None = None,
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    return jsonable_dict(wf.incidents.update(actor, incident_id, changes, scope=scope).public())


@router.get("/incidents/{incident_id}/hypotheses", response_model=list[HypothesisOut])
def incident_hypotheses(
    incident_id: Name, wf: WorkflowDep, actor: Viewer, scope: Scope | None = None
) -> list[dict[str, Any]]:
    return [hypothesis_json(h) for h in wf.hypotheses.for_incident(incident_id, scope, actor)]


@router.get("/incidents/{incident_id}/timeline", response_model=TimelineOut)
def incident_timeline(
    incident_id: Name, rca: RcaDep, actor: Viewer, scope: Scope | None = None
) -> dict[str, Any]:
    """The symptoms' and top candidates' stored metric series over the incident's window,
    its changes, alerts, anomalies and log episodes (with source and line), and the dependency
    subgraph around the symptoms with the blamed path (what the workspace draws)."""
    return jsonable_dict(timeline_json(rca.incident_timeline(incident_id, scope, actor)))


@router.post("/incidents/{incident_id}/rank", response_model=list[HypothesisOut])
def rank_incident(
    incident_id: Name, wf: WorkflowDep, actor: Responder, scope: Scope | None = None
) -> list[dict[str, Any]]:
    """Run the ranking engine on the incident's scope and return the new hypotheses."""
    return [hypothesis_json(h) for h in wf.hypotheses.rank(actor, incident_id, scope)]


@router.post("/hypotheses/{hypothesis_uid:path}/verdict", response_model=HypothesisOut)
def hypothesis_verdict(
    hypothesis_uid: str, body: VerdictIn, wf: WorkflowDep, actor: Responder
) -> dict[str, Any]:
    """Record a responder's verdict (labelled history for training)."""
    return hypothesis_json(wf.hypotheses.set_verdict(actor, hypothesis_uid, body.verdict))


@router.get(
    "/incidents/{incident_id}/draft",
    response_model=PostMortemDocument,
    responses={200: {"content": {"text/markdown": {}}, "description": "JSON, or Markdown"}},
)
def incident_draft(
    incident_id: Name,
    wf: WorkflowDep,
    actor: Viewer,
    scope: Scope | None = None,
    format: Literal["json", "md"] = "json",
) -> Any:
    """A post-mortem draft generated from the graph now (not stored)."""
    doc = wf.postmortems.draft(incident_id, scope, actor)
    if format == "md":
        return PlainTextResponse(render_markdown(doc), media_type="text/markdown")
    return jsonable(doc)
