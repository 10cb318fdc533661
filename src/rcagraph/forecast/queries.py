"""Cypher of the forecasting package: history in and out, failure modes, forecasts.

Writes are ``UNWIND $rows AS row`` batches (:meth:`rcagraph.graph.Graph.write_batches`) with
``$scope``, ``$version`` (and ``$source`` where rows carry none) as extra parameters.
"""

from __future__ import annotations

from rcagraph.graph import Query

# --- history: writes --------------------------------------------------------------------------

_COMPONENT_HEAD = """
UNWIND $rows AS row
MERGE (c:Component {uid: row.uid})
ON CREATE SET c.ingested_at = datetime(), c.source = row.source, c.source_ref = row.source_ref
"""
_COMPONENT_TAIL = """
  c.scope = $scope, c.name = row.name, c.kind = row.kind, c.loader_version = $version
"""
WRITE_SERVICES = Query(
    "forecast.write_services", _COMPONENT_HEAD + "SET c:Service," + _COMPONENT_TAIL
)
WRITE_RESOURCES = Query(
    "forecast.write_resources", _COMPONENT_HEAD + "SET c:Resource," + _COMPONENT_TAIL
)

WRITE_DEPENDS_ON = Query(
    "forecast.write_depends_on",
    """
UNWIND $rows AS row
MATCH (a:Component {uid: row.src})
MATCH (b:Component {uid: row.dst})
MERGE (a)-[r:DEPENDS_ON]->(b)
SET r.via = 'dependsOn'
""",
)

_CHANGE_HEAD = """
UNWIND $rows AS row
MERGE (c:Change {uid: row.uid})
ON CREATE SET c.ingested_at = datetime(), c.source = row.source, c.source_ref = row.source_ref
"""
_CHANGE_TAIL = """
  c.scope = $scope, c.change_id = row.change_id, c.kind = row.kind, c.at = row.at,
  c.service = row.service, c.flag_key = row.flag_key, c.loader_version = $version
WITH c, row
MATCH (x:Component {uid: row.component})
MERGE (c)-[:CHANGED]->(x)
"""
WRITE_CHANGES: dict[str, Query] = {
    "deploy": Query(
        "forecast.write_deploys", _CHANGE_HEAD + "SET c:Event:Deployment," + _CHANGE_TAIL
    ),
    "flag": Query("forecast.write_flags", _CHANGE_HEAD + "SET c:Event:FlagChange," + _CHANGE_TAIL),
    "config": Query(
        "forecast.write_configs", _CHANGE_HEAD + "SET c:Event:ConfigChange," + _CHANGE_TAIL
    ),
    "infra": Query(
        "forecast.write_infra", _CHANGE_HEAD + "SET c:Event:InfraChange," + _CHANGE_TAIL
    ),
}
WRITE_OTHER_CHANGES = Query("forecast.write_changes", _CHANGE_HEAD + "SET c:Event," + _CHANGE_TAIL)

WRITE_ANOMALIES = Query(
    "forecast.write_anomalies",
    """
UNWIND $rows AS row
MERGE (a:Anomaly {uid: row.uid})
ON CREATE SET a.ingested_at = datetime(), a.source = row.source, a.source_ref = row.source_ref
SET a:Event, a.scope = $scope, a.service = row.service, a.metric = row.metric,
    a.direction = row.direction, a.signal = row.signal, a.at = row.at, a.peak_at = row.at,
    a.method = 'synthetic', a.loader_version = $version
WITH a, row
MATCH (c:Component {uid: row.component})
MERGE (a)-[:OBSERVED_ON]->(c)
""",
)

WRITE_ALERTS = Query(
    "forecast.write_alerts",
    """
UNWIND $rows AS row
MERGE (a:Alert {uid: row.uid})
ON CREATE SET a.ingested_at = datetime(), a.source = row.source, a.source_ref = row.source_ref
SET a:Event, a.scope = $scope, a.fingerprint = row.fingerprint, a.name = row.name,
    a.service = row.service, a.severity = row.severity, a.status = row.status, a.at = row.at,
    a.loader_version = $version
WITH a, row
MATCH (c:Component {uid: row.component})
MERGE (a)-[:OBSERVED_ON]->(c)
""",
)

