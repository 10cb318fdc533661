"""The telemetry of a planned incident: per-minute metrics, logs and Alertmanager notifications.

Each writer draws from the bundle's own random generators in a fixed order (metrics, then logs,
then alerts), so a bundle stays a pure function of ``(system, seed, index)``.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

import rcagraph.synthetic.incidents.formats as formats
from rcagraph.synthetic.incidents.plan import Effect, Plan, Release, base_latency, hex_id
from rcagraph.synthetic.incidents.topologies import Topology

METRICS = ("latency_p95_ms", "error_ratio", "request_rate")

#: per service: its latency ("lat", ms), error ratio ("err") and request rate ("rate") per minute
Series = dict[str, dict[str, np.ndarray]]


def write_metrics(
    plan: Plan, topo: Topology, out_dir: Path, rng: random.Random, nprng: np.random.Generator
) -> tuple[Series, list[datetime]]:
    """Write ``metrics/`` (CSV or Prometheus answers); return every service's series and the
    minutes of the window (the logs and alerts follow the same series)."""
    minutes = topo.window_minutes
    times = [plan.window_start + timedelta(minutes=i) for i in range(minutes)]
    tsec = np.array([t.timestamp() for t in times])
    by_svc: dict[str, list[Effect]] = {}
    for e in plan.effects:
        by_svc.setdefault(e.service, []).append(e)
    releases = {r.service: r for r in plan.releases}
    per_pod: list[tuple[dict[str, str], dict[str, dict[int, float]]]] = []
    rows: list[str] = ["timestamp,service,metric,value"]
    series: Series = {}
    for svc in topo.names:
        srng = random.Random(f"{plan.system}:{svc}:lat")
        base_lat = base_latency(topo, svc, srng)
        base_err = rng.uniform(0.0005, 0.008)
        base_rate = rng.uniform(5, 400)
        phase = rng.uniform(0, 2 * np.pi)
        season = 1.0 + 0.15 * np.sin(2 * np.pi * (tsec / 86400.0) + phase)
        rate = base_rate * season * nprng.lognormal(0.0, 0.04, minutes)
        lat = base_lat * (1 + 0.1 * (season - 1)) * nprng.lognormal(0.0, 0.07, minutes)
        spikes = nprng.random(minutes) < 0.01
        lat = np.where(spikes, lat * nprng.uniform(1.4, 2.4, minutes), lat)
        err = nprng.poisson(np.maximum(rate * 60 * base_err, 0.1)) / np.maximum(rate * 60, 1)
        for b in plan.bursts:  # periodic bursts in normal operation
            if b.service == svc:
                idx = np.arange(minutes)
                lat = np.where((idx - b.phase_min) % b.period_min == 0, lat * b.factor, lat)
        healthy = {"lat": lat.copy(), "err": err.copy(), "rate": rate.copy()}
        for e in by_svc.get(svc, []):
            since = (tsec - e.start.timestamp()) / 60.0
            until = (e.end.timestamp() - tsec) / 60.0
            f = np.clip(since / e.ramp_min, 0, 1) * np.clip(until / e.ramp_min, 0, 1)
            f = f * nprng.uniform(0.85, 1.1, minutes)
            lat = lat + e.latency_add_ms * f
            err = np.clip(err + e.error_add * f, 0, 1)
            rate = rate * (1 + (e.rate_factor - 1) * f)
        series[svc] = {"lat": lat, "err": err, "rate": rate}
        if svc in plan.no_metrics or svc in topo.unscraped:
            continue
        release = releases.get(svc)
        if release is not None:
            old = series[svc] if not release.defective else healthy
            pods = pod_series(plan, release, tsec, old, series[svc])
            per_pod.extend(pods)
            if plan.metrics_format == "csv":
                for labels, values in pods:
                    lab = ";".join(f"{k}={v}" for k, v in sorted(labels.items()))
                    for metric, key in zip(METRICS, ("lat", "err", "rate"), strict=True):
                        for i, v in values[key].items():
                            rows.append(f"{int(tsec[i])},{svc},{metric},{v:.3g},{lab}")
            continue
        if plan.metrics_format == "csv":
            for i, ts in enumerate(tsec):
                t = int(ts)
                rows.append(f"{t},{svc},latency_p95_ms,{lat[i]:.3g}")
                rows.append(f"{t},{svc},error_ratio,{err[i]:.3g}")
                rows.append(f"{t},{svc},request_rate,{rate[i]:.3g}")
    if plan.metrics_format == "csv":
        if plan.releases:  # a labels column, empty for the service-level series
            rows = [r if r.count(",") == 4 else r + "," for r in rows]
            rows[0] = "timestamp,service,metric,value,labels"
        (out_dir / "metrics" / "service_metrics.csv").write_text("\n".join(rows) + "\n", "utf-8")
    else:  # Prometheus query_range answers, one file per metric
        label = rng.choice(["service", "service", "app", "job"])
        for metric, key in zip(METRICS, ("lat", "err", "rate"), strict=True):
            result = [
                {
                    "metric": {"__name__": metric, label: svc, "namespace": plan.system},
                    "values": [[int(ts), f"{v:.3g}"] for ts, v in zip(tsec, s[key], strict=True)],
                }
                for svc, s in series.items()
                if svc not in plan.no_metrics and svc not in topo.unscraped and svc not in releases
            ]
            result += [
                {
                    "metric": {"__name__": metric, label: lab["service"], "namespace": plan.system}
                    | {k: v for k, v in lab.items() if k != "service"},
                    "values": [[int(tsec[i]), f"{v:.3g}"] for i, v in values[key].items()],
                }
                for lab, values in per_pod
            ]
            answer = {"status": "success", "data": {"resultType": "matrix", "result": result}}
            (out_dir / "metrics" / f"{metric}.json").write_text(
                json.dumps(answer, separators=(",", ":")) + "\n", "utf-8"
            )
    if plan.saturation is not None:
        write_saturation(plan, topo, out_dir, tsec)
    return series, times


def pod_series(
    plan: Plan,
    release: Release,
    tsec: np.ndarray,
    old: dict[str, np.ndarray],
    new: dict[str, np.ndarray],
) -> list[tuple[dict[str, str], dict[str, dict[int, float]]]]:
    """The per-pod series of a rolling release: new pod k starts ``k·step`` after the release,
    old pod k stops one step later; each pod follows its version's service-level series (the
    old pods ``old``, the new ones ``new``) with its own noise and its share of the traffic."""
    seed = random.Random(f"{plan.incident_id}:{release.service}:pods")
    prng = np.random.default_rng(seed.getrandbits(63))
    start = release.start.timestamp()
    step = release.step_min * 60.0
    old_hash, new_hash = hex_id(seed, 9), hex_id(seed, 9)
    pods: list[tuple[str, str, float, float]] = []  # version, pod, from, until
    for k in range(release.pods):
        pods.append(
            (
                release.old_version,
                f"{release.service}-{old_hash}-{hex_id(seed, 5)}",
                -np.inf,
                start + (k + 1) * step,
            )
        )
        pods.append(
            (
                release.new_version,
                f"{release.service}-{new_hash}-{hex_id(seed, 5)}",
                start + k * step,
                np.inf,
            )
        )
    running = np.zeros(tsec.size)
    for _, _, lo, hi in pods:
        running += (tsec >= lo) & (tsec < hi)
    out: list[tuple[dict[str, str], dict[str, dict[int, float]]]] = []
    if release.defective:  # a defective build fails from its first request, not at the onset
        lead = max(0, round((plan.root_onset - release.start).total_seconds() / 60.0))
        shifted = np.minimum(np.arange(tsec.size) + lead, tsec.size - 1)
        new = {k: old[k] + (new[k] - old[k])[shifted] for k in new}
    for version, pod, lo, hi in pods:
        src = new if version == release.new_version and lo > -np.inf else old
        idx = np.flatnonzero((tsec >= lo) & (tsec < hi))
        noise = prng.lognormal(0.0, 0.05, (3, tsec.size))
        values = {
            "lat": {int(i): float(src["lat"][i] * noise[0, i]) for i in idx},
            "err": {int(i): float(min(1.0, src["err"][i] * noise[1, i])) for i in idx},
            "rate": {
                int(i): float(src["rate"][i] * noise[2, i] / max(running[i], 1.0)) for i in idx
            },
        }
        out.append(({"service": release.service, "version": version, "pod": pod}, values))
    return out


def write_saturation(plan: Plan, topo: Topology, out_dir: Path, tsec: np.ndarray) -> None:
    """``metrics/saturation.csv``: a CPU or memory usage ratio per service; the root's climbs
    to its limit from the onset (CPU at once, memory as a steady leak)."""
    srng = random.Random(f"{plan.incident_id}:saturation")
    prng = np.random.default_rng(srng.getrandbits(63))
    metric = "container_cpu_usage_ratio" if plan.saturation == "cpu" else "container_memory_ratio"
    onset = plan.root_onset.timestamp()
    rows = ["timestamp,service,metric,value"]
    for svc in topo.names:
        if svc in plan.no_metrics or svc in topo.unscraped:
            continue
        level = srng.uniform(0.05, 0.45)
        v = level * prng.lognormal(0.0, 0.06 if plan.saturation == "cpu" else 0.01, tsec.size)
        if svc == plan.root:
            since = np.clip((tsec - onset) / 60.0, 0, None)
            ramp = 1.5 if plan.saturation == "cpu" else srng.uniform(4.0, 8.0)
            top = srng.uniform(0.95, 1.0)
            v = v + (top - v) * np.clip(since / ramp, 0, 1)
        for ts, x in zip(tsec, np.clip(v, 0, 1), strict=True):
            rows.append(f"{int(ts)},{svc},{metric},{x:.3g}")
    (out_dir / "metrics" / "saturation.csv").write_text("\n".join(rows) + "\n", "utf-8")


_BASE_TEMPLATES = (
    ("INFO", "{op} completed in {ms}ms status=200"),
    ("INFO", "health check ok"),
    ("WARN", "slow request {op} took {ms}ms"),
)
_FAULT_TEMPLATES = {
    "deploy": "NullPointerException in {cls}.handle ({cls}.java:{line}) build {ver}",
    "config": "invalid value for {param}: {val}; request rejected",
    "flag": "feature {flag} path failed: IllegalStateException: missing variant payload",
    "infra": "CPU throttled {pct}% of periods; request queue depth {n}",
    "service": "timeout after {ms}ms waiting for connection from pool ({n}/{n} in use)",
}


def write_logs(
    plan: Plan,
    topo: Topology,
    out_dir: Path,
    rng: random.Random,
    nprng: np.random.Generator,
    series: Series,
    times: list[datetime],
) -> None:
    """Write ``logs/<service>.jsonl`` (OTLP or plain JSON): routine lines, error lines that
    follow the error ratio, deploy start lines, the root's fault template and the noisy
    services' own errors, shifted by the logs' clock skew."""
    skew = timedelta(seconds=plan.skew_s["logs"])
    recs: dict[str, list[tuple[datetime, str, str, str]]] = {n: [] for n in topo.names}
    fault_kind = plan.variant.split("-")[0]
    callees = {n: topo.callees(n) for n in topo.names}
    for svc in topo.names:
        s = series[svc]
        ops = ["GET /", "POST /api", "rpc Get", "rpc List"]
        for i, t in enumerate(times):
            if i % 30 == 0:
                sev, tpl = _BASE_TEMPLATES[(i // 30) % 2]
                recs[svc].append(
                    (
                        t + timedelta(seconds=rng.randint(0, 59)),
                        sev,
                        tpl.format(op=rng.choice(ops), ms=int(s["lat"][i])),
                        hex_id(rng, 32),
                    )
                )
            # error lines follow the error ratio (a thinned sample of the real volume)
            n_err = int(nprng.poisson(min(s["err"][i] * 6.0, 2.5)))
            for _ in range(n_err):
                at = t + timedelta(seconds=rng.uniform(0, 59.9))
                if callees[svc] and rng.random() < 0.7:
                    dep = rng.choice(callees[svc])
                    body = (
                        f"call to {dep} failed: rpc error: code = Unavailable "
                        "desc = deadline exceeded"
                    )
                else:
                    body = f"request failed: internal error id={hex_id(rng, 8)}"
                recs[svc].append((at, "ERROR", body, hex_id(rng, 32)))
    # deploy start lines (benign and culprit)
    for c in plan.changes:
        if c.kind == "deploy" and c.service:
            recs[c.service].append(
                (
                    c.at + timedelta(seconds=rng.uniform(5, 40)),
                    "INFO",
                    f"starting {c.service} version {c.version}",
                    hex_id(rng, 32),
                )
            )
    # the root's new template, bursting from its onset
    root_err = series[plan.root]["err"]
    tpl = _FAULT_TEMPLATES[fault_kind]
    for i, t in enumerate(times):
        if t < plan.root_onset or (plan.resolved_at and t > plan.resolved_at):
            continue
        n = int(nprng.poisson(max(1.0, min(root_err[i] * 10.0, 3.0))))
        for _ in range(n):
            body = tpl.format(
                cls=f"{plan.root.replace('-', '_').title().replace('_', '')}Handler",
                line=rng.choice([142, 88, 311]),
                ver=plan.change.version if plan.change else "",
                param=(plan.change.attrs.get("parameter", "timeout") if plan.change else ""),
                val=(plan.change.attrs.get("new", "0") if plan.change else ""),
                flag=plan.change.flag_key if plan.change else "",
                pct=rng.randint(40, 95),
                n=rng.choice([32, 64]),
                ms=rng.choice([1000, 2000, 5000]),
            )
            recs[plan.root].append(
                (t + timedelta(seconds=rng.uniform(0, 59.9)), "ERROR", body, hex_id(rng, 32))
            )
    # the noisy services repeat their own error template throughout
    for svc in plan.noisy:
        for i in sorted(rng.sample(range(len(times)), k=6)):
            recs[svc].append(
                (times[i], "ERROR", "GC overhead limit exceeded, retrying batch", hex_id(rng, 32))
            )
    for svc in topo.names:
        items = sorted(recs[svc])
        if not items:
            continue
        items = [(t + skew, sev, body, tr) for t, sev, body, tr in items]
        fmt = plan.log_format
        if fmt == "mixed":
            fmt = "otlp" if rng.random() < 0.5 else "plain"
        lines: list[str] = []
        if fmt == "plain":
            lines = [
                json.dumps(formats.plain_log(t, svc, sev, body, tr), separators=(",", ":"))
                for t, sev, body, tr in items
            ]
        else:
            batch: list[tuple[datetime, str, str, str]] = []
            for item in items:
                if batch and (item[0] - batch[0][0]) > timedelta(minutes=10):
                    lines.append(
                        json.dumps(
                            formats.otlp_logs_request(svc, plan.system, batch),
                            separators=(",", ":"),
                        )
                    )
                    batch = []
                batch.append(item)
            if batch:
                lines.append(
                    json.dumps(
                        formats.otlp_logs_request(svc, plan.system, batch), separators=(",", ":")
                    )
                )
        (out_dir / "logs" / f"{svc}.jsonl").write_text("\n".join(lines) + "\n", "utf-8")


def write_alerts(
    plan: Plan,
    topo: Topology,
    out_dir: Path,
    rng: random.Random,
    series: Series,
    times: list[datetime],
) -> None:
    """Write ``alerts/NNNN.json``: Alertmanager notifications for error-rate and latency rules
    (``for: 3m``), with resends and resolutions, shifted by the alerts' clock skew."""
    skew = timedelta(seconds=plan.skew_s["alerts"])
    payloads: list[tuple[datetime, dict[str, Any]]] = []
    for svc in topo.names:
        if svc in topo.unscraped:
            continue
        s = series[svc]
        lat_base = float(np.median(s["lat"][:60]))
        err_base = float(np.median(s["err"][:60]))
        for alertname, bad in (
            ("HighErrorRate", s["err"] > max(0.03, err_base * 5)),
            ("HighLatencyP95", s["lat"] > lat_base * 1.6),
        ):
            # an alert fires after 3 consecutive bad minutes ("for: 3m") and resolves after 3 good
            run, firing, start_i = 0, False, 0
            for i in range(len(times)):
                run = run + 1 if bad[i] else 0
                if not firing and run >= 3:
                    firing, start_i = True, i - 2
                    if svc == plan.root and rng.random() < 0.5:
                        firing = False  # the root's own alerting is often missing
                        run = -10_000
                        continue
                    pods = [f"{svc}-{hex_id(rng, 5)}" for _ in range(rng.randint(2, 4))]
                    starts = times[start_i] + timedelta(minutes=3) + skew
                    summary = f"{alertname} on {svc}"
                    sev = "critical" if svc == plan.symptom else "warning"
                    # the first notification, then resends every 4 minutes (same fingerprints)
                    for k in range(rng.randint(1, 2)):
                        payloads.append(
                            (
                                starts + timedelta(minutes=4 * k),
                                formats.alertmanager_payload(
                                    system=plan.system,
                                    alertname=alertname,
                                    service=svc,
                                    severity=sev,
                                    summary=summary,
                                    starts=starts,
                                    ends=None,
                                    pods=pods,
                                    resolved=False,
                                ),
                            )
                        )
                elif firing and not bad[i] and not (bad[max(0, i - 2) : i + 1]).any():
                    firing = False
                    ends = times[i] + skew
                    payloads.append(
                        (
                            ends,
                            formats.alertmanager_payload(
                                system=plan.system,
                                alertname=alertname,
                                service=svc,
                                severity="warning",
                                summary=f"{alertname} on {svc}",
                                starts=starts,
                                ends=ends,
                                pods=pods,
                                resolved=True,
                            ),
                        )
                    )
    payloads.sort(key=lambda p: p[0])
    for i, (_, p) in enumerate(payloads, start=1):
        (out_dir / "alerts" / f"{i:04d}.json").write_text(
            json.dumps(p, separators=(",", ":")) + "\n", "utf-8"
        )
