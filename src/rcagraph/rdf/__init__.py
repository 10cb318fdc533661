"""The graph model as an RDF ontology, and graph content as RDF (Turtle or JSON-LD)."""
