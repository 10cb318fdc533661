"""Convert the Online Boutique fault cases of the Nezha dataset into rcagraph incident bundles.

(Over 500 lines on purpose: a fifth of it is this docstring, which records why each of the
dataset's files maps as it does; the file readers are apart, in :mod:`.nezha_files`.)

Data: the public repository IntelligentDDS/Nezha, MIT licence (© 2023 IntelligentDDS), from
G. Yu, P. Chen, Y. Li, H. Chen, X. Li, Z. Zheng, "Nezha: Interpretable Fine-Grained Root Causes
Analysis for Microservices on Multi-Modal Observability Data", ESEC/FSE 2023. Every output
directory gets a README with this credit and the licence text. Only the **Online Boutique**
half (``rca_data/2022-08-22`` and ``2022-08-23``, "hipster") is converted; the Train Ticket
dates are skipped on purpose (kept for a blind check), whatever ``SRC`` holds.

    python -m bench.datasets.nezha SRC OUT [--before-min 60] [--after-min 10]
                                           [--trace-sample 1.0] [--limit N]

``SRC`` is a checkout (or extract) of the repository: ``rca_data/<date>/`` with the fault list,
``metric/``, ``trace/``, ``log/``, and optionally ``construct_data/root_cause_hipster.json``
(the inner-service labels, copied into truth.json) and ``ABSENT_IN_SNAPSHOT.txt`` (files
missing from a partial copy, reported per case). :mod:`bench.datasets.nezha_files` reads the
files. One bundle per injected fault (56), directory = incident id ``nezha-ob-<date>-<HHMM>``.

What each bundle holds — what a responder of this system would have at hand ten minutes into
the incident — and why:

* ``incident.json``: the symptom is the entry service (``frontend``): signal ``errors``
  (metric ``http_success_rate_percent``) when its success rate in the 5 minutes after the
  injection fell more than 1 point below its median of the 30 minutes before, else
  ``latency`` (``http_latency_p90_seconds``) — decided from the entry service's own data, never
  from the fault. ``started_at`` = the injection time (the data's only onset label; the
  metrics are a minute apart, so the second is finer than anything the engine can resolve),
  ``detected_at`` = 2 minutes later (a one-minute alert rule on one-minute samples). The title
  names the entry service and the signal only: nothing in the incident points at the root.
* ``truth.json``: ``kind: service``, the service of ``inject_pod`` (the pod name without its
  ReplicaSet hash and pod suffix), ``change_id: null``; ``fault`` = ``inject_type``,
  ``injected_at``; ``nezha`` keeps the raw label (pod, type, timestamp, the inner-service label).
* **Window.** Metrics from 60 minutes before the injection (or the first sample of the day,
  2.5 minutes before the first fault of each day) to 10 minutes after it or the next
  injection, whichever is first: the next case's fault is a different incident and must not be
  in this one. The minutes before are **as recorded**, and they are not clean: the faults were
  injected every 7–9 minutes (three gaps of 17–34), lasting about 3 minutes (up to 7), usually
  several in a row on one service, so the hour before a fault holds up to six earlier ones.
  Nezha compares with a fault-free phase (``construct_data``), but for Online Boutique its
  metric files are the same files as ``rca_data``'s and its traces one minute a day. Splicing
  in the day's fault-free tail (hours later) as "normal operation" was tried and rejected:
  memory and other level-like series sit at other levels there, which made a step of robust
  z ≥ 4 at the splice on several pods in most cases (177 (case, pod) pairs off the root pod,
  27 on it), i.e. fabricated anomalies, some of them pointing at the answer. The time of a
  fault is ``inject_timestamp``; one ``inject_time`` text is 60 s off it, and the metrics
  follow the timestamp (``conversion.json`` notes it).
* ``metrics/pods.csv``: every pod file's series, service = the pod's service, labels ``pod``
  and ``pod_template_hash`` (the ReplicaSet hash, the pod template's version). Names are the
  columns in snake case with the unit (``CpuUsageRate(%)`` → ``cpu_usage_rate_percent``,
  ``PodServerLatencyP99(s)`` → ``pod_server_latency_p99_seconds``); ``PodWorkload(Ops)`` →
  ``requests_per_second``. ``PodSuccessRate(%)`` is dropped where it is 0 in every row (all
  Online Boutique pods: it was never measured — the entry service's own success rate is ~100 %).
  Empty and NaN cells write no sample. Times come from the ``Time`` text; in
  ``2022-08-22/metric/adservice…`` every ``TimeStamp`` is 2·10⁸ s off it, and is ignored.
* ``metrics/nodes.csv``: the ``Node*`` columns of the pod files belong to the pod's node,
  identified through ``dependency.csv`` (service → IP); a component ``node-<ip>`` per node
  (once, from the first of its pods' files), labels ``node``. ``topology/edges.csv`` gets
  ``service,node-<ip>`` (the service depends on its host). Pods sharing a node share it here.
* ``metrics/entry.csv``: ``front_service.csv`` — the entry service's success rate and latency
  p50–p99 (``http_…``), what the incident's SLO is about.
* ``metrics/calls.csv``: ``source_50.csv`` / ``destination_50.csv``, per call edge a latency a
  minute (read as the median: the files say 50), as metric ``call_latency_p50_seconds`` of the
  callee with labels ``caller`` and ``reporter`` (``source`` / ``destination``).
* ``topology/edges.csv``: the service-to-service rows of ``dependency.csv`` (the load
  generator's rows, to two hosts, are left out) and the host edges above.
* ``traces/traces.jsonl``: OTLP/JSON, the spans that start from 2 minutes before the injection
  to the window's end. The dataset recorded traces only around each injection (the minute
  before it to about 1.5 minutes after; files ``HH_MM`` for the injection's minute and the two
  after), so this is the case's own trace files, plus the minute before the next injection
  where the window reaches it; a window as long as the metrics' would splice earlier faults'
  snippets into one series with 5-minute holes. All spans by default (≈ 20,000 a minute, up
  to ≈ 80,000 a case); ``--trace-sample F`` keeps a deterministic share F of whole traces (by
  a hash of the trace id). Resource attributes ``service.name``, ``k8s.pod.name``,
  ``k8s.replicaset.name``; the data has no span kind and no status, and none is invented (so
  trace edges carry calls and latency, not errors).
* ``logs/logs.jsonl``: OTLP/JSON logs, same window as the traces, severity and message from the
  application's line; present for 2 of the 56 cases only — the copy of the data lacks the other
  log files (``ABSENT_IN_SNAPSHOT.txt``; each bundle's README lists the absent files of its
  window, and ``OUT/conversion.json`` counts them per case).

A case is skipped (and listed in ``conversion.json`` with the reason) only when its window has
no metric sample at all. (The module runs past 500 lines because of this description.)
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import statistics
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.datasets import nezha_files as nf
from bench.datasets.nezha_files import Fault, PodMetrics, Sample

ROOT = Path(__file__).resolve().parents[2]
OB_DATES = ("2022-08-22", "2022-08-23")
SYSTEM = "online-boutique"
ENTRY = "frontend"
DETECTION_DELAY_S = 120.0
TRACE_LEAD_S = 120.0
SYMPTOM_BEFORE_S = 1800.0
SYMPTOM_AFTER_S = 300.0
ERROR_DIP_POINTS = 1.0
CHUNK = 5000
FILE_BEFORE_S, FILE_AFTER_S = 45.0, 25.0
METRIC_HEADER = ["timestamp", "service", "metric", "value", "labels"]

CREDIT = """\
# Nezha Online Boutique bundles

