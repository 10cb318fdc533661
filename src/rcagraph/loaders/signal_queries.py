"""Cypher of the signal loaders (logs, metrics, traces).

Every write is an ``UNWIND $rows AS row`` batch that ``MERGE``s on ``uid``; ``ingested_at`` is
set on create only. Components are MERGEd by ``uid(scope, "Component", name)`` so they join the
topology; a component that only telemetry names is created as a stub (name, scope, provenance),
exactly as the topology loaders create stubs.

Aggregates that several files feed (a template's line count, a call edge's statistics) are kept
per source file in a sorted list property (``count_by_source``, ``stats_by_source``: entries
``"<source> #<values>"``); re-loading a file replaces its own entry, and the totals are
recomputed from the list, so loading twice leaves the same values.
"""

from __future__ import annotations

from rcagraph.graph import Query
from rcagraph.loaders.queries import component_stub, provenance_on_create

LOG_TEMPLATES = Query(
    "loaders.log_templates",
    "UNWIND $rows AS row "
    + component_stub("c", "component_uid", "service")
    + "MERGE (n:LogTemplate {uid: row.uid}) "
    "ON CREATE SET n.ingested_at = $ingested_at "
    "WITH c, n, row, "
    "[p IN coalesce(n.count_by_source, []) WHERE NOT p STARTS WITH row.source + ' #'] "
    "+ [row.source + ' #' + toString(row.count)] AS parts "
    "SET n.scope = $scope, n.template = row.template, n.template_id = row.template_id, "
    "n.service = row.service, n.source = row.source, n.source_ref = row.source_ref, "
    "n.loader_version = row.loader_version, "
    "n.count_by_source = COLLECT { UNWIND parts AS p RETURN p ORDER BY p }, "
    "n.count = reduce(s = 0, p IN parts | s + toInteger(last(split(p, ' #')))), "
    "n.first_seen = CASE WHEN n.first_seen IS NULL OR row.first_seen < n.first_seen "
    "THEN row.first_seen ELSE n.first_seen END, "
    "n.severity = CASE WHEN n.severity IS NULL OR "
    "row.severity_rank > coalesce({TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6}"
    "[n.severity], 0) THEN row.severity ELSE n.severity END "
    "MERGE (n)-[r:TEMPLATE_OF]->(c) " + provenance_on_create("r"),
)

LOG_EVENTS = Query(
    "loaders.log_events",
    "UNWIND $rows AS row "
    + component_stub("c", "component_uid", "service")
    + "MERGE (n:LogEvent {uid: row.uid}) "
    "ON CREATE SET n.ingested_at = $ingested_at "
    "SET n:Event, n.scope = $scope, n += row.props, n.source = row.source, "
    "n.source_ref = row.source_ref, n.loader_version = row.loader_version "
    "MERGE (n)-[o:OBSERVED_ON]->(c) " + provenance_on_create("o") + "WITH n, row "
    "OPTIONAL MATCH (t:LogTemplate {uid: row.template_uid}) "
    "FOREACH (_ IN CASE WHEN t IS NULL THEN [] ELSE [1] END | "
    "MERGE (n)-[r:OF_TEMPLATE]->(t) " + provenance_on_create("r") + ")",
)

ANOMALIES = Query(
    "loaders.anomalies",
    "UNWIND $rows AS row "
    + component_stub("c", "component_uid", "service")
    + "MERGE (n:Anomaly {uid: row.uid}) "
    "ON CREATE SET n.ingested_at = $ingested_at "
    "SET n:Event, n.scope = $scope, n += row.props, n.source = row.source, "
    "n.source_ref = row.source_ref, n.loader_version = row.loader_version "
    "MERGE (n)-[o:OBSERVED_ON]->(c) " + provenance_on_create("o"),
)

#: how many metric series each source holds for a component (``metric_series_by_source``,
#: entries ``"<source> #<n>"``) and their total (``metric_series``): the component has metrics
#: of its own, so a window in which none of them moved is evidence that it stayed healthy
COMPONENT_METRIC_SERIES = Query(
    "loaders.component_metric_series",
    "UNWIND $rows AS row " + component_stub("c", "component_uid", "service") + "WITH c, row, "
    "[p IN coalesce(c.metric_series_by_source, []) WHERE NOT p STARTS WITH row.source + ' #'] "
    "+ [row.source + ' #' + toString(row.count)] AS parts "
    "SET c.metric_series_by_source = COLLECT { UNWIND parts AS p RETURN p ORDER BY p }, "
    "c.metric_series = reduce(s = 0, p IN parts | s + toInteger(last(split(p, ' #'))))",
)

#: a trace's peer that sends no spans of its own: seen only through its callers (a source that
#: said otherwise, such as the catalog, keeps its word)
UNINSTRUMENTED_PEERS = Query(
    "loaders.trace_uninstrumented_peers",
    "UNWIND $rows AS row "
    "MATCH (c:Component {uid: row.uid}) "
    "SET c.instrumented = coalesce(c.instrumented, false)",
)

CALL_EDGES = Query(
    "loaders.trace_call_edges",
    "UNWIND $rows AS row "
    + component_stub("a", "caller_uid", "caller")
    + component_stub("b", "callee_uid", "callee")
    + "MERGE (a)-[r:CALLS]->(b) "
    + provenance_on_create("r")
    + "WITH r, row, "
    "[p IN coalesce(r.stats_by_source, []) WHERE NOT p STARTS WITH row.source + ' #'] "
    "+ [row.source + ' #' + row.stats] AS parts "
    "WITH r, row, parts, "
    "[p IN parts | split(last(split(p, ' #')), ',')] AS stats "
    "WITH r, row, parts, "
    "reduce(s = 0, x IN stats | s + toInteger(x[0])) AS calls, "
    "reduce(s = 0, x IN stats | s + toInteger(x[1])) AS errors, "
    "reduce(m = 0.0, x IN stats | CASE WHEN toFloat(x[2]) > m THEN toFloat(x[2]) ELSE m END) "
    "AS p95 "
    "SET r.stats_by_source = COLLECT { UNWIND parts AS p RETURN p ORDER BY p }, "
    "r.calls = toFloat(calls), "
    "r.error_ratio = CASE WHEN calls > 0 THEN toFloat(errors) / calls ELSE 0.0 END, "
    "r.p95_ms = p95, r.series_ref = row.series_ref, "
    "r.protocol = coalesce(r.protocol, row.protocol)",
)
