"""The RDF ontology covers the graph model: every label and relationship type (no server)."""

from __future__ import annotations

from rcagraph.rdf.ontology import RCA, build_ontology
from rcagraph.schema.model import MODEL, RELS


def test_ontology_covers_the_model() -> None:
    g = build_ontology()
    classes = {str(s) for s in g.subjects() if str(s).startswith(str(RCA))}
    for label in MODEL:
        assert str(RCA[label]) in classes
    for rel in RELS:
        assert str(RCA[rel.type]) in classes
    assert len(g.serialize(format="turtle")) > 1000
