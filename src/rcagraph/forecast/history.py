"""Event tables for forecasting, and a seeded generator of months of synthetic operation.

:class:`History` is what the forecaster learns from: the topology (components and their
dependencies) and the time-stamped changes, incidents (with their cause and failure-mode
signature), anomalies and alerts. The graph path (:mod:`rcagraph.forecast.service`) reads the
same tables out of a scope; :func:`generate_history` makes them up, seeded, for training and
backtesting; :func:`history_rows` turns them into the graph rows that
:mod:`rcagraph.forecast.queries` writes.

The generator simulates a compact layered topology (front ends calling a middle tier calling
data stores, with a few hubs of high fan-in) hour by hour:

* every service has *weak spots*: one to three failure signatures with their own hazard, and a
  fragility factor (a few services are much more fragile than the rest);
* changes arrive as Poisson processes per service and kind (deploys, flag churn, config,
  infrastructure); each carries a risk of an incident a few hours later that grows with the
  kind's riskiness and the service's fragility;
* spontaneous incidents follow an hourly hazard that is raised for a few days after an incident
  of the same service (self-excitation) and for a day after an incident of a dependency;
* anomalies and alerts are noise plus precursors: an incident is often announced by an anomaly
  or a warning alert of its signature hours before, and is always marked by one at its onset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from pydantic import BaseModel, Field

from rcagraph.forecast.modes import mode_key
from rcagraph.ids import digest, uid
from rcagraph.schema.signals import AVAILABILITY, ERRORS, LATENCY, OTHER, SATURATION

CAUSE_KINDS: tuple[str, ...] = ("deploy", "flag", "config", "infra", "service")
CHANGE_KINDS: tuple[str, ...] = ("deploy", "flag", "config", "infra")

#: failure signatures the generator draws weak spots from: anomaly metric/direction or template
METRIC_SIGNATURES: tuple[tuple[str, str], ...] = (
    ("latency", "up"),
    ("error_ratio", "up"),
    ("availability", "down"),
    ("saturation", "up"),
)
LOG_TEMPLATES: tuple[str, ...] = (
    "connection refused to <*>:<*>",
    "OutOfMemoryError: Java heap space",
    "timeout after <*> ms waiting for <*>",
    "too many open files",
)


def metric_signature(metric: str, direction: str) -> str:
    return f"metric:{metric}/{direction}"


def log_signature(template: str) -> str:
    return f"log:{template}"


# --- event tables ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ComponentRec:
    name: str
    kind: str  # service, database, cache, queue


@dataclass(frozen=True, slots=True)
class ChangeRec:
    change_id: str
    kind: str  # deploy, flag, config, infra, scale, schema, secret, other
    service: str
    at: datetime
    flag_key: str | None = None


@dataclass(frozen=True, slots=True)
class IncidentRec:
    id: str
    service: str
    cause_kind: str
    signature: str
    started_at: datetime
    change_id: str | None = None
    severity: str = "SEV3"

    @property
    def mode_key(self) -> str:
        return mode_key(self.cause_kind, self.service, self.signature)


@dataclass(frozen=True, slots=True)
class AnomalyRec:
    service: str
    metric: str
    direction: str
    at: datetime

    @property
    def signature(self) -> str:
        return metric_signature(self.metric, self.direction)


@dataclass(frozen=True, slots=True)
class AlertRec:
    service: str
    name: str
    at: datetime
    severity: str = "warning"


@dataclass(slots=True)
class History:
    """Everything the forecaster needs, as in-memory tables sorted by time."""

    scope: str
    start: datetime
    end: datetime
    components: list[ComponentRec]
    edges: list[tuple[str, str]]  # (src, dst): src depends on dst
    changes: list[ChangeRec] = field(default_factory=list)
    incidents: list[IncidentRec] = field(default_factory=list)
    anomalies: list[AnomalyRec] = field(default_factory=list)
    alerts: list[AlertRec] = field(default_factory=list)

    def sort(self) -> None:
        self.changes.sort(key=lambda c: (c.at, c.change_id))
        self.incidents.sort(key=lambda i: (i.started_at, i.id))
        self.anomalies.sort(key=lambda a: (a.at, a.service, a.metric))
        self.alerts.sort(key=lambda a: (a.at, a.service, a.name))

    @property
    def services(self) -> list[str]:
        return [c.name for c in self.components]


# --- generator ------------------------------------------------------------------------------


class HistoryConfig(BaseModel):
    """How much synthetic operation to generate."""

    seed: int = 7
    scope: str = "history"
    start: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    days: int = Field(default=180, ge=7, le=3650)
    n_services: int = Field(default=20, ge=4, le=200)
    #: multiplies every incident hazard (1.0: a few incidents a week across the fleet)
    incident_rate: float = Field(default=1.0, gt=0)


_CHANGE_RISK = {"deploy": 0.025, "flag": 0.015, "config": 0.05, "infra": 0.06}
_ALERT_NAMES = {
    "metric:latency/up": "HighLatency",
    "metric:error_ratio/up": "HighErrorRate",
    "metric:availability/down": "Unavailable",
    "metric:saturation/up": "Saturated",
}


def _topology(rng: np.random.Generator, n: int) -> tuple[list[ComponentRec], list[tuple[str, str]]]:
    """A layered DAG: front ends -> middle tier -> data stores, with a few hubs."""
    n_front = max(1, n // 6)
    n_store = max(1, n // 4)
    n_mid = n - n_front - n_store
    comps: list[ComponentRec] = []
    comps += [ComponentRec(f"frontend-{i}", "service") for i in range(n_front)]
    comps += [ComponentRec(f"svc-{i}", "service") for i in range(n_mid)]
    store_kinds = ("database", "cache", "queue")
    comps += [ComponentRec(f"store-{i}", store_kinds[i % 3]) for i in range(n_store)]
    front = [c.name for c in comps[:n_front]]
    mid = [c.name for c in comps[n_front : n_front + n_mid]]
    stores = [c.name for c in comps[n_front + n_mid :]]
    # hubs: popularity weights make a few callees much more called than others
    mid_pop = rng.pareto(1.5, len(mid)) + 0.2
    store_pop = rng.pareto(1.5, len(stores)) + 0.2
    edges: set[tuple[str, str]] = set()

    def pick(pool: list[str], pop: np.ndarray, k: int) -> list[str]:
        k = min(k, len(pool))
        idx = rng.choice(len(pool), size=k, replace=False, p=pop / pop.sum())
        return [pool[int(i)] for i in idx]

    for f in front:
        edges.update((f, d) for d in pick(mid, mid_pop, int(rng.integers(2, 5))))
    for i, m in enumerate(mid):
        # calls to later middle-tier services keep the graph acyclic
        later = mid[i + 1 :]
        if later and rng.random() < 0.6:
            edges.update((m, d) for d in pick(later, mid_pop[i + 1 :], int(rng.integers(1, 3))))
        edges.update((m, d) for d in pick(stores, store_pop, int(rng.integers(1, 3))))
    return comps, sorted(edges)


def generate_history(config: HistoryConfig | None = None) -> History:
    """Months of seeded synthetic operation (same config, same history)."""
    cfg = config or HistoryConfig()
    rng = np.random.default_rng(cfg.seed)
    comps, edges = _topology(rng, cfg.n_services)
    names = [c.name for c in comps]
    n = len(names)
    index = {s: i for i, s in enumerate(names)}
    deps: list[list[int]] = [[] for _ in range(n)]
    for src, dst in edges:
        deps[index[src]].append(index[dst])

    # fragility: lognormal, and a few weak spots far above the rest
    fragility = rng.lognormal(0.0, 0.6, n)
    weak = rng.choice(n, size=max(1, n // 5), replace=False)
    fragility[weak] *= 3.0
    # each service has 1..3 failure signatures, with weights
    spots: list[list[tuple[str, float]]] = []
    all_sigs = [metric_signature(m, d) for m, d in METRIC_SIGNATURES] + [
        log_signature(t) for t in LOG_TEMPLATES
    ]
    for _ in range(n):
        k = int(rng.integers(1, 4))
        sig_idx = rng.choice(len(all_sigs), size=k, replace=False)
        w = rng.dirichlet(np.ones(k) * 0.8)
        spots.append([(all_sigs[int(j)], float(wj)) for j, wj in zip(sig_idx, w, strict=True)])
    # change rates per day per service and kind
    rates = {
        "deploy": rng.uniform(0.2, 1.5, n),
        "flag": rng.uniform(0.0, 0.8, n) * (rng.random(n) < 0.6),
        "config": rng.uniform(0.03, 0.3, n),
        "infra": np.where([c.kind != "service" for c in comps], rng.uniform(0.02, 0.15, n), 0.01),
    }
    # per-service sensitivity to each change kind (some services break on config, others on deploy)
    sensitivity = {k: rng.lognormal(0.0, 0.7, n) for k in CHANGE_KINDS}

    hist = History(
        scope=cfg.scope,
        start=cfg.start,
        end=cfg.start + timedelta(days=cfg.days),
        components=comps,
        edges=edges,
    )
    hours = cfg.days * 24
    last_incident_h = np.full(n, -1e9)
    change_seq = 0
    inc_seq = 0
    pending: list[tuple[float, int, str, str, str | None]] = []  # (hour, svc, kind, sig, chg)

    def new_incident(h: float, s: int, cause: str, sig: str, change_id: str | None) -> None:
        nonlocal inc_seq
        inc_seq += 1
        at = cfg.start + timedelta(hours=h)
        sev = "SEV2" if rng.random() < 0.25 else "SEV3"
        hist.incidents.append(
            IncidentRec(f"INC-{inc_seq:05d}", names[s], cause, sig, at, change_id, sev)
        )
        last_incident_h[s] = h
        metric, direction = _metric_of(sig)
        # the anomaly and alert that mark it, and precursors hours before
        hist.anomalies.append(AnomalyRec(names[s], metric, direction, at))
        hist.alerts.append(AlertRec(names[s], _ALERT_NAMES.get(sig, "LogErrors"), at, "critical"))
        if rng.random() < 0.55:
            lead = float(rng.uniform(1.0, 30.0))
            hist.anomalies.append(
                AnomalyRec(names[s], metric, direction, at - timedelta(hours=lead))
            )
        if rng.random() < 0.3:
            lead = float(rng.uniform(1.0, 48.0))
            hist.alerts.append(
                AlertRec(names[s], _ALERT_NAMES.get(sig, "LogErrors"), at - timedelta(hours=lead))
            )
        # a fixed weak spot: sometimes the post-mortem's actions make it rarer
        if rng.random() < 0.08:
            fragility[s] *= 0.7

    def pick_sig(s: int, cause: str) -> str:
        sigs = spots[s]
        w = np.array([wt for _, wt in sigs])
        # config and infra changes lean to the first (availability-like) spot
        if cause in {"config", "infra"}:
            w = w + np.eye(len(sigs))[0] * 0.5
        return sigs[int(rng.choice(len(sigs), p=w / w.sum()))][0]

    base = 0.00035 * cfg.incident_rate
    for h in range(hours):
        t0 = cfg.start + timedelta(hours=h)
        since = h - last_incident_h
        excite = 1.0 + 4.0 * np.exp(-since / 72.0)
        dep_hit = np.array(
            [any(h - last_incident_h[d] < 24 for d in deps[s]) for s in range(n)], dtype=float
        )
        # changes this hour
        for kind in CHANGE_KINDS:
            counts = rng.poisson(rates[kind] / 24.0)
            for s_np in np.nonzero(counts)[0]:
                sc = int(s_np)
                for _ in range(int(counts[sc])):
                    change_seq += 1
                    cid = f"chg-{change_seq:06d}"
                    at = t0 + timedelta(minutes=float(rng.uniform(0, 60)))
                    flag_key = (
                        f"flag-{names[sc]}-{int(rng.integers(0, 4))}" if kind == "flag" else None
                    )
                    hist.changes.append(ChangeRec(cid, kind, names[sc], at, flag_key))
                    risk = _CHANGE_RISK[kind] * fragility[sc] * sensitivity[kind][sc]
                    risk *= cfg.incident_rate * (1.0 + 0.5 * (excite[sc] - 1.0))
                    if rng.random() < min(risk, 0.6):
                        delay = float(rng.exponential(6.0))
                        pending.append((h + 0.5 + delay, sc, kind, pick_sig(sc, kind), cid))
        # spontaneous (service) incidents
        hazard = base * fragility * excite * (1.0 + 1.5 * dep_hit)
        for s_hit in np.nonzero(rng.random(n) < hazard)[0]:
            pending.append(
                (
                    h + float(rng.uniform(0, 1)),
                    int(s_hit),
                    "service",
                    pick_sig(int(s_hit), "service"),
                    None,
                )
            )
        # incidents that come due this hour
        due = [p for p in pending if p[0] < h + 1]
        pending = [p for p in pending if p[0] >= h + 1]
        for when, s_due, cause, sig, due_cid in sorted(due, key=lambda p: p[0]):
            if when - last_incident_h[s_due] < 2.0:
                continue  # the same outage, not a new incident
            new_incident(when, s_due, cause, sig, due_cid)

    # noise anomalies and alerts
    span_h = float(hours)
    for s_n in range(n):
        for _ in range(int(rng.poisson(0.25 * cfg.days * (0.5 + 0.5 * fragility[s_n])))):
            m, d = METRIC_SIGNATURES[int(rng.integers(0, len(METRIC_SIGNATURES)))]
            at = cfg.start + timedelta(hours=float(rng.uniform(0, span_h)))
            hist.anomalies.append(AnomalyRec(names[s_n], m, d, at))
        for _ in range(int(rng.poisson(0.08 * cfg.days * fragility[s_n]))):
            at = cfg.start + timedelta(hours=float(rng.uniform(0, span_h)))
            name = list(_ALERT_NAMES.values())[int(rng.integers(0, 4))]
            hist.alerts.append(AlertRec(names[s_n], name, at))
    hist.sort()
    return hist


def _metric_of(signature: str) -> tuple[str, str]:
    """The anomaly that marks an incident of this signature (log signatures: error ratio up)."""
    if signature.startswith("metric:"):
        metric, _, direction = signature.removeprefix("metric:").partition("/")
        return metric, direction or "up"
    return "error_ratio", "up"


# --- graph rows -------------------------------------------------------------------------------


@dataclass(slots=True)
class HistoryRows:
    """A history as rows for the batched writes of :mod:`rcagraph.forecast.queries`."""

    components: list[dict[str, object]]
    edges: list[dict[str, object]]
    changes: dict[str, list[dict[str, object]]]  # by change kind
    anomalies: list[dict[str, object]]
    alerts: list[dict[str, object]]
    incidents: list[dict[str, object]]
    log_incidents: list[dict[str, object]]  # incidents marked by a log template


def history_rows(history: History, *, source: str = "forecast.history") -> HistoryRows:
    """Rows with uids (:func:`rcagraph.ids.uid`) and provenance for every node of ``history``."""
    scope = history.scope
    change_kinds = {c.change_id: c.kind for c in history.changes}

    def prov(ref: str) -> dict[str, object]:
        return {"source": source, "source_ref": ref}

    comps: list[dict[str, object]] = [
        {"uid": uid(scope, "Component", c.name), "name": c.name, "kind": c.kind, **prov(c.name)}
        for c in history.components
    ]
    edges: list[dict[str, object]] = [
        {"src": uid(scope, "Component", a), "dst": uid(scope, "Component", b)}
        for a, b in history.edges
    ]
    changes: dict[str, list[dict[str, object]]] = {}
    for c in history.changes:
        changes.setdefault(c.kind, []).append(
            {
                "uid": uid(scope, "Change", c.kind, c.change_id),
                "change_id": c.change_id,
                "kind": c.kind,
                "at": c.at,
                "service": c.service,
                "flag_key": c.flag_key,
                "component": uid(scope, "Component", c.service),
                **prov(c.change_id),
            }
        )
    anomalies = []
    # the anomaly that marks each incident: its onset, on its service, of its metric
    for i, a in enumerate(history.anomalies):
        key = f"{a.service}|{a.metric}|{a.direction}|{a.at.isoformat()}"
        anomalies.append(
            {
                "uid": uid(scope, "Anomaly", key),
                "service": a.service,
                "metric": a.metric,
                "direction": a.direction,
                "signal": _signal_of(a.metric),
                "at": a.at,
                "component": uid(scope, "Component", a.service),
                **prov(f"anomaly {i}"),
            }
        )
    alerts = []
    for i, al in enumerate(history.alerts):
        fp = digest(al.service, al.name, al.at.isoformat())
        alerts.append(
            {
                "uid": uid(scope, "Alert", fp),
                "fingerprint": fp,
                "name": al.name,
                "service": al.service,
                "severity": al.severity,
                "status": "resolved",
                "at": al.at,
                "component": uid(scope, "Component", al.service),
                **prov(f"alert {i}"),
            }
        )
    incidents = []
    log_incidents = []
    for inc in history.incidents:
        metric, direction = _metric_of(inc.signature)
        anomaly_key = f"{inc.service}|{metric}|{direction}|{inc.started_at.isoformat()}"
        target = (
            uid(scope, "Change", change_kinds.get(inc.change_id, "other"), inc.change_id)
            if inc.change_id
            else uid(scope, "Component", inc.service)
        )
        row: dict[str, object] = {
            "uid": uid(scope, "Incident", inc.id),
            "id": inc.id,
            "title": f"{inc.service}: {inc.signature}",
            "severity": inc.severity,
            "started_at": inc.started_at,
            "component": uid(scope, "Component", inc.service),
            "service": inc.service,
            "signal": _signal_of(metric),
            "metric": metric,
            "hyp_uid": uid(scope, "Hypothesis", inc.id, "truth"),
            "cause_kind": inc.cause_kind,
            "change_id": inc.change_id,
            "target": target,
            "evidence_uid": uid(scope, "Evidence", inc.id, "truth"),
            "anomaly": uid(scope, "Anomaly", anomaly_key),
            **prov(inc.id),
        }
        incidents.append(row)
        if inc.signature.startswith("log:"):
            template = inc.signature.removeprefix("log:")
            tid = digest(inc.service, template)
            log_incidents.append(
                {
                    "incident": row["uid"],
                    "evidence_uid": uid(scope, "Evidence", inc.id, "log"),
                    "hyp_uid": row["hyp_uid"],
                    "event_uid": uid(scope, "LogEvent", inc.id),
                    "template_uid": uid(scope, "LogTemplate", tid),
                    "template_id": tid,
                    "template": template,
                    "service": inc.service,
                    "at": inc.started_at,
                    "component": row["component"],
                    **prov(inc.id),
                }
            )
    return HistoryRows(comps, edges, changes, anomalies, alerts, incidents, log_incidents)


#: the signal class of each metric the history generator draws (any other metric: other)
_METRIC_SIGNALS: dict[str, str] = {
    "latency": LATENCY,
    "error_ratio": ERRORS,
    "availability": AVAILABILITY,
    "saturation": SATURATION,
}


def _signal_of(metric: str) -> str:
    return _METRIC_SIGNALS.get(metric, OTHER)


def hours_between(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 3600.0


__all__ = [
    "CAUSE_KINDS",
    "CHANGE_KINDS",
    "AlertRec",
    "AnomalyRec",
    "ChangeRec",
    "ComponentRec",
    "History",
    "HistoryConfig",
    "HistoryRows",
    "IncidentRec",
    "generate_history",
    "history_rows",
    "hours_between",
    "log_signature",
    "metric_signature",
]