WRITE_INCIDENTS = Query(
    "forecast.write_incidents",
    """
UNWIND $rows AS row
MERGE (i:Incident {uid: row.uid})
ON CREATE SET i.ingested_at = datetime(), i.source = row.source, i.source_ref = row.source_ref
SET i.scope = $scope, i.id = row.id, i.title = row.title, i.severity = row.severity,
    i.started_at = row.started_at, i.detected_at = row.started_at, i.status = 'resolved',
    i.loader_version = $version
WITH i, row
MATCH (c:Component {uid: row.component})
MERGE (i)-[s:HAS_SYMPTOM]->(c)
SET s.signal = row.signal, s.metric = row.metric
MERGE (h:Hypothesis {uid: row.hyp_uid})
ON CREATE SET h.ingested_at = datetime(), h.created_at = row.started_at,
    h.source = row.source, h.source_ref = row.source_ref
SET h.scope = $scope, h.rank = 1, h.kind = row.cause_kind, h.service = row.service,
    h.change_id = row.change_id, h.score = 1.0, h.confidence = 1.0, h.path = [],
    h.ranker = 'history-truth', h.run_id = 'history', h.verdict = 'confirmed',
    h.verdict_by = 'history', h.verdict_at = row.started_at, h.loader_version = $version
MERGE (i)-[:HAS_HYPOTHESIS]->(h)
WITH h, row
OPTIONAL MATCH (tc:Change {uid: row.target})
OPTIONAL MATCH (tp:Component {uid: row.target})
WITH h, row, coalesce(tc, tp) AS target
FOREACH (_ IN CASE WHEN target IS NULL THEN [] ELSE [1] END | MERGE (h)-[:BLAMES]->(target))
MERGE (e:Evidence {uid: row.evidence_uid})
ON CREATE SET e.ingested_at = datetime(), e.source = row.source, e.source_ref = row.source_ref
SET e.scope = $scope, e.kind = 'metric_anomaly', e.service = row.service, e.at = row.started_at,
    e.summary = row.metric + ' anomaly at onset', e.weight = 1.0, e.loader_version = $version
MERGE (h)-[:HAS_EVIDENCE]->(e)
WITH e, row
MATCH (a:Anomaly {uid: row.anomaly})
MERGE (e)-[:REFERS_TO]->(a)
""",
)

WRITE_LOG_EVIDENCE = Query(
    "forecast.write_log_evidence",
    """
UNWIND $rows AS row
MATCH (c:Component {uid: row.component})
MATCH (h:Hypothesis {uid: row.hyp_uid})
MERGE (t:LogTemplate {uid: row.template_uid})
ON CREATE SET t.ingested_at = datetime(), t.source = row.source, t.source_ref = row.source_ref,
    t.first_seen = row.at, t.count = 0
SET t.scope = $scope, t.template = row.template, t.template_id = row.template_id,
    t.service = row.service, t.severity = 'ERROR', t.loader_version = $version
MERGE (t)-[:TEMPLATE_OF]->(c)
MERGE (l:LogEvent {uid: row.event_uid})
ON CREATE SET l.ingested_at = datetime(), l.source = row.source, l.source_ref = row.source_ref
SET l:Event, l.scope = $scope, l.kind = 'new_template', l.service = row.service, l.at = row.at,
    l.count = 1, l.loader_version = $version
MERGE (l)-[:OBSERVED_ON]->(c)
MERGE (l)-[:OF_TEMPLATE]->(t)
MERGE (e:Evidence {uid: row.evidence_uid})
ON CREATE SET e.ingested_at = datetime(), e.source = row.source, e.source_ref = row.source_ref
SET e.scope = $scope, e.kind = 'new_log_template', e.service = row.service, e.at = row.at,
    e.summary = row.template, e.weight = 1.0, e.loader_version = $version
MERGE (h)-[:HAS_EVIDENCE]->(e)
MERGE (e)-[:REFERS_TO]->(l)
""",
)

