"""Explainable evidence features of root-cause candidates.

Candidates of an incident (:func:`build_candidates`):

* every change in the view's window up to shortly after onset — kind ``deploy``, ``flag``,
  ``config`` or ``infra`` (:func:`~rcagraph.engine.view.cause_kind`); a change touching several
  components is placed on the one its evidence supports best; a flag change that reaches no
  component is still a candidate (with ``service`` None);
* every component with signals (anomalies, log bursts, new templates, alerts) in the window —
  kind ``service`` with ``change_id`` None.

Every feature is a number in [0, 1] (or a small signed prior) with a plain meaning, listed in
:data:`FEATURES`. The dependency graph is a :mod:`networkx` digraph with edges from the
dependent to what it needs, so walking *out* of a symptom walks towards its causes.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import networkx as nx

from rcagraph.engine.result import Evidence
from rcagraph.engine.view import CauseKind, ChangeEvent, IncidentView, SignalEvent, cause_kind

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
    "new_template_after_change": "a new log template appears on the component within 30 min "
    "after the change",
    "change_to_onset": "exp(-Δ/30 min), Δ from the change to the incident's onset "
    "(changes after onset beyond the clock-skew tolerance get 0)",
    "change_to_symptom": "exp(-Δ/20 min), Δ from the change to the first symptom signal after it",
    "anomalous_before_change": "the component was already anomalous before the change",
    "change_after_onset": "the change came after the onset (beyond the skew tolerance)",
    "root_onset": "no anomalous dependency of the component began earlier (onset order)",
    "callers_follow": "share of the component's anomalous callers whose onset is not earlier",
    "victim": "the component is anomalous but a dependency of it turned anomalous earlier",
    "deepest": "no dependency of the component shows anomalies (the deepest anomalous one)",
    "explained_by_change": "for a component candidate: a change on it precedes its onset",
    "magnitude": "tanh(max anomaly magnitude / 10) on the component",
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

#: scores a (change, component) option, to choose where a multi-component change acts
Placement = Callable[[Mapping[str, float]], float]


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    """Time constants and tolerances of the features (documented in :data:`FEATURES`)."""

    skew: timedelta = timedelta(minutes=2)
    tau_component: timedelta = timedelta(minutes=10)
    tau_onset: timedelta = timedelta(minutes=30)
    tau_symptom: timedelta = timedelta(minutes=20)
    follow_window: timedelta = timedelta(minutes=30)


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
    """The dependency structure and signal timing of one view, computed once."""

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
        self.symptoms = [s.service for s in view.incident.symptoms if s.service in g]
        self.onset = view.incident.started_at
        # shortest hop paths from each symptom (dependency direction)
        self.paths: dict[str, dict[str, list[str]]] = {
            s: nx.single_source_shortest_path(g, s) for s in self.symptoms
        }
        self.best_share: dict[str, dict[str, float]] = {}
        for s in self.symptoms:
            dist = nx.single_source_dijkstra_path_length(g, s, weight="cost")
            self.best_share[s] = {n: math.exp(-c) for n, c in dist.items()}
        self.signals: dict[str, list[SignalEvent]] = defaultdict(list)
        for sig in sorted(view.signals, key=lambda x: x.at):
            self.signals[sig.service].append(sig)
        self._desc: dict[str, set[str]] = {}
        self._anc: dict[str, set[str]] = {}

    # -- structure --------------------------------------------------------------------------

    def descendants(self, n: str) -> set[str]:
        if n not in self._desc:
            self._desc[n] = set(nx.descendants(self.g, n)) if n in self.g else set()
        return self._desc[n]

    def ancestors(self, n: str) -> set[str]:
        if n not in self._anc:
            self._anc[n] = set(nx.ancestors(self.g, n)) if n in self.g else set()
        return self._anc[n]

    def path_to(self, n: str) -> tuple[str, ...]:
        best: list[str] | None = None
        for s in self.symptoms:
            p = self.paths[s].get(n)
            if p is not None and (best is None or len(p) < len(best)):
                best = p
        return tuple(best) if best else ()

    def path_weight(self, n: str) -> float:
        return max((self.best_share[s].get(n, 0.0) for s in self.symptoms), default=0.0)

    def coverage(self, n: str) -> float:
        if not self.symptoms:
            return 0.0
        return sum(1 for s in self.symptoms if n in self.paths[s]) / len(self.symptoms)

    # -- timing -------------------------------------------------------------------------------

    def onset_of(self, n: str, after: datetime | None = None) -> SignalEvent | None:
        """The component's first anomaly/log signal (else its first alert), at or after
        ``after`` minus the skew tolerance."""
        sigs = self.signals.get(n, [])
        if after is not None:
            lo = after - self.cfg.skew
            sigs = [s for s in sigs if s.at >= lo]
        strong = [s for s in sigs if s.kind in _LOG_SIGNALS]
        pool = strong or sigs
        return pool[0] if pool else None

    def strong_onset(self, n: str) -> datetime | None:
        for s in self.signals.get(n, []):
            if s.kind in _LOG_SIGNALS:
                return s.at
        return None


def _exp_decay(delta: timedelta, tau: timedelta) -> float:
    return math.exp(-max(0.0, delta.total_seconds()) / tau.total_seconds())


def _fmt(at: datetime) -> str:
    return at.strftime("%H:%M:%S")


def _component_features(
    vg: ViewGraph, n: str, after: datetime | None
) -> tuple[dict[str, float], list[Evidence], tuple[str, ...]]:
    """Features of component ``n`` (signals considered from ``after`` on, if given)."""
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
    lo = after - cfg.skew if after is not None else None
    sigs = [s for s in vg.signals.get(n, []) if lo is None or s.at >= lo]
    strong = [s for s in sigs if s.kind in _LOG_SIGNALS]
    f["anomalous"] = float(bool(strong))
    f["alert_only"] = float(bool(sigs) and not strong)
    mags = [abs(s.magnitude) for s in strong if s.magnitude is not None]
    f["magnitude"] = math.tanh(max(mags) / 10.0) if mags else (0.3 if strong else 0.0)
    f["loudness"] = min(1.0, math.log1p(len(sigs)) / math.log1p(20))
    first = vg.onset_of(n, after)
    t0 = vg.strong_onset(n) if after is None else (first.at if first and strong else None)
    if t0 is not None:
        # onset order: dependencies that turned anomalous earlier suggest n is a victim
        earlier_deps = [
            d
            for d in vg.descendants(n)
            if (od := vg.strong_onset(d)) is not None and od < t0 - cfg.skew
        ]
        f["root_onset"] = 0.0 if earlier_deps else 1.0
        f["victim"] = float(bool(earlier_deps) and bool(strong or after is None))
        callers = [a for a in vg.ancestors(n) if vg.strong_onset(a) is not None]
        if callers:
            follow = [a for a in callers if (vg.strong_onset(a) or t0) >= t0 - cfg.skew]
            f["callers_follow"] = len(follow) / len(callers)
        else:
            f["callers_follow"] = 0.5
        f["deepest"] = float(not any(vg.strong_onset(d) is not None for d in vg.descendants(n)))
        if f["root_onset"] and callers:
            later = sorted((vg.strong_onset(a) or t0) for a in callers)
            ev.append(
                Evidence(
                    kind="onset_order",
                    service=n,
                    at=t0,
                    summary=f"{n} turned anomalous at {_fmt(t0)}, before its dependencies; "
                    f"{len(follow)}/{len(callers)} anomalous callers followed "
                    f"(first at {_fmt(later[0])})",
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
    for s in (strong or sigs)[:3]:
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
        first = vg.onset_of(service, change.at)
        if first is not None and first.kind in _LOG_SIGNALS:
            f["anomaly_after_change"] = _exp_decay(first.at - change.at, cfg.tau_component)
        new_tpl = [
            s
            for s in vg.signals.get(service, [])
            if s.kind == "new_log_template"
            and change.at - cfg.skew <= s.at <= change.at + cfg.follow_window
        ]
        f["new_template_after_change"] = float(bool(new_tpl))
        before = [
            s
            for s in vg.signals.get(service, [])
            if s.kind in _LOG_SIGNALS and s.at < change.at - cfg.skew
        ]
        f["anomalous_before_change"] = float(bool(before))
    else:
        f["no_service"] = 1.0
    gap = vg.onset - change.at
    if gap < -cfg.skew:
        f["change_after_onset"] = 1.0
        f["change_to_onset"] = 0.0
    else:
        f["change_to_onset"] = _exp_decay(gap, cfg.tau_onset)
    sym_first = [
        t
        for s in vg.symptoms
        if (sig := vg.onset_of(s, change.at)) is not None and (t := sig.at) is not None
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
    for i, ch in enumerate(changes):
        later = sum(1 for c in changes[i + 1 :] if c.at <= onset_cut)
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
            f["explained_by_change"] = float(
                any(t0 - cfg.tau_onset <= at <= t0 + cfg.skew for at in changed_at.get(n, []))
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
