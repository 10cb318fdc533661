"""Cypher of the RDF export and import."""

from __future__ import annotations

from rcagraph.graph import Query

NODES_PAGE = Query(
    "rdf.nodes_page",
    "MATCH (n) WHERE n.uid IS NOT NULL AND ($scope IS NULL OR n.scope = $scope) "
    "AND n.uid > $after "
    "RETURN n.uid AS uid, labels(n) AS labels, properties(n) AS props "
    "ORDER BY n.uid LIMIT $limit",
)

RELS_PAGE = Query(
    "rdf.relationships_page",
    "MATCH (a)-[r]->(b) WHERE a.uid IS NOT NULL AND b.uid IS NOT NULL "
    "AND ($scope IS NULL OR a.scope = $scope) AND a.uid > $after "
    "WITH a, collect({type: type(r), end: b.uid, props: properties(r)}) AS rels "
    "ORDER BY a.uid LIMIT $limit "
    "RETURN a.uid AS start, rels",
)

# Import: labels and types are data here; Neo4j 5.26 sets them dynamically ($(...)).
MERGE_NODES = Query(
    "rdf.import_nodes",
    "UNWIND $rows AS row MERGE (n {uid: row.uid}) SET n:$(row.labels) SET n += row.props",
)

MERGE_RELS = Query(
    "rdf.import_relationships",
    "UNWIND $rows AS row MATCH (a {uid: row.start}) MATCH (b {uid: row.end}) "
    "MERGE (a)-[r:$(row.type)]->(b) SET r += row.props",
)
