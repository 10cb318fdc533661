"""A managed local Neo4j 5.26 Community server, assembled from Maven Central.

``rcagraph db start`` needs nothing but Java 17+ and Maven: :mod:`.maven` resolves the newest
5.26 patch into a cache outside the repository, :mod:`.config` writes its configuration and
:mod:`.manager` runs it in the background.
"""

from rcagraph.server.manager import LocalServer, ServerState, ServerStatus

__all__ = ["LocalServer", "ServerState", "ServerStatus"]
