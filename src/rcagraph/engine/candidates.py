"""Scored candidate features → the ranked :class:`~rcagraph.engine.result.Candidate` list of a
:class:`~rcagraph.engine.result.Ranking` (the packaging every feature-based ranker shares)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from rcagraph.engine.features import CandidateFeatures
from rcagraph.engine.result import Candidate, Evidence


def to_candidates(
    cands: Sequence[CandidateFeatures],
    scores: Sequence[float],
    confidences: Sequence[float],
    max_candidates: int,
    max_evidence: int,
    tiebreak: Sequence[float] | None = None,
) -> list[Candidate]:
    """Order scored candidates best first (ties: higher ``tiebreak``, then changes first, then
    by name) and package them."""
    order = sorted(
        range(len(cands)),
        key=lambda i: (
            -scores[i],
            -(tiebreak[i] if tiebreak else 0.0),
            -cands[i].features.get("is_change", 0.0),
            cands[i].service or "",
            cands[i].change_id or "",
        ),
    )[:max_candidates]
    out = []
    for i in order:
        c = cands[i]
        ev = sorted(c.evidence, key=lambda e: -e.weight)[:max_evidence]
        out.append(
            Candidate(
                kind=c.kind,
                service=c.service,
                change_id=c.change_id,
                score=float(scores[i]),
                confidence=float(min(1.0, max(0.0, confidences[i]))),
                path=c.path,
                evidence=tuple(_weighted(e, scores[i]) for e in ev),
                features=dict(c.features),
                target_uid=c.target_uid,
            )
        )
    return out


def _weighted(e: Evidence, score: float) -> Evidence:
    return replace(e, weight=round(float(e.weight) * score, 6))
