"""Hypotheses in the graph: a ranking written back, and the one reader of what was written.

:func:`write_back` writes a :class:`~rcagraph.engine.result.Ranking` as ``:Hypothesis`` nodes
(with ``:Evidence``) linked to the incident, the blamed ``:Change``/``:Component`` and the event
nodes. :func:`read_hypotheses` reads them back as :class:`Hypothesis` records (with their
evidence, the blamed node and the responders' verdict): the API, the post-mortem draft,
verification and training read hypotheses through it; :func:`hypothesis_rows` is a compact
view of the same read (ids only), for checks and notebooks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import rcagraph.engine.queries as q
from rcagraph.__version__ import __version__
from rcagraph.engine.result import Ranking
from rcagraph.graph import Graph, native
from rcagraph.ids import uid


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


def write_back(graph: Graph, ranking: Ranking, run_id: str | None = None) -> str:
    """Write ``ranking`` as ``:Hypothesis`` nodes (with ``:Evidence``) linked to the incident,
    the blamed ``:Change``/``:Component`` and the event nodes. Idempotent per ``run_id``: the
    same run written twice leaves one copy. Returns the run id."""
    run = run_id or uuid.uuid4().hex[:12]
    scope = ranking.scope
    hyp_rows: list[dict[str, Any]] = []
    ev_rows: list[dict[str, Any]] = []
    for rank, c in enumerate(ranking.candidates, start=1):
        h_uid = uid(scope, "Hypothesis", ranking.incident, run, str(rank))
        hyp_rows.append(
            {
                "uid": h_uid,
                "rank": rank,
                "kind": c.kind,
                "service": c.service,
                "change_id": c.change_id,
                "score": float(c.score),
                "confidence": float(c.confidence),
                "path": list(c.path),
                "target_uid": c.target_uid,
            }
        )
        for j, e in enumerate(c.evidence):
            ev_rows.append(
                {
                    "uid": uid(scope, "Evidence", ranking.incident, run, str(rank), str(j)),
                    "hypothesis_uid": h_uid,
                    "kind": e.kind,
                    "service": e.service,
                    "at": e.at,
                    "summary": e.summary,
                    "weight": float(e.weight),
                    "source": e.source,
                    "source_ref": e.source_ref,
                    "event_uid": e.event_uid,
                }
            )
    graph.write(q.DELETE_RUN, scope=scope, run_id=run)
    common = {"scope": scope, "run_id": run, "version": __version__}
    graph.write_batches(
        q.WRITE_HYPOTHESES,
        hyp_rows,
        batch_size=500,
        extra={**common, "incident_id": ranking.incident, "ranker": ranking.ranker},
    )
    graph.write_batches(q.WRITE_EVIDENCE, ev_rows, batch_size=1000, extra=common)
    return run


def _event_label(labels: list[str] | None) -> str | None:
    for label in ("Change", "Anomaly", "LogEvent", "Alert", "Component"):
        if labels and label in labels:
            return label
    return None


def read_hypotheses(graph: Graph, incident_uid: str, *, all_runs: bool = False) -> list[Hypothesis]:
    """The hypotheses of the incident's newest ranking run (every run with ``all_runs``), by
    rank (with ``all_runs``: by run id, then rank)."""
    out: list[Hypothesis] = []
    for row in graph.read(q.HYPOTHESES_OF_INCIDENT, uid=incident_uid):
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


def hypothesis_rows(
    graph: Graph, incident_id: str, scope: str, run_id: str | None = None
) -> list[dict[str, Any]]:
    """The written hypotheses of an incident (optionally of one run), best first per run, as
    compact rows: rank, kind, service, change_id, confidence, run_id, ``blames`` (the uid of
    the blamed node) and ``evidence`` (summary, ``refers_to``: the uid of the event)."""
    return [
        {
            "rank": h.rank,
            "kind": h.kind,
            "service": h.service,
            "change_id": h.change_id,
            "confidence": h.confidence,
            "run_id": h.run_id,
            "blames": [h.target["uid"]] if h.target else [],
            "evidence": [{"summary": e.summary, "refers_to": e.ref_uid} for e in h.evidence],
        }
        for h in read_hypotheses(graph, uid(scope, "Incident", incident_id), all_runs=True)
        if run_id is None or h.run_id == run_id
    ]
