"""rcagraph.engine.strength and the engine's real-telemetry mechanisms on hand-built views."""

from __future__ import annotations

import dataclasses
import math

import pytest

from rcagraph.engine.features import FeatureConfig, build_candidates, is_failure_signal
from rcagraph.engine.features.classify import signal_class
from rcagraph.engine.features.view_graph import ViewGraph
from rcagraph.engine.scorer import DefaultScorer
from rcagraph.engine.strength import FOLD_CAP, fold_change, propagating_classes, view_strength
from rcagraph.engine.view import IncidentView, SignalEvent, Symptom
from tests.unit.engine.views import ONSET, shop_view, sig, t


def metric(service: str, minutes: float, name: str, z: float, excess: float | None) -> SignalEvent:
    return dataclasses.replace(
        sig(service, minutes, mag=z), metric=name, direction="up", excess=excess
    )


def strength_of(view: IncidentView) -> tuple[float, float, float]:
    s = view_strength(
        view, lo=t(-20), hi=t(30), is_failure=is_failure_signal, signal_class=signal_class
    )
    return s.dominance("cart"), s.dominance("payment"), s.match("cart")


def test_dominance_uses_the_excess_beyond_normal_operation() -> None:
    """payment's latency z is larger, but within what its series does normally (excess 0);
    cart's CPU went far beyond its envelope: cart dominates."""
    view = shop_view(
        signals=[
            metric("cart", -3, "cpu_usage_percent", z=40, excess=35),
            metric("payment", -3, "latency_p99", z=80, excess=0.0),
        ]
    )
    cart, payment, match = strength_of(view)
    assert cart == pytest.approx(1.0)
    assert payment == 0.0
    assert match == 1.0  # saturation explains a latency symptom


def test_without_an_envelope_the_robust_z_stands_in() -> None:
    view = shop_view(
        signals=[
            metric("cart", -3, "cpu_usage_percent", z=10, excess=None),
            metric("payment", -3, "latency_p99", z=100, excess=None),
        ]
    )
    cart, payment, _ = strength_of(view)
    assert payment == pytest.approx(1.0) and 0.0 < cart < 1.0


def test_signal_match_follows_the_symptom_class() -> None:
    view = shop_view(signals=[metric("cart", -3, "latency_p95", z=20, excess=15)])
    view = dataclasses.replace(
        view,
        incident=dataclasses.replace(view.incident, symptoms=(Symptom("frontend", "errors"),)),
    )
    assert strength_of(view)[2] == 0.0  # latency does not explain an error symptom
    assert propagating_classes({"errors"}) == frozenset({"errors", "availability"})
    assert propagating_classes({"latency"}) == frozenset(
        {"latency", "saturation", "errors", "availability"}
    )
    assert propagating_classes({"other"}) is None


def test_class_aware_onsets_ignore_latency_noise_in_an_error_incident() -> None:
    """An availability incident: payment's real error onset is preceded by latency noise on its
    dependency-less neighbour... here on cart, which payment does not depend on; and checkout
    shows latency noise *before* payment's errors. With class-aware onsets, checkout's latency
    marks no onset, so payment's errors are the root's."""
    signals = [
        dataclasses.replace(metric("payment", -6, "error_ratio", z=30, excess=25)),
        metric("checkout", -9, "latency_p99", z=12, excess=6),
        dataclasses.replace(metric("checkout", -4, "error_ratio", z=20, excess=18)),
        dataclasses.replace(metric("frontend", -2, "error_ratio", z=15, excess=12)),
    ]
    view = shop_view(signals=signals)
    view = dataclasses.replace(
        view,
        incident=dataclasses.replace(view.incident, symptoms=(Symptom("frontend", "errors"),)),
    )
    aware = DefaultScorer().rank(view).candidates[0]
    assert aware.service == "payment"
    blind = {
        c.service: c.features
        for c in build_candidates(view, FeatureConfig(class_aware=False))
        if c.change is None
    }
    seen = {
        c.service: c.features for c in build_candidates(view, FeatureConfig()) if c.change is None
    }
    # blind to classes, checkout's latency at -9 is its onset, before payment's errors
    assert blind["checkout"]["root_onset"] == 1.0
    assert seen["checkout"]["victim"] == 1.0


