"""Cypher of the post-mortem workflow: incidents, hypotheses, post-mortems, actions, audit, tokens.

Every query is named and parameterised; batches go through ``UNWIND $rows``.
"""

from __future__ import annotations

from typing import LiteralString

from rcagraph.graph import Query

# --- incidents --------------------------------------------------------------------------------

INCIDENT_DECLARE = Query(
    "postmortem.incident_declare",
    "OPTIONAL MATCH (x:Incident {uid: $uid}) "
    "WITH x WHERE x IS NULL "
    "CREATE (i:Incident {uid: $uid, scope: $scope}) "
    "SET i += $props, i.ingested_at = $at, i.source = $source, i.source_ref = $source_ref, "
    "i.loader_version = $loader_version "
    "WITH i "
    "CALL (i) { "
    "  UNWIND $symptoms AS s "
    "  MERGE (c:Component {uid: s.component_uid}) "
    "  ON CREATE SET c.name = s.service, c.scope = i.scope, c.source = $source, "
    "    c.source_ref = $source_ref, c.ingested_at = $at, c.loader_version = $loader_version "
    "  MERGE (i)-[r:HAS_SYMPTOM]->(c) SET r.signal = s.signal, r.metric = s.metric "
    "} "
    "RETURN i.uid AS uid",
)

INCIDENT_FIND = Query(
    "postmortem.incident_find",
    "MATCH (i:Incident {id: $id}) WHERE ($scope IS NULL OR i.scope = $scope) "
    "AND ($scopes IS NULL OR i.scope IN $scopes) "
    "RETURN i.uid AS uid, i.scope AS scope ORDER BY i.scope LIMIT 10",
)

INCIDENT_GET = Query(
    "postmortem.incident_get",
    "MATCH (i:Incident {uid: $uid}) "
    "RETURN i{.*} AS incident, "
    "COLLECT { MATCH (i)-[r:HAS_SYMPTOM]->(c:Component) "
    "  RETURN {service: c.name, signal: r.signal, metric: r.metric, uid: c.uid} } AS symptoms",
)

INCIDENT_UPDATE = Query(
    "postmortem.incident_update",
    "MATCH (i:Incident {uid: $uid}) "
    "WITH i, i{.*} AS before "
    "SET i += $props "
    "RETURN before, i{.*} AS after",
)

INCIDENT_LIST = Query(
    "postmortem.incident_list",
    "MATCH (i:Incident) "
    "WHERE ($scope IS NULL OR i.scope = $scope) AND ($scopes IS NULL OR i.scope IN $scopes) "
    "AND ($severity IS NULL OR i.severity = $severity) "
    "AND ($status IS NULL OR i.status = $status) "
    "AND ($system IS NULL OR i.system = $system) "
    "AND ($since IS NULL OR i.started_at >= $since) "
    "AND ($until IS NULL OR i.started_at < $until) "
    "AND ($service IS NULL OR EXISTS { (i)-[:HAS_SYMPTOM]->(:Component {name: $service}) }) "
    "RETURN i{.*} AS incident, "
    "COLLECT { MATCH (i)-[r:HAS_SYMPTOM]->(c:Component) "
    "  RETURN {service: c.name, signal: r.signal, metric: r.metric, uid: c.uid} } AS symptoms "
    "ORDER BY i.started_at DESC, i.id SKIP $offset LIMIT $limit",
)

# --- hypotheses -------------------------------------------------------------------------------

HYPOTHESIS_GET = Query(
    "postmortem.hypothesis_get",
    "MATCH (i:Incident)-[:HAS_HYPOTHESIS]->(h:Hypothesis {uid: $uid}) "
    "RETURN h{.*} AS h, i.uid AS incident_uid, i.id AS incident_id, i.scope AS scope",
)

HYPOTHESIS_VERDICT = Query(
    "postmortem.hypothesis_verdict",
    "MATCH (h:Hypothesis {uid: $uid}) "
    "WITH h, h{.verdict, .verdict_by, .verdict_at} AS before "
    "SET h.verdict = $verdict, h.verdict_by = $by, h.verdict_at = $at "
    "RETURN before, h{.verdict, .verdict_by, .verdict_at} AS after",
)

