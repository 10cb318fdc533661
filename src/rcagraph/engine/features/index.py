"""The index of one view's dependency structure and signals, computed once.

A networkx digraph with edges from the dependent to what it needs (walking *out* of a symptom
walks towards its causes), with each edge's share of its caller's traffic; the shortest
dependency paths from every symptom (one BFS / Dijkstra per symptom); direct dependencies and
callers, looking through components without signals; and every component's signals in time
order, failure signals (:func:`~rcagraph.engine.features.classify.is_failure_signal`) apart, so
lookups are bisections. The timing that rests on it (onset order, propagation) is
:class:`~rcagraph.engine.features.view_graph.ViewGraph`.
"""

from __future__ import annotations

import dataclasses
import math
from bisect import bisect_left, bisect_right
from collections import defaultdict, deque
from datetime import datetime

import networkx as nx

from rcagraph.engine.features.classify import is_failure_signal, is_traffic_signal, signal_class
from rcagraph.engine.features.config import FeatureConfig
from rcagraph.engine.features.mirror import Mirrors
from rcagraph.engine.strength import propagating_classes, view_strength
from rcagraph.engine.view import IncidentView, SignalEvent

#: the uid prefix of a symptom's failure declared by the incident (not detected)
DECLARED = "declared:"


def _time_order(s: SignalEvent) -> tuple[datetime, str]:
    return (s.at, s.uid)


def _edge_data(w: float, total: float) -> dict[str, float]:
    share = w / total if total else 0.0
    return {"w": w, "share": share, "cost": -math.log(max(share, 1e-9))}


def is_declared(s: SignalEvent) -> bool:
    return s.uid.startswith(DECLARED)


