"""The append-only audit trail: one AuditEntry per change made through the API.

There is deliberately no update or delete path: entries are only ever created and read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import rcagraph.postmortem.queries as q
from rcagraph.graph import Graph
from rcagraph.postmortem.common import Actor, dumps, jsonable, native, utcnow


@dataclass(frozen=True, slots=True)
class AuditEntry:
    uid: str
    at: datetime
    actor: str
    role: str
    action: str
    target: str
    before: str | None
    after: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "at": jsonable(self.at),
            "actor": self.actor,
            "role": self.role,
            "action": self.action,
            "target": self.target,
            "before": self.before,
            "after": self.after,
        }


class AuditTrail:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def record(
        self, actor: Actor, action: str, target: str, before: Any = None, after: Any = None
    ) -> None:
        self.graph.write(
            q.AUDIT_APPEND,
            uid=f"audit|{uuid.uuid4().hex}",
            at=utcnow(),
            actor=actor.name,
            role=actor.role.name,
            action=action,
            target=target,
            before=None if before is None else dumps(before),
            after=None if after is None else dumps(after),
        )

    def query(
        self,
        *,
        target: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[AuditEntry]:
        rows = self.graph.read(
            q.AUDIT_QUERY,
            target=target,
            actor=actor,
            action=action,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        )
        out = []
        for r in rows:
            e = native(r["e"])
            out.append(
                AuditEntry(
                    uid=e["uid"],
                    at=e["at"],
                    actor=e["actor"],
                    role=e["role"],
                    action=e["action"],
                    target=e["target"],
                    before=e.get("before"),
                    after=e.get("after"),
                )
            )
        return out
