"""OTLP/HTTP protobuf bodies (``application/x-protobuf``): the request decoded with the official
message classes (the ``opentelemetry-proto`` package) into the OTLP/JSON shape the loaders read,
and the ``Export*ServiceResponse`` answered.

``google.protobuf.json_format.MessageToDict`` gives the protobuf JSON mapping: lowerCamelCase
names, 64-bit integers as strings, enums as numbers (``use_integers_for_enums``), bytes as
base64. OTLP/JSON differs in one point, which this module applies: trace and span ids
(``traceId``, ``spanId``, ``parentSpanId`` of spans, links, log records and exemplars) are
hex, not base64. ``bytesValue`` of an attribute stays base64, as OTLP/JSON has it.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Literal

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2 as logs_pb
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2 as metrics_pb
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2 as trace_pb

from rcagraph.errors import InputError

Signal = Literal["logs", "traces", "metrics"]

#: the fields of OTLP messages that carry a trace or span id (bytes; hex in OTLP/JSON)
ID_FIELDS = frozenset({"traceId", "spanId", "parentSpanId"})


@dataclass(frozen=True, slots=True)
class _Messages:
    request: type[Message]
    response: type[Message]
    partial: type[Message]
    #: the count field of the partial success, as protobuf and as OTLP/JSON name it
    rejected_proto: str
    rejected_json: str


MESSAGES: dict[Signal, _Messages] = {
    "logs": _Messages(
        logs_pb.ExportLogsServiceRequest,
        logs_pb.ExportLogsServiceResponse,
        logs_pb.ExportLogsPartialSuccess,
        "rejected_log_records",
        "rejectedLogRecords",
    ),
    "traces": _Messages(
        trace_pb.ExportTraceServiceRequest,
        trace_pb.ExportTraceServiceResponse,
        trace_pb.ExportTracePartialSuccess,
        "rejected_spans",
        "rejectedSpans",
    ),
    "metrics": _Messages(
        metrics_pb.ExportMetricsServiceRequest,
        metrics_pb.ExportMetricsServiceResponse,
        metrics_pb.ExportMetricsPartialSuccess,
        "rejected_data_points",
        "rejectedDataPoints",
    ),
}


def decode_request(signal: Signal, body: bytes) -> dict[str, Any]:
    """A protobuf ``Export*ServiceRequest`` as its OTLP/JSON dict; InputError if the body is
    not one."""
    messages = MESSAGES[signal]
    name = messages.request.DESCRIPTOR.name
    try:
        message = messages.request.FromString(body)
        value: dict[str, Any] = json_format.MessageToDict(message, use_integers_for_enums=True)
    except (DecodeError, RecursionError, ValueError) as exc:
        raise InputError(f"the body is not a protobuf {name}: {exc}", field="$") from exc
    hex_ids(value)
    return value


def hex_ids(value: Any) -> Any:
    """``value`` with every trace or span id (base64, as the protobuf JSON mapping gives
    bytes) turned into lower-case hex, as OTLP/JSON has them; in place, also returned."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, item in node.items():
                if key in ID_FIELDS and isinstance(item, str):
                    node[key] = _b64_to_hex(item)
                elif isinstance(item, dict | list):
                    stack.append(item)
        elif isinstance(node, list):
            stack.extend(x for x in node if isinstance(x, dict | list))
    return value


def _b64_to_hex(text: str) -> str:
    try:
        return base64.b64decode(text, validate=True).hex()
    except (binascii.Error, ValueError):
        return text  # pragma: no cover - MessageToDict always gives valid base64


#: what a load note means to the sender, as a warning of a fully accepted request
_WARNINGS: dict[str, str] = {
    "unknown_service": "{n} record(s) of a resource without service.name stored as unknown_service",
    "unresolved_parents": "{n} span(s) whose parent span was not in this request: no call "
    "edge for them",
    "skipped_data_points": "{n} data point(s) of exponential histograms or summaries skipped",
    "out_of_order_points": "{n} data point(s) not after their series' previous point skipped",
}


def warning_of(notes: dict[str, int]) -> str:
    """The load's notes as one warning for ``errorMessage`` ('' when there are none)."""
    return "; ".join(
        _WARNINGS.get(name, name + ": {n}").format(n=n) for name, n in sorted(notes.items()) if n
    )


def partial_success_json(signal: Signal, rejected: int, message: str) -> dict[str, Any]:
    """The OTLP/JSON ``Export*ServiceResponse``: an empty ``partialSuccess`` when everything
    was accepted without a word (the spec's full success), else the count of rejected records
    (0 for a warning only, as the spec allows) and the message."""
    if not rejected and not message:
        return {"partialSuccess": {}}
    return {"partialSuccess": {MESSAGES[signal].rejected_json: rejected, "errorMessage": message}}


def partial_success_proto(signal: Signal, rejected: int, message: str) -> bytes:
    """The same answer as a serialised protobuf ``Export*ServiceResponse``."""
    messages = MESSAGES[signal]
    response = messages.response()
    if rejected or message:
        partial = messages.partial(**{messages.rejected_proto: rejected, "error_message": message})
        response.partial_success.CopyFrom(partial)  # type: ignore[attr-defined]
    return response.SerializeToString()