# --- draft material ---------------------------------------------------------------------------

EVENTS_IN_WINDOW = Query(
    "postmortem.events_in_window",
    "MATCH (e:Event) WHERE e.scope = $scope AND e.at >= $since AND e.at <= $until "
    "RETURN e.uid AS uid, labels(e) AS labels, e.at AS at, e.source AS source, "
    "e.source_ref AS source_ref, e.kind AS kind, e.service AS service, e.summary AS summary, "
    "e.name AS name, e.metric AS metric, e.direction AS direction, e.change_id AS change_id, "
    "e.flag_key AS flag_key, e.version AS version, e.status AS status, "
    "e.severity AS severity, e.count AS count, e.baseline AS baseline, e.value AS value, "
    "COLLECT { MATCH (e)-[:CHANGED|OBSERVED_ON|MENTIONS]->(c:Component) RETURN c.name } "
    "AS components ORDER BY e.at, e.uid LIMIT $limit",
)

UPSTREAM_OF = Query(
    "postmortem.upstream_of",
    "UNWIND $uids AS u "
    "MATCH (c:Component {uid: u}) "
    "OPTIONAL MATCH (caller:Component)-[:CALLS|DEPENDS_ON*1..3]->(c) "
    "WHERE caller.scope = c.scope "
    "WITH c, collect(DISTINCT caller.name) AS callers "
    "RETURN c.name AS service, callers, "
    "NOT EXISTS { (:Component)-[:CALLS|DEPENDS_ON]->(c) } AS entry_point",
)

SYMPTOM_OWNERS = Query(
    "postmortem.symptom_owners",
    "MATCH (i:Incident {uid: $uid}) "
    "RETURN COLLECT { MATCH (i)-[:HAS_SYMPTOM]->(c:Component) "
    "  OPTIONAL MATCH (t:Team)-[:OWNS]->(c) RETURN coalesce(t.name, c.owner) } AS teams",
)

PM_STATE_OF_INCIDENT = Query(
    "postmortem.pm_state_of_incident",
    "MATCH (i:Incident {uid: $uid})-[:HAS_POSTMORTEM]->(pm:PostMortem) "
    "RETURN pm.uid AS uid, pm.id AS id, pm.status AS status, "
    "pm.current_version AS version, "
    "COLLECT { MATCH (pm)-[:HAS_VERSION]->(v:PostMortemVersion {number: pm.current_version}) "
    "  MATCH (a:Approval)-[:APPROVED]->(v) "
    "  RETURN a{.reviewer, .reviewer_id, .owner, .version} } AS approvals",
)

OWNERS = Query(
    "postmortem.owners",
    "UNWIND $names AS name "
    "MATCH (c:Component {scope: $scope, name: name}) "
    "OPTIONAL MATCH (t:Team)-[:OWNS]->(c) "
    "RETURN name AS service, coalesce(t.name, c.owner) AS owner",
)

# --- post-mortems -----------------------------------------------------------------------------

PM_FIND = Query(
    "postmortem.pm_find",
    "MATCH (pm:PostMortem {id: $id}) WHERE ($scope IS NULL OR pm.scope = $scope) "
    "AND ($scopes IS NULL OR pm.scope IN $scopes) "
    "MATCH (i:Incident)-[:HAS_POSTMORTEM]->(pm) "
    "RETURN pm{.*} AS pm, pm.scope AS scope, i.uid AS incident_uid, i.severity AS severity "
    "ORDER BY pm.scope LIMIT 10",
)

PM_OF_INCIDENT = Query(
    "postmortem.pm_of_incident",
    "MATCH (i:Incident {uid: $uid})-[:HAS_POSTMORTEM]->(pm:PostMortem) RETURN pm.id AS id",
)

PM_LIST = Query(
    "postmortem.pm_list",
    "MATCH (i:Incident)-[:HAS_POSTMORTEM]->(pm:PostMortem) "
    "WHERE ($status IS NULL OR pm.status = $status) AND ($scope IS NULL OR pm.scope = $scope) "
    "AND ($scopes IS NULL OR pm.scope IN $scopes) "
    "RETURN pm{.*} AS pm, i.severity AS severity "
    "ORDER BY pm.created_at DESC SKIP $offset LIMIT $limit",
)

