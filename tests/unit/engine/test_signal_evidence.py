"""Evidence refinements: informational log templates, looked-through hops, unobserved changed
components, sustained failures and partial rollouts whose first anomaly is weak."""

from __future__ import annotations

from dataclasses import replace

from rcagraph.engine.features import (
    CandidateFeatures,
    FeatureConfig,
    ViewGraph,
    build_candidates,
    is_failure_signal,
)
from rcagraph.engine.scorer import DefaultScorer
from rcagraph.engine.view import IncidentView

from .views import chg, shop_view, sig, t


def _change(view: IncidentView, change_id: str) -> CandidateFeatures:
    return next(c for c in build_candidates(view) if c.change_id == change_id)


def test_informational_new_template_is_not_a_failure_signal() -> None:
    start_line = replace(sig("payment", -2.5, "new_log_template"), severity="INFO")
    error_tpl = replace(start_line, uid="s|err", severity="ERROR")
    assert not is_failure_signal(start_line)
    assert is_failure_signal(error_tpl)
    assert is_failure_signal(replace(start_line, severity=None))  # unknown level: counts
    assert not is_failure_signal(sig("payment", -2, "alert"))
    base = [sig("cart", -8), sig("cart", -7), sig("checkout", -5), sig("frontend", -2)]
    changes = [
        chg("dep-cart", "deploy", ("cart",), -10),
        chg("dep-pay", "deploy", ("payment",), -3),
    ]
    info_view = shop_view(changes=changes, signals=[*base, start_line])
    assert not ViewGraph(info_view, FeatureConfig()).observed("payment")
    info = _change(info_view, "dep-pay")
    assert info.features["unobserved_proxy"] == 1.0  # its callers stand in, discounted
    assert info.features["new_template_after_change"] == 0.0
    err = _change(shop_view(changes=changes, signals=[*base, error_tpl]), "dep-pay")
    assert err.features["anomalous"] == 1.0
    assert err.features["unobserved_proxy"] == 0.0
    assert err.features["new_template_after_change"] == 1.0
    top = DefaultScorer().rank(shop_view(changes=changes, signals=[*base, start_line]))
    assert top.candidates[0].change_id == "dep-cart"


def test_reaches_symptom_allows_one_delay_per_looked_through_hop() -> None:
    # checkout has alerts only: cart → (checkout) → frontend is two hops, 5.5 min apart
    view = shop_view(signals=[sig("cart", -7), sig("checkout", -4, "alert"), sig("frontend", -1.5)])
    vg = ViewGraph(view, FeatureConfig())
    assert vg.callers("cart") == ("frontend",)
    assert vg.hops("cart", "frontend") == 2
    assert vg.reaches_symptom("cart", t(-7)) == 1.0
    # a direct caller still gets one delay only
    direct = shop_view(signals=[sig("cart", -7), sig("checkout", -1.5), sig("frontend", -1)])
    assert ViewGraph(direct, FeatureConfig()).reaches_symptom("cart", t(-7)) < 1.0


def test_unobserved_changed_component_takes_its_callers_features_and_own_alerts() -> None:
    view = shop_view(
        changes=[chg("cfg-checkout", "config", ("checkout",), -6)],
        signals=[
            sig("frontend", -3.5),
            sig("frontend", -2.5),
            sig("checkout", -2, "alert"),
            sig("payment", -4),  # a one-point blip on another dependency
        ],
    )
    c = _change(view, "cfg-checkout")
    d = FeatureConfig().proxy_discount
    assert c.features["unobserved_proxy"] == 1.0
    assert c.features["anomalous"] == d
    assert c.features["root_onset"] == d
    assert c.features["reaches_symptom"] == d
    assert c.features["sustained"] == d
    assert c.features["alert_after_change"] == 1.0
    assert c.features["alert_only"] == 0.0
    assert DefaultScorer().rank(view).candidates[0].change_id == "cfg-checkout"


def test_sustained_tells_a_fault_from_a_one_point_blip() -> None:
    view = shop_view(
        signals=[
            sig("cart", -8, lasts=None),
            sig("payment", -8, lasts=None),
            sig("payment", -7, lasts=None),
            sig("redis", -8, "log_burst", lasts=None),
            sig("checkout", -8, lasts=None),
            sig("checkout", 0, lasts=None),  # too late to be the same episode
        ]
    )
    vg = ViewGraph(view, FeatureConfig())
    assert vg.sustained("cart", t(-8)) == 0.0
    assert vg.sustained("payment", t(-8)) == 1.0
    assert vg.sustained("redis", t(-8)) == 1.0
    assert vg.sustained("checkout", t(-8)) == 0.0


