"""Cypher of the Kubernetes loader: which candidate names are components already, the failure
signals (``:Anomaly:Event``) and the rollout steps on deploy ``:Change`` nodes.

A signal merges on its Kubernetes identity (the event's uid; a pod's uid, container and
termination time): a later copy of the same event (Kubernetes counts repeats on one object,
and an event exporter sends each update) keeps the earliest onset, the latest end and the
highest count, so the order in which copies arrive does not matter and a copy loaded twice
changes nothing.
"""

from __future__ import annotations

from rcagraph.graph import Query
from rcagraph.loaders.queries import component_stub, provenance_on_create

KNOWN_COMPONENTS = Query(
    "loaders.k8s_known_components",
    "UNWIND $names AS name MATCH (c:Component {scope: $scope, name: name}) RETURN DISTINCT name",
)

EXISTING_CHANGES = Query(
    "loaders.k8s_existing_changes",
    "UNWIND $uids AS u MATCH (c:Change {uid: u}) WHERE c.scope = $scope RETURN c.uid AS uid",
)

SIGNALS = Query(
    "loaders.k8s_signals",
    "UNWIND $rows AS row "
    "MERGE (n:Anomaly {uid: row.uid}) "
    "ON CREATE SET n.ingested_at = $ingested_at "
    "WITH n, row, coalesce(n.count, 0) <= row.count AS newer "
    "SET n:Event, n.scope = $scope, n.service = row.service, n.metric = row.metric, "
    "n.signal = row.signal, n.direction = row.direction, n.method = 'kubernetes', "
    "n.reason = row.reason, n.object = row.object, n.labels = row.labels, "
    "n.at = CASE WHEN n.at IS NULL OR row.at < n.at THEN row.at ELSE n.at END, "
    "n.end_at = CASE WHEN n.end_at IS NULL OR row.end_at > n.end_at THEN row.end_at "
    "ELSE n.end_at END, "
    "n.count = CASE WHEN newer THEN row.count ELSE n.count END, "
    "n.value = toFloat(CASE WHEN newer THEN row.count ELSE n.count END), "
    "n.summary = CASE WHEN newer THEN row.summary ELSE n.summary END, "
    "n.source = CASE WHEN newer THEN row.source ELSE n.source END, "
    "n.source_ref = CASE WHEN newer THEN row.source_ref ELSE n.source_ref END, "
    "n.loader_version = row.loader_version",
)

SIGNAL_OBSERVED_ON = Query(
    "loaders.k8s_signal_observed_on",
    "UNWIND $rows AS row "
    "MATCH (n:Anomaly {uid: row.uid}) "
    + component_stub("c", "component_uid", "service")
    + "MERGE (n)-[o:OBSERVED_ON]->(c) "
    + provenance_on_create("o"),
)

_STEP_SET = (
    "SET n.at = CASE WHEN n.at IS NULL OR row.at < n.at THEN row.at ELSE n.at END, "
    "n.rollout_steps = COLLECT { UNWIND coalesce(n.rollout_steps, []) + [row.step] AS s "
    "RETURN DISTINCT s ORDER BY s } "
)

#: a scale-up of a ReplicaSet: the rollout to it, created when no listing of the ReplicaSet
#: wrote it (an event exporter's events alone), the step added to its steps (``CHANGED`` is
#: written with :data:`rcagraph.loaders.queries.CHANGE_CHANGED`)
STEP_UP = Query(
    "loaders.k8s_rollout_step_up",
    "UNWIND $rows AS row "
    "MERGE (n:Change {uid: row.change_uid}) "
    "ON CREATE SET n:Event:Deployment, n.ingested_at = $ingested_at, n.scope = $scope, "
    "n.change_id = row.change_id, n.kind = 'deploy', n.service = row.service, "
    "n.action = 'deployed', n.version = row.version, n.summary = row.summary, "
    "n.rollback = false, n.attributes = row.attributes, n.source = row.source, "
    "n.source_ref = row.source_ref, n.loader_version = row.loader_version " + _STEP_SET,
)

#: a scale-down: a step of the rollout to that ReplicaSet when one is in the graph
STEP_DOWN = Query(
    "loaders.k8s_rollout_step_down",
    "UNWIND $rows AS row MATCH (n:Change {uid: row.change_uid}) " + _STEP_SET,
)
