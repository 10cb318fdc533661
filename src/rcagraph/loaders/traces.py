"""traces/*.jsonl, traces/*.json: OTLP/JSON trace export requests → call edges, per-minute edge
series, anomalies.

A span whose parent span belongs to another service gives a call from the parent's service to
the span's service: ``(:Component)-[:CALLS]->(:Component)`` with ``calls``, ``error_ratio``
(span status ERROR) and ``p95_ms`` (span duration), and per edge and minute the calls, errors,
error ratio and latency p50/p95 in Parquet (``series_ref`` on the relationship:
``<parquet>#caller=A&callee=B``). The per-edge error-ratio and p95 series are run through
:mod:`rcagraph.loaders.detect`; a shift is written as an ``:Anomaly`` on the callee, metric
``rpc.error_ratio from <caller>`` or ``rpc.latency_p95 from <caller>``.

Spans of one trace may come on different lines (and in any order). The loader keeps, per file,
an index ``(traceId, spanId) → service`` of the last ``SPAN_INDEX_LIMIT`` (500,000) spans and,
for children that arrive before their parent, at most ``PENDING_LIMIT`` (100,000) waiting
parent ids; the oldest entries are evicted first, so memory is bounded whatever the file size
(≈ 100 MB at the limits). A child whose parent is never seen (or was evicted) gives no edge;
their number is the report's ``unresolved_parents`` note of the kind ``traces``.

A client (or producer) span that names its peer (``peer.service``, else ``server.address``,
``net.peer.name`` or ``db.system``) and that no span of another service has as its parent is a
call to an *uninstrumented* peer — a database, a cache, a load balancer, an external API that
sends no spans of its own: the peer becomes a component with ``instrumented: false`` (unless a
source already said otherwise), the call an edge from the span's service to it, tallied from
the client span (duration, status) like any other. A peer that is itself a service of the
file's spans is not taken for uninstrumented (its server span did not link, that is all).
At most ``PENDING_LIMIT`` client spans wait for a child; older ones are dropped and counted
(``unmatched_client_spans``); ``uninstrumented_peers`` counts the peers found.

Latency percentiles come from a log-bucketed histogram (buckets 5 % wide) per edge and minute,
so they are exact to within 5 %, in constant memory per edge-minute.
"""

from __future__ import annotations

import math
from collections import Counter, OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rcagraph.ids import uid
from rcagraph.loaders import otlp
from rcagraph.loaders.base import LOADER_VERSION, LoadContext, Rejection
from rcagraph.loaders.detect import DetectConfig, detect_shifts, normal_min_points
from rcagraph.loaders.epoch_ns import MINUTE_NS, ns_to_dt, parse_epoch_ns
from rcagraph.loaders.limits import MAX_KEY_CHARS
from rcagraph.loaders.metrics import anomaly_props, write_component_series
from rcagraph.loaders.normal_window import normal_window
from rcagraph.loaders.rawstore import EDGE_SERIES_SCHEMA, ParquetSink, make_ref, raw_path
from rcagraph.loaders.records import Where, raw_of
from rcagraph.loaders.signal_queries import (
    ANOMALIES,
    CALL_EDGES,
    UNINSTRUMENTED_PEERS,
)

KIND = "traces"
SPAN_INDEX_LIMIT = 500_000
PENDING_LIMIT = 100_000
_BUCKET_BASE = math.log(1.05)
RATIO_CONFIG = DetectConfig(min_scale=0.01)
LATENCY_CONFIG = DetectConfig(min_scale=1.0)


#: OTLP span kinds whose span is the caller's side of a call (CLIENT, PRODUCER)
CALLER_KINDS = frozenset({3, 4})
_KIND_NAMES = {"SPAN_KIND_CLIENT": 3, "SPAN_KIND_PRODUCER": 4}
#: span attributes naming the peer of a client span, in order of preference (semantic
#: conventions: ``peer.service``; ``server.address``, formerly ``net.peer.name``; a database
#: call's ``db.system``)
PEER_ATTRIBUTES = ("peer.service", "server.address", "net.peer.name", "db.system")


@dataclass(slots=True)
class Span:
    trace_id: str
    span_id: str
    parent_id: str
    service: str
    start_ns: int
    duration_ms: float
    error: bool
    kind: int = 0
    peer: str | None = None


