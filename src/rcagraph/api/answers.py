"""The API's answers as pydantic models, named as ``response_model`` on the routes, so the
OpenAPI schema shows what each endpoint returns.

Field names are the JSON the routes have always returned. Timestamps are RFC 3339 strings in
UTC (``…Z``) as the services write them, so a model never re-formats one. Answers that are a
node's stored properties (actions, approvals, post-mortem list rows) name the properties every
such node has and allow the others (``extra="allow"``); their routes leave out what a node does
not hold (``response_model_exclude_unset``), as before.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

Timestamp = Annotated[
    str, Field(description="RFC 3339, UTC", json_schema_extra={"format": "date-time"})
]
Day = Annotated[str, Field(description="ISO 8601 date", json_schema_extra={"format": "date"})]


class _Node(BaseModel):
    """A node's stored properties: the named ones, and whatever else it holds."""

    model_config = ConfigDict(extra="allow")


# -- health ------------------------------------------------------------------------------------


class Health(BaseModel):
    status: str


class ReadinessChecks(BaseModel):
    schema_required: int
    neo4j: str = Field(description="ok, or the error")
    schema_version: int | None = None


class Readiness(BaseModel):
    status: str = Field(description="ready or not ready")
    checks: ReadinessChecks


# -- incidents and hypotheses -------------------------------------------------------------------


class SymptomOut(BaseModel):
    service: str
    signal: str | None
    metric: str | None


class IncidentOut(BaseModel):
    id: str
    scope: str
    title: str
    severity: str | None
    system: str | None
    status: str
    started_at: Timestamp | None
    detected_at: Timestamp | None
    mitigated_at: Timestamp | None
    resolved_at: Timestamp | None
    symptoms: list[SymptomOut]


class EvidenceOut(BaseModel):
    kind: str
    service: str | None
    at: Timestamp | None
    summary: str
    weight: float | None
    node_uid: str | None = Field(description="the event node it refers to")
    node_label: str | None
    source: str | None
    source_ref: str | None


class HypothesisOut(BaseModel):
    uid: str
    rank: int
    kind: str
    service: str | None
    change_id: str | None
    score: float | None
    confidence: float | None
    path: list[str]
    ranker: str | None
    run_id: str | None
    created_at: Timestamp | None
    description: str
    verdict: str | None
    verdict_by: str | None
    verdict_at: Timestamp | None
    evidence: list[EvidenceOut]


class SeriesOut(BaseModel):
    service: str
    metric: str
    labels: str
    ref: str = Field(description="the raw store reference of the series (file#series=N)")
    lines: list[int] = Field(description="source lines of the first and last point")
    points: list[tuple[Timestamp, float]]


class TimelineEventOut(BaseModel):
    uid: str
    kind: str = Field(description="change, alert, metric_anomaly, log_burst, new_log_template")
    subkind: str = Field(description="a change's kind; a signal's metric")
    service: str
    at: Timestamp
    end: Timestamp | None = Field(description="an alert's end (the window's end if firing)")
    label: str
    source: str | None
    source_ref: str | None


class SubgraphNodeOut(BaseModel):
    name: str
    kind: str | None
    owner: str | None
    layer: int = Field(description="hops from the symptoms along dependencies; callers < 0")
    symptom: bool
    anomalous: bool
    blamed: bool
    on_path: bool


class SubgraphEdgeOut(BaseModel):
    src: str
    dst: str
    type: str
    on_path: bool


class SubgraphOut(BaseModel):
    nodes: list[SubgraphNodeOut]
    edges: list[SubgraphEdgeOut]
    path: list[str] = Field(description="the blamed path: symptom → … → candidate")


class TimelineOut(BaseModel):
    """An incident's timeline (series, events) and dependency subgraph."""

    incident: str
    scope: str
    start: Timestamp
    end: Timestamp
    series: list[SeriesOut]
    events: list[TimelineEventOut]
    subgraph: SubgraphOut


class PostMortemDocument(BaseModel):
    """A post-mortem document (a generated draft; an edited one may replace any part)."""

    model_config = ConfigDict(extra="allow")

    schema_: str = Field(alias="schema", description="rcagraph.postmortem/1")
    incident: IncidentOut
    generated_at: Timestamp
    summary: str
    timeline: list[dict[str, Any]]
    impact: dict[str, Any]
    hypotheses: list[dict[str, Any]] = Field(description="the top five, with their evidence")
    contributing_factors: list[str]
    actions: list[dict[str, Any]] = Field(description="suggested remediation actions")
    lessons: list[str]


# -- post-mortems ---------------------------------------------------------------------------------


class FindingOut(BaseModel):
    """A blameless-language finding: a phrase that names or blames a person."""

    rule: str
    text: str
    start: int
    end: int
    message: str
    suggestion: str
    path: str = Field(description="JSON pointer of the string within the document")


