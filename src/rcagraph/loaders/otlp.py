"""Small helpers for OTLP/JSON (the protobuf JSON mapping of the OpenTelemetry protocol).

Unknown fields are ignored, as the OTLP specification requires. Field names are accepted in
lowerCamelCase (the mapping's canonical form) and, where exporters emit it, snake_case.

Files of OTLP requests come in two shapes: ``*.jsonl``, one request per line (what the
collector's file exporter writes), and ``*.json``, one request a file (pretty-printed or not,
what the opentelemetry-proto examples are); :func:`iter_requests` reads both.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from rcagraph.loaders.base import LoadContext, Rejection
from rcagraph.loaders.limits import MAX_KEY_CHARS
from rcagraph.loaders.records import (
    WHOLE_RECORD,
    Where,
    iter_jsonl,
    oversized_document,
    raw_of,
    read_json_document,
)

SERVICE_LABELS: tuple[str, ...] = ("service", "service_name", "job", "app")

#: severity levels (OTLP SeverityNumber ranges) and their rank
LEVELS: tuple[str, ...] = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
RANK: dict[str, int] = {level: i + 1 for i, level in enumerate(LEVELS)}
ERROR_RANK = RANK["ERROR"]

_TEXT_LEVEL: dict[str, str] = {
    "trace": "TRACE",
    "debug": "DEBUG",
    "fine": "DEBUG",
    "info": "INFO",
    "information": "INFO",
    "informational": "INFO",
    "notice": "INFO",
    "warn": "WARN",
    "warning": "WARN",
    "error": "ERROR",
    "err": "ERROR",
    "severe": "ERROR",
    "critical": "FATAL",
    "crit": "FATAL",
    "fatal": "FATAL",
    "alert": "FATAL",
    "emergency": "FATAL",
    "panic": "FATAL",
}


def get(obj: Mapping[str, Any], camel: str) -> Any:
    """``obj[camel]``, or its snake_case spelling."""
    if camel in obj:
        return obj[camel]
    snake = "".join("_" + c.lower() if c.isupper() else c for c in camel)
    return obj.get(snake)


def any_value(value: Any) -> Any:
    """An OTLP ``AnyValue`` as a Python value (strings, numbers, bools, lists, dicts)."""
    if not isinstance(value, Mapping):
        return value
    for key in ("stringValue", "string_value"):
        if key in value:
            return value[key]
    for key in ("boolValue", "bool_value"):
        if key in value:
            return bool(value[key])
    for key in ("intValue", "int_value"):
        if key in value:
            raw = value[key]
            try:
                return int(raw)
            except (TypeError, ValueError):
                return raw
    for key in ("doubleValue", "double_value"):
        if key in value:
            raw = value[key]
            try:
                return float(raw)
            except (TypeError, ValueError):
                return raw
    for key in ("bytesValue", "bytes_value"):
        if key in value:
            return value[key]
    array = get(value, "arrayValue")
    if isinstance(array, Mapping):
        items = array.get("values") or []
        return [any_value(v) for v in items] if isinstance(items, list) else []
    kvlist = get(value, "kvlistValue")
    if isinstance(kvlist, Mapping):
        return attributes(kvlist.get("values"))
    return None


def attributes(items: Any) -> dict[str, Any]:
    """A ``repeated KeyValue`` list as a dict (malformed entries are skipped)."""
    out: dict[str, Any] = {}
    if not isinstance(items, list):
        return out
    for item in items:
        if isinstance(item, Mapping) and isinstance(item.get("key"), str):
            out[item["key"]] = any_value(item.get("value"))
    return out


def text_of(value: Any) -> str:
    """A log body or attribute as text (structures as compact JSON)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def level_of(number: Any, text: Any) -> str | None:
    """Severity level from an OTLP severityNumber (1..24) or a severity text; None if neither."""
    if isinstance(number, int | str) and not isinstance(number, bool):
        try:
            n = int(number)
        except ValueError:
            n = 0
        if 1 <= n <= 24:
            return LEVELS[(n - 1) // 4]
    if isinstance(text, str) and text.strip():
        word = text.strip().lower()
        if word in _TEXT_LEVEL:
            return _TEXT_LEVEL[word]
        digits = word.rstrip("0123456789")  # e.g. ERROR2, INFO4
        if digits in _TEXT_LEVEL:
            return _TEXT_LEVEL[digits]
        return "INFO"
    return None


#: the service of a resource without ``service.name``, as the OpenTelemetry SDKs name it
UNKNOWN_SERVICE = "unknown_service"


def service_of(resource_attrs: Mapping[str, Any]) -> str:
    """``service.name`` of a resource, stripped; without one, what the SDKs report then:
    ``unknown_service:<process.executable.name>``, or ``unknown_service``."""
    name = resource_attrs.get("service.name")
    if isinstance(name, str) and name.strip():
        return name.strip()
    process = resource_attrs.get("process.executable.name")
    if isinstance(process, str) and process.strip():
        return f"{UNKNOWN_SERVICE}:{process.strip()}"
    return UNKNOWN_SERVICE


#: the field a rejection names for a resource whose ``service.name`` is over ``MAX_KEY_CHARS``
SERVICE_FIELD = "resource.attributes.service.name"
#: its reason (the name becomes an index-backed Component name)
SERVICE_TOO_LONG = f"service.name is longer than {MAX_KEY_CHARS} characters"


def service_too_long(service: str) -> bool:
    return len(service) > MAX_KEY_CHARS


def is_unknown_service(service: str) -> bool:
    return service == UNKNOWN_SERVICE or service.startswith(UNKNOWN_SERVICE + ":")


def hex_id(value: Any) -> str:
    """A trace or span id (hex in OTLP/JSON), lower-cased; '' when absent."""
    if isinstance(value, str):
        return value.strip().lower()
    return ""


def _hint(kind: str, stem: str) -> str:
    return (
        f"a {kind}/*.jsonl file holds one OTLP request (a JSON object) per line, as the "
        f"collector's file exporter writes it; a pretty-printed request belongs in a file of "
        f"its own named {kind}/{stem}.json"
    )


def iter_requests(path: Path, source: str, kind: str) -> Iterator[tuple[Where, object | Rejection]]:
    """The parsed OTLP requests of a ``.json`` file (one document; ``where.line`` is None) or
    a ``.jsonl`` file (one a line), each with where it is, or a Rejection.

    A ``.jsonl`` file whose first line is not JSON but whose whole text is one JSON document
    (a pretty-printed request) is refused once, saying what the file must look like, rather
    than once per physical line."""
    if path.suffix.lower() == ".json":
        value = read_json_document(path, source, kind)
        if isinstance(value, Rejection):
            value.reason += f" (a {kind}/*.json file is one OTLP request, a JSON object)"
        yield Where(source), value
        return
    first = True
    for where, _raw, value in iter_jsonl(path, source, kind):
        if isinstance(value, Rejection):
            whole = _whole_document(path) if first else None
            if whole is not None:
                yield (
                    where,
                    Where(source, line=1).reject(
                        kind,
                        "the file is one JSON document spread over several lines, not JSON lines: "
                        + _hint(kind, path.name.removesuffix(".jsonl")),
                        WHOLE_RECORD,
                        whole[:2000],
                    ),
                )
                return
            value.reason += f"; {_hint(kind, path.name.removesuffix('.jsonl'))}"
        first = False
        yield where, value


def _whole_document(path: Path) -> str | None:
    """The file's text when it is one JSON document, else None."""
    if oversized_document(path):
        return None
    try:
        text = path.read_text("utf-8")
        json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return text


@dataclass(frozen=True, slots=True)
class Resource:
    """One ``resourceSpans`` / ``resourceMetrics`` entry of a request: where it is, the entry
    itself, its resource attributes and its service (:func:`service_of`)."""

    index: int
    where: Where
    entry: Mapping[str, Any]
    attrs: dict[str, Any]
    service: str


def resources(value: object, where: Where, kind: str, key: str) -> Iterator[Resource | Rejection]:
    """The resource entries under ``key`` of one parsed export request; a request that is not
    an object or has no list there, an entry that is not an object, and one whose service name
    is over the key limit, are rejections."""
    if not isinstance(value, Mapping):
        yield where.reject(kind, "expected a JSON object", field="$", raw=raw_of(value))
        return
    entries = get(value, key)
    if not isinstance(entries, list):
        yield where.reject(kind, f"{key} is missing or not a list", key, raw_of(value))
        return
    for ri, entry in enumerate(entries):
        here = Where(where.file, line=where.line, pointer=f"/{key}/{ri}")
        if not isinstance(entry, Mapping):
            yield here.reject(kind, "expected an object", field=key, raw=raw_of(entry))
            continue
        resource = entry.get("resource")
        attrs = attributes(resource.get("attributes") if isinstance(resource, Mapping) else [])
        service = service_of(attrs)
        if service_too_long(service):
            yield here.reject(kind, SERVICE_TOO_LONG, SERVICE_FIELD, raw_of(entry))
            continue
        yield Resource(ri, here, entry, attrs, service)


class _Record(Protocol):
    @property
    def service(self) -> str: ...


R = TypeVar("R", bound=_Record)


def iter_records(
    path: Path,
    source: str,
    kind: str,
    parse: Callable[[object, Where], Iterator[R | Rejection]],
    ctx: LoadContext,
) -> Iterator[tuple[Where, int, R]]:
    """The records of an OTLP file (:func:`iter_requests`, each request through ``parse``),
    with where their request is and their number in the file. Every record read is counted,
    rejections go to ``ctx``, and a record of ``unknown_service`` is noted: what the logs,
    traces and metrics loaders all do with a request."""
    counts = ctx.report.counts(kind)
    ordinal = 0
    for where, value in iter_requests(path, source, kind):
        if isinstance(value, Rejection):
            counts.read += 1
            ctx.reject(value)
            continue
        for item in parse(value, where):
            counts.read += 1
            ordinal += 1
            if isinstance(item, Rejection):
                ctx.reject(item)
                continue
            if is_unknown_service(item.service):
                counts.note("unknown_service")
            yield where, ordinal, item