PM_CREATE = Query(
    "postmortem.pm_create",
    "MATCH (i:Incident {uid: $incident_uid}) "
    "CREATE (pm:PostMortem {uid: $uid, scope: i.scope, id: $id, incident_id: i.id, "
    "  status: 'draft', current_version: 1, created_at: $at, updated_at: $at, "
    "  source: $source, source_ref: $source_ref, ingested_at: $at, "
    "  loader_version: $loader_version}) "
    "CREATE (v:PostMortemVersion {uid: $version_uid, scope: i.scope, number: 1, "
    "  author: $author, author_id: $author_id, created_at: $at, content: $content, "
    "  digest: $digest, note: $note, "
    "  source: $source, source_ref: $source_ref, ingested_at: $at, "
    "  loader_version: $loader_version}) "
    "CREATE (i)-[:HAS_POSTMORTEM]->(pm), (pm)-[:HAS_VERSION]->(v)",
)

PM_EDIT = Query(
    "postmortem.pm_edit",
    "MATCH (pm:PostMortem {uid: $uid}) "
    "WHERE pm.current_version = $base AND pm.status <> 'published' "
    "MATCH (pm)-[:HAS_VERSION]->(prev:PostMortemVersion {number: $base}) "
    "CREATE (v:PostMortemVersion {uid: $version_uid, scope: pm.scope, number: $base + 1, "
    "  author: $author, author_id: $author_id, created_at: $at, content: $content, "
    "  digest: $digest, note: $note, "
    "  source: $source, source_ref: $source_ref, ingested_at: $at, "
    "  loader_version: $loader_version}) "
    "CREATE (pm)-[:HAS_VERSION]->(v), (v)-[:PREVIOUS]->(prev) "
    "SET pm.current_version = $base + 1, pm.updated_at = $at, "
    "pm.status = CASE pm.status WHEN 'approved' THEN 'in_review' ELSE pm.status END "
    "RETURN v.number AS number, pm.status AS status",
)

PM_VERSION = Query(
    "postmortem.pm_version",
    "MATCH (pm:PostMortem {uid: $uid})-[:HAS_VERSION]->(v:PostMortemVersion {number: $number}) "
    "OPTIONAL MATCH (v)-[:PREVIOUS]->(p:PostMortemVersion) "
    "RETURN v{.*} AS v, p.number AS previous",
)

PM_VERSIONS = Query(
    "postmortem.pm_versions",
    "MATCH (pm:PostMortem {uid: $uid})-[:HAS_VERSION]->(v:PostMortemVersion) "
    "OPTIONAL MATCH (v)-[:PREVIOUS]->(p:PostMortemVersion) "
    "RETURN v{.number, .author, .author_id, .created_at, .digest, .note} AS v, "
    "p.number AS previous "
    "ORDER BY v.number",
)

PM_TRANSITION = Query(
    "postmortem.pm_transition",
    "MATCH (pm:PostMortem {uid: $uid}) "
    "WHERE pm.status = $from_status AND pm.current_version = $version "
    "SET pm.status = $to_status, pm.updated_at = $at "
    "RETURN pm.status AS status",
)

PM_APPROVE = Query(
    "postmortem.pm_approve",
    "MATCH (pm:PostMortem {uid: $uid}) "
    "WHERE pm.status = 'in_review' AND pm.current_version = $version "
    "MATCH (pm)-[:HAS_VERSION]->(v:PostMortemVersion {number: $version}) "
    "CREATE (a:Approval {uid: $approval_uid, scope: pm.scope, reviewer: $reviewer, "
    "  reviewer_id: $reviewer_id, "
    "  role: $role, at: $at, version: $version, owner: $owner, source: $source, "
    "  source_ref: $source_ref, ingested_at: $at, loader_version: $loader_version}) "
    "CREATE (a)-[:APPROVED]->(v) "
    "RETURN a.uid AS uid",
)

