"""The graph model (a documented product surface) and its migrations."""

from rcagraph.schema.migrations import MIGRATIONS, SCHEMA_VERSION, apply_migrations, schema_version
from rcagraph.schema.model import MODEL, NodeType, RelType, node_type

__all__ = [
    "MIGRATIONS",
    "MODEL",
    "SCHEMA_VERSION",
    "NodeType",
    "RelType",
    "apply_migrations",
    "node_type",
    "schema_version",
]
