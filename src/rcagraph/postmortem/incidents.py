"""Incidents: declare, update (detected, mitigated, resolved times and status), list, filter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import rcagraph.postmortem.queries as q
from rcagraph.errors import ConflictError, InputError, NotFoundError
from rcagraph.graph import Graph
from rcagraph.ids import DEFAULT_SCOPE, uid
from rcagraph.postmortem.audit import AuditTrail
from rcagraph.postmortem.common import Actor, native, provenance, require_aware, utcnow
from rcagraph.postmortem.policy import SEVERITIES
from rcagraph.schema.signals import SIGNALS

STATUSES: tuple[str, ...] = ("open", "mitigated", "resolved")
TIME_FIELDS: tuple[str, ...] = ("started_at", "detected_at", "mitigated_at", "resolved_at")


@dataclass(frozen=True, slots=True)
class SymptomIn:
    service: str
    signal: str
    metric: str | None = None


@dataclass(slots=True)
class Incident:
    uid: str
    scope: str
    id: str
    title: str
    severity: str | None
    system: str | None
    status: str
    started_at: datetime | None
    detected_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    symptoms: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_row(cls, props: dict[str, Any], symptoms: list[dict[str, Any]]) -> Incident:
        p = native(props)
        status = p.get("status") or ("resolved" if p.get("resolved_at") else "open")
        return cls(
            uid=p["uid"],
            scope=p.get("scope", DEFAULT_SCOPE),
            id=p["id"],
            title=p.get("title") or "",
            severity=p.get("severity"),
            system=p.get("system"),
            status=status,
            started_at=p.get("started_at"),
            detected_at=p.get("detected_at"),
            mitigated_at=p.get("mitigated_at"),
            resolved_at=p.get("resolved_at"),
            symptoms=sorted(
                (
                    {"service": s["service"], "signal": s.get("signal"), "metric": s.get("metric")}
                    for s in symptoms
                ),
                key=lambda s: (s["service"] or "", s["signal"] or ""),
            ),
        )

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "scope": self.scope,
            "title": self.title,
            "severity": self.severity,
            "system": self.system,
            "status": self.status,
            "started_at": self.started_at,
            "detected_at": self.detected_at,
            "mitigated_at": self.mitigated_at,
            "resolved_at": self.resolved_at,
            "symptoms": self.symptoms,
        }


def _check_severity(severity: str | None) -> None:
    if severity is not None and severity not in SEVERITIES:
        raise InputError(f"severity must be one of {', '.join(SEVERITIES)}", field="severity")


def _check_order(props: dict[str, Any]) -> None:
    started = props.get("started_at")
    for name in ("detected_at", "mitigated_at", "resolved_at"):
        value = props.get(name)
        if started is not None and value is not None and value < started:
            raise InputError(f"{name} is before started_at", field=name)


class IncidentService:
    def __init__(self, graph: Graph, audit: AuditTrail) -> None:
        self.graph = graph
        self.audit = audit

    # -- lookup ---------------------------------------------------------------------------

    def resolve_uid(self, incident_id: str, scope: str | None = None) -> str:
        row = self.graph.read_one(q.INCIDENT_FIND, id=incident_id, scope=scope)
        if row is None:
            where = f" in scope {scope!r}" if scope else ""
            raise NotFoundError(f"incident {incident_id!r} not found{where}")
        return str(row["uid"])

    def get_by_uid(self, incident_uid: str) -> Incident:
        row = self.graph.read_one(q.INCIDENT_GET, uid=incident_uid)
        if row is None:
            raise NotFoundError(f"incident {incident_uid!r} not found")
        return Incident.from_row(row["incident"], row["symptoms"])

    def get(self, incident_id: str, scope: str | None = None) -> Incident:
        return self.get_by_uid(self.resolve_uid(incident_id, scope))

    # -- changes --------------------------------------------------------------------------

    def declare(
        self,
        actor: Actor,
        *,
        id: str,
        title: str,
        severity: str,
        started_at: datetime,
        system: str | None = None,
        detected_at: datetime | None = None,
        symptoms: list[SymptomIn] | None = None,
        scope: str = DEFAULT_SCOPE,
    ) -> Incident:
        _check_severity(severity)
        props: dict[str, Any] = {
            "id": id,
            "title": title,
            "severity": severity,
            "system": system,
            "status": "open",
            "started_at": require_aware(started_at, "started_at"),
            "detected_at": require_aware(detected_at, "detected_at"),
        }
        _check_order(props)
        for s in symptoms or []:
            if s.signal not in SIGNALS:
                raise InputError(f"signal must be one of {', '.join(SIGNALS)}", field="signal")
        incident_uid = uid(scope, "Incident", id)
        rows = self.graph.write(
            q.INCIDENT_DECLARE,
            uid=incident_uid,
            scope=scope,
            props={k: v for k, v in props.items() if v is not None},
            symptoms=[
                {
                    "service": s.service,
                    "signal": s.signal,
                    "metric": s.metric,
                    "component_uid": uid(scope, "Component", s.service),
                }
                for s in symptoms or []
            ],
            at=utcnow(),
            **provenance(f"declared by {actor.name}"),
        )
        if not rows:
            raise ConflictError(f"incident {id!r} already exists in scope {scope!r}")
        incident = self.get_by_uid(incident_uid)
        self.audit.record(actor, "incident.declare", incident_uid, None, incident.public())
        return incident

    def update(
        self, actor: Actor, incident_id: str, changes: dict[str, Any], *, scope: str | None = None
    ) -> Incident:
        """Set times, status, title or severity. ``resolved_at`` implies status resolved and
        ``mitigated_at`` status mitigated, unless a status is given."""
        allowed = {"title", "severity", "system", "status", *TIME_FIELDS}
        unknown = set(changes) - allowed
        if unknown:
            raise InputError(f"cannot update {', '.join(sorted(unknown))}")
        incident = self.get(incident_id, scope)
        props = {k: v for k, v in changes.items() if v is not None}
        for name in TIME_FIELDS:
            if name in props:
                props[name] = require_aware(props[name], name)
        if "severity" in props:
            _check_severity(props["severity"])
        if "status" in props and props["status"] not in STATUSES:
            raise InputError(f"status must be one of {', '.join(STATUSES)}", field="status")
        if "status" not in props:
            if "resolved_at" in props:
                props["status"] = "resolved"
            elif "mitigated_at" in props and incident.status == "open":
                props["status"] = "mitigated"
        merged = {name: getattr(incident, name) for name in TIME_FIELDS} | {
            k: v for k, v in props.items() if k in TIME_FIELDS
        }
        _check_order(merged)
        if not props:
            return incident
        row = self.graph.write(q.INCIDENT_UPDATE, uid=incident.uid, props=props)
        updated = self.get_by_uid(incident.uid)
        self.audit.record(
            actor,
            "incident.update",
            incident.uid,
            row[0]["before"] if row else None,
            updated.public(),
        )
        return updated

    def search(
        self,
        *,
        scope: str | None = None,
        severity: str | None = None,
        status: str | None = None,
        system: str | None = None,
        service: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Incident]:
        rows = self.graph.read(
            q.INCIDENT_LIST,
            scope=scope,
            severity=severity,
            status=status,
            system=system,
            service=service,
            since=require_aware(since, "since"),
            until=require_aware(until, "until"),
            limit=limit,
            offset=offset,
        )
        return [Incident.from_row(r["incident"], r["symptoms"]) for r in rows]
