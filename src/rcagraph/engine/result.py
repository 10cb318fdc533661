"""Typed results every ranker returns, and the contract's JSON answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rcagraph.engine.view import CauseKind


@dataclass(frozen=True, slots=True)
class Evidence:
    kind: str  # metric_anomaly, log_burst, new_log_template, alert, change, onset_order, path
    service: str | None
    at: datetime | None
    summary: str
    source: str | None = None
    source_ref: str | None = None
    weight: float = 0.0
    event_uid: str | None = None  # the graph node it rests on

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "service": self.service,
            "at": self.at.isoformat().replace("+00:00", "Z") if self.at else None,
            "summary": self.summary,
            "source": self.source,
            "source_ref": self.source_ref,
        }


@dataclass(frozen=True, slots=True)
class Candidate:
    kind: CauseKind
    service: str | None
    change_id: str | None
    score: float
    confidence: float
    path: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    features: dict[str, float] = field(default_factory=dict)
    target_uid: str | None = None  # the Change or Component node blamed


@dataclass(slots=True)
class Ranking:
    incident: str
    scope: str
    ranker: str
    abstained: bool
    candidates: list[Candidate]
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The answer of ``rcagraph rank BUNDLE --json``, as the contract defines it."""
        return {
            "incident": self.incident,
            "abstained": self.abstained,
            "candidates": [
                {
                    "rank": i,
                    "kind": c.kind,
                    "service": c.service,
                    "change_id": c.change_id,
                    "score": round(c.score, 6),
                    "confidence": round(c.confidence, 6),
                    "path": list(c.path),
                    "evidence": [e.to_json() for e in c.evidence],
                }
                for i, c in enumerate(self.candidates, start=1)
            ],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }
