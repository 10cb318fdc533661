"""Remediation actions: owner, due date, status, success criterion, ticket; overdue listing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import rcagraph.postmortem.queries as q
from rcagraph.errors import ConflictError, GraphConstraintError, InputError, WorkflowError
from rcagraph.graph import Graph, Tx
from rcagraph.ids import uid
from rcagraph.postmortem.audit import Audited, AuditTrail
from rcagraph.postmortem.common import (
    Actor,
    Role,
    jsonable,
    jsonable_dict,
    native,
    provenance,
    utcnow,
)
from rcagraph.postmortem.incidents import resolve_in_scopes, scopes_of
from rcagraph.postmortem.postmortems import PostMortemService

STATUSES: tuple[str, ...] = ("open", "in_progress", "done", "verified", "reopened", "cancelled")
OPEN_STATUSES: tuple[str, ...] = ("open", "in_progress", "reopened")
#: which status may follow which (``verified`` and a regression's ``reopened`` come from verify)
TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"in_progress", "done", "cancelled"}),
    "in_progress": frozenset({"open", "done", "cancelled"}),
    "done": frozenset({"reopened"}),
    "verified": frozenset({"reopened"}),
    "reopened": frozenset({"in_progress", "done", "cancelled"}),
    "cancelled": frozenset({"open"}),
}
EDITABLE: frozenset[str] = frozenset({"title", "owner", "due", "success_criterion", "ticket_url"})


class ActionService:
    def __init__(self, graph: Graph, postmortems: PostMortemService, audit: AuditTrail) -> None:
        self.graph = graph
        self.postmortems = postmortems
        self.audit = audit

    def _find(
        self, action_id: str, scope: str | None = None, actor: Actor | None = None
    ) -> dict[str, Any]:
        rows = self.graph.read(q.ACTION_FIND, id=action_id, scope=scope, scopes=scopes_of(actor))
        row = resolve_in_scopes(rows, f"action {action_id!r}", scope, actor)
        return {
            **native(row["a"]),
            "postmortem_id": row["postmortem_id"],
            "pm_uid": row["pm_uid"],
            "incident_uid": row["incident_uid"],
        }

    def get(
        self, action_id: str, scope: str | None = None, actor: Actor | None = None
    ) -> dict[str, Any]:
        a = self._find(action_id, scope, actor)
        a.pop("pm_uid", None)
        a.pop("incident_uid", None)
        return jsonable_dict(a)

    def of_postmortem(
        self, pm_id: str, scope: str | None = None, actor: Actor | None = None
    ) -> list[dict[str, Any]]:
        pm = self.postmortems.get(pm_id, scope, actor)
        return [jsonable(r["a"]) for r in self.graph.read(q.ACTIONS_OF_PM, pm_uid=pm.uid)]

    def search(
        self,
        *,
        actor: Actor | None = None,
        scope: str | None = None,
        status: str | None = None,
        owner: str | None = None,
        overdue: bool = False,
        today: date | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        if actor is not None and scope is not None:
            actor.require_scope(scope)
        rows = self.graph.read(
            q.ACTIONS_LIST,
            scope=scope,
            scopes=scopes_of(actor),
            status=status,
            owner=owner,
            overdue=overdue,
            today=today or utcnow().date(),
            limit=limit,
            offset=offset,
        )
        return [jsonable(r["a"]) for r in rows]

    def add(
        self,
        actor: Actor,
        pm_id: str,
        *,
        title: str,
        owner: str,
        due: date,
        success_criterion: str,
        ticket_url: str | None = None,
        service: str | None = None,
        scope: str | None = None,
    ) -> dict[str, Any]:
        actor.require(Role.responder)
        pm = self.postmortems.get(pm_id, scope, actor)
        self.postmortems.access.require_change(
            actor, pm.incident_uid, pm.scope, f"the actions of post-mortem {pm.id}"
        )
        n = int(self.graph.read_value(q.ACTION_COUNT, pm_uid=pm.uid) or 0) + 1
        action_id = f"{pm.id}-A{n}"
        action_uid = uid(pm.scope, "Action", action_id)
        at = utcnow()
        props = {
            "id": action_id,
            "title": title,
            "owner": owner,
            "due": due,
            "status": "open",
            "success_criterion": success_criterion,
            "ticket_url": ticket_url,
            "kind": "other",
            "service": service,
        }

        def work(tx: Tx) -> Audited[None]:
            tx.run(
                q.ACTIONS_CREATE,
                pm_uid=pm.uid,
                rows=[{"uid": action_uid, "addresses": [], "props": props}],
                at=at,
                **provenance(f"added by {actor.name}"),
            )
            return Audited(None, None, {"uid": action_uid, "postmortem_id": pm.id, **props})

        try:
            self.audit.change(actor, "action.create", action_uid, work)
        except GraphConstraintError as exc:
            raise ConflictError(f"action {action_id} was added concurrently; retry") from exc
        return self.get(action_id, pm.scope)

    def update(
        self,
        actor: Actor,
        action_id: str,
        changes: dict[str, Any],
        *,
        system: bool = False,
        scope: str | None = None,
    ) -> dict[str, Any]:
        """Change fields and/or status. ``verified`` is set by verification only."""
        actor.require(Role.responder)
        bad = set(changes) - EDITABLE - {"status"}
        if bad:
            raise InputError(f"cannot update {', '.join(sorted(bad))}")
        current = self._find(action_id, scope, actor)
        self.postmortems.access.require_change(
            actor,
            current["incident_uid"],
            current["scope"],
            f"action {action_id}",
            also=frozenset({current["owner"]}) if current.get("owner") else frozenset(),
        )
        props = {k: v for k, v in changes.items() if v is not None}
        if isinstance(props.get("due"), datetime):
            props["due"] = props["due"].date()
        status = props.get("status")
        if status is not None:
            if status not in STATUSES:
                raise InputError(f"status must be one of {', '.join(STATUSES)}", field="status")
            if status == current["status"]:
                props.pop("status")
            elif not system and status == "verified":
                raise WorkflowError("an action becomes verified only through verification")
            elif status not in TRANSITIONS[current["status"]]:
                raise WorkflowError(
                    f"action {action_id} cannot go from {current['status']} to {status}"
                )
            if status == "done":
                props["done_at"] = utcnow()
        if not props:
            return self.get(action_id, current["scope"])
        props["updated_at"] = utcnow()

        def work(tx: Tx) -> Audited[None]:
            row = tx.run_one(
                q.ACTION_UPDATE,
                uid=current["uid"],
                expected_status=current["status"],
                props=props,
            )
            if row is None:
                raise WorkflowError(f"action {action_id} changed meanwhile; reload and retry")
            return Audited(None, row["before"], row["after"])

        self.audit.change(actor, "action.update", current["uid"], work)
        return self.get(action_id, current["scope"])