def test_the_episode_under_way_at_the_onset_stands_for_the_component() -> None:
    """redis had an unrelated one-point blip 15 min before; its real, sustained failure begins
    just before the onset and travels up. The old blip must not stand for redis's onset."""
    signals = [
        sig("redis", -15, mag=9, lasts=None),
        sig("cart", -16, mag=9, lasts=None),
        sig("redis", -3, mag=30),
        sig("cart", -2),
        sig("checkout", -1),
        sig("frontend", 0),
    ]
    view = shop_view(signals=signals)
    feats = {
        c.service: c.features for c in build_candidates(view, FeatureConfig()) if c.change is None
    }
    assert feats["redis"]["sustained"] == 1.0
    assert feats["redis"]["root_explains"] > 0.0
    assert DefaultScorer().rank(view).candidates[0].service == "redis"
    assert t(0) == ONSET


def test_a_class_observed_only_on_the_symptom_is_not_followed() -> None:
    """An error symptom, but no dependency exports anything of the errors class (only latency
    and CPU): the class cannot be followed, so it does not make the symptom its own root;
    every class marks onsets again, and the saturated dependency is the root."""
    signals = [
        metric("redis", -6, "cpu_usage_percent", z=40, excess=35),
        metric("cart", -5, "latency_p99", z=20, excess=15),
        metric("checkout", -4, "latency_p99", z=18, excess=12),
        metric("frontend", -2, "error_ratio", z=15, excess=12),
    ]
    view = shop_view(signals=signals)
    view = dataclasses.replace(
        view,
        incident=dataclasses.replace(view.incident, symptoms=(Symptom("frontend", "errors"),)),
    )
    feats = {
        c.service: c.features for c in build_candidates(view, FeatureConfig()) if c.change is None
    }
    assert feats["frontend"]["victim"] == 1.0
    assert DefaultScorer().rank(view).candidates[0].service == "redis"


def folded(
    service: str, minutes: float, name: str, z: float, baseline: float, value: float
) -> SignalEvent:
    return dataclasses.replace(
        metric(service, minutes, name, z=z, excess=z), baseline=baseline, value=value
    )


def test_dominance_compares_fold_changes_not_robust_z() -> None:
    """payment's latency sits at 4.4 ms to the microsecond, so 4.4 → 7 ms is z 1000; cart's
    CPU went 0.5 % → 85 % (z 40, noisier). By robust z alone payment would lead; with how
    many-fold each changed beside it, cart does."""
    view = shop_view(
        signals=[
            folded("cart", -3, "cpu_usage_percent", z=40, baseline=0.5, value=85.0),
            folded("payment", -3, "latency_p99", z=1000, baseline=0.0044, value=0.007),
        ]
    )
    cart, payment, _ = strength_of(view)
    by_z = math.log1p(40) / math.log1p(1000)
    assert cart == pytest.approx(0.5 * (1.0 + by_z))  # the largest fold change
    # fold changes with the 1 % floor: cart ×63.6 (0.5 + 0.85 → 85 + 0.85), payment ×1.58
    fold = math.log((0.007 + 7e-5) / (0.0044 + 7e-5)) / math.log(85.85 / 1.35)
    assert payment == pytest.approx(0.5 * (fold + 1.0), rel=0.01)  # the largest excess
    assert cart > payment


def test_an_error_log_burst_is_sized_like_a_metrics_fold_change() -> None:
    """cart's only evidence is an error-log burst at 160x its baseline rate (an exception fault
    with no metric change); payment's latency went 2.5-fold. The burst's fold change puts cart
    first; before, log evidence took no part in dominance and cart scored 0."""
    burst = dataclasses.replace(sig("cart", -2, kind="log_burst", mag=160.0), severity="ERROR")
    view = shop_view(
        signals=[burst, folded("payment", -2, "latency_p99", z=12, baseline=0.2, value=0.5)]
    )
    cart, payment, match = strength_of(view)
    assert cart == pytest.approx(1.0)  # log(160) caps at the hundredfold of FOLD_CAP
    assert 0.0 < payment < 0.7  # its fold-change share is 0.2, its excess the largest
    assert match == 1.0  # errors explain a latency symptom
    # a burst no larger than the baseline rate adds the errors class, not size
    flat = dataclasses.replace(burst, magnitude=1.0)
    assert strength_of(shop_view(signals=[flat]))[0] == 0.0


