"""rcagraph.engine.strength and the engine's real-telemetry mechanisms on hand-built views."""

from __future__ import annotations

import dataclasses

import pytest

from rcagraph.engine.features import FeatureConfig, build_candidates, is_failure_signal
from rcagraph.engine.features.classify import signal_class
from rcagraph.engine.scorer import DefaultScorer
from rcagraph.engine.strength import propagating_classes, view_strength
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
