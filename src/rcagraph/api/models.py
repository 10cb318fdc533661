"""Request and response models of the API (pydantic: validated at the boundary)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from rcagraph.postmortem.common import Actor
from rcagraph.postmortem.incidents import Incident, IncidentService
from rcagraph.postmortem.incidents import SymptomIn as Symptom
from rcagraph.schema.signals import Signal

Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][\w.:/@-]*$")]
Text = Annotated[str, Field(min_length=1, max_length=5000)]
Scope = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[\w.:@-]+$")]
Severity = Literal["SEV1", "SEV2", "SEV3", "SEV4"]
IncidentStatus = Literal["open", "mitigated", "resolved"]
ActionStatus = Literal["open", "in_progress", "done", "verified", "reopened", "cancelled"]
RoleName = Literal["viewer", "responder", "reviewer", "admin"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SymptomIn(_In):
    service: Name
    signal: Signal
    metric: Name | None = None


class IncidentDeclare(_In):
    id: Name
    title: Text
    severity: Severity
    started_at: AwareDatetime
    detected_at: AwareDatetime | None = None
    system: Name | None = None
    symptoms: list[SymptomIn] = Field(default_factory=list, max_length=100)
    scope: Scope = "default"

    def declare(self, incidents: IncidentService, actor: Actor) -> Incident:
        """Declare this incident (the API's and the workspace's one call of the use case)."""
        return incidents.declare(
            actor,
            id=self.id,
            title=self.title,
            severity=self.severity,
            started_at=self.started_at,
            detected_at=self.detected_at,
            system=self.system,
            symptoms=[Symptom(s.service, s.signal, s.metric) for s in self.symptoms],
            scope=self.scope,
        )


class IncidentUpdate(_In):
    title: Text | None = None
    severity: Severity | None = None
    system: Name | None = None
    status: IncidentStatus | None = None
    started_at: AwareDatetime | None = None
    detected_at: AwareDatetime | None = None
    mitigated_at: AwareDatetime | None = None
    resolved_at: AwareDatetime | None = None


class VerdictIn(_In):
    verdict: Literal["confirmed", "refuted"]


class PostMortemCreate(_In):
    incident_id: Name
    scope: Scope | None = None


class PostMortemEdit(_In):
    base_version: Annotated[int, Field(ge=1, le=1_000_000)]
    changes: dict[str, Any] = Field(
        description="top-level fields of the document to replace: summary, timeline, impact, "
        "hypotheses, contributing_factors, actions, lessons, notes"
    )
    note: Annotated[str, Field(max_length=2000)] | None = None


class ApproveIn(_In):
    version: Annotated[int, Field(ge=1, le=1_000_000)]


class ActionCreate(_In):
    title: Text
    owner: Name
    due: date
    success_criterion: Text
    ticket_url: Annotated[str, Field(max_length=2000, pattern=r"^https?://\S+$")] | None = None
    service: Name | None = None


class ActionUpdate(_In):
    title: Text | None = None
    owner: Name | None = None
    due: date | None = None
    success_criterion: Text | None = None
    ticket_url: Annotated[str, Field(max_length=2000, pattern=r"^https?://\S+$")] | None = None
    status: ActionStatus | None = None


class TokenCreate(_In):
    name: Name
    role: RoleName
    team: Name | None = Field(default=None, description="one team (same as teams=[team])")
    teams: list[Name] = Field(default_factory=list, max_length=50)
    scopes: list[Scope | Literal["*"]] | None = Field(
        default=None,
        max_length=200,
        description="the scopes the token may see; '*': every scope. Default: every scope for "
        "an admin, the default scope otherwise",
    )


class TokenCreated(BaseModel):
    id: str
    name: str
    role: str
    team: str | None
    teams: list[str]
    scopes: list[str]
    token: str = Field(description="shown once; only its sha256 is stored")


class ErrorDetail(BaseModel):
    type: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


#: documented error answers of every protected endpoint
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "no or unknown token"},
    403: {"model": ErrorBody, "description": "role too low"},
    404: {"model": ErrorBody, "description": "not found"},
    409: {"model": ErrorBody, "description": "conflict or workflow gate"},
    422: {"model": ErrorBody, "description": "invalid input"},
    503: {"model": ErrorBody, "description": "graph unavailable"},
}
