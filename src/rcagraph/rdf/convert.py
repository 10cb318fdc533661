"""Graph content ↔ RDF: nodes as resources typed by their labels, properties as literals,
relationships as object properties, relationship properties on a reified ``rdf:Statement``.

Lists are kept as ``rdf:JSON`` literals so their order survives a round trip; times as
``xsd:dateTime`` / ``xsd:date``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, unquote

from neo4j.time import Date as NeoDate
from neo4j.time import DateTime as NeoDateTime
from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef

from rcagraph.graph import Graph as GraphDb
from rcagraph.graph import WriteStats
from rcagraph.rdf.ontology import ID, RCA
from rcagraph.rdf.queries import MERGE_NODES, MERGE_RELS, NODES_PAGE, RELS_PAGE

FORMATS = {"turtle": "turtle", "ttl": "turtle", "json-ld": "json-ld", "jsonld": "json-ld"}
_PAGE = 2000


def node_iri(uid: str) -> URIRef:
    return ID[quote(uid, safe="")]


def _uid_of(iri: URIRef) -> str | None:
    text = str(iri)
    return unquote(text[len(str(ID)) :]) if text.startswith(str(ID)) else None


def _literal(value: Any) -> Literal:
    if isinstance(value, NeoDateTime):
        return Literal(value.to_native().isoformat(), datatype=XSD.dateTime)
    if isinstance(value, NeoDate):
        return Literal(value.to_native().isoformat(), datatype=XSD.date)
    if isinstance(value, datetime):
        return Literal(value.isoformat(), datatype=XSD.dateTime)
    if isinstance(value, date):
        return Literal(value.isoformat(), datatype=XSD.date)
    if isinstance(value, bool):
        return Literal(value, datatype=XSD.boolean)
    if isinstance(value, int):
        return Literal(value, datatype=XSD.long)
    if isinstance(value, float):
        return Literal(repr(value), datatype=XSD.double)
    if isinstance(value, list):
        return Literal(json.dumps(value, default=str), datatype=RDF.JSON)
    return Literal(str(value))


def _value(lit: Literal) -> Any:
    if lit.datatype == RDF.JSON:
        return json.loads(str(lit))
    if lit.datatype == XSD.dateTime:
        return datetime.fromisoformat(str(lit))
    if lit.datatype == XSD.date:
        return date.fromisoformat(str(lit))
    if lit.datatype == XSD.double:
        return float(str(lit))
    if lit.datatype == XSD.long:
        return int(str(lit))
    if lit.datatype == XSD.boolean:
        return str(lit).lower() == "true"
    return str(lit)


def _pages(db: GraphDb, query_name: str, scope: str | None) -> Iterator[dict[str, Any]]:
    query = NODES_PAGE if query_name == "nodes" else RELS_PAGE
    key = "uid" if query_name == "nodes" else "start"
    after = ""
    while True:
        rows = db.read(query, scope=scope, after=after, limit=_PAGE)
        yield from rows
        if len(rows) < _PAGE:
            return
        after = rows[-1][key]


def export_graph(db: GraphDb, scope: str | None = None) -> Graph:
    """The content of the graph (or one scope) as an rdflib graph."""
    g = Graph()
    g.bind("rca", RCA)
    g.bind("id", ID)
    for row in _pages(db, "nodes", scope):
        subject = node_iri(row["uid"])
        for label in row["labels"]:
            g.add((subject, RDF.type, RCA[label]))
        for key, value in row["props"].items():
            if value is None:
                continue
            g.add((subject, RCA[key], _literal(value)))
    for row in _pages(db, "rels", scope):
        start = node_iri(row["start"])
        for rel in row["rels"]:
            end = node_iri(rel["end"])
            g.add((start, RCA[rel["type"]], end))
            if rel["props"]:
                stmt = BNode()
                g.add((stmt, RDF.type, RDF.Statement))
                g.add((stmt, RDF.subject, start))
                g.add((stmt, RDF.predicate, RCA[rel["type"]]))
                g.add((stmt, RDF.object, end))
                for key, value in rel["props"].items():
                    g.add((stmt, RCA[key], _literal(value)))
    return g


def serialize(g: Graph, fmt: str) -> str:
    return g.serialize(format=FORMATS[fmt])


@dataclass(slots=True)
class _Parsed:
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    rels: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)


def _parse(g: Graph) -> _Parsed:
    out = _Parsed()
    rca = str(RCA)
    statements = set(g.subjects(RDF.type, RDF.Statement))
    for s, p, o in g:
        if s in statements or not isinstance(s, URIRef):
            continue
        uid = _uid_of(s)
        if uid is None:
            continue
        node = out.nodes.setdefault(uid, {"uid": uid, "labels": [], "props": {}})
        if p == RDF.type and isinstance(o, URIRef) and str(o).startswith(rca):
            node["labels"].append(str(o)[len(rca) :])
        elif isinstance(o, Literal) and str(p).startswith(rca):
            node["props"][str(p)[len(rca) :]] = _value(o)
        elif isinstance(o, URIRef) and str(p).startswith(rca):
            end = _uid_of(o)
            if end is not None:
                out.rels.setdefault((uid, str(p)[len(rca) :], end), {})
    for stmt in statements:
        subj = g.value(stmt, RDF.subject)
        pred = g.value(stmt, RDF.predicate)
        obj = g.value(stmt, RDF.object)
        if not (isinstance(subj, URIRef) and isinstance(pred, URIRef) and isinstance(obj, URIRef)):
            continue
        start, end = _uid_of(subj), _uid_of(obj)
        if start is None or end is None:
            continue
        props = out.rels.setdefault((start, str(pred)[len(rca) :], end), {})
        for key, value in g.predicate_objects(stmt):
            if isinstance(value, Literal) and str(key).startswith(rca):
                props[str(key)[len(rca) :]] = _value(value)
    return out


def import_graph(db: GraphDb, g: Graph, *, batch_size: int = 2000) -> WriteStats:
    """Write RDF produced by :func:`export_graph` back into Neo4j (merging on ``uid``)."""
    parsed = _parse(g)
    stats = db.write_batches(MERGE_NODES, parsed.nodes.values(), batch_size=batch_size)
    rel_rows = (
        {"start": s, "type": t, "end": e, "props": props}
        for (s, t, e), props in parsed.rels.items()
    )
    stats.add(db.write_batches(MERGE_RELS, rel_rows, batch_size=batch_size))
    return stats