def test_partial_rollout_whose_first_anomaly_is_weak_still_explains() -> None:
    # a 20 % rollout: a weak anomaly a minute after the deploy, the stronger one that travels
    # to the callers four minutes later
    view = shop_view(
        changes=[replace(chg("dep-cart", "deploy", ("cart",), -8), rollout_share=0.2)],
        signals=[
            sig("cart", -7, mag=4),
            sig("cart", -3, mag=12),
            sig("checkout", -1),
            sig("frontend", 0),
        ],
    )
    c = _change(view, "dep-cart")
    assert c.features["reaches_symptom"] == 1.0
    assert c.features["change_explains"] > 0.85
    vg = ViewGraph(view, FeatureConfig())
    assert vg.reaches_symptom("cart", t(-7)) < 1.0  # the first anomaly alone did not travel


def _service(view: IncidentView, name: str) -> CandidateFeatures:
    return next(c for c in build_candidates(view) if c.kind == "service" and c.service == name)


def test_a_blip_on_a_dependency_does_not_make_its_caller_a_victim() -> None:
    # redis blips once a minute before cart fails for good: cart is still the root
    view = shop_view(
        signals=[
            sig("redis", -7, lasts=None),
            sig("cart", -6),
            sig("checkout", -3),
            sig("frontend", 0),
        ]
    )
    cart = _service(view, "cart")
    assert cart.features["victim"] == 0.0
    assert cart.features["root_explains"] == 1.0
    assert _service(view, "redis").features["root_explains"] == 0.0  # a blip explains nothing
    assert DefaultScorer().rank(view).candidates[0].service == "cart"


def test_a_dependency_burst_over_while_the_caller_still_fails_explains_nothing() -> None:
    # redis (a noisy dependency) has a 2-minute burst just before cart's long failure
    view = shop_view(
        signals=[
            sig("redis", -8, lasts=2),
            sig("redis", -7, lasts=1),
            sig("cart", -6, lasts=40),
            sig("checkout", -3),
            sig("frontend", 0),
        ]
    )
    vg = ViewGraph(view, FeatureConfig())
    assert vg.episode_end("redis", t(-8)) == t(-6)
    assert vg.earlier_deps("cart", t(-6)) == []
    assert _service(view, "cart").features["root_explains"] == 1.0
    assert _service(view, "redis").features["reaches_symptom"] < 1.0
    assert DefaultScorer().rank(view).candidates[0].service == "cart"


def test_a_change_after_a_sustained_failure_began_does_not_explain_it() -> None:
    # cart failing from -6; a mitigation (scale) on cart at -3 is not the cause
    view = shop_view(
        changes=[chg("scale-cart", "scale", ("cart",), -3)],
        signals=[sig("cart", -6), sig("cart", -2.5), sig("checkout", -2), sig("frontend", 0)],
    )
    c = _change(view, "scale-cart")
    assert c.features["anomalous_before_change"] == 1.0
    assert c.features["change_explains"] == 0.0
    assert DefaultScorer().rank(view).candidates[0].service == "cart"


def test_a_change_followed_only_by_a_blip_does_not_explain_the_incident() -> None:
    view = shop_view(
        changes=[
            chg("dep-redis", "deploy", ("redis",), -9),
            chg("dep-cart", "deploy", ("cart",), -8),
        ],
        signals=[
            sig("redis", -8.5, lasts=None),
            sig("cart", -6),
            sig("checkout", -3),
            sig("frontend", 0),
        ],
    )
    assert _change(view, "dep-redis").features["change_explains"] == 0.0
    assert _change(view, "dep-cart").features["change_explains"] > 0.5
    assert DefaultScorer().rank(view).candidates[0].change_id == "dep-cart"


