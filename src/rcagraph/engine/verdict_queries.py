"""Cypher of the labelled history: incidents whose hypotheses carry responders' verdicts.

Read-only. Unlike the extraction queries, these may span every scope (``$scope`` null): the
history a ranker learns from is the whole graph's unless a scope is asked for.
"""

from __future__ import annotations

from rcagraph.graph import Query

#: every incident with ranked hypotheses (optionally one scope, optionally started since a time),
#: with the hypotheses that carry a verdict and the node each one blames
VERDICTS_BY_INCIDENT = Query(
    "engine.verdicts.by_incident",
    """
MATCH (i:Incident)
WHERE ($scope IS NULL OR i.scope = $scope)
  AND ($since IS NULL OR coalesce(i.started_at, i.detected_at) >= $since)
  AND EXISTS { (i)-[:HAS_HYPOTHESIS]->(:Hypothesis) }
RETURN i.scope AS scope, i.id AS incident_id,
       coalesce(i.started_at, i.detected_at) AS started_at,
       COLLECT {
         MATCH (i)-[:HAS_HYPOTHESIS]->(h:Hypothesis)
         WHERE h.verdict IS NOT NULL
         OPTIONAL MATCH (h)-[:BLAMES]->(t)
         WHERE t:Change OR t:Component
         RETURN {uid: h.uid, verdict: h.verdict, verdict_by: h.verdict_by,
                 verdict_at: h.verdict_at, run_id: h.run_id, kind: h.kind,
                 service: h.service, change_id: h.change_id,
                 target_labels: labels(t), target_kind: t.kind,
                 target_change_id: t.change_id, target_name: t.name,
                 target_service: t.service}
       } AS verdicts
ORDER BY started_at, scope, incident_id
""",
)
