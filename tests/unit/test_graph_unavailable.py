"""With Neo4j unreachable, the API answers 503 with Retry-After within about a second, and the
body names no address, query or driver message (issue 13, items 6 and 8). No server needed:
the driver points at a closed port."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import neo4j
import pytest
from fastapi.testclient import TestClient

from rcagraph.api import create_app
from rcagraph.core import RcaGraph
from rcagraph.graph import DriverTimeouts
from rcagraph.settings import Settings


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def client() -> Iterator[tuple[TestClient, int]]:
    port = _closed_port()
    t = DriverTimeouts()
    driver = neo4j.GraphDatabase.driver(
        f"bolt://127.0.0.1:{port}",
        auth=("neo4j", "x"),
        connection_timeout=t.connect,
        connection_acquisition_timeout=t.acquire,
        max_transaction_retry_time=t.retry,
    )
    try:
        rca = RcaGraph(driver, Settings(neo4j_uri=f"bolt://127.0.0.1:{port}"))
        yield TestClient(create_app(rca), raise_server_exceptions=False), port
    finally:
        driver.close()


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/readyz"), ("GET", "/api/v1/incidents"), ("POST", "/api/v1/incidents")],
)
def test_an_unreachable_graph_is_a_quick_503(
    client: tuple[TestClient, int], method: str, path: str
) -> None:
    c, port = client
    t0 = time.monotonic()
    r = c.request(method, path, headers={"Authorization": "Bearer rcg_x"}, json={})
    took = time.monotonic() - t0
    assert r.status_code == 503, r.text
    assert r.headers["Retry-After"] == "2"
    assert took < 5.0, f"{took:.1f} s"
    assert str(port) not in r.text and "127.0.0.1" not in r.text
    assert "postmortem." not in r.text and "schema." not in r.text and "query" not in r.text


def test_default_driver_timeouts_are_short() -> None:
    s = Settings()
    assert s.neo4j_connection_timeout_s <= 2 and s.neo4j_retry_time_s <= 1
    assert s.neo4j_acquisition_timeout_s <= 3


def test_error_messages_lose_absolute_paths() -> None:
    from rcagraph.api.errors import public_message
    from rcagraph.errors import BundleError, GraphConstraintError

    exc = BundleError("cannot read /tmp/rcagraph-bundle-x/b/logs/a.jsonl", file="a.jsonl")
    assert public_message(exc, 422) == "a.jsonl: cannot read a.jsonl"
    kept = BundleError("see https://example.com/docs/x and logs/app.jsonl")
    assert public_message(kept, 422) == str(kept)
    leaky = GraphConstraintError("constraint violated in query 'postmortem.x': Node(12) exists")
    assert "postmortem" not in public_message(leaky, 409)
