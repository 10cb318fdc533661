"""Graph → RDF (Turtle, JSON-LD) → an empty graph → RDF again: nothing lost or changed.

This needs the server: what it checks is the export and import Cypher of :mod:`rcagraph.rdf`
and that Neo4j's own values (temporal types, lists, floats) come back equal from the database
after the trip. The ontology needs no server: ``tests/unit/test_rdf_ontology.py``.
"""

from __future__ import annotations

import pytest
from rdflib import Graph as RdfGraph
from rdflib.compare import isomorphic

from rcagraph.core import RcaGraph
from rcagraph.graph import Query
from rcagraph.rdf.convert import export_graph, import_graph, serialize

SEED = Query(
    "t.seed_rdf",
    """
    CREATE (k:Component:Service {uid: 's|Component|cart', scope: 's', name: 'cart',
            kind: 'service', source: 'topology/catalog.yaml', source_ref: '/0',
            ingested_at: datetime('2026-03-01T12:00:00Z'), loader_version: 'rcagraph/0.1.0'})
    CREATE (f:Component:Service {uid: 's|Component|front end', scope: 's', name: 'front end'})
    CREATE (f)-[:CALLS {calls: 12.5, protocol: 'grpc'}]->(k)
    CREATE (d:Change:Deployment:Event {uid: 's|Change|9f1c', scope: 's', change_id: '9f1c',
            kind: 'deploy', at: datetime('2026-03-01T11:58:00.123Z'), rollback: false,
            rollout_share: 0.25})-[:CHANGED]->(k)
    CREATE (:LogEvent:Event {uid: 's|LogEvent|1', scope: 's', samples: ['a', 'b "q"'],
            count: 42, at: datetime('2026-03-01T12:01:00Z')})-[:OBSERVED_ON]->(k)
    CREATE (:Action {uid: 's|Action|1', scope: 's', due: date('2026-03-20'), title: 'x'})
    CREATE (:Component {uid: 'other|Component|cart', scope: 'other', name: 'cart'})
    """,
)
SNAPSHOT = Query(
    "t.snapshot",
    "MATCH (n) WHERE n.scope = 's' OPTIONAL MATCH (n)-[r]->(m) "
    "RETURN n.uid AS uid, labels(n) AS labels, properties(n) AS props, "
    "collect([type(r), m.uid, properties(r)]) AS rels ORDER BY uid",
)
WIPE = Query("t.wipe_s", "MATCH (n) WHERE n.scope = 's' DETACH DELETE n")


@pytest.mark.parametrize("fmt", ["turtle", "json-ld"])
def test_round_trip_keeps_nodes_properties_and_relationships(rca: RcaGraph, fmt: str) -> None:
    rca.graph.write(SEED)
    before = rca.graph.read(SNAPSHOT)
    text = serialize(export_graph(rca.graph, "s"), fmt)
    assert "other|Component" not in text  # scoped export
    rca.graph.write(WIPE)
    assert rca.graph.read(SNAPSHOT) == []
    import_graph(rca.graph, RdfGraph().parse(data=text, format=fmt))
    after = rca.graph.read(SNAPSHOT)
    assert after == before
    assert isomorphic(
        RdfGraph().parse(data=text, format=fmt),
        RdfGraph().parse(data=serialize(export_graph(rca.graph, "s"), fmt), format=fmt),
    )
