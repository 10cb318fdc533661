"""metrics/*.otlp.json, metrics/*.otlp.jsonl: OTLP metrics (``ExportMetricsServiceRequest``) →
the series and anomalies the Prometheus/CSV metrics loader makes.

The service is the resource's ``service.name`` (else ``unknown_service[:<process>]``, noted in
the report); the labels of a series are its data points' attributes and the resource's
``service.version`` and ``k8s.pod.name`` (so the canary analysis sees versions), sorted, as
``k=v;k=v``.
Each metric becomes series of numbers the detector can judge:

* **gauge** — the value, under the metric's name;
* **sum**, monotonic — a per-second rate, ``<name>.rate``: cumulative sums by difference to the
  series' previous point (a drop is a counter reset: the new value is the increase), delta sums
  as value ÷ (time − start time); the first point of a cumulative series only sets its start.
  A non-monotonic sum (an up-down counter) is taken as a gauge;
* **histogram** — the 95th percentile of the interval's observations, ``<name>.p95``,
  interpolated within the explicit buckets as Prometheus' ``histogram_quantile`` does
  (cumulative histograms by difference of bucket counts to the previous point; an interval
  without observations gives no point).

Exponential histograms and summaries are read and skipped (counted in the report's notes as
``skipped_data_points``); exemplars are ignored. Series state (the previous point of each
cumulative series) is kept per file, so the points of a series may come in successive
requests, as an exporter sends them; a point not after its series' previous one is skipped
(``out_of_order_points``). Samples are then written exactly as :mod:`rcagraph.loaders.metrics`
writes them: raw series in Parquet, anomalies by its detector, canary verdicts of versioned
series.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rcagraph.loaders import otlp
from rcagraph.loaders.base import LoadContext, Rejection
from rcagraph.loaders.epoch_ns import parse_epoch_ns
from rcagraph.loaders.metrics import KIND, Series, write_series_signals
from rcagraph.loaders.rawstore import METRIC_SCHEMA, ParquetSink, raw_path
from rcagraph.loaders.records import Where, raw_of

CUMULATIVE = 2
DELTA = 1
QUANTILE = 0.95
#: resource attributes kept in a series' labels: the version and the pod of the emitter, so a
#: rolling deploy gives per-version series for the canary analysis, as Prometheus labels do
RESOURCE_LABELS: tuple[str, ...] = ("service.version", "k8s.pod.name")


@dataclass(slots=True)
class Point:
    """One data point as read: its series key, time, and what the metric type carries."""

    service: str
    metric: str  # the name of the series it feeds (``<name>.rate``, ``<name>.p95``, …)
    labels: str
    ts_ns: int
    start_ns: int
    kind: str  # gauge, rate_cumulative, rate_delta, hist_cumulative, hist_delta
    value: float = 0.0
    bounds: tuple[float, ...] = ()
    counts: tuple[int, ...] = ()
    ref: str = ""


@dataclass(slots=True)
class Skipped:
    """Data points of a metric type that gives no series (exponential histogram, summary)."""

    count: int


def _number(raw: object) -> float:
    if isinstance(raw, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(raw, int | float):
        return float(raw)
    if isinstance(raw, str):
        text = raw.strip()
        special = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
        if text in special:
            return special[text]
        return float(text)
    raise ValueError(f"expected a number, got {type(raw).__name__}")


def _count(raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ValueError(f"expected a whole number, got {type(raw).__name__}")
    n = int(raw)
    if n < 0:
        raise ValueError(f"a count cannot be negative: {n}")
    return n


def _labels(attrs: Mapping[str, Any]) -> str:
    return ";".join(f"{k}={otlp.text_of(v)}" for k, v in sorted(attrs.items()))


def parse_metrics_value(value: object, where: Where) -> Iterator[Point | Skipped | Rejection]:
    """The data points of one parsed ``ExportMetricsServiceRequest``; never raises."""
    for item in otlp.resources(value, where, KIND, "resourceMetrics"):
        if isinstance(item, Rejection):
            yield item
            continue
        ri, here, res, attrs, service = item.index, item.where, item.entry, item.attrs, item.service
        kept = {k: attrs[k] for k in RESOURCE_LABELS if attrs.get(k) not in (None, "")}
        scopes = otlp.get(res, "scopeMetrics")
        if scopes is None:
            scopes = otlp.get(res, "instrumentationLibraryMetrics")
        if scopes is None:
            continue
        if not isinstance(scopes, list):
            yield here.reject(KIND, "scopeMetrics is not a list", "scopeMetrics", raw_of(res))
            continue
        for si, scope in enumerate(scopes):
            metrics = scope.get("metrics") if isinstance(scope, Mapping) else None
            at = f"/resourceMetrics/{ri}/scopeMetrics/{si}"
            if metrics is None and isinstance(scope, Mapping):
                continue
            if not isinstance(metrics, list):
                yield Where(where.file, line=where.line, pointer=at).reject(
                    KIND, "expected a scope object with a metrics list", "metrics", raw_of(scope)
                )
                continue
            for mi, metric in enumerate(metrics):
                yield from _metric(metric, service, kept, where, f"{at}/metrics/{mi}")


_TYPES = ("gauge", "sum", "histogram", "exponentialHistogram", "summary")


def _metric(
    metric: object, service: str, kept: Mapping[str, Any], line: Where, pointer: str
) -> Iterator[Point | Skipped | Rejection]:
    here = Where(line.file, line=line.line, pointer=pointer)
    if not isinstance(metric, Mapping):
        yield here.reject(KIND, "expected a metric object", field="metrics", raw=raw_of(metric))
        return
    name = metric.get("name")
    if not isinstance(name, str) or not name.strip():
        yield here.reject(KIND, "metric has no name", field="name", raw=raw_of(metric))
        return
    name = name.strip()
    found = [(t, otlp.get(metric, t)) for t in _TYPES if otlp.get(metric, t) is not None]
    if not found:
        yield here.reject(
            KIND, "metric has no gauge, sum or histogram", field="name", raw=raw_of(metric)
        )
        return
    mtype, body = found[0]
    points = body.get("dataPoints", body.get("data_points")) if isinstance(body, Mapping) else None
    if not isinstance(points, list):
        yield here.reject(KIND, f"{mtype}.dataPoints is not a list", "dataPoints", raw_of(metric))
        return
    if mtype in ("exponentialHistogram", "summary"):
        yield Skipped(len(points))
        return
    assert isinstance(body, Mapping)
    temporality = otlp.get(body, "aggregationTemporality")
    cumulative = temporality in (CUMULATIVE, str(CUMULATIVE), "AGGREGATION_TEMPORALITY_CUMULATIVE")
    monotonic = otlp.get(body, "isMonotonic") is True
    for pi, dp in enumerate(points):
        at = Where(line.file, line=line.line, pointer=f"{pointer}/{mtype}/dataPoints/{pi}")
        yield _point(dp, service, kept, name, mtype, cumulative, monotonic, at)


def _point(
    dp: object,
    service: str,
    kept: Mapping[str, Any],
    name: str,
    mtype: str,
    cumulative: bool,
    monotonic: bool,
    where: Where,
) -> Point | Rejection:
    if not isinstance(dp, Mapping):
        return where.reject(KIND, "expected a data point object", "dataPoints", raw_of(dp))
    try:
        ts = parse_epoch_ns(otlp.get(dp, "timeUnixNano"))
    except ValueError as exc:
        return where.reject(KIND, str(exc), "timeUnixNano", raw_of(dp))
    start_raw = otlp.get(dp, "startTimeUnixNano")
    try:
        start = parse_epoch_ns(start_raw) if start_raw not in (None, 0, "0", "") else 0
    except ValueError as exc:
        return where.reject(KIND, str(exc), "startTimeUnixNano", raw_of(dp))
    labels = _labels({**kept, **otlp.attributes(dp.get("attributes"))})
    ref = where.ref
    if mtype == "histogram":
        try:
            counts = tuple(_count(c) for c in (otlp.get(dp, "bucketCounts") or []))
            bounds = tuple(_number(b) for b in (otlp.get(dp, "explicitBounds") or []))
        except (TypeError, ValueError) as exc:
            return where.reject(KIND, str(exc), "bucketCounts", raw_of(dp))
        if counts and len(counts) != len(bounds) + 1:
            return where.reject(
                KIND,
                f"{len(counts)} bucket counts for {len(bounds)} bounds (expected bounds + 1)",
                "bucketCounts",
                raw_of(dp),
            )
        if any(not math.isfinite(b) for b in bounds) or list(bounds) != sorted(bounds):
            return where.reject(
                KIND, "explicitBounds must be finite and ascending", "explicitBounds", raw_of(dp)
            )
        kind = "hist_cumulative" if cumulative else "hist_delta"
        return Point(service, f"{name}.p95", labels, ts, start, kind, 0.0, bounds, counts, ref)
    raw_value = otlp.get(dp, "asDouble")
    if raw_value is None:
        raw_value = otlp.get(dp, "asInt")
    if raw_value is None:
        return where.reject(KIND, "data point has no asDouble or asInt", "asDouble", raw_of(dp))
    try:
        value = _number(raw_value)
    except (TypeError, ValueError) as exc:
        return where.reject(KIND, str(exc), "asDouble", raw_of(dp))
    if mtype == "sum" and monotonic:
        kind = "rate_cumulative" if cumulative else "rate_delta"
        return Point(service, f"{name}.rate", labels, ts, start, kind, value, ref=ref)
    return Point(service, name, labels, ts, start, "gauge", value, ref=ref)


def histogram_quantile(q: float, bounds: tuple[float, ...], counts: tuple[int, ...]) -> float:
    """The q-quantile of bucketed observations (``counts[i]`` in ``(bounds[i-1], bounds[i]]``,
    the last bucket above every bound), linearly within its bucket; the first bucket starts at
    0 (or at its bound when that is negative), the last answers the highest bound. NaN when
    there are no observations."""
    total = sum(counts)
    if total <= 0:
        return math.nan
    rank = q * total
    seen = 0
    for i, n in enumerate(counts):
        if n and seen + n >= rank:
            if i >= len(bounds):  # the open bucket above the last bound
                return bounds[-1] if bounds else math.nan
            upper = bounds[i]
            lower = bounds[i - 1] if i > 0 else min(0.0, upper)
            return lower + (upper - lower) * (rank - seen) / n
        seen += n
    return bounds[-1] if bounds else math.nan  # pragma: no cover - rank ≤ total


@dataclass(slots=True)
class _Prev:
    ts_ns: int
    value: float = 0.0
    counts: tuple[int, ...] = ()


@dataclass(slots=True)
class Converter:
    """Turns points into samples (ts, value) per series, keeping each cumulative series'
    previous point; ``out_of_order`` counts points not after their series' previous one."""

    prev: dict[tuple[str, str, str], _Prev] = field(default_factory=dict)
    out_of_order: int = 0

    def sample(self, p: Point) -> float | None:
        key = (p.service, p.metric, p.labels)
        if p.kind == "gauge":
            return p.value
        if p.kind == "rate_delta":
            seconds = (p.ts_ns - p.start_ns) / 1e9 if p.start_ns else 0.0
            return p.value / seconds if seconds > 0 else p.value
        if p.kind == "hist_delta":
            v = histogram_quantile(QUANTILE, p.bounds, p.counts)
            return None if math.isnan(v) else v
        before = self.prev.get(key)
        if before is not None and p.ts_ns <= before.ts_ns:
            self.out_of_order += 1
            return None
        self.prev[key] = _Prev(p.ts_ns, p.value, p.counts)
        if before is None:
            return None  # the first cumulative point sets the start
        if p.kind == "rate_cumulative":
            increase = p.value - before.value if p.value >= before.value else p.value
            return increase / ((p.ts_ns - before.ts_ns) / 1e9)
        counts = p.counts
        if len(before.counts) == len(counts) and all(
            a >= b for a, b in zip(counts, before.counts, strict=True)
        ):
            counts = tuple(a - b for a, b in zip(counts, before.counts, strict=True))
        v = histogram_quantile(QUANTILE, p.bounds, counts)
        return None if math.isnan(v) else v


