"""Readers of the Nezha dataset's files (IntelligentDDS/Nezha, MIT): one function per file kind.

(About 500 lines: one reader per file kind with the quirks of each documented beside it; they
belong together, and splitting them by kind would scatter the shared row types.)

Each reader takes the file's lines (a text file handle or a list of strings) and returns plain
rows; :mod:`bench.datasets.nezha` selects the rows of a fault case and writes the bundle. What
the files hold, as read here (the repository's README describes the layout, not the columns):

* ``<date>-fault_list.json``: ``{hour: [{inject_time, inject_timestamp, inject_pod,
  inject_type}]}``; ``inject_timestamp`` is epoch seconds (``inject_time`` is the same instant
  as naive UTC text).
* ``metric/<pod>_metric.csv``: one row a minute per pod: ``Time`` (Go's ``time.Time.String()``:
  ``2022-08-22 03:51:19.799087274 +0000 UTC m=+0.305041286``), ``TimeStamp`` (epoch seconds),
  ``PodName``, then the pod's metrics (``CpuUsageRate(%)``, ``PodServerLatencyP90(s)``, …) and
  three of its node (``NodeCpuUsageRate(%)``, …).
* ``metric/front_service.csv``: the entry service's SLO a minute (``SuccessRate(%)``,
  ``LatencyP50(s)`` … ``LatencyP99(s)``).
* ``metric/source_50.csv`` / ``destination_50.csv``: a column ``<caller>_<callee>`` per call
  edge, a latency in seconds a minute, as reported at the caller's and at the callee's side.
* ``metric/dependency.csv``: ``Source,Target,Weight``; a target that is an IPv4 address is the
  node the source's pod runs on, any other target a called service.
* ``trace/HH_MM_trace.csv``: one span a row: ``TraceID, SpanID, ParentID`` (``root`` for a root
  span), ``PodName, OperationName, StartTimeUnixNano, EndTimeUnixNano, Duration`` (µs).
* ``log/HH_MM_log.csv``: ``Timestamp, TimeUnixNano, Node, PodName, Container, TraceID, SpanID,
  Log``; ``Log`` is the container runtime's JSON line (``{"log": …, "stream": …}``) whose
  ``log`` is the application's own line: JSON with ``severity`` and ``message`` (most
  services), or text (``05:18:42.995 INFO  - …``, or no level at all).
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

#: Kubernetes pod of a Deployment: <name>-<pod-template-hash>-<5-character suffix>
_POD = re.compile(r"^(?P<service>.+?)-(?P<hash>[0-9a-z]{6,10})-(?P<suffix>[0-9a-z]{5})$")
_GO_TIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2}) (?P<time>\d{2}:\d{2}:\d{2})(?:\.(?P<frac>\d{1,9}))? "
    r"(?P<off>[+-]\d{4})(?: [A-Za-z]+)?(?: m=[+-]\d+(?:\.\d+)?)?$"
)
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_TRACE_PREFIX = re.compile(r"^\s*TraceID: \S+ SpanID: \S+ ?")
_TEXT_LEVEL = re.compile(
    r"^\d{2}:\d{2}:\d{2}(?:\.\d+)?\s+(TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL)\s+-\s?(.*)$",
    re.DOTALL,
)
_UNITS = {"s": "seconds", "ms": "ms", "%": "percent", "m": "millicores", "mi": "mib"}
#: metrics whose plain name would misstate what they are (``workload`` reads as saturation)
_RENAMED = {"PodWorkload(Ops)": "requests_per_second"}
#: OTLP SeverityNumber of each level (the first of its range)
SEVERITY_NUMBER = {"TRACE": 1, "DEBUG": 5, "INFO": 9, "WARN": 13, "ERROR": 17, "FATAL": 21}
#: a pod file's metric recorded as 0 in every row: never measured (not "0 % success")
UNMEASURED_IF_ZERO = ("PodSuccessRate(%)",)
CLOCK_TOLERANCE_S = 2.0


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected fault of the fault list."""

    date: str
    inject_at: float  # epoch seconds (``inject_timestamp``)
    pod: str
    kind: str  # inject_type: cpu_contention, cpu_consumed, network_delay, return, exception
    inject_time: str = ""  # the label's text form, naive UTC (once a minute off the timestamp)

    @property
    def service(self) -> str:
        return service_of_pod(self.pod)


