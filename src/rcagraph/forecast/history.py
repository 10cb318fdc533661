"""Event tables for forecasting, and the rows that write them into the graph.

:class:`History` is what the forecaster learns from: the topology (components and their
dependencies) and the time-stamped changes, incidents (with their cause and failure-mode
signature), anomalies and alerts. The graph path (:mod:`rcagraph.forecast.service`) reads the
same tables out of a scope; :func:`rcagraph.synthetic.forecast_history.generate_history` makes
them up, seeded, for training and backtesting; :func:`history_rows` turns them into the graph
rows that :mod:`rcagraph.forecast.queries` writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rcagraph.forecast.modes import mode_key
from rcagraph.ids import digest, uid
from rcagraph.schema.signals import AVAILABILITY, ERRORS, LATENCY, OTHER, SATURATION

CAUSE_KINDS: tuple[str, ...] = ("deploy", "flag", "config", "infra", "service")


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


def signature_anomaly(signature: str) -> tuple[str, str]:
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
        metric, direction = signature_anomaly(inc.signature)
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
    "AlertRec",
    "AnomalyRec",
    "ChangeRec",
    "ComponentRec",
    "History",
    "HistoryRows",
    "IncidentRec",
    "history_rows",
    "hours_between",
    "log_signature",
    "metric_signature",
    "signature_anomaly",
]
