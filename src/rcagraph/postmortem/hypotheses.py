"""Ranked hypotheses of an incident (written by the engine) and responders' verdicts on them.

A verdict (confirmed or refuted, by whom, when) is stored on the Hypothesis node itself, so the
graph keeps labelled history that a learned ranker can train on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rcagraph.errors import InputError, NotFoundError
from rcagraph.graph import Graph
from rcagraph.postmortem import queries as q
from rcagraph.postmortem.audit import AuditTrail
from rcagraph.postmortem.common import Actor, native, utcnow
from rcagraph.postmortem.incidents import IncidentService

if TYPE_CHECKING:
    from rcagraph.core import RcaGraph

VERDICTS: tuple[str, ...] = ("confirmed", "refuted")


@dataclass(slots=True)
class EvidenceItem:
    kind: str
    service: str | None
    at: datetime | None
    summary: str
    weight: float | None
    ref_uid: str | None
    ref_label: str | None
    source: str | None
    source_ref: str | None


@dataclass(slots=True)
class Hypothesis:
    uid: str
    rank: int
    kind: str
    service: str | None
    change_id: str | None
    score: float | None
    confidence: float | None
    path: list[str]
    ranker: str | None
    run_id: str | None
    created_at: datetime | None
    verdict: str | None
    verdict_by: str | None
    verdict_at: datetime | None
    target: dict[str, Any] | None
    evidence: list[EvidenceItem] = field(default_factory=list)

    @property
    def change_kind(self) -> str | None:
        """The blamed change's own kind (deploy, flag, config, infra, scale, …), if a change."""
        if self.target and "Change" in (self.target.get("labels") or []):
            kind = self.target.get("kind")
            return str(kind) if kind else None
        return None


def _event_label(labels: list[str] | None) -> str | None:
    for label in ("Change", "Anomaly", "LogEvent", "Alert", "Component"):
        if labels and label in labels:
            return label
    return None


class HypothesisService:
    def __init__(
        self, rca: RcaGraph, graph: Graph, incidents: IncidentService, audit: AuditTrail
    ) -> None:
        self.rca = rca
        self.graph = graph
        self.incidents = incidents
        self.audit = audit

    def for_incident_uid(self, incident_uid: str, *, all_runs: bool = False) -> list[Hypothesis]:
        """The hypotheses of the newest ranking run (every run with ``all_runs``), by rank."""
        out: list[Hypothesis] = []
        for row in self.graph.read(q.HYPOTHESES_OF_INCIDENT, uid=incident_uid):
            h = native(row["h"])
            targets = native(row["targets"])
            evidence = [
                EvidenceItem(
                    kind=e.get("kind") or "",
                    service=e.get("service"),
                    at=e.get("at"),
                    summary=e.get("summary") or "",
                    weight=e.get("weight"),
                    ref_uid=e.get("ref_uid"),
                    ref_label=_event_label(e.get("ref_labels")),
                    source=e.get("ref_source"),
                    source_ref=e.get("ref_source_ref"),
                )
                for e in native(row["evidence"])
            ]
            evidence.sort(key=lambda e: (-(e.weight or 0.0), e.kind, e.summary))
            out.append(
                Hypothesis(
                    uid=h["uid"],
                    rank=int(h.get("rank") or 0),
                    kind=h.get("kind") or "service",
                    service=h.get("service"),
                    change_id=h.get("change_id"),
                    score=h.get("score"),
                    confidence=h.get("confidence"),
                    path=list(h.get("path") or []),
                    ranker=h.get("ranker"),
                    run_id=h.get("run_id"),
                    created_at=h.get("created_at"),
                    verdict=h.get("verdict"),
                    verdict_by=h.get("verdict_by"),
                    verdict_at=h.get("verdict_at"),
                    target=targets[0] if targets else None,
                    evidence=evidence,
                )
            )
        if not all_runs and out:
            newest = out[0].run_id
            out = [h for h in out if h.run_id == newest]
        out.sort(key=lambda h: (h.run_id or "", h.rank) if all_runs else (h.rank, h.uid))
        return out

    def for_incident(self, incident_id: str, scope: str | None = None) -> list[Hypothesis]:
        return self.for_incident_uid(self.incidents.resolve_uid(incident_id, scope))

    def rank(self, actor: Actor, incident_id: str, scope: str | None = None) -> list[Hypothesis]:
        """Run the engine on the incident (it writes Hypothesis nodes back), then read them."""
        incident = self.incidents.get(incident_id, scope)
        from rcagraph.engine.service import rank_incident, write_back

        ranking = rank_incident(self.rca, incident.id, incident.scope)
        write_back(self.rca, ranking)
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
        if found is None:
            raise NotFoundError(f"hypothesis {hypothesis_uid!r} not found")
        rows = self.graph.write(
            q.HYPOTHESIS_VERDICT, uid=hypothesis_uid, verdict=verdict, by=actor.name, at=utcnow()
        )
        self.audit.record(
            actor, "hypothesis.verdict", hypothesis_uid, rows[0]["before"], rows[0]["after"]
        )
        for h in self.for_incident_uid(str(found["incident_uid"]), all_runs=True):
            if h.uid == hypothesis_uid:
                return h
        raise NotFoundError(f"hypothesis {hypothesis_uid!r} not found")  # pragma: no cover
