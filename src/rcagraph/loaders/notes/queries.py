"""Cypher of the ticket and chat loaders: notes, what they mention, their threads."""

from __future__ import annotations

from rcagraph.graph import Query

#: what a note can mention: the scope's components and changes
COMPONENT_NAMES = Query(
    "loaders.notes.component_names",
    "MATCH (c:Component) WHERE c.scope = $scope AND c.name IS NOT NULL "
    "RETURN c.name AS name, c.uid AS uid",
)
CHANGE_REFS = Query(
    "loaders.notes.change_refs",
    "MATCH (x:Change) WHERE x.scope = $scope "
    "RETURN x.uid AS uid, x.change_id AS change_id, x.version AS version, "
    "x.service AS service, x.flag_key AS flag_key",
)

#: the notes themselves (``:Note:Event``), each linked ``ABOUT`` the bundle's incident
NOTES = Query(
    "loaders.notes.write",
    "UNWIND $rows AS row "
    "MERGE (n:Note {uid: row.uid}) "
    "ON CREATE SET n.ingested_at = $ingested_at "
    "SET n:Event, n.scope = $scope, n += row.props, n.source = row.source, "
    "n.source_ref = row.source_ref, n.loader_version = row.loader_version "
    "WITH n, row "
    "OPTIONAL MATCH (i:Incident {uid: row.incident_uid}) "
    "FOREACH (_ IN CASE WHEN i IS NULL THEN [] ELSE [1] END | "
    "MERGE (n)-[r:ABOUT]->(i) ON CREATE SET r.ingested_at = $ingested_at)",
)

#: what each note mentions, replaced on every load (a corrected text drops old mentions)
NOTE_MENTIONS = Query(
    "loaders.notes.mentions",
    "UNWIND $rows AS row "
    "MATCH (n:Note {uid: row.uid}) "
    "OPTIONAL MATCH (n)-[old:MENTIONS]->(t) "
    "WHERE NOT (t.uid IN row.component_uids OR t.uid IN row.change_uids) "
    "DELETE old "
    "WITH DISTINCT n, row "
    "CALL (n, row) { UNWIND row.component_uids AS cu MATCH (c:Component {uid: cu}) "
    "MERGE (n)-[r:MENTIONS]->(c) ON CREATE SET r.ingested_at = $ingested_at } "
    "CALL (n, row) { UNWIND row.change_uids AS xu MATCH (x:Change {uid: xu}) "
    "MERGE (n)-[r:MENTIONS]->(x) ON CREATE SET r.ingested_at = $ingested_at }",
)

#: a comment to its ticket, a reply to its thread's first message, whichever came first
NOTE_THREADS = Query(
    "loaders.notes.threads",
    "UNWIND $rows AS row "
    "MATCH (n:Note {uid: row.uid}) "
    "CALL (n, row) { MATCH (p:Note {uid: row.parent_uid}) MERGE (n)-[:REPLIES_TO]->(p) } "
    "CALL (n) { MATCH (c:Note) WHERE c.scope = n.scope AND c.parent_uid = n.uid "
    "MERGE (c)-[:REPLIES_TO]->(n) }",
)
