"""logs/*.jsonl: OTLP/JSON log export requests or plain JSON log lines.

A file is streamed line by line. Each record's body is mined into a template with drain3 (one
``TemplateMiner`` per service, in memory); the raw records go to Parquet
(:mod:`rcagraph.loaders.rawstore`, one file per source file, column ``cluster`` = the drain
cluster of the line, and a ``.templates`` side file mapping clusters to template ids). The
graph gets what is worth reasoning about:

* ``:LogTemplate`` per (service, template text) — ``template_id`` = digest(service, template),
  ``count``, ``first_seen``, most severe ``severity`` — ``TEMPLATE_OF`` its ``:Component``;
* ``:LogEvent:Event`` of kind ``error_burst``: per service, minutes whose error-level lines
  (ERROR/FATAL, severityNumber ≥ 17) exceed the baseline median + 4 robust scales (scale =
  max(1.4826·MAD, √median, 1 line)) and at least 5 lines; runs of such minutes (gaps of one
  quiet minute allowed) form one burst with onset (first error line), peak minute, end, count,
  peak rate per minute, ``baseline_ratio`` = peak rate / max(baseline median, 0.1) and up to 5
  sample lines; ``OF_TEMPLATE`` the burst's most frequent error template;
* ``:LogEvent:Event`` of kind ``new_template``: a template whose first line is at or after the
  **cutoff**, in a service that logged at least 10 lines before the cutoff (so there was a
  baseline to be new against); at most 20 per service and file (the most frequent).

The **cutoff** (end of the baseline period) is ``incident.started_at − 30 min`` when the
bundle's ``incident.json`` gives ``started_at`` and the file has data before it, else the time
at 25 % of the file's time span. The burst baseline of a service is its minutes before the
cutoff (at least 5), else the leading 25 % of its minutes.

Detection runs per file (a loader sees one file at a time); events of the same service and
onset from two files MERGE into one node. Memory is bounded by the per-minute and per-template
tallies (services × minutes, services × templates), not by the number of lines: lines stream
through to Parquet in chunks.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig

from rcagraph.errors import InputError
from rcagraph.ids import digest, uid
from rcagraph.loaders import otlp
from rcagraph.loaders.base import LOADER_VERSION, LoadContext, Rejection
from rcagraph.loaders.detect import robust_rate_baseline
from rcagraph.loaders.rawstore import (
    LOG_SCHEMA,
    LOG_TEMPLATE_SCHEMA,
    ParquetSink,
    make_ref,
    raw_path,
    write_table,
)
from rcagraph.loaders.records import Where, iter_jsonl
from rcagraph.loaders.signal_queries import LOG_EVENTS, LOG_TEMPLATES
from rcagraph.loaders.timeparse import parse_rfc3339

KIND = "logs"
MINUTE_NS = 60_000_000_000
LOOKBACK_NS = 30 * MINUTE_NS
BURST_Z = 4.0
BURST_MIN_LINES = 5
NEW_TEMPLATE_MIN_BASELINE_LINES = 10
NEW_TEMPLATES_PER_SERVICE = 20
SAMPLES = 5
_MIN_NS = -62135596800 * 10**9
_MAX_NS = 253402300800 * 10**9
_CACHE_LIMIT = 200_000

#: masked before mining (uuids, hex ids, numbers, IPs): drain then sees one token shape
_MASK = re.compile(
    r"\b(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|0[xX][0-9a-fA-F]+|[0-9a-fA-F]{16,}|\d+(?:\.\d+)*)\b"
)


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


def _ns(value: Any) -> int:
    """Epoch nanoseconds from an OTLP fixed64 (decimal string or integer)."""
    if isinstance(value, bool):
        raise ValueError("expected epoch nanoseconds, got a boolean")
    if isinstance(value, int):
        n = value
    elif isinstance(value, str) and value.strip().isdigit():
        n = int(value.strip())
    elif isinstance(value, float) and math.isfinite(value):
        n = int(value)
    else:
        raise ValueError(f"expected epoch nanoseconds, got {value!r}"[:200])
    if not _MIN_NS < n < _MAX_NS:
        raise ValueError(f"epoch nanoseconds {n} out of range")
    return n


def dt_to_ns(value: datetime) -> int:
    delta = value - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def ns_to_dt(ns: int) -> datetime:
    return datetime.fromtimestamp(ns // 1_000_000_000, tz=UTC).replace(
        microsecond=(ns % 1_000_000_000) // 1000
    )


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
        yield where.reject(KIND, "resourceLogs is not a list", field="resourceLogs")
        return
    for ri, res in enumerate(resources):
        if not isinstance(res, Mapping):
            yield _at(where, f"/resourceLogs/{ri}").reject(
                KIND, "expected an object", field="resourceLogs", raw=_raw(res)
            )
            continue
        resource = res.get("resource")
        attrs = otlp.attributes(resource.get("attributes") if isinstance(resource, Mapping) else [])
        try:
            service = otlp.service_of(attrs)
        except InputError as exc:
            yield _at(where, f"/resourceLogs/{ri}/resource/attributes").reject(
                KIND, exc.reason, field="service.name"
            )
            continue
        scopes = otlp.get(res, "scopeLogs")
        if scopes is None:
            scopes = otlp.get(res, "instrumentationLibraryLogs")  # pre-1.0 exporters
        if not isinstance(scopes, list):
            continue
        for si, scope in enumerate(scopes):
            records = otlp.get(scope, "logRecords") if isinstance(scope, Mapping) else None
            if not isinstance(records, list):
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
        ts = _ns(ts_value)
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


# -- template mining ------------------------------------------------------------------------


def mask(body: str) -> str:
    return _MASK.sub("<*>", body)


class Miner:
    """drain3 template mining, one in-memory ``TemplateMiner`` per service.

    Identical (masked) bodies of a service reuse the cluster found for them before (a bounded
    cache, cleared when it reaches 200,000 entries): drain would put them in the same cluster.
    """

    def __init__(self) -> None:
        self._miners: dict[str, TemplateMiner] = {}
        self._cache: dict[tuple[str, str], int] = {}

    def _miner(self, service: str) -> TemplateMiner:
        miner = self._miners.get(service)
        if miner is None:
            config = TemplateMinerConfig()
            config.profiling_enabled = False
            miner = TemplateMiner(config=config)
            self._miners[service] = miner
        return miner

    def add(self, service: str, body: str) -> int:
        masked = mask(body)
        key = (service, masked)
        cluster = self._cache.get(key)
        if cluster is None:
            result = self._miner(service).add_log_message(masked)
            cluster = int(result["cluster_id"])
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = cluster
        return cluster

    def template(self, service: str, cluster: int) -> str:
        miner = self._miners.get(service)
        if miner is None:
            return ""
        found = miner.drain.id_to_cluster.get(cluster)
        return str(found.get_template()) if found is not None else ""


# -- per-file tallies -----------------------------------------------------------------------


@dataclass(slots=True)
class _TemplateTally:
    count: int = 0
    first_ns: int = 0
    last_ns: int = 0
    first_line: int = 0
    rank: int = 0
    samples: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _MinuteErrors:
    count: int = 0
    first_ns: int = 0
    last_ns: int = 0
    first_line: int = 0
    samples: list[str] = field(default_factory=list)


@dataclass(slots=True)
class LogTallies:
    """What detection needs from a file, in memory bounded by minutes and templates."""

    templates: dict[tuple[str, int], _TemplateTally] = field(default_factory=dict)
    minutes: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: dict[tuple[str, int], _MinuteErrors] = field(default_factory=dict)
    error_clusters: Counter[tuple[str, int, int]] = field(default_factory=Counter)
    first_ns: int | None = None
    last_ns: int | None = None

    def add(self, rec: LogRecord, cluster: int, line: int) -> None:
        ts = rec.ts_ns
        service = rec.service
        if self.first_ns is None or ts < self.first_ns:
            self.first_ns = ts
        if self.last_ns is None or ts > self.last_ns:
            self.last_ns = ts
        rank = otlp.RANK[rec.level]
        key = (service, cluster)
        tally = self.templates.get(key)
        if tally is None:
            tally = self.templates[key] = _TemplateTally(0, ts, ts, line, rank)
        tally.count += 1
        if ts < tally.first_ns:
            tally.first_ns, tally.first_line = ts, line
        tally.last_ns = max(tally.last_ns, ts)
        tally.rank = max(tally.rank, rank)
        if len(tally.samples) < 3:
            tally.samples.append(rec.body[:500])
        minute = ts // MINUTE_NS
        self.minutes[(service, minute)] += 1
        if rank >= otlp.ERROR_RANK:
            mkey = (service, minute)
            err = self.errors.get(mkey)
            if err is None:
                err = self.errors[mkey] = _MinuteErrors(0, ts, ts, line)
            err.count += 1
            if ts < err.first_ns:
                err.first_ns, err.first_line = ts, line
            err.last_ns = max(err.last_ns, ts)
            if len(err.samples) < 3:
                err.samples.append(rec.body[:500])
            self.error_clusters[(service, minute, cluster)] += 1

    def cutoff(self, incident_start_ns: int | None) -> int | None:
        if self.first_ns is None or self.last_ns is None:
            return None
        if incident_start_ns is not None and incident_start_ns - LOOKBACK_NS > self.first_ns:
            return incident_start_ns - LOOKBACK_NS
        return self.first_ns + (self.last_ns - self.first_ns) // 4


@dataclass(slots=True)
class Burst:
    service: str
    onset_ns: int
    peak_minute: int
    end_ns: int
    count: int
    rate: float
    baseline: float
    baseline_ratio: float
    samples: list[str]
    first_line: int
    cluster: int | None


def find_bursts(tallies: LogTallies, cutoff_ns: int | None) -> list[Burst]:
    """Error bursts per service (deterministic; see the module docstring for the rule)."""
    services = sorted({s for s, _ in tallies.minutes})
    bursts: list[Burst] = []
    for service in services:
        minutes = sorted(m for s, m in tallies.minutes if s == service)
        lo, hi = minutes[0], minutes[-1]
        errors = np.zeros(hi - lo + 1, dtype=np.float64)
        for (s, m), err in tallies.errors.items():
            if s == service:
                errors[m - lo] = err.count
        if not errors.any():
            continue
        if cutoff_ns is not None and cutoff_ns // MINUTE_NS - lo >= 5:
            base = errors[: cutoff_ns // MINUTE_NS - lo]
        else:
            base = errors[: max(3, errors.size // 4)]
        median, scale = robust_rate_baseline(base)
        threshold = max(median + BURST_Z * scale, float(BURST_MIN_LINES))
        hot = np.flatnonzero(errors >= threshold)
        runs: list[list[int]] = []
        for idx in hot.tolist():
            if runs and idx - runs[-1][-1] <= 2:
                runs[-1].append(idx)
            else:
                runs.append([idx])
        for run in runs:
            span = range(run[0], run[-1] + 1)
            peak = max(span, key=lambda i: (errors[i], -i))
            first = tallies.errors[(service, lo + run[0])]
            last = tallies.errors[(service, lo + run[-1])]
            samples: list[str] = []
            for i in [run[0], peak, *span]:
                minute_errors = tallies.errors.get((service, lo + i))
                for sample in minute_errors.samples if minute_errors else []:
                    if len(samples) < SAMPLES and sample not in samples:
                        samples.append(sample)
            clusters: Counter[int] = Counter()
            for (s, m, c), n in tallies.error_clusters.items():
                if s == service and lo + run[0] <= m <= lo + run[-1]:
                    clusters[c] += n
            top = min(clusters.items(), key=lambda kv: (-kv[1], kv[0]))[0] if clusters else None
            rate = float(errors[peak])
            bursts.append(
                Burst(
                    service=service,
                    onset_ns=first.first_ns,
                    peak_minute=lo + peak,
                    end_ns=last.last_ns,
                    count=int(errors[run[0] : run[-1] + 1].sum()),
                    rate=rate,
                    baseline=median,
                    baseline_ratio=round(rate / max(median, 0.1), 3),
                    samples=samples,
                    first_line=first.first_line,
                    cluster=top,
                )
            )
    return bursts


def new_templates(tallies: LogTallies, cutoff_ns: int | None) -> list[tuple[str, int]]:
    """(service, cluster) of templates first seen at or after the cutoff (see module doc)."""
    if cutoff_ns is None:
        return []
    before: Counter[str] = Counter()
    for (service, minute), n in tallies.minutes.items():
        if (minute + 1) * MINUTE_NS <= cutoff_ns:
            before[service] += n
    found: dict[str, list[tuple[int, int]]] = {}
    for (service, cluster), tally in tallies.templates.items():
        if tally.first_ns >= cutoff_ns and before[service] >= NEW_TEMPLATE_MIN_BASELINE_LINES:
            found.setdefault(service, []).append((tally.count, cluster))
    out: list[tuple[str, int]] = []
    for service in sorted(found):
        ranked = sorted(found[service], key=lambda cc: (-cc[0], cc[1]))
        out.extend((service, c) for _, c in ranked[:NEW_TEMPLATES_PER_SERVICE])
    return out


def incident_start_ns(bundle_dir: Path) -> int | None:
    """``started_at`` of the bundle's incident.json, if it can be read (else None)."""
    path = bundle_dir / "incident.json"
    try:
        if not path.is_file() or path.stat().st_size > 1_000_000:
            return None
        data = json.loads(path.read_text("utf-8"))
        if isinstance(data, Mapping) and data.get("started_at"):
            return dt_to_ns(parse_rfc3339(data["started_at"]))
    except (OSError, ValueError, RecursionError):
        return None
    return None