def _kind(value: Any) -> int:
    if isinstance(value, str):
        return _KIND_NAMES.get(value, int(value) if value.isdigit() else 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _peer(attributes: Mapping[str, Any]) -> str | None:
    for key in PEER_ATTRIBUTES:
        value = attributes.get(key)
        if isinstance(value, str) and value.strip() and len(value.strip()) <= MAX_KEY_CHARS:
            return value.strip()
    return None


def _is_error(status: Any) -> bool:
    if not isinstance(status, Mapping):
        return False
    code = status.get("code")
    return code in (2, "2", "STATUS_CODE_ERROR")


def parse_trace_value(value: object, where: Where) -> Iterator[Span | Rejection]:
    """The spans of one parsed request (an ExportTraceServiceRequest); never raises."""
    for item in otlp.resources(value, where, KIND, "resourceSpans"):
        if isinstance(item, Rejection):
            yield item
            continue
        ri, here, res, service = item.index, item.where, item.entry, item.service
        scopes = otlp.get(res, "scopeSpans")
        if scopes is None:
            scopes = otlp.get(res, "instrumentationLibrarySpans")
        if scopes is None:
            continue
        if not isinstance(scopes, list):
            yield here.reject(KIND, "scopeSpans is not a list", field="scopeSpans", raw=raw_of(res))
            continue
        for si, scope in enumerate(scopes):
            spans = scope.get("spans") if isinstance(scope, Mapping) else None
            if spans is None and isinstance(scope, Mapping):
                continue
            if not isinstance(spans, list):
                yield Where(
                    where.file, line=where.line, pointer=f"/resourceSpans/{ri}/scopeSpans/{si}"
                ).reject(KIND, "expected a scope object with a spans list", "spans", raw_of(scope))
                continue
            for pi, span in enumerate(spans):
                at = Where(
                    where.file,
                    line=where.line,
                    pointer=f"/resourceSpans/{ri}/scopeSpans/{si}/spans/{pi}",
                )
                yield _span(span, service, at)


def _span(span: Any, service: str, where: Where) -> Span | Rejection:
    if not isinstance(span, Mapping):
        return where.reject(KIND, "expected a span object", field="spans", raw=raw_of(span))
    trace_id = otlp.hex_id(otlp.get(span, "traceId"))
    span_id = otlp.hex_id(otlp.get(span, "spanId"))
    if not trace_id:
        return where.reject(KIND, "span has no traceId", "traceId", raw_of(span))
    if not span_id:
        return where.reject(KIND, "span has no spanId", "spanId", raw_of(span))
    try:
        start = parse_epoch_ns(otlp.get(span, "startTimeUnixNano"))
    except ValueError as exc:
        return where.reject(KIND, str(exc), "startTimeUnixNano", raw_of(span))
    try:
        end = parse_epoch_ns(otlp.get(span, "endTimeUnixNano"))
    except ValueError as exc:
        return where.reject(KIND, str(exc), "endTimeUnixNano", raw_of(span))
    if end < start:
        return where.reject(
            KIND, "endTimeUnixNano is before startTimeUnixNano", "endTimeUnixNano", raw_of(span)
        )
    kind = _kind(span.get("kind"))
    return Span(
        trace_id=trace_id,
        span_id=span_id,
        parent_id=otlp.hex_id(otlp.get(span, "parentSpanId")),
        service=service,
        start_ns=start,
        duration_ms=(end - start) / 1e6,
        error=_is_error(span.get("status")),
        kind=kind,
        peer=_peer(otlp.attributes(span.get("attributes"))) if kind in CALLER_KINDS else None,
    )


def _bucket(ms: float) -> int:
    return math.floor(math.log(max(ms, 0.001)) / _BUCKET_BASE)


def _bucket_value(bucket: int) -> float:
    return math.exp((bucket + 0.5) * _BUCKET_BASE)


def quantile(hist: Mapping[int, int], q: float) -> float:
    """The q-quantile of a bucketed histogram (bucket midpoint, rounded to 0.01 ms)."""
    total = sum(hist.values())
    if total == 0:
        return 0.0
    rank = q * total
    seen = 0
    for bucket in sorted(hist):
        seen += hist[bucket]
        if seen >= rank:
            return round(_bucket_value(bucket), 2)
    return round(_bucket_value(max(hist)), 2)  # pragma: no cover - rank ≤ total


@dataclass(slots=True)
class _Cell:
    calls: int = 0
    errors: int = 0
    hist: Counter[int] = field(default_factory=Counter)


class CallGraph:
    """Resolves parents across lines (bounded) and tallies calls per edge and minute."""

    def __init__(self) -> None:
        self.index: OrderedDict[tuple[str, str], str] = OrderedDict()
        self.pending: OrderedDict[tuple[str, str], list[Span]] = OrderedDict()
        self.edges: dict[tuple[str, str], dict[int, _Cell]] = {}
        self.unresolved = 0
        #: client spans naming a peer, waiting for a child span of another service
        self.clients: OrderedDict[tuple[str, str], Span] = OrderedDict()
        self.services: set[str] = set()
        self.peers: set[str] = set()
        self.unmatched_clients = 0

    def add(self, span: Span) -> None:
        key = (span.trace_id, span.span_id)
        self.index[key] = span.service
        self.services.add(span.service)
        if len(self.index) > SPAN_INDEX_LIMIT:
            self.index.popitem(last=False)
        waiting = self.pending.pop(key, None)
        if waiting:
            for child in waiting:
                self._call(span.service, child)
        if span.peer is not None and not any(c.service != span.service for c in waiting or ()):
            self.clients[key] = span
            if len(self.clients) > PENDING_LIMIT:
                self.clients.popitem(last=False)
                self.unmatched_clients += 1
        if span.parent_id:
            pkey = (span.trace_id, span.parent_id)
            parent = self.index.get(pkey)
            if parent is not None and parent != span.service:
                self.clients.pop(pkey, None)  # the peer sends spans: an instrumented call
            if parent is not None:
                self._call(parent, span)
            else:
                self.pending.setdefault(pkey, []).append(span)
                if len(self.pending) > PENDING_LIMIT:
                    _, dropped = self.pending.popitem(last=False)
                    self.unresolved += len(dropped)

    def _call(self, caller: str, child: Span, callee: str | None = None) -> None:
        callee = callee or child.service
        if caller == callee:
            return
        minutes = self.edges.setdefault((caller, callee), {})
        minute = child.start_ns // MINUTE_NS
        cell = minutes.get(minute)
        if cell is None:
            cell = minutes[minute] = _Cell()
        cell.calls += 1
        cell.errors += child.error
        cell.hist[_bucket(child.duration_ms)] += 1

    def finish(self) -> None:
        self.unresolved += sum(len(v) for v in self.pending.values())
        self.pending.clear()
        self.index.clear()
        for client in self.clients.values():
            peer = client.peer
            if peer is None or peer in self.services:
                continue  # an instrumented service whose server span did not link
            self.peers.add(peer)
            self._call(client.service, client, peer)  # the caller's measurement of the call
        self.clients.clear()


class TracesLoader:
    """traces/*.jsonl, traces/*.json → CALLS edges with statistics, edge series in Parquet,
    :Anomaly events."""

    kind = KIND
    patterns: tuple[str, ...] = ("traces/*.jsonl", "traces/*.json")

    def load(self, path: Path, ctx: LoadContext) -> None:
        source = ctx.rel(path)
        counts = ctx.report.counts(KIND)
        graph = CallGraph()
        first_ref: dict[tuple[str, str], str] = {}
        document = path.suffix.lower() == ".json"
        for where, ordinal, item in otlp.iter_records(path, source, KIND, parse_trace_value, ctx):
            before = len(graph.edges)
            graph.add(item)
            if len(graph.edges) != before:  # ordinal: the span's number in a .json document
                ref = f"span {ordinal}" if document else f"line {where.line or 0}"
                for edge in graph.edges:
                    first_ref.setdefault(edge, ref)
        graph.finish()
        for edge in graph.edges:  # calls to uninstrumented peers, tallied at the end
            first_ref.setdefault(edge, f"client spans to {edge[1]}")
        counts.note("unresolved_parents", graph.unresolved)
        counts.note("uninstrumented_peers", len(graph.peers))
        counts.note("unmatched_client_spans", graph.unmatched_clients)
        self._write(ctx, source, graph, first_ref)

    def _write(
        self,
        ctx: LoadContext,
        source: str,
        graph: CallGraph,
        first_ref: dict[tuple[str, str], str],
    ) -> None:
        raw_file = raw_path(ctx.data_dir, ctx.scope, "traces", source, "edges")
        edge_rows: list[dict[str, Any]] = []
        anomaly_rows: list[dict[str, Any]] = []
        normal = normal_window(ctx.bundle_dir)
        with ParquetSink(raw_file, EDGE_SERIES_SCHEMA) as sink:
            for (caller, callee), minutes in sorted(graph.edges.items()):
                total = _Cell()
                ts: list[int] = []
                ratios: list[float] = []
                p95s: list[float] = []
                for minute in sorted(minutes):
                    cell = minutes[minute]
                    total.calls += cell.calls
                    total.errors += cell.errors
                    total.hist.update(cell.hist)
                    ratio = cell.errors / cell.calls
                    p95 = quantile(cell.hist, 0.95)
                    sink.append(
                        (
                            caller,
                            callee,
                            minute * MINUTE_NS,
                            cell.calls,
                            cell.errors,
                            ratio,
                            quantile(cell.hist, 0.5),
                            p95,
                        )
                    )
                    ts.append(minute * MINUTE_NS)
                    ratios.append(ratio)
                    p95s.append(p95)
                series_ref = make_ref(ctx.data_dir, raw_file, caller=caller, callee=callee)
                ref = first_ref.get((caller, callee), "")
                edge_rows.append(
                    {
                        "caller_uid": uid(ctx.scope, "Component", caller),
                        "callee_uid": uid(ctx.scope, "Component", callee),
                        "caller": caller,
                        "callee": callee,
                        "stats": f"{total.calls},{total.errors},{quantile(total.hist, 0.95)}",
                        "series_ref": series_ref,
                        "protocol": None,
                        "source": source,
                        "source_ref": ref,
                        "loader_version": LOADER_VERSION,
                    }
                )
                for metric, signal, values, config in (
                    (f"rpc.error_ratio from {caller}", "errors", ratios, RATIO_CONFIG),
                    (f"rpc.latency_p95 from {caller}", "latency", p95s, LATENCY_CONFIG),
                ):
                    need = normal_min_points(len(ts), config)
                    normal_end = None if normal is None else normal.end_index(ts, need)
                    for shift in detect_shifts(np.asarray(values), config, normal_end):
                        onset, peak, end = ts[shift.onset], ts[shift.peak], ts[shift.end]
                        anomaly_rows.append(
                            {
                                "uid": uid(
                                    ctx.scope,
                                    "Anomaly",
                                    callee,
                                    metric,
                                    "",
                                    ns_to_dt(onset).isoformat(),
                                    shift.method,
                                ),
                                "component_uid": uid(ctx.scope, "Component", callee),
                                "service": callee,
                                "source": source,
                                "source_ref": ref,
                                "loader_version": LOADER_VERSION,
                                "props": anomaly_props(
                                    callee,
                                    metric,
                                    "",
                                    shift,
                                    onset,
                                    peak,
                                    end,
                                    series_ref,
                                    signal=signal,
                                ),
                            }
                        )
        stats = ctx.graph.write_batches(
            CALL_EDGES, edge_rows, batch_size=ctx.batch_size, extra=ctx.params()
        )
        ctx.record_write(KIND, stats)
        peers = [{"uid": uid(ctx.scope, "Component", p)} for p in sorted(graph.peers)]
        if peers:
            ctx.graph.write_batches(
                UNINSTRUMENTED_PEERS, peers, batch_size=ctx.batch_size, extra=ctx.params()
            )
        stats = ctx.graph.write_batches(
            ANOMALIES, anomaly_rows, batch_size=ctx.batch_size, extra=ctx.params()
        )
        ctx.record_write(KIND, stats)
        # each call edge gives its callee two per-minute series (error ratio, latency p95) that
        # the detector judged: the callee was watched through them
        calls_to = Counter(callee for _, callee in graph.edges)
        write_component_series(ctx, source, {c: 2 * n for c, n in calls_to.items()})
