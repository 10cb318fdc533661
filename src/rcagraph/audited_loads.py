"""A load through the API and its audit entry as one unit (issue 13): the receivers' payloads
and bundle uploads, audited with the actor who sent them.

:class:`IngestAudit` is the :class:`~rcagraph.loaders.base.Acknowledgement` the core object
hands the receivers: its entry is ``ingest.<kind>`` on the target ``<scope>|Delivery|<what was
sent>``, keyed on the delivery (the endpoint and the sha256 of what was sent), written in the
load's own transaction for a receiver's payload and with the ``:Load`` record for a bundle
(after an ``ingest.bundle.begin`` entry that commits before the bundle's first write).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from rcagraph.graph import Graph, Tx
from rcagraph.ids import uid
from rcagraph.loaders.base import LoadReport
from rcagraph.postmortem.audit import AuditTrail
from rcagraph.postmortem.common import Actor


def delivery_target(scope: str, delivery: str) -> str:
    """The audit target of a delivery: in its scope, so scoped tokens see it."""
    return uid(scope, "Delivery", delivery)


@dataclass(frozen=True, slots=True)
class IngestAudit:
    """The audit entry of one delivery to the receiver ``kind`` in ``scope`` by ``actor``."""

    audit: AuditTrail
    actor: Actor
    kind: str
    scope: str

    @property
    def action(self) -> str:
        return f"ingest.{self.kind}"

    def begin(self, graph: Graph, delivery: str) -> None:
        target = delivery_target(self.scope, delivery)
        graph.transaction(
            lambda tx: self.audit.append(
                tx, self.actor, f"{self.action}.begin", target, "", {"scope": self.scope}
            ),
            f"{self.action}.begin",
        )

    def commit(self, tx: Tx, delivery: str, report: LoadReport) -> None:
        target = delivery_target(self.scope, delivery)
        self.audit.append(tx, self.actor, self.action, target, "", summary(report, delivery))


def summary(report: LoadReport, delivery: str) -> dict[str, Any]:
    """What an ingest entry records: the delivery, the scope, the counts per kind, rejections."""
    return {
        "delivery": delivery,
        "scope": report.scope,
        "kinds": {k: asdict(v) for k, v in sorted(report.kinds.items())},
        "rejected": report.rejected,
    }
