"""metrics/*.csv (long form) and metrics/*.json (Prometheus ``query_range`` answers).

Samples are grouped into series per (service, metric, labels); every sample streams to Parquet
(:mod:`rcagraph.loaders.rawstore`, column ``series`` = the series number within the file) as it
is read, and each series keeps only its timestamps and values (16 bytes a sample) in memory for
detection (:mod:`rcagraph.loaders.detect`). Each detected shift becomes an ``:Anomaly:Event``
``OBSERVED_ON`` the series' ``:Component``, with ``series_ref`` = ``<parquet>#series=N``.
Series split by version (per pod during a rolling deploy) are also compared version against
version in the same minutes (:mod:`rcagraph.loaders.canary`, written by
:mod:`rcagraph.loaders.canary_graph`): within one file, as a file holds a metric's series.

CSV: header ``timestamp,service,metric,value`` and optionally ``labels`` (``k=v;k=v``);
timestamps RFC 3339 with an offset or epoch seconds. JSON: ``status`` "success",
``data.resultType`` "matrix" (``values``) or "vector" (``value``); the service is the first of
the labels service, service_name, job, app; the metric is ``__name__`` or the file's stem. The
labels kept with a series are the others, sorted, as ``k=v;k=v``.

Native histograms (``histograms`` in a matrix, ``histogram`` in a vector: ``[time, {count,
sum, buckets}]``) are read as two float series, ``<metric>_count`` and ``<metric>_sum``, the
names a classic histogram's series have (a ``rate()`` query gives their rates; a quantile is
what ``histogram_quantile`` computes server-side, read as any float series). Buckets are not
kept. A histogram sample counts once in ``read``.
"""

from __future__ import annotations

import csv
import json
import math
import re
from array import array
from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rcagraph.ids import uid
from rcagraph.loaders.base import LOADER_VERSION, LoadContext, Rejection
from rcagraph.loaders.canary import VersionedSeries, canary_analysis, parse_label_pairs, version_of
from rcagraph.loaders.canary_graph import (
    canary_rows,
    observed_release_rows,
    write_observed_releases,
    write_verdicts,
)
from rcagraph.loaders.detect import DEFAULT, DetectConfig, Shift, detect_shifts, normal_min_points
from rcagraph.loaders.epoch_ns import dt_to_ns, ns_to_dt
from rcagraph.loaders.limits import MAX_KEY_CHARS
from rcagraph.loaders.normal_window import NormalWindow, normal_window
from rcagraph.loaders.otlp import SERVICE_LABELS
from rcagraph.loaders.rawstore import METRIC_SCHEMA, ParquetSink, make_ref, raw_path
from rcagraph.loaders.records import (
    LINE_TOO_LONG,
    OVERLONG_LINE,
    Where,
    csv_lines,
    json_limit_reason,
    oversized_document,
    raw_of,
)
from rcagraph.loaders.signal_queries import ANOMALIES, COMPONENT_METRIC_SERIES
from rcagraph.loaders.timeparse import parse_rfc3339_or_epoch_s
from rcagraph.schema.signals import signal_of

KIND = "metrics"
REQUIRED_COLUMNS: tuple[str, ...] = ("timestamp", "service", "metric", "value")


def _fmt(value: float, metric: str) -> str:
    name = metric.lower()
    words = set(re.split(r"[^a-z0-9]+", name))  # "duration" holds no "ratio"
    if ("ratio" in words or ("rate" in words and bool(words & {"error", "errors"}))) and (
        -1.0 <= value <= 1.0
    ):
        return f"{value * 100:.3g}%"
    # a unit only where the name states one (Prometheus' base-unit suffixes, a ``_ms``): a
    # bare "latency" is in seconds in one source and milliseconds in another
    unit = ""
    if name.endswith(("_ms", "_milliseconds")) or "_ms_" in name or "milliseconds" in name:
        unit = " ms"
    elif name.endswith(("_seconds", "_s")) or "seconds" in name:
        unit = " s"
    return f"{value:.4g}{unit}"


