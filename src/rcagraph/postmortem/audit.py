"""The append-only audit trail: one AuditEntry per change made through the API.

There is deliberately no update or delete path: entries are only ever created and read.

A change and its entry are one unit (:meth:`AuditTrail.change`): one transaction writes the
data and ``MERGE``\\s the entry on an id fixed before the transaction starts, so either both are
in the graph or neither is. When the driver retries the transaction after a commit whose answer
was lost (a server lost at the wrong moment), the entry is found already there and the unit is
not applied a second time: a retried write is neither doubled nor reported as a conflict.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import rcagraph.postmortem.queries as q
from rcagraph.graph import Graph, Tx
from rcagraph.ids import uid
from rcagraph.postmortem.common import Actor, dumps, jsonable, native, utcnow

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    uid: str
    at: datetime
    actor: str
    actor_id: str | None
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
            "actor_id": self.actor_id,
            "role": self.role,
            "action": self.action,
            "target": self.target,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True, slots=True)
class Audited(Generic[T]):
    """What a unit of work did: its result, and the before/after its audit entry records."""

    result: T
    before: Any = None
    after: Any = None


@dataclass(frozen=True, slots=True)
class Applied(Generic[T]):
    """The outcome of :meth:`AuditTrail.change`: the work's result, or ``replayed`` when a retry
    found the unit committed already (the caller reads the current state instead)."""

    result: T | None
    replayed: bool = False


class AuditTrail:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    @staticmethod
    def entry_uid(action: str, target: str, key: str) -> str:
        return uid("audit", "AuditEntry", action, target, key)

    def change(
        self, actor: Actor, action: str, target: str, work: Callable[[Tx], Audited[T]]
    ) -> Applied[T]:
        """Run ``work`` and write its audit entry in one transaction.

        The entry's id is drawn once per call, before the transaction: the driver's retries of
        this call share it (and find it, after a lost commit answer), while another request
        making the same change gets its own and meets the usual checks (a duplicate, a stale
        version). Errors that ``work`` raises roll the transaction back.
        """
        entry = self.entry_uid(action, target, uuid.uuid4().hex)
        at = utcnow()

        def unit(tx: Tx) -> Applied[T]:
            if tx.run_one(q.AUDIT_EXISTS, uid=entry) is not None:
                return Applied(None, replayed=True)
            done = work(tx)
            tx.run(q.AUDIT_APPEND, **self._entry(entry, at, actor, action, target, done))
            return Applied(done.result)

        return self.graph.transaction(unit, action)

    def append(
        self, tx: Tx, actor: Actor, action: str, target: str, key: str, after: Any = None
    ) -> None:
        """An entry keyed on ``key`` (with ``action`` and ``target``), written in ``tx``: the
        caller's transaction, beside the data it audits. ``MERGE``\\d: the same key again (a
        driver's retry, a sender re-delivering the same payload) finds the first entry and
        writes nothing."""
        entry = self.entry_uid(action, target, key)
        tx.run(
            q.AUDIT_APPEND,
            **self._entry(entry, utcnow(), actor, action, target, Audited(None, None, after)),
        )

    def record(
        self, actor: Actor, action: str, target: str, before: Any = None, after: Any = None
    ) -> None:
        """An entry on its own (for changes whose data are written elsewhere, e.g. loads)."""
        entry = self.entry_uid(action, target, uuid.uuid4().hex)
        self.graph.write(
            q.AUDIT_APPEND,
            **self._entry(entry, utcnow(), actor, action, target, Audited(None, before, after)),
        )

    @staticmethod
    def _entry(
        entry: str, at: datetime, actor: Actor, action: str, target: str, done: Audited[Any]
    ) -> dict[str, Any]:
        return {
            "uid": entry,
            "at": at,
            "actor": actor.name,
            "actor_id": actor.key,
            "role": actor.role.name,
            "action": action,
            "target": target,
            "before": None if done.before is None else dumps(done.before),
            "after": None if done.after is None else dumps(done.after),
        }

    def query(
        self,
        *,
        target: str | None = None,
        actor: str | None = None,
        actor_id: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        scopes: list[str] | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[AuditEntry]:
        """Entries, newest first; ``scopes``: only entries whose target is in one of them."""
        rows = self.graph.read(
            q.AUDIT_QUERY,
            target=target,
            actor=actor,
            actor_id=actor_id,
            action=action,
            since=since,
            until=until,
            scopes=scopes,
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
                    actor_id=e.get("actor_id"),
                    role=e["role"],
                    action=e["action"],
                    target=e["target"],
                    before=e.get("before"),
                    after=e.get("after"),
                )
            )
        return out
