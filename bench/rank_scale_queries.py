"""The writes of the rank-at-scale graph (:mod:`bench.rank_scale_world` builds the rows).

One scope, written with ``CREATE`` after the scope was cleared, so no ``MERGE`` is needed.
"""

from __future__ import annotations

from rcagraph.graph import Query

_PROV = (
    "scope: $scope, source: $source, source_ref: row.ref, ingested_at: $now, "
    "loader_version: $version"
)

W_SERVICE = Query(
    "bench.scale.service",
    "UNWIND $rows AS row CREATE (c:Component:Service {uid: row.uid, name: row.name, "
    "kind: row.kind, system: 'scale', owner: row.owner, tier: row.tier, " + _PROV + "})",
)
W_RESOURCE = Query(
    "bench.scale.resource",
    "UNWIND $rows AS row CREATE (c:Component:Resource {uid: row.uid, name: row.name, "
    "kind: row.kind, system: 'scale', owner: row.owner, " + _PROV + "})",
)
W_CALLS = Query(
    "bench.scale.calls",
    "UNWIND $rows AS row MATCH (a:Component {uid: row.src}) MATCH (b:Component {uid: row.dst}) "
    "CREATE (a)-[:CALLS {calls: row.calls, error_ratio: row.error_ratio, protocol: 'grpc', "
    "source: $source, ingested_at: $now}]->(b)",
)
W_DEPENDS = Query(
    "bench.scale.depends",
    "UNWIND $rows AS row MATCH (a:Component {uid: row.src}) MATCH (b:Component {uid: row.dst}) "
    "CREATE (a)-[:DEPENDS_ON {via: 'dependsOn', source: $source, ingested_at: $now}]->(b)",
)
W_FLAG = Query(
    "bench.scale.flag",
    "UNWIND $rows AS row CREATE (f:Flag {uid: row.uid, key: row.key, provider: 'launchdarkly', "
    "project: 'scale', " + _PROV + "}) WITH f, row UNWIND row.users AS u "
    "MATCH (c:Component {uid: u}) CREATE (c)-[:USES_FLAG {source: $source}]->(f)",
)


def _w_change(labels: str) -> Query:
    text = (
        "UNWIND $rows AS row CREATE (n:Change" + labels + " {uid: row.uid, "
        "change_id: row.change_id, kind: row.kind, at: datetime({epochMillis: row.at}), "
        "service: row.service, "
        "actor: row.actor, summary: row.summary, action: row.action, version: row.version, "
        "rollback: row.rollback, rollout_share: row.rollout_share, "
        "first_deploy_of_version: row.first, flag_key: row.flag_key, " + _PROV + "}) "
        "WITH n, row MATCH (c:Component {uid: row.cuid}) "
        "CREATE (n)-[:CHANGED {source: $source}]->(c) "
        "WITH n, row WHERE row.flag_uid IS NOT NULL "
        "MATCH (f:Flag {uid: row.flag_uid}) CREATE (n)-[:TOGGLED {source: $source}]->(f)"
    )
    return Query("bench.scale.change" + labels.replace(":", "_").lower(), text)


W_CHANGE = {
    "deploy": _w_change(":Event:Deployment"),
    "flag": _w_change(":Event:FlagChange"),
    "config": _w_change(":Event:ConfigChange"),
    "infra": _w_change(":Event:InfraChange"),
}

_OBS = "WITH e, row MATCH (c:Component {uid: row.cuid}) CREATE (e)-[:OBSERVED_ON]->(c)"
W_ANOMALY = Query(
    "bench.scale.anomaly",
    "UNWIND $rows AS row CREATE (e:Anomaly:Event {uid: row.uid, service: row.service, "
    "metric: row.metric, signal: row.signal, at: datetime({epochMillis: row.at}), "
    "direction: row.direction, "
    "magnitude: row.magnitude, method: 'robust_z', summary: row.summary, " + _PROV + "}) " + _OBS,
)
W_LOG = Query(
    "bench.scale.log",
    "UNWIND $rows AS row CREATE (e:LogEvent:Event {uid: row.uid, service: row.service, "
    "kind: row.kind, at: datetime({epochMillis: row.at}), count: row.count, rate: row.rate, "
    "baseline_ratio: row.ratio, " + _PROV + "}) " + _OBS,
)
W_ALERT = Query(
    "bench.scale.alert",
    "UNWIND $rows AS row CREATE (e:Alert:Event {uid: row.uid, service: row.service, "
    "fingerprint: row.fingerprint, name: row.name, status: 'resolved', "
    "at: datetime({epochMillis: row.at}), "
    "severity: row.severity, " + _PROV + "}) " + _OBS,
)
W_INCIDENT = Query(
    "bench.scale.incident",
    "UNWIND $rows AS row CREATE (i:Incident {uid: row.uid, id: row.id, title: row.title, "
    "severity: 'SEV2', system: 'scale', status: 'resolved', "
    "started_at: datetime({epochMillis: row.started_at}), "
    "detected_at: datetime({epochMillis: row.detected_at}), "
    + _PROV
    + "}) WITH i, row UNWIND row.symptoms AS s "
    "MATCH (c:Component {uid: s.cuid}) "
    "CREATE (i)-[:HAS_SYMPTOM {signal: s.signal, metric: s.metric}]->(c)",
)
DELETE_BATCH = Query(
    "bench.scale.delete_batch",
    "MATCH (n {scope: $scope}) WITH n LIMIT 20000 DETACH DELETE n RETURN count(*) AS n",
)
COUNTS = Query(
    "bench.scale.counts",
    "MATCH (n:Component {scope: $scope}) WITH count(n) AS components "
    "MATCH (e:Event {scope: $scope}) RETURN components, count(e) AS events",
)
W_USES = Query(
    "bench.scale.uses_flag",
    "UNWIND $rows AS row MATCH (c:Component {uid: row.cuid}) MATCH (f:Flag {uid: row.fuid}) "
    "CREATE (c)-[:USES_FLAG {source: $source}]->(f)",
)
