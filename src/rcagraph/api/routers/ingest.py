"""Ingest receivers: Alertmanager, CDEvents, LaunchDarkly, Unleash, OTLP/HTTP (JSON and
protobuf), Kubernetes events, bundle archives (raw or multipart)."""

from __future__ import annotations

import hashlib
import hmac
import json
import zlib
from collections.abc import AsyncGenerator, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from rcagraph.api.answers import LoadReportOut, OtlpAnswer
from rcagraph.api.deps import Responder, bearer, get_rca, get_workflow
from rcagraph.api.media import (
    ARCHIVE,
    CDEVENTS,
    JSON,
    MULTIPART,
    OTLP,
    PROTOBUF,
    require_content_type,
)
from rcagraph.api.models import ERRORS, ErrorBody, Scope
from rcagraph.errors import AuthenticationError, InputError, PayloadTooLargeError
from rcagraph.ids import DEFAULT_SCOPE
from rcagraph.loaders import otlp_proto
from rcagraph.loaders.base import LoadReport
from rcagraph.loaders.limits import MAX_BODY_BYTES
from rcagraph.loaders.receivers import Receiver
from rcagraph.postmortem.common import Actor, Role

router = APIRouter(
    tags=["ingest"],
    responses={
        **ERRORS,
        413: {"model": ErrorBody, "description": "body over the size limit"},
        415: {"model": ErrorBody, "description": "a Content-Type the receiver does not read"},
    },
)

MAX_BODY = MAX_BODY_BYTES