class ViewIndex:
    """The dependency structure of one view and its signals indexed by component.

    Signals are indexed by component once, in time order; direct dependencies and callers are
    found on demand and kept; symptom paths come from one BFS / Dijkstra per symptom.
    """

    def __init__(self, view: IncidentView, cfg: FeatureConfig) -> None:
        self.view = view
        self.cfg = cfg
        # each edge's weight (the larger of duplicates) and its share of its caller's total
        # outgoing weight, computed on dicts and added at once, in the edges' order (which
        # fixes the order of every node's successors and predecessors)
        weight: dict[tuple[str, str], float] = {}
        for e in view.edges:
            if e.src == e.dst:
                continue
            w = e.weight if e.weight is not None and e.weight > 0 else 1.0
            key = (e.src, e.dst)
            prev = weight.get(key)
            weight[key] = w if prev is None else max(prev, w)
        total: dict[str, float] = defaultdict(float)
        for (src, _), w in weight.items():
            total[src] += w
        g: nx.DiGraph = nx.DiGraph()
        g.add_nodes_from(view.components)
        g.add_edges_from((src, dst, _edge_data(w, total[src])) for (src, dst), w in weight.items())
        self.g = g
        self.symptoms = list(
            dict.fromkeys(s.service for s in view.incident.symptoms if s.service in g)
        )
        self.onset = view.incident.started_at
        # components seen only through their callers are paired with the peers they mirror on
        # the components' own signals; what the callers measured through them is handed over
        own: dict[str, list[SignalEvent]] = defaultdict(list)
        for sig in sorted(view.signals, key=_time_order):
            own[sig.service].append(sig)
        self.mirrors = Mirrors(view, g, own, cfg.skew)
        #: components whose own metrics the bundle holds (``ComponentInfo.metric_series``)
        self._watched = frozenset(n for n, c in view.components.items() if c.metric_series)
        handed = self.mirrors.handed_over(self.onset - cfg.horizon, self.onset + cfg.follow_window)
        # signals indexed by component once, in time order (the handed-over ones among their
        # peer's own); strong (anomaly/log) times apart
        self.signals: dict[str, list[SignalEvent]] = defaultdict(list, own)
        if handed:
            view = dataclasses.replace(view, signals=[*view.signals, *handed])
            self.view = view
            by_peer: dict[str, list[SignalEvent]] = defaultdict(list)
            for h in handed:
                by_peer[h.service].append(h)
            for peer, mine in by_peer.items():
                self.signals[peer] = sorted([*own.get(peer, ()), *mine], key=_time_order)
        # shortest hop paths from each symptom (dependency direction): one BFS per symptom
        self.paths: dict[str, dict[str, list[str]]] = {
            s: nx.single_source_shortest_path(g, s) for s in self.symptoms
        }
        self.best_share: dict[str, dict[str, float]] = {}
        for s in self.symptoms:
            dist = nx.single_source_dijkstra_path_length(g, s, weight="cost")
            self.best_share[s] = {n: math.exp(-c) for n, c in dist.items()}
        self._strong: dict[str, list[SignalEvent]] = {}
        self._strong_at: dict[str, list[datetime]] = {}
        self._all_at: dict[str, list[datetime]] = {}
        self._health_at: dict[str, list[datetime]] = {}
        # a metric anomaly of a class that cannot travel to the symptoms' class (latency noise
        # during an availability incident) is kept as a signal but marks no onset
        classes = (
            propagating_classes({s.signal for s in view.incident.symptoms})
            if cfg.class_aware
            else None
        )

        if classes is not None and not any(
            is_failure_signal(s)
            and s.service not in self.symptoms
            and (s.kind != "metric_anomaly" or not s.metric or signal_class(s) in classes)
            for s in view.signals
        ):
            # no component but the symptoms is observed failing in the symptoms' class (the
            # dependencies export no error metrics, say): the class cannot be followed, so
            # every class marks onsets, and the symptom is not taken for the root by default
            classes = None

        def marks_onset(s: SignalEvent) -> bool:
            if not is_failure_signal(s):
                return False
            if classes is None or s.kind != "metric_anomaly" or not s.metric:
                return True
            return signal_class(s) in classes

        for n, sigs in self.signals.items():
            strong = [s for s in sigs if marks_onset(s)]
            self._strong[n] = strong
            self._strong_at[n] = [s.at for s in strong]
            self._health_at[n] = [s.at for s in strong if not is_traffic_signal(s)]
            self._all_at[n] = [s.at for s in sigs]
        self._declare_symptoms(view)
        self.strength = view_strength(
            view,
            lo=self.onset - cfg.horizon,
            hi=self.onset + cfg.follow_window,
            is_failure=is_failure_signal,
            signal_class=signal_class,
            ongoing_from=self.onset - cfg.skew if cfg.ongoing_strength else None,
        )
        self._deps: dict[str, tuple[str, ...]] = {}
        self._callers: dict[str, tuple[str, ...]] = {}
        self._hops: dict[tuple[str, str], int] = {}
        self._path_to: dict[str, tuple[str, ...]] | None = None
        self._path_weight: dict[str, float] | None = None
        self._coverage: dict[str, float] | None = None

    def _declare_symptoms(self, view: IncidentView) -> None:
        """The incident declares its symptoms failing at its onset: a symptom without a
        detected failure signal within one propagation delay of the onset (its metric's
        deviation was too small for the detector, or it has no metrics) gets a declared one
        there, so anomalies can still be traced up to it. The declared signal only takes part
        in onset order and propagation; it is not a signal of the view (it makes no candidate
        and no evidence)."""
        lo, hi = self.onset - self.cfg.propagation, self.onset + self.cfg.propagation
        #: symptoms whose failure at the onset is declared, not detected
        self.declared: set[str] = set()
        for sym in self.symptoms:
            times = self._strong_at.get(sym, [])
            if bisect_right(times, hi) > bisect_left(times, lo):
                continue
            declared = SignalEvent(
                uid=f"{DECLARED}{view.incident.id}:{sym}",
                kind="metric_anomaly",
                service=sym,
                at=self.onset,
                summary=f"{sym}: symptom declared by incident {view.incident.id}",
            )
            self.declared.add(sym)
            strong = [*self._strong.get(sym, []), declared]
            strong.sort(key=lambda x: (x.at, x.uid))
            self._strong[sym] = strong
            self._strong_at[sym] = [x.at for x in strong]
            self._health_at[sym] = [x.at for x in strong if not is_traffic_signal(x)]

    # -- structure --------------------------------------------------------------------------

    def _observed_neighbours(self, n: str, *, down: bool) -> tuple[str, ...]:
        """Direct dependencies (``down``) or callers of ``n``; a neighbour without any anomaly or
        log signal and without metrics of its own (no telemetry, or alerts only) is looked
        through, at most two hops further; one whose own metrics did not move was observed
        healthy, and is a neighbour."""
        if n not in self.g:
            return ()
        step = self.g.successors if down else self.g.predecessors
        out: dict[str, None] = {}
        frontier = deque((m, 0) for m in step(n))
        seen = {n}
        while frontier:  # breadth first: the fewest hops to each observed neighbour
            m, extra = frontier.popleft()
            if m in seen:
                continue
            seen.add(m)
            # a neighbour without failure signals whose own metrics the bundle holds was
            # watched and stayed healthy: a failure did not travel through it unseen
            if self._strong_at.get(m) or extra >= 2 or m in self._watched:
                out[m] = None
                self._hops[(m, n) if down else (n, m)] = extra + 1
            else:
                frontier.extend((k, extra + 1) for k in step(m))
        return tuple(out)

    def hops(self, dep: str, caller: str) -> int:
        """Dependency hops from ``caller`` to its observed neighbour ``dep`` (1 when direct;
        more when components without signals were looked through)."""
        return self._hops.get((dep, caller), 1)

    def deps(self, n: str) -> tuple[str, ...]:
        if n not in self._deps:
            self._deps[n] = self._observed_neighbours(n, down=True)
        return self._deps[n]

    def callers(self, n: str) -> tuple[str, ...]:
        if n not in self._callers:
            self._callers[n] = self._observed_neighbours(n, down=False)
        return self._callers[n]

    def path_to(self, n: str) -> tuple[str, ...]:
        """The shortest dependency path from a symptom to ``n`` (empty: off every path)."""
        if self._path_to is None:
            best: dict[str, list[str]] = {}
            for s in self.symptoms:
                for m, p in self.paths[s].items():
                    if m not in best or len(p) < len(best[m]):
                        best[m] = p
            self._path_to = {m: tuple(p) for m, p in best.items()}
        return self._path_to.get(n, ())

    def path_weight(self, n: str) -> float:
        if self._path_weight is None:
            pw: dict[str, float] = {}
            for s in self.symptoms:
                for m, w in self.best_share[s].items():
                    pw[m] = max(pw.get(m, 0.0), w)
            self._path_weight = pw
        return self._path_weight.get(n, 0.0)

    def coverage(self, n: str) -> float:
        """The share of the symptoms that depend on ``n`` (it lies on a path out of them)."""
        if self._coverage is None:
            counts: dict[str, int] = defaultdict(int)
            for s in self.symptoms:
                for m in self.paths[s]:
                    counts[m] += 1
            self._coverage = {m: k / len(self.symptoms) for m, k in counts.items()}
        return self._coverage.get(n, 0.0)

    # -- signal lookups -----------------------------------------------------------------------

    def first_strong(self, n: str, lo: datetime) -> SignalEvent | None:
        """The component's first anomaly or log signal at or after ``lo``."""
        times = self._strong_at.get(n)
        if not times:
            return None
        i = bisect_left(times, lo)
        return self._strong[n][i] if i < len(times) else None

    def first_detected(self, n: str, lo: datetime) -> SignalEvent | None:
        """The component's first anomaly or log signal at or after ``lo`` that was detected,
        not declared by the incident (see :meth:`_declare_symptoms`)."""
        times = self._strong_at.get(n)
        if not times:
            return None
        for s in self._strong[n][bisect_left(times, lo) :]:
            if not is_declared(s):
                return s
        return None

    def first_ongoing(self, n: str, lo: datetime, live_from: datetime) -> SignalEvent | None:
        """The component's first anomaly or log signal at or after ``lo`` that is still under
        way at ``live_from``: a metric anomaly whose episode ends at or after it; one whose end
        is unknown (an anomaly written without ``end_at``, a log signal, which marks when errors
        began) counts."""
        times = self._strong_at.get(n)
        if not times:
            return None
        for s in self._strong[n][bisect_left(times, lo) :]:
            if s.kind != "metric_anomaly" or s.end_at is None or s.end_at >= live_from:
                return s
        return None

    def count_strong(self, n: str, lo: datetime, hi: datetime) -> int:
        """Anomaly/log signals of ``n`` in ``[lo, hi)``."""
        times = self._strong_at.get(n, [])
        return bisect_left(times, hi) - bisect_left(times, lo)

    def count_all(self, n: str, lo: datetime, hi: datetime) -> int:
        times = self._all_at.get(n, [])
        return bisect_left(times, hi) - bisect_left(times, lo)

    def observed(self, n: str) -> bool:
        """Whether the component has any anomaly or log signal in the view."""
        return bool(self._strong_at.get(n))