@dataclass(frozen=True, slots=True)
class Sample:
    """One metric sample in the bundle's long form."""

    at: float  # epoch seconds
    service: str
    metric: str
    value: float
    labels: str = ""  # k=v;k=v, sorted by key


@dataclass(slots=True)
class PodMetrics:
    """A pod file: its pod, the pod's samples, its node's samples (service left empty: the
    caller names the node), and how many rows' ``TimeStamp`` disagreed with ``Time``."""

    pod: str
    samples: list[Sample]
    node_samples: list[Sample]
    clock_mismatches: int = 0
    dropped: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SpanRow:
    trace_id: str
    span_id: str
    parent_id: str  # "" for a root span
    pod: str
    name: str
    start_ns: int
    end_ns: int


@dataclass(frozen=True, slots=True)
class LogRow:
    at_ns: int
    pod: str
    node: str
    container: str
    trace_id: str
    span_id: str
    severity: str | None  # TRACE … FATAL, None where the line names no level
    body: str
    stream: str | None


# -- names and times --------------------------------------------------------------------------


def service_of_pod(pod: str) -> str:
    """The service of a pod name: the Deployment's name, i.e. the pod name without its
    ReplicaSet (pod-template) hash and pod suffix; a name of another shape is kept whole."""
    m = _POD.match(pod.strip())
    return m.group("service") if m else pod.strip()


def pod_template_hash(pod: str) -> str | None:
    m = _POD.match(pod.strip())
    return m.group("hash") if m else None


def parse_go_time(text: str) -> float:
    """Epoch seconds of a Go ``time.Time.String()`` text (the monotonic ``m=`` part ignored)."""
    m = _GO_TIME.match(text.strip())
    if m is None:
        raise ValueError(f"not a Go time text: {text!r}")
    base = datetime.fromisoformat(f"{m['date']}T{m['time']}{m['off'][:3]}:{m['off'][3:]}")
    frac = str(m["frac"] or "0")
    return base.astimezone(UTC).timestamp() + int(frac) / float(10 ** len(frac))