PM_APPROVALS = Query(
    "postmortem.pm_approvals",
    "MATCH (pm:PostMortem {uid: $uid})-[:HAS_VERSION]->(v:PostMortemVersion) "
    "MATCH (a:Approval)-[:APPROVED]->(v) "
    "RETURN a{.reviewer, .reviewer_id, .role, .at, .version, .owner} AS a ORDER BY a.at",
)

# --- actions ----------------------------------------------------------------------------------

ACTIONS_CREATE = Query(
    "postmortem.actions_create",
    "MATCH (pm:PostMortem {uid: $pm_uid}) "
    "UNWIND $rows AS row "
    "CREATE (a:Action {uid: row.uid, scope: pm.scope}) "
    "SET a += row.props, a.created_at = $at, a.updated_at = $at, a.source = $source, "
    "a.source_ref = $source_ref, a.ingested_at = $at, a.loader_version = $loader_version "
    "CREATE (pm)-[:HAS_ACTION]->(a) "
    "WITH a, row "
    "CALL (a, row) { "
    "  UNWIND row.addresses AS target_uid "
    "  MATCH (t {uid: target_uid}) WHERE t:Hypothesis OR t:Change OR t:Component "
    "  MERGE (a)-[:ADDRESSES]->(t) "
    "} "
    "RETURN a.id AS id",
)

ACTION_COUNT = Query(
    "postmortem.action_count",
    "MATCH (pm:PostMortem {uid: $pm_uid})-[:HAS_ACTION]->(a:Action) RETURN count(a) AS n",
)

ACTION_FIND = Query(
    "postmortem.action_find",
    "MATCH (pm:PostMortem)-[:HAS_ACTION]->(a:Action {id: $id}) "
    "WHERE ($scope IS NULL OR a.scope = $scope) AND ($scopes IS NULL OR a.scope IN $scopes) "
    "MATCH (i:Incident)-[:HAS_POSTMORTEM]->(pm) "
    "RETURN a{.*} AS a, a.scope AS scope, pm.id AS postmortem_id, pm.uid AS pm_uid, "
    "i.uid AS incident_uid "
    "ORDER BY a.scope LIMIT 10",
)

ACTION_UPDATE = Query(
    "postmortem.action_update",
    "MATCH (a:Action {uid: $uid}) WHERE a.status = $expected_status "
    "WITH a, a{.*} AS before "
    "SET a += $props "
    "RETURN before, a{.*} AS after",
)

ACTIONS_OF_PM = Query(
    "postmortem.actions_of_pm",
    "MATCH (pm:PostMortem {uid: $pm_uid})-[:HAS_ACTION]->(a:Action) "
    "RETURN a{.*, postmortem_id: pm.id, "
    "  addresses: COLLECT { MATCH (a)-[:ADDRESSES]->(t) RETURN t.uid }} AS a "
    "ORDER BY a.id",
)

ACTIONS_LIST = Query(
    "postmortem.actions_list",
    "MATCH (pm:PostMortem)-[:HAS_ACTION]->(a:Action) "
    "WHERE ($status IS NULL OR a.status = $status) AND ($owner IS NULL OR a.owner = $owner) "
    "AND ($scope IS NULL OR a.scope = $scope) AND ($scopes IS NULL OR a.scope IN $scopes) "
    "AND (NOT $overdue OR (a.due < $today AND a.status IN ['open', 'in_progress', 'reopened'])) "
    "RETURN a{.*, postmortem_id: pm.id} AS a ORDER BY a.due, a.id SKIP $offset LIMIT $limit",
)

ACTIONS_SET_STATUS = Query(
    "postmortem.actions_set_status",
    "UNWIND $rows AS row "
    "MATCH (a:Action {uid: row.uid}) "
    "SET a.status = row.status, a.updated_at = $at "
    "RETURN a.id AS id",
)

# --- verification -----------------------------------------------------------------------------