# --- history: reads ---------------------------------------------------------------------------

READ_COMPONENTS = Query(
    "forecast.read_components",
    "MATCH (c:Component {scope: $scope}) RETURN c.name AS name, c.kind AS kind ORDER BY name",
)

READ_DEPENDENCIES = Query(
    "forecast.read_dependencies",
    """
MATCH (a:Component {scope: $scope})-[:DEPENDS_ON|CALLS]->(b:Component {scope: $scope})
WHERE a <> b
RETURN DISTINCT a.name AS src, b.name AS dst ORDER BY src, dst
""",
)

READ_CHANGES = Query(
    "forecast.read_changes",
    """
MATCH (c:Change {scope: $scope})
WHERE c.at IS NOT NULL
OPTIONAL MATCH (c)-[:CHANGED]->(x:Component)
OPTIONAL MATCH (c)-[:TOGGLED]->(:Flag)<-[:USES_FLAG]-(y:Component)
WITH c, collect(DISTINCT x.name) + collect(DISTINCT y.name) AS names
RETURN c.change_id AS change_id, c.kind AS kind, c.at AS at, c.flag_key AS flag_key,
       CASE WHEN c.service IS NULL THEN names ELSE [c.service] + names END AS services
ORDER BY at, change_id
""",
)

READ_ANOMALIES = Query(
    "forecast.read_anomalies",
    """
MATCH (a:Anomaly {scope: $scope})
WHERE a.at IS NOT NULL
OPTIONAL MATCH (a)-[:OBSERVED_ON]->(c:Component)
WITH a, coalesce(a.service, c.name) AS service
WHERE service IS NOT NULL
RETURN DISTINCT a.uid AS uid, service, a.metric AS metric, a.direction AS direction, a.at AS at
ORDER BY at
""",
)

READ_ALERTS = Query(
    "forecast.read_alerts",
    """
MATCH (a:Alert {scope: $scope})
WHERE a.at IS NOT NULL
OPTIONAL MATCH (a)-[:OBSERVED_ON]->(c:Component)
WITH a, coalesce(a.service, c.name) AS service
WHERE service IS NOT NULL
RETURN DISTINCT a.uid AS uid, service, a.name AS name, a.severity AS severity, a.at AS at
ORDER BY at
""",
)

#: one row per incident: its confirmed hypothesis (best rank), the anomaly metrics and log
#: templates its evidence rests on, and its symptoms
READ_INCIDENT_CAUSES = Query(
    "forecast.read_incident_causes",
    """
MATCH (i:Incident {scope: $scope})
WHERE i.started_at IS NOT NULL
OPTIONAL MATCH (i)-[:HAS_HYPOTHESIS]->(h:Hypothesis {verdict: 'confirmed'})
WITH i, h ORDER BY h.rank
WITH i, head(collect(h)) AS h
OPTIONAL MATCH (h)-[:HAS_EVIDENCE]->(:Evidence)-[:REFERS_TO]->(a:Anomaly)
WITH i, h, collect(DISTINCT a.metric + '/' + coalesce(a.direction, 'up')) AS metrics
OPTIONAL MATCH (h)-[:HAS_EVIDENCE]->(:Evidence)-[:REFERS_TO]->(:LogEvent)
               -[:OF_TEMPLATE]->(t:LogTemplate)
WITH i, h, metrics, collect(DISTINCT t.template) AS templates
OPTIONAL MATCH (h)-[:BLAMES]->(b)
WITH i, h, metrics, templates,
     head(collect(CASE WHEN b:Component THEN b.name ELSE b.service END)) AS blamed
OPTIONAL MATCH (i)-[s:HAS_SYMPTOM]->(c:Component)
RETURN i.uid AS uid, i.id AS id, i.started_at AS started_at, h.kind AS cause_kind,
       coalesce(h.service, blamed) AS cause_service, metrics, templates,
       collect({service: c.name, signal: s.signal, metric: s.metric}) AS symptoms
ORDER BY started_at, id
""",
)

