"""The seeded incident generator: one :class:`Plan` per bundle, then every file of the contract.

A bundle is a pure function of ``(system, seed, index)``: the same arguments always write the
same bytes. What a bundle holds:

* one fault (bad deploy, flag flip, config change, infra change, or a dependency/resource fault
  with no change; deploys and flags sometimes as partial rollouts with a smaller effect) on a
  root component; its effect starts on the root and reaches the callers hop by hop, 1–3 minutes
  later each, attenuated;
* the distractions of production: several benign changes (one on the symptom's own path, one
  deploy just before the incident, sometimes a mitigation after detection), noisy services
  with their own unrelated error bursts, sometimes a loud unrelated anomaly that begins near the
  onset off the fault's propagation path, alert storms on the callers, clock skew between
  sources, a service without metrics.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from bench.generator import formats
from bench.generator.topologies import TOPOLOGIES, Topology

FAULT_VARIANTS: tuple[str, ...] = (
    "deploy",
    "flag",
    "config",
    "service",
    "deploy-partial",
    "infra",
    "deploy",
    "flag-partial",
    "service",
    "config",
)
_RESOURCE_KINDS = ("database", "cache", "queue")
_MEMBERS = ("alice@example.com", "bob@example.com", "chen@example.com", "dana@example.com")
METRICS = ("latency_p95_ms", "error_ratio", "request_rate")


@dataclass(slots=True)
class Effect:
    """A metric shift on one component from ``start`` to ``end``."""

    service: str
    start: datetime
    end: datetime
    latency_add_ms: float = 0.0
    error_add: float = 0.0
    rate_factor: float = 1.0
    ramp_min: float = 2.0


@dataclass(slots=True)
class ChangeRec:
    """A change written to deployments.jsonl, flags.jsonl or changes.jsonl."""

    change_id: str
    kind: str  # deploy, flag, config, infra, scale, secret, schema
    service: str | None
    at: datetime
    summary: str
    share: float | None = None
    action: str = "deployed"
    version: str = ""
    flag_key: str = ""
    flag_tagged: bool = True
    attrs: dict[str, Any] = field(default_factory=dict)
    culprit: bool = False


@dataclass(slots=True)
class Plan:
    system: str
    incident_id: str
    variant: str
    root: str
    symptom: str
    mode: str  # latency, errors, both
    change: ChangeRec | None
    window_start: datetime
    window_end: datetime
    root_onset: datetime
    started_at: datetime
    detected_at: datetime
    resolved_at: datetime | None
    effects: list[Effect]
    changes: list[ChangeRec]
    noisy: list[str]
    loud: str | None
    no_metrics: list[str]
    skew_s: dict[str, float]
    log_format: str  # otlp, plain, mixed
    metrics_format: str  # csv, prometheus
    topo_form: str  # both, catalog, edges


def _minute(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _version(rng: random.Random) -> str:
    return f"v{rng.randint(1, 3)}.{rng.randint(0, 19)}.{rng.randint(0, 9)}"


def _affected_callers(
    topo: Topology, root: str, rng: random.Random, forced: set[tuple[str, str]]
) -> dict[str, tuple[int, float, float]]:
    """BFS up the callers of ``root``: hop count, cumulative delay (min), attenuation."""
    out: dict[str, tuple[int, float, float]] = {root: (0, 0.0, 1.0)}
    frontier = [root]
    while frontier:
        nxt: list[str] = []
        pairs = [(caller, callee) for callee in frontier for caller in sorted(topo.callers(callee))]
        # the symptom's own path first, so that the symptom is always reached through it
        pairs.sort(key=lambda p: p not in forced)
        for caller, callee in pairs:
            hop, delay, att = out[callee]
            if caller in out:
                continue
            a = rng.uniform(0.6, 0.9) if (caller, callee) in forced else rng.uniform(0.25, 0.85)
            if att * a < 0.12:
                continue
            out[caller] = (hop + 1, delay + rng.uniform(1.0, 3.0), att * a)
            nxt.append(caller)
        frontier = nxt
    return out


def plan_incident(system: str, seed: int, index: int) -> Plan:
    topo = TOPOLOGIES[system]
    rng = random.Random(f"rcagraph-gen:{system}:{seed}:{index}")
    # every system cycles through all the variants, each from its own starting point
    offset = 3 * list(TOPOLOGIES).index(system)
    variant = FAULT_VARIANTS[(index + seed + offset) % len(FAULT_VARIANTS)]
    kind = variant.split("-")[0]
    partial = variant.endswith("partial")
    names = topo.names
    scraped = [n for n in names if n not in topo.unscraped]
    reachable = [n for n in topo.reachable_from(topo.entry) if n not in topo.unscraped]

    # -- root and symptom ----------------------------------------------------------------
    if kind == "service":
        resources = [n for n in reachable if topo.node(n).kind in _RESOURCE_KINDS]
        pool = resources if resources and rng.random() < 0.6 else reachable
        root = rng.choice(pool)
    elif kind in ("deploy", "config") and rng.random() < 0.08:
        root = topo.entry
    else:
        root = rng.choice([n for n in reachable if topo.node(n).kind not in _RESOURCE_KINDS])
    path_entry = topo.path(topo.entry, root) or [root]
    if root != topo.entry and len(path_entry) > 2 and rng.random() < 0.25:
        symptom = rng.choice(path_entry[1:-1])  # an intermediate caller on the path
    else:
        symptom = topo.entry
    sym_path = topo.path(symptom, root) or [root]
    forced = {(sym_path[i], sym_path[i + 1]) for i in range(len(sym_path) - 1)}

    # -- times ------------------------------------------------------------------------------
    day = datetime(2026, 1, 5, tzinfo=UTC) + timedelta(days=rng.randint(0, 300))
    pre = topo.window_minutes - 45
    window_start = day + timedelta(minutes=rng.randint(0, 20 * 60))
    window_end = window_start + timedelta(minutes=topo.window_minutes)
    change_at = window_start + timedelta(
        minutes=pre - rng.uniform(6, 12), seconds=rng.randint(0, 59)
    )
    lag = rng.uniform(1.0, 4.0) if not partial else rng.uniform(2.0, 6.0)
    root_onset = change_at + timedelta(minutes=lag)

    # -- effect on the root ---------------------------------------------------------------
    if kind == "infra":
        mode = "latency"
    elif kind == "service":
        mode = rng.choice(["latency", "both"])
    else:
        mode = rng.choices(["errors", "latency", "both"], weights=[5, 3, 2])[0]
    share = round(rng.uniform(0.1, 0.35), 2) if partial else None
    strength = share * 2.2 if share else 1.0  # a partial rollout has a smaller effect
    base_lat = _base_latency(topo, root, random.Random(f"{system}:{root}:lat"))
    lat_add = base_lat * rng.uniform(1.5, 6.0) * strength if mode in ("latency", "both") else 0.0
    err_add = rng.uniform(0.06, 0.35) * strength if mode in ("errors", "both") else 0.0
    if mode == "latency":
        err_add = rng.uniform(0.0, 0.02) * strength  # timeouts leak a few errors
    if mode == "errors":
        lat_add = base_lat * rng.uniform(0.0, 0.3)

    rollback_at: datetime | None = None
    detect_delay = timedelta(minutes=rng.uniform(2.0, 6.0))
    affected = _affected_callers(topo, root, rng, forced)
    if symptom not in affected:  # cannot happen: the symptom's path is always followed
        raise RuntimeError(f"{system}/{index}: symptom {symptom} not reached from {root}")
    sym_delay = affected[symptom][1]
    started_at = _minute(root_onset + timedelta(minutes=sym_delay))
    detected_at = started_at + detect_delay + timedelta(seconds=rng.randint(0, 59))
    if kind == "deploy" and not partial and rng.random() < 0.35:
        rollback_at = detected_at + timedelta(minutes=rng.uniform(8, 20))
    fault_end = (rollback_at + timedelta(minutes=rng.uniform(1, 3))) if rollback_at else window_end

    effects: list[Effect] = []
    for svc, (hop, delay, att) in sorted(affected.items()):
        start = root_onset + timedelta(minutes=delay)
        effects.append(
            Effect(
                service=svc,
                start=start,
                end=fault_end + timedelta(minutes=delay * 0.5),
                latency_add_ms=lat_add * att,
                error_add=err_add * att * (1.0 if hop == 0 else rng.uniform(0.6, 1.0)),
                rate_factor=1.0 + (0.15 * att if mode != "latency" else -0.05 * att),
                ramp_min=rng.uniform(1.0, 2.5),
            )
        )

    # -- the culprit change ---------------------------------------------------------------
    changes: list[ChangeRec] = []
    culprit: ChangeRec | None = None
    if kind == "deploy":
        culprit = ChangeRec(
            change_id=_uuid(rng),
            kind="deploy",
            service=root,
            at=change_at,
            summary=f"deploy {root}",
            share=share,
            action=rng.choice(["deployed", "upgraded"]),
            version=_version(rng),
            culprit=True,
        )
    elif kind == "flag":
        key = rng.choice(
            [
                "new-checkout-flow",
                "async-writes",
                "v2-pricing",
                "smart-cache",
                "batch-fetch",
                "grpc-retries-v2",
                "lazy-load-images",
            ]
        )
        culprit = ChangeRec(
            change_id="",
            kind="flag",
            service=root,
            at=change_at,
            summary=f"enable {key}",
            share=share,
            flag_key=f"{key}-{_hex(rng, 3)}",
            flag_tagged=rng.random() < 0.75,
            culprit=True,
        )
    elif kind in ("config", "infra"):
        culprit = _config_or_infra(rng, kind, root, change_at, culprit=True)
    if culprit:
        changes.append(culprit)
    if rollback_at and culprit:
        changes.append(
            ChangeRec(
                change_id=_uuid(rng),
                kind="deploy",
                service=root,
                at=rollback_at,
                summary=f"roll back {root}",
                action="rolledback",
                version=_version(rng),
            )
        )

    # -- benign changes ---------------------------------------------------------------------
    n_benign = rng.randint(2, 5)
    on_path = list(sym_path[:-1]) or [symptom]
    targets: list[tuple[str, str, datetime]] = []
    # one on the symptom's own path, close before the incident
    targets.append(
        (
            rng.choice(on_path),
            rng.choice(["deploy", "config", "flag"]),
            started_at - timedelta(minutes=rng.uniform(3, 25)),
        )
    )
    # one deploy just before the incident, closer to the onset than the culprit
    lo, hi = change_at + timedelta(seconds=15), started_at - timedelta(seconds=5)
    just_before = (
        lo + (hi - lo) * rng.uniform(0.2, 1.0)
        if hi > lo and rng.random() < 0.8
        else started_at - timedelta(minutes=rng.uniform(0.5, 4.0))
    )
    targets.append((rng.choice([n for n in scraped if n != root]), "deploy", just_before))
    for _ in range(n_benign - 2):
        targets.append(
            (
                rng.choice(names),
                rng.choice(["deploy", "deploy", "config", "flag", "scale", "secret", "schema"]),
                window_start + timedelta(minutes=rng.uniform(5, pre)),
            )
        )
    if rng.random() < 0.4:  # a mitigation during the incident
        targets.append((symptom, "scale", detected_at + timedelta(minutes=rng.uniform(1, 6))))
    for svc, ckind, at in targets:
        changes.append(_benign(rng, ckind, svc, at))
    for c in changes:
        if c.kind == "flag":
            c.change_id = "pending"

    # -- noise ------------------------------------------------------------------------------
    unaffected = [n for n in scraped if n not in affected]
    noisy = rng.sample(unaffected, k=min(len(unaffected), rng.randint(1, 2)))
    loud: str | None = None
    # a loud anomaly off every dependency path of the symptom (it cannot explain the symptom)
    on_paths = {symptom, *topo.reachable_from(symptom)}
    loud_pool = [n for n in unaffected if n not in noisy and n not in on_paths]
    if loud_pool and rng.random() < 0.6:
        loud = rng.choice(loud_pool)
        ls = root_onset + timedelta(minutes=rng.uniform(-12, 4))
        effects.append(
            Effect(
                service=loud,
                start=ls,
                end=ls + timedelta(minutes=rng.uniform(10, 30)),
                latency_add_ms=_base_latency(topo, loud, random.Random(f"{system}:{loud}:lat"))
                * rng.uniform(4, 12),
                error_add=rng.uniform(0.2, 0.5),
                rate_factor=1.0,
                ramp_min=0.5,
            )
        )
    for svc in noisy:
        for _ in range(rng.randint(2, 5)):
            bs = window_start + timedelta(minutes=rng.uniform(5, topo.window_minutes - 10))
            effects.append(
                Effect(
                    service=svc,
                    start=bs,
                    end=bs + timedelta(minutes=rng.uniform(3, 8)),
                    error_add=rng.uniform(0.03, 0.15),
                    ramp_min=0.5,
                )
            )

    # -- missing data, skew, formats ----------------------------------------------------------
    no_metrics: list[str] = []
    if rng.random() < 0.7:
        no_metrics.append(rng.choice([n for n in scraped if n not in (root, symptom)]))
    if culprit is not None and root != symptom and rng.random() < 0.1:
        no_metrics.append(root)
    skew_s = {
        "deployments": rng.choice([0.0, rng.uniform(-60, 60)]),
        "flags": rng.choice([0.0, rng.uniform(-45, 45)]),
        "changes": rng.choice([0.0, rng.uniform(-30, 30)]),
        "logs": rng.uniform(-20, 20),
        "alerts": rng.uniform(-45, 45),
    }
    return Plan(
        system=system,
        incident_id=f"INC-{topo.short.upper()}-{seed}-{index:03d}",
        variant=variant,
        root=root,
        symptom=symptom,
        mode=mode,
        change=culprit,
        window_start=window_start,
        window_end=window_end,
        root_onset=root_onset,
        started_at=started_at,
        detected_at=detected_at,
        resolved_at=fault_end if rollback_at else None,
        effects=effects,
        changes=changes,
        noisy=noisy,
        loud=loud,
        no_metrics=no_metrics,
        skew_s=skew_s,
        log_format=rng.choice(["otlp", "plain", "mixed"]),
        metrics_format=("prometheus" if system == "train-ticket" or rng.random() < 0.3 else "csv"),
        topo_form=rng.choices(["both", "catalog", "edges"], weights=[6, 3, 1])[0],
    )


def _config_or_infra(
    rng: random.Random, kind: str, svc: str, at: datetime, *, culprit: bool
) -> ChangeRec:
    if kind == "config":
        param = rng.choice(["timeout_ms", "pool_size", "retry_budget", "cache_ttl_s", "max_conns"])
        old, new = rng.choice([("500", "50"), ("64", "4"), ("3", "0"), ("300", "5"), ("200", "8")])
        if not culprit:
            new = str(int(old) + rng.randint(1, 50))
        return ChangeRec(
            change_id=f"chg-{_hex(rng, 8)}",
            kind="config",
            service=svc,
            at=at,
            summary=f"set {svc}/{param} = {new}",
            culprit=culprit,
            attrs={"parameter": f"/{svc}/{param}", "old": old, "new": new},
        )
    what = rng.choice(
        [
            ("cpu limit 2000m → 500m", {"resource": "cpu", "old": "2000m", "new": "500m"}),
            ("memory limit 1Gi → 256Mi", {"resource": "memory", "old": "1Gi", "new": "256Mi"}),
            ("node pool migrated to e2-small", {"node_pool": "pool-small"}),
        ]
    )
    return ChangeRec(
        change_id=f"chg-{_hex(rng, 8)}",
        kind="infra",
        service=svc,
        at=at,
        summary=f"{svc}: {what[0]}",
        attrs=dict(what[1]),
        culprit=culprit,
    )


def _benign(rng: random.Random, kind: str, svc: str, at: datetime) -> ChangeRec:
    if kind == "deploy":
        return ChangeRec(
            change_id=_uuid(rng),
            kind="deploy",
            service=svc,
            at=at,
            summary=f"deploy {svc}",
            action=rng.choice(["deployed", "upgraded"]),
            version=_version(rng),
            share=round(rng.uniform(0.1, 0.5), 2) if rng.random() < 0.2 else None,
        )
    if kind == "flag":
        key = rng.choice(["dark-mode", "recs-v3", "promo-banner", "beta-search", "new-footer"])
        return ChangeRec(
            change_id="",
            kind="flag",
            service=svc,
            at=at,
            summary=f"toggle {key}",
            flag_key=f"{key}-{_hex(rng, 3)}",
            flag_tagged=True,
        )
    if kind == "config":
        return _config_or_infra(rng, "config", svc, at, culprit=False)
    summaries: dict[str, tuple[str, dict[str, Any]]] = {
        "scale": (f"scale {svc} replicas 3 → 5", {"replicas": {"old": 3, "new": 5}}),
        "secret": (f"rotate {svc} database credentials", {"secret": f"{svc}-db"}),
        "schema": (f"migration 0{rng.randint(10, 99)}_add_index on {svc}", {"tool": "flyway"}),
    }
    summary, attrs = summaries[kind]
    return ChangeRec(
        change_id=f"chg-{_hex(rng, 8)}", kind=kind, service=svc, at=at, summary=summary, attrs=attrs
    )


def _base_latency(topo: Topology, svc: str, rng: random.Random) -> float:
    kind = topo.node(svc).kind
    if kind in _RESOURCE_KINDS:
        return rng.uniform(1.5, 8.0)
    if kind == "gateway":
        return rng.uniform(90.0, 220.0)
    return rng.uniform(8.0, 70.0)


# -- writing ----------------------------------------------------------------------------------


def write_bundle(plan: Plan, out_dir: Path, seed: int, index: int) -> Path:
    topo = TOPOLOGIES[plan.system]
    rng = random.Random(f"rcagraph-gen-write:{plan.system}:{seed}:{index}")
    nprng = np.random.default_rng(rng.getrandbits(63))
    out_dir.mkdir(parents=True, exist_ok=True)
    for sub in ("topology", "metrics", "logs", "alerts"):
        (out_dir / sub).mkdir(exist_ok=True)

    # -- topology -------------------------------------------------------------------------
    calls = {(a, b): int(rng.uniform(5, 400)) for a, b, _ in topo.edges}
    flag_annotations: dict[str, list[str]] = {}
    form = plan.topo_form
    for c in plan.changes:
        if c.kind == "flag" and not c.flag_tagged and c.service:
            if form == "edges":
                c.flag_tagged = True  # no catalog to annotate: keep the tag
            else:
                flag_annotations.setdefault(c.service, []).append(c.flag_key)
    if form in ("both", "catalog"):
        (out_dir / "topology" / "catalog.yaml").write_text(
            formats.backstage_catalog(topo, flag_annotations, calls), encoding="utf-8"
        )
    if form in ("both", "edges"):
        (out_dir / "topology" / "edges.csv").write_text(
            formats.edges_csv(topo, calls), encoding="utf-8"
        )

    # -- changes --------------------------------------------------------------------------
    dep_lines: list[tuple[datetime, str]] = []
    flag_lines: list[tuple[datetime, str]] = []
    chg_lines: list[tuple[datetime, str]] = []
    use_unleash = rng.random() < 0.5
    unleash_id = rng.randint(1000, 90000)
    for c in sorted(plan.changes, key=lambda c: c.at):
        if c.kind == "deploy":
            at = c.at + timedelta(seconds=plan.skew_s["deployments"])
            ev = formats.cdevent(
                event_id=c.change_id,
                action=c.action,
                service=c.service or "",
                at=at,
                system=plan.system,
                version=c.version,
                share=c.share,
                actor=rng.choice(_MEMBERS),
            )
            dep_lines.append((at, json.dumps(ev, separators=(",", ":"))))
        elif c.kind == "flag":
            at = c.at + timedelta(seconds=plan.skew_s["flags"])
            svc = c.service if c.flag_tagged else None
            member = rng.choice(_MEMBERS)
            if use_unleash:
                unleash_id += rng.randint(1, 40)
                c.change_id = str(unleash_id)
                fl = formats.unleash_event(
                    event_id=unleash_id,
                    flag_key=c.flag_key,
                    service=svc,
                    at=at,
                    on=True,
                    share=c.share,
                    member=member,
                )
            else:
                c.change_id = _hex(rng, 24)
                fl = formats.launchdarkly_entry(
                    entry_id=c.change_id,
                    flag_key=c.flag_key,
                    service=svc,
                    at=at,
                    on=True,
                    share=c.share,
                    member=member,
                    comment=c.summary,
                )
            flag_lines.append((at, json.dumps(fl, separators=(",", ":"))))
        else:
            at = c.at + timedelta(seconds=plan.skew_s["changes"])
            offset = rng.choice([0, 0, 0, 60, -300, 330])
            rec = {
                "id": c.change_id,
                "kind": c.kind,
                "service": c.service,
                "at": formats.rfc3339(at, offset),
                "actor": rng.choice(["ops-bot", *_MEMBERS]),
                "source": "consul" if c.kind == "config" else "terraform",
                "summary": c.summary,
                "attributes": c.attrs,
            }
            chg_lines.append((at, json.dumps(rec, separators=(",", ":"))))
    for name, lines in (
        ("deployments.jsonl", dep_lines),
        ("flags.jsonl", flag_lines),
        ("changes.jsonl", chg_lines),
    ):
        if lines:
            (out_dir / name).write_text("\n".join(x for _, x in lines) + "\n", encoding="utf-8")

    # -- metrics --------------------------------------------------------------------------
    minutes = topo.window_minutes
    times = [plan.window_start + timedelta(minutes=i) for i in range(minutes)]
    tsec = np.array([t.timestamp() for t in times])
    by_svc: dict[str, list[Effect]] = {}
    for e in plan.effects:
        by_svc.setdefault(e.service, []).append(e)
    rows: list[str] = ["timestamp,service,metric,value"]
    series: dict[str, dict[str, np.ndarray]] = {}
    for svc in topo.names:
        srng = random.Random(f"{plan.system}:{svc}:lat")
        base_lat = _base_latency(topo, svc, srng)
        base_err = rng.uniform(0.0005, 0.008)
        base_rate = rng.uniform(5, 400)
        phase = rng.uniform(0, 2 * np.pi)
        season = 1.0 + 0.15 * np.sin(2 * np.pi * (tsec / 86400.0) + phase)
        rate = base_rate * season * nprng.lognormal(0.0, 0.04, minutes)
        lat = base_lat * (1 + 0.1 * (season - 1)) * nprng.lognormal(0.0, 0.07, minutes)
        spikes = nprng.random(minutes) < 0.01
        lat = np.where(spikes, lat * nprng.uniform(1.4, 2.4, minutes), lat)
        err = nprng.poisson(np.maximum(rate * 60 * base_err, 0.1)) / np.maximum(rate * 60, 1)
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
        if plan.metrics_format == "csv":
            for i, ts in enumerate(tsec):
                t = int(ts)
                rows.append(f"{t},{svc},latency_p95_ms,{lat[i]:.3g}")
                rows.append(f"{t},{svc},error_ratio,{err[i]:.3g}")
                rows.append(f"{t},{svc},request_rate,{rate[i]:.3g}")
    if plan.metrics_format == "csv":
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
                if svc not in plan.no_metrics and svc not in topo.unscraped
            ]
            answer = {"status": "success", "data": {"resultType": "matrix", "result": result}}
            (out_dir / "metrics" / f"{metric}.json").write_text(
                json.dumps(answer, separators=(",", ":")) + "\n", "utf-8"
            )

    # -- logs -----------------------------------------------------------------------------
    _write_logs(plan, topo, out_dir, rng, nprng, series, times)

    # -- alerts ---------------------------------------------------------------------------
    _write_alerts(plan, topo, out_dir, rng, series, times)

    # -- incident and truth ---------------------------------------------------------------
    sig = "errors" if plan.mode == "errors" else "latency"
    incident = {
        "id": plan.incident_id,
        "title": f"{plan.symptom} {'error rate' if sig == 'errors' else 'latency'} above SLO",
        "severity": rng.choice(["SEV1", "SEV2", "SEV2", "SEV3"]),
        "system": plan.system,
        "started_at": formats.rfc3339(plan.started_at),
        "detected_at": formats.rfc3339(plan.detected_at),
        "resolved_at": formats.rfc3339(plan.resolved_at) if plan.resolved_at else None,
        "symptoms": [
            {
                "service": plan.symptom,
                "signal": sig,
                "metric": "error_ratio" if sig == "errors" else "latency_p95_ms",
            }
        ],
    }
    kind = plan.variant.split("-")[0]
    truth = {
        "root_cause": {
            "kind": kind,
            "service": plan.root,
            "change_id": plan.change.change_id if plan.change else None,
        },
        "generator": {
            "fault": plan.variant,
            "mode": plan.mode,
            "seed": seed,
            "index": index,
            "symptom_path": TOPOLOGIES[plan.system].path(plan.symptom, plan.root),
            "rollout_share": plan.change.share if plan.change else None,
            "noisy": plan.noisy,
            "loud": plan.loud,
            "no_metrics": plan.no_metrics,
            "skew_s": {k: round(v, 1) for k, v in plan.skew_s.items()},
        },
    }
    (out_dir / "incident.json").write_text(json.dumps(incident, indent=2) + "\n", "utf-8")
    (out_dir / "truth.json").write_text(json.dumps(truth, indent=2) + "\n", "utf-8")
    return out_dir


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


def _write_logs(
    plan: Plan,
    topo: Topology,
    out_dir: Path,
    rng: random.Random,
    nprng: np.random.Generator,
    series: dict[str, dict[str, np.ndarray]],
    times: list[datetime],
) -> None:
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
                        _hex(rng, 32),
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
                    body = f"request failed: internal error id={_hex(rng, 8)}"
                recs[svc].append((at, "ERROR", body, _hex(rng, 32)))
    # deploy start lines (benign and culprit)
    for c in plan.changes:
        if c.kind == "deploy" and c.service:
            recs[c.service].append(
                (
                    c.at + timedelta(seconds=rng.uniform(5, 40)),
                    "INFO",
                    f"starting {c.service} version {c.version}",
                    _hex(rng, 32),
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
                (t + timedelta(seconds=rng.uniform(0, 59.9)), "ERROR", body, _hex(rng, 32))
            )
    # the noisy services repeat their own error template throughout
    for svc in plan.noisy:
        for i in sorted(rng.sample(range(len(times)), k=6)):
            recs[svc].append(
                (times[i], "ERROR", "GC overhead limit exceeded, retrying batch", _hex(rng, 32))
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


def _write_alerts(
    plan: Plan,
    topo: Topology,
    out_dir: Path,
    rng: random.Random,
    series: dict[str, dict[str, np.ndarray]],
    times: list[datetime],
) -> None:
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
                    pods = [f"{svc}-{_hex(rng, 5)}" for _ in range(rng.randint(2, 4))]
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


def generate(out: Path, systems: list[str], per_system: int, seed: int) -> list[Path]:
    """Write ``per_system`` bundles for each system under ``out/<system>/<index>``."""
    written: list[Path] = []
    for system in systems:
        for index in range(per_system):
            plan = plan_incident(system, seed, index)
            written.append(write_bundle(plan, out / system / f"{index:03d}", seed, index))
    return written
