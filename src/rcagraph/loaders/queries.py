"""Cypher of the bundle loaders: incident, topology, changes, alerts and the load record.

Every write is an ``UNWIND $rows AS row`` batch that ``MERGE``s on ``uid``; ``ingested_at`` is
set on create only, so re-loading a bundle changes nothing. ``$scope`` and ``$ingested_at`` come
with every batch (:meth:`rcagraph.loaders.base.LoadContext.params`). Components that a record
names but the catalog did not describe are created as stubs (name and provenance only).
"""

from __future__ import annotations

from typing import LiteralString

from rcagraph.graph import Query

# provenance of the node or relationship bound to `n` / `r`, from the row
_NPROV: LiteralString = (
    "n.source = row.source, n.source_ref = row.source_ref, n.loader_version = row.loader_version"
)
_RPROV: LiteralString = (
    "ON CREATE SET r.ingested_at = $ingested_at "
    "SET r.source = row.source, r.source_ref = row.source_ref, "
    "r.loader_version = row.loader_version "
)


def _provenance_fields(var: LiteralString) -> LiteralString:
    return (
        var
        + ".ingested_at = $ingested_at, "
        + var
        + ".source = row.source, "
        + var
        + ".source_ref = row.source_ref, "
        + var
        + ".loader_version = row.loader_version "
    )


def provenance_on_create(var: LiteralString) -> LiteralString:
    """``ON CREATE SET`` of the ingest time and the row's provenance on ``var``."""
    return "ON CREATE SET " + _provenance_fields(var)


def component_stub(var: LiteralString, uid: LiteralString, name: LiteralString) -> LiteralString:
    """MERGE a Component by uid; on create, give it its name, scope and provenance."""
    return (
        "MERGE ("
        + var
        + ":Component {uid: row."
        + uid
        + "}) ON CREATE SET "
        + var
        + ".scope = $scope, "
        + var
        + ".name = row."
        + name
        + ", "
        + _provenance_fields(var)
    )


# -- incident ------------------------------------------------------------------------------

INCIDENT = Query(
    "loaders.incident",
    "UNWIND $rows AS row "
    "MERGE (n:Incident {uid: row.uid}) "
    "ON CREATE SET n.ingested_at = $ingested_at "
    "SET n.scope = $scope, n.id = row.id, n.title = row.title, n.severity = row.severity, "
    "n.system = row.system, n.status = row.status, n.started_at = row.started_at, "
    "n.detected_at = row.detected_at, n.mitigated_at = row.mitigated_at, "
    "n.resolved_at = row.resolved_at, " + _NPROV,
)

INCIDENT_SYMPTOMS = Query(
    "loaders.incident_symptoms",
    "UNWIND $rows AS row "
    "MATCH (i:Incident {uid: row.incident_uid}) "
    + component_stub("c", "component_uid", "service")
    + "MERGE (i)-[r:HAS_SYMPTOM {signal: row.signal}]->(c) "
    + _RPROV
    + ", r.metric = row.metric",
)

# -- topology: catalog entities ----------------------------------------------------------


def _component(sublabel: LiteralString) -> Query:
    return Query(
        "loaders.catalog_component_" + sublabel.lower(),
        "UNWIND $rows AS row "
        "MERGE (n:Component {uid: row.uid}) "
        "ON CREATE SET n.ingested_at = $ingested_at "
        "SET n:" + sublabel + ", n.scope = $scope, n.name = row.name, n.kind = row.kind, "
        "n.system = row.system, n.owner = row.owner, n.lifecycle = row.lifecycle, "
        "n.annotations = row.annotations, n.tier = row.tier, "
        "n.instrumented = row.instrumented, " + _NPROV,
    )


CATALOG_SERVICE = _component("Service")
CATALOG_RESOURCE = _component("Resource")

CATALOG_TEAM = Query(
    "loaders.catalog_team",
    "UNWIND $rows AS row "
    "MERGE (n:Team {uid: row.uid}) "
    "ON CREATE SET n.ingested_at = $ingested_at "
    "SET n.scope = $scope, n.name = row.name, n.kind = row.kind, "
    "n.display_name = row.display_name, n.email = row.email, " + _NPROV,
)

CATALOG_SYSTEM = Query(
    "loaders.catalog_system",
    "UNWIND $rows AS row "
    "MERGE (n:System {uid: row.uid}) "
    "ON CREATE SET n.ingested_at = $ingested_at "
    "SET n.scope = $scope, n.name = row.name, " + _NPROV,
)

CATALOG_API = Query(
    "loaders.catalog_api",
    "UNWIND $rows AS row "
    "MERGE (n:API {uid: row.uid}) "
    "ON CREATE SET n.ingested_at = $ingested_at "
    "SET n.scope = $scope, n.name = row.name, n.type = row.type, " + _NPROV,
)

CATALOG_DEPENDS_ON = Query(
    "loaders.catalog_depends_on",
    "UNWIND $rows AS row "
    "MATCH (a:Component {uid: row.src_uid}) "
    + component_stub("b", "dst_uid", "dst_name")
    + "MERGE (a)-[r:DEPENDS_ON {via: 'dependsOn'}]->(b) "
    + _RPROV,
)

