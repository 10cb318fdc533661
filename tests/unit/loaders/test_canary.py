"""Canary statistics: a release's new pods against its old pods in the same minutes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rcagraph.engine.canary import canary_features, matching_verdicts
from rcagraph.engine.rollout import (
    norm_version,
    prefer_records,
    scale_up_times,
    step_before,
    with_rollout_steps,
)
from rcagraph.engine.view import CanaryVerdict, ChangeEvent
from rcagraph.loaders.canary import (
    VersionedSeries,
    canary_analysis,
    compare_versions,
    group_key,
    parse_label_pairs,
    version_of,
)

MIN = 60_000_000_000
T0 = 29_533_333 * MIN  # on a minute


def pod(version: str, pod: str, start: int, values: np.ndarray, metric: str) -> VersionedSeries:
    ts = np.array([T0 + (start + i) * MIN for i in range(values.size)], dtype=np.int64)
    return VersionedSeries(
        "cart", metric, f"pod={pod};version={version}", version, ts, values.astype(np.float64)
    )


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    level=st.floats(1.0, 1e4),
    noise=st.floats(0.0, 0.3),
    metric=st.sampled_from(["latency_p95_ms", "error_ratio", "cpu_usage", "availability"]),
)
def test_identical_versions_are_never_degraded(
    seed: int, level: float, noise: float, metric: str
) -> None:
    rng = np.random.default_rng(seed)
    old = [pod("v1", f"a{i}", 0, level * rng.lognormal(0, noise, 40), metric) for i in range(2)]
    new = [pod("v2", f"b{i}", 20, level * rng.lognormal(0, noise, 20), metric) for i in range(2)]
    result = compare_versions(new, old)
    assert result is not None
    # the same distribution: at most a rare false "better"/"degraded" at p < 0.01 with a
    # robust effect ≥ 3 and a ratio ≥ 1.2 is impossible when the noise is below 20 %
    if noise < 0.05:
        assert result.verdict == "same"
    assert result.overlap_minutes == 20


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    level=st.floats(1.0, 1e4),
    factor=st.floats(1.5, 10.0),
)
def test_a_clear_shift_of_the_new_version_is_detected(
    seed: int, level: float, factor: float
) -> None:
    rng = np.random.default_rng(seed)
    metric = "latency_p95_ms"
    old = [pod("v1", f"a{i}", 0, level * rng.lognormal(0, 0.05, 40), metric) for i in range(2)]
    new = [
        pod("v2", f"b{i}", 25, factor * level * rng.lognormal(0, 0.05, 15), metric)
        for i in range(2)
    ]
    result = compare_versions(new, old)
    assert result is not None and result.verdict == "degraded"
    assert result.p_value < 0.01 and result.ratio > 1.4
    assert result.onset_ns == T0 + 25 * MIN
    assert "v2" in result.summary() and "v1 pods" in result.summary()


def test_availability_degrades_downwards_and_traffic_never_degrades() -> None:
    rng = np.random.default_rng(1)
    old = [pod("v1", "a", 0, 0.999 + 0.0005 * rng.random(30), "availability")]
    new = [pod("v2", "b", 10, 0.90 + 0.0005 * rng.random(20), "availability")]
    r = compare_versions(new, old)
    assert r is not None and r.verdict == "degraded" and r.direction == "down"
    old = [pod("v1", "a", 0, 100 + rng.random(30), "request_rate")]
    new = [pod("v2", "b", 10, 400 + rng.random(20), "request_rate")]
    r = compare_versions(new, old)
    assert r is not None and r.verdict == "same"


def test_too_short_an_overlap_gives_no_verdict() -> None:
    old = [pod("v1", "a", 0, np.ones(10), "latency_p95_ms")]
    new = [pod("v2", "b", 8, np.ones(10) * 5, "latency_p95_ms")]
    assert compare_versions(new, old) is None


def test_version_labels_and_grouping() -> None:
    assert version_of({"version": "1.4.2", "pod": "cart-7f9c8d6b5-abcde"}) == "1.4.2"
    assert version_of({"pod_template_hash": "7f9c8d6b5"}) == "7f9c8d6b5"
    assert version_of({"pod": "cart-7f9c8d6b5-abcde"}) == "7f9c8d6b5"
    assert version_of({"pod": "cart-0"}) is None
    labels = parse_label_pairs("pod=cart-1;version=v2;zone=a")
    assert group_key(labels) == "zone=a"


def test_analysis_picks_the_newest_version_per_group() -> None:
    rng = np.random.default_rng(3)
    series = [
        pod("v1", "a", 0, 10 * rng.lognormal(0, 0.05, 40), "latency_p95_ms"),
        pod("v2", "b", 20, 30 * rng.lognormal(0, 0.05, 20), "latency_p95_ms"),
        pod("v1", "a", 0, 10 * rng.lognormal(0, 0.05, 40), "error_ratio"),
    ]
    results = canary_analysis(series)
    assert [(r.metric, r.new_version, r.verdict) for r in results] == [
        ("latency_p95_ms", "v2", "degraded")
    ]


def _verdict(version: str, verdict: str, since: datetime, effect: float = 10.0) -> CanaryVerdict:
    return CanaryVerdict(
        uid=f"u-{version}-{verdict}",
        service="cart",
        metric="latency_p95_ms",
        new_version=version,
        verdict=verdict,
        at=since,
        new_since=since,
        effect=effect,
        signal="latency",
        summary="s",
    )


def test_engine_matches_a_deploy_by_version_or_by_time() -> None:
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    change = ChangeEvent("c1", "c1", "deploy", at, ("cart",), version="v1.4.2")
    degraded = _verdict("1.4.2", "degraded", at + timedelta(minutes=1))
    other = _verdict("1.4.1", "same", at - timedelta(hours=1))
    assert matching_verdicts([degraded, other], change) == [degraded]
    f, ev = canary_features([degraded, other], change)
    assert f["canary_degraded"] > 0.8 and f["canary_same"] == 0.0 and ev
    same = _verdict("v1.4.2", "same", at)
    assert canary_features([same], change)[0] == {"canary_degraded": 0.0, "canary_same": 1.0}
    # a ReplicaSet hash: matched by when the new version first reported
    hashed = _verdict("7f9c8d6b5", "degraded", at + timedelta(minutes=2))
    assert matching_verdicts([hashed], change) == [hashed]
    late = _verdict("7f9c8d6b5", "degraded", at + timedelta(hours=1))
    assert matching_verdicts([late], change) == []
    # a real version that is not this change's is another release
    assert canary_features([_verdict("2.0.0", "degraded", at)], change) == ({}, [])


def test_rollout_steps_of_a_release_from_kubernetes_and_from_several_records() -> None:
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert scale_up_times(
        [
            "2026-03-01T12:04:00Z scaled up cart-7f9c to 3 from 1",
            "2026-03-01T12:00:00Z scaled up cart-7f9c to 1",
            "2026-03-01T12:04:30Z scaled down cart-5d2a to 0 from 2",  # the old one: no step
            "not a step",
        ]
    ) == (at, at + timedelta(minutes=4))
    assert scale_up_times(None) == ()
    # a delivery tool reporting each step of one release (same service and version)
    first = ChangeEvent("c1", "c1", "deploy", at, ("cart",), version="1.4.2")
    more = ChangeEvent("c2", "c2", "deploy", at + timedelta(minutes=10), ("cart",), version="1.4.2")
    other = ChangeEvent("c3", "c3", "deploy", at + timedelta(minutes=5), ("cart",), version="1.5.0")
    flag = ChangeEvent("c4", "c4", "flag", at, ("cart",))
    out = with_rollout_steps([first, more, other, flag])
    steps = {c.change_id: c.rollout_steps for c in out}
    assert steps["c1"] == steps["c2"] == (at, at + timedelta(minutes=10))
    assert steps["c3"] == (at + timedelta(minutes=5),)
    assert steps["c4"] == ()
    k8s = with_rollout_steps([replace(first, rollout_steps=(at + timedelta(minutes=4),))])[0]
    assert k8s.rollout_steps == (at, at + timedelta(minutes=4))
    assert step_before(k8s, at + timedelta(minutes=6)) == at + timedelta(minutes=4)
    assert step_before(k8s, at - timedelta(minutes=1)) is None


def test_a_degradation_is_timed_against_the_rollout_steps() -> None:
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    change = ChangeEvent(
        "c1",
        "c1",
        "deploy",
        at,
        ("cart",),
        version="1.4.2",
        rollout_steps=(at, at + timedelta(minutes=10)),
    )
    after_step_2 = _verdict("1.4.2", "degraded", at + timedelta(minutes=12))
    f, ev = canary_features([after_step_2], change)
    assert f["canary_degraded"] > 0.8
    assert ev[0].summary == "s; began 2 min after the rollout step at 12:10:00 (step 2 of 2)"
    # the new version degraded before the release's first step: not this release's doing
    early = replace(_verdict("1.4.2", "degraded", at - timedelta(minutes=5)), new_since=at)
    assert canary_features([early], change) == ({}, [])
    within_skew = replace(early, at=at - timedelta(minutes=1))
    assert canary_features([within_skew], change)[0]["canary_degraded"] > 0.8
    same = _verdict("1.4.2", "same", at)
    assert canary_features([early, same], change)[0] == {
        "canary_degraded": 0.0,
        "canary_same": 1.0,
    }


def test_a_deploy_record_stands_for_the_release_the_metrics_saw() -> None:
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    seen = ChangeEvent(
        "o1", "observed:cart@v1.4.2", "deploy", at, ("cart",), version="v1.4.2", observed=True
    )
    hashed = replace(seen, uid="o2", change_id="observed:cart@7f9c8d6b5", version="7f9c8d6b5")
    other = replace(seen, uid="o3", change_id="observed:pay@2.0", services=("payment",))
    record = ChangeEvent(
        "c1", "c1", "deploy", at - timedelta(minutes=3), ("cart",), version="1.4.2"
    )
    kept = prefer_records([record, seen, hashed, other])
    # the record, by version; the hashed series by time; payment had no record
    assert [c.change_id for c in kept] == ["c1", "observed:pay@2.0"]
    late = replace(record, at=at - timedelta(hours=1), version="1.4.1")
    assert [c.change_id for c in prefer_records([late, hashed])] == [
        "c1",
        "observed:cart@7f9c8d6b5",
    ]
    assert norm_version("pkg:docker/shop/cart@v1.4.2") == norm_version("1.4.2") == "1.4.2"
