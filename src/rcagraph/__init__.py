"""rcagraph: knowledge-graph-backed root-cause analysis and post-mortems on Neo4j."""

from rcagraph.core import RcaGraph
from rcagraph.errors import RcaGraphError
from rcagraph.settings import Settings

__version__ = "0.1.0"

__all__ = ["RcaGraph", "RcaGraphError", "Settings", "__version__"]