def summary_of(metric: str, labels: str, shift: Shift) -> str:
    what = metric + (f"{{{labels}}}" if labels else "")
    return (
        f"{what} {_fmt(shift.baseline, metric)} → {_fmt(shift.value, metric)} "
        f"({shift.direction}, z={shift.magnitude:.1f})"
    )


def parse_labels(text: str) -> str:
    """``k=v;k=v`` as its canonical (sorted) form; raises ValueError if malformed."""
    text = text.strip()
    if not text:
        return ""
    pairs: list[tuple[str, str]] = []
    for part in text.split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"label {part!r} is not key=value")
        pairs.append((key.strip(), value.strip()))
    return ";".join(f"{k}={v}" for k, v in sorted(pairs))


@dataclass(slots=True)
class Sample:
    ts_ns: int
    service: str
    metric: str
    labels: str
    value: float
    line: int  # CSV: the line; JSON: the index in ``values`` (or ``histograms``)
    result: int = -1  # JSON: the index in ``data.result``
    field: str = "values"  # JSON: values, value, histograms or histogram
    derived: bool = False  # the second series of one native-histogram sample (not re-counted)

    @property
    def json_ref(self) -> str:
        """Where the sample sits in a Prometheus answer (a JSON pointer)."""
        base = f"/data/result/{self.result}/{self.field}"
        return f"{base}/{self.line}" if self.field in ("values", "histograms") else base


