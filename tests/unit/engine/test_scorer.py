from __future__ import annotations

import math
from datetime import timedelta

import pytest

from rcagraph.engine.base import Ranker, Truth
from rcagraph.engine.features import FEATURE_NAMES, FeatureConfig, ViewGraph, build_candidates
from rcagraph.engine.scorer import (
    DEFAULT_WEIGHTS,
    DefaultScorer,
    ScorerConfig,
    contrary_weight,
    doubted,
)
from rcagraph.engine.view import ComponentInfo, Edge, IncidentView

from .views import bad_deploy_view, chg, service_fault_view, shop_view, sig


def test_default_scorer_is_a_ranker() -> None:
    assert isinstance(DefaultScorer(), Ranker)


def test_paths_and_coverage_follow_dependency_direction() -> None:
    vg = ViewGraph(bad_deploy_view(), FeatureConfig())
    assert vg.path_to("redis") == ("frontend", "checkout", "cart", "redis")
    assert vg.path_to("frontend") == ("frontend",)
    assert vg.path_to("batch") == ()
    assert vg.coverage("cart") == 1.0
    assert vg.coverage("batch") == 0.0
    # call weights: checkout splits its calls evenly between cart and payment
    assert abs(vg.path_weight("cart") - 0.5) < 1e-9


def test_bad_deploy_ranks_first_with_evidence() -> None:
    ranking = DefaultScorer().rank(bad_deploy_view())
    top = ranking.candidates[0]
    assert (top.kind, top.service, top.change_id) == ("deploy", "cart", "dep-cart")
    assert top.path == ("frontend", "checkout", "cart")
    assert not ranking.abstained
    kinds = {e.kind for e in top.evidence}
    assert {"change", "metric_anomaly"} <= kinds
    change_ev = next(e for e in top.evidence if e.kind == "change")
    assert change_ev.event_uid == "c|dep-cart" and change_ev.source == "deployments.jsonl"
    scores = [c.score for c in ranking.candidates]
    assert scores == sorted(scores, reverse=True)
    assert 0 < top.confidence <= 1


def test_loud_off_path_component_does_not_win() -> None:
    ranking = DefaultScorer().rank(bad_deploy_view(loud_batch=True))
    names = [(c.service, c.change_id) for c in ranking.candidates]
    batch_ranks = [i for i, (s, _) in enumerate(names) if s == "batch"]
    assert batch_ranks and min(batch_ranks) >= 2
    batch_dep = next(c for c in ranking.candidates if c.change_id == "dep-batch")
    assert batch_dep.features["on_path"] == 0.0
    assert batch_dep.score < 0.2 * ranking.candidates[0].score


def test_service_fault_without_change() -> None:
    ranking = DefaultScorer().rank(service_fault_view())
    top = ranking.candidates[0]
    assert (top.kind, top.service, top.change_id) == ("service", "redis", None)
    truth = Truth("service", "redis", None)
    assert truth.change_hit(top) and truth.service_hit(top)


def test_onset_order_features() -> None:
    cands = {(c.service, c.change_id): c for c in build_candidates(service_fault_view())}
    redis = cands[("redis", None)].features
    checkout = cands[("checkout", None)].features
    assert redis["root_onset"] == 1.0 and redis["deepest"] == 1.0
    assert redis["callers_follow"] == 1.0
    assert checkout["root_onset"] == 0.0 and checkout["deepest"] == 0.0
    for c in cands.values():
        assert set(FEATURE_NAMES) <= set(c.features)


def test_change_after_anomaly_is_not_the_cause() -> None:
    # cart was already anomalous (and its callers followed) before its deploy
    view = shop_view(
        changes=[chg("late", "deploy", ("cart",), -4)],
        signals=[sig("cart", -7), sig("checkout", -5.5), sig("frontend", -3)],
    )
    cands = {c.change_id: c for c in build_candidates(view)}
    assert cands["late"].features["anomalous_before_change"] == 1.0
    top = DefaultScorer().rank(view).candidates[0]
    assert top.kind == "service" and top.service == "cart"


