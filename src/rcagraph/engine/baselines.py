"""Three baselines the engine is measured against, on the same :class:`IncidentView`.

* :class:`MostRecentChangeRanker` — "what changed last?": every change from ``lookback`` before
  the incident's onset (``started_at``) up to ``slack`` after it (clock skew), most recent first.
  It never names a component without a change.
* :class:`BaroRanker` — a BARO-style robust metric score with no graph (Pham et al., FSE 2024):
  each component is scored by the largest robust magnitude (``|magnitude|`` of its
  ``metric_anomaly`` signals, a robust z or baseline ratio computed by the detector) among its
  signals from ``signal_before`` before onset to ``signal_after`` after it; components whose
  signals carry no magnitude (log bursts, alerts only) score ``unscored_weight`` per signal.
* :class:`PageRankRanker` — a MicroRank/MonitorRank-style personalised random walk over the
  dependency graph: the walk follows dependency edges from a caller to what it depends on (the
  reversed direction of fault propagation), each step weighted by how anomalous the target is,
  with a weaker backward step (``backward``) so that it can leave a normal dependency, and
  MonitorRank's self step (an anomalous component whose dependencies are less anomalous keeps
  the walker); the restart vector is the components' anomaly scores. Components are ranked
  by their PageRank (``networkx.pagerank``).

How a scored component becomes a candidate (BARO and PageRank alike): if the component has a
change in the change window (``lookback`` before onset to ``slack`` after), the candidate is
its most recent such change (kind of the change, its id); otherwise it is the component itself
(kind ``service``, no change id). One candidate per component, so that the ranks of BARO and
PageRank compare with the engine's at both change and service level.

* :class:`TraversalRanker` — the anomaly-traversal baseline of the PetShop dataset (Hardt et
  al., CLeaR 2024, arXiv 2311.04806), re-implemented on the view: the anomalous components are
  those with a metric anomaly on the symptom's metric active around onset; a root cause is an
  anomalous component none of whose dependencies is anomalous; only roots reached from the
  symptom service along a path of anomalous components count, scored by the largest sum of
  anomaly magnitudes along such a path. If the symptom service itself is not anomalous it
  names nothing (abstains), as the original does.

Baseline confidences are score shares (score / sum of scores), not calibrated.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, Self

import networkx as nx
from pydantic import BaseModel, Field

from rcagraph.engine.base import Truth
from rcagraph.engine.result import Candidate, Evidence, Ranking
from rcagraph.engine.view import ChangeEvent, IncidentView, SignalEvent, cause_kind
from rcagraph.errors import ModelError


class BaselineConfig(BaseModel):
    """Windows shared by the baselines."""

    lookback: timedelta = Field(default=timedelta(hours=2), description="changes before onset")
    slack: timedelta = Field(
        default=timedelta(seconds=60), description="changes after onset still counted (skew)"
    )
    signal_before: timedelta = Field(
        default=timedelta(minutes=30), description="signals before onset"
    )
    signal_after: timedelta = Field(
        default=timedelta(minutes=20), description="signals after onset"
    )
    max_candidates: int = Field(default=20, ge=1)
    max_evidence: int = Field(default=3, ge=0)


class BaroConfig(BaselineConfig):
    unscored_weight: float = Field(
        default=0.1, ge=0.0, description="score per signal without a magnitude"
    )


class TraversalConfig(BaselineConfig):
    metric_fallback: bool = Field(
        default=True,
        description="when no signal carries the symptom's metric, use every metric anomaly",
    )


class PageRankConfig(BaselineConfig):
    alpha: float = Field(default=0.85, gt=0.0, lt=1.0, description="PageRank damping")
    backward: float = Field(default=0.3, ge=0.0, description="weight of the backward step")
    epsilon: float = Field(default=0.01, gt=0.0, description="anomaly floor of normal nodes")


# -- shared helpers ------------------------------------------------------------------------------


def _onset(view: IncidentView) -> datetime:
    return view.incident.started_at


def window_changes(view: IncidentView, cfg: BaselineConfig) -> list[ChangeEvent]:
    """Changes in ``[onset - lookback, onset + slack]``, most recent first (ties by id)."""
    onset = _onset(view)
    lo, hi = onset - cfg.lookback, onset + cfg.slack
    inside = [c for c in view.changes if lo <= c.at <= hi]
    return sorted(inside, key=lambda c: (c.at, c.change_id), reverse=True)


def window_signals(view: IncidentView, cfg: BaselineConfig) -> list[SignalEvent]:
    onset = _onset(view)
    lo, hi = onset - cfg.signal_before, onset + cfg.signal_after
    return [s for s in view.signals if lo <= s.at <= hi]


def _change_evidence(c: ChangeEvent) -> Evidence:
    return Evidence(
        kind="change",
        service=c.services[0] if c.services else None,
        at=c.at,
        summary=c.summary or f"{c.kind} {c.change_id}",
        source=c.source,
        source_ref=c.source_ref,
        event_uid=c.uid,
    )


def _signal_evidence(s: SignalEvent) -> Evidence:
    return Evidence(
        kind=s.kind,
        service=s.service,
        at=s.at,
        summary=s.summary or (f"{s.metric} {s.direction or ''}".strip() if s.metric else s.kind),
        source=s.source,
        source_ref=s.source_ref,
        weight=abs(s.magnitude) if s.magnitude is not None else 0.0,
        event_uid=s.uid,
    )


def _shares(scores: Sequence[float]) -> list[float]:
    total = sum(max(s, 0.0) for s in scores)
    if total <= 0:
        return [0.0 for _ in scores]
    return [max(s, 0.0) / total for s in scores]


def components_to_candidates(
    view: IncidentView,
    scored: Sequence[tuple[str, float]],
    cfg: BaselineConfig,
    signals: Sequence[SignalEvent],
) -> list[Candidate]:
    """One candidate per scored component (best first): its most recent change in the window,
    or the component itself (kind ``service``)."""
    latest: dict[str, ChangeEvent] = {}
    for c in window_changes(view, cfg):  # most recent first
        for svc in c.services:
            latest.setdefault(svc, c)
    by_service: dict[str, list[SignalEvent]] = {}
    for s in signals:
        by_service.setdefault(s.service, []).append(s)
    shares = _shares([s for _, s in scored])
    out: list[Candidate] = []
    for (svc, score), conf in zip(scored, shares, strict=True):
        sigs = sorted(
            by_service.get(svc, []),
            key=lambda s: (-(abs(s.magnitude) if s.magnitude is not None else 0.0), s.at),
        )
        evidence = [_signal_evidence(s) for s in sigs[: cfg.max_evidence]]
        change = latest.get(svc)
        if change is not None:
            out.append(
                Candidate(
                    kind=cause_kind(change.kind),
                    service=svc,
                    change_id=change.change_id,
                    score=score,
                    confidence=conf,
                    path=(svc,),
                    evidence=(_change_evidence(change), *evidence),
                    target_uid=change.uid,
                )
            )
        else:
            out.append(
                Candidate(
                    kind="service",
                    service=svc,
                    change_id=None,
                    score=score,
                    confidence=conf,
                    path=(svc,),
                    evidence=tuple(evidence),
                )
            )
        if len(out) >= cfg.max_candidates:
            break
    return out


class _Baseline:
    """Persistence and the no-op ``fit`` shared by the baselines (they learn nothing)."""

    name: str
    config_cls: ClassVar[type[BaselineConfig]]

    def __init__(self, config: BaselineConfig | None = None) -> None:
        self.config: BaselineConfig = config or self.config_cls()

    def fit(self, examples: Sequence[tuple[IncidentView, Truth]]) -> Self:
        del examples
        return self

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"ranker": self.name, "config": self.config.model_dump(mode="json")}
        path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Self:
        try:
            payload: Any = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelError(f"cannot read baseline file {path}: {exc}") from exc
        if not isinstance(payload, dict) or payload.get("ranker") != cls.name:
            raise ModelError(f"{path} does not hold a {cls.name} baseline")
        return cls(cls.config_cls.model_validate(payload.get("config", {})))

    def rank(self, view: IncidentView) -> Ranking:
        raise NotImplementedError  # each baseline defines it

    def _ranking(self, view: IncidentView, candidates: list[Candidate]) -> Ranking:
        return Ranking(
            incident=view.incident.id,
            scope=view.scope,
            ranker=self.name,
            abstained=not candidates,
            candidates=candidates,
        )


class MostRecentChangeRanker(_Baseline):
    """Baseline (a): the most recent change before onset wins."""

    name = "baseline-recent-change"
    config_cls = BaselineConfig

    def rank(self, view: IncidentView) -> Ranking:
        changes = window_changes(view, self.config)[: self.config.max_candidates]
        onset = _onset(view)
        scores = [1.0 / (1.0 + max((onset - c.at).total_seconds(), 0.0) / 600.0) for c in changes]
        shares = _shares(scores)
        cands = [
            Candidate(
                kind=cause_kind(c.kind),
                service=c.services[0] if c.services else None,
                change_id=c.change_id,
                score=s,
                confidence=conf,
                path=tuple(c.services[:1]),
                evidence=(_change_evidence(c),),
                target_uid=c.uid,
            )
            for c, s, conf in zip(changes, scores, shares, strict=True)
        ]
        return self._ranking(view, cands)


def anomaly_scores(signals: Sequence[SignalEvent], unscored_weight: float) -> dict[str, float]:
    """Per component: the largest |magnitude|, or ``unscored_weight`` per signal without one."""
    scores: dict[str, float] = {}
    counts: dict[str, int] = {}
    for s in signals:
        if s.magnitude is not None:
            scores[s.service] = max(scores.get(s.service, 0.0), abs(s.magnitude))
        else:
            counts[s.service] = counts.get(s.service, 0) + 1
    for svc, n in counts.items():
        if svc not in scores:
            scores[svc] = unscored_weight * n
    return scores


class BaroRanker(_Baseline):
    """Baseline (b): components by the robust magnitude of their anomalies (no graph)."""

    name = "baseline-baro"
    config_cls = BaroConfig

    def rank(self, view: IncidentView) -> Ranking:
        cfg = self.config
        assert isinstance(cfg, BaroConfig)
        signals = window_signals(view, cfg)
        scores = anomaly_scores(signals, cfg.unscored_weight)
        scored = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        return self._ranking(view, components_to_candidates(view, scored, cfg, signals))


class PageRankRanker(_Baseline):
    """Baseline (c): personalised PageRank over the dependency graph (MicroRank-style)."""

    name = "baseline-pagerank"
    config_cls = PageRankConfig

    def rank(self, view: IncidentView) -> Ranking:
        cfg = self.config
        assert isinstance(cfg, PageRankConfig)
        signals = window_signals(view, cfg)
        raw = anomaly_scores(signals, 1.0)
        top = max(raw.values(), default=0.0)
        anomaly = {k: v / top for k, v in raw.items()} if top > 0 else {}
        nodes = set(view.components) | set(anomaly)
        for e in view.edges:
            nodes.update((e.src, e.dst))
        if not nodes or not anomaly:
            return self._ranking(view, [])
        graph = nx.DiGraph()
        graph.add_nodes_from(sorted(nodes))

        def a(n: str) -> float:
            return anomaly.get(n, 0.0) + cfg.epsilon

        for e in view.edges:
            if e.src == e.dst:
                continue
            # forward: from a caller to what it depends on, towards anomalous dependencies
            fwd = a(e.dst)
            if graph.has_edge(e.src, e.dst):
                fwd = max(fwd, graph[e.src][e.dst]["weight"])
            graph.add_edge(e.src, e.dst, weight=fwd)
            if cfg.backward > 0:
                back = cfg.backward * a(e.src)
                if graph.has_edge(e.dst, e.src):
                    back = max(back, graph[e.dst][e.src]["weight"])
                graph.add_edge(e.dst, e.src, weight=back)
        # MonitorRank's self step: an anomalous node whose dependencies are all less anomalous
        # keeps the walker (weight: its anomaly minus its most anomalous dependency's)
        deps_of: dict[str, set[str]] = {}
        for e in view.edges:
            if e.src != e.dst:
                deps_of.setdefault(e.src, set()).add(e.dst)
        for n in list(graph.nodes):
            deps = deps_of.get(n, set())
            stay = anomaly.get(n, 0.0) - max((anomaly.get(d, 0.0) for d in deps), default=0.0)
            if stay > 0:
                graph.add_edge(n, n, weight=stay)
        personal = {n: a(n) for n in graph.nodes}
        pr: dict[str, float] = nx.pagerank(
            graph, alpha=cfg.alpha, personalization=personal, weight="weight", max_iter=200
        )
        scored = sorted(pr.items(), key=lambda kv: (-kv[1], kv[0]))
        return self._ranking(view, components_to_candidates(view, scored, cfg, signals))


def active_signals(view: IncidentView, cfg: BaselineConfig) -> list[SignalEvent]:
    """Signals whose episode overlaps ``[onset - signal_before, onset + signal_after]``."""
    onset = _onset(view)
    lo, hi = onset - cfg.signal_before, onset + cfg.signal_after
    return [s for s in view.signals if s.at <= hi and (s.end_at or s.at) >= lo]


class TraversalRanker(_Baseline):
    """Baseline (d): the PetShop dataset's anomaly traversal (anomalous nodes without an
    anomalous dependency, reached from the symptom through anomalous nodes)."""

    name = "baseline-traversal"
    config_cls = TraversalConfig

    def rank(self, view: IncidentView) -> Ranking:
        cfg = self.config
        assert isinstance(cfg, TraversalConfig)
        if not view.incident.symptoms:
            return self._ranking(view, [])
        symptom = view.incident.symptoms[0]
        anomalies = [s for s in active_signals(view, cfg) if s.kind == "metric_anomaly"]
        wanted = symptom.metric or symptom.signal
        signals = [s for s in anomalies if s.metric == wanted]
        if not signals and cfg.metric_fallback:
            signals = anomalies
        score = anomaly_scores(signals, 0.0)
        if symptom.service not in score:
            return self._ranking(view, [])
        # the anomalous subgraph: an edge from a component to an anomalous dependency
        graph = nx.DiGraph()
        graph.add_nodes_from(score)
        graph.add_edges_from(
            (e.src, e.dst)
            for e in view.edges
            if e.src in score and e.dst in score and e.src != e.dst
        )
        # components of a dependency cycle are judged together (the original requires a DAG)
        cond = nx.condensation(graph)
        members: dict[int, list[str]] = {int(k): sorted(v) for k, v in cond.nodes(data="members")}
        weight = {k: sum(score[n] for n in ms) for k, ms in members.items()}
        start = int(cond.graph["mapping"][symptom.service])
        # the best (largest) sum of magnitudes along a path from the symptom to each node
        best: dict[int, float] = {start: weight[start]}
        for k in nx.topological_sort(cond):
            if k not in best:
                continue
            for nxt in cond.successors(k):
                cand = best[k] + weight[nxt]
                if cand > best.get(nxt, float("-inf")):
                    best[nxt] = cand
        scored = [
            (n, best[k])
            for k in best
            if cond.out_degree(k) == 0  # no anomalous dependency: a root cause
            for n in members[k]
        ]
        scored.sort(key=lambda kv: (-kv[1], -score[kv[0]], kv[0]))
        return self._ranking(view, components_to_candidates(view, scored, cfg, signals))


BASELINES: tuple[type[_Baseline], ...] = (
    MostRecentChangeRanker,
    BaroRanker,
    PageRankRanker,
    TraversalRanker,
)