# --- failure modes ------------------------------------------------------------------------------

WRITE_MODES = Query(
    "forecast.write_modes",
    """
UNWIND $rows AS row
MERGE (m:FailureMode {uid: row.uid})
ON CREATE SET m.ingested_at = datetime(), m.source = $source, m.source_ref = row.key
SET m.scope = $scope, m.key = row.key, m.cause_kind = row.cause_kind, m.service = row.service,
    m.signature = row.signature, m.count = row.count, m.first_seen = row.first_seen,
    m.last_seen = row.last_seen, m.loader_version = $version
WITH m, row
OPTIONAL MATCH (c:Component {scope: $scope, name: row.service})
FOREACH (_ IN CASE WHEN c IS NULL THEN [] ELSE [1] END | MERGE (m)-[:AFFECTS]->(c))
WITH m, row
UNWIND row.incidents AS incident_uid
MATCH (i:Incident {uid: incident_uid})
OPTIONAL MATCH (i)-[old:OF_MODE]->(other:FailureMode)
WHERE other.uid <> m.uid
DELETE old
MERGE (i)-[:OF_MODE]->(m)
""",
)

DELETE_ORPHAN_MODES = Query(
    "forecast.delete_orphan_modes",
    """
MATCH (m:FailureMode {scope: $scope})
WHERE NOT (m)<-[:OF_MODE]-(:Incident)
DETACH DELETE m
""",
)

READ_MODES = Query(
    "forecast.read_modes",
    """
MATCH (m:FailureMode {scope: $scope})
RETURN m.key AS key, m.cause_kind AS cause_kind, m.service AS service,
       m.signature AS signature, m.count AS count, m.first_seen AS first_seen,
       m.last_seen AS last_seen
ORDER BY count DESC, key
""",
)

# --- forecasts ----------------------------------------------------------------------------------

DELETE_FORECASTS = Query(
    "forecast.delete_forecasts",
    """
MATCH (f:Forecast {scope: $scope})
WHERE f.horizon IN $horizons
DETACH DELETE f
""",
)

_FORECAST_HEAD = """
UNWIND $rows AS row
MERGE (f:Forecast {uid: row.uid})
ON CREATE SET f.ingested_at = datetime(), f.source = $source, f.source_ref = row.source_ref
SET f.scope = $scope, f.horizon = row.horizon, f.probability = row.probability,
    f.made_at = row.made_at, f.model = row.model, f.drivers = row.drivers,
    f.loader_version = $version
WITH f, row
MATCH (m:FailureMode {uid: row.mode_uid})
MERGE (f)-[:PREDICTS]->(m)
WITH f, row
"""
WRITE_SERVICE_FORECASTS = Query(
    "forecast.write_service_forecasts",
    _FORECAST_HEAD
    + """
MATCH (c:Component {scope: $scope, name: row.service})
MERGE (f)-[:FOR]->(c)
""",
)
WRITE_CHANGE_FORECASTS = Query(
    "forecast.write_change_forecasts",
    _FORECAST_HEAD
    + """
MATCH (c:Change {scope: $scope, change_id: row.change_id})
MERGE (f)-[:FOR]->(c)
""",
)

READ_FORECASTS = Query(
    "forecast.read_forecasts",
    """
MATCH (f:Forecast {scope: $scope})-[:PREDICTS]->(m:FailureMode)
MATCH (f)-[:FOR]->(t)
WHERE $horizon IS NULL OR f.horizon = $horizon
RETURN CASE WHEN t:Change THEN t.service ELSE t.name END AS service,
       CASE WHEN t:Change THEN t.change_id ELSE null END AS change_id,
       m.key AS mode, f.horizon AS horizon, f.probability AS probability,
       f.drivers AS drivers, f.made_at AS made_at, f.model AS model
ORDER BY probability DESC
""",
)