def _value(raw: object) -> float:
    if isinstance(raw, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(raw, int | float):
        return float(raw)
    if isinstance(raw, str):
        text = raw.strip()
        if text in {"NaN", "nan"}:
            return math.nan
        if text in {"+Inf", "Inf", "inf"}:
            return math.inf
        if text in {"-Inf", "-inf"}:
            return -math.inf
        return float(text)
    raise ValueError(f"expected a number, got {type(raw).__name__}")


def parse_csv_row(row: Mapping[str, str | None], where: Where) -> Sample | Rejection:
    """One CSV row (a dict from csv.DictReader) as a sample; never raises."""
    raw = ",".join(str(v) for v in row.values())[:2000]
    if None in row:  # more cells than header columns
        return where.reject(KIND, "more cells than header columns", field="$", raw=raw)
    for name in REQUIRED_COLUMNS:
        cell = row.get(name)
        if cell is None or not cell.strip():
            return where.reject(KIND, "required field is missing or empty", field=name, raw=raw)
    if len(str(row["service"]).strip()) > MAX_KEY_CHARS:
        return where.reject(
            KIND, f"longer than {MAX_KEY_CHARS} characters", field="service", raw=raw
        )
    try:
        ts = dt_to_ns(parse_rfc3339_or_epoch_s(str(row["timestamp"]).strip()))
    except ValueError as exc:
        return where.reject(KIND, str(exc), field="timestamp", raw=raw)
    try:
        value = float(str(row["value"]).strip())
    except ValueError:
        return where.reject(KIND, f"not a number: {row['value']!r}", field="value", raw=raw)
    try:
        labels = parse_labels(row.get("labels") or "")
    except ValueError as exc:
        return where.reject(KIND, str(exc), field="labels", raw=raw)
    return Sample(
        ts, str(row["service"]).strip(), str(row["metric"]).strip(), labels, value, where.line or 0
    )


def iter_csv(path: Path, source: str) -> Iterator[Sample | Rejection]:
    """Stream the samples of a long-form CSV file."""
    with path.open("rb") as fh:
        reader = csv.reader(csv_lines(fh))
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            return
        except csv.Error as exc:
            yield Where(source, line=1).reject(KIND, f"unreadable CSV header: {exc}", field="$")
            return
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            yield Where(source, line=1).reject(
                KIND, f"header lacks column {missing[0]!r}", field=missing[0], raw=",".join(header)
            )
            return
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Where(source, line=line).reject(KIND, f"unreadable CSV: {exc}", field="$")
                continue
            if not cells or all(not c.strip() for c in cells):
                continue
            if OVERLONG_LINE in cells:
                yield Where(source, line=line).reject(KIND, LINE_TOO_LONG, field="$")
                continue
            row: dict[str, Any] = dict(zip(header, cells, strict=False))
            if len(cells) > len(header):
                row[None] = cells[len(header) :]  # type: ignore[index]
            yield parse_csv_row(row, Where(source, line=reader.line_num))


def _histogram(raw: object, at: str) -> tuple[float, float]:
    """``count`` and ``sum`` of a native histogram object (numbers as strings, as sent)."""
    if not isinstance(raw, Mapping):
        raise _HistogramError("expected a histogram object {count, sum, buckets}", at)
    out: list[float] = []
    for key in ("count", "sum"):
        if key not in raw:
            raise _HistogramError("required field is missing", f"{at}.{key}")
        try:
            out.append(_value(raw[key]))
        except ValueError as exc:
            raise _HistogramError(str(exc), f"{at}.{key}") from None
    return out[0], out[1]


class _HistogramError(ValueError):
    def __init__(self, reason: str, field: str) -> None:
        super().__init__(reason)
        self.field = field


def _pairs(result: Mapping[str, Any]) -> Iterator[tuple[str, int, object]]:
    """``(field, index, [time, value])`` of every sample of one result, floats first."""
    for many, one in (("values", "value"), ("histograms", "histogram")):
        items = result.get(many)
        if isinstance(items, list):
            for j, pair in enumerate(items):
                yield many, j, pair
        elif many not in result and one in result:
            yield one, 0, result[one]


def _result_samples(
    result: Mapping[str, Any], i: int, source: str, service: str, name: str, rest: str
) -> Iterator[Sample | Rejection]:
    for many in ("values", "histograms"):
        if many in result and not isinstance(result[many], list):
            yield Where(source, pointer=f"/data/result/{i}/{many}").reject(
                KIND, f"{many} is not a list", field=many, raw=raw_of(result[many])
            )
    for fld, j, pair in _pairs(result):
        at = Where(source, pointer=f"/data/result/{i}/{fld}" + (f"/{j}" if fld[-1] == "s" else ""))
        raw = raw_of(pair)
        if not isinstance(pair, list) or len(pair) != 2:
            yield at.reject(KIND, "expected [time, value]", field=fld, raw=raw)
            continue
        try:
            ts = dt_to_ns(parse_rfc3339_or_epoch_s(pair[0]))
        except ValueError as exc:
            yield at.reject(KIND, str(exc), field=f"{fld}.time", raw=raw)
            continue
        if fld.startswith("histogram"):
            try:
                count, total = _histogram(pair[1], f"{fld}.histogram")
            except _HistogramError as exc:
                yield at.reject(KIND, str(exc), field=exc.field, raw=raw)
                continue
            yield Sample(ts, service, f"{name}_count", rest, count, j, i, fld)
            yield Sample(ts, service, f"{name}_sum", rest, total, j, i, fld, derived=True)
            continue
        try:
            v = _value(pair[1])
        except ValueError as exc:
            yield at.reject(KIND, str(exc), field=f"{fld}.value", raw=raw)
            continue
        yield Sample(ts, service, name, rest, v, j, i, fld)


def iter_prometheus(value: object, source: str, stem: str) -> Iterator[Sample | Rejection]:
    """The samples of a Prometheus query_range (matrix) or query (vector) answer, already
    parsed, native histograms included; never raises."""
    top = Where(source, pointer="")
    if not isinstance(value, Mapping):
        yield top.reject(KIND, "expected a JSON object", field="$")
        return
    if value.get("status") != "success":
        yield Where(source, pointer="/status").reject(
            KIND, f"status is {value.get('status')!r}, not 'success'", field="status"
        )
        return
    data = value.get("data")
    if not isinstance(data, Mapping) or data.get("resultType") not in ("matrix", "vector"):
        yield Where(source, pointer="/data/resultType").reject(
            KIND, "data.resultType is not 'matrix' or 'vector'", field="data.resultType"
        )
        return
    results = data.get("result")
    if not isinstance(results, list):
        yield Where(source, pointer="/data/result").reject(
            KIND, "data.result is not a list", field="data.result"
        )
        return
    for i, result in enumerate(results):
        here = Where(source, pointer=f"/data/result/{i}")
        raw = raw_of(result)  # a rejected series keeps its text in the quarantine
        metric = result.get("metric") if isinstance(result, Mapping) else None
        if not isinstance(metric, Mapping):
            yield here.reject(KIND, "result has no metric labels", field="metric", raw=raw)
            continue
        labels = {str(k): str(v) for k, v in metric.items()}
        service_label = next((k for k in SERVICE_LABELS if labels.get(k, "").strip()), None)
        if service_label is None:
            yield Where(source, pointer=f"/data/result/{i}/metric").reject(
                KIND, "no service, service_name, job or app label", field="metric.service", raw=raw
            )
            continue
        service = labels[service_label].strip()
        if len(service) > MAX_KEY_CHARS:
            yield Where(source, pointer=f"/data/result/{i}/metric/{service_label}").reject(
                KIND, f"longer than {MAX_KEY_CHARS} characters", field="metric.service", raw=raw
            )
            continue
        name = labels.get("__name__") or stem
        rest = ";".join(
            f"{k}={v}" for k, v in sorted(labels.items()) if k not in {"__name__", service_label}
        )
        assert isinstance(result, Mapping)
        if not any(k in result for k in ("values", "value", "histograms", "histogram")):
            yield here.reject(
                KIND,
                "result has no values, value, histograms or histogram",
                field="values",
                raw=raw,
            )
            continue
        yield from _result_samples(result, i, source, service, name, rest)


@dataclass(slots=True)
class Series:
    index: int
    service: str
    metric: str
    labels: str
    first_ref: str
    ts: array[int] = field(default_factory=lambda: array("q"))
    values: array[float] = field(default_factory=lambda: array("d"))


def series_anomalies(
    series: Series, config: DetectConfig = DEFAULT, normal: NormalWindow | None = None
) -> list[tuple[Shift, int, int, int]]:
    """Shifts of a series as (shift, onset_ns, peak_ns, end_ns), in time order; ``normal``
    (when given) says which of its samples are normal operation."""
    ts = np.frombuffer(series.ts, dtype=np.int64)
    values = np.frombuffer(series.values, dtype=np.float64)
    order = np.argsort(ts, kind="stable")
    ts, values = ts[order], values[order]
    need = normal_min_points(len(ts), config)
    normal_end = None if normal is None else normal.end_index(ts, need)
    return [
        (s, int(ts[s.onset]), int(ts[s.peak]), int(ts[s.end]))
        for s in detect_shifts(values, config, normal_end)
    ]


class MetricsLoader:
    """metrics/*.csv and metrics/*.json → raw series in Parquet, :Anomaly events."""

    kind = KIND
    patterns: tuple[str, ...] = ("metrics/*.csv", "metrics/*.json")

    def load(self, path: Path, ctx: LoadContext) -> None:
        source = ctx.rel(path)
        if path.suffix.lower() == ".json":
            samples = self._json(path, source)
        else:
            samples = iter_csv(path, source)
        raw_file = raw_path(ctx.data_dir, ctx.scope, "metrics", source)
        counts = ctx.report.counts(KIND)
        series: dict[tuple[str, str, str], Series] = {}
        with ParquetSink(raw_file, METRIC_SCHEMA) as sink:
            for item in samples:
                if isinstance(item, Rejection):
                    counts.read += 1
                    ctx.reject(item)
                    continue
                if not item.derived:
                    counts.read += 1
                key = (item.service, item.metric, item.labels)
                s = series.get(key)
                if s is None:
                    ref = f"line {item.line}" if path.suffix.lower() != ".json" else item.json_ref
                    s = series[key] = Series(len(series), *key, first_ref=ref)
                s.ts.append(item.ts_ns)
                s.values.append(item.value)
                sink.append((s.index, item.line, item.ts_ns, *key, item.value))
        write_series_signals(ctx, source, raw_file, series.values())

    @staticmethod
    def _json(path: Path, source: str) -> Iterator[Sample | Rejection]:
        too_large = oversized_document(path)
        if too_large:
            yield Where(source, pointer="").reject(KIND, too_large, field="$")
            return
        try:
            with path.open("rb") as fh:
                value = json.load(fh)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            line = getattr(exc, "lineno", None)
            yield Where(source, line=line, pointer=None if line else "").reject(
                KIND, f"not valid JSON: {exc}", field="$"
            )
            return
        except (RecursionError, ValueError) as exc:
            yield Where(source, pointer="").reject(KIND, json_limit_reason(exc), field="$")
            return
        yield from iter_prometheus(value, source, path.stem)

    @staticmethod
    def _anomalies(
        ctx: LoadContext, source: str, raw_file: Path, all_series: Any
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        normal = normal_window(ctx.bundle_dir)
        for s in all_series:
            for shift, onset, peak, end in series_anomalies(s, normal=normal):
                at = ns_to_dt(onset)
                rows.append(
                    {
                        "uid": uid(
                            ctx.scope,
                            "Anomaly",
                            s.service,
                            s.metric,
                            s.labels,
                            at.isoformat(),
                            shift.method,
                        ),
                        "component_uid": uid(ctx.scope, "Component", s.service),
                        "service": s.service,
                        "source": source,
                        "source_ref": s.first_ref,
                        "loader_version": LOADER_VERSION,
                        "props": anomaly_props(
                            s.service,
                            s.metric,
                            s.labels,
                            shift,
                            onset,
                            peak,
                            end,
                            make_ref(ctx.data_dir, raw_file, series=s.index),
                        ),
                    }
                )
        return rows


def write_series_signals(
    ctx: LoadContext, source: str, raw_file: Path, all_series: Collection[Series]
) -> None:
    """The anomalies of a file's series, and the canary verdicts of its versioned ones, into
    the graph (the metrics loaders share this: Prometheus/CSV and OTLP)."""
    rows = MetricsLoader._anomalies(ctx, source, raw_file, all_series)
    results = canary_analysis(versioned(ctx, raw_file, all_series))
    verdicts, canary_anomalies = canary_rows(ctx, source, results)
    rows.extend(canary_anomalies)
    write_verdicts(ctx, verdicts)
    write_observed_releases(ctx, observed_release_rows(ctx, source, results))
    stats = ctx.graph.write_batches(ANOMALIES, rows, batch_size=ctx.batch_size, extra=ctx.params())
    ctx.record_write(KIND, stats)
    write_component_series(ctx, source, Counter(s.service for s in all_series))


def write_component_series(ctx: LoadContext, source: str, counts: Mapping[str, int]) -> None:
    """How many series ``source`` holds per component (``Component.metric_series``, per file).
    Components are not the loaders' primary nodes: not counted as loaded or merged."""
    rows = [
        {
            "component_uid": uid(ctx.scope, "Component", service),
            "service": service,
            "source": source,
            "count": count,
        }
        for service, count in sorted(counts.items())
    ]
    ctx.graph.write_batches(
        COMPONENT_METRIC_SERIES, rows, batch_size=ctx.batch_size, extra=ctx.params()
    )


def versioned(ctx: LoadContext, raw_file: Path, all_series: Any) -> Iterator[VersionedSeries]:
    """The series whose labels carry a version (see :mod:`rcagraph.loaders.canary`)."""
    for s in all_series:
        if not s.labels:
            continue
        version = version_of(parse_label_pairs(s.labels))
        if version is None:
            continue
        yield VersionedSeries(
            service=s.service,
            metric=s.metric,
            labels=s.labels,
            version=version,
            ts_ns=np.frombuffer(s.ts, dtype=np.int64),
            values=np.frombuffer(s.values, dtype=np.float64),
            ref=make_ref(ctx.data_dir, raw_file, series=s.index),
        )


def anomaly_props(
    service: str,
    metric: str,
    labels: str,
    shift: Shift,
    onset: int,
    peak: int,
    end: int,
    series_ref: str,
    signal: str | None = None,
) -> dict[str, Any]:
    return {
        "service": service,
        "metric": metric,
        "labels": labels,
        "signal": signal or signal_of(metric),
        "at": ns_to_dt(onset),
        "peak_at": ns_to_dt(peak),
        "end_at": ns_to_dt(end),
        "direction": shift.direction,
        "magnitude": shift.magnitude,
        "excess": shift.excess,
        "baseline": shift.baseline,
        "value": shift.value,
        "method": shift.method,
        "summary": summary_of(metric, labels, shift),
        "series_ref": series_ref,
    }
