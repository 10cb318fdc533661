"""Remediation actions: owner, due date, status, success criterion, ticket; overdue listing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import rcagraph.postmortem.queries as q
from rcagraph.errors import InputError, NotFoundError, WorkflowError
from rcagraph.graph import Graph
from rcagraph.ids import uid
from rcagraph.postmortem.audit import AuditTrail
from rcagraph.postmortem.common import (
    Actor,
    Role,
    jsonable,
    jsonable_dict,
    native,
    provenance,
    utcnow,
)
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

    def _find(self, action_id: str) -> dict[str, Any]:
        row = self.graph.read_one(q.ACTION_FIND, id=action_id)
        if row is None:
            raise NotFoundError(f"action {action_id!r} not found")
        return {**native(row["a"]), "postmortem_id": row["postmortem_id"], "pm_uid": row["pm_uid"]}

    def get(self, action_id: str) -> dict[str, Any]:
        a = self._find(action_id)
        a.pop("pm_uid", None)
        return jsonable_dict(a)

    def of_postmortem(self, pm_id: str) -> list[dict[str, Any]]:
        pm = self.postmortems.get(pm_id)
        return [jsonable(r["a"]) for r in self.graph.read(q.ACTIONS_OF_PM, pm_uid=pm.uid)]

    def search(
        self,
        *,
        status: str | None = None,
        owner: str | None = None,
        overdue: bool = False,
        today: date | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        rows = self.graph.read(
            q.ACTIONS_LIST,
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
    ) -> dict[str, Any]:
        actor.require(Role.responder)
        pm = self.postmortems.get(pm_id)
        n = int(self.graph.read_value(q.ACTION_COUNT, pm_uid=pm.uid) or 0) + 1
        action_id = f"{pm.id}-A{n}"
        at = utcnow()
        self.graph.write(
            q.ACTIONS_CREATE,
            pm_uid=pm.uid,
            rows=[
                {
                    "uid": uid(pm.scope, "Action", action_id),
                    "addresses": [],
                    "props": {
                        "id": action_id,
                        "title": title,
                        "owner": owner,
                        "due": due,
                        "status": "open",
                        "success_criterion": success_criterion,
                        "ticket_url": ticket_url,
                        "kind": "other",
                        "service": service,
                    },
                }
            ],
            at=at,
            **provenance(f"added by {actor.name}"),
        )
        created = self.get(action_id)
        self.audit.record(actor, "action.create", created["uid"], None, created)
        return created

    def update(
        self, actor: Actor, action_id: str, changes: dict[str, Any], *, system: bool = False
    ) -> dict[str, Any]:
        """Change fields and/or status. ``verified`` is set by verification only."""
        actor.require(Role.responder)
        bad = set(changes) - EDITABLE - {"status"}
        if bad:
            raise InputError(f"cannot update {', '.join(sorted(bad))}")
        current = self._find(action_id)
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
            return self.get(action_id)
        props["updated_at"] = utcnow()
        rows = self.graph.write(
            q.ACTION_UPDATE, uid=current["uid"], expected_status=current["status"], props=props
        )
        if not rows:
            raise WorkflowError(f"action {action_id} changed meanwhile; reload and retry")
        self.audit.record(
            actor, "action.update", current["uid"], rows[0]["before"], rows[0]["after"]
        )
        return self.get(action_id)
