"""Ranking an incident in the graph, and evaluating rankings against truth.

Metrics follow the bundle contract exactly: a candidate is a *change-level hit* when its
``change_id`` equals truth's (for truth kind ``service``: its kind is ``service`` and its
service equals truth's), a *service-level hit* when its ``service`` equals truth's. AC@k is the
share of incidents with a hit among the first k candidates; Avg@5 the mean of AC@1…AC@5; MRR
the mean of 1/rank of the first hit (0 where there is none). Writing a ranking back to the
graph, and reading it, is :mod:`rcagraph.engine.writeback`.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rcagraph.engine.base import Ranker, Truth
from rcagraph.engine.extract import ExtractConfig, extract_view
from rcagraph.engine.gc_pause import gc_paused
from rcagraph.engine.result import Candidate, Ranking
from rcagraph.engine.scorer import DefaultScorer
from rcagraph.graph import Graph


def rank_incident(
    graph: Graph,
    incident_id: str,
    scope: str,
    ranker: Ranker | None = None,
    extract: ExtractConfig | None = None,
) -> Ranking:
    """Extract the incident's view from ``scope`` and rank it (default scorer unless a ranker is
    given); timings in ``timings_ms`` (``extract``, ``score`` and ``rank`` = both). Reads that
    scope only; writes nothing. The cyclic garbage collector is paused meanwhile
    (:func:`~rcagraph.engine.gc_pause.gc_paused`)."""
    r = ranker if ranker is not None else DefaultScorer()
    with gc_paused():  # the view's objects die by reference count (see engine.gc_pause)
        t0 = time.perf_counter()
        view = extract_view(graph, incident_id, scope, extract)
        t1 = time.perf_counter()
        ranking = r.rank(view)
        t2 = time.perf_counter()
    ranking.timings_ms.update(
        {"extract": (t1 - t0) * 1000, "score": (t2 - t1) * 1000, "rank": (t2 - t0) * 1000}
    )
    return ranking


# -- evaluation ------------------------------------------------------------------------------


def first_hit(candidates: Sequence[Candidate], hit: Callable[[Candidate], bool]) -> int | None:
    """1-based rank of the first hit, or None."""
    for i, c in enumerate(candidates, start=1):
        if hit(c):
            return i
    return None


@dataclass(frozen=True, slots=True)
class Metrics:
    n: int
    ac1: float
    ac3: float
    avg5: float
    mrr: float

    @classmethod
    def of(cls, ranks: Sequence[int | None]) -> Metrics:
        n = len(ranks)
        if n == 0:
            return cls(0, 0.0, 0.0, 0.0, 0.0)

        def ac(k: int) -> float:
            return sum(1 for r in ranks if r is not None and r <= k) / n

        return cls(
            n=n,
            ac1=ac(1),
            ac3=ac(3),
            avg5=sum(ac(k) for k in range(1, 6)) / 5,
            mrr=sum(1.0 / r for r in ranks if r is not None) / n,
        )

    def to_json(self) -> dict[str, float | int]:
        return {
            "n": self.n,
            "ac1": round(self.ac1, 4),
            "ac3": round(self.ac3, 4),
            "avg5": round(self.avg5, 4),
            "mrr": round(self.mrr, 4),
        }


@dataclass(slots=True)
class GroupReport:
    change: Metrics
    service: Metrics
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    abstained: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "change": self.change.to_json(),
            "service": self.service.to_json(),
            "latency_ms": {"p50": self.latency_p50_ms, "p95": self.latency_p95_ms},
            "abstained": self.abstained,
        }


@dataclass(slots=True)
class EvalReport:
    overall: GroupReport
    by_system: dict[str, GroupReport] = field(default_factory=dict)
    by_kind: dict[str, GroupReport] = field(default_factory=dict)
    #: among incidents whose top candidate has confidence >= 0.8: (count, share right)
    confident_top: tuple[int, float | None] = (0, None)
    #: the same, right meaning the top candidate names the right service (datasets whose
    #: truth is a component, or a change the bundle does not hold)
    confident_service_top: tuple[int, float | None] = (0, None)

    def to_json(self) -> dict[str, Any]:
        return {
            "overall": self.overall.to_json(),
            "by_system": {k: v.to_json() for k, v in sorted(self.by_system.items())},
            "by_fault_kind": {k: v.to_json() for k, v in sorted(self.by_kind.items())},
            "calibration": {
                "top_conf_ge_0_8": self.confident_top[0],
                "precision": self.confident_top[1],
                "service_precision": self.confident_service_top[1],
            },
        }


@dataclass(frozen=True, slots=True)
class Evaluated:
    """One ranking with its truth and the incident's system (for per-system reporting)."""

    ranking: Ranking
    truth: Truth
    system: str | None = None


def _pct(values: Sequence[float], p: float) -> float | None:
    return round(float(np.percentile(np.asarray(values), p)), 1) if values else None


def _group(items: Sequence[Evaluated]) -> GroupReport:
    ch = [first_hit(e.ranking.candidates, e.truth.change_hit) for e in items]
    sv = [first_hit(e.ranking.candidates, e.truth.service_hit) for e in items]
    lat = [e.ranking.timings_ms["rank"] for e in items if "rank" in e.ranking.timings_ms]
    return GroupReport(
        change=Metrics.of(ch),
        service=Metrics.of(sv),
        latency_p50_ms=_pct(lat, 50),
        latency_p95_ms=_pct(lat, 95),
        abstained=sum(1 for e in items if e.ranking.abstained),
    )


def evaluate(rankings_with_truth: Iterable[Evaluated]) -> EvalReport:
    """AC@1, AC@3, Avg@5 and MRR at change and service level, overall, per system and per
    fault kind, with rank latency p50/p95 (from ``timings_ms["rank"]``)."""
    items = list(rankings_with_truth)
    by_system: dict[str, list[Evaluated]] = defaultdict(list)
    by_kind: dict[str, list[Evaluated]] = defaultdict(list)
    for e in items:
        by_system[e.system or "unknown"].append(e)
        by_kind[e.truth.kind].append(e)
    confident = [
        e for e in items if e.ranking.candidates and e.ranking.candidates[0].confidence >= 0.8
    ]
    right = sum(1 for e in confident if e.truth.change_hit(e.ranking.candidates[0]))
    right_service = sum(1 for e in confident if e.truth.service_hit(e.ranking.candidates[0]))
    return EvalReport(
        overall=_group(items),
        by_system={k: _group(v) for k, v in by_system.items()},
        by_kind={k: _group(v) for k, v in by_kind.items()},
        confident_top=(len(confident), right / len(confident) if confident else None),
        confident_service_top=(
            len(confident),
            right_service / len(confident) if confident else None,
        ),
    )
