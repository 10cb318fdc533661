"""Log lines → :class:`LogRecord`: OTLP/JSON log export requests and plain JSON records."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from rcagraph.loaders import otlp
from rcagraph.loaders.base import Rejection
from rcagraph.loaders.epoch_ns import dt_to_ns, parse_epoch_ns
from rcagraph.loaders.limits import MAX_KEY_CHARS
from rcagraph.loaders.records import Where
from rcagraph.loaders.timeparse import parse_rfc3339

KIND = "logs"


@dataclass(slots=True)
class LogRecord:
    ts_ns: int
    service: str
    level: str
    severity_number: int
    body: str
    trace_id: str
    span_id: str
    pointer: str | None = None


def parse_log_value(value: object, where: Where) -> Iterator[LogRecord | Rejection]:
    """The log records of one parsed JSON line (OTLP request or plain record); never raises."""
    if not isinstance(value, Mapping):
        yield where.reject(KIND, "expected a JSON object", field="$", raw=_raw(value))
        return
    if "resourceLogs" in value or "resource_logs" in value:
        yield from _otlp(value, where)
    else:
        yield _plain(value, where)


def _raw(value: object) -> str:
    try:
        return json.dumps(value, default=str)[:2000]
    except (TypeError, ValueError, RecursionError):
        return repr(value)[:2000]


def _otlp(value: Mapping[str, Any], where: Where) -> Iterator[LogRecord | Rejection]:
    resources = otlp.get(value, "resourceLogs")
    if not isinstance(resources, list):
        yield where.reject(KIND, "resourceLogs is not a list", "resourceLogs", _raw(value))
        return
    for ri, res in enumerate(resources):
        here = _at(where, f"/resourceLogs/{ri}")
        if not isinstance(res, Mapping):
            yield here.reject(KIND, "expected an object", field="resourceLogs", raw=_raw(res))
            continue
        resource = res.get("resource")
        attrs = otlp.attributes(resource.get("attributes") if isinstance(resource, Mapping) else [])
        service = otlp.service_of(attrs)
        if otlp.service_too_long(service):
            yield here.reject(KIND, otlp.SERVICE_TOO_LONG, otlp.SERVICE_FIELD, _raw(res))
            continue
        scopes = otlp.get(res, "scopeLogs")
        if scopes is None:
            scopes = otlp.get(res, "instrumentationLibraryLogs")  # pre-1.0 exporters
        if scopes is None:
            continue
        if not isinstance(scopes, list):
            yield here.reject(KIND, "scopeLogs is not a list", field="scopeLogs", raw=_raw(res))
            continue
        for si, scope in enumerate(scopes):
            records = otlp.get(scope, "logRecords") if isinstance(scope, Mapping) else None
            if records is None and isinstance(scope, Mapping):
                continue
            if not isinstance(records, list):
                yield _at(where, f"/resourceLogs/{ri}/scopeLogs/{si}").reject(
                    KIND,
                    "expected a scope object with a logRecords list",
                    "logRecords",
                    _raw(scope),
                )
                continue
            for li, rec in enumerate(records):
                yield _otlp_record(rec, service, where, (ri, si, li))


def _at(where: Where, pointer: str) -> Where:
    return Where(where.file, line=where.line, pointer=pointer)


def _otlp_record(
    rec: Any, service: str, line: Where, at: tuple[int, int, int]
) -> LogRecord | Rejection:
    """One logRecord; its JSON pointer is only built for a rejection (hot path)."""

    def bad(reason: str, field: str) -> Rejection:
        pointer = "/resourceLogs/{}/scopeLogs/{}/logRecords/{}".format(*at)
        return _at(line, pointer).reject(KIND, reason, field=field, raw=_raw(rec))

    if not isinstance(rec, Mapping):
        return bad("expected a log record object", "logRecords")
    ts_field = "timeUnixNano"
    ts_value = rec.get("timeUnixNano", rec.get("time_unix_nano"))
    if ts_value in (None, 0, "0", ""):
        ts_field, ts_value = "observedTimeUnixNano", otlp.get(rec, "observedTimeUnixNano")
    if ts_value is None:
        return bad("record has no timeUnixNano", "timeUnixNano")
    try:
        ts = parse_epoch_ns(ts_value)
    except ValueError as exc:
        return bad(str(exc), ts_field)
    number = otlp.get(rec, "severityNumber")
    level = otlp.level_of(number, otlp.get(rec, "severityText")) or "INFO"
    sev_number = number if type(number) is int and 0 <= number <= 24 else 0
    body = rec.get("body")
    text = body.get("stringValue") if type(body) is dict else None
    return LogRecord(
        ts_ns=ts,
        service=service,
        level=level,
        severity_number=sev_number,
        body=text if type(text) is str else otlp.text_of(otlp.any_value(body)),
        trace_id=otlp.hex_id(otlp.get(rec, "traceId")),
        span_id=otlp.hex_id(otlp.get(rec, "spanId")),
    )


def _plain(rec: Mapping[str, Any], where: Where) -> LogRecord | Rejection:
    service = rec.get("service")
    if not isinstance(service, str) or not service.strip():
        return where.reject(KIND, "required field is missing or empty", "service", _raw(rec))
    if len(service.strip()) > MAX_KEY_CHARS:
        return where.reject(KIND, f"longer than {MAX_KEY_CHARS} characters", "service", _raw(rec))
    if "timestamp" not in rec:
        return where.reject(KIND, "required field is missing", "timestamp", _raw(rec))
    try:
        ts = dt_to_ns(parse_rfc3339(rec["timestamp"]))
    except ValueError as exc:
        return where.reject(KIND, str(exc), "timestamp", _raw(rec))
    if "body" not in rec:
        return where.reject(KIND, "required field is missing", "body", _raw(rec))
    severity = rec.get("severity")
    if severity is not None and not isinstance(severity, str | int):
        return where.reject(KIND, "severity must be a string", "severity", _raw(rec))
    level = (
        otlp.level_of(severity, None)
        if isinstance(severity, int)
        else otlp.level_of(None, severity)
    ) or "INFO"
    trace = rec.get("trace_id")
    return LogRecord(
        ts_ns=ts,
        service=service.strip(),
        level=level,
        severity_number=0,
        body=otlp.text_of(rec["body"]),
        trace_id=trace.strip().lower() if isinstance(trace, str) else "",
        span_id="",
    )
