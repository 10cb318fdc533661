"""Components seen only through their callers hand what the callers measured over to the peer
whose failure they show (rcagraph.engine.features.mirror)."""

from __future__ import annotations

import dataclasses

from rcagraph.engine.features import FeatureConfig, ViewGraph, build_candidates
from rcagraph.engine.scorer import DefaultScorer
from rcagraph.engine.view import ComponentInfo, Edge, IncidentView, SignalEvent, Symptom

from .views import shop_view, sig


def _metric(service: str, minutes: float, signal: str, *, mag: float = 8.0) -> SignalEvent:
    direction = "down" if signal == "availability" else "up"
    return dataclasses.replace(
        sig(service, minutes, mag=mag),
        uid=f"s|{service}|{signal}|{minutes}",
        metric=signal,
        signal=signal,
        direction=direction,
        summary=f"{service}: {signal} {direction}",
    )


def _availability_view(
    *, lb_instrumented: bool | None = False, search: bool = False
) -> IncidentView:
    """An availability incident at frontend. cart times out: its own figures show latency
    only; cart-lb, the balancer in front of it that checkout's client measures, shows the
    latency and the errors checkout got. checkout's availability follows. With ``search``,
    checkout also calls search, which calls cart and shows its latency too."""
    signals = [
        _metric("cart", -6, "latency", mag=20),
        _metric("cart-lb", -6, "latency", mag=30),
        _metric("cart-lb", -6, "availability", mag=12),
        _metric("checkout", -4, "availability"),
    ]
    if search:
        signals.append(_metric("search", -6, "latency", mag=15))
    view = shop_view(signals=signals)
    view.incident = dataclasses.replace(
        view.incident, symptoms=(Symptom("frontend", "availability"),)
    )
    view.components["cart-lb"] = ComponentInfo(
        "cart-lb", "loadbalancer", instrumented=lb_instrumented
    )
    view.edges.append(Edge("checkout", "cart-lb", "CALLS"))
    if search:
        view.components["search"] = ComponentInfo("search", "service")
        view.edges += [Edge("checkout", "search", "CALLS"), Edge("search", "cart", "CALLS")]
    return view


def _handed(view: IncidentView) -> list[SignalEvent]:
    return [s for s in ViewGraph(view, FeatureConfig()).view.signals if s.seen_through]


def test_errors_measured_through_a_balancer_are_its_backends() -> None:
    view = _availability_view()
    handed = _handed(view)
    # only the class cart does not show itself: its latency is its own
    assert [(s.service, s.seen_through, s.signal) for s in handed] == [
        ("cart", "cart-lb", "availability")
    ]
    assert handed[0].uid == "s|cart-lb|availability|-6"  # the evidence rests on cart-lb's node
    cands = {c.service: c for c in build_candidates(view) if c.kind == "service"}
    assert cands["cart"].features["signal_match"] == 1.0
    assert cands["cart"].features["root_onset"] == 1.0
    ranking = DefaultScorer().rank(view)
    assert ranking.candidates[0].service == "cart"
    assert any("through cart-lb" in e.summary for e in ranking.candidates[0].evidence)


def test_without_the_mark_nothing_is_handed_over() -> None:
    for instrumented in (None, True):
        view = _availability_view(lb_instrumented=instrumented)
        assert _handed(view) == []
        cands = {c.service: c for c in build_candidates(view) if c.kind == "service"}
        # cart's latency alone does not match an availability symptom
        assert cands["cart"].features["signal_match"] < 1.0


def test_a_balancer_hands_over_to_the_deepest_of_the_peers_it_mirrors() -> None:
    # search calls cart and shows cart's latency too: the balancer's backend is cart
    view = _availability_view(search=True)
    assert {s.service for s in _handed(view)} == {"cart"}
    lb = next(c for c in build_candidates(view) if c.service == "cart-lb")
    assert any("measurements, and cart, which they also call" in e.summary for e in lb.evidence)
    assert not any("search" in e.summary for e in lb.evidence if e.kind == "onset_order")


def test_the_mirror_evidence_names_every_peer_it_mirrors() -> None:
    # checkout also calls payment, which slows down at the same minute and does not depend on
    # cart: the balancer's figures may be either's
    view = _availability_view()
    view.signals.append(_metric("payment", -6, "latency", mag=18))
    lb = next(c for c in build_candidates(view) if c.service == "cart-lb")
    assert any("and cart and payment, which they also call" in e.summary for e in lb.evidence)