def test_fold_change_of_availability_compares_the_unavailable_share() -> None:
    # 99.9 % → 97 %: 0.1 → 3 points unavailable (floored at 1 % of 3)
    down = folded("cart", 0, "availability_percent", z=30, baseline=99.9, value=97.0)
    assert fold_change(down, "availability") == pytest.approx(math.log(3.03 / 0.13), rel=0.01)
    perfect = folded("cart", 0, "availability_percent", z=30, baseline=100.0, value=97.0)
    assert fold_change(perfect, "availability") == pytest.approx(FOLD_CAP)  # from none
    ratio = folded("cart", 0, "success_ratio", z=30, baseline=0.99, value=0.5)  # a 0–1 scale
    assert fold_change(ratio, "availability") == pytest.approx(math.log(0.505 / 0.015), rel=0.01)
    from_zero = folded("cart", 0, "error_ratio", z=30, baseline=0.0, value=0.2)
    assert fold_change(from_zero, "errors") == pytest.approx(FOLD_CAP)
    assert fold_change(metric("cart", 0, "x", z=5, excess=1), "latency") is None


def test_an_episode_over_before_the_onset_is_not_this_incidents_strength() -> None:
    """payment had a huge episode 15 minutes before the onset, over 10 minutes before it (an
    earlier incident); cart turns bad now. Only cart's episode counts."""
    earlier = dataclasses.replace(
        folded("payment", -15, "latency_p99", z=900, baseline=0.01, value=1.0), end_at=t(-10)
    )
    now = folded("cart", -1, "cpu_usage_percent", z=30, baseline=10.0, value=60.0)
    view = shop_view(signals=[earlier, now])
    s = view_strength(
        view,
        lo=t(-20),
        hi=t(30),
        is_failure=is_failure_signal,
        signal_class=signal_class,
        ongoing_from=t(-2),
    )
    assert s.dominance("cart") == pytest.approx(1.0) and s.dominance("payment") == 0.0
    assert s.excess.keys() == {"cart"}
    everything = view_strength(
        view, lo=t(-20), hi=t(30), is_failure=is_failure_signal, signal_class=signal_class
    )
    assert everything.dominance("payment") == pytest.approx(1.0)


def test_a_components_onset_is_its_episode_under_way_at_the_incident() -> None:
    """cart had an episode 15–10 minutes before the onset (an earlier incident) and turns bad
    again a minute before it: its onset for this incident is the second episode."""
    earlier = dataclasses.replace(
        metric("cart", -15, "cpu_usage_percent", z=30, excess=25), end_at=t(-10)
    )
    now = metric("cart", -1, "cpu_usage_percent", z=30, excess=25)
    view = shop_view(signals=[earlier, now])
    assert ViewGraph(view, FeatureConfig()).strong_onset("cart") == t(-1)
    old = ViewGraph(view, FeatureConfig(ongoing_onsets=False))
    assert old.strong_onset("cart") == t(-15)


def _service_features(
    view: IncidentView, cfg: FeatureConfig | None = None
) -> dict[str, dict[str, float]]:
    return {
        c.service: c.features
        for c in build_candidates(view, cfg or FeatureConfig())
        if c.kind == "service" and c.service is not None
    }


def test_own_cpu_beyond_normal_is_not_explained_by_an_earlier_dependency() -> None:
    """checkout's CPU went 5 % → 95 % (a CPU fault on the caller); payment's latency rose a
    minute earlier. A slow dependency shows in its callers as latency or errors, not as their
    CPU, so checkout is not payment's victim. A thread pool filling up is what a slow
    dependency does to its callers: that stays the victim's sign."""
    payment = folded("payment", -4, "latency_p99", z=15, baseline=0.1, value=0.3)
    cpu = folded("checkout", -2, "cpu_usage_percent", z=40, baseline=5.0, value=95.0)
    f = _service_features(shop_view(signals=[payment, cpu]))["checkout"]
    assert f["victim"] == 0.0 and f["root_onset"] == 1.0 and f["deepest"] == 1.0
    off = _service_features(shop_view(signals=[payment, cpu]), FeatureConfig(resource_root=0.0))
    assert off["checkout"]["victim"] == 1.0 and off["checkout"]["root_onset"] == 0.0
    threads = folded("checkout", -2, "thread_pool_active", z=40, baseline=5.0, value=95.0)
    assert _service_features(shop_view(signals=[payment, threads]))["checkout"]["victim"] == 1.0