# -- the loader -----------------------------------------------------------------------------


class LogsLoader:
    """logs/*.jsonl → :LogTemplate, :LogEvent (error bursts, new templates), raw Parquet."""

    kind = KIND
    patterns: tuple[str, ...] = ("logs/*.jsonl",)

    def load(self, path: Path, ctx: LoadContext) -> None:
        source = ctx.rel(path)
        counts = ctx.report.counts(KIND)
        miner = Miner()
        tallies = LogTallies()
        raw_file = raw_path(ctx.data_dir, ctx.scope, "logs", source)
        sink = ParquetSink(raw_file, LOG_SCHEMA)
        try:
            for where, _raw_line, value in iter_jsonl(path, source, KIND):
                if isinstance(value, Rejection):
                    counts.read += 1
                    ctx.reject(value)
                    continue
                line = where.line or 0
                for item in parse_log_value(value, where):
                    counts.read += 1
                    if isinstance(item, Rejection):
                        ctx.reject(item)
                        continue
                    cluster = miner.add(item.service, item.body)
                    tallies.add(item, cluster, line)
                    sink.append(
                        (
                            line,
                            item.ts_ns,
                            item.service,
                            item.level,
                            item.severity_number,
                            item.body,
                            item.trace_id,
                            item.span_id,
                            cluster,
                        )
                    )
        except BaseException:
            sink.abort()
            raise
        sink.close()
        self._write(ctx, source, raw_file, miner, tallies)

    def _write(
        self, ctx: LoadContext, source: str, raw_file: Path, miner: Miner, tallies: LogTallies
    ) -> None:
        scope = ctx.scope
        # templates: merge drain clusters that ended with the same text
        by_id: dict[str, dict[str, Any]] = {}
        cluster_ids: dict[tuple[str, int], str] = {}
        side: dict[str, list[Any]] = {n: [] for n in LOG_TEMPLATE_SCHEMA.names}
        for (service, cluster), tally in sorted(tallies.templates.items()):
            text = miner.template(service, cluster)
            template_id = digest(service, text)
            cluster_ids[(service, cluster)] = template_id
            for name, v in zip(
                LOG_TEMPLATE_SCHEMA.names,
                (service, cluster, template_id, text, tally.count),
                strict=True,
            ):
                side[name].append(v)
            row = by_id.get(template_id)
            if row is None:
                by_id[template_id] = {
                    "uid": uid(scope, "LogTemplate", template_id),
                    "component_uid": uid(scope, "Component", service),
                    "service": service,
                    "template": text,
                    "template_id": template_id,
                    "count": tally.count,
                    "first_ns": tally.first_ns,
                    "first_line": tally.first_line,
                    "rank": tally.rank,
                }
            else:
                row["count"] += tally.count
                row["rank"] = max(row["rank"], tally.rank)
                if tally.first_ns < row["first_ns"]:
                    row["first_ns"], row["first_line"] = tally.first_ns, tally.first_line
        write_table(
            raw_path(ctx.data_dir, scope, "logs", source, "templates"), side, LOG_TEMPLATE_SCHEMA
        )
        template_rows = [
            {
                "uid": r["uid"],
                "component_uid": r["component_uid"],
                "service": r["service"],
                "template": r["template"],
                "template_id": r["template_id"],
                "count": r["count"],
                "first_seen": ns_to_dt(r["first_ns"]),
                "severity": otlp.LEVELS[r["rank"] - 1],
                "severity_rank": r["rank"],
                "source": source,
                "source_ref": f"line {r['first_line']}",
                "loader_version": LOADER_VERSION,
            }
            for r in sorted(by_id.values(), key=lambda r: r["uid"])
        ]
        stats = ctx.graph.write_batches(
            LOG_TEMPLATES, template_rows, batch_size=ctx.batch_size, extra=ctx.params()
        )
        ctx.record_write(KIND, stats)

        cutoff = tallies.cutoff(incident_start_ns(ctx.bundle_dir))
        events: list[dict[str, Any]] = []
        for burst in find_bursts(tallies, cutoff):
            burst_template: str | None = (
                cluster_ids.get((burst.service, burst.cluster))
                if burst.cluster is not None
                else None
            )
            onset = ns_to_dt(burst.onset_ns)
            events.append(
                {
                    "uid": uid(scope, "LogEvent", "error_burst", burst.service, onset.isoformat()),
                    "component_uid": uid(scope, "Component", burst.service),
                    "service": burst.service,
                    "template_uid": (
                        uid(scope, "LogTemplate", burst_template) if burst_template else None
                    ),
                    "source": source,
                    "source_ref": f"line {burst.first_line}",
                    "loader_version": LOADER_VERSION,
                    "props": {
                        "kind": "error_burst",
                        "service": burst.service,
                        "at": onset,
                        "peak_at": ns_to_dt(burst.peak_minute * MINUTE_NS),
                        "end_at": ns_to_dt(burst.end_ns),
                        "count": burst.count,
                        "rate": burst.rate,
                        "baseline_ratio": burst.baseline_ratio,
                        "samples": burst.samples,
                        "raw_ref": make_ref(
                            ctx.data_dir,
                            raw_file,
                            service=burst.service,
                            ts=(burst.onset_ns, burst.end_ns),
                        ),
                    },
                }
            )
        for service, cluster in new_templates(tallies, cutoff):
            tally = tallies.templates[(service, cluster)]
            template_id = cluster_ids[(service, cluster)]
            events.append(
                {
                    "uid": uid(scope, "LogEvent", "new_template", service, template_id),
                    "component_uid": uid(scope, "Component", service),
                    "service": service,
                    "template_uid": uid(scope, "LogTemplate", template_id),
                    "source": source,
                    "source_ref": f"line {tally.first_line}",
                    "loader_version": LOADER_VERSION,
                    "props": {
                        "kind": "new_template",
                        "service": service,
                        "at": ns_to_dt(tally.first_ns),
                        "peak_at": None,
                        "end_at": ns_to_dt(tally.last_ns),
                        "count": tally.count,
                        "rate": None,
                        "baseline_ratio": None,
                        "samples": tally.samples,
                        "raw_ref": make_ref(
                            ctx.data_dir, raw_file, service=service, cluster=cluster
                        ),
                    },
                }
            )
        stats = ctx.graph.write_batches(
            LOG_EVENTS, events, batch_size=ctx.batch_size, extra=ctx.params()
        )
        ctx.record_write(KIND, stats)
