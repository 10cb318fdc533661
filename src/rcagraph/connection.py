"""Creating the driver from settings: an external Neo4j, or the managed local server."""

from __future__ import annotations

import neo4j

from rcagraph.errors import GraphUnavailableError
from rcagraph.graph import DriverTimeouts, connect
from rcagraph.server.manager import LocalServer
from rcagraph.settings import Settings


def connection_target(settings: Settings) -> tuple[str, str, str]:
    """(uri, user, password) that ``settings`` point at."""
    if not settings.managed:
        return (
            settings.neo4j_uri,
            settings.neo4j_user,
            settings.neo4j_password.get_secret_value(),
        )
    state = LocalServer(settings).running_state()
    if state is None:
        raise GraphUnavailableError(
            "the managed Neo4j is not running: start it with `rcagraph db start`, or point "
            "RCAGRAPH_NEO4J_URI at another Neo4j"
        )
    return state.bolt_uri, state.user, state.password


def driver_timeouts(settings: Settings) -> DriverTimeouts:
    """The driver's connect, pool and retry timeouts that ``settings`` set."""
    return DriverTimeouts(
        connect=settings.neo4j_connection_timeout_s,
        acquire=settings.neo4j_acquisition_timeout_s,
        retry=settings.neo4j_retry_time_s,
    )


def open_driver(settings: Settings) -> neo4j.Driver:
    """A connected driver; the caller owns it and must close it."""
    uri, user, password = connection_target(settings)
    return connect(uri, user, password, driver_timeouts(settings))