SIGNATURE_FROM_EVIDENCE = Query(
    "postmortem.signature_from_evidence",
    "UNWIND $hypothesis_uids AS hu "
    "MATCH (h:Hypothesis {uid: hu})-[:HAS_EVIDENCE]->(:Evidence)-[:REFERS_TO]->(ev) "
    "WHERE ev:Anomaly OR ev:LogEvent "
    "OPTIONAL MATCH (ev)-[:OBSERVED_ON]->(c:Component) "
    "OPTIONAL MATCH (ev)-[:OF_TEMPLATE]->(t:LogTemplate) "
    "RETURN DISTINCT coalesce(ev.service, c.name) AS service, "
    "CASE WHEN ev:Anomaly THEN 'anomaly' ELSE 'log' END AS kind, ev.metric AS metric, "
    "ev.direction AS direction, t.template_id AS template_id",
)

SIGNATURE_FROM_WINDOW = Query(
    "postmortem.signature_from_window",
    "MATCH (ev:Event) WHERE ev.scope = $scope AND ev.at >= $since AND ev.at <= $until "
    "AND (ev:Anomaly OR ev:LogEvent) "
    "OPTIONAL MATCH (ev)-[:OBSERVED_ON]->(c:Component) "
    "OPTIONAL MATCH (ev)-[:OF_TEMPLATE]->(t:LogTemplate) "
    "WITH ev, coalesce(ev.service, c.name) AS service, t "
    "WHERE service IN $services "
    "RETURN DISTINCT service, CASE WHEN ev:Anomaly THEN 'anomaly' ELSE 'log' END AS kind, "
    "ev.metric AS metric, ev.direction AS direction, t.template_id AS template_id",
)

RECURRENCES = Query(
    "postmortem.recurrences",
    "MATCH (ev:Event) WHERE ev.scope = $scope AND ev.at > $since "
    "AND (ev:Anomaly OR ev:LogEvent) "
    "OPTIONAL MATCH (ev)-[:OBSERVED_ON]->(c:Component) "
    "OPTIONAL MATCH (ev)-[:OF_TEMPLATE]->(t:LogTemplate) "
    "WITH ev, coalesce(ev.service, c.name) AS service, t.template_id AS template_id "
    "UNWIND $signatures AS s "
    "WITH ev, service, template_id, s WHERE service = s.service AND ("
    "  (s.kind = 'anomaly' AND ev:Anomaly AND ev.metric = s.metric "
    "   AND ev.direction = s.direction) OR "
    "  (s.kind = 'log' AND ev:LogEvent AND s.template_id IS NOT NULL "
    "   AND template_id = s.template_id)) "
    "RETURN DISTINCT ev.uid AS uid, service, ev.at AS at, s.kind AS kind, ev.metric AS metric, "
    "ev.direction AS direction, template_id, ev.source AS source, "
    "ev.source_ref AS source_ref ORDER BY at",
)

VERIFICATION_CREATE = Query(
    "postmortem.verification_create",
    "MATCH (pm:PostMortem {uid: $pm_uid}) "
    "CREATE (v:Verification {uid: $uid, scope: pm.scope, at: $at, regressed: $regressed, "
    "  details: $details, source: $source, source_ref: $source_ref, ingested_at: $at, "
    "  loader_version: $loader_version}) "
    "CREATE (pm)-[:VERIFIED_BY]->(v) "
    "WITH v "
    "UNWIND $action_uids AS au "
    "MATCH (a:Action {uid: au}) "
    "CREATE (a)-[:VERIFIED_BY]->(v) "
    "RETURN count(*) AS n",
)

VERIFICATIONS_OF_PM = Query(
    "postmortem.verifications_of_pm",
    "MATCH (pm:PostMortem {uid: $pm_uid})-[:VERIFIED_BY]->(v:Verification) "
    "RETURN v{.uid, .at, .regressed, .details} AS v ORDER BY v.at",
)

# --- KPIs -------------------------------------------------------------------------------------

