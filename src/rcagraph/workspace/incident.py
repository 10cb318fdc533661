"""An incident: its annotated timeline chart, its dependency subgraph, its ranked hypotheses
with their evidence (confirm, refute, re-rank) and its impact."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from rcagraph.api.models import Name, Scope
from rcagraph.postmortem.hypotheses import hypothesis_json
from rcagraph.workspace.incidents import incident_path
from rcagraph.workspace.pages import (
    PREFIX,
    RcaPage,
    ResponderForm,
    ViewerPage,
    WorkflowPage,
    WorkspaceRoute,
    redirect,
    render,
)
from rcagraph.workspace.svg import event_text, legend, provenance, subgraph_svg, timeline_svg

router = APIRouter(prefix=PREFIX, route_class=WorkspaceRoute, include_in_schema=False)


@router.get("/incidents/{incident_id}")
def incident_page(
    request: Request,
    incident_id: Name,
    user: ViewerPage,
    rca: RcaPage,
    scope: Scope | None = None,
) -> Response:
    """The page: :meth:`rcagraph.core.RcaGraph.incident_timeline` (the API's
    ``GET /api/v1/incidents/{id}/timeline``) and the hypotheses as the API's ``GET
    …/hypotheses`` gives them. The impact comes after the page, from :func:`impact` (it
    builds a draft, which takes longer than the rest of the page)."""
    timeline = rca.incident_timeline(incident_id, scope, user.actor)
    incident = timeline.incident
    anchors = {e.uid: f"ev-{i}" for i, e in enumerate(timeline.events)}
    return render(
        request,
        "incident.html",
        user,
        title=f"{incident.id} · {incident.title}",
        incident=incident,
        timeline=timeline,
        hypotheses=[hypothesis_json(h) for h in timeline.hypotheses],
        chart=timeline_svg(timeline),
        subgraph=subgraph_svg(timeline),
        legend=legend(timeline.series),
        anchors=anchors,
        event_text=event_text,
        provenance=provenance,
        here=incident_path(incident.id, incident.scope),
    )


@router.get("/incidents/{incident_id}/impact")
def impact(
    request: Request,
    incident_id: Name,
    user: ViewerPage,
    wf: WorkflowPage,
    scope: Scope | None = None,
) -> Response:
    """The impact section of the draft the API's ``GET /api/v1/incidents/{id}/draft`` gives,
    as an HTML fragment (the incident page fetches it into place; without a script, the page
    links to it)."""
    incident = wf.incidents.get(incident_id, scope, user.actor)
    draft = wf.postmortems.draft(incident.id, incident.scope, user.actor)
    return render(
        request,
        "impact.html",
        user,
        title=f"Impact of {incident.id}",
        incident=incident,
        impact=draft.get("impact") or {},
        fragment=request.query_params.get("fragment") == "1",
        here=incident_path(incident.id, incident.scope),
    )


@router.post("/incidents/{incident_id}/rank")
def rank(
    incident_id: Name,
    user: ResponderForm,
    wf: WorkflowPage,
    scope: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Re-rank: the API's ``POST /api/v1/incidents/{id}/rank`` call."""
    incident = wf.incidents.get(incident_id, scope or None, user.actor)
    wf.hypotheses.rank(user.actor, incident.id, incident.scope)
    return redirect(incident_path(incident.id, incident.scope) + "#hypotheses")


@router.post("/hypotheses/verdict")
def verdict(
    user: ResponderForm,
    wf: WorkflowPage,
    hypothesis: Annotated[str, Form(min_length=1, max_length=1000)],
    incident: Annotated[str, Form(min_length=1, max_length=200)],
    verdict: Annotated[str, Form(max_length=20)] = "",
    scope: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Confirm or refute: the API's ``POST /api/v1/hypotheses/{uid}/verdict`` call (the labels
    the learned ranker trains on); back to the incident the form came from."""
    wf.hypotheses.set_verdict(user.actor, hypothesis, verdict)
    found = wf.incidents.get(incident, scope or None, user.actor)
    return redirect(incident_path(found.id, found.scope) + "#hypotheses")
