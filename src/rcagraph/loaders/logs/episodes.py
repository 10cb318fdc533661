"""Per-file tallies of log lines, and what is detected in them: error bursts and new
templates (the rules are in :mod:`rcagraph.loaders.logs`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from rcagraph.loaders import otlp
from rcagraph.loaders.detect import robust_rate_baseline
from rcagraph.loaders.epoch_ns import MINUTE_NS
from rcagraph.loaders.logs.parse import LogRecord
from rcagraph.loaders.normal_window import LOOKBACK_NS

BURST_Z = 4.0
BURST_MIN_LINES = 5
NEW_TEMPLATE_MIN_BASELINE_LINES = 10
NEW_TEMPLATES_PER_SERVICE = 20
SAMPLES = 5


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