def iso(epoch: float) -> str:
    """RFC 3339 in UTC with milliseconds."""
    ms = round(epoch * 1000)
    dt = datetime.fromtimestamp(ms // 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"


def metric_name(column: str) -> str:
    """A column name as a metric name: snake case, the unit in brackets as a suffix
    (``CpuUsageRate(%)`` → ``cpu_usage_rate_percent``, ``PodServerLatencyP90(s)`` →
    ``pod_server_latency_p90_seconds``), except the few in ``_RENAMED``."""
    if column in _RENAMED:
        return _RENAMED[column]
    m = re.match(r"^(.*?)\s*(?:\(([^)]*)\))?\s*$", column)
    stem, unit = (m.group(1), m.group(2)) if m else (column, None)
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", stem)
    name = re.sub(r"[^0-9a-zA-Z]+", "_", words).strip("_").lower()
    if unit:
        u = _UNITS.get(unit.strip().lower(), re.sub(r"[^0-9a-z]+", "_", unit.lower()).strip("_"))
        name = f"{name}_{u}" if u else name
    return name


def labels_text(labels: Mapping[str, str]) -> str:
    return ";".join(f"{k}={v}" for k, v in sorted(labels.items()) if v)


def _number(text: str | None) -> float | None:
    """A cell's value; None for an empty, NaN or infinite cell (no sample is written)."""
    if text is None or not text.strip():
        return None
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _row_time(
    row: Mapping[str, str | None], time_col: str, ts_col: str | None
) -> tuple[float, bool]:
    """(epoch seconds from the ``Time`` text, whether ``TimeStamp`` disagrees with it)."""
    at = parse_go_time(row[time_col] or "")
    stamp = _number(row.get(ts_col)) if ts_col else None
    return at, stamp is not None and abs(stamp - at) > CLOCK_TOLERANCE_S


def _column(header: Iterable[str], name: str) -> str | None:
    for h in header:
        if h.strip().lower() == name:
            return h
    return None


# -- metric files -----------------------------------------------------------------------------


def text_time_offset(fault: Fault) -> float | None:
    """Seconds from ``inject_timestamp`` to ``inject_time`` read as UTC (None: no text)."""
    try:
        text = datetime.fromisoformat(fault.inject_time.strip()).replace(tzinfo=UTC)
    except ValueError:
        return None
    return text.timestamp() - fault.inject_at


def read_fault_list(data: Any, date: str) -> list[Fault]:
    """The faults of a parsed ``<date>-fault_list.json``, in time order. The time is
    ``inject_timestamp``: where ``inject_time`` disagrees (one fault, by 60 s), the metrics
    follow the timestamp."""
    if not isinstance(data, Mapping):
        raise ValueError("fault list: expected an object of hours")
    faults = []
    for hour, items in data.items():
        if not isinstance(items, list):
            raise ValueError(f"fault list: hour {hour!r} is not a list")
        for item in items:
            faults.append(
                Fault(
                    date=date,
                    inject_at=float(item["inject_timestamp"]),
                    pod=str(item["inject_pod"]),
                    kind=str(item["inject_type"]),
                    inject_time=str(item.get("inject_time", "")),
                )
            )
    return sorted(faults, key=lambda f: (f.inject_at, f.pod))


def read_pod_metrics(lines: Iterable[str]) -> PodMetrics:
    """A ``<pod>_metric.csv``: the pod's series (labels ``pod`` and ``pod_template_hash``;
    service = the pod's service) and its node's (``Node*`` columns, metric ``node_…``).

    Times come from the ``Time`` text, which carries its zone; ``TimeStamp`` is only checked
    against it (in one file of the data every ``TimeStamp`` is 2·10⁸ s off)."""
    reader = csv.DictReader(lines)
    header = list(reader.fieldnames or [])
    time_col, ts_col, pod_col = _column(header, "time"), _column(header, "timestamp"), "PodName"
    if time_col is None or pod_col not in header:
        raise ValueError("pod metrics: no Time or PodName column")
    value_cols = [h for h in header if h not in (time_col, ts_col, pod_col)]
    pod = ""
    rows: list[tuple[float, dict[str, float]]] = []
    mismatches = 0
    for row in reader:
        at, off = _row_time(row, time_col, ts_col)
        mismatches += off
        pod = pod or (row[pod_col] or "").strip()
        values = {c: v for c in value_cols if (v := _number(row.get(c))) is not None}
        rows.append((at, values))
    dropped = tuple(
        c
        for c in UNMEASURED_IF_ZERO
        if c in value_cols and all(v.get(c, 0.0) == 0.0 for _, v in rows)
    )
    service = service_of_pod(pod)
    labels = labels_text({"pod": pod, "pod_template_hash": pod_template_hash(pod) or ""})
    out = PodMetrics(pod, [], [], clock_mismatches=mismatches, dropped=dropped)
    for at, values in rows:
        for c, v in values.items():
            if c in dropped:
                continue
            if c.startswith("Node"):
                out.node_samples.append(Sample(at, "", metric_name(c), v))
            else:
                out.samples.append(Sample(at, service, metric_name(c), v, labels))
    return out


def read_entry_metrics(lines: Iterable[str]) -> list[Sample]:
    """``front_service.csv``: the entry service's success rate and latency percentiles, as
    ``http_success_rate_percent``, ``http_latency_p50_seconds`` … of that service."""
    reader = csv.DictReader(lines)
    header = list(reader.fieldnames or [])
    time_col, ts_col = _column(header, "time"), _column(header, "timestamp")
    name_col = _column(header, "servicename")
    if time_col is None or name_col is None:
        raise ValueError("entry metrics: no Time or ServiceName column")
    cols = [h for h in header if h not in (time_col, ts_col, name_col)]
    out = []
    for row in reader:
        at, _ = _row_time(row, time_col, ts_col)
        service = (row[name_col] or "").strip().lower()
        for c in cols:
            v = _number(row.get(c))
            if v is not None:
                out.append(Sample(at, service, "http_" + metric_name(c), v))
    return out


def read_call_latency(lines: Iterable[str], reporter: str) -> list[Sample]:
    """``source_50.csv`` / ``destination_50.csv``: per call edge ``<caller>_<callee>``, the
    latency as metric ``call_latency_p50_seconds`` of the callee, labels ``caller`` and
    ``reporter`` (``source`` or ``destination``: which side measured it). A column that is not
    ``<caller>_<callee>`` is skipped."""
    reader = csv.DictReader(lines)
    header = list(reader.fieldnames or [])
    time_col, ts_col = _column(header, "time"), _column(header, "timestamp")
    if time_col is None:
        raise ValueError("call latency: no time column")
    edges: dict[str, tuple[str, str]] = {}
    for h in header:
        parts = h.split("_")
        if h not in (time_col, ts_col) and len(parts) == 2 and all(parts):
            edges[h] = (parts[0], parts[1])
    out = []
    for row in reader:
        at, _ = _row_time(row, time_col, ts_col)
        for col, (caller, callee) in edges.items():
            v = _number(row.get(col))
            if v is not None:
                labels = labels_text({"caller": caller, "reporter": reporter})
                out.append(Sample(at, callee, "call_latency_p50_seconds", v, labels))
    return out


def read_dependency(lines: Iterable[str]) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """``dependency.csv``: (service call edges, service → the node it runs on); a source with
    rows to several nodes (the load generator here) gets no node."""
    calls: list[tuple[str, str]] = []
    nodes: dict[str, set[str]] = {}
    for row in csv.DictReader(lines):
        src, dst = (row.get("Source") or "").strip(), (row.get("Target") or "").strip()
        if not src or not dst or src == dst:
            continue
        if _IPV4.match(dst):
            nodes.setdefault(src, set()).add(dst)
        elif (src, dst) not in calls:
            calls.append((src, dst))
    return calls, {s: next(iter(n)) for s, n in nodes.items() if len(n) == 1}


# -- traces -----------------------------------------------------------------------------------


def trace_kept(trace_id: str, fraction: float) -> bool:
    """Whether a trace is in a deterministic sample of ``fraction`` of all traces (by a hash
    of its id, so every span of a kept trace is kept, whichever file it is in)."""
    if fraction >= 1.0:
        return True
    if fraction <= 0.0:
        return False
    h = int.from_bytes(hashlib.sha1(trace_id.encode(), usedforsecurity=False).digest()[:8], "big")
    return h / 2**64 < fraction


def read_spans(lines: Iterable[str]) -> Iterator[SpanRow]:
    """The spans of a ``HH_MM_trace.csv`` (rows without ids or times are skipped)."""
    for row in csv.DictReader(lines):
        try:
            start, end = int(row["StartTimeUnixNano"]), int(row["EndTimeUnixNano"])
        except (KeyError, TypeError, ValueError):
            continue
        trace_id, span_id = (row.get("TraceID") or "").strip(), (row.get("SpanID") or "").strip()
        if not trace_id or not span_id:
            continue
        parent = (row.get("ParentID") or "").strip()
        yield SpanRow(
            trace_id=trace_id,
            span_id=span_id,
            parent_id="" if parent in ("", "root") else parent,
            pod=(row.get("PodName") or "").strip(),
            name=(row.get("OperationName") or "").strip(),
            start_ns=start,
            end_ns=max(end, start),
        )


def _attrs(values: Mapping[str, str | None]) -> list[dict[str, Any]]:
    return [{"key": k, "value": {"stringValue": v}} for k, v in values.items() if v]


def pod_resource(pod: str, node: str | None = None) -> dict[str, Any]:
    """OTLP resource attributes of a pod: ``service.name``, ``k8s.pod.name`` and, where
    known, ``k8s.replicaset.name`` and ``k8s.node.name``."""
    service = service_of_pod(pod)
    h = pod_template_hash(pod)
    return {
        "attributes": _attrs(
            {
                "service.name": service,
                "k8s.pod.name": pod,
                "k8s.replicaset.name": f"{service}-{h}" if h else None,
                "k8s.node.name": node,
            }
        )
    }


def otlp_trace_request(spans: Iterable[SpanRow]) -> dict[str, Any]:
    """One OTLP/JSON ExportTraceServiceRequest: the spans grouped by pod (one resource each).
    The data has no span kind and no status; neither is invented."""
    by_pod: dict[str, list[dict[str, Any]]] = {}
    for s in spans:
        span: dict[str, Any] = {
            "traceId": s.trace_id,
            "spanId": s.span_id,
            "name": s.name,
            "startTimeUnixNano": str(s.start_ns),
            "endTimeUnixNano": str(s.end_ns),
        }
        if s.parent_id:
            span["parentSpanId"] = s.parent_id
        by_pod.setdefault(s.pod, []).append(span)
    return {
        "resourceSpans": [
            {"resource": pod_resource(pod), "scopeSpans": [{"spans": spans_}]}
            for pod, spans_ in by_pod.items()
        ]
    }


# -- logs -------------------------------------------------------------------------------------


def _level(text: object) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    level = text.strip().upper()
    level = {"WARNING": "WARN", "CRITICAL": "FATAL", "ERR": "ERROR"}.get(level, level)
    return level if level in SEVERITY_NUMBER else None


def parse_log_line(raw: str) -> tuple[str | None, str, str | None]:
    """(severity, message, stream) of a ``Log`` cell: the runtime's JSON line around the
    application's own line (JSON with ``severity``/``level`` and ``message``/``msg``, or text
    with or without a leading ``HH:MM:SS.mmm LEVEL -``). The ``TraceID: … SpanID: …`` prefix
    the instrumentation put in front of each message is removed (the ids are columns)."""
    stream: str | None = None
    inner = raw
    try:
        outer = json.loads(raw)
    except ValueError:
        outer = None
    if isinstance(outer, Mapping) and isinstance(outer.get("log"), str):
        inner = str(outer["log"])
        stream = outer.get("stream") if isinstance(outer.get("stream"), str) else None
    inner = inner.rstrip("\n")
    severity: str | None = None
    message = inner
    try:
        app = json.loads(inner)
    except ValueError:
        app = None
    if isinstance(app, Mapping):
        severity = _level(app.get("severity", app.get("level")))
        msg = app.get("message", app.get("msg"))
        message = msg if isinstance(msg, str) else inner
    else:
        m = _TEXT_LEVEL.match(inner)
        if m:
            severity, message = _level(m.group(1)), m.group(2)
    return severity, _TRACE_PREFIX.sub("", message, count=1).strip(), stream


def read_log_rows(lines: Iterable[str]) -> Iterator[LogRow]:
    """The log lines of a ``HH_MM_log.csv`` (rows without a time or pod are skipped)."""
    for row in csv.DictReader(lines):
        try:
            at_ns = int(row["TimeUnixNano"])
        except (KeyError, TypeError, ValueError):
            continue
        pod = (row.get("PodName") or "").strip()
        if not pod:
            continue
        severity, body, stream = parse_log_line(row.get("Log") or "")
        yield LogRow(
            at_ns=at_ns,
            pod=pod,
            node=(row.get("Node") or "").strip(),
            container=(row.get("Container") or "").strip(),
            trace_id=(row.get("TraceID") or "").strip(),
            span_id=(row.get("SpanID") or "").strip(),
            severity=severity,
            body=body,
            stream=stream,
        )


def otlp_log_request(rows: Iterable[LogRow]) -> dict[str, Any]:
    """One OTLP/JSON ExportLogsServiceRequest: the lines grouped by pod. A line without a level
    gets no severity (the loader reads it as INFO)."""
    by_pod: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        rec: dict[str, Any] = {"timeUnixNano": str(r.at_ns), "body": {"stringValue": r.body}}
        if r.severity:
            rec["severityText"] = r.severity
            rec["severityNumber"] = SEVERITY_NUMBER[r.severity]
        if r.trace_id:
            rec["traceId"] = r.trace_id
        if r.span_id:
            rec["spanId"] = r.span_id
        attrs = _attrs({"log.iostream": r.stream, "k8s.container.name": r.container})
        if attrs:
            rec["attributes"] = attrs
        by_pod.setdefault((r.pod, r.node), []).append(rec)
    return {
        "resourceLogs": [
            {"resource": pod_resource(pod, node or None), "scopeLogs": [{"logRecords": recs}]}
            for (pod, node), recs in by_pod.items()
        ]
    }
