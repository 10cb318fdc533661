"""The features of a component around its onset: position on the symptom paths, size, onset
order and propagation (shared by change candidates, placed on a component, and component
candidates)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta

from rcagraph.engine.features.classify import is_failure_signal, is_traffic_signal
from rcagraph.engine.features.index import is_declared
from rcagraph.engine.features.view_graph import ViewGraph
from rcagraph.engine.result import Evidence


def exp_decay(delta: timedelta, tau: timedelta) -> float:
    return math.exp(-max(0.0, delta.total_seconds()) / tau.total_seconds())


def clock_time(at: datetime) -> str:
    return at.strftime("%H:%M:%S")


def _root_support(f: Mapping[str, float]) -> float:
    return f["root_onset"] * f["deepest"] * f["reaches_symptom"]


def component_features(
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
    if after is None and cfg.ongoing_onsets:
        # the component's onset for this incident: its first signal still under way at the
        # incident's onset (as ViewGraph.onsets and the strength have it); an episode that
        # began and ended earlier in the lookback is another event, not where this one began
        first = vg.first_ongoing(n, lo, vg.onset - cfg.skew)
    else:
        first = vg.first_strong(n, lo)
    if first is not None and is_declared(first):
        # the incident's declaration of a symptom failing takes part in the others' onset
        # order and propagation; the symptom's own onset is what was detected on it (else a
        # symptom whose first sample comes minutes after the declared start is taken for a
        # root that failed before all its dependencies)
        first = vg.first_detected(n, first.at)
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
    f["dominance"] = vg.strength.dominance(n)
    f["signal_match"] = vg.strength.match(n)
    f["saturation_dominance"] = vg.strength.saturation(n)
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
        f["sustained"] = vg.sustained(n, t0)
        if after is None:
            # the first anomaly in the lookback may not be this incident's: a weak first one (a
            # small level offset) may precede the component's own strong one, and on real
            # telemetry an earlier, unrelated episode (a blip, a previous fault) may lie in
            # the lookback. Judge the onset order also at the strongest anomaly and at the
            # episode under way at the onset, and keep the best supported.
            near = vg.first_detected(n, vg.onset - cfg.propagation)
            alternatives = {
                vg.strongest_at(n, t0, vg.onset + cfg.propagation),
                near.at if near is not None and near.at <= vg.onset + cfg.propagation else None,
            }
            for tp in sorted(t for t in alternatives if t is not None and t != t0):
                earlier_p = vg.earlier_deps(n, tp)
                alt = {
                    "root_onset": 0.0 if earlier_p else 1.0,
                    "victim": float(bool(earlier_p)),
                    "deepest": float(not vg.busy_deps(n, tp)),
                    "reaches_symptom": vg.episode_reaches_symptom(n, tp),
                    "sustained": vg.sustained(n, tp),
                }
                if _root_support(alt) * (0.5 + alt["sustained"]) > _root_support(f) * (
                    0.5 + f["sustained"]
                ):
                    f.update(alt)
        if (
            cfg.resource_root > 0.0
            and (f["victim"] or not f["deepest"])
            and vg.strength.own_resources(n) >= cfg.resource_root
        ):
            # its own CPU or memory went far beyond normal: a dependency that turned bad
            # around the same time does not explain that (it would show here as latency or
            # errors), so the onset order does not make it a victim
            f["victim"] = 0.0
            f["root_onset"] = 1.0
            f["deepest"] = 1.0
        if 0.0 < cfg.resource_root <= vg.strength.own_resources(n):
            # a component starved of its own CPU or memory slows every call it serves: on a
            # symptom's path, that explains the symptom at least in part even when its callers'
            # latency hides in their own noise and the walk up cannot trace it
            f["reaches_symptom"] = max(f["reaches_symptom"], cfg.resource_reach)
        peers = vg.mirrored_peers(n, t0)
        if peers:
            # seen only through its callers, failing with an instrumented peer of theirs: the
            # peer explains what the callers measured (a load balancer shows its backend's
            # latency), so this one is not where the failure began
            f["mirrors_peer"] = 1.0
            f["root_onset"] = 0.0
            ev.append(
                Evidence(
                    kind="onset_order",
                    service=n,
                    at=t0,
                    summary=f"{n} is seen only through its callers' measurements, and "
                    f"{' and '.join(peers)}, which they also call, failed the same way at "
                    "the same time",
                    weight=1.0,
                )
            )
        comp_info = vg.view.components.get(n)
        if (
            comp_info is not None
            and comp_info.instrumented is False
            and not vg.felt_by_callers(n, t0)
        ):
            # seen only through its callers, whose own health did not follow the failures they
            # measured: those calls are not on their critical path
            f["unfelt_by_callers"] = 1.0
        callers = vg.caller_onsets(n, t0)
        follow = [a for a in callers if a >= t0 - cfg.order_tol]
        f["callers_follow"] = len(follow) / len(callers) if callers else 0.5
        if f["root_onset"] and callers:
            ev.append(
                Evidence(
                    kind="onset_order",
                    service=n,
                    at=t0,
                    summary=f"{n} turned anomalous at {clock_time(t0)}, before its dependencies; "
                    f"{len(follow)}/{len(callers)} anomalous callers followed "
                    f"(first at {clock_time(min(callers))})",
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
