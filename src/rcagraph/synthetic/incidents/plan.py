"""The plan of one incident bundle: which fault on which root, when, and what distracts from it.

:func:`plan_incident` is a pure function of ``(system, seed, index)``; it decides everything
random about the incident (root, symptom, times, effects, the culprit and the benign changes,
noise, missing data, clock skew, file formats). :mod:`rcagraph.synthetic.incidents.bundle` then
writes the plan out as files.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from rcagraph.synthetic.incidents.topologies import TOPOLOGIES, Topology

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
    "deploy-concurrent",
    "service-saturation",
    "deploy-concurrent",
    "service-entry",
)
_RESOURCE_KINDS = ("database", "cache", "queue")


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
class Release:
    """A rolling release of one service: ``pods`` new pods replace as many old ones, one every
    ``step_min`` minutes from ``start``; the metrics are written per pod, labelled
    ``version=…;pod=…``, so old and new pods run side by side during the rollout."""

    service: str
    old_version: str
    new_version: str
    start: datetime
    step_min: float
    pods: int
    defective: bool = False


@dataclass(slots=True)
class Burst:
    """Periodic bursts in normal operation: the latency of ``service`` is ``factor`` times its
    level for one minute every ``period_min`` minutes, all through the window."""

    service: str
    period_min: int
    factor: float
    phase_min: int


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
    #: rolling releases written per pod and version (variant deploy-concurrent)
    releases: list[Release] = field(default_factory=list)
    #: periodic latency bursts in normal operation (any variant)
    bursts: list[Burst] = field(default_factory=list)
    #: the saturated resource of the root ("cpu", "memory"; variant service-saturation)
    saturation: str | None = None


def _minute(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def hex_id(rng: random.Random, n: int) -> str:
    """``n`` random hex digits (ids, trace ids, pod suffixes)."""
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
    if variant == "service-entry":
        root = topo.entry
    elif kind == "service":
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
    if kind == "infra" or variant == "service-saturation":
        mode = "latency"
    elif kind == "service":
        mode = rng.choice(["latency", "both"])
    else:
        mode = rng.choices(["errors", "latency", "both"], weights=[5, 3, 2])[0]
    share = round(rng.uniform(0.1, 0.35), 2) if partial else None
    strength = share * 2.2 if share else 1.0  # a partial rollout has a smaller effect
    base_lat = base_latency(topo, root, random.Random(f"{system}:{root}:lat"))
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
            flag_key=f"{key}-{hex_id(rng, 3)}",
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
    if culprit is None:  # a fault without a change still comes among several changes
        n_benign = max(n_benign, 3)
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
                latency_add_ms=base_latency(topo, loud, random.Random(f"{system}:{loud}:lat"))
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
    releases, bursts, saturation = _extras(
        system, seed, index, variant, topo, culprit, changes, scraped, affected
    )
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
        releases=releases,
        bursts=bursts,
        saturation=saturation,
    )


def _extras(
    system: str,
    seed: int,
    index: int,
    variant: str,
    topo: Topology,
    culprit: ChangeRec | None,
    changes: list[ChangeRec],
    scraped: list[str],
    affected: dict[str, tuple[int, float, float]],
) -> tuple[list[Release], list[Burst], str | None]:
    """What real data showed, drawn from a random generator of its own (so adding it did not
    move the rest of a plan): concurrent rolling releases, periodic bursts, saturation."""
    rng = random.Random(f"rcagraph-gen-extras:{system}:{seed}:{index}")
    releases: list[Release] = []
    if variant == "deploy-concurrent" and culprit is not None and culprit.service:
        others = [
            n for n in scraped if n != culprit.service and topo.node(n).kind not in _RESOURCE_KINDS
        ]
        released = [(culprit, True)]
        for svc in rng.sample(others, k=min(len(others), 2)):
            at = culprit.at + timedelta(minutes=rng.uniform(-5.0, 3.0), seconds=rng.randint(0, 59))
            benign = ChangeRec(
                change_id=_uuid(rng),
                kind="deploy",
                service=svc,
                at=at,
                summary=f"deploy {svc}",
                action=rng.choice(["deployed", "upgraded"]),
                version=_version(rng),
            )
            changes.append(benign)
            released.append((benign, False))
        for c, defective in released:
            old = _version(rng)
            while old == c.version:
                old = _version(rng)
            releases.append(
                Release(
                    service=c.service or "",
                    old_version=old,
                    new_version=c.version,
                    start=c.at,
                    step_min=rng.uniform(2.0, 4.0),
                    pods=rng.randint(2, 3),
                    defective=defective,
                )
            )
    bursts: list[Burst] = []
    if rng.random() < 0.5:
        pool = [n for n in scraped if n not in affected] or scraped
        for svc in rng.sample(pool, k=min(len(pool), rng.randint(1, 2))):
            period = rng.randint(5, 15)
            bursts.append(Burst(svc, period, rng.uniform(2.0, 4.0), rng.randint(0, period - 1)))
    saturation = rng.choice(["cpu", "memory"]) if variant == "service-saturation" else None
    return releases, bursts, saturation


def _config_or_infra(
    rng: random.Random, kind: str, svc: str, at: datetime, *, culprit: bool
) -> ChangeRec:
    if kind == "config":
        param = rng.choice(["timeout_ms", "pool_size", "retry_budget", "cache_ttl_s", "max_conns"])
        old, new = rng.choice([("500", "50"), ("64", "4"), ("3", "0"), ("300", "5"), ("200", "8")])
        if not culprit:
            new = str(int(old) + rng.randint(1, 50))
        return ChangeRec(
            change_id=f"chg-{hex_id(rng, 8)}",
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
        change_id=f"chg-{hex_id(rng, 8)}",
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
            flag_key=f"{key}-{hex_id(rng, 3)}",
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
        change_id=f"chg-{hex_id(rng, 8)}",
        kind=kind,
        service=svc,
        at=at,
        summary=summary,
        attrs=attrs,
    )


def base_latency(topo: Topology, svc: str, rng: random.Random) -> float:
    """A component's healthy p95 latency in ms, by kind (drawn from its own seeded ``rng``)."""
    kind = topo.node(svc).kind
    if kind in _RESOURCE_KINDS:
        return rng.uniform(1.5, 8.0)
    if kind == "gateway":
        return rng.uniform(90.0, 220.0)
    return rng.uniform(8.0, 70.0)
