"""CDEvents ``incident.{detected,reported,resolved}`` → the ``:Incident`` they name.

An incident event is evidence about one incident (``subject.id`` is its id, so it meets an
``incident.json`` of the same id on one node). It fills in what the incident does not say yet
and never contradicts what it does:

* ``started_at`` and ``detected_at``: the earliest detected/reported event, unless earlier
  already (a detection shows the incident had started by then);
* ``resolved_at``: the latest resolved event; ``status`` follows (resolved, mitigated, open);
* ``title``: the first detected/reported ``description`` when the incident has none;
  ``severity``: ``customData.severity`` when it is SEV1..SEV4 and the incident has none;
  ``ticket_uri``: the reported event's ``ticketURI``;
* ``subject.content.service`` → ``HAS_SYMPTOM {signal: 'other'}`` to that component, unless
  the incident already names a symptom there.

An ``incident.json`` loaded later is the responders' declaration: it sets its own fields again.
"""

from __future__ import annotations

from typing import Any

from rcagraph.graph import Query
from rcagraph.ids import uid
from rcagraph.loaders.base import LoadContext
from rcagraph.loaders.changes.cdevents import IncidentEventRow
from rcagraph.loaders.incident import incident_uid
from rcagraph.loaders.records import Where

KIND = "incident_event"

INCIDENT_EVENTS = Query(
    "loaders.cdevents_incident_events",
    "UNWIND $rows AS row "
    "MERGE (n:Incident {uid: row.uid}) "
    "ON CREATE SET n.ingested_at = $ingested_at, n.scope = $scope, n.id = row.id, "
    "n.title = '', n.source = row.source, n.source_ref = row.source_ref, "
    "n.loader_version = row.loader_version "
    "SET n.title = CASE WHEN coalesce(n.title, '') = '' AND row.opens "
    "  THEN coalesce(row.description, '') ELSE n.title END, "
    "n.severity = coalesce(n.severity, row.severity), "
    "n.ticket_uri = coalesce(row.ticket_uri, n.ticket_uri), "
    "n.started_at = CASE WHEN row.opens AND (n.started_at IS NULL OR row.at < n.started_at) "
    "  THEN row.at ELSE n.started_at END, "
    "n.detected_at = CASE WHEN row.opens AND (n.detected_at IS NULL OR row.at < n.detected_at) "
    "  THEN row.at ELSE n.detected_at END, "
    "n.resolved_at = CASE WHEN row.resolves AND (n.resolved_at IS NULL OR row.at > n.resolved_at) "
    "  THEN row.at ELSE n.resolved_at END "
    "SET n.status = CASE WHEN n.resolved_at IS NOT NULL THEN 'resolved' "
    "  WHEN n.mitigated_at IS NOT NULL THEN 'mitigated' ELSE 'open' END",
)

INCIDENT_EVENT_SYMPTOMS = Query(
    "loaders.cdevents_incident_symptoms",
    "UNWIND $rows AS row "
    "MATCH (i:Incident {uid: row.incident_uid}) "
    "MERGE (c:Component {uid: row.component_uid}) ON CREATE SET c.scope = $scope, "
    "c.name = row.service, c.ingested_at = $ingested_at, c.source = row.source, "
    "c.source_ref = row.source_ref, c.loader_version = row.loader_version "
    "WITH i, c, row WHERE NOT EXISTS { (i)-[:HAS_SYMPTOM]->(c) } "
    "MERGE (i)-[r:HAS_SYMPTOM {signal: 'other'}]->(c) "
    "ON CREATE SET r.ingested_at = $ingested_at, r.source = row.source, "
    "r.source_ref = row.source_ref, r.loader_version = row.loader_version",
)


def write_incident_events(ctx: LoadContext, batch: list[tuple[IncidentEventRow, Where]]) -> None:
    """Write a batch of incident events (counted as kind ``incident_event``)."""
    rows: list[dict[str, Any]] = []
    symptoms: list[dict[str, Any]] = []
    for event, where in sorted(batch, key=lambda item: item[0].at):
        prov = ctx.provenance(where.file, ctx.source_ref(where))
        iuid = incident_uid(ctx.scope, event.incident_id)
        rows.append(
            {
                "uid": iuid,
                "id": event.incident_id,
                "at": event.at,
                "opens": event.predicate in ("detected", "reported"),
                "resolves": event.predicate == "resolved",
                "description": event.description,
                "severity": event.severity,
                "ticket_uri": event.ticket_uri,
                **prov,
            }
        )
        if event.service:
            symptoms.append(
                {
                    "incident_uid": iuid,
                    "component_uid": uid(ctx.scope, "Component", event.service),
                    "service": event.service,
                    **prov,
                }
            )
    ctx.record_write(KIND, ctx.graph.write_batches(INCIDENT_EVENTS, rows, extra=ctx.params()))
    if symptoms:
        ctx.graph.write_batches(INCIDENT_EVENT_SYMPTOMS, symptoms, extra=ctx.params())
