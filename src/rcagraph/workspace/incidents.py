"""The incident list (filters, paging) and declaring an incident."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request, Response
from pydantic import BaseModel, ConfigDict, ValidationError

from rcagraph.api.models import IncidentDeclare, IncidentStatus, Name, Scope, Severity
from rcagraph.api.params import parse_time
from rcagraph.errors import InputError
from rcagraph.postmortem.common import Role
from rcagraph.postmortem.incidents import STATUSES
from rcagraph.postmortem.policy import SEVERITIES
from rcagraph.schema.signals import SIGNALS
from rcagraph.workspace.pages import (
    PREFIX,
    NavEntry,
    ResponderForm,
    ResponderPage,
    ViewerPage,
    WorkflowPage,
    WorkspaceRoute,
    redirect,
    register_nav,
    render,
    templates,
)

router = APIRouter(prefix=PREFIX, route_class=WorkspaceRoute, include_in_schema=False)
register_nav(NavEntry("Incidents", f"{PREFIX}/incidents", Role.viewer, order=10))

#: incidents per page of the list
PAGE_SIZE = 25


def local_time(value: str | None, field: str) -> datetime | None:
    """A time from a form: RFC 3339, or a ``datetime-local`` value (no zone), read as UTC."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if len(text) in (16, 19) and "T" in text and text[-1].isdigit():
        text += "Z"  # 2026-03-01T12:00[:00] from <input type=datetime-local>: UTC
    return parse_time(text, field)


def input_error(exc: ValidationError) -> InputError:
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid"}
    loc = ".".join(str(x) for x in first.get("loc", ()))
    return InputError(str(first.get("msg", "invalid")), field=loc or None)


class IncidentFilters(BaseModel):
    """The list's filters, as the API's ``GET /api/v1/incidents`` takes them."""

    model_config = ConfigDict(extra="forbid")

    severity: Severity | None = None
    status: IncidentStatus | None = None
    system: Name | None = None
    service: Name | None = None
    scope: Scope | None = None


def incident_path(incident_id: str, scope: str) -> str:
    return f"{PREFIX}/incidents/{quote(incident_id, safe='')}?{urlencode({'scope': scope})}"


templates.globals["incident_path"] = incident_path


def _link(query: dict[str, Any]) -> str:
    kept = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{PREFIX}/incidents" + (f"?{urlencode(kept)}" if kept else "")


@router.get("/incidents")
def incident_list(
    request: Request,
    user: ViewerPage,
    wf: WorkflowPage,
    severity: str = "",
    status: str = "",
    system: str = "",
    service: str = "",
    scope: str = "",
    since: str = "",
    until: str = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    given = {"severity": severity, "status": status, "system": system, "service": service}
    try:
        filters = IncidentFilters.model_validate(
            {k: v for k, v in {**given, "scope": scope}.items() if v}
        )
    except ValidationError as exc:
        raise input_error(exc) from None
    start = local_time(since, "since")
    end = local_time(until, "until")
    found = wf.incidents.search(
        actor=user.actor,
        scope=filters.scope,
        severity=filters.severity,
        status=filters.status,
        system=filters.system,
        service=filters.service,
        since=start,
        until=end,
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
    )
    query = {**given, "scope": scope, "since": since, "until": until}
    return render(
        request,
        "incidents.html",
        user,
        title="Incidents",
        incidents=found[:PAGE_SIZE],
        query=query,
        page=page,
        previous=_link({**query, "page": page - 1}) if page > 1 else None,
        next_page=_link({**query, "page": page + 1}) if len(found) > PAGE_SIZE else None,
        severities=SEVERITIES,
        statuses=STATUSES,
    )


@router.get("/incidents/declare")
def declare_form(request: Request, user: ResponderPage) -> Response:
    return render(
        request,
        "declare.html",
        user,
        title="Declare an incident",
        severities=SEVERITIES,
        signals=SIGNALS,
        form={},
        now=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M"),
    )


@router.post("/incidents/declare")
def declare(
    request: Request,
    user: ResponderForm,
    wf: WorkflowPage,
    id: Annotated[str, Form(max_length=200)] = "",
    title: Annotated[str, Form(max_length=5000)] = "",
    severity: Annotated[str, Form(max_length=10)] = "",
    started_at: Annotated[str, Form(max_length=40)] = "",
    detected_at: Annotated[str, Form(max_length=40)] = "",
    system: Annotated[str, Form(max_length=200)] = "",
    symptom_service: Annotated[str, Form(max_length=200)] = "",
    symptom_signal: Annotated[str, Form(max_length=40)] = "",
    scope: Annotated[str, Form(max_length=200)] = "default",
) -> Response:
    """Validated as the API's ``POST /api/v1/incidents`` body, then the same service call."""
    symptoms = (
        [{"service": symptom_service.strip(), "signal": symptom_signal or "other"}]
        if symptom_service.strip()
        else []
    )
    raw: dict[str, Any] = {
        "id": id.strip(),
        "title": title.strip(),
        "severity": severity,
        "started_at": local_time(started_at, "started_at"),
        "detected_at": local_time(detected_at, "detected_at"),
        "system": system.strip() or None,
        "symptoms": symptoms,
        "scope": scope.strip() or "default",
    }
    try:
        body = IncidentDeclare.model_validate(raw)
    except ValidationError as exc:
        raise input_error(exc) from None
    incident = body.declare(wf.incidents, user.actor)
    return redirect(incident_path(incident.id, incident.scope))
