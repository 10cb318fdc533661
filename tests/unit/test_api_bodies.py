"""Hostile JSON bodies on the workflow's routes get a 4xx (or the 503 of the unreachable graph
these tests run against), never a 500 or a traceback (issue 13, item 7, workflow part)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import neo4j
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcagraph.api import create_app
from rcagraph.core import RcaGraph
from rcagraph.settings import Settings

ROUTES = [
    ("POST", "/api/v1/incidents"),
    ("PATCH", "/api/v1/incidents/INC-1"),
    ("POST", "/api/v1/postmortems"),
    ("POST", "/api/v1/postmortems/PM-1/versions"),
    ("POST", "/api/v1/postmortems/PM-1/approve"),
    ("POST", "/api/v1/postmortems/PM-1/actions"),
    ("PATCH", "/api/v1/actions/A-1"),
    ("POST", "/api/v1/tokens"),
]
HOSTILE = [
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 100_000 + "1" + "}" * 100_000,
    '{"base_version": 1, "changes": {"x": ' + "9" * 5000 + "}}",
    '{"id": "' + "x" * 100_000 + '"}',
    "\xff\xfe not json",
]


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    driver = neo4j.GraphDatabase.driver(
        "bolt://127.0.0.1:1",
        auth=("neo4j", "x"),
        connection_timeout=1,
        connection_acquisition_timeout=1,
        max_transaction_retry_time=0,
    )
    try:
        app = create_app(RcaGraph(driver, Settings(neo4j_uri="bolt://127.0.0.1:1")))
        yield TestClient(app, raise_server_exceptions=False)
    finally:
        driver.close()


def _ok(status: int, text: str) -> None:
    assert status in (400, 401, 422, 503), (status, text[:300])
    assert "Traceback" not in text


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize(
    "body", HOSTILE, ids=["deep-list", "deep-dict", "big-int", "long", "bytes"]
)
def test_hostile_bodies_are_4xx(client: TestClient, method: str, path: str, body: str) -> None:
    r = client.request(
        method,
        path,
        content=body.encode("utf-8", "surrogateescape"),
        headers={"Content-Type": "application/json", "Authorization": "Bearer rcg_x"},
    )
    _ok(r.status_code, r.text)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(ROUTES), _json)
def test_any_json_is_never_a_500(client: TestClient, route: tuple[str, str], body: object) -> None:
    method, path = route
    r = client.request(
        method,
        path,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": "Bearer rcg_x"},
    )
    _ok(r.status_code, r.text)
