"""Explainable evidence features of root-cause candidates.

Candidates of an incident (:func:`build_candidates`):

* every change in the view's window up to shortly after onset — kind ``deploy``, ``flag``,
  ``config`` or ``infra`` (:func:`~rcagraph.engine.view.cause_kind`); a change touching several
  components is placed on the one its evidence supports best; a flag change that reaches no
  component is still a candidate (with ``service`` None);
* every component with signals (anomalies, log bursts, new templates, alerts) in the window —
  kind ``service`` with ``change_id`` None.

Which signals a view holds (a decision, see :mod:`rcagraph.engine.extract`): every signal of
the scope in the window, not only those of the symptoms' neighbourhood. Components off every
dependency path stay candidates — the issue asks for every component whose anomalies began in
the window, and the graph-free BARO baseline must see the same data as the engine — but they
cannot win on loudness: their features are cheap (no path, no onset-order walk reaches a
symptom) and the default scorer multiplies their score by ``off_path_factor``. Scoring them costs
a few bisections each, so restricting extraction would buy little here.

The central evidence is *propagation*: the root cause's component turns anomalous first (no
direct dependency turned bad within one propagation delay before it), and its anomaly travels
up through callers on the symptom's dependency paths, hop by hop, to the symptom at the
incident's onset (``reaches_symptom``). A change explains the incident when such an anomaly
follows it on its component (``change_explains``); a component without a change when it is that
root and no change explains its onset (``root_explains``). Times are compared with a clock-skew
tolerance; a component's onset for this incident is its first anomaly from ``horizon`` before
the onset on, so old, unrelated blips in the 2 h lookback do not make it "anomalous before".

Only *failure* signals mark an onset (:func:`is_failure_signal`): a new log template at an
informational level (a deploy's own "starting version …" line) is kept in the view but is no
anomaly. A component whose failure is a single one-point metric anomaly (a noise blip) is not
``sustained``. Components without failure signals are looked through, one propagation delay per
hop; a change on such a component borrows its best caller's onset features (discounted), and
an alert on the component itself after the change supports it.

Every feature is a number in [0, 1] (or a small signed prior) with a plain meaning, listed in
:data:`FEATURES`. The dependency graph is a :mod:`networkx` digraph with edges from the
dependent to what it needs, so walking *out* of a symptom walks towards its causes.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import networkx as nx

from rcagraph.engine.result import Evidence
from rcagraph.engine.view import CauseKind, ChangeEvent, IncidentView, SignalEvent, cause_kind
from rcagraph.schema.signals import signal_of

#: every feature, in the order the learned ranker uses, with its meaning
FEATURES: dict[str, str] = {
    "is_change": "1 for a change candidate, 0 for a component without a change",
    "kind_deploy": "candidate kind is deploy",
    "kind_flag": "candidate kind is flag",
    "kind_config": "candidate kind is config",
    "kind_infra": "candidate kind is infra",
    "kind_service": "candidate kind is service (no change)",
    "on_path": "the candidate is on a dependency path out of a symptom (or is one)",
    "no_service": "a change that reaches no known component (path unknown)",
    "is_symptom": "the candidate's component is a symptom service",
    "path_len": "1 / (1 + hops) from the nearest symptom; 0 off path",
    "path_weight": "product of edge shares (call weights) along the best symptom path",
    "coverage": "share of symptom services that depend on the candidate (blast radius)",
    "anomalous": "the component shows a metric anomaly or log signal (after the change)",
    "anomaly_after_change": "exp(-Δ/10 min), Δ from the change to the component's first "
    "anomaly or log signal after it; 0 if none",
    "new_template_after_change": "a new log template of a failure level (not INFO or lower) "
    "appears on the component within 30 min "
    "after the change",
    "change_to_onset": "exp(-Δ/30 min), Δ from the change to the incident's onset "
    "(changes after onset beyond the clock-skew tolerance get 0)",
    "change_to_symptom": "exp(-Δ/20 min), Δ from the change to the first symptom signal after it",
    "anomalous_before_change": "share of the component's anomalies within 15 min around the "
    "change that came before it; 1 when a sustained failure was already under way at the change",
    "change_after_onset": "the change came after the onset (beyond the skew tolerance)",
    "root_onset": "no anomalous dependency of the component began earlier (onset order; "
    "the onset-order features are 0 for a component off every symptom path)",
    "leads_symptom": "how far the component's onset precedes the symptoms' first failure "
    "signal, in propagation delays (capped at 1; 0.5 for a symptom itself)",
    "callers_follow": "share of the component's anomalous callers whose onset is not earlier",
    "reaches_symptom": "the component's anomaly travels up to a symptom: each caller on the "
    "way turns anomalous within one propagation delay after the previous (else the share of "
    "hops that did)",
    "change_explains": "anomaly_after_change × root_onset × reaches_symptom: the change is "
    "followed by an anomaly on its component that no dependency explains and that travels to "
    "the symptom (for a component without signals: its first anomalous caller, discounted)",
    "root_explains": "for a component candidate: root_onset × deepest × reaches_symptom, "
    "unless a change explains its onset",
    "unobserved_proxy": "the changed component has no anomaly or log signal; its best direct "
    "caller stood in (discounted) for anomalous, anomaly_after_change, root_onset, deepest, "
    "reaches_symptom and sustained",
    "alert_after_change": "an alert fired on the changed component within 30 min after the "
    "change while it has no anomaly or log signal (its own monitoring saw the failure)",
    "sustained": "the component's failure persists: a log burst, an error-level new template, "
    "a metric anomaly spanning several points, or metric anomalies at two distinct times "
    "within 5 min of its onset (0: a one-point blip)",
    "victim": "the component is anomalous but a dependency of it turned anomalous earlier",
    "deepest": "no dependency of the component shows anomalies (the deepest anomalous one)",
    "explained_by_change": "for a component candidate: a change on it (or on a direct "
    "dependency without signals) precedes its onset",
    "magnitude": "tanh(max anomaly magnitude / 10) on the component",
    "relative_magnitude": "log(1 + the component's largest anomaly magnitude) over log(1 + the "
    "largest of any on-path component in the incident): which of several components that "
    "explain the symptom equally deviates most (does not saturate, unlike magnitude)",
    "loudness": "log-scaled number of signals on the component (capped at 1)",
    "alert_only": "the component has alerts but no anomaly or log signal",
    "rollback": "the change is a rollback",
    "rollout_share": "share of traffic/instances the change reached (1 when unknown)",
    "first_deploy": "first deploy of this version (0.5 when unknown)",
    "recency": "1 / (1 + number of later changes before onset)",
    "prior_service_kind": "learned: (hits+1)/(seen+2) - 0.5 for this service and kind",
    "prior_kind": "learned: (hits+1)/(seen+2) - 0.5 for this kind",
}
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURES)

_LOG_SIGNALS = ("metric_anomaly", "log_burst", "new_log_template")
#: log levels that do not report a failure: a new template at one of these levels (a deploy's
#: "starting version …" line, a new request path) is kept in the view but is no anomaly
INFORMATIONAL_LEVELS = frozenset({"TRACE", "DEBUG", "INFO", "NOTICE"})


#: the direction of a metric anomaly that is an improvement, not a failure, by signal class
BENIGN_DIRECTION = {"latency": "down", "errors": "down", "availability": "up"}


def is_failure_signal(s: SignalEvent) -> bool:
    """An anomaly or log signal that reports a failure (the "strong" signals of onsets):
    metric anomalies, log bursts and new log templates — unless the template's level is
    informational (a deploy's own start-up line is not evidence that it broke anything), or the
    metric anomaly moves its signal class the good way (latency or errors down, availability
    up: an improvement, e.g. a day whose level happens to be better than the baseline's)."""
    if s.kind not in _LOG_SIGNALS:
        return False
    if s.kind == "metric_anomaly" and s.metric and s.direction:
        return BENIGN_DIRECTION.get(signal_of(s.metric)) != s.direction
    return not (s.kind == "new_log_template" and (s.severity or "") in INFORMATIONAL_LEVELS)


def is_traffic_signal(s: SignalEvent) -> bool:
    """A metric anomaly of a traffic metric (request counts, throughput: signal class
    ``other``): the load a component receives changed, not its health. Traffic follows the
    callers, so it marks an onset but neither explains a caller's failure nor sizes one."""
    return s.kind == "metric_anomaly" and bool(s.metric) and signal_of(s.metric or "") == "other"


#: scores a (change, component) option, to choose where a multi-component change acts
Placement = Callable[[Mapping[str, float]], float]


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    """Time constants and tolerances of the features (documented in :data:`FEATURES`).

    ``skew`` is the clock-skew tolerance between sources: an anomaly up to ``skew`` before a
    change still counts as after it (deploy, flag and log clocks disagree by tens of seconds).
    ``horizon`` bounds how long before the incident's onset a component's own onset can lie
    (the root turns bad first, the symptom follows hop by hop). ``propagation`` is the longest
    delay for an anomaly to reach a direct caller; ``order_tol`` how much earlier a dependency
    must turn bad to count as earlier (clock jitter between metrics and logs).
    ``explain_ratio``: a dependency explains a caller's failure only if its deviation (robust
    z) is at least this share of the caller's own (0 turns the check off).
    """

    skew: timedelta = timedelta(minutes=2)
    tau_component: timedelta = timedelta(minutes=10)
    tau_onset: timedelta = timedelta(minutes=30)
    tau_symptom: timedelta = timedelta(minutes=20)
    follow_window: timedelta = timedelta(minutes=30)
    horizon: timedelta = timedelta(minutes=20)
    propagation: timedelta = timedelta(minutes=4)
    order_tol: timedelta = timedelta(seconds=30)
    compare_window: timedelta = timedelta(minutes=15)
    proxy_discount: float = 0.7
    sustain_window: timedelta = timedelta(minutes=5)
    explain_ratio: float = 0.1


@dataclass(slots=True)
class Priors:
    """Counts from labelled incidents: how often a candidate of (service, kind) was the cause."""

    service_kind: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    kind: dict[str, tuple[int, int]] = field(default_factory=dict)

    def add(self, service: str | None, kind: str, hit: bool, sign: int = 1) -> None:
        h, s = self.kind.get(kind, (0, 0))
        self.kind[kind] = (h + sign * int(hit), s + sign)
        key = (service or "", kind)
        h, s = self.service_kind.get(key, (0, 0))
        self.service_kind[key] = (h + sign * int(hit), s + sign)

    def features(self, service: str | None, kind: str) -> tuple[float, float]:
        h, s = self.service_kind.get((service or "", kind), (0, 0))
        hk, sk = self.kind.get(kind, (0, 0))
        return (h + 1) / (s + 2) - 0.5, (hk + 1) / (sk + 2) - 0.5

    def to_json(self) -> dict[str, list[list[object]]]:
        return {
            "service_kind": [[k[0], k[1], v[0], v[1]] for k, v in self.service_kind.items()],
            "kind": [[k, v[0], v[1]] for k, v in self.kind.items()],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, list[list[object]]]) -> Priors:
        p = cls()
        for sv, kd, h, s in data.get("service_kind", []):
            p.service_kind[(str(sv), str(kd))] = (int(str(h)), int(str(s)))
        for kd, h, s in data.get("kind", []):
            p.kind[str(kd)] = (int(str(h)), int(str(s)))
        return p


@dataclass(slots=True)
class CandidateFeatures:
    """One candidate with its features, evidence and path (before scoring)."""

    kind: CauseKind
    service: str | None
    change: ChangeEvent | None
    features: dict[str, float]
    path: tuple[str, ...] = ()
    evidence: list[Evidence] = field(default_factory=list)
    target_uid: str | None = None

    @property
    def change_id(self) -> str | None:
        return self.change.change_id if self.change else None

    def vector(self) -> list[float]:
        return [self.features.get(n, 0.0) for n in FEATURE_NAMES]


class ViewGraph:
    """The dependency structure and signal timing of one view, computed once.

    Everything a candidate's features need is precomputed or answered by a bisection on
    per-component sorted signal times, so building all candidates is linear in the view's size
    (up to a log factor): signals are indexed by component once; each component's onset is
    computed once; onset order looks at direct dependencies and callers only (an anomaly
    propagates hop by hop, so the dependency that explains a component's anomaly is a direct one
    that turned bad shortly before — components without any signal, e.g. without metrics, are
    looked through); symptom paths come from one BFS / Dijkstra per symptom.
    """

    def __init__(self, view: IncidentView, cfg: FeatureConfig) -> None:
        self.view = view
        self.cfg = cfg
        g: nx.DiGraph = nx.DiGraph()
        g.add_nodes_from(view.components)
        for e in view.edges:
            if e.src == e.dst:
                continue
            w = e.weight if e.weight is not None and e.weight > 0 else 1.0
            if g.has_edge(e.src, e.dst):
                g[e.src][e.dst]["w"] = max(g[e.src][e.dst]["w"], w)
            else:
                g.add_edge(e.src, e.dst, w=w)
        for n in g.nodes:  # edge share: weight over the node's total outgoing weight
            total = sum(d["w"] for _, _, d in g.out_edges(n, data=True))
            for _, _, d in g.out_edges(n, data=True):
                d["share"] = d["w"] / total if total else 0.0
                d["cost"] = -math.log(max(d["share"], 1e-9))
        self.g = g
        self.symptoms = list(
            dict.fromkeys(s.service for s in view.incident.symptoms if s.service in g)
        )
        self.onset = view.incident.started_at
        # shortest hop paths from each symptom (dependency direction): one BFS per symptom
        self.paths: dict[str, dict[str, list[str]]] = {
            s: nx.single_source_shortest_path(g, s) for s in self.symptoms
        }
        self.best_share: dict[str, dict[str, float]] = {}
        for s in self.symptoms:
            dist = nx.single_source_dijkstra_path_length(g, s, weight="cost")
            self.best_share[s] = {n: math.exp(-c) for n, c in dist.items()}
        # signals indexed by component once, in time order; strong (anomaly/log) times apart
        self.signals: dict[str, list[SignalEvent]] = defaultdict(list)
        for sig in sorted(view.signals, key=lambda x: (x.at, x.uid)):
            self.signals[sig.service].append(sig)
        self._strong: dict[str, list[SignalEvent]] = {}
        self._strong_at: dict[str, list[datetime]] = {}
        self._all_at: dict[str, list[datetime]] = {}
        self._health_at: dict[str, list[datetime]] = {}
        for n, sigs in self.signals.items():
            strong = [s for s in sigs if is_failure_signal(s)]
            self._strong[n] = strong
            self._strong_at[n] = [s.at for s in strong]
            self._health_at[n] = [s.at for s in strong if not is_traffic_signal(s)]
            self._all_at[n] = [s.at for s in sigs]
        self._declare_symptoms(view)
        # each component's own onset for this incident: its first anomaly/log signal from
        # ``horizon`` before the incident's onset on (older signals belong to other episodes)
        lo = self.onset - cfg.horizon
        self.onsets: dict[str, datetime] = {}
        for n in self._strong:
            first = self.first_strong(n, lo)
            if first is not None:
                self.onsets[n] = first.at
        self._deps: dict[str, tuple[str, ...]] = {}
        self._callers: dict[str, tuple[str, ...]] = {}
        self._hops: dict[tuple[str, str], int] = {}
        self._reach: dict[tuple[str, datetime], float] = {}
        self._sustained: dict[tuple[str, datetime], float] = {}
        self._episode_end: dict[tuple[str, datetime], datetime] = {}
        self._max_magnitude: float | None = None
        self._path_to: dict[str, tuple[str, ...]] | None = None
        self._path_weight: dict[str, float] | None = None

    def _declare_symptoms(self, view: IncidentView) -> None:
        """The incident declares its symptoms failing at its onset: a symptom without a
        detected failure signal within one propagation delay of the onset (its metric's
        deviation was too small for the detector, or it has no metrics) gets a declared one
        there, so anomalies can still be traced up to it. The declared signal only takes part
        in onset order and propagation; it is not a signal of the view (it makes no candidate
        and no evidence)."""
        lo, hi = self.onset - self.cfg.propagation, self.onset + self.cfg.propagation
        for sym in self.symptoms:
            times = self._strong_at.get(sym, [])
            if bisect_right(times, hi) > bisect_left(times, lo):
                continue
            declared = SignalEvent(
                uid=f"declared:{view.incident.id}:{sym}",
                kind="metric_anomaly",
                service=sym,
                at=self.onset,
                summary=f"{sym}: symptom declared by incident {view.incident.id}",
            )
            strong = [*self._strong.get(sym, []), declared]
            strong.sort(key=lambda x: (x.at, x.uid))
            self._strong[sym] = strong
            self._strong_at[sym] = [x.at for x in strong]
            self._health_at[sym] = [x.at for x in strong if not is_traffic_signal(x)]

    # -- structure --------------------------------------------------------------------------

    def _observed_neighbours(self, n: str, *, down: bool) -> tuple[str, ...]:
        """Direct dependencies (``down``) or callers of ``n``; a neighbour without any anomaly or
        log signal (no metrics, or alerts only) is looked through, at most two hops further."""
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
            if self._strong_at.get(m) or extra >= 2:
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
        if not self.symptoms:
            return 0.0
        return sum(1 for s in self.symptoms if n in self.paths[s]) / len(self.symptoms)

    # -- timing -------------------------------------------------------------------------------

    def first_strong(self, n: str, lo: datetime) -> SignalEvent | None:
        """The component's first anomaly or log signal at or after ``lo``."""
        times = self._strong_at.get(n)
        if not times:
            return None
        i = bisect_left(times, lo)
        return self._strong[n][i] if i < len(times) else None

    def count_strong(self, n: str, lo: datetime, hi: datetime) -> int:
        """Anomaly/log signals of ``n`` in ``[lo, hi)``."""
        times = self._strong_at.get(n, [])
        return bisect_left(times, hi) - bisect_left(times, lo)

    def count_all(self, n: str, lo: datetime, hi: datetime) -> int:
        times = self._all_at.get(n, [])
        return bisect_left(times, hi) - bisect_left(times, lo)

    def onset_of(self, n: str, after: datetime | None = None) -> SignalEvent | None:
        """The component's first anomaly/log signal (else its first alert), at or after
        ``after`` minus the skew tolerance (``after`` None: from the incident horizon on)."""
        lo = (after - self.cfg.skew) if after is not None else self.onset - self.cfg.horizon
        first = self.first_strong(n, lo)
        if first is not None:
            return first
        i = bisect_left(self._all_at.get(n, []), lo)
        sigs = self.signals.get(n, [])
        return sigs[i] if i < len(sigs) else None

    def strong_onset(self, n: str) -> datetime | None:
        """The component's onset for this incident (see ``onsets``)."""
        return self.onsets.get(n)

    def earlier_deps(self, n: str, t: datetime) -> list[str]:
        """Direct dependencies that turned anomalous shortly before ``t`` (within one
        propagation delay, and more than ``order_tol`` before) and explain ``n``'s anomaly at
        ``t`` (see :meth:`_explaining_deps`)."""
        return self._explaining_deps(n, t, t - self.cfg.propagation, t - self.cfg.order_tol)

    def busy_deps(self, n: str, t: datetime) -> list[str]:
        """Direct dependencies failing around ``t`` (one propagation delay either side) in a
        way that could explain ``n``'s anomaly at ``t``."""
        return self._explaining_deps(n, t, t - self.cfg.propagation, t + self.cfg.propagation)

    def _explaining_deps(self, n: str, t: datetime, lo: datetime, hi: datetime) -> list[str]:
        """Direct dependencies with a sustained failure in ``[lo, hi)`` that lasts while ``n``
        fails (:meth:`failing_in`) and deviates at least ``explain_ratio`` as much as ``n``
        does: a dependency barely over its threshold (z 5) does not explain a caller deviating
        tenfold more (z 60). Without magnitudes on both sides (log signals), it may."""
        until = self._explain_until(n, t)
        ratio = self.cfg.explain_ratio
        own = self.peak(n, t, t + self.cfg.sustain_window) if ratio > 0 else 0.0
        out = []
        for d in self.deps(n):
            if not self.failing_in(d, lo, hi, until):
                continue
            dep = self.peak(d, lo, hi) if own else 0.0
            if own == 0.0 or dep == 0.0 or dep >= ratio * own:
                out.append(d)
        return out

    def peak(self, n: str, lo: datetime, hi: datetime) -> float:
        """Largest health (non-traffic) metric-anomaly magnitude of ``n`` in ``[lo, hi)``."""
        times = self._strong_at.get(n, [])
        sigs = self._strong.get(n, [])[bisect_left(times, lo) : bisect_left(times, hi)]
        return max(
            (
                abs(s.magnitude)
                for s in sigs
                if s.kind == "metric_anomaly"
                and s.magnitude is not None
                and not is_traffic_signal(s)
            ),
            default=0.0,
        )

    def _explain_until(self, n: str, t: datetime) -> datetime:
        """How long a dependency's failure must last to explain ``n``'s failure at ``t``: as
        long as ``n``'s own episode, up to ``sustain_window`` (less the ordering tolerance)."""
        end = min(self.episode_end(n, t), t + self.cfg.sustain_window)
        return end - self.cfg.order_tol

    def failing_in(self, n: str, lo: datetime, hi: datetime, until: datetime) -> bool:
        """Whether ``n`` has a *sustained* failure signal in ``[lo, hi)`` whose episode lasts
        until ``until``: a one-point noise blip, or a short burst that is over while its caller
        still fails, on a dependency does not explain the caller's anomaly (nor make it a
        victim)."""
        times = self._health_at.get(n, [])
        i, j = bisect_left(times, lo), bisect_left(times, hi)
        return any(
            self.sustained(n, at) >= 1.0 and self.episode_end(n, at) >= until
            for at in dict.fromkeys(times[i:j])
        )

    def episode_end(self, n: str, t: datetime) -> datetime:
        """End of ``n``'s failure episode starting at ``t``: failure signals (each to its own
        end) that follow one another with gaps of at most ``sustain_window``. Only a metric
        anomaly's end is known (its change point back to normal); a log burst or new template
        marks when errors *began* to rise, so an episode holding one is open to the window's
        end."""
        key = (n, t)
        if key not in self._episode_end:
            times = self._strong_at.get(n, [])
            end = t
            for s in self._strong.get(n, [])[bisect_left(times, t) :]:
                if s.at > end + self.cfg.sustain_window:
                    break
                if s.kind != "metric_anomaly":
                    end = max(end, self.view.window_end)
                    break
                end = max(end, s.end_at or s.at, s.at)
            self._episode_end[key] = end
        return self._episode_end[key]

    def reaches_symptom(self, n: str, t: datetime) -> float:
        """Whether an anomaly of ``n`` at ``t`` propagates to a symptom: walking up through
        callers on the symptoms' dependency paths, each turns anomalous within one propagation
        delay after the previous, up to a symptom whose own anomaly starts within one propagation
        delay of the incident's onset (1.0; otherwise half the share of the path's hops that
        were reached). A noisy component whose burst did not travel up to the
        symptom gets a low value even when it sits on the path. Memoised per (n, t)."""
        key = (n, t)
        if key not in self._reach:
            self._reach[key] = self._reaches_symptom(n, t)
        return self._reach[key]

    def _reaches_symptom(self, n: str, t: datetime) -> float:
        if not self.path_to(n):
            return 0.0
        near = (self.onset - self.cfg.propagation, self.onset + self.cfg.propagation)
        if n in self.symptoms:
            return float(near[0] <= t <= near[1])
        best_hops = len(self.path_to(n)) - 1
        reached: dict[str, datetime] = {n: t}
        frontier = [n]
        best_depth = 0
        depth = 0
        while frontier:
            depth += 1
            nxt: list[str] = []
            for b in frontier:
                tb = reached[b]
                for a in self.callers(b):
                    if a in reached or not self.path_to(a):
                        continue
                    first = self.first_strong(a, tb - self.cfg.order_tol)
                    # one propagation delay per hop (components without signals in between)
                    if first is None or first.at > tb + self.cfg.propagation * self.hops(b, a):
                        continue
                    if self.episode_end(b, tb) < self._explain_until(a, first.at):
                        continue  # b's failure is over while a still fails: not its cause
                    if a in self.symptoms and near[0] <= first.at <= near[1]:
                        return 1.0
                    reached[a] = first.at
                    nxt.append(a)
                    best_depth = depth
            frontier = nxt
        return min(1.0, best_depth / best_hops) * 0.5 if best_hops else 0.0

    def sustained(self, n: str, t: datetime) -> float:
        """Whether the failure starting at ``t`` on ``n`` persists: a log burst or an error-level
        new template (episodes in themselves), a metric anomaly whose episode spans more than
        one point (its end after its start: a level shift, however coarse the sampling), or
        metric anomalies at two distinct times within ``sustain_window`` (1.0); a single
        one-point anomaly — a noise blip — gives 0.0."""
        key = (n, t)
        if key not in self._sustained:
            self._sustained[key] = self._sustained_at(n, t)
        return self._sustained[key]

    def _sustained_at(self, n: str, t: datetime) -> float:
        i = bisect_left(self._strong_at.get(n, []), t)
        hi = t + self.cfg.sustain_window
        times: set[datetime] = set()
        for s in self._strong.get(n, [])[i:]:
            if s.at > hi:
                break
            if s.kind != "metric_anomaly" or (s.end_at is not None and s.end_at > s.at):
                return 1.0
            times.add(s.at)
            if len(times) >= 2:
                return 1.0
        return 0.0

    def episode_reaches_symptom(self, n: str, t0: datetime, limit: int = 5) -> float:
        """:meth:`reaches_symptom` from the best of the first ``limit`` distinct failure-signal
        times of ``n``'s episode starting at ``t0`` (within ``sustain_window`` of it, and up to
        the onset plus one propagation delay): a weak first anomaly (a partial rollout) may be
        followed by the stronger one that travelled up."""
        times = self._strong_at.get(n, [])
        i = bisect_left(times, t0)
        hi = max(t0, min(self.onset + self.cfg.propagation, t0 + self.cfg.sustain_window))
        seen: list[datetime] = []
        for at in times[i:]:
            if at > hi or len(seen) >= limit:
                break
            if not seen or at != seen[-1]:
                seen.append(at)
        best = 0.0
        for at in seen or [t0]:
            best = max(best, self.reaches_symptom(n, at))
            if best >= 1.0:
                break
        return best

    def max_magnitude(self) -> float:
        """The largest metric-anomaly magnitude among on-path components' failure signals from
        ``horizon`` before the onset on (the scale of :func:`relative_magnitude`)."""
        if self._max_magnitude is None:
            lo = self.onset - self.cfg.horizon
            self._max_magnitude = max(
                (
                    abs(s.magnitude)
                    for n, sigs in self._strong.items()
                    if self.path_to(n)
                    for s in sigs
                    if s.magnitude is not None
                    and s.at >= lo
                    and s.kind == "metric_anomaly"
                    and not is_traffic_signal(s)
                ),
                default=0.0,
            )
        return self._max_magnitude

    def leads_symptom(self, n: str, t: datetime) -> float:
        """How far ``t`` precedes the symptoms' first failure signal near the onset, in
        propagation delays (capped at 1): a root turns bad before the symptom it causes, not in
        the same minute. A symptom itself gets 0.5."""
        if n in self.symptoms:
            return 0.5
        lo, hi = self.onset - self.cfg.propagation, self.onset + self.cfg.propagation
        firsts = [
            first.at
            for s in self.symptoms
            if (first := self.first_strong(s, lo)) is not None and first.at <= hi
        ]
        start = min(firsts, default=self.onset)
        lead = (start - t).total_seconds() / self.cfg.propagation.total_seconds()
        return min(1.0, max(0.0, lead))

    def strongest_at(self, n: str, lo: datetime, hi: datetime) -> datetime | None:
        """Time of the largest-magnitude metric anomaly of ``n`` in ``[lo, hi]`` (earliest on
        ties), None without one."""
        times = self._strong_at.get(n, [])
        best: tuple[float, datetime] | None = None
        for s in self._strong.get(n, [])[bisect_left(times, lo) : bisect_right(times, hi)]:
            if s.kind != "metric_anomaly" or s.magnitude is None:
                continue
            if best is None or abs(s.magnitude) > best[0]:
                best = (abs(s.magnitude), s.at)
        return best[1] if best else None

    def observed(self, n: str) -> bool:
        """Whether the component has any anomaly or log signal in the view."""
        return bool(self._strong_at.get(n))

    def caller_proxy(self, n: str, lo: datetime) -> list[tuple[str, datetime, float]]:
        """For an unobserved component: each direct caller's first anomaly at or after ``lo``,
        with 1.0 when no other dependency of that caller explains it (else 0.0)."""
        out: list[tuple[str, datetime, float]] = []
        for a in self.callers(n):
            first = self.first_strong(a, lo)
            if first is None:
                continue
            others = [d for d in self.earlier_deps(a, first.at) if d != n]
            out.append((a, first.at, 0.0 if others else 1.0))
        return out

    def caller_onsets(self, n: str, t: datetime) -> list[datetime]:
        """First anomaly of each direct caller around ``t`` (from one propagation delay before
        to ``follow_window`` after)."""
        lo = t - self.cfg.propagation
        hi = t + self.cfg.follow_window
        out = []
        for a in self.callers(n):
            first = self.first_strong(a, lo)
            if first is not None and first.at <= hi:
                out.append(first.at)
        return out


def _exp_decay(delta: timedelta, tau: timedelta) -> float:
    return math.exp(-max(0.0, delta.total_seconds()) / tau.total_seconds())


def _fmt(at: datetime) -> str:
    return at.strftime("%H:%M:%S")


def _root_support(f: Mapping[str, float]) -> float:
    return f["root_onset"] * f["deepest"] * f["reaches_symptom"]


def _component_features(
    vg: ViewGraph, n: str, after: datetime | None
) -> tuple[dict[str, float], list[Evidence], tuple[str, ...]]:
    """Features of component ``n`` around its onset: the first anomaly/log signal after
    ``after`` (a change's time, minus the skew tolerance) or, for ``after`` None, the
    component's onset for this incident."""
    cfg = vg.cfg
    f: dict[str, float] = {}
    ev: list[Evidence] = []
    path = vg.path_to(n)
    on_path = bool(path)
    f["on_path"] = float(on_path)
    f["is_symptom"] = float(n in vg.symptoms)
    f["path_len"] = 1.0 / len(path) if on_path else 0.0
    f["path_weight"] = vg.path_weight(n)
    f["coverage"] = vg.coverage(n)
    lo = (after - cfg.skew) if after is not None else vg.onset - cfg.horizon
    first = vg.first_strong(n, lo)
    t0 = first.at if first is not None else None
    end = vg.view.window_end + timedelta(seconds=1)
    f["anomalous"] = float(t0 is not None)
    f["alert_only"] = float(t0 is None and vg.count_all(n, lo, end) > 0)
    if t0 is not None:
        hi = t0 + cfg.follow_window
        episode = [s for s in vg.signals.get(n, []) if t0 <= s.at <= hi]
    else:
        episode = [s for s in vg.signals.get(n, []) if s.at >= lo]
    strong = [s for s in episode if is_failure_signal(s)]
    mags = [
        abs(s.magnitude) for s in strong if s.magnitude is not None and not is_traffic_signal(s)
    ]
    f["magnitude"] = math.tanh(max(mags) / 10.0) if mags else (0.3 if strong else 0.0)
    top = vg.max_magnitude()
    f["relative_magnitude"] = math.log1p(max(mags)) / math.log1p(top) if mags and top > 0 else 0.0
    f["loudness"] = min(1.0, math.log1p(len(episode)) / math.log1p(20))
    if t0 is not None and not on_path:
        # off every symptom path: it cannot explain the symptom, so the onset-order walks
        # (the costly part, on a large graph most anomalous components) are skipped
        f["root_onset"] = 0.0
        f["callers_follow"] = 0.0
        f["deepest"] = 0.0
        f["sustained"] = vg.sustained(n, t0)
    elif t0 is not None:
        # onset order: a direct dependency that turned bad just before suggests n is a victim
        earlier = vg.earlier_deps(n, t0)
        f["root_onset"] = 0.0 if earlier else 1.0
        f["victim"] = float(bool(earlier))
        f["deepest"] = float(not vg.busy_deps(n, t0))
        f["reaches_symptom"] = vg.episode_reaches_symptom(n, t0)
        f["leads_symptom"] = vg.leads_symptom(n, t0)
        tp = vg.strongest_at(n, t0, vg.onset + cfg.propagation) if after is None else None
        if tp is not None and tp != t0:
            # a weak first anomaly (a small level offset) may precede the component's own
            # strong one: judge the onset order at the strongest one too, keep the better
            earlier_p = vg.earlier_deps(n, tp)
            alt = {
                "root_onset": 0.0 if earlier_p else 1.0,
                "victim": float(bool(earlier_p)),
                "deepest": float(not vg.busy_deps(n, tp)),
                "reaches_symptom": vg.episode_reaches_symptom(n, tp),
            }
            if _root_support(alt) > _root_support(f):
                f.update(alt)
        f["sustained"] = vg.sustained(n, t0)
        callers = vg.caller_onsets(n, t0)
        follow = [a for a in callers if a >= t0 - cfg.order_tol]
        f["callers_follow"] = len(follow) / len(callers) if callers else 0.5
        if f["root_onset"] and callers:
            ev.append(
                Evidence(
                    kind="onset_order",
                    service=n,
                    at=t0,
                    summary=f"{n} turned anomalous at {_fmt(t0)}, before its dependencies; "
                    f"{len(follow)}/{len(callers)} anomalous callers followed "
                    f"(first at {_fmt(min(callers))})",
                    source=first.source if first else None,
                    source_ref=first.source_ref if first else None,
                    weight=f["root_onset"],
                    event_uid=first.uid if first else None,
                )
            )
    else:
        f["root_onset"] = 0.0
        f["callers_follow"] = 0.0
        f["deepest"] = 0.0
    for s in (strong or episode)[:3]:
        ev.append(
            Evidence(
                kind=s.kind,
                service=s.service,
                at=s.at,
                summary=s.summary or f"{s.kind} on {s.service}",
                source=s.source,
                source_ref=s.source_ref,
                weight=f["magnitude"],
                event_uid=s.uid,
            )
        )
    if on_path:
        comp = vg.view.components.get(n)
        ev.append(
            Evidence(
                kind="path",
                service=n,
                at=None,
                summary=f"{' → '.join(path)} ({len(path) - 1} hops); "
                f"{f['coverage']:.0%} of the symptom services depend on {n}",
                weight=f["path_len"],
                event_uid=comp.uid if comp else None,
            )
        )
    return f, ev, path


def _kind_features(kind: CauseKind) -> dict[str, float]:
    return {f"kind_{k}": float(kind == k) for k in ("deploy", "flag", "config", "infra", "service")}


def change_features(
    vg: ViewGraph, change: ChangeEvent, service: str | None, later_changes: int
) -> tuple[dict[str, float], list[Evidence], tuple[str, ...]]:
    """Features of ``change`` placed on ``service`` (None: reaches no known component)."""
    cfg = vg.cfg
    kind = cause_kind(change.kind)
    f: dict[str, float] = {"is_change": 1.0, **_kind_features(kind)}
    ev: list[Evidence] = []
    path: tuple[str, ...] = ()
    if service is not None:
        cf, cev, path = _component_features(vg, service, change.at)
        f.update(cf)
        ev.extend(cev)
        first = vg.first_strong(service, change.at - cfg.skew)
        if first is not None:
            f["anomaly_after_change"] = _exp_decay(first.at - change.at, cfg.tau_component)
            f["change_explains"] = (
                f["anomaly_after_change"]
                * f["root_onset"]
                * f.get("reaches_symptom", 0.0)
                * f.get("sustained", 0.0)
            )
        elif not vg.observed(service):
            # no anomaly or log signal at all (no metrics): its direct callers stand in, the
            # best one (discounted) for the component's own onset features
            proxies = vg.caller_proxy(service, change.at - cfg.skew)
            if proxies:
                f["unobserved_proxy"] = 1.0
                best = max(
                    (
                        _exp_decay(at - change.at, cfg.tau_component),
                        root,
                        vg.reaches_symptom(caller, at),
                        caller,
                        at,
                    )
                    for caller, at, root in proxies
                )
                near, root, reach, caller, at = best
                d = cfg.proxy_discount
                f["change_explains"] = d * near * root * reach
                f["anomalous"] = d
                f["anomaly_after_change"] = d * near
                f["root_onset"] = d * root
                f["deepest"] = d * root
                f["reaches_symptom"] = d * reach
                f["sustained"] = d * vg.sustained(caller, at)
            # an alert on the component itself after the change: its own monitoring saw it
            alerts = vg.count_all(service, change.at - cfg.skew, change.at + cfg.follow_window)
            if alerts:
                f["alert_after_change"] = 1.0
                f["alert_only"] = 0.0
        new_tpl = [
            s
            for s in vg.signals.get(service, [])
            if s.kind == "new_log_template"
            and is_failure_signal(s)
            and change.at - cfg.skew <= s.at <= change.at + cfg.follow_window
        ]
        f["new_template_after_change"] = float(bool(new_tpl))
        # before/after comparison: anomalies in the same span before and after the change
        # (an isolated old blip matters little; a component already failing matters a lot)
        before = vg.count_strong(service, change.at - cfg.compare_window, change.at - cfg.skew)
        after = vg.count_strong(service, change.at - cfg.skew, change.at + cfg.compare_window)
        f["anomalous_before_change"] = before / (before + after) if before else 0.0
        if vg.failing_in(service, change.at - cfg.compare_window, change.at - cfg.skew, change.at):
            # a sustained failure already under way when the change came (a mitigation
            # during the incident, say) was not caused by it
            f["anomalous_before_change"] = 1.0
            f["change_explains"] = 0.0
    else:
        f["no_service"] = 1.0
    # a change is judged by what followed it, not by how loud its component is beside others
    f["relative_magnitude"] = 1.0
    gap = vg.onset - change.at
    if gap < -cfg.skew:
        f["change_after_onset"] = 1.0
        f["change_to_onset"] = 0.0
    else:
        f["change_to_onset"] = _exp_decay(gap, cfg.tau_onset)
    sym_first = [
        sig.at for s in vg.symptoms if (sig := vg.first_strong(s, change.at - cfg.skew)) is not None
    ]
    if sym_first:
        f["change_to_symptom"] = _exp_decay(min(sym_first) - change.at, cfg.tau_symptom)
    else:
        f["change_to_symptom"] = f["change_to_onset"]
    f["rollback"] = float(change.rollback)
    f["rollout_share"] = change.rollout_share if change.rollout_share is not None else 1.0
    f["first_deploy"] = (
        0.5 if change.first_deploy_of_version is None else float(change.first_deploy_of_version)
    )
    f["recency"] = 1.0 / (1 + later_changes)
    where = f" on {service}" if service else ""
    ev.insert(
        0,
        Evidence(
            kind="change",
            service=service,
            at=change.at,
            summary=f"{change.kind} {change.change_id}{where} at {_fmt(change.at)}, "
            f"{_minutes(gap)} before onset" + (f": {change.summary}" if change.summary else ""),
            source=change.source,
            source_ref=change.source_ref,
            weight=f["change_to_onset"],
            event_uid=change.uid,
        ),
    )
    return f, ev, path


def _minutes(delta: timedelta) -> str:
    m = delta.total_seconds() / 60
    return f"{m:.1f} min" if m >= 0 else f"{-m:.1f} min after, not"


def build_candidates(
    view: IncidentView,
    cfg: FeatureConfig | None = None,
    priors: Priors | None = None,
    placement: Placement | None = None,
) -> list[CandidateFeatures]:
    """Every candidate of ``view`` with its features and evidence (unscored, unordered).

    ``placement`` chooses the component of a change that touches several (default: the one
    with the most direct evidence, see :func:`default_placement`).
    """
    cfg = cfg or FeatureConfig()
    vg = ViewGraph(view, cfg)
    place = placement or default_placement
    onset_cut = vg.onset + cfg.skew
    changes = sorted(view.changes, key=lambda c: c.at)
    out: list[CandidateFeatures] = []
    changed_at: dict[str, list[datetime]] = defaultdict(list)
    change_times = [c.at for c in changes]
    n_before_cut = bisect_right(change_times, onset_cut)
    for i, ch in enumerate(changes):
        later = max(0, n_before_cut - (i + 1))
        options: list[tuple[dict[str, float], list[Evidence], tuple[str, ...], str | None]] = []
        services: Iterable[str | None] = ch.services or (None,)
        for svc in services:
            f, ev, path = change_features(vg, ch, svc, later)
            options.append((f, ev, path, svc))
        f, ev, path, svc = max(options, key=lambda o: place(o[0]))
        for s in ch.services:
            changed_at[s].append(ch.at)
        out.append(
            CandidateFeatures(
                kind=cause_kind(ch.kind),
                service=svc,
                change=ch,
                features=f,
                path=path,
                evidence=ev,
                target_uid=ch.uid,
            )
        )
    for n in sorted(vg.signals):
        f, ev, path = _component_features(vg, n, None)
        f.update({"is_change": 0.0, **_kind_features("service")})
        t0 = vg.strong_onset(n)
        if t0 is not None:
            # a change on it, or on a direct dependency without signals of its own, shortly
            # before its onset explains its anomaly better than a fault of its own
            near = [n, *(d for d in vg.g.successors(n) if not vg.observed(d))] if n in vg.g else [n]
            f["explained_by_change"] = float(
                any(
                    t0 - cfg.tau_onset <= at <= t0 + cfg.skew
                    for m in near
                    for at in changed_at.get(m, [])
                )
            )
        f["root_explains"] = (
            f["root_onset"]
            * f["deepest"]
            * f.get("reaches_symptom", 0.0)
            * (1.0 - f.get("explained_by_change", 0.0))
            * f.get("sustained", 0.0)
        )
        f["change_to_onset"] = 0.0
        comp = view.components.get(n)
        out.append(
            CandidateFeatures(
                kind="service",
                service=n,
                change=None,
                features=f,
                path=path,
                evidence=ev,
                target_uid=comp.uid if comp else None,
            )
        )
    if priors is not None:
        for c in out:
            ps, pk = priors.features(c.service, c.kind)
            c.features["prior_service_kind"] = ps
            c.features["prior_kind"] = pk
    for c in out:
        for name in FEATURE_NAMES:
            c.features.setdefault(name, 0.0)
    return out


def default_placement(features: Mapping[str, float]) -> float:
    """Prefer the component with an anomaly right after the change, on a symptom's path."""
    return (
        3 * features.get("anomaly_after_change", 0.0)
        + 2 * features.get("on_path", 0.0)
        + features.get("root_onset", 0.0)
        + features.get("coverage", 0.0)
    )


def feature_matrix(cands: Sequence[CandidateFeatures]) -> list[list[float]]:
    return [c.vector() for c in cands]