def test_flag_without_service_is_a_candidate() -> None:
    view = shop_view(changes=[chg("flag-x", "flag", (), -3)], signals=[sig("frontend", -1)])
    ranking = DefaultScorer().rank(view)
    flag = next(c for c in ranking.candidates if c.change_id == "flag-x")
    assert flag.kind == "flag" and flag.service is None
    assert flag.features["no_service"] == 1.0


def test_abstains_when_nothing_is_supported() -> None:
    quiet = shop_view(changes=[chg("old", "config", ("batch",), -110)], signals=[])
    ranking = DefaultScorer().rank(quiet)
    assert ranking.abstained
    assert ranking.candidates  # still listed
    strict = DefaultScorer(ScorerConfig(abstain_below=0.0)).rank(quiet)
    assert not strict.abstained


def test_contract_json_shape() -> None:
    ranking = DefaultScorer().rank(bad_deploy_view())
    ranking.timings_ms = {"load": 1.0, "rank": 2.0}
    out = ranking.to_json()
    assert set(out) == {"incident", "abstained", "candidates", "timings_ms"}
    c1 = out["candidates"][0]
    assert c1["rank"] == 1
    assert set(c1) == {
        "rank",
        "kind",
        "service",
        "change_id",
        "score",
        "confidence",
        "path",
        "evidence",
    }
    assert set(c1["evidence"][0]) == {"kind", "service", "at", "summary", "source", "source_ref"}


def test_fit_adds_priors_and_calibration(tmp_path) -> None:  # type: ignore[no-untyped-def]
    examples = [(bad_deploy_view(f"I{i}"), Truth("deploy", "cart", "dep-cart")) for i in range(4)]
    examples += [(service_fault_view(f"S{i}"), Truth("service", "redis", None)) for i in range(4)]
    scorer = DefaultScorer().fit(examples)
    assert scorer.priors is not None and scorer.calibrator is not None
    path = tmp_path / "default.joblib"
    scorer.save(path)
    again = DefaultScorer.load(path)
    a = scorer.rank(bad_deploy_view())
    b = again.rank(bad_deploy_view())
    assert [c.confidence for c in a.candidates] == [c.confidence for c in b.candidates]


def test_fit_without_priors_calibrates_only() -> None:
    """``fit_priors=False``: the confidence is calibrated on the examples, the ranking order and
    scores stay the untrained scorer's (how the benchmark calibrates on a dataset's own
    history without learning which services fail)."""
    examples = [(bad_deploy_view(f"I{i}"), Truth("deploy", "cart", "dep-cart")) for i in range(4)]
    examples += [(service_fault_view(f"S{i}"), Truth("service", "redis", None)) for i in range(4)]
    scorer = DefaultScorer(ScorerConfig(fit_priors=False)).fit(examples)
    assert scorer.priors is None and scorer.calibrator is not None
    fitted, untrained = (
        scorer.rank(service_fault_view()),
        DefaultScorer().rank(service_fault_view()),
    )
    assert [(c.service, c.change_id, c.score) for c in fitted.candidates] == [
        (c.service, c.change_id, c.score) for c in untrained.candidates
    ]
    assert [c.confidence for c in fitted.candidates] != [c.confidence for c in untrained.candidates]


def test_clock_skew_anomaly_just_before_change_counts_as_after() -> None:
    # the deploy's clock runs 60 s late: cart's anomaly appears 1 min "before" the deploy
    view = shop_view(
        changes=[
            chg("dep-cart", "deploy", ("cart",), -7),
            chg("cfg-pay", "config", ("payment",), -30),
        ],
        signals=[sig("cart", -8), sig("checkout", -6), sig("frontend", -3)],
    )
    cands = {c.change_id: c for c in build_candidates(view)}
    f = cands["dep-cart"].features
    assert f["anomaly_after_change"] > 0.9 and f["anomalous_before_change"] == 0.0
    assert f["change_explains"] > 0.9
    # beyond the tolerance it is no longer "after"
    late = shop_view(
        changes=[chg("dep-cart", "deploy", ("cart",), -4)],
        signals=[sig("cart", -8), sig("checkout", -6), sig("frontend", -1)],
    )
    f_late = {c.change_id: c for c in build_candidates(late)}["dep-cart"].features
    assert f_late["anomalous_before_change"] == 1.0 and f_late["change_explains"] == 0.0
    assert DefaultScorer().rank(view).candidates[0].change_id == "dep-cart"


