"""Cypher of the ranking engine: extracting an incident's view, writing hypotheses back.

Every query reads or writes one scope only (``$scope``). Extraction is a fixed handful of
queries per incident, never one per candidate.
"""

from __future__ import annotations

from typing import LiteralString

from rcagraph.graph import Query

INCIDENT = Query(
    "engine.incident",
    """
MATCH (i:Incident {scope: $scope, id: $incident_id})
RETURN i.id AS id, i.title AS title, i.severity AS severity, i.system AS system,
       i.started_at AS started_at, i.detected_at AS detected_at,
       COLLECT {
         MATCH (i)-[h:HAS_SYMPTOM]->(s:Component {scope: $scope})
         RETURN {service: s.name, signal: h.signal, metric: h.metric}
       } AS symptoms
""",
)

_DEPTH: dict[int, LiteralString] = {
    1: "1", 2: "2", 3: "3", 4: "4", 5: "5", 6: "6", 7: "7", 8: "8"
}  # fmt: skip
MAX_DEPTH = 8


def neighbourhood(depth: int) -> Query:
    """The symptoms' dependency neighbourhood: what they need (downstream, towards causes) and
    who calls them (upstream, for blast radius and onset order), at most ``depth`` hops.

    Variable-length bounds cannot be parameters in Cypher, so the bound is literal text chosen
    from a fixed set (1..8).
    """
    d = _DEPTH[max(1, min(MAX_DEPTH, depth))]
    return Query(
        "engine.neighbourhood",
        "MATCH (s:Component {scope: $scope}) WHERE s.name IN $symptoms "
        "CALL (s) { MATCH (s)-[:DEPENDS_ON|CALLS*0.." + d + "]->(x:Component {scope: $scope}) "
        "RETURN collect(DISTINCT x.name) AS down } "
        "CALL (s) { MATCH (s)<-[:DEPENDS_ON|CALLS*1.." + d + "]-(y:Component {scope: $scope}) "
        "RETURN collect(DISTINCT y.name) AS up } "
        "RETURN s.name AS symptom, down, up",
    )


#: Anchored on the composite ``change_scope_at`` index (scope equality + time range): a seek
#: over the window's changes only, whatever the size of the scope or of other scopes.
#: Times come back as epoch seconds + nanoseconds (hydrating driver ``DateTime`` objects costs
#: more than the query on large windows); :func:`rcagraph.engine.extract.epoch_datetime`
#: turns them back into the same ``datetime``.
CHANGES = Query(
    "engine.changes",
    """
MATCH (c:Change {scope: $scope})
USING INDEX c:Change(scope, at)
WHERE c.at >= $start AND c.at <= $end
RETURN c.uid AS uid, c.change_id AS change_id, c.kind AS kind,
       c.at.epochSeconds AS at_s, c.at.nanosecond AS at_ns,
       c.service AS service, c.summary AS summary, c.action AS action, c.version AS version,
       c.rollback AS rollback, c.rollout_share AS rollout_share,
       c.first_deploy_of_version AS first_deploy_of_version, c.flag_key AS flag_key,
       c.source AS source, c.source_ref AS source_ref, c.rollout_steps AS rollout_steps,
       coalesce(c.observed, false) AS observed,
       COLLECT { MATCH (c)-[:CHANGED]->(d:Component {scope: $scope}) RETURN d.name } AS changed,
       COLLECT {
         MATCH (c)-[:TOGGLED]->(:Flag {scope: $scope})<-[:USES_FLAG]-(u:Component {scope: $scope})
         RETURN u.name
       } AS flag_users
ORDER BY c.at
""",
)

#: One seek on the composite ``event_scope_at`` index (every signal node carries ``:Event``,
#: see the graph model) instead of one scan per label: the window's events only, then the
#: signal labels. Columnar: one record holding one list per signal, in time order (ties by
#: uid), read without the driver's per-record overhead (:func:`~rcagraph.engine.extract.
#: read_columns`); times as in :data:`CHANGES`. Columns: uid, kind, service, at_s, at_ns,
#: summary, metric, direction, magnitude, source, source_ref, severity (the log level of a log
#: event's template, None for anomalies and alerts), end_s, end_ns (a metric anomaly's last
#: point, None for other signals), excess (a metric anomaly's robust z beyond its series'
#: normal envelope, None where unknown), baseline and value (a metric anomaly's baseline median
#: and episode median, in the series' unit).
SIGNALS = Query(
    "engine.signals",
    """
MATCH (e:Event {scope: $scope})
USING INDEX e:Event(scope, at)
WHERE e.at >= $start AND e.at <= $end AND (e:Anomaly OR e:LogEvent OR e:Alert)
OPTIONAL MATCH (e)-[:OBSERVED_ON]->(c:Component {scope: $scope})
WITH e, coalesce(c.name, e.service) AS service
WHERE service IS NOT NULL
WITH e, service ORDER BY e.at, e.uid
RETURN collect([
  e.uid,
  CASE
    WHEN e:Anomaly THEN 'metric_anomaly'
    WHEN e:LogEvent THEN
      CASE e.kind WHEN 'new_template' THEN 'new_log_template' ELSE 'log_burst' END
    ELSE 'alert'
  END,
  service, e.at.epochSeconds, e.at.nanosecond, coalesce(e.summary, e.name, e.kind), e.metric,
  e.direction, coalesce(e.magnitude, e.baseline_ratio), e.source, e.source_ref,
  CASE WHEN e:LogEvent
    THEN head([(e)-[:OF_TEMPLATE]->(t:LogTemplate {scope: $scope}) | t.severity])
  END,
  e.end_at.epochSeconds, e.end_at.nanosecond, e.signal, e.excess, e.baseline, e.value
]) AS signals
""",
)

