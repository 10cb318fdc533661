"""rcagraph: knowledge-graph-backed root-cause analysis and post-mortems on Neo4j."""

from rcagraph.__version__ import __version__
from rcagraph.core import RcaGraph
from rcagraph.errors import RcaGraphError
from rcagraph.settings import Settings

__all__ = ["RcaGraph", "RcaGraphError", "Settings", "__version__"]