KPI_INCIDENTS = Query(
    "postmortem.kpi_incidents",
    "MATCH (i:Incident) "
    "WHERE ($scope IS NULL OR i.scope = $scope) AND ($scopes IS NULL OR i.scope IN $scopes) "
    "AND ($since IS NULL OR i.started_at >= $since) "
    "AND ($until IS NULL OR i.started_at < $until) "
    "RETURN i.id AS id, i.severity AS severity, i.started_at AS started_at, "
    "i.detected_at AS detected_at, i.resolved_at AS resolved_at, "
    "COLLECT { MATCH (i)-[:HAS_SYMPTOM]->(c:Component) "
    "  OPTIONAL MATCH (t:Team)-[:OWNS]->(c) "
    "  RETURN {service: c.name, team: coalesce(t.name, c.owner)} } AS services, "
    "COLLECT { MATCH (i)-[:HAS_POSTMORTEM]->(:PostMortem)-[:HAS_ACTION]->(a:Action) "
    "  RETURN a{.status, .created_at, .done_at, .due, .owner} } AS actions",
)

# --- audit ------------------------------------------------------------------------------------

AUDIT_EXISTS = Query(
    "postmortem.audit_exists",
    "MATCH (e:AuditEntry {uid: $uid}) RETURN e.uid AS uid",
)

AUDIT_APPEND = Query(
    "postmortem.audit_append",
    "MERGE (e:AuditEntry {uid: $uid}) "
    "ON CREATE SET e.scope = 'audit', e.at = $at, e.actor = $actor, e.actor_id = $actor_id, "
    "  e.role = $role, e.action = $action, e.target = $target, e.before = $before, "
    "  e.after = $after",
)

AUDIT_QUERY = Query(
    "postmortem.audit_query",
    "MATCH (e:AuditEntry) "
    "WHERE ($target IS NULL OR e.target = $target) AND ($actor IS NULL OR e.actor = $actor) "
    "AND ($actor_id IS NULL OR e.actor_id = $actor_id) "
    "AND ($action IS NULL OR e.action = $action) "
    "AND ($since IS NULL OR e.at >= $since) AND ($until IS NULL OR e.at < $until) "
    "AND ($scopes IS NULL OR split(e.target, '|')[0] IN $scopes) "
    "RETURN e{.*} AS e ORDER BY e.at DESC, e.uid SKIP $offset LIMIT $limit",
)

# --- tokens -----------------------------------------------------------------------------------

TOKEN_CREATE = Query(
    "postmortem.token_create",
    "CREATE (t:ApiToken {uid: $uid, scope: 'system', id: $id, name: $name, "
    "  token_hash: $token_hash, role: $role, teams: $teams, scopes: $scopes, created_at: $at})",
)

_RETURN_API_KEY: LiteralString = (
    "RETURN t.uid AS uid, t.id AS id, t.name AS name, t.role AS role, t.team AS team, "
    "t.teams AS teams, t.scopes AS scopes, t.revoked_at AS revoked_at LIMIT 1"
)

TOKEN_BY_HASH = Query(
    "postmortem.token_by_hash",
    "MATCH (t:ApiToken {token_hash: $token_hash}) " + _RETURN_API_KEY,
)

TOKEN_BY_NAME = Query(
    "postmortem.token_by_name",
    "MATCH (t:ApiToken {name: $name}) " + _RETURN_API_KEY,
)

TOKEN_REVOKE = Query(
    "postmortem.token_revoke",
    "MATCH (t:ApiToken {name: $name}) WHERE t.revoked_at IS NULL "
    "SET t.revoked_at = $at, t.revoked_by = $by "
    "RETURN t{.id, .name, .role, .revoked_at, .revoked_by} AS t",
)

TOKEN_COUNT_ADMIN = Query(
    "postmortem.token_count_admin",
    "MATCH (t:ApiToken {role: 'admin'}) WHERE t.revoked_at IS NULL RETURN count(t) AS n",
)

TOKEN_LIST = Query(
    "postmortem.token_list",
    "MATCH (t:ApiToken) "
    "RETURN t{id: coalesce(t.id, t.uid), .name, .role, "
    "  teams: coalesce(t.teams, CASE WHEN t.team IS NULL THEN [] ELSE [t.team] END), "
    "  .scopes, .created_at, .revoked_at, .revoked_by} AS t ORDER BY t.created_at",
)
