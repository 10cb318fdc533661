"""The graph model of rcagraph, as data.

This module is the single source of truth for node labels, relationship types and their
properties. ``docs/graph-model.md`` documents it (a test checks that every label and type here
is documented there), the migrations derive constraints and indexes from it, and the RDF
ontology (:mod:`rcagraph.schema.ontology`) is generated from it.

Conventions every node follows:

* ``uid`` — a stable id derived from the node's source identity and its scope
  (:func:`rcagraph.ids.uid`); loaders ``MERGE`` on it, so re-loading merges instead of
  duplicating. Unique per label.
* ``scope`` — which graph the node belongs to: ``default`` (the shared, continuous graph of a
  deployment) or ``bundle:<incident id>`` for a bundle loaded in isolation for evaluation.
* provenance: ``source`` (file or receiver), ``source_ref`` (``line N`` or a JSON pointer),
  ``ingested_at`` (set when the node was first written), ``loader_version``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PROVENANCE: tuple[str, ...] = ("source", "source_ref", "ingested_at", "loader_version")
IDENTITY: tuple[str, ...] = ("uid", "scope")


@dataclass(frozen=True, slots=True)
class NodeType:
    label: str
    description: str
    properties: dict[str, str]
    #: extra labels some nodes of this type carry (e.g. Service on a Component)
    sublabels: tuple[str, ...] = ()
    #: properties that get a range index besides uid/scope
    indexed: tuple[str, ...] = ()
    #: provenance-carrying (every node written from data; False only for bookkeeping)
    provenance: bool = True


@dataclass(frozen=True, slots=True)
class RelType:
    type: str
    start: tuple[str, ...]
    end: tuple[str, ...]
    description: str
    properties: dict[str, str] = field(default_factory=dict)


_T = "datetime (UTC)"

NODES: tuple[NodeType, ...] = (
    NodeType(
        "Component",
        "A runtime component: a service, database, queue, function, load balancer, …",
        {
            "name": "string: the component's name as the sources call it (e.g. cartservice); "
            "a catalog entity outside Backstage's default namespace is NAMESPACE/NAME",
            "kind": "string: service, database, queue, cache, function, loadbalancer, "
            "storage, external, resource, other",
            "system": "string: the system it belongs to",
            "owner": "string: owning team (entity ref or name)",
            "lifecycle": "string: Backstage spec.lifecycle",
            "annotations": "string: JSON object of catalog annotations",
            "tier": "string: optional criticality tier",
            "instrumented": "boolean: false for a component seen only through its callers' "
            "measurements (a load balancer, a gateway, an external endpoint, a managed "
            "resource reached through an SDK), true for one with telemetry of its own; absent "
            "when unknown",
            "metric_series": "integer: how many metric series the bundle holds for the "
            "component (its metric files, and the per-minute call series derived from traces)",
            "metric_series_by_source": "list of string: the same per file, '<source> #<n>'",
        },
        sublabels=("Service", "Resource"),
        indexed=("name",),
    ),
    NodeType(
        "Team",
        "A team or person that owns components (Backstage Group, or a User owner).",
        {
            "name": "string",
            "kind": "string: group, user",
            "display_name": "string",
            "email": "string",
        },
        indexed=("name",),
    ),
    NodeType("System", "A system grouping components.", {"name": "string"}, indexed=("name",)),
    NodeType(
        "API",
        "An API provided and consumed by components (Backstage API).",
        {"name": "string", "type": "string: openapi, grpc, …"},
        indexed=("name",),
    ),
    NodeType(
        "Change",
        "A change to a component: deploy, flag, config, infra, scale, schema, secret, other.",
        {
            "change_id": "string: the id the change carries in its own source",
            "kind": "string: deploy, flag, config, infra, scale, schema, secret, other",
            "at": _T,
            "service": "string: name of the component changed (may be absent for flags)",
            "actor": "string: who or what made the change",
            "summary": "string",
            "action": "string: deployed, upgraded, rolledback, removed, updateOn, …",
            "version": "string: deployed version (from the artifact's package URL)",
            "previous_version": "string",
            "artifact": "string: package URL (a Kubernetes rollout: the container image)",
            "environment": "string",
            "rollback": "boolean",
            "rollout_share": "float 0..1: share of traffic/instances reached",
            "first_deploy_of_version": "boolean",
            "flag_key": "string: for flag changes",
            "before": "string: JSON of the value before (flags, config)",
            "after": "string: JSON of the value after",
            "attributes": "string: JSON of further attributes",
            "rollout_steps": "list of string: a Kubernetes rollout's ScalingReplicaSet steps, "
            "'<time> scaled up/down <replicaset> to N [from M]', in time order",
            "observed": "boolean: true for a release seen only in versioned metrics (change_id "
            "'observed:<service>@<version>', action 'observed', at the new version's first "
            "sample); the engine leaves it out where a deploy record stands for the release",
        },
        sublabels=("Deployment", "FlagChange", "ConfigChange", "InfraChange", "Event"),
        indexed=("at", "change_id", "kind"),
    ),
    NodeType(
        "Flag",
        "A feature flag (LaunchDarkly or Unleash).",
        {"key": "string", "project": "string", "provider": "string: launchdarkly, unleash"},
        indexed=("key",),
    ),
    NodeType(
        "LogTemplate",
        "A log template mined from log lines of one component (drain3).",
        {
            "template": "string: the template text, variables as <*>",
            "template_id": "string: stable hash of service + template",
            "service": "string",
            "count": "integer: lines seen",
            "first_seen": _T,
            "severity": "string: most severe level seen",
            "count_by_source": "list of string: '<source file> #<lines>' per file that fed it",
        },
        indexed=("template_id",),
    ),
    NodeType(
        "LogEvent",
        "A log episode worth reasoning about: an error burst or a new template on a component.",
        {
            "kind": "string: error_burst, new_template",
            "service": "string",
            "at": _T + " (onset)",
            "peak_at": _T,
            "end_at": _T,
            "count": "integer: lines in the episode",
            "rate": "float: lines per minute at the peak",
            "baseline_ratio": "float: peak rate over baseline rate",
            "samples": "list of string: sample lines",
            "raw_ref": "string: Parquet file and row range of the raw lines",
        },
        sublabels=("Event",),
        indexed=("at",),
    ),
    NodeType(
        "Anomaly",
        "A metric anomaly or change point on a component's series.",
        {
            "service": "string",
            "metric": "string: e.g. latency, error_ratio, requests, availability",
            "signal": "string: latency, errors, availability, saturation, other",
            "at": _T + " (onset)",
            "peak_at": _T,
            "direction": "string: up, down",
            "magnitude": "float: robust z-score of the shift",
            "baseline": "float: value before onset (median)",
            "value": "float: value after onset (median or peak)",
            "method": "string: detector used",
            "summary": "string",
            "series_ref": "string: Parquet file of the raw series",
            "end_at": _T + " (last point of the episode)",
            "labels": "string: the series' other labels, k=v;k=v",
            "count": "integer: a Kubernetes signal's occurrences (the event's count, a "
            "container's restarts)",
            "reason": "string: a Kubernetes signal's reason (BackOff, Unhealthy, OOMKilled, …)",
            "object": "string: a Kubernetes signal's object, Kind/namespace/name",
        },
        sublabels=("Event",),
        indexed=("at",),
    ),
    NodeType(
        "CanaryVerdict",
        "A release's new version against its old version on one metric, in the minutes where "
        "both ran (canary analysis at load time).",
        {
            "service": "string",
            "metric": "string",
            "signal": "string: latency, errors, availability, saturation, other",
            "labels": "string: the compared series' shared labels (version and instance "
            "labels dropped), k=v;k=v",
            "new_version": "string: the newest version (a version label, else a ReplicaSet hash)",
            "old_versions": "list of string: the versions it was compared with",
            "verdict": "string: degraded, better, same",
            "direction": "string: up, down (of the new version's difference)",
            "p_value": "float: one-sided Mann-Whitney U p in the failure direction",
            "effect": "float: median per-minute difference over the old pods' robust scale",
            "ratio": "float: new median / old median (null when the old median is 0)",
            "new_median": "float",
            "old_median": "float",
            "at": _T + " (onset of a degradation; else the overlap's start)",
            "new_since": _T + " (the new version's first sample)",
            "overlap_start": _T,
            "overlap_end": _T,
            "overlap_minutes": "integer: minutes where both versions reported",
            "new_samples": "integer",
            "old_samples": "integer",
            "method": "string: mann_whitney_u",
            "summary": "string",
            "series_ref": "string: Parquet file of a new-version series",
        },
        indexed=("at",),
    ),
    NodeType(
        "Alert",
        "An Alertmanager alert; identity is the upstream fingerprint.",
        {
            "fingerprint": "string",
            "name": "string: alertname",
            "service": "string",
            "status": "string: firing, resolved",
            "at": _T + " (startsAt)",
            "ends_at": _T,
            "severity": "string",
            "labels": "string: JSON object",
            "annotations": "string: JSON object",
            "generator_url": "string",
        },
        sublabels=("Event",),
        indexed=("at", "fingerprint"),
    ),
    NodeType(
        "Note",
        "A responder's own observation: an incident ticket, a comment on it, a change of its "
        "fields, or a chat message (GitHub, Jira, Slack, Microsoft Teams); text redacted.",
        {
            "kind": "string: ticket, comment, ticket_update, chat",
            "system": "string: github, jira, slack, teams",
            "ref": "string: how people name it (acme/shop#12, OPS-7, #incidents)",
            "at": _T + " (created, or the time of the update)",
            "updated_at": _T + ": last edited, as the source says",
            "title": "string: ticket title or summary, message subject",
            "text": "string: body, comment, field changes or message, as plain text",
            "summary": "string: one line for the timeline",
            "author": "string: who wrote it (login or display name)",
            "url": "string: where it lives in its system",
            "status": "string: the ticket's status (open, closed, In Progress, …)",
            "channel": "string: chat channel (Slack channel name, Teams channel or chat id)",
            "parent_uid": "string: uid of the ticket of a comment or update, or of a "
            "thread's first message",
        },
        sublabels=("Event",),
        indexed=("at", "parent_uid"),
    ),
    NodeType(
        "Incident",
        "An incident: what responders declared (incident.json) and what CDEvents incident "
        "events reported, with its symptoms.",
        {
            "id": "string: incident id (e.g. INC-1042)",
            "title": "string",
            "severity": "string: SEV1..SEV4",
            "system": "string",
            "status": "string: open, mitigated, resolved",
            "started_at": _T,
            "detected_at": _T,
            "mitigated_at": _T,
            "resolved_at": _T,
            "ticket_uri": "string: the incident's ticket (CDEvents incident.reported)",
        },
        indexed=("id", "started_at"),
    ),
    NodeType(
        "Hypothesis",
        "A ranked root-cause candidate for an incident, from one ranking run.",
        {
            "rank": "integer, 1 = best",
            "kind": "string: deploy, flag, config, infra, service",
            "service": "string",
            "change_id": "string or null",
            "score": "float",
            "confidence": "float 0..1, calibrated",
            "path": "list of string: dependency path from symptom to candidate",
            "ranker": "string: ranker name and version",
            "run_id": "string: the ranking run",
            "created_at": _T,
            "verdict": "string: confirmed, refuted, or null",
            "verdict_by": "string",
            "verdict_at": _T,
        },
    ),
    NodeType(
        "Evidence",
        "One piece of evidence behind a hypothesis, pointing at the event it rests on.",
        {
            "kind": "string: metric_anomaly, log_burst, new_log_template, alert, change, "
            "onset_order, path",
            "service": "string",
            "at": _T,
            "summary": "string",
            "weight": "float: contribution to the score",
        },
    ),
    NodeType(
        "PostMortem",
        "The post-mortem of an incident; its content lives in immutable versions.",
        {
            "id": "string",
            "incident_id": "string",
            "status": "string: draft, in_review, approved, published",
            "current_version": "integer",
            "created_at": _T,
            "updated_at": _T,
        },
        indexed=("id",),
    ),
    NodeType(
        "PostMortemVersion",
        "One immutable version of a post-mortem document.",
        {
            "number": "integer",
            "author": "string",
            "author_id": "string: the author's token id (self-approval is keyed on it)",
            "created_at": _T,
            "content": "string: JSON of the document",
            "digest": "string: sha256 of the content",
            "note": "string: what changed",
        },
    ),
    NodeType(
        "Approval",
        "A reviewer's approval of one post-mortem version.",
        {
            "reviewer": "string",
            "reviewer_id": "string: the reviewer's token id",
            "role": "string",
            "at": _T,
            "version": "integer",
            "owner": "boolean: the reviewer is in the team owning the root-cause service",
        },
    ),
    NodeType(
        "Action",
        "A remediation action from a post-mortem.",
        {
            "id": "string",
            "title": "string",
            "owner": "string: team or person",
            "due": "date",
            "status": "string: open, in_progress, done, verified, reopened, cancelled",
            "success_criterion": "string",
            "ticket_url": "string",
            "created_at": _T,
            "done_at": _T,
            "kind": "string: rollback, revert_flag, revert_config, revert_change, add_alert, "
            "fix, other",
            "service": "string: the component the action concerns",
            "updated_at": _T,
        },
        indexed=("id", "status", "due"),
    ),
    NodeType(
        "Verification",
        "A check of new telemetry for an incident's failure signature after remediation.",
        {"at": _T, "regressed": "boolean", "details": "string: JSON"},
    ),
    NodeType(
        "AuditEntry",
        "An append-only record of a change made through the API.",
        {
            "at": _T,
            "actor": "string",
            "actor_id": "string: the actor's token id (names are shown, ids are keyed on)",
            "role": "string",
            "action": "string",
            "target": "string",
            "before": "string: JSON",
            "after": "string: JSON",
        },
        indexed=("at",),
        provenance=False,
    ),
    NodeType(
        "ApiToken",
        "An API token (stored hashed): its role, teams and scopes.",
        {
            "id": "string: the token's id (audit entries and approvals key on it)",
            "name": "string: unique, also after revocation",
            "token_hash": "string: sha256",
            "role": "string",
            "created_at": _T,
            "team": "string: the holder's team (tokens created before teams)",
            "teams": "list of string: the holder's teams (ownership and owner approvals)",
            "scopes": "list of string: the scopes the token may see; `*`: every scope",
            "revoked_at": "datetime (UTC): set once the token is revoked",
            "revoked_by": "string: who revoked it",
        },
        indexed=("token_hash",),
        provenance=False,
    ),
    NodeType(
        "FailureMode",
        "A recurring way things fail: root-cause kind + component + signature.",
        {
            "key": "string",
            "cause_kind": "string",
            "service": "string",
            "signature": "string: anomaly metric/direction or log template",
            "count": "integer",
            "first_seen": _T,
            "last_seen": _T,
        },
        indexed=("key",),
    ),
    NodeType(
        "Forecast",
        "The probability of an incident of a failure mode for a component or change.",
        {
            "horizon": "string: 24h, 7d",
            "probability": "float",
            "made_at": _T,
            "model": "string",
            "drivers": "string: JSON of top features",
        },
    ),
    NodeType(
        "Load",
        "One run of a loader over a bundle or a receiver batch, with its report.",
        {"started_at": _T, "finished_at": _T, "bundle": "string", "report": "string: JSON"},
    ),
    NodeType(
        "SchemaMigration",
        "A migration applied to the graph (bookkeeping).",
        {"version": "integer", "name": "string", "applied_at": _T},
        provenance=False,
    ),
)

RELS: tuple[RelType, ...] = (
    RelType(
        "DEPENDS_ON",
        ("Component",),
        ("Component",),
        "The start needs the end (catalog dependsOn, consumesApis joined to providesApis, "
        "a component to its subcomponents).",
        {"via": "string: dependsOn, api:<name>, subcomponentOf"},
    ),
    RelType(
        "CALLS",
        ("Component",),
        ("Component",),
        "Observed or declared calls (edges.csv, traces); the caller depends on the callee.",
        {
            "protocol": "string",
            "calls": "float: weight or call count",
            "error_ratio": "float",
            "p95_ms": "float",
            "series_ref": "string: Parquet of per-minute call stats",
            "stats_by_source": "list of string: '<trace file> #calls,errors,p95' per file",
        },
    ),
    RelType("OWNS", ("Team",), ("Component", "Flag"), "Ownership from the catalog."),
    RelType("PART_OF", ("Component",), ("System",), "System membership."),
    RelType("PROVIDES_API", ("Component",), ("API",), "Catalog providesApis."),
    RelType("CONSUMES_API", ("Component",), ("API",), "Catalog consumesApis."),
    RelType("CHANGED", ("Change",), ("Component",), "The change touched the component."),
    RelType("TOGGLED", ("Change",), ("Flag",), "A flag change toggled this flag."),
    RelType(
        "USES_FLAG",
        ("Component",),
        ("Flag",),
        "The component evaluates the flag (service: tag or catalog annotation).",
    ),
    RelType(
        "OBSERVED_ON",
        ("Anomaly", "LogEvent", "Alert", "CanaryVerdict"),
        ("Component",),
        "Where it was seen.",
    ),
    RelType(
        "MENTIONS",
        ("Note",),
        ("Component", "Change"),
        "A ticket or message names the component or change (docs/formats.md: the rules).",
    ),
    RelType(
        "ABOUT", ("Note",), ("Incident",), "The incident a bundle's tickets and chat are about."
    ),
    RelType("REPLIES_TO", ("Note",), ("Note",), "A comment to its ticket, a reply to its thread."),
    RelType("OF_TEMPLATE", ("LogEvent",), ("LogTemplate",), "The template of a log event."),
    RelType("TEMPLATE_OF", ("LogTemplate",), ("Component",), "The component that logs it."),
    RelType(
        "HAS_SYMPTOM",
        ("Incident",),
        ("Component",),
        "A symptom of the incident.",
        {"signal": "string", "metric": "string"},
    ),
    RelType("HAS_HYPOTHESIS", ("Incident",), ("Hypothesis",), "Ranked hypotheses."),
    RelType("BLAMES", ("Hypothesis",), ("Change", "Component"), "The candidate it names."),
    RelType("HAS_EVIDENCE", ("Hypothesis",), ("Evidence",), "Its evidence."),
    RelType(
        "REFERS_TO",
        ("Evidence",),
        ("Anomaly", "LogEvent", "Alert", "Change", "Component"),
        "What the evidence rests on.",
    ),
    RelType("HAS_POSTMORTEM", ("Incident",), ("PostMortem",), "The incident's post-mortem."),
    RelType("HAS_VERSION", ("PostMortem",), ("PostMortemVersion",), "Every version."),
    RelType("PREVIOUS", ("PostMortemVersion",), ("PostMortemVersion",), "Version chain."),
    RelType("APPROVED", ("Approval",), ("PostMortemVersion",), "An approval of a version."),
    RelType("HAS_ACTION", ("PostMortem",), ("Action",), "Remediation actions."),
    RelType(
        "ADDRESSES", ("Action",), ("Hypothesis", "Change", "Component"), "What the action fixes."
    ),
    RelType("VERIFIED_BY", ("PostMortem", "Action"), ("Verification",), "Post-remediation check."),
    RelType("OF_MODE", ("Incident",), ("FailureMode",), "The failure mode of an incident."),
    RelType("AFFECTS", ("FailureMode",), ("Component",), "The component of a failure mode."),
    RelType("FOR", ("Forecast",), ("Component", "Change"), "What a forecast is about."),
    RelType("PREDICTS", ("Forecast",), ("FailureMode",), "The mode a forecast predicts."),
    RelType("FROM_LOAD", ("Incident",), ("Load",), "Loads of an incident's bundle."),
)

MODEL: dict[str, NodeType] = {n.label: n for n in NODES}


def node_type(label: str) -> NodeType:
    return MODEL[label]
