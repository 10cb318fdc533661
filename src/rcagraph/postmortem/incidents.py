"""Incidents: declare, update (detected, mitigated, resolved times and status), list, filter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import rcagraph.postmortem.queries as q
from rcagraph.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from rcagraph.graph import Graph, Tx
from rcagraph.ids import DEFAULT_SCOPE, uid
from rcagraph.postmortem.access import Access
from rcagraph.postmortem.audit import Audited, AuditTrail
from rcagraph.postmortem.common import Actor, Role, native, provenance, require_aware, utcnow
from rcagraph.postmortem.policy import SEVERITIES, SeverityPolicy, approval_status
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


def resolve_in_scopes(
    rows: list[dict[str, Any]], what: str, scope: str | None, actor: Actor | None
) -> dict[str, Any]:
    """The one row of an id looked up in ``scope`` (or the scopes ``actor`` sees): 404 when
    none, 409 naming the scopes when the id exists in several and no scope was given."""
    if actor is not None and scope is not None:
        actor.require_scope(scope)
    if not rows:
        where = f" in scope {scope!r}" if scope else ""
        raise NotFoundError(f"{what} not found{where}")
    if len(rows) > 1:
        scopes = ", ".join(sorted({str(r["scope"]) for r in rows}))
        raise ConflictError(f"{what} exists in the scopes {scopes}: give ?scope=")
    return rows[0]


def scopes_of(actor: Actor | None) -> list[str] | None:
    return None if actor is None else actor.visible_scopes()


class IncidentService:
    def __init__(
        self, graph: Graph, audit: AuditTrail, access: Access, policy: SeverityPolicy
    ) -> None:
        self.graph = graph
        self.audit = audit
        self.access = access
        self.policy = policy

    # -- lookup ---------------------------------------------------------------------------

    def resolve_uid(
        self, incident_id: str, scope: str | None = None, actor: Actor | None = None
    ) -> str:
        """The uid of the incident ``incident_id`` in ``scope`` or, without one, in the scopes
        ``actor`` sees (every scope without an actor)."""
        rows = self.graph.read(
            q.INCIDENT_FIND, id=incident_id, scope=scope, scopes=scopes_of(actor)
        )
        return str(resolve_in_scopes(rows, f"incident {incident_id!r}", scope, actor)["uid"])

    def get_by_uid(self, incident_uid: str) -> Incident:
        row = self.graph.read_one(q.INCIDENT_GET, uid=incident_uid)
        if row is None:
            raise NotFoundError(f"incident {incident_uid!r} not found")
        return Incident.from_row(row["incident"], row["symptoms"])

    def get(
        self, incident_id: str, scope: str | None = None, actor: Actor | None = None
    ) -> Incident:
        return self.get_by_uid(self.resolve_uid(incident_id, scope, actor))

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
        actor.require(Role.responder)
        actor.require_scope(scope)
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
        params = {
            "uid": incident_uid,
            "scope": scope,
            "props": {k: v for k, v in props.items() if v is not None},
            "symptoms": [
                {
                    "service": s.service,
                    "signal": s.signal,
                    "metric": s.metric,
                    "component_uid": uid(scope, "Component", s.service),
                }
                for s in symptoms or []
            ],
            "at": utcnow(),
            **provenance(f"declared by {actor.name}"),
        }

        def work(tx: Tx) -> Audited[None]:
            if not tx.run(q.INCIDENT_DECLARE, **params):
                raise ConflictError(f"incident {id!r} already exists in scope {scope!r}")
            row = tx.run_one(q.INCIDENT_GET, uid=incident_uid)
            assert row is not None
            return Audited(None, None, Incident.from_row(row["incident"], row["symptoms"]).public())

        self.audit.change(actor, "incident.declare", incident_uid, work)
        return self.get_by_uid(incident_uid)

    def update(
        self, actor: Actor, incident_id: str, changes: dict[str, Any], *, scope: str | None = None
    ) -> Incident:
        """Set times, status, title or severity. ``resolved_at`` implies status resolved and
        ``mitigated_at`` status mitigated, unless a status is given."""
        allowed = {"title", "severity", "system", "status", *TIME_FIELDS}
        unknown = set(changes) - allowed
        if unknown:
            raise InputError(f"cannot update {', '.join(sorted(unknown))}")
        incident = self.get(incident_id, scope, actor)
        self.access.require_change(actor, incident.uid, incident.scope, f"incident {incident.id!r}")
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
        if "severity" in props and props["severity"] == incident.severity:
            props.pop("severity")
        if not props:
            return incident
        pm = self.graph.read_one(q.PM_STATE_OF_INCIDENT, uid=incident.uid)
        reopen = None
        if "severity" in props and pm is not None and pm["status"] != "draft":
            if actor.role < Role.reviewer:
                raise PermissionDeniedError(
                    f"{actor.name!r} has role {actor.role.name}; changing the severity of "
                    f"{incident.id!r} while its post-mortem {pm['id']} is {pm['status']} "
                    "needs reviewer or above (the severity decides the review gates)"
                )
            rule = self.policy.approval_rule(props["severity"])
            if (
                pm["status"] == "approved"
                and not approval_status(rule, pm["approvals"])["satisfied"]
            ):
                reopen = pm

        def work(tx: Tx) -> Audited[None]:
            row = tx.run_one(q.INCIDENT_UPDATE, uid=incident.uid, props=props)
            after: dict[str, Any] = dict(row["after"]) if row else {}
            if reopen is not None:
                moved = tx.run(
                    q.PM_TRANSITION,
                    uid=reopen["uid"],
                    from_status="approved",
                    to_status="in_review",
                    version=reopen["version"],
                    at=utcnow(),
                )
                if not moved:
                    raise ConflictError(f"post-mortem {reopen['id']} changed meanwhile; retry")
                after["postmortem"] = {"id": reopen["id"], "status": "in_review"}
            return Audited(None, row["before"] if row else None, after)

        self.audit.change(actor, "incident.update", incident.uid, work)
        return self.get_by_uid(incident.uid)

    def search(
        self,
        *,
        actor: Actor | None = None,
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
        if actor is not None and scope is not None:
            actor.require_scope(scope)
        rows = self.graph.read(
            q.INCIDENT_LIST,
            scope=scope,
            scopes=scopes_of(actor),
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