def test_traffic_on_a_dependency_neither_explains_nor_sizes_a_failure() -> None:
    # cart's latency fails while its own request rate jumps (z 1000, a flat baseline) and its
    # dependency redis only sees its request rate drop: cart is still the deepest root, and
    # the request jump does not count as the largest deviation
    from rcagraph.engine.features import is_traffic_signal

    requests = replace(sig("cart", -6, mag=1000), metric="requests", direction="up")
    view = shop_view(
        signals=[
            requests,
            replace(sig("redis", -6, mag=1000), metric="request_rate", direction="down"),
            replace(sig("cart", -6, mag=40), uid="s|cart-lat", metric="latency_p99_ms"),
            sig("checkout", -3),
            sig("frontend", 0),
        ]
    )
    assert is_traffic_signal(requests)
    assert not is_traffic_signal(replace(requests, metric="latency_p99_ms"))
    vg = ViewGraph(view, FeatureConfig())
    assert vg.busy_deps("cart", t(-6)) == []  # redis only saw traffic
    assert vg.max_magnitude() == 40
    cart = next(c for c in build_candidates(view) if c.kind == "service" and c.service == "cart")
    assert cart.features["deepest"] == 1.0
    assert cart.features["relative_magnitude"] == 1.0
    assert DefaultScorer().rank(view).candidates[0].service == "cart"


def test_a_dependency_barely_over_its_threshold_does_not_explain_a_huge_deviation() -> None:
    # redis wobbles at z 5 while cart deviates at z 200 in the same minute: cart stays the
    # deepest root; a redis deviation of comparable size (z 50) would explain it
    def view_with(redis_z: float) -> IncidentView:
        return shop_view(
            signals=[
                sig("redis", -6.5, mag=redis_z),
                sig("cart", -6, mag=200),
                sig("checkout", -3),
                sig("frontend", 0),
            ]
        )

    small = ViewGraph(view_with(5), FeatureConfig())
    assert small.busy_deps("cart", t(-6)) == []
    assert _service(view_with(5), "cart").features["deepest"] == 1.0
    big = ViewGraph(view_with(50), FeatureConfig())
    assert big.busy_deps("cart", t(-6)) == ["redis"]
    off = ViewGraph(view_with(5), FeatureConfig(explain_ratio=0.0))
    assert off.busy_deps("cart", t(-6)) == ["redis"]


def test_a_noisy_dependency_that_went_as_many_fold_explains_a_flat_callers_deviation() -> None:
    # redis's latency is noisy in normal operation: sixteen-fold is z 14 for it; cart's was
    # flat, so two-hundred-fold is z 370. The z ratio (0.04) alone would make cart the deepest
    def view_with(redis_value: float) -> IncidentView:
        return shop_view(
            signals=[
                replace(sig("redis", -6, mag=14), baseline=0.168, value=redis_value),
                replace(sig("cart", -6, mag=370), baseline=0.018, value=3.64),
                sig("checkout", -3),
                sig("frontend", 0),
            ]
        )

    many_fold = ViewGraph(view_with(2.668), FeatureConfig())
    assert many_fold.busy_deps("cart", t(-6)) == ["redis"]
    assert _service(view_with(2.668), "cart").features["deepest"] == 0.0
    # a few per cent is no explanation, however it compares in z; nor with the fold test off
    assert ViewGraph(view_with(0.18), FeatureConfig()).busy_deps("cart", t(-6)) == []
    off = ViewGraph(view_with(2.668), FeatureConfig(explain_fold_ratio=0.0))
    assert off.busy_deps("cart", t(-6)) == []


def test_a_component_whose_own_metrics_stayed_normal_is_not_looked_through() -> None:
    # redis fails; cart, between it and checkout, has no signal: without metrics of its own
    # it is looked through (redis's failure may have travelled unseen); with metrics that
    # never moved it was watched and stayed healthy, so redis's failure did not reach the
    # symptom through it
    def view_with(cart_series: int | None) -> IncidentView:
        view = shop_view(signals=[sig("redis", -6), sig("checkout", -3), sig("frontend", 0)])
        view.components["cart"] = replace(view.components["cart"], metric_series=cart_series)
        return view

    for unknown in (None, 0):
        vg = ViewGraph(view_with(unknown), FeatureConfig())
        assert vg.callers("redis") == ("checkout",)
        assert vg.reaches_symptom("redis", t(-6)) == 1.0
    watched = ViewGraph(view_with(4), FeatureConfig())
    assert watched.callers("redis") == ("cart",)
    assert watched.deps("checkout") == ("cart",)
    assert watched.reaches_symptom("redis", t(-6)) < 1.0
    assert _service(view_with(None), "redis").features["root_explains"] == 1.0
    assert _service(view_with(4), "redis").features["root_explains"] < 1.0
