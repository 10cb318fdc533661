"""Ranked hypotheses of an incident (written by the engine) and responders' verdicts on them.

A verdict (confirmed or refuted, by whom, when) is stored on the Hypothesis node itself, so the
graph keeps labelled history that a learned ranker can train on. Hypotheses are read through
:func:`rcagraph.engine.writeback.read_hypotheses`; :func:`hypothesis_json` is their one JSON
form (the API answers with it; a post-mortem document keeps :func:`document_hypothesis`, the
same form without the run's bookkeeping).
"""

from __future__ import annotations

from typing import Any

import rcagraph.postmortem.queries as q
from rcagraph.engine.service import rank_incident
from rcagraph.engine.writeback import Hypothesis, read_hypotheses, write_back
from rcagraph.errors import InputError, NotFoundError
from rcagraph.graph import Graph, Tx
from rcagraph.postmortem.access import Access
from rcagraph.postmortem.audit import Audited, AuditTrail
from rcagraph.postmortem.common import Actor, jsonable_dict, utcnow
from rcagraph.postmortem.incidents import IncidentService

VERDICTS: tuple[str, ...] = ("confirmed", "refuted")

#: the fields of a hypothesis, and of its evidence, that a post-mortem document keeps
DOCUMENT_FIELDS: tuple[str, ...] = (
    "uid",
    "rank",
    "kind",
    "service",
    "change_id",
    "confidence",
    "score",
    "path",
    "verdict",
    "description",
)
DOCUMENT_EVIDENCE_FIELDS: tuple[str, ...] = (
    "kind",
    "service",
    "at",
    "summary",
    "source",
    "source_ref",
    "node_uid",
)


def describe_hypothesis(h: Hypothesis) -> str:
    """The hypothesis in words (blameless: it names the change or component, never a person)."""
    t = h.target or {}
    service = h.service or "an unknown component"
    if h.kind == "deploy":
        version = f" (version {t['version']})" if t.get("version") else ""
        return f"the deploy {h.change_id or ''} of {service}{version}".replace("  ", " ")
    if h.kind == "flag":
        return f"the change to feature flag {t.get('flag_key') or h.change_id} ({service})"
    if h.kind in {"config", "infra"}:
        summary = f": {t['summary']}" if t.get("summary") else ""
        return f"the {t.get('kind') or h.kind} change {h.change_id} on {service}{summary}"
    return f"a fault in {service} with no recorded change"


def hypothesis_json(h: Hypothesis) -> dict[str, Any]:
    """A hypothesis as JSON: the candidate, its scores, run, verdict and evidence (each item
    with the node it refers to and that node's source)."""
    return jsonable_dict(
        {
            "uid": h.uid,
            "rank": h.rank,
            "kind": h.kind,
            "service": h.service,
            "change_id": h.change_id,
            "score": h.score,
            "confidence": h.confidence,
            "path": h.path,
            "ranker": h.ranker,
            "run_id": h.run_id,
            "created_at": h.created_at,
            "description": describe_hypothesis(h),
            "verdict": h.verdict,
            "verdict_by": h.verdict_by,
            "verdict_at": h.verdict_at,
            "evidence": [
                {
                    "kind": e.kind,
                    "service": e.service,
                    "at": e.at,
                    "summary": e.summary,
                    "weight": e.weight,
                    "node_uid": e.ref_uid,
                    "node_label": e.ref_label,
                    "source": e.source,
                    "source_ref": e.source_ref,
                }
                for e in h.evidence
            ],
        }
    )


def document_hypothesis(h: Hypothesis) -> dict[str, Any]:
    """The part of :func:`hypothesis_json` a post-mortem document keeps (:data:`DOCUMENT_FIELDS`
    and :data:`DOCUMENT_EVIDENCE_FIELDS`)."""
    full = hypothesis_json(h)
    out = {k: full[k] for k in DOCUMENT_FIELDS}
    out["evidence"] = [{k: e[k] for k in DOCUMENT_EVIDENCE_FIELDS} for e in full["evidence"]]
    return out


class HypothesisService:
    def __init__(
        self, graph: Graph, incidents: IncidentService, audit: AuditTrail, access: Access
    ) -> None:
        self.graph = graph
        self.incidents = incidents
        self.audit = audit
        self.access = access

    def for_incident_uid(self, incident_uid: str, *, all_runs: bool = False) -> list[Hypothesis]:
        """The hypotheses of the newest ranking run (every run with ``all_runs``), by rank."""
        return read_hypotheses(self.graph, incident_uid, all_runs=all_runs)

    def for_incident(
        self, incident_id: str, scope: str | None = None, actor: Actor | None = None
    ) -> list[Hypothesis]:
        return self.for_incident_uid(self.incidents.resolve_uid(incident_id, scope, actor))

    def rank(self, actor: Actor, incident_id: str, scope: str | None = None) -> list[Hypothesis]:
        """Run the engine on the incident (it writes Hypothesis nodes back), then read them."""
        incident = self.incidents.get(incident_id, scope, actor)
        self.access.require_change(
            actor, incident.uid, incident.scope, f"the ranking of incident {incident.id!r}"
        )
        ranking = rank_incident(self.graph, incident.id, incident.scope)
        write_back(self.graph, ranking)
        hypotheses = self.for_incident_uid(incident.uid)
        self.audit.record(
            actor,
            "incident.rank",
            incident.uid,
            None,
            [{"rank": h.rank, "kind": h.kind, "service": h.service} for h in hypotheses],
        )
        return hypotheses

    def set_verdict(self, actor: Actor, hypothesis_uid: str, verdict: str) -> Hypothesis:
        if verdict not in VERDICTS:
            raise InputError(f"verdict must be one of {', '.join(VERDICTS)}", field="verdict")
        found = self.graph.read_one(q.HYPOTHESIS_GET, uid=hypothesis_uid)
        if found is None or not actor.sees(str(found["scope"])):
            raise NotFoundError(f"hypothesis {hypothesis_uid!r} not found")
        self.access.require_change(
            actor,
            str(found["incident_uid"]),
            str(found["scope"]),
            f"the hypotheses of incident {found['incident_id']!r}",
        )
        at = utcnow()

        def work(tx: Tx) -> Audited[None]:
            row = tx.run_one(
                q.HYPOTHESIS_VERDICT, uid=hypothesis_uid, verdict=verdict, by=actor.name, at=at
            )
            if row is None:
                raise NotFoundError(f"hypothesis {hypothesis_uid!r} not found")
            return Audited(None, row["before"], row["after"])

        self.audit.change(actor, "hypothesis.verdict", hypothesis_uid, work)
        for h in self.for_incident_uid(str(found["incident_uid"]), all_runs=True):
            if h.uid == hypothesis_uid:
                return h
        raise NotFoundError(f"hypothesis {hypothesis_uid!r} not found")  # pragma: no cover