def test_later_benign_deploy_on_a_caller_does_not_outrank_the_culprit() -> None:
    # culprit on cart; a benign deploy on checkout lands between it and the onset, and
    # checkout turns anomalous right after it — but only because cart did just before
    view = shop_view(
        changes=[
            chg("dep-cart", "deploy", ("cart",), -9),
            chg("dep-co", "deploy", ("checkout",), -6),
        ],
        signals=[sig("cart", -7), sig("checkout", -5), sig("frontend", -2)],
    )
    cands = {c.change_id: c for c in build_candidates(view)}
    assert cands["dep-co"].features["victim"] == 1.0
    assert cands["dep-co"].features["change_explains"] == 0.0
    assert cands["dep-cart"].features["recency"] < cands["dep-co"].features["recency"]
    ranking = DefaultScorer().rank(view)
    assert ranking.candidates[0].change_id == "dep-cart"


def test_service_fault_localised_past_a_noisy_dependency() -> None:
    # redis fails (no change); payment, also on the symptom's path, has a burst of its own
    # shortly before that does not travel up to the symptom
    view = shop_view(
        changes=[chg("dep-batch", "deploy", ("batch",), -30)],
        signals=[
            sig("payment", -15, mag=40),
            sig("payment", -14, mag=40),
            sig("redis", -6),
            sig("cart", -4),
            sig("checkout", -2.5),
            sig("frontend", -1),
        ],
    )
    cands = {(c.service, c.change_id): c for c in build_candidates(view)}
    assert cands[("redis", None)].features["root_explains"] == 1.0
    assert cands[("payment", None)].features["reaches_symptom"] < 0.5
    assert cands[("cart", None)].features["victim"] == 1.0
    top = DefaultScorer().rank(view).candidates[0]
    assert (top.kind, top.service) == ("service", "redis")


def test_unobserved_component_change_uses_its_callers() -> None:
    # cart has no metrics or logs at all: its direct caller turning bad right after the
    # config change stands in for it
    view = shop_view(
        changes=[
            chg("cfg-cart", "config", ("cart",), -8),
            chg("dep-pay", "deploy", ("payment",), -1),
        ],
        signals=[sig("checkout", -5), sig("frontend", -1)],
    )
    cands = {c.change_id: c for c in build_candidates(view)}
    f = cands["cfg-cart"].features
    assert f["unobserved_proxy"] == 1.0 and 0 < f["change_explains"] < 1.0
    assert DefaultScorer().rank(view).candidates[0].change_id == "cfg-cart"


def test_component_onset_ignores_episodes_before_the_horizon() -> None:
    view = shop_view(signals=[sig("cart", -60), sig("cart", -5), sig("frontend", -1)])
    vg = ViewGraph(view, FeatureConfig())
    assert vg.strong_onset("cart") == view.incident.started_at - timedelta(minutes=5)
    assert set(vg.deps("checkout")) == {"cart"}  # payment: no signals, nothing below it
    # checkout has no anomaly of its own: frontend's dependencies are looked up through it
    assert "cart" in vg.deps("frontend") and "checkout" not in vg.deps("frontend")


def _lb_view(
    *, instrumented: bool | None, lb_at: float = -6, cart_calls_lb: bool = False
) -> IncidentView:
    """checkout calls cart and also cart-lb, a load balancer seen only through checkout's
    client measurements; cart fails at -6, the balancer's figures shift at ``lb_at``."""
    view = shop_view(
        signals=[
            sig("cart", -6),
            sig("cart-lb", lb_at, mag=12),
            sig("checkout", -4),
            sig("frontend", -1),
        ],
    )
    view.components["cart-lb"] = ComponentInfo("cart-lb", "loadbalancer", instrumented=instrumented)
    view.edges.append(Edge("checkout", "cart-lb", "CALLS"))
    if cart_calls_lb:
        view.edges.append(Edge("cart", "cart-lb", "CALLS"))
    return view


