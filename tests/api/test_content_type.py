"""``Content-Type`` on every receiver and a multipart upload without ``Content-Length``
(issue 13, item 8 and the known limits of docs/security.md), against the real app and Neo4j.

Each receiver reads the media types it documents (one helper, ``rcagraph.api.media``): any
other is a 415 naming the header; a request without the header is read as the receiver's
first type; curl's default for ``-d`` gets a message saying which ``-H`` to add. A multipart
bundle upload is parsed from the bounded body stream, so a chunked one over the limit is a 413
before Starlette could spool it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.datastructures import UploadFile

from rcagraph.api import media
from rcagraph.api.routers import ingest
from tests.api.conftest import Api
from tests.api.test_otlp_receivers import _bundle_tar

#: each receiver, a body it stores, and the media types it documents
RECEIVERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "/api/v1/ingest/alertmanager": ('{"version": "4", "alerts": []}', media.JSON),
    "/api/v1/ingest/cdevents": ("[]", media.CDEVENTS),
    "/api/v1/ingest/launchdarkly": ("[]", media.JSON),
    "/api/v1/ingest/unleash": ("[]", media.JSON),
    "/v1/logs": ('{"resourceLogs": []}', media.OTLP),
    "/v1/traces": ('{"resourceSpans": []}', media.OTLP),
    "/v1/metrics": ('{"resourceMetrics": []}', media.OTLP),
}
REFUSED = ["text/plain", "application/xml", "application/x-www-form-urlencoded", "text/json"]


@pytest.mark.parametrize("path", [*RECEIVERS, "/api/v1/ingest/bundle"])
@pytest.mark.parametrize("content_type", REFUSED)
def test_other_media_types_are_a_415_naming_the_header(
    api: Api, path: str, content_type: str
) -> None:
    body = RECEIVERS[path][0] if path in RECEIVERS else "{}"
    r = api.client.post(
        path, content=body, headers=api.h("responder") | {"Content-Type": content_type}
    )
    assert r.status_code == 415, r.text
    error = r.json()["error"]
    assert error["type"] == "UnsupportedMediaTypeError" and error["field"] == "Content-Type"
    assert content_type in error["message"] and path in error["message"]
    if content_type == media.FORM:
        assert "-H 'Content-Type: " in error["message"]


@pytest.mark.parametrize("path", list(RECEIVERS))
def test_documented_types_and_no_header_are_read(api: Api, path: str) -> None:
    body, accepted = RECEIVERS[path]
    for content_type in [t for t in accepted if t != media.PROTOBUF]:
        headers = api.h("responder") | {"Content-Type": f"{content_type.upper()}; charset=utf-8"}
        r = api.client.post(path, content=body, headers=headers)
        assert r.status_code not in (415, 500), (content_type, r.text)
    bare = api.client.post(path, content=body, headers=api.h("responder"))
    assert "content-type" not in {k.lower() for k in bare.request.headers}
    assert bare.status_code not in (415, 500), bare.text


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    media_type=st.from_regex(r"[a-z]{1,8}/[a-z0-9.+-]{1,20}", fullmatch=True),
    path=st.sampled_from(sorted(RECEIVERS)),
)
def test_any_media_type_is_read_or_a_415(api: Api, media_type: str, path: str) -> None:
    body, accepted = RECEIVERS[path]
    r = api.client.post(
        path, content=body, headers=api.h("responder") | {"Content-Type": media_type}
    )
    if media_type in accepted:
        assert r.status_code != 415
    else:
        assert r.status_code == 415, r.text


def test_cdevents_in_cloudevents_structured_mode(api: Api) -> None:
    event: dict[str, Any] = {
        "context": {
            "version": "0.4.1",
            "id": "cd-ce-1",
            "source": "/argo",
            "type": "dev.cdevents.service.deployed.0.2.0",
            "timestamp": "2026-03-01T11:57:00Z",
        },
        "subject": {
            "id": "service/cartservice",
            "content": {"environment": {"id": "prod"}, "artifactId": "pkg:oci/cart@v2"},
        },
    }
    r = api.client.post(
        "/api/v1/ingest/cdevents",
        content=json.dumps(event),
        headers=api.h("responder") | {"Content-Type": "application/cloudevents+json"},
    )
    assert r.status_code == 200, r.text
    assert sum(k["loaded"] for k in r.json()["kinds"].values()) == 1, r.json()


def _multipart(archive: bytes, boundary: str = "rcgboundary") -> bytes:
    return (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="bundle"; filename="b.tar.gz"\r\n'
            "Content-Type: application/gzip\r\n\r\n"
        ).encode()
        + archive
        + f"\r\n--{boundary}--\r\n".encode()
    )


def _chunked(body: bytes, size: int = 4096) -> Iterator[bytes]:
    for i in range(0, len(body), size):
        yield body[i : i + size]


def test_chunked_multipart_upload_is_bounded_while_read(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = api.h("responder") | {"Content-Type": "multipart/form-data; boundary=rcgboundary"}
    body = _multipart(_bundle_tar())
    # without Content-Length (chunked) and within the limit: read and loaded
    ok = api.client.post(
        "/api/v1/ingest/bundle",
        params={"scope": "bundle:INC-M1"},
        content=_chunked(body),
        headers=headers,
    )
    assert "content-length" not in {k.lower() for k in ok.request.headers}
    assert ok.status_code == 200, ok.text
    # over the limit: a 413 once the stream passes it, before the part is spooled whole
    monkeypatch.setattr(ingest, "MAX_BODY", len(body) - 1)
    spooled: list[int] = []
    real_write = UploadFile.write

    async def write(self: Any, data: bytes) -> None:
        spooled.append(len(data))
        await real_write(self, data)

    monkeypatch.setattr(UploadFile, "write", write)
    big = api.client.post(
        "/api/v1/ingest/bundle",
        params={"scope": "bundle:INC-M1"},
        content=_chunked(body),
        headers=headers,
    )
    assert big.status_code == 413, big.text
    assert big.json()["error"]["type"] == "PayloadTooLargeError"
    assert sum(spooled) < len(body)
    broken = api.client.post(
        "/api/v1/ingest/bundle",
        content=b"--rcgboundary\r\nno headers",
        headers=api.h("responder") | {"Content-Type": "multipart/form-data"},
    )
    assert broken.status_code == 422 and broken.json()["error"]["field"] == "multipart/form-data"