#: spec.subcomponentOf: the parent depends on its subcomponent (it breaks when one does)
CATALOG_SUBCOMPONENT_OF = Query(
    "loaders.catalog_subcomponent_of",
    "UNWIND $rows AS row "
    "MATCH (sub:Component {uid: row.src_uid}) "
    + component_stub("parent", "dst_uid", "dst_name")
    + "MERGE (parent)-[r:DEPENDS_ON {via: 'subcomponentOf'}]->(sub) "
    + _RPROV,
)

CATALOG_OWNS = Query(
    "loaders.catalog_owns",
    "UNWIND $rows AS row "
    "MATCH (c:Component {uid: row.src_uid}) "
    "MERGE (t:Team {uid: row.team_uid}) "
    "ON CREATE SET t.scope = $scope, t.name = row.team, t.kind = row.team_kind, "
    "t.ingested_at = $ingested_at, t.source = row.source, t.source_ref = row.source_ref, "
    "t.loader_version = row.loader_version "
    "MERGE (t)-[r:OWNS]->(c) " + _RPROV,
)

CATALOG_PART_OF = Query(
    "loaders.catalog_part_of",
    "UNWIND $rows AS row "
    "MATCH (c:Component {uid: row.src_uid}) "
    "MERGE (s:System {uid: row.system_uid}) "
    "ON CREATE SET s.scope = $scope, s.name = row.system, s.ingested_at = $ingested_at, "
    "s.source = row.source, s.source_ref = row.source_ref, s.loader_version = row.loader_version "
    "MERGE (c)-[r:PART_OF]->(s) " + _RPROV,
)


def _api_rel(rel: LiteralString) -> Query:
    return Query(
        "loaders.catalog_" + rel.lower(),
        "UNWIND $rows AS row "
        "MATCH (c:Component {uid: row.src_uid}) "
        "MERGE (a:API {uid: row.api_uid}) "
        "ON CREATE SET a.scope = $scope, a.name = row.api, a.ingested_at = $ingested_at, "
        "a.source = row.source, a.source_ref = row.source_ref, "
        "a.loader_version = row.loader_version "
        "MERGE (c)-[r:" + rel + "]->(a) " + _RPROV,
    )


CATALOG_PROVIDES_API = _api_rel("PROVIDES_API")
CATALOG_CONSUMES_API = _api_rel("CONSUMES_API")

CATALOG_USES_FLAG = Query(
    "loaders.catalog_uses_flag",
    "UNWIND $rows AS row "
    "MATCH (c:Component {uid: row.src_uid}) "
    "MERGE (f:Flag {uid: row.flag_uid}) "
    "ON CREATE SET f.scope = $scope, f.key = row.flag_key, f.ingested_at = $ingested_at, "
    "f.source = row.source, f.source_ref = row.source_ref, f.loader_version = row.loader_version "
    "MERGE (c)-[r:USES_FLAG]->(f) " + _RPROV,
)

#: consumesApis joined to the providers of the same API → DEPENDS_ON {via: 'api:<name>'}
CATALOG_API_DEPENDENCIES = Query(
    "loaders.catalog_api_dependencies",
    "MATCH (a:Component {scope: $scope})-[ca:CONSUMES_API]->(api:API)"
    "<-[:PROVIDES_API]-(b:Component {scope: $scope}) "
    "WHERE a <> b "
    "MERGE (a)-[r:DEPENDS_ON {via: 'api:' + api.name}]->(b) "
    "ON CREATE SET r.ingested_at = $ingested_at "
    "SET r.source = ca.source, r.source_ref = ca.source_ref, r.loader_version = ca.loader_version",
)

# -- topology: edges.csv -----------------------------------------------------------------

EDGE_CALLS = Query(
    "loaders.edge_calls",
    "UNWIND $rows AS row "
    + component_stub("a", "caller_uid", "caller")
    + component_stub("b", "callee_uid", "callee")
    + "MERGE (a)-[r:CALLS]->(b) "
    + _RPROV
    + ", r.protocol = coalesce(row.protocol, r.protocol), r.calls = coalesce(row.calls, r.calls)",
)

# -- changes -----------------------------------------------------------------------------


def _change(labels: LiteralString) -> Query:
    return Query(
        "loaders.change" + labels.replace(":", "_").lower(),
        "UNWIND $rows AS row "
        "MERGE (n:Change {uid: row.uid}) "
        "ON CREATE SET n.ingested_at = $ingested_at "
        "SET n" + labels + ", n.scope = $scope, n.change_id = row.change_id, n.kind = row.kind, "
        "n.at = row.at, n.service = row.service, n.actor = row.actor, n.summary = row.summary, "
        "n.action = row.action, n.version = row.version, "
        "n.previous_version = row.previous_version, n.artifact = row.artifact, "
        "n.environment = row.environment, n.rollback = row.rollback, "
        "n.rollout_share = row.rollout_share, n.flag_key = row.flag_key, n.before = row.before, "
        "n.after = row.after, n.attributes = row.attributes, " + _NPROV,
    )


