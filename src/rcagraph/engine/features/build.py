"""Candidate enumeration: every change and every component with signals of a view, with its
features and evidence (see :mod:`rcagraph.engine.features`)."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from rcagraph.engine.features.candidate import CandidateFeatures
from rcagraph.engine.features.catalogue import FEATURE_NAMES
from rcagraph.engine.features.change import change_features, kind_features
from rcagraph.engine.features.component import component_features, exp_decay
from rcagraph.engine.features.config import FeatureConfig, Placement
from rcagraph.engine.features.priors import Priors
from rcagraph.engine.features.view_graph import ViewGraph
from rcagraph.engine.result import Evidence
from rcagraph.engine.view import IncidentView, cause_kind


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
        f, ev, path = component_features(vg, n, None)
        f.update({"is_change": 0.0, **kind_features("service")})
        t0 = vg.strong_onset(n)
        if t0 is not None:
            # a change on it, or on a direct dependency without signals of its own, shortly
            # before its onset explains its anomaly better than a fault of its own
            near = [n, *(d for d in vg.g.successors(n) if not vg.observed(d))] if n in vg.g else [n]
            ats = [
                at
                for m in near
                for at in changed_at.get(m, [])
                if t0 - cfg.tau_onset <= at <= t0 + cfg.skew
            ]
            # graded like the change's own support (anomaly_after_change): a change just
            # before the onset explains it, one twenty minutes earlier hardly does
            f["explained_by_change"] = max(
                (exp_decay(t0 - at - cfg.skew, cfg.tau_component) for at in ats), default=0.0
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
        f = c.features
        f.update({name: 0.0 for name in FEATURE_NAMES if name not in f})
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
