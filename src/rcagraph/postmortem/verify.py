"""Verification after remediation: does the incident's failure signature come back?

The signature is what the incident looked like in telemetry: (component, anomaly metric,
direction) and (component, log template) of the evidence behind the root-cause hypotheses, or,
where they have none, of the anomalies and log episodes on the symptom and root-cause
components during the incident. ``verify`` looks for the same signature in telemetry after the
last action was done. A match is a regression: the actions concerning that component are
reopened; otherwise the done actions become verified. Each run is a Verification node.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import rcagraph.postmortem.queries as q
from rcagraph.errors import WorkflowError
from rcagraph.graph import Graph, Tx
from rcagraph.postmortem.actions import ActionService
from rcagraph.postmortem.audit import Audited, AuditTrail
from rcagraph.postmortem.common import (
    Actor,
    Role,
    dumps,
    jsonable,
    jsonable_dict,
    native,
    provenance,
    utcnow,
)
from rcagraph.postmortem.documents import PostMortem
from rcagraph.postmortem.postmortems import PostMortemService

FINISHED = ("done", "verified", "cancelled")


@dataclass(frozen=True, slots=True)
class VerificationResult:
    uid: str
    at: datetime
    regressed: bool
    since: datetime
    signature: list[dict[str, Any]]
    recurrences: list[dict[str, Any]]
    reopened: list[str]
    verified: list[str]

    def to_json(self) -> dict[str, Any]:
        return jsonable_dict(
            {
                "uid": self.uid,
                "at": self.at,
                "regressed": self.regressed,
                "since": self.since,
                "signature": self.signature,
                "recurrences": self.recurrences,
                "reopened": self.reopened,
                "verified": self.verified,
            }
        )


class Verifier:
    def __init__(
        self,
        graph: Graph,
        postmortems: PostMortemService,
        actions: ActionService,
        audit: AuditTrail,
    ) -> None:
        self.graph = graph
        self.postmortems = postmortems
        self.actions = actions
        self.audit = audit

    def signature(self, pm: PostMortem) -> list[dict[str, Any]]:
        hyps = self.postmortems.hypotheses.for_incident_uid(pm.incident_uid)
        causes = [h for h in hyps if h.verdict == "confirmed"] or [
            h for h in hyps if h.verdict != "refuted"
        ][:1]
        sig = [
            dict(r)
            for r in self.graph.read(
                q.SIGNATURE_FROM_EVIDENCE, hypothesis_uids=[h.uid for h in causes]
            )
        ]
        if not sig:
            incident = self.postmortems.incidents.get_by_uid(pm.incident_uid)
            services = {s["service"] for s in incident.symptoms} | {
                h.service for h in causes if h.service
            }
            start = incident.started_at or incident.detected_at or utcnow()
            end = incident.resolved_at or incident.mitigated_at or utcnow()
            sig = [
                dict(r)
                for r in self.graph.read(
                    q.SIGNATURE_FROM_WINDOW,
                    scope=pm.scope,
                    since=start - timedelta(minutes=15),
                    until=end,
                    services=sorted(services),
                )
            ]
        return [s for s in sig if s.get("service")]

    def verify(self, actor: Actor, pm_id: str, scope: str | None = None) -> VerificationResult:
        actor.require(Role.responder)
        pm = self.postmortems.get(pm_id, scope, actor)
        self.postmortems.access.require_change(
            actor, pm.incident_uid, pm.scope, f"post-mortem {pm.id} (its verification)"
        )
        actions = [native(r["a"]) for r in self.graph.read(q.ACTIONS_OF_PM, pm_uid=pm.uid)]
        pending = [a["id"] for a in actions if a["status"] not in FINISHED]
        if pending:
            raise WorkflowError(
                f"actions not done yet: {', '.join(pending)}; verify after remediation"
            )
        done = [a for a in actions if a["status"] in ("done", "verified")]
        if not done:
            raise WorkflowError(f"post-mortem {pm_id} has no done actions to verify")
        since = max(a.get("done_at") or a["created_at"] for a in done)
        signature = self.signature(pm)
        recurrences = (
            [
                native(r)
                for r in self.graph.read(
                    q.RECURRENCES, scope=pm.scope, since=since, signatures=signature
                )
            ]
            if signature
            else []
        )
        regressed = bool(recurrences)
        regressed_services = {r["service"] for r in recurrences}
        reopened: list[str] = []
        verified: list[str] = []
        at = utcnow()
        for a in done:
            concerns = (a.get("service") in regressed_services) or not a.get("service")
            if regressed and (
                concerns or not any(x.get("service") in regressed_services for x in done)
            ):
                reopened.append(a["id"])
            elif not regressed:
                verified.append(a["id"])
        rows = [{"uid": a["uid"], "status": "reopened"} for a in done if a["id"] in reopened]
        rows += [{"uid": a["uid"], "status": "verified"} for a in done if a["id"] in verified]
        ver_uid = f"{pm.scope}|Verification|{pm.id}|{uuid.uuid4().hex[:12]}"
        details = {
            "since": since,
            "signature": signature,
            "recurrences": recurrences,
            "reopened": reopened,
            "verified": verified,
        }

        def work(tx: Tx) -> Audited[None]:
            tx.run(q.ACTIONS_SET_STATUS, rows=rows, at=at)
            tx.run(
                q.VERIFICATION_CREATE,
                pm_uid=pm.uid,
                uid=ver_uid,
                at=at,
                regressed=regressed,
                details=dumps(details),
                action_uids=[a["uid"] for a in done],
                **provenance(f"verified by {actor.name}"),
            )
            after = {"regressed": regressed, "reopened": reopened, "verified": verified}
            return Audited(None, None, after)

        self.audit.change(actor, "postmortem.verify", pm.uid, work)
        return VerificationResult(
            uid=ver_uid,
            at=at,
            regressed=regressed,
            since=since,
            signature=signature,
            recurrences=recurrences,
            reopened=reopened,
            verified=verified,
        )

    def history(
        self, pm_id: str, scope: str | None = None, actor: Actor | None = None
    ) -> list[dict[str, Any]]:
        pm = self.postmortems.get(pm_id, scope, actor)
        return [jsonable(r["v"]) for r in self.graph.read(q.VERIFICATIONS_OF_PM, pm_uid=pm.uid)]
