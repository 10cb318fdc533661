"""The baselines on hand-built incident views (no server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rcagraph.engine.base import Ranker, Truth
from rcagraph.engine.baselines import (
    BaroRanker,
    MostRecentChangeRanker,
    PageRankConfig,
    PageRankRanker,
    TraversalRanker,
    _Baseline,
)
from rcagraph.engine.view import (
    ChangeEvent,
    ComponentInfo,
    Edge,
    IncidentInfo,
    IncidentView,
    SignalEvent,
    SignalKind,
    Symptom,
)
from rcagraph.errors import ModelError

ONSET = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _t(minutes: float) -> datetime:
    return ONSET + timedelta(minutes=minutes)


def _change(cid: str, kind: str, svc: str, minutes: float) -> ChangeEvent:
    return ChangeEvent(uid=f"u-{cid}", change_id=cid, kind=kind, at=_t(minutes), services=(svc,))


def _sig(
    svc: str, minutes: float, mag: float | None, kind: SignalKind = "metric_anomaly"
) -> SignalEvent:
    return SignalEvent(
        uid=f"s-{svc}-{minutes}", kind=kind, service=svc, at=_t(minutes), magnitude=mag
    )


def _view(
    changes: list[ChangeEvent], signals: list[SignalEvent], edges: list[tuple[str, str]]
) -> IncidentView:
    names = {n for e in edges for n in e} | {s.service for s in signals}
    return IncidentView(
        scope="bundle:T",
        incident=IncidentInfo(
            id="T",
            title="t",
            severity="SEV2",
            system="test",
            started_at=ONSET,
            detected_at=_t(3),
            symptoms=(Symptom("frontend", "latency"),),
        ),
        window_start=_t(-120),
        window_end=_t(30),
        components={n: ComponentInfo(n) for n in sorted(names)},
        edges=[Edge(a, b, "DEPENDS_ON") for a, b in edges],
        changes=changes,
        signals=signals,
    )


# frontend -> checkout -> cart -> redis ; frontend -> ads ; batch is off every path
EDGES = [("frontend", "checkout"), ("checkout", "cart"), ("cart", "redis"), ("frontend", "ads")]


def test_recent_change_orders_changes_by_recency_within_the_window() -> None:
    view = _view(
        [
            _change("old", "deploy", "cart", -200),  # outside the 2 h lookback
            _change("c1", "deploy", "cart", -9),
            _change("c2", "config", "ads", -2),
            _change("late", "deploy", "frontend", 10),  # after onset + slack
            _change("f1", "flag", "checkout", -30),
        ],
        [],
        EDGES,
    )
    r = MostRecentChangeRanker().rank(view)
    assert [c.change_id for c in r.candidates] == ["c2", "c1", "f1"]
    assert [c.kind for c in r.candidates] == ["config", "deploy", "flag"]
    assert r.candidates[0].score > r.candidates[1].score > r.candidates[2].score
    assert sum(c.confidence for c in r.candidates) == pytest.approx(1.0)
    assert not r.abstained
    assert r.ranker == "baseline-recent-change"


def test_recent_change_abstains_without_changes() -> None:
    r = MostRecentChangeRanker().rank(_view([], [_sig("cart", 0, 5.0)], EDGES))
    assert r.abstained and r.candidates == []


def test_baro_ranks_by_robust_magnitude_and_maps_to_the_latest_change() -> None:
    view = _view(
        [_change("c-old", "deploy", "cart", -50), _change("c-new", "config", "cart", -8)],
        [
            _sig("cart", -1, 6.0),
            _sig("checkout", 1, 4.0),
            _sig("frontend", 2, -3.0),
            _sig("batch", 0, 12.0),  # loud, off every path: BARO has no graph, it wins
            _sig("ads", 0, None, kind="log_burst"),
            _sig("redis", -90, 50.0),  # outside the signal window
        ],
        EDGES,
    )
    r = BaroRanker().rank(view)
    assert [c.service for c in r.candidates] == ["batch", "cart", "checkout", "frontend", "ads"]
    cart = r.candidates[1]
    assert (cart.kind, cart.change_id) == ("config", "c-new")
    assert r.candidates[0].kind == "service" and r.candidates[0].change_id is None
    assert r.candidates[0].evidence[0].kind == "metric_anomaly"
    truth = Truth(kind="config", service="cart", change_id="c-new")
    assert not truth.change_hit(r.candidates[0]) and truth.change_hit(cart)


def test_pagerank_walks_to_the_anomalous_dependency() -> None:
    # callers and root equally loud: the walk from the callers accumulates on the root
    view = _view(
        [_change("d1", "deploy", "cart", -5), _change("d2", "deploy", "frontend", -1)],
        [_sig("frontend", 3, 5.0), _sig("checkout", 2, 5.0), _sig("cart", 0, 5.0)],
        EDGES,
    )
    r = PageRankRanker().rank(view)
    assert r.candidates[0].service == "cart"
    assert r.candidates[0].change_id == "d1"
    services = [c.service for c in r.candidates]
    assert services.index("ads") > services.index("frontend")
    # ads and redis have no change: service candidates
    assert all(c.kind == "service" for c in r.candidates if c.service in ("ads", "redis"))
    # the unchanged redis is reached by the walk but is not anomalous: below the root
    assert services.index("redis") > services.index("cart")


def test_pagerank_without_anomalies_abstains() -> None:
    r = PageRankRanker().rank(_view([_change("d1", "deploy", "cart", -5)], [], EDGES))
    assert r.abstained and r.candidates == []


def test_pagerank_without_backward_steps_differs() -> None:
    view = _view([], [_sig("frontend", 3, 5.0), _sig("checkout", 2, 1.0)], EDGES)
    a = PageRankRanker().rank(view)
    b = PageRankRanker(PageRankConfig(backward=0.0)).rank(view)
    assert [c.score for c in a.candidates] != [c.score for c in b.candidates]


def test_traversal_names_anomalous_roots_reached_through_anomalous_callers() -> None:
    view = _view(
        [_change("d1", "deploy", "cart", -5)],
        [
            _sig("frontend", 3, 5.0),
            _sig("checkout", 2, 4.0),
            _sig("cart", 0, 6.0),  # root: its dependency redis is normal
            _sig("ads", 1, 20.0),  # a root too, on a shorter (smaller-sum) anomalous path
            _sig("batch", 0, 50.0),  # loud but not reached from the symptom: never named
        ],
        EDGES,
    )
    r = TraversalRanker().rank(view)
    assert [c.service for c in r.candidates] == ["ads", "cart"]
    assert r.candidates[0].score == pytest.approx(25.0)  # frontend 5 + ads 20
    assert r.candidates[1].score == pytest.approx(15.0)  # frontend 5 + checkout 4 + cart 6
    assert (r.candidates[1].kind, r.candidates[1].change_id) == ("deploy", "d1")
    # the caller checkout has an anomalous dependency: not a root
    assert "checkout" not in {c.service for c in r.candidates}


def test_traversal_abstains_when_the_symptom_is_not_anomalous() -> None:
    r = TraversalRanker().rank(_view([], [_sig("cart", 0, 6.0)], EDGES))
    assert r.abstained and r.candidates == []


def test_traversal_uses_only_the_symptom_metric_when_present() -> None:
    def sig(svc: str, metric: str, mag: float) -> SignalEvent:
        return SignalEvent(
            uid=f"s-{svc}-{metric}",
            kind="metric_anomaly",
            service=svc,
            at=ONSET,
            metric=metric,
            magnitude=mag,
        )

    view = _view([], [sig("frontend", "latency", 5.0), sig("checkout", "requests", 9.0)], EDGES)
    r = TraversalRanker().rank(view)
    # checkout's anomaly is on another metric: frontend has no anomalous dependency
    assert [c.service for c in r.candidates] == ["frontend"]


@pytest.mark.parametrize(
    "cls", [MostRecentChangeRanker, BaroRanker, PageRankRanker, TraversalRanker]
)
def test_baselines_are_rankers_and_round_trip(cls: type[_Baseline], tmp_path: Path) -> None:
    ranker = cls()
    assert isinstance(ranker, Ranker)
    view = _view([_change("d1", "deploy", "cart", -5)], [_sig("cart", 0, 5.0)], EDGES)
    assert ranker.fit([(view, Truth("deploy", "cart", "d1"))]) is ranker
    path = tmp_path / "m.json"
    ranker.save(path)
    again = cls.load(path)
    assert again.config == ranker.config
    assert again.rank(view).to_json() == ranker.rank(view).to_json()
    other = BaroRanker if cls is not BaroRanker else MostRecentChangeRanker
    with pytest.raises(ModelError):
        other.load(path)