These incident bundles are converted from the public Nezha dataset
(https://github.com/IntelligentDDS/Nezha), Online Boutique fault cases:

> G. Yu, P. Chen, Y. Li, H. Chen, X. Li, Z. Zheng. "Nezha: Interpretable Fine-Grained Root
> Causes Analysis for Microservices on Multi-Modal Observability Data." ESEC/FSE 2023.

The data is under the MIT licence, reproduced below. Changes made: the files were converted to
the rcagraph incident-bundle format (`bench/datasets/nezha.py` documents how: the window, the
metric names, the node components, the symptom); no value was altered.

"""


@dataclass(slots=True)
class Day:
    """What one date directory holds, read once for all its cases."""

    date: str
    faults: list[Fault]
    pods: list[PodMetrics]
    entry: list[Sample]
    calls: list[Sample]
    call_edges: list[tuple[str, str]]
    node_of: dict[str, str]
    trace_files: list[Path]
    log_files: list[Path]
    absent: list[str] = field(default_factory=list)  # absent file names of this date


@dataclass(slots=True)
class CaseReport:
    id: str
    date: str
    service: str
    fault: str
    window: tuple[str, str]
    symptom: dict[str, str]
    metric_samples: int = 0
    spans_read: int = 0
    spans_written: int = 0
    log_lines: int = 0
    trace_files: list[str] = field(default_factory=list)
    trace_files_absent: list[str] = field(default_factory=list)
    log_files: list[str] = field(default_factory=list)
    log_files_absent: list[str] = field(default_factory=list)


# -- cases and windows ------------------------------------------------------------------------


def incident_id(fault: Fault) -> str:
    hhmm = datetime.fromtimestamp(fault.inject_at, tz=UTC).strftime("%H%M")
    return f"nezha-ob-{fault.date}-{hhmm}"


def case_window(
    fault: Fault, next_inject: float | None, before_s: float, after_s: float
) -> tuple[float, float]:
    """``[start, end)`` of a case's metrics: ``before_s`` before the injection to ``after_s``
    after it, ended earlier by the next injection."""
    end = fault.inject_at + after_s
    if next_inject is not None and next_inject > fault.inject_at:
        end = min(end, next_inject)
    return fault.inject_at - before_s, end


def minute_of_file(name: str, date: str) -> float | None:
    """Epoch seconds of the minute a ``HH_MM_<kind>.csv`` is named for (None: another name)."""
    parts = Path(name).name.split("_")
    if len(parts) < 3 or not (parts[0].isdigit() and parts[1].isdigit()):
        return None
    hh, mm = int(parts[0]), int(parts[1])
    if hh > 23 or mm > 59:
        return None
    day = datetime.fromisoformat(date).replace(tzinfo=UTC)
    return day.timestamp() + hh * 3600 + mm * 60


def files_for(names: Iterable[str], date: str, lo: float, hi: float) -> list[str]:
    """The minute files that can hold rows in ``[lo, hi)``. A file ``HH_MM`` holds the minute
    before ``HH:MM:19`` (the metrics' sampling second), taken with a few seconds' margin as
    ``[HH:MM − 45 s, HH:MM + 25 s]``."""
    out = []
    for n in names:
        t = minute_of_file(n, date)
        if t is not None and t - FILE_BEFORE_S < hi and t + FILE_AFTER_S > lo:
            out.append(n)
    return sorted(out)


def symptom_of(entry: Sequence[Sample], inject: float) -> dict[str, str]:
    """The entry service's symptom: errors if its success rate dipped after the injection by
    more than ``ERROR_DIP_POINTS`` below its median before, else latency."""
    rates = [s for s in entry if s.metric == "http_success_rate_percent"]
    before = [s.value for s in rates if inject - SYMPTOM_BEFORE_S <= s.at < inject]
    after = [s.value for s in rates if inject <= s.at < inject + SYMPTOM_AFTER_S]
    if before and after and min(after) < statistics.median(before) - ERROR_DIP_POINTS:
        return {"service": ENTRY, "signal": "errors", "metric": "http_success_rate_percent"}
    return {"service": ENTRY, "signal": "latency", "metric": "http_latency_p90_seconds"}


# -- reading a day ----------------------------------------------------------------------------


def _lines(path: Path) -> Iterator[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        yield from fh


def read_day(day_dir: Path, absent: Sequence[str] = ()) -> Day:
    date = day_dir.name
    faults = nf.read_fault_list(
        json.loads((day_dir / f"{date}-fault_list.json").read_text(encoding="utf-8")), date
    )
    metric = day_dir / "metric"
    pods = [nf.read_pod_metrics(_lines(p)) for p in sorted(metric.glob("*_metric.csv"))]
    entry = nf.read_entry_metrics(_lines(metric / "front_service.csv"))
    calls: list[Sample] = []
    for reporter in ("source", "destination"):
        path = metric / f"{reporter}_50.csv"
        if path.is_file():
            calls += nf.read_call_latency(_lines(path), reporter)
    call_edges, node_of = nf.read_dependency(_lines(metric / "dependency.csv"))
    prefix = f"rca_data/{date}/"
    return Day(
        date=date,
        faults=faults,
        pods=pods,
        entry=entry,
        calls=calls,
        call_edges=call_edges,
        node_of=node_of,
        trace_files=sorted((day_dir / "trace").glob("*_trace.csv")),
        log_files=sorted((day_dir / "log").glob("*_log.csv")),
        absent=[a[len(prefix) :] for a in absent if a.startswith(prefix)],
    )


# -- writing a bundle -------------------------------------------------------------------------


def _write_metrics(path: Path, samples: Iterable[Sample]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(METRIC_HEADER)
        for s in sorted(samples, key=lambda s: (s.service, s.metric, s.labels, s.at)):
            w.writerow([nf.iso(s.at), s.service, s.metric, f"{s.value:.12g}", s.labels])
            n += 1
    return n


def _in(samples: Iterable[Sample], lo: float, hi: float) -> list[Sample]:
    return [s for s in samples if lo <= s.at < hi]


def node_samples(day: Day) -> list[Sample]:
    """The node series: each node's ``Node*`` columns from the first pod file on that node."""
    out: list[Sample] = []
    seen: set[str] = set()
    for pm in day.pods:
        node = day.node_of.get(nf.service_of_pod(pm.pod))
        if node is None or node in seen:
            continue
        seen.add(node)
        labels = nf.labels_text({"node": node})
        out += [Sample(s.at, f"node-{node}", s.metric, s.value, labels) for s in pm.node_samples]
    return out


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _write_traces(
    path: Path, files: Sequence[Path], lo: float, hi: float, sample: float, rep: CaseReport
) -> None:
    lo_ns, hi_ns = int(lo * 1e9), int(hi * 1e9)

    def spans() -> Iterator[nf.SpanRow]:
        for f in files:
            for s in nf.read_spans(_lines(f)):
                if lo_ns <= s.start_ns < hi_ns:
                    rep.spans_read += 1
                    if nf.trace_kept(s.trace_id, sample):
                        rep.spans_written += 1
                        yield s

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for chunk in _chunks(spans(), CHUNK):
            fh.write(json.dumps(nf.otlp_trace_request(chunk), separators=(",", ":")) + "\n")
    if rep.spans_written == 0:
        path.unlink()
        if not any(path.parent.iterdir()):
            path.parent.rmdir()


def _write_logs(path: Path, files: Sequence[Path], lo: float, hi: float, rep: CaseReport) -> None:
    lo_ns, hi_ns = int(lo * 1e9), int(hi * 1e9)
    rows = [r for f in files for r in nf.read_log_rows(_lines(f)) if lo_ns <= r.at_ns < hi_ns]
    rep.log_lines = len(rows)
    if not rows:
        return
    rows.sort(key=lambda r: (r.at_ns, r.pod))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for chunk in _chunks(rows, CHUNK):
            fh.write(json.dumps(nf.otlp_log_request(chunk), separators=(",", ":")) + "\n")


def _case_readme(rep: CaseReport, licence: str) -> str:
    lines = [
        f"Case {rep.id}: window {rep.window[0]} – {rep.window[1]}.",
        f"Trace files used: {', '.join(rep.trace_files) or 'none'}; "
        f"absent from the copy of the data: {', '.join(rep.trace_files_absent) or 'none'}.",
        f"Log files used: {', '.join(rep.log_files) or 'none'}; "
        f"absent from the copy of the data: {', '.join(rep.log_files_absent) or 'none'}.",
    ]
    return CREDIT + "\n".join(lines) + "\n\n" + licence


@dataclass(frozen=True, slots=True)
class Options:
    before_s: float = 3600.0
    after_s: float = 600.0
    trace_sample: float = 1.0


def convert_case(
    day: Day,
    fault: Fault,
    next_inject: float | None,
    out: Path,
    opts: Options,
    *,
    inner_labels: dict[str, Any],
    licence: str,
    bundle_id: str,
) -> CaseReport | None:
    """Write one bundle (None, and nothing written, when its window holds no metric sample)."""
    lo, hi = case_window(fault, next_inject, opts.before_s, opts.after_s)
    pods = _in((s for pm in day.pods for s in pm.samples), lo, hi)
    if not pods:
        return None
    entry = _in(day.entry, lo, hi)
    symptom = symptom_of(entry, fault.inject_at)
    rep = CaseReport(
        id=bundle_id,
        date=day.date,
        service=fault.service,
        fault=fault.kind,
        window=(nf.iso(max(lo, min(s.at for s in pods))), nf.iso(hi)),
        symptom=symptom,
    )
    bundle = out / bundle_id
    if bundle.exists():
        shutil.rmtree(bundle)
    bundle.mkdir(parents=True)
    what = "errors" if symptom["signal"] == "errors" else "latency"
    incident = {
        "id": bundle_id,
        "title": f"Online Boutique: {ENTRY} {what} degraded",
        "severity": "SEV3",
        "system": SYSTEM,
        "started_at": nf.iso(fault.inject_at),
        "detected_at": nf.iso(fault.inject_at + DETECTION_DELAY_S),
        "resolved_at": None,
        "symptoms": [symptom],
    }
    (bundle / "incident.json").write_text(json.dumps(incident, indent=2) + "\n")
    inner = inner_labels.get(fault.service, {})
    truth = {
        "root_cause": {"kind": "service", "service": fault.service, "change_id": None},
        "fault": fault.kind,
        "injected_at": nf.iso(fault.inject_at),
        "nezha": {
            "date": fault.date,
            "inject_pod": fault.pod,
            "inject_type": fault.kind,
            "inject_timestamp": fault.inject_at,
            "inject_time": fault.inject_time,
            "inner_label": inner.get(fault.kind) if isinstance(inner, dict) else None,
        },
    }
    (bundle / "truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    edges = [*day.call_edges, *((s, f"node-{n}") for s, n in sorted(day.node_of.items()))]
    (bundle / "topology").mkdir()
    with (bundle / "topology" / "edges.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["caller", "callee"])
        w.writerows(edges)
    m = bundle / "metrics"
    rep.metric_samples = (
        _write_metrics(m / "pods.csv", pods)
        + _write_metrics(m / "nodes.csv", _in(node_samples(day), lo, hi))
        + _write_metrics(m / "entry.csv", entry)
        + _write_metrics(m / "calls.csv", _in(day.calls, lo, hi))
    )
    t_lo = max(lo, fault.inject_at - TRACE_LEAD_S)
    names = {p.name: p for p in day.trace_files}
    rep.trace_files = files_for(names, day.date, t_lo, hi)
    rep.trace_files_absent = files_for(
        (a.split("/", 1)[1] for a in day.absent if a.startswith("trace/")), day.date, t_lo, hi
    )
    _write_traces(
        bundle / "traces" / "traces.jsonl",
        [names[n] for n in rep.trace_files],
        t_lo,
        hi,
        opts.trace_sample,
        rep,
    )
    logs = {p.name: p for p in day.log_files}
    rep.log_files = files_for(logs, day.date, t_lo, hi)
    rep.log_files_absent = files_for(
        (a.split("/", 1)[1] for a in day.absent if a.startswith("log/")), day.date, t_lo, hi
    )
    _write_logs(bundle / "logs" / "logs.jsonl", [logs[n] for n in rep.log_files], t_lo, hi, rep)
    (bundle / "README.md").write_text(_case_readme(rep, licence))
    return rep


def _refuse_inside_repo(out: Path) -> None:
    resolved = out.resolve()
    if resolved.is_relative_to(ROOT) and not resolved.is_relative_to(ROOT / "bench" / "out"):
        raise ValueError(f"refusing to write dataset bundles inside the repository: {out}")


def convert(
    src: Path,
    out: Path,
    *,
    before_min: float = 60.0,
    after_min: float = 10.0,
    trace_sample: float = 1.0,
    limit: int | None = None,
) -> list[Path]:
    """Convert every Online Boutique fault case under ``src`` (or the first ``limit``) into a
    bundle under ``out``; write ``out/README.md`` and ``out/conversion.json`` (cases, skipped
    cases with the reason, absent files); return the bundle directories."""
    rca = src / "rca_data" if (src / "rca_data").is_dir() else src
    days = [rca / d for d in OB_DATES if (rca / d / f"{d}-fault_list.json").is_file()]
    if not days:
        raise FileNotFoundError(f"no Nezha Online Boutique data (rca_data/{OB_DATES[0]}) in {src}")
    _refuse_inside_repo(out)
    out.mkdir(parents=True, exist_ok=True)
    base = rca.parent
    licence_path = base / "LICENSE"
    licence = licence_path.read_text(encoding="utf-8") if licence_path.is_file() else ""
    (out / "README.md").write_text(CREDIT + licence)
    labels_path = base / "construct_data" / "root_cause_hipster.json"
    inner = json.loads(labels_path.read_text()) if labels_path.is_file() else {}
    absent_path = base / "ABSENT_IN_SNAPSHOT.txt"
    absent = absent_path.read_text().split() if absent_path.is_file() else []
    opts = Options(before_min * 60.0, after_min * 60.0, trace_sample)
    bundles: list[Path] = []
    reports: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    mismatched: dict[str, int] = {}
    notes: list[str] = []
    used: set[str] = set()
    for day_dir in days:
        day = read_day(day_dir, absent)
        mismatched.update({p.pod: p.clock_mismatches for p in day.pods if p.clock_mismatches})
        for i, fault in enumerate(day.faults):
            if limit is not None and len(bundles) >= limit:
                break
            nxt = day.faults[i + 1].inject_at if i + 1 < len(day.faults) else None
            off = nf.text_time_offset(fault)
            if off is not None and abs(off) >= 1.0:
                notes.append(
                    f"{fault.date} {fault.pod} {fault.kind}: inject_time {fault.inject_time!r} "
                    f"is {off:+.0f} s from inject_timestamp; the timestamp is used"
                )
            bid = incident_id(fault)
            k = 2
            while bid in used:
                bid, k = f"{incident_id(fault)}-{k}", k + 1
            used.add(bid)
            rep = convert_case(
                day, fault, nxt, out, opts, inner_labels=inner, licence=licence, bundle_id=bid
            )
            if rep is None:
                skipped.append(
                    {"id": bid, "pod": fault.pod, "fault": fault.kind, "reason": "no metrics"}
                )
                continue
            bundles.append(out / bid)
            reports.append(_as_dict(rep))
    summary = {
        "source": str(src),
        "options": {"before_min": before_min, "after_min": after_min, "trace_sample": trace_sample},
        "converted": len(bundles),
        "skipped": skipped,
        "time_stamp_column_ignored": mismatched,
        "notes": notes,
        "cases": reports,
    }
    (out / "conversion.json").write_text(json.dumps(summary, indent=2) + "\n")
    return bundles


def _as_dict(rep: CaseReport) -> dict[str, Any]:
    return {k: getattr(rep, k) for k in rep.__slots__}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("src", type=Path, help="the Nezha checkout (with rca_data/)")
    parser.add_argument("out", type=Path, help="where the bundles go (outside the repository)")
    parser.add_argument("--before-min", type=float, default=60.0)
    parser.add_argument("--after-min", type=float, default=10.0)
    parser.add_argument(
        "--trace-sample", type=float, default=1.0, help="share of whole traces kept (0–1)"
    )
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    bundles = convert(
        args.src,
        args.out,
        before_min=args.before_min,
        after_min=args.after_min,
        trace_sample=args.trace_sample,
        limit=args.limit,
    )
    report = json.loads((args.out / "conversion.json").read_text())
    print(f"wrote {len(bundles)} bundles to {args.out} ({len(report['skipped'])} skipped)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
