"""Access to Neo4j through an injected driver.

:class:`Graph` wraps a ``neo4j.Driver`` that the caller created (see :func:`connect`); it never
creates one at import. Queries are :class:`Query` objects, named and parameterised, that live in
the ``queries.py`` beside the code that owns them. Driver errors are translated here into
:mod:`rcagraph.errors`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, LiteralString, TypeVar

import neo4j
from neo4j import exceptions as neo4j_exc

from rcagraph.errors import (
    GraphAuthError,
    GraphConstraintError,
    GraphError,
    GraphQueryError,
    GraphUnavailableError,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Query:
    """A named, parameterised Cypher query. ``text`` uses ``$param`` placeholders only."""

    name: str
    text: LiteralString


@dataclass(slots=True)
class WriteStats:
    """What a batched write did (from the server's query counters)."""

    rows: int = 0
    nodes_created: int = 0
    relationships_created: int = 0
    properties_set: int = 0

    def add(self, other: WriteStats) -> None:
        self.rows += other.rows
        self.nodes_created += other.nodes_created
        self.relationships_created += other.relationships_created
        self.properties_set += other.properties_set


@dataclass(frozen=True, slots=True)
class DriverTimeouts:
    """How long the driver waits before giving up, in seconds (the driver's defaults are 30,
    60 and 30 s, which made a Neo4j outage hang every request for half a minute or more).

    ``connect``: opening a TCP/Bolt connection; ``acquire``: getting a connection from the pool
    (includes ``connect``); ``retry``: retrying a transaction on transient errors and on a lost
    server. An outage then answers within about ``retry + connect`` seconds.
    """

    connect: float = 2.0
    acquire: float = 3.0
    retry: float = 1.0


@contextlib.contextmanager
def translate_errors(query_name: str = "") -> Iterator[None]:
    """Turn driver exceptions into rcagraph errors, naming the query that failed.

    The message of an unreachable server names no address (it may reach an unauthenticated
    client, e.g. ``/readyz``); the driver's own message stays on the ``__cause__``.
    """
    where = f" in query {query_name!r}" if query_name else ""
    try:
        yield
    except neo4j_exc.AuthError as exc:
        raise GraphAuthError(f"Neo4j refused the credentials{where}: {exc.message}") from exc
    except neo4j_exc.ConstraintError as exc:
        raise GraphConstraintError(f"constraint violated{where}: {exc.message}") from exc
    except neo4j_exc.IncompleteCommit as exc:
        raise GraphUnavailableError(
            f"Neo4j was lost while committing{where}; the write may or may not have been stored"
        ) from exc
    except (neo4j_exc.ServiceUnavailable, neo4j_exc.SessionExpired) as exc:
        raise GraphUnavailableError(f"Neo4j is not reachable{where}") from exc
    except neo4j_exc.ClientError as exc:
        raise GraphQueryError(f"Neo4j rejected the query{where}: {exc.message}") from exc
    except neo4j_exc.Neo4jError as exc:
        raise GraphError(f"Neo4j error{where}: {exc.message}") from exc
    except neo4j_exc.DriverError as exc:
        raise GraphError(f"Neo4j driver error{where}: {exc}") from exc


def native(value: Any) -> Any:
    """Neo4j temporal values to Python ones, aware datetimes in UTC (recursively through dicts
    and lists)."""
    if hasattr(value, "to_native"):
        v = value.to_native()
        if isinstance(v, datetime) and v.tzinfo is not None:
            return v.astimezone(UTC)
        return v
    if isinstance(value, dict):
        return {k: native(v) for k, v in value.items()}
    if isinstance(value, list):
        return [native(v) for v in value]
    return value


def connect(
    uri: str, user: str, password: str, timeouts: DriverTimeouts | None = None
) -> neo4j.Driver:
    """Create a driver (callers own it and close it). Verifies connectivity."""
    auth = (user, password) if password else None
    t = timeouts or DriverTimeouts()
    with translate_errors("connect"):
        driver = neo4j.GraphDatabase.driver(
            uri,
            auth=auth,
            notifications_min_severity="OFF",
            connection_timeout=t.connect,
            connection_acquisition_timeout=t.acquire,
            max_transaction_retry_time=t.retry,
        )
        try:
            driver.verify_connectivity()
        except Exception:
            driver.close()
            raise
    return driver


def chunks(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    """Split ``rows`` into lists of at most ``size`` items, streaming."""
    batch: list[T] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Graph:
    """Runs named queries on an injected driver, with error translation and batching."""

    def __init__(self, driver: neo4j.Driver, database: str = "neo4j") -> None:
        self.driver = driver
        self.database = database

    # -- reads ----------------------------------------------------------------------------

    def read(self, query: Query, **params: Any) -> list[dict[str, Any]]:
        """Run a read query and return its records as dicts."""
        with translate_errors(query.name):
            records, _, _ = self.driver.execute_query(
                query.text,
                params,
                database_=self.database,
                routing_=neo4j.RoutingControl.READ,
            )
        return [record.data() for record in records]

    def read_one(self, query: Query, **params: Any) -> dict[str, Any] | None:
        rows = self.read(query, **params)
        return rows[0] if rows else None

    def read_value(self, query: Query, **params: Any) -> Any:
        row = self.read_one(query, **params)
        if row is None:
            return None
        return next(iter(row.values()))

    # -- writes ---------------------------------------------------------------------------

    def write(self, query: Query, **params: Any) -> list[dict[str, Any]]:
        """Run one write query in its own transaction and return its records."""
        with translate_errors(query.name):
            records, _, _ = self.driver.execute_query(query.text, params, database_=self.database)
        return [record.data() for record in records]

    def write_batches(
        self,
        query: Query,
        rows: Iterable[Mapping[str, Any]],
        *,
        batch_size: int = 5000,
        extra: Mapping[str, Any] | None = None,
    ) -> WriteStats:
        """Run ``query`` once per batch with ``$rows`` bound to the batch (an ``UNWIND`` query).

        Returns the rows written and the server's counters. Each batch is its own transaction,
        retried by the driver on transient errors.
        """
        stats = WriteStats()
        params_extra = dict(extra or {})
        with translate_errors(query.name), self.driver.session(database=self.database) as session:
            for batch in chunks(rows, batch_size):
                stats.add(session.execute_write(_run_batch, query.text, batch, params_extra))
        return stats

    def run_autocommit(self, query: Query, **params: Any) -> None:
        """Run a query in an auto-commit transaction (needed by ``CALL … IN TRANSACTIONS``)."""
        with translate_errors(query.name), self.driver.session(database=self.database) as session:
            session.run(query.text, params).consume()

    def run_in_transaction(self, work: Sequence[tuple[Query, Mapping[str, Any]]]) -> None:
        """Run several write queries in one transaction (all or nothing)."""
        name = work[0][0].name if work else ""
        with translate_errors(name), self.driver.session(database=self.database) as session:
            session.execute_write(_run_all, [(q.text, dict(p)) for q, p in work])

    def transaction(self, work: Callable[[Tx], T], name: str = "") -> T:
        """Run ``work`` in one write transaction (all or nothing) and return what it returns.

        The driver retries ``work`` on transient errors and on a lost server, with the same
        arguments: ``work`` must be idempotent (MERGE on ids fixed before the call), since a
        retry can follow a commit whose answer was lost.
        """
        with translate_errors(name), self.driver.session(database=self.database) as session:
            return session.execute_write(lambda tx: work(Tx(tx)))


class Tx:
    """A managed write transaction as :meth:`Graph.transaction` hands it to its work."""

    def __init__(self, tx: neo4j.ManagedTransaction) -> None:
        self._tx = tx

    def run(self, query: Query, **params: Any) -> list[dict[str, Any]]:
        return [record.data() for record in self._tx.run(query.text, params)]

    def run_one(self, query: Query, **params: Any) -> dict[str, Any] | None:
        rows = self.run(query, **params)
        return rows[0] if rows else None

    def batch(
        self, query: Query, batch: list[Mapping[str, Any]], extra: Mapping[str, Any]
    ) -> WriteStats:
        """Run an ``UNWIND`` query with ``$rows`` bound to ``batch``; the server's counters."""
        return _run_batch(self._tx, query.text, batch, dict(extra))


class TxGraph(Graph):
    """A :class:`Graph` whose every read and write runs in one open transaction ``tx``.

    A loader written against :class:`Graph` then writes everything it writes as one unit:
    :meth:`Graph.transaction` hands the work a ``Tx``, the work loads through ``TxGraph(tx,
    graph)`` and adds its last write (an audit entry), and either all of it commits or none.
    Driver errors are not translated here: they must reach the driver's retry loop (and are
    translated by the :meth:`Graph.transaction` that opened ``tx``). A retry runs the work
    again from the start, so the work must be idempotent (``MERGE`` on fixed ids).
    """

    def __init__(self, tx: Tx, graph: Graph) -> None:
        super().__init__(graph.driver, graph.database)
        self.tx = tx

    def read(self, query: Query, **params: Any) -> list[dict[str, Any]]:
        return self.tx.run(query, **params)

    def write(self, query: Query, **params: Any) -> list[dict[str, Any]]:
        return self.tx.run(query, **params)

    def write_batches(
        self,
        query: Query,
        rows: Iterable[Mapping[str, Any]],
        *,
        batch_size: int = 5000,
        extra: Mapping[str, Any] | None = None,
    ) -> WriteStats:
        stats = WriteStats()
        for batch in chunks(rows, batch_size):
            stats.add(self.tx.batch(query, batch, extra or {}))
        return stats

    def run_autocommit(self, query: Query, **params: Any) -> None:
        raise GraphError(f"query {query.name!r} needs its own transaction, not a unit's")

    def run_in_transaction(self, work: Sequence[tuple[Query, Mapping[str, Any]]]) -> None:
        for query, params in work:
            self.tx.run(query, **params)

    def transaction(self, work: Callable[[Tx], T], name: str = "") -> T:
        return work(self.tx)


def _run_batch(
    tx: neo4j.ManagedTransaction,
    text: LiteralString,
    batch: list[Mapping[str, Any]],
    extra: dict[str, Any],
) -> WriteStats:
    counters = tx.run(text, {"rows": batch, **extra}).consume().counters
    return WriteStats(
        rows=len(batch),
        nodes_created=counters.nodes_created,
        relationships_created=counters.relationships_created,
        properties_set=counters.properties_set,
    )


def _run_all(
    tx: neo4j.ManagedTransaction, work: list[tuple[LiteralString, dict[str, Any]]]
) -> None:
    for text, params in work:
        tx.run(text, params).consume()