CHANGE_DEPLOYMENT = _change(":Event:Deployment")
CHANGE_FLAG = _change(":Event:FlagChange")
CHANGE_CONFIG = _change(":Event:ConfigChange")
CHANGE_INFRA = _change(":Event:InfraChange")
CHANGE_OTHER = _change(":Event")

CHANGE_CHANGED = Query(
    "loaders.change_changed",
    "UNWIND $rows AS row "
    "MATCH (c:Change {uid: row.change_uid}) "
    + component_stub("s", "component_uid", "service")
    + "MERGE (c)-[r:CHANGED]->(s) "
    + _RPROV,
)

CHANGE_TOGGLED = Query(
    "loaders.change_toggled",
    "UNWIND $rows AS row "
    "MATCH (c:Change {uid: row.change_uid}) "
    "MERGE (f:Flag {uid: row.flag_uid}) "
    "ON CREATE SET f.scope = $scope, f.key = row.flag_key, f.ingested_at = $ingested_at, "
    "f.source = row.source, f.source_ref = row.source_ref, f.loader_version = row.loader_version "
    "SET f.provider = coalesce(row.provider, f.provider), "
    "f.project = coalesce(row.project, f.project) "
    "MERGE (c)-[r:TOGGLED]->(f) " + _RPROV,
)

#: a flag's `service:NAME` tag says that service evaluates the flag
CHANGE_USES_FLAG = Query(
    "loaders.change_uses_flag",
    "UNWIND $rows AS row "
    "MATCH (f:Flag {uid: row.flag_uid}) "
    + component_stub("s", "component_uid", "service")
    + "MERGE (s)-[r:USES_FLAG]->(f) "
    + _RPROV,
)

#: a deploy is the first of its version when no earlier deploy of that service in the scope
#: carried the same version (recomputed for the whole scope after each changes file)
CHANGE_FIRST_DEPLOY = Query(
    "loaders.change_first_deploy_of_version",
    "MATCH (c:Change {scope: $scope, kind: 'deploy'}) "
    "WHERE c.version IS NOT NULL AND c.service IS NOT NULL AND NOT coalesce(c.rollback, false) "
    "OPTIONAL MATCH (p:Change {scope: $scope, kind: 'deploy', service: c.service, "
    "version: c.version}) WHERE p.at < c.at "
    "WITH c, count(p) AS earlier "
    "SET c.first_deploy_of_version = (earlier = 0)",
)

CHANGE_ROLLBACK_NOT_FIRST = Query(
    "loaders.change_rollback_not_first",
    "MATCH (c:Change {scope: $scope, kind: 'deploy', rollback: true}) "
    "SET c.first_deploy_of_version = false",
)

# -- alerts --------------------------------------------------------------------------------

ALERT = Query(
    "loaders.alert",
    "UNWIND $rows AS row "
    "MERGE (n:Alert {uid: row.uid}) "
    "ON CREATE SET n.ingested_at = $ingested_at "
    "SET n:Event, n.scope = $scope, n.fingerprint = row.fingerprint, n.name = row.name, "
    "n.service = row.service, n.at = row.at, n.severity = row.severity, n.labels = row.labels, "
    "n.annotations = row.annotations, n.generator_url = row.generator_url, "
    "n.ends_at = CASE WHEN row.status = 'resolved' THEN row.ends_at ELSE n.ends_at END, "
    "n.status = CASE WHEN row.status = 'resolved' OR n.status IS NULL THEN row.status "
    "ELSE n.status END, " + _NPROV,
)

ALERT_OBSERVED_ON = Query(
    "loaders.alert_observed_on",
    "UNWIND $rows AS row "
    "MATCH (a:Alert {uid: row.alert_uid}) "
    + component_stub("s", "component_uid", "service")
    + "MERGE (a)-[r:OBSERVED_ON]->(s) "
    + _RPROV,
)

# -- the load record -------------------------------------------------------------------------

LOAD_RECORD = Query(
    "loaders.load_record",
    "MERGE (l:Load {uid: $uid}) "
    "ON CREATE SET l.ingested_at = $ingested_at "
    "SET l.scope = $scope, l.started_at = $started_at, l.finished_at = $finished_at, "
    "l.bundle = $bundle, l.report = $report, l.source = $bundle, l.source_ref = '', "
    "l.loader_version = $loader_version "
    "WITH l "
    "OPTIONAL MATCH (i:Incident {uid: $incident_uid}) "
    "FOREACH (_ IN CASE WHEN i IS NULL THEN [] ELSE [1] END | "
    "MERGE (i)-[r:FROM_LOAD]->(l) "
    "ON CREATE SET r.ingested_at = $ingested_at "
    "SET r.source = $bundle, r.source_ref = '', r.loader_version = $loader_version)",
)

#: every node of a scope, with its relationships (a bundle reloaded into a fresh scope)
DELETE_SCOPE = Query(
    "loaders.delete_scope",
    "MATCH (n) WHERE n.scope = $scope CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS",
)