class ApprovalOut(BaseModel):
    reviewer: str
    role: str
    at: Timestamp
    version: int
    owner: bool = Field(description="the reviewer is of the team owning the root cause")


class ApprovalState(BaseModel):
    required_reviewers: int
    owner_required: bool
    approvals: int
    owner_approved: bool
    satisfied: bool
    missing: list[str]


class PostMortemOut(BaseModel):
    id: str
    scope: str
    incident_id: str
    severity: str | None
    status: str
    current_version: int
    created_at: Timestamp
    updated_at: Timestamp
    digest: str
    approvals: list[ApprovalOut] = Field(description="approvals of the current version")
    content: dict[str, Any]
    blameless_findings: list[FindingOut]
    approval: ApprovalState


class PostMortemListed(_Node):
    id: str
    scope: str
    incident_id: str
    status: str
    current_version: int
    severity: str | None = None


class VersionOut(BaseModel):
    number: int
    author: str
    created_at: Timestamp
    digest: str
    note: str | None
    previous: int | None
    content: dict[str, Any] | None = Field(default=None, description="one version only")


class DiffOut(BaseModel):
    a: int
    b: int
    markdown_diff: str
    fields: list[dict[str, Any]]


class VerificationOut(BaseModel):
    uid: str
    at: Timestamp
    regressed: bool
    since: Timestamp
    signature: list[dict[str, Any]]
    recurrences: list[dict[str, Any]]
    reopened: list[str]
    verified: list[str]


class VerificationRecord(BaseModel):
    uid: str
    at: Timestamp
    regressed: bool
    details: str | None = Field(description="JSON: since, signature, recurrences, actions")


class ActionOut(_Node):
    uid: str
    id: str
    title: str
    owner: str
    due: Day
    status: str
    success_criterion: str
    postmortem_id: str


# -- KPIs, audit, tokens ------------------------------------------------------------------------


class KpiRow(BaseModel):
    group: str
    incidents: int
    mttd_minutes: float | None
    mttr_minutes: float | None
    time_to_first_action_minutes: float | None
    remediation_cycle_minutes: float | None
    actions: int
    overdue_actions: int
    overdue_share: float | None


class AuditEntryOut(BaseModel):
    uid: str
    at: Timestamp
    actor: str
    actor_id: str | None = Field(default=None, description="the actor's token id")
    role: str
    action: str
    target: str
    before: str | None = Field(description="JSON of the target before the change")
    after: str | None = Field(description="JSON of the target after the change")


class TokenInfo(BaseModel):
    id: str
    name: str
    role: str
    teams: list[str]
    scopes: list[str] | None = Field(
        description="the scopes the token sees ('*': every scope); none stored (a token from "
        "before scopes): every scope for an admin, the default scope otherwise"
    )
    created_at: Timestamp | None
    revoked_at: Timestamp | None = None
    revoked_by: str | None = None


# -- forecasts ----------------------------------------------------------------------------------


class DriverOut(BaseModel):
    feature: str
    value: float
    contribution: float = Field(description="probability change when set to its training mean")


class ForecastOut(BaseModel):
    service: str
    change_id: str | None
    mode: str = Field(description="the failure mode: cause kind, component, signature")
    horizon: str
    probability: float
    drivers: list[DriverOut]
    at: Timestamp | None
    model: str


# -- ingest -------------------------------------------------------------------------------------


class KindCountsOut(BaseModel):
    read: int
    loaded: int = Field(description="new in the graph")
    merged: int = Field(description="already there")
    rejected: int
    skipped: int = Field(0, description="valid records not used (acknowledged, not rejected)")
    skip_reasons: dict[str, int] = Field(
        default_factory=dict, description="skipped records per reason"
    )
    notes: dict[str, int] = Field(
        default_factory=dict,
        description="named counts of what a reader should know (e.g. unresolved_parents, "
        "unknown_service)",
    )


class RejectionOut(BaseModel):
    kind: str
    file: str
    reason: str
    line: int | None
    pointer: str | None
    field: str | None
    raw: str
    message: str


class LoadReportOut(BaseModel):
    """What a load did (the first 20 rejections)."""

    scope: str
    started_at: Timestamp
    finished_at: Timestamp | None
    kinds: dict[str, KindCountsOut]
    rejected: int
    rejections: list[RejectionOut]
    unknown_files: list[str]
    timings_ms: dict[str, float]


class OtlpAnswer(BaseModel):
    """``ExportLogsServiceResponse`` / ``ExportTraceServiceResponse`` /
    ``ExportMetricsServiceResponse`` (OTLP/HTTP JSON; a protobuf request gets the protobuf
    message)."""

    partial_success: dict[str, int | str] = Field(
        alias="partialSuccess", description="rejected records and the first error, if any"
    )
