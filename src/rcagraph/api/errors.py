"""THE one place where rcagraph errors become HTTP status codes.

Every error answer has the body ``{"error": {"type": ..., "message": ..., ...}}``. Bad input is
a 422, except on the OTLP/HTTP receivers (``/v1/logs``, ``/v1/traces``, ``/v1/metrics``), whose
specification requires 400 Bad Request for data that cannot be decoded or is invalid (and so
tells exporters not to retry it).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from neo4j import exceptions as neo4j_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from rcagraph import errors as e

log = logging.getLogger("rcagraph.api")

#: seconds a client is told to wait after a 503 (the graph is down or not ready)
RETRY_AFTER_S = 2
#: what a client is told of graph errors: never the server's address, the query's name or the
#: driver's message (those are logged)
GRAPH_MESSAGES: tuple[tuple[type[e.RcaGraphError], str], ...] = (
    (e.GraphUnavailableError, "the graph database is unavailable; retry later"),
    (e.GraphConstraintError, "the change conflicts with a record that exists already"),
)

#: most specific first: the first class an error is an instance of decides
STATUS: tuple[tuple[type[e.RcaGraphError], int], ...] = (
    (e.AuthenticationError, 401),
    (e.PermissionDeniedError, 403),
    (e.NotFoundError, 404),
    (e.ConflictError, 409),
    (e.GraphConstraintError, 409),
    (e.WorkflowError, 409),
    (e.RejectedRecordsError, 422),
    (e.PayloadTooLargeError, 413),
    (e.UnsupportedMediaTypeError, 415),
    (e.InputError, 422),
    (e.GraphUnavailableError, 503),
    (e.SchemaError, 503),
    (e.ConfigurationError, 503),
)


#: the path prefix of the OTLP/HTTP receivers, where bad input is a 400
OTLP_PREFIX = "/v1/"


def _bad_input_status(path: str) -> int:
    return 400 if path.startswith(OTLP_PREFIX) else 422


def status_of(exc: e.RcaGraphError, path: str = "") -> int:
    """The status of ``exc`` answered on ``path`` (bad input on the OTLP receivers: 400)."""
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return _bad_input_status(path) if status == 422 else status
    return 500


def error_body(type_: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"type": type_, "message": message, **extra}}


#: an absolute file path in a message (not a URL's path, nor an endpoint such as
#: ``POST /v1/logs``, which names what the sender sent): shown by its last part only
_ABSOLUTE_PATH = re.compile(
    r"(?<![\w.:/])((?:GET|POST|PUT|PATCH|DELETE) )?/(?:[\w.@~+-]+/)+([\w.@~+-]+)"
)


def strip_paths(text: str) -> str:
    """``text`` without absolute file paths (the server's folders are nobody's business)."""
    return _ABSOLUTE_PATH.sub(lambda m: m.group(0) if m.group(1) else m.group(2), text)


def headers_of(status: int) -> dict[str, str] | None:
    if status == 401:
        return {"WWW-Authenticate": "Bearer"}
    if status == 503:
        return {"Retry-After": str(RETRY_AFTER_S)}
    return None


def public_message(exc: e.RcaGraphError, status: int) -> str:
    """The message a client sees: the error's own for client errors and the 503s rcagraph
    words itself, a fixed one for graph errors and everything else."""
    for cls, message in GRAPH_MESSAGES:
        if isinstance(exc, cls):
            return message
    if status < 500 or (status == 503 and not isinstance(exc, e.GraphError)):
        return strip_paths(str(exc))
    return "internal error"


def _rcagraph_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, e.RcaGraphError)
    status = status_of(exc, request.url.path)
    extra: dict[str, Any] = {}
    if isinstance(exc, e.InputError):
        extra = {"file": exc.file, "line": exc.line, "pointer": exc.pointer, "field": exc.field}
        extra = {
            k: strip_paths(v) if isinstance(v, str) else v
            for k, v in extra.items()
            if v is not None
        }
    if isinstance(exc, e.RejectedRecordsError):
        extra["rejected"] = exc.rejected
    if status >= 500 or isinstance(exc, e.GraphError):
        log.error("error on %s %s: %s", request.method, request.url.path, exc)
    return JSONResponse(
        error_body(type(exc).__name__, public_message(exc, status), **extra),
        status_code=status,
        headers=headers_of(status),
    )


def _driver_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """A lost server that reached the app untranslated (the driver raised outside
    :func:`rcagraph.graph.translate_errors`): the same 503 as GraphUnavailableError."""
    log.error("Neo4j unavailable on %s %s: %s", request.method, request.url.path, exc)
    error = e.GraphUnavailableError("Neo4j is not reachable")
    return JSONResponse(
        error_body(type(error).__name__, public_message(error, 503)),
        status_code=503,
        headers=headers_of(503),
    )


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"loc": list(err.get("loc", ())), "msg": str(err.get("msg", "")), "type": err.get("type")}
        for err in exc.errors()
    ]
    first = details[0] if details else {"loc": [], "msg": "invalid request"}
    message = f"{'.'.join(str(x) for x in first['loc'])}: {first['msg']}"
    return JSONResponse(
        error_body("InputError", message, details=details),
        status_code=_bad_input_status(request.url.path),
    )


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse(
        error_body("HTTPError", str(exc.detail)),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return JSONResponse(error_body("InternalError", "internal error"), status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(e.RcaGraphError, _rcagraph_error)
    app.add_exception_handler(neo4j_exc.ServiceUnavailable, _driver_unavailable)
    app.add_exception_handler(neo4j_exc.SessionExpired, _driver_unavailable)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
