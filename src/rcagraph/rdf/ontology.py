"""The graph model (:mod:`rcagraph.schema.model`) as an OWL ontology in Turtle.

Labels become ``owl:Class``es, relationship types ``owl:ObjectProperty``s with domain and range,
node properties ``owl:DatatypeProperty``s. Instances (``rcagraph export rdf``) use the same
vocabulary, so an RDF store can hold both.
"""

from __future__ import annotations

from rdflib import OWL, RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import BNode

from rcagraph.__version__ import __version__
from rcagraph.schema.model import IDENTITY, NODES, PROVENANCE, RELS

RCA = Namespace("https://rcagraph.io/ontology#")
ID = Namespace("https://rcagraph.io/id/")
ONTOLOGY_IRI = URIRef("https://rcagraph.io/ontology")


def _union(graph: Graph, classes: tuple[str, ...]) -> URIRef | BNode:
    if len(classes) == 1:
        return RCA[classes[0]]
    node = BNode()
    members = BNode()
    Collection(graph, members, [RCA[c] for c in classes])
    graph.add((node, RDF.type, OWL.Class))
    graph.add((node, OWL.unionOf, members))
    return node


def build_ontology() -> Graph:
    g = Graph()
    g.bind("rca", RCA)
    g.bind("owl", OWL)
    g.add((ONTOLOGY_IRI, RDF.type, OWL.Ontology))
    g.add((ONTOLOGY_IRI, OWL.versionInfo, Literal(__version__)))
    g.add((ONTOLOGY_IRI, RDFS.comment, Literal("The rcagraph graph model (docs/graph-model.md).")))
    datatype_props: dict[str, set[str]] = {}
    for node in NODES:
        cls = RCA[node.label]
        g.add((cls, RDF.type, OWL.Class))
        g.add((cls, RDFS.label, Literal(node.label)))
        g.add((cls, RDFS.comment, Literal(node.description)))
        for sub in node.sublabels:
            g.add((RCA[sub], RDF.type, OWL.Class))
            g.add((RCA[sub], RDFS.label, Literal(sub)))
        common = IDENTITY + (PROVENANCE if node.provenance else ())
        for prop in (*common, *node.properties):
            datatype_props.setdefault(prop, set()).add(node.label)
        for prop, meaning in node.properties.items():
            g.add((RCA[prop], RDFS.comment, Literal(f"{node.label}.{prop}: {meaning}")))
    for prop, labels in sorted(datatype_props.items()):
        p = RCA[prop]
        g.add((p, RDF.type, OWL.DatatypeProperty))
        g.add((p, RDFS.label, Literal(prop)))
        g.add((p, RDFS.domain, _union(g, tuple(sorted(labels)))))
    for rel in RELS:
        p = RCA[rel.type]
        g.add((p, RDF.type, OWL.ObjectProperty))
        g.add((p, RDFS.label, Literal(rel.type)))
        g.add((p, RDFS.comment, Literal(rel.description)))
        g.add((p, RDFS.domain, _union(g, rel.start)))
        g.add((p, RDFS.range, _union(g, rel.end)))
    return g


def ontology_turtle() -> str:
    return build_ontology().serialize(format="turtle")
