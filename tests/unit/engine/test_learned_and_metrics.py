from __future__ import annotations

import json
from pathlib import Path

import pytest

from rcagraph.engine.base import Ranker, Truth
from rcagraph.engine.learned import LEARNED_FEATURES, LearnedConfig, LearnedRanker, load_ranker
from rcagraph.engine.persist import FORMAT_VERSION, meta_path
from rcagraph.engine.result import Candidate, Ranking
from rcagraph.engine.service import Evaluated, Metrics, evaluate, first_hit
from rcagraph.errors import InputError, ModelError, NotFittedError

from .views import bad_deploy_view, service_fault_view


def _examples() -> list:  # type: ignore[type-arg]
    ex = [(bad_deploy_view(f"D{i}"), Truth("deploy", "cart", "dep-cart")) for i in range(6)]
    ex += [(service_fault_view(f"S{i}"), Truth("service", "redis", None)) for i in range(6)]
    return ex


@pytest.mark.parametrize("model", ["gbdt", "logreg"])
def test_learned_fit_rank_save_load_round_trip(tmp_path: Path, model: str) -> None:
    ranker = LearnedRanker(LearnedConfig(model=model, n_estimators=30)).fit(_examples())
    assert isinstance(ranker, Ranker)
    r1 = ranker.rank(bad_deploy_view("new"))
    assert r1.candidates[0].change_id == "dep-cart"
    r2 = ranker.rank(service_fault_view("new2"))
    assert (r2.candidates[0].kind, r2.candidates[0].service) == ("service", "redis")
    path = tmp_path / "m.joblib"
    ranker.save(path)
    meta = json.loads(meta_path(path).read_text())
    assert meta["format_version"] == FORMAT_VERSION == 2 and meta["ranker"] == "learned"
    assert meta["feature_names"] == list(LEARNED_FEATURES) and "rcagraph_version" in meta
    again = load_ranker(path)
    assert isinstance(again, LearnedRanker)
    r3 = again.rank(bad_deploy_view("new"))
    assert [c.confidence for c in r3.candidates] == [c.confidence for c in r1.candidates]
    assert all(0.0 <= c.confidence <= 1.0 for c in r3.candidates)


@pytest.mark.parametrize("model", ["gbdt", "logreg"])
def test_learned_feature_matrix_and_importances(model: str) -> None:
    examples = _examples()
    ranker = LearnedRanker(LearnedConfig(model=model, n_estimators=30)).fit(examples)
    x, y = ranker.feature_matrix(examples)
    assert x.shape == (len(y), len(LEARNED_FEATURES))
    assert 0 < int(y.sum()) < len(y)
    importances = ranker.feature_importances()
    assert list(importances) == list(LEARNED_FEATURES)
    assert all(v >= 0 for v in importances.values()) and sum(importances.values()) > 0
    with pytest.raises(NotFittedError):
        LearnedRanker().feature_importances()


def test_learned_needs_fit_and_labels(tmp_path: Path) -> None:
    with pytest.raises(NotFittedError):
        LearnedRanker().rank(bad_deploy_view())
    with pytest.raises(ModelError):
        LearnedRanker().fit([])
    bad = tmp_path / "x.joblib"
    bad.write_text("not a model")
    with pytest.raises(ModelError):
        LearnedRanker.load(bad)


def _cand(kind: str, service: str, change_id: str | None) -> Candidate:
    return Candidate(kind=kind, service=service, change_id=change_id, score=0.5, confidence=0.5)  # type: ignore[arg-type]


def test_metrics_by_hand() -> None:
    # ranks 1, 3, none, 2 → AC@1 .25, AC@3 .75, MRR (1 + 1/3 + 0 + 1/2)/4
    m = Metrics.of([1, 3, None, 2])
    assert m.ac1 == 0.25 and m.ac3 == 0.75
    assert m.avg5 == pytest.approx((0.25 + 0.5 + 0.75 + 0.75 + 0.75) / 5)
    assert m.mrr == pytest.approx((1 + 1 / 3 + 0.5) / 4)


def test_evaluate_change_and_service_level() -> None:
    truth_dep = Truth("deploy", "cart", "c1")
    truth_svc = Truth("service", "redis", None)
    r1 = Ranking(
        "I1",
        "s",
        "x",
        False,
        [_cand("deploy", "cart", "c2"), _cand("deploy", "cart", "c1")],
        timings_ms={"rank": 10.0},
    )
    # service truth: a change on redis is a service-level hit but not a change-level hit
    r2 = Ranking(
        "I2",
        "s",
        "x",
        False,
        [_cand("deploy", "redis", "c9"), _cand("service", "redis", None)],
        timings_ms={"rank": 30.0},
    )
    assert first_hit(r1.candidates, truth_dep.change_hit) == 2
    assert first_hit(r1.candidates, truth_dep.service_hit) == 1
    assert first_hit(r2.candidates, truth_svc.change_hit) == 2
    report = evaluate([Evaluated(r1, truth_dep, "a"), Evaluated(r2, truth_svc, "b")])
    assert report.overall.change.ac1 == 0.0 and report.overall.change.mrr == 0.5
    assert report.overall.service.ac1 == 1.0
    assert set(report.by_system) == {"a", "b"} and set(report.by_kind) == {"deploy", "service"}
    assert report.overall.latency_p50_ms == 20.0
    assert report.to_json()["by_fault_kind"]["service"]["change"]["mrr"] == 0.5


def test_truth_parsing(tmp_path: Path) -> None:
    (tmp_path / "truth.json").write_text(
        '{"root_cause": {"kind": "flag", "service": null, "change_id": 42}}'
    )
    assert Truth.read(tmp_path) == Truth("flag", None, "42")
    with pytest.raises(InputError):
        Truth.from_json({"root_cause": {"kind": "oops"}})