def test_a_balancer_seen_only_by_callers_defers_to_the_peer_failing_with_it() -> None:
    view = _lb_view(instrumented=False)
    cands = {c.service: c for c in build_candidates(view) if c.kind == "service"}
    assert cands["cart-lb"].features["mirrors_peer"] == 1.0
    assert cands["cart-lb"].features["root_explains"] == 0.0
    assert cands["cart"].features["mirrors_peer"] == 0.0
    assert any("cart, which they also call" in e.summary for e in cands["cart-lb"].evidence)
    assert DefaultScorer().rank(view).candidates[0].service == "cart"


def test_mirroring_needs_an_uninstrumented_component_a_shared_onset_and_no_dependency() -> None:
    for view in (
        _lb_view(instrumented=None),  # unknown: judged as instrumented
        _lb_view(instrumented=True),
        _lb_view(instrumented=False, lb_at=-15),  # not the same failure
        _lb_view(instrumented=False, cart_calls_lb=True),  # cart depends on it
    ):
        cands = {c.service: c for c in build_candidates(view) if c.kind == "service"}
        assert cands["cart-lb"].features["mirrors_peer"] == 0.0


def test_a_failure_its_callers_measured_but_did_not_feel_is_not_the_root() -> None:
    # cart-lb's figures (its callers' measurements) shifted 15 min before the onset, but
    # checkout, its only caller, turned bad 11 min later: those calls are off its critical path
    unfelt = _lb_view(instrumented=False, lb_at=-15)
    cands = {c.service: c for c in build_candidates(unfelt) if c.kind == "service"}
    assert cands["cart-lb"].features["unfelt_by_callers"] == 1.0
    for view in (_lb_view(instrumented=False), _lb_view(instrumented=None, lb_at=-15)):
        cands = {c.service: c for c in build_candidates(view) if c.kind == "service"}
        assert cands["cart-lb"].features["unfelt_by_callers"] == 0.0


def test_a_change_explains_a_components_onset_as_far_as_its_timing_does() -> None:
    # redis fails at -6 (cart, checkout, frontend follow); a config change on redis came
    # just before its onset, or twenty minutes before
    signals = [sig("redis", -6), sig("cart", -4), sig("checkout", -2.5), sig("frontend", -1)]

    def explained(minutes: float) -> float:
        view = shop_view(changes=[chg("cfg-redis", "config", ("redis",), minutes)], signals=signals)
        cands = {(c.service, c.change_id): c for c in build_candidates(view)}
        return cands[("redis", None)].features["explained_by_change"]

    assert explained(-7) == 1.0  # within the skew tolerance of the onset
    assert explained(-26) == pytest.approx(math.exp(-1.8))  # 20 min before: 18 min past skew
    assert explained(-40) == 0.0  # beyond tau_onset


def test_a_candidate_whose_own_evidence_speaks_against_it_is_not_trusted() -> None:
    cfg = ScorerConfig()
    clean = {"root_explains": 1.0, "dominance": 1.0}
    unfelt = {**clean, "unfelt_by_callers": 1.0}  # weight -3
    slightly = {**clean, "explained_by_change": 0.1}  # -0.3: below doubt_weight
    assert contrary_weight(clean, cfg) == 0.0
    assert contrary_weight(unfelt, cfg) == 3.0
    assert doubted(clean, 0.97, cfg) == 0.97
    assert doubted(unfelt, 0.97, cfg) == cfg.doubt_cap == 0.5
    assert doubted(unfelt, 0.3, cfg) == 0.3
    assert doubted(slightly, 0.97, cfg) == 0.97
    assert doubted(unfelt, 0.97, ScorerConfig(doubt_weight=0.0)) == 0.97
    # through a ranking: the leader's confidence (0.8 here) is capped once a feature it
    # carries counts against it (coverage given a negative weight, for the test's sake)
    view = _lb_view(instrumented=False)
    top = DefaultScorer().rank(view).candidates[0]
    assert top.confidence > 0.5
    weights = {**DEFAULT_WEIGHTS, "coverage": -0.5}
    capped = DefaultScorer(ScorerConfig(weights=weights)).rank(view).candidates[0]
    assert capped.features["coverage"] == 1.0 and capped.confidence == 0.5