def test_a_components_features_start_from_its_episode_under_way_at_the_onset() -> None:
    """cart's first anomaly in the lookback is an earlier incident's (a huge one, over 10
    minutes before the onset); its episode under way now is smaller. Its size and the evidence
    shown come from the episode under way, not from the earlier one."""
    cart_then = dataclasses.replace(
        metric("cart", -15, "latency_p99", z=90, excess=85), end_at=t(-10)
    )
    cart_now = metric("cart", -2, "latency_p99", z=6, excess=4)
    view = shop_view(signals=[cart_then, cart_now])
    cand = next(c for c in build_candidates(view, FeatureConfig()) if c.service == "cart")
    assert [e.at for e in cand.evidence if e.kind == "metric_anomaly"] == [t(-2)]
    assert cand.features["magnitude"] == pytest.approx(math.tanh(0.6))
    old = next(
        c
        for c in build_candidates(view, FeatureConfig(ongoing_onsets=False))
        if c.service == "cart"
    )
    assert t(-15) in [e.at for e in old.evidence]


def test_own_cpu_on_the_path_reaches_the_symptom_when_callers_hide_it() -> None:
    """payment's CPU went 0.3 % → 80 % at the onset; checkout, its only caller, has a noisy
    latency of its own that never flagged the slowdown (its last anomaly was long before), so
    the walk up cannot trace payment's failure to the symptom. Its own saturation still
    explains the symptom in part; a latency rise alone does not."""
    cpu = folded("payment", 0.5, "cpu_usage_percent", z=500, baseline=0.3, value=80.0)
    old = dataclasses.replace(sig("checkout", -19, mag=9), end_at=t(-18))
    f = _service_features(shop_view(signals=[old, cpu]))["payment"]
    assert f["reaches_symptom"] == 0.5 and f["root_explains"] == 0.5
    off = _service_features(shop_view(signals=[old, cpu]), FeatureConfig(resource_reach=0.0))
    assert off["payment"]["reaches_symptom"] == 0.0
    slow = folded("payment", 0.5, "latency_p99", z=500, baseline=0.005, value=0.2)
    assert _service_features(shop_view(signals=[old, slow]))["payment"]["reaches_symptom"] == 0.0


def test_a_declared_symptom_gets_the_clock_skew_tolerance() -> None:
    """The symptom (frontend) shows no anomaly of its own: the incident declares it failing at
    its start. cart's anomaly begins 40 s after that declared time (metrics are sampled once a
    minute, on another clock than the declaration); checkout in between has no signals. The
    walk up reaches the declared symptom within the skew tolerance, not only within the 30 s
    that separate two detected onsets."""
    cart = sig("cart", 40 / 60)
    vg = ViewGraph(shop_view(signals=[cart]), FeatureConfig())
    assert vg.declared == {"frontend"}
    assert vg.reaches_symptom("cart", cart.at) == 1.0
    late = sig("cart", 3)
    assert (
        ViewGraph(shop_view(signals=[late]), FeatureConfig()).reaches_symptom("cart", late.at) < 1
    )


def test_a_declared_symptom_is_judged_from_what_was_detected_on_it() -> None:
    """frontend's first failure sample lands 5 min after the declared start (coarse
    sampling), so the incident declares it failing at the start; cart and checkout turned bad
    before that sample. The declaration serves the others' propagation; frontend's own onset
    order is judged at its detected anomaly, where checkout was already failing: a victim,
    not a root that failed before all its dependencies."""
    view = shop_view(signals=[sig("cart", 1), sig("checkout", 3), sig("frontend", 5)])
    f = _service_features(view)["frontend"]
    assert f["victim"] == 1.0 and f["root_onset"] == 0.0
    vg = ViewGraph(view, FeatureConfig())
    assert vg.declared == {"frontend"}
    assert vg.first_detected("frontend", t(-1)) == view.signals[2]


def test_the_declared_start_is_no_alternative_onset_for_the_symptom() -> None:
    """As above, with checkout's failure starting right at frontend's first sample: judged
    at the declared start (an alternative onset near the incident's) frontend would have no
    earlier dependency and pass for the deepest root."""
    view = shop_view(signals=[sig("cart", 1), sig("checkout", 5), sig("frontend", 5)])
    f = _service_features(view)["frontend"]
    assert f["deepest"] == 0.0 and f["root_explains"] == 0.0