#: The canary verdicts of the window (a release's new pods against its old pods, see
#: docs/graph-model.md), on the range index of ``CanaryVerdict.at``; times as in
#: :data:`CHANGES`.
CANARY_VERDICTS = Query(
    "engine.canary_verdicts",
    """
MATCH (v:CanaryVerdict {scope: $scope})
WHERE v.at >= $start AND v.at <= $end
RETURN v.uid AS uid, v.service AS service, v.metric AS metric, v.new_version AS new_version,
       v.verdict AS verdict, v.at.epochSeconds AS at_s, v.at.nanosecond AS at_ns,
       v.new_since.epochSeconds AS since_s, v.new_since.nanosecond AS since_ns,
       v.effect AS effect, v.p_value AS p_value, v.signal AS signal, v.summary AS summary,
       v.source AS source, v.source_ref AS source_ref
ORDER BY v.at, v.uid
""",
)

#: The named components and the dependency edges among them, columnar (one record):
#: ``components`` as [name, kind, owner, uid, instrumented, metric_series], ``edges`` as
#: [src, dst, type, calls, error_ratio].
COMPONENTS_EDGES = Query(
    "engine.components_edges",
    """
MATCH (a:Component {scope: $scope}) WHERE a.name IN $names
WITH collect(a) AS comps
RETURN [c IN comps | [c.name, c.kind, c.owner, c.uid, c.instrumented, c.metric_series]]
       AS components,
       COLLECT {
         UNWIND comps AS a
         MATCH (a)-[r:DEPENDS_ON|CALLS]->(b:Component {scope: $scope})
         WHERE b.name IN $names
         RETURN [a.name, b.name, type(r), r.calls, r.error_ratio]
       } AS edges
""",
)

# -- write-back -----------------------------------------------------------------------------

#: drop an earlier write of the same run (idempotent re-run)
DELETE_RUN = Query(
    "engine.delete_run",
    """
MATCH (h:Hypothesis {scope: $scope, run_id: $run_id})
OPTIONAL MATCH (h)-[:HAS_EVIDENCE]->(e:Evidence)
DETACH DELETE e, h
""",
)

WRITE_HYPOTHESES = Query(
    "engine.write_hypotheses",
    """
MATCH (i:Incident {scope: $scope, id: $incident_id})
UNWIND $rows AS row
MERGE (h:Hypothesis {uid: row.uid})
ON CREATE SET h.created_at = datetime(), h.ingested_at = datetime()
SET h.scope = $scope, h.rank = row.rank, h.kind = row.kind, h.service = row.service,
    h.change_id = row.change_id, h.score = row.score, h.confidence = row.confidence,
    h.path = row.path, h.ranker = $ranker, h.run_id = $run_id,
    h.source = 'rcagraph.engine', h.source_ref = $run_id, h.loader_version = $version
MERGE (i)-[:HAS_HYPOTHESIS]->(h)
WITH h, row
CALL (h, row) {
  MATCH (t:Change {uid: row.target_uid}) WHERE t.scope = $scope RETURN t
  UNION
  MATCH (t:Component {uid: row.target_uid}) WHERE t.scope = $scope RETURN t
}
MERGE (h)-[:BLAMES]->(t)
""",
)

WRITE_EVIDENCE = Query(
    "engine.write_evidence",
    """
UNWIND $rows AS row
MATCH (h:Hypothesis {uid: row.hypothesis_uid})
MERGE (e:Evidence {uid: row.uid})
ON CREATE SET e.ingested_at = datetime()
SET e.scope = $scope, e.kind = row.kind, e.service = row.service, e.at = row.at,
    e.summary = row.summary, e.weight = row.weight, e.source = row.source,
    e.source_ref = row.source_ref, e.loader_version = $version
MERGE (h)-[:HAS_EVIDENCE]->(e)
WITH e, row
CALL (e, row) {
  MATCH (t:Anomaly {uid: row.event_uid}) WHERE t.scope = $scope RETURN t
  UNION
  MATCH (t:LogEvent {uid: row.event_uid}) WHERE t.scope = $scope RETURN t
  UNION
  MATCH (t:Alert {uid: row.event_uid}) WHERE t.scope = $scope RETURN t
  UNION
  MATCH (t:Change {uid: row.event_uid}) WHERE t.scope = $scope RETURN t
  UNION
  MATCH (t:Component {uid: row.event_uid}) WHERE t.scope = $scope RETURN t
}
MERGE (e)-[:REFERS_TO]->(t)
""",
)

#: the written hypotheses of an incident, newest run first, each with the node it blames and
#: its evidence (with the event each refers to)
HYPOTHESES_OF_INCIDENT = Query(
    "engine.hypotheses_of_incident",
    "MATCH (i:Incident {uid: $uid})-[:HAS_HYPOTHESIS]->(h:Hypothesis) "
    "RETURN h{.*} AS h, "
    "COLLECT { MATCH (h)-[:BLAMES]->(t) RETURN {uid: t.uid, labels: labels(t), "
    "  name: t.name, change_id: t.change_id, kind: t.kind, summary: t.summary, "
    "  version: t.version, previous_version: t.previous_version, flag_key: t.flag_key, "
    "  service: t.service} } AS targets, "
    "COLLECT { MATCH (h)-[:HAS_EVIDENCE]->(e:Evidence) "
    "  OPTIONAL MATCH (e)-[:REFERS_TO]->(ev) "
    "  RETURN e{.*, ref_uid: ev.uid, ref_labels: labels(ev), "
    "    ref_source: coalesce(ev.source, e.source), "
    "    ref_source_ref: coalesce(ev.source_ref, e.source_ref)} } AS evidence "
    "ORDER BY h.created_at DESC, h.rank",
)
