"""Metrics-only evidence: improvements are no failures, a symptom the detector missed is declared
by the incident, a multi-point anomaly is sustained, and a weak level offset before a
component's strong anomaly does not decide its onset order."""

from __future__ import annotations

from dataclasses import replace

from rcagraph.engine.features import FeatureConfig, ViewGraph, build_candidates, is_failure_signal
from rcagraph.engine.scorer import DefaultScorer

from .views import shop_view, sig, t


def test_an_improvement_is_not_a_failure_signal() -> None:
    base = sig("cart", -5)
    assert not is_failure_signal(replace(base, metric="latency_p95_ms", direction="down"))
    assert is_failure_signal(replace(base, metric="latency_p95_ms", direction="up"))
    assert not is_failure_signal(replace(base, metric="availability", direction="up"))
    assert is_failure_signal(replace(base, metric="availability", direction="down"))
    assert not is_failure_signal(replace(base, metric="error_ratio", direction="down"))
    # request counts and saturation move either way on a fault; unknown direction counts
    assert is_failure_signal(replace(base, metric="request_rate", direction="down"))
    assert is_failure_signal(replace(base, metric="latency", direction=None))
    # a latency drop on cart makes no onset: redis is the one that turned bad first
    view = shop_view(
        signals=[
            replace(sig("cart", -8), metric="latency", direction="down"),
            sig("redis", -6),
            sig("cart", -5),
            sig("checkout", -3),
            sig("frontend", -1),
        ]
    )
    vg = ViewGraph(view, FeatureConfig())
    assert vg.strong_onset("cart") == t(-5)
    assert DefaultScorer().rank(view).candidates[0].service == "redis"


def test_a_symptom_without_a_detected_anomaly_is_declared_at_the_onset() -> None:
    signals = [sig("redis", -6), sig("cart", -5), sig("checkout", -3)]
    vg = ViewGraph(shop_view(signals=signals), FeatureConfig())
    assert vg.strong_onset("frontend") == t(0)
    assert vg.reaches_symptom("redis", t(-6)) == 1.0
    # the declared signal makes no candidate and no signal of the view
    cands = build_candidates(shop_view(signals=signals))
    assert "frontend" not in {c.service for c in cands}
    assert "frontend" not in vg.signals
    # a symptom with its own anomaly near the onset keeps it (nothing declared)
    own = ViewGraph(shop_view(signals=[*signals, sig("frontend", -2)]), FeatureConfig())
    assert own.strong_onset("frontend") == t(-2)
    # one far from the onset (an old blip) does not count: the onset is declared
    old = ViewGraph(shop_view(signals=[*signals, sig("frontend", -15)]), FeatureConfig())
    assert old.reaches_symptom("redis", t(-6)) == 1.0
    assert t(0) in old._strong_at["frontend"]


def test_an_anomaly_spanning_several_points_is_sustained() -> None:
    one_point = sig("cart", -8, lasts=None)
    episode = replace(one_point, uid="s|ep", end_at=t(2))
    vg = ViewGraph(shop_view(signals=[one_point]), FeatureConfig())
    assert vg.sustained("cart", t(-8)) == 0.0
    vg = ViewGraph(shop_view(signals=[replace(one_point, end_at=t(-8))]), FeatureConfig())
    assert vg.sustained("cart", t(-8)) == 0.0  # ends where it starts: one point
    vg = ViewGraph(shop_view(signals=[episode]), FeatureConfig())
    assert vg.sustained("cart", t(-8)) == 1.0


def test_onset_order_is_also_judged_at_the_strongest_anomaly() -> None:
    # coarse samples: every component is a little off at the window's first point (a level
    # offset), then cart fails for real (z 300) and its anomaly travels up to the symptom
    signals = [
        sig("redis", -10, mag=5),
        sig("cart", -10, mag=5),
        sig("payment", -10, mag=5),
        sig("cart", 0, mag=300),
        sig("checkout", 0, mag=40),
    ]
    view = shop_view(signals=signals)
    vg = ViewGraph(view, FeatureConfig())
    assert vg.strongest_at("cart", t(-10), t(4)) == t(0)
    assert vg.strongest_at("frontend", t(-10), t(4)) is None
    cart = next(c for c in build_candidates(view) if c.service == "cart")
    # at its first point redis was busy too: not deepest; at its strong anomaly it is the root
    assert cart.features["deepest"] == 1.0
    assert cart.features["reaches_symptom"] == 1.0
    assert cart.features["root_explains"] == 1.0
    assert DefaultScorer().rank(view).candidates[0].service == "cart"
    # without the strong anomaly the weak offset alone decides (redis is busy alongside)
    weak = next(
        c
        for c in build_candidates(shop_view(signals=[*signals[:3], signals[4]]))
        if c.service == "cart"
    )
    assert weak.features["deepest"] == 0.0
