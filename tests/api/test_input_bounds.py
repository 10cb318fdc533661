"""Hostile bodies on the receivers (issue 13 items 2 and 7), against the real app and Neo4j:
bodies over the limit are a 413 before they are read whole; JSON too deep or with a
5,000-digit integer a 4xx naming ``$``; a timestamp that overflows or a 100,000-character
fingerprint rejects that alert only, the others are stored; random JSON is never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcagraph.api.routers import ingest
from rcagraph.graph import Query
from tests.api.conftest import Api
from tests.unit.loaders.test_source_shapes import DEPLOYED

JSON_RECEIVERS = [
    "/api/v1/ingest/alertmanager",
    "/api/v1/ingest/cdevents",
    "/api/v1/ingest/launchdarkly",
    "/api/v1/ingest/unleash",
    "/api/v1/ingest/kubernetes/events",
    "/v1/logs",
    "/v1/traces",
    "/v1/metrics",
]
DEEP = "[" * 100_000 + "]" * 100_000
BIG_INT = '{"n": ' + "9" * 5000 + "}"
CHANGE_IDS = Query("t.bounds_change_ids", "MATCH (c:Change) RETURN c.change_id AS id")
COMPONENTS = Query("t.bounds_components", "MATCH (c:Component) RETURN c.name AS name")
FINGERPRINTS = Query(
    "t.bounds_fingerprints", "MATCH (a:Alert) RETURN a.fingerprint AS fp ORDER BY fp"
)


def _bad_input_status(path: str) -> int:
    return 400 if path.startswith("/v1/") else 422


def _alert(fp: str, starts: str = "2026-03-01T12:05:00Z") -> dict[str, Any]:
    return {
        "status": "firing",
        "labels": {"alertname": "HighLatency", "service": "checkout"},
        "startsAt": starts,
        "fingerprint": fp,
    }


def test_alerts_that_overflow_or_are_too_long_are_rejected_the_others_stored(api: Api) -> None:
    payload = {
        "version": "4",
        "status": "firing",
        "alerts": [
            _alert("fp-late", "9999-12-31T23:59:59-01:00"),
            _alert("fp-early", "0001-01-01T00:00:00+01:00"),
            _alert("x" * 100_000),
            _alert("fp-good"),
        ],
    }
    r = api.client.post("/api/v1/ingest/alertmanager", json=payload, headers=api.h("responder"))
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["rejected"] == 3
    fields = sorted(x["field"] for x in report["rejections"])
    assert fields == ["fingerprint", "startsAt", "startsAt"]
    assert [row["fp"] for row in api.rca.graph.read(FINGERPRINTS)] == ["fp-good"]


def test_a_change_with_a_long_id_is_rejected_the_other_stored(api: Api) -> None:
    long_id = json.loads(json.dumps(DEPLOYED))
    long_id["context"]["id"] = "x" * 100_000
    late = json.loads(json.dumps(DEPLOYED))
    late["context"]["id"] = "late"
    late["context"]["timestamp"] = "0001-01-01T00:00:00+01:00"
    r = api.client.post(
        "/api/v1/ingest/cdevents", json=[long_id, late, DEPLOYED], headers=api.h("responder")
    )
    assert r.status_code == 200, r.text
    fields = sorted(x["field"] for x in r.json()["rejections"])
    assert fields == ["change_id", "context.timestamp"]
    ids = [row["id"] for row in api.rca.graph.read(CHANGE_IDS)]
    assert ids == [DEPLOYED["context"]["id"]]


def _resource(service: str) -> dict[str, Any]:
    return {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]}


def test_otlp_resource_with_a_long_service_name_is_rejected_the_other_stored(api: Api) -> None:
    record = {"timeUnixNano": "1772359247000000000", "body": {"stringValue": "GetCart served"}}
    body = {
        "resourceLogs": [
            {"resource": _resource("s" * 100_000), "scopeLogs": [{"logRecords": [record]}]},
            {"resource": _resource("cart"), "scopeLogs": [{"logRecords": [record]}]},
        ]
    }
    r = api.client.post("/v1/logs", json=body, headers=api.h("responder"))
    assert r.status_code == 200, r.text
    assert r.json()["partialSuccess"]["rejectedLogRecords"] == 1
    assert "service.name is longer than 1024" in r.json()["partialSuccess"]["errorMessage"]
    assert [row["name"] for row in api.rca.graph.read(COMPONENTS)] == ["cart"]


@pytest.mark.parametrize("path", JSON_RECEIVERS)
@pytest.mark.parametrize("body", [DEEP, BIG_INT], ids=["deep", "bigint"])
def test_hostile_json_is_a_4xx_naming_the_body(api: Api, path: str, body: str) -> None:
    r = api.client.post(
        path,
        content=body,
        headers=api.h("responder") | {"Content-Type": "application/json"},
    )
    assert r.status_code == _bad_input_status(path), r.text
    assert "Traceback" not in r.text
    if not path.startswith("/v1/"):
        assert r.json()["error"]["field"] == "$"


@pytest.mark.parametrize("path", [*JSON_RECEIVERS, "/api/v1/ingest/bundle"])
def test_body_over_the_limit_is_a_413_before_and_while_reading(
    api: Api, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "MAX_BODY", 1000)
    media = "application/gzip" if path.endswith("/bundle") else "application/json"
    headers = api.h("responder") | {"Content-Type": media}
    declared = api.client.post(path, content=b"{" + b" " * 2000 + b"}", headers=headers)
    assert declared.status_code == 413, declared.text
    assert "1000 bytes" in declared.json()["error"]["message"]
    assert declared.json()["error"]["field"] == "Content-Length"

    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b" " * 500

    streamed = api.client.post(path, content=chunks(), headers=headers)
    assert streamed.status_code == 413, streamed.text
    small = api.client.post(path, content=b"{}", headers=headers)
    assert small.status_code != 413


_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "9" * 400])
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)
_keys = st.sampled_from(
    [
        "alerts",
        "version",
        "startsAt",
        "labels",
        "fingerprint",
        "context",
        "subject",
        "data",
        "resourceLogs",
        "resourceSpans",
        "resourceMetrics",
        "date",
        "kind",
        "type",
        "featureName",
    ]
)
_shaped = st.dictionaries(_keys, _json, max_size=6)


@pytest.mark.parametrize("path", JSON_RECEIVERS)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=_json | _shaped | st.lists(_shaped, max_size=3))
def test_random_json_is_never_a_500(api: Api, path: str, body: Any) -> None:
    r = api.client.post(
        path,
        content=json.dumps(body),
        headers=api.h("responder") | {"Content-Type": "application/json"},
    )
    assert r.status_code < 500, r.text
    assert "Traceback" not in r.text