def decoded_body(body: bytes, content_encoding: str | None) -> bytes:
    """The body as sent, undone of its ``Content-Encoding`` (identity or gzip: the OTLP/HTTP
    spec lets clients gzip, and the collector's exporters do by default). Decompression stops
    at ``MAX_BODY`` bytes, so a small archive of zeros cannot fill the memory."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "x-gzip"):
        raise InputError(
            f"Content-Encoding {encoding!r} is not supported (identity or gzip)",
            field="Content-Encoding",
        )
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, MAX_BODY + 1)
    except zlib.error as exc:
        raise InputError(f"the body is not valid gzip: {exc}", field="Content-Encoding") from exc
    if len(out) > MAX_BODY or inflater.unconsumed_tail:
        raise InputError(
            f"payload too large once decompressed (over {MAX_BODY} bytes)",
            field="Content-Encoding",
        )
    if not inflater.eof:
        raise InputError("the gzip body is truncated", field="Content-Encoding")
    return out


def _too_large() -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"payload too large: the limit is {MAX_BODY} bytes", field="Content-Length"
    )


def check_content_length(request: Request) -> None:
    """Refuse a body whose ``Content-Length`` is over ``MAX_BODY``, before reading it."""
    declared = request.headers.get("content-length")
    if declared is None:
        return
    try:
        size = int(declared.strip())
    except ValueError:
        raise InputError("Content-Length is not a number", field="Content-Length") from None
    if size > MAX_BODY:
        raise _too_large()


async def bounded_stream(request: Request) -> AsyncGenerator[bytes, None]:
    """The body's chunks as they arrive, refused (413) once over ``MAX_BODY`` bytes, or at once
    when its ``Content-Length`` says it would be (with or without ``Content-Length``)."""
    check_content_length(request)
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise _too_large()
        yield chunk


async def raw_body(request: Request) -> bytes:
    """The body as sent, read through :func:`bounded_stream`."""
    return b"".join([chunk async for chunk in bounded_stream(request)])


async def _body(request: Request) -> bytes:
    return decoded_body(await raw_body(request), request.headers.get("content-encoding"))


def _parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"the body is not JSON: {exc}") from exc
    except RecursionError as exc:
        raise InputError("the body is not JSON: nested too deeply", field="$") from exc
    except ValueError as exc:  # an integer over Python's digit limit
        raise InputError(f"the body is not JSON: {exc}"[:200], field="$") from exc


async def _json_body(request: Request) -> Any:
    return _parse_json(await _body(request))


def _report_json(report: LoadReport) -> dict[str, Any]:
    """The load report as the receivers answer it (the first 20 rejections)."""
    d = report.to_dict()
    d.pop("quarantine_path", None)
    d.pop("bundle", None)
    d["rejections"] = d["rejections"][:20]
    return d


async def _receive(
    request: Request, actor: Actor, kind: Receiver, scope: str, accepted: Sequence[str] = JSON
) -> dict[str, Any]:
    """A JSON receiver: ``Content-Type`` one of ``accepted`` (checked before the body is read),
    the bounded body parsed, loaded with its audit entry in one transaction."""
    require_content_type(request, accepted)
    return await _receive_payload(request, actor, kind, scope, await _json_body(request))


async def _receive_payload(
    request: Request, actor: Actor, kind: Receiver, scope: str, payload: Any
) -> dict[str, Any]:
    loaded = await run_in_threadpool(get_rca(request).receive, kind, payload, scope, actor)
    return _report_json(loaded)


@router.post("/api/v1/ingest/alertmanager", response_model=LoadReportOut)
async def alertmanager(
    request: Request, actor: Responder, scope: Scope = DEFAULT_SCOPE
) -> dict[str, Any]:
    """Alertmanager webhook receiver (``webhook_configs`` with a bearer token)."""
    return await _receive(request, actor, "alertmanager", scope)


@router.post("/api/v1/ingest/cdevents", response_model=LoadReportOut)
async def cdevents(
    request: Request, actor: Responder, scope: Scope = DEFAULT_SCOPE
) -> dict[str, Any]:
    """CDEvents receiver (one event, or a JSON array of events)."""
    return await _receive(request, actor, "cdevents", scope, CDEVENTS)


@router.post("/api/v1/ingest/launchdarkly", response_model=LoadReportOut)
async def launchdarkly(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    x_ld_signature: Annotated[str | None, Header()] = None,
    scope: Scope = DEFAULT_SCOPE,
) -> dict[str, Any]:
    """LaunchDarkly webhook receiver. With ``RCAGRAPH_LAUNCHDARKLY_WEBHOOK_SECRET`` set, the
    ``X-LD-Signature`` (hex HMAC-SHA256 of the body) must match and no token is needed;
    without it a responder token is required."""
    secret = get_rca(request).settings.launchdarkly_webhook_secret
    if secret is not None:
        require_content_type(request, JSON)
        key = secret.get_secret_value().encode()
        if not key.strip():  # settings validate this; a copied settings object may not have
            raise AuthenticationError("the LaunchDarkly webhook secret is empty: refused")
        body = await raw_body(request)
        expected = hmac.new(key, body, hashlib.sha256).hexdigest().encode()
        given = (x_ld_signature or "").strip().lower().encode("utf-8", "replace")
        if not given or not hmac.compare_digest(expected, given):
            raise AuthenticationError("X-LD-Signature missing or wrong")
        actor = Actor("launchdarkly-webhook", Role.responder)
        payload = _parse_json(decoded_body(body, request.headers.get("content-encoding")))
        return await _receive_payload(request, actor, "launchdarkly", scope, payload)
    actor = await run_in_threadpool(
        get_workflow(request).tokens.authenticate,
        credentials.credentials if credentials else None,
    )
    actor.require(Role.responder)
    return await _receive(request, actor, "launchdarkly", scope)


@router.post("/api/v1/ingest/unleash", response_model=LoadReportOut)
async def unleash(
    request: Request, actor: Responder, scope: Scope = DEFAULT_SCOPE
) -> dict[str, Any]:
    """Unleash webhook addon receiver (the addon's default body, the event itself, or an array
    of events); give the addon an ``Authorization: Bearer <responder token>`` header."""
    return await _receive(request, actor, "unleash", scope)


@router.post("/api/v1/ingest/kubernetes/events", response_model=LoadReportOut)
async def kubernetes_events(
    request: Request, actor: Responder, scope: Scope = DEFAULT_SCOPE
) -> dict[str, Any]:
    """Kubernetes events as kubernetes-event-exporter's webhook sink posts them (one core/v1
    Event a request, with the involved object's labels), or a batch: a JSON array, an
    ``EventList`` or ``kubectl get events -o json``'s ``List``; give the sink an
    ``Authorization: Bearer <responder token>`` header."""
    return await _receive(request, actor, "kubernetes", scope)


_OTLP_KINDS: dict[otlp_proto.Signal, Receiver] = {
    "logs": "otlp_logs",
    "traces": "otlp_traces",
    "metrics": "otlp_metrics",
}


async def _otlp(
    request: Request, actor: Actor, signal: otlp_proto.Signal, scope: str
) -> dict[str, Any] | Response:
    """One OTLP/HTTP export request, JSON or protobuf, answered in its own encoding."""
    media = require_content_type(request, OTLP)
    body = await _body(request)
    payload = otlp_proto.decode_request(signal, body) if media == PROTOBUF else _parse_json(body)
    report = await _receive_payload(request, actor, _OTLP_KINDS[signal], scope, payload)
    rejections = report["rejections"]
    notes: dict[str, int] = {}
    for counts in report["kinds"].values():
        for name, n in counts.get("notes", {}).items():
            notes[name] = notes.get(name, 0) + n
    warning = otlp_proto.warning_of(notes)
    message = rejections[0].get("message", "") if rejections else ""
    message = "; ".join(m for m in (message, warning) if m)
    if media == PROTOBUF:
        content = otlp_proto.partial_success_proto(signal, report["rejected"], message)
        return Response(content, media_type=PROTOBUF)
    return otlp_proto.partial_success_json(signal, report["rejected"], message)


_OTLP_BODY = {
    "requestBody": {
        "content": {
            "application/json": {"schema": {"type": "object"}},
            PROTOBUF: {"schema": {"type": "string", "format": "binary"}},
        }
    }
}


@router.post("/v1/logs", response_model=OtlpAnswer, openapi_extra=_OTLP_BODY)
async def otlp_logs(
    request: Request, actor: Responder, scope: Scope = DEFAULT_SCOPE
) -> dict[str, Any] | Response:
    """OTLP/HTTP logs (``ExportLogsServiceRequest``), JSON or protobuf."""
    return await _otlp(request, actor, "logs", scope)


@router.post("/v1/traces", response_model=OtlpAnswer, openapi_extra=_OTLP_BODY)
async def otlp_traces(
    request: Request, actor: Responder, scope: Scope = DEFAULT_SCOPE
) -> dict[str, Any] | Response:
    """OTLP/HTTP traces (``ExportTraceServiceRequest``), JSON or protobuf."""
    return await _otlp(request, actor, "traces", scope)


@router.post("/v1/metrics", response_model=OtlpAnswer, openapi_extra=_OTLP_BODY)
async def otlp_metrics(
    request: Request, actor: Responder, scope: Scope = DEFAULT_SCOPE
) -> dict[str, Any] | Response:
    """OTLP/HTTP metrics (``ExportMetricsServiceRequest``: gauges, sums, histograms), JSON or
    protobuf."""
    return await _otlp(request, actor, "metrics", scope)


async def _archive(request: Request) -> bytes:
    """The archive: the raw body, or the one file part of a ``multipart/form-data`` upload
    (``curl -F bundle=@b.tar.gz``)."""
    if require_content_type(request, ARCHIVE) != MULTIPART:
        return await raw_body(request)
    # the form is parsed from the bounded stream, not by request.form(), which would spool a
    # file part of any size to a temporary file when no Content-Length bounds it
    parser = MultiPartParser(
        request.headers,
        bounded_stream(request),
        max_files=1,
        max_fields=10,
        max_part_size=MAX_BODY,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise InputError(
            f"the multipart/form-data body cannot be read: {exc.message}",
            field="multipart/form-data",
        ) from exc
    try:
        files = [v for v in form.values() if isinstance(v, UploadFile)]
        if len(files) != 1:
            raise InputError(
                "a multipart/form-data upload must hold exactly one file part, the archive "
                "(or send the archive itself as the body)",
                field="multipart/form-data",
            )
        return await files[0].read(MAX_BODY + 1)
    finally:
        await form.close()


@router.post("/api/v1/ingest/bundle", response_model=LoadReportOut)
async def bundle(request: Request, actor: Responder, scope: Scope | None = None) -> dict[str, Any]:
    """An incident bundle as a .tar(.gz) or .zip archive, the body itself or the one file
    part of a multipart/form-data upload; loaded before the answer (the load report), into
    ``scope`` (default ``default``), which the token must see."""
    actor.require_scope(scope or DEFAULT_SCOPE)
    body = await _archive(request)
    loaded = await run_in_threadpool(get_rca(request).receive_archive, body, scope, actor)
    return _report_json(loaded)