class OtlpMetricsLoader:
    """metrics/*.otlp.json(l) → raw series in Parquet, :Anomaly events (as MetricsLoader)."""

    kind = KIND
    patterns: tuple[str, ...] = ("metrics/*.otlp.json", "metrics/*.otlp.jsonl")

    def load(self, path: Path, ctx: LoadContext) -> None:
        source = ctx.rel(path)
        raw_file = raw_path(ctx.data_dir, ctx.scope, "metrics", source)
        counts = ctx.report.counts(KIND)
        series: dict[tuple[str, str, str], Series] = {}
        converter = Converter()

        def points(value: object, where: Where) -> Iterator[Point | Rejection]:
            for item in parse_metrics_value(value, where):
                if isinstance(item, Skipped):  # counted as read, not as records
                    counts.read += item.count
                    counts.note("skipped_data_points", item.count)
                else:
                    yield item

        with ParquetSink(raw_file, METRIC_SCHEMA) as sink:
            for _, ordinal, item in otlp.iter_records(path, source, KIND, points, ctx):
                sample = converter.sample(item)
                if sample is None:
                    continue
                key = (item.service, item.metric, item.labels)
                s = series.get(key)
                if s is None:
                    s = series[key] = Series(len(series), *key, first_ref=item.ref)
                s.ts.append(item.ts_ns)
                s.values.append(sample)
                sink.append((s.index, ordinal, item.ts_ns, *key, sample))
        counts.note("out_of_order_points", converter.out_of_order)
        write_series_signals(ctx, source, raw_file, series.values())
