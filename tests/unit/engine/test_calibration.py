"""The confidence calibration: isotonic thresholds, the shipped one, and the untrained scorer."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.isotonic import IsotonicRegression

from rcagraph.engine.base import Truth
from rcagraph.engine.calibration import Calibration, calibration_of, fit_calibration, shipped
from rcagraph.engine.scorer import DefaultScorer, ScorerConfig
from rcagraph.engine.view import IncidentView
from rcagraph.errors import ModelError

from .views import bad_deploy_view, service_fault_view


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 1), st.booleans()), min_size=2, max_size=60).filter(
        lambda xs: len({y for _, y in xs}) == 2
    ),
    st.lists(st.floats(-0.5, 1.5), min_size=1, max_size=20),
)
def test_thresholds_give_what_the_isotonic_regression_predicts(
    fit: list[tuple[float, bool]], query: list[float]
) -> None:
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    iso.fit(np.asarray([x for x, _ in fit]), np.asarray([float(y) for _, y in fit]))
    cal = Calibration.from_isotonic(iso)
    assert cal.apply(query) == pytest.approx([float(v) for v in iso.predict(np.asarray(query))])
    assert Calibration.from_json(cal.to_json()) == cal


def test_bad_thresholds_are_refused() -> None:
    with pytest.raises(ModelError):
        Calibration(x=(0.1, 0.5), y=(0.5,))
    with pytest.raises(ModelError):
        Calibration(x=(0.5, 0.1), y=(0.2, 0.3))
    with pytest.raises(ModelError):
        Calibration(x=(0.1, 0.5), y=(0.2, 1.3))
    with pytest.raises(ModelError, match="not a calibration"):
        Calibration.from_json({"x": [0.1]})


def test_the_shipped_calibration_comes_from_the_simulator_only() -> None:
    cal = shipped()
    assert len(cal.x) >= 2
    assert cal.meta["fitted_on"] == "rcagraph.synthetic incidents only"
    assert cal.meta["seed"] not in (7, 1007)  # the accuracy benchmark's own bundles
    assert cal.apply([0.0])[0] <= cal.apply([1.0])[0]


@pytest.mark.parametrize("view", [bad_deploy_view(), service_fault_view()])
def test_untrained_scorer_maps_its_confidence_through_the_shipped_calibration(
    view: IncidentView,
) -> None:
    # doubt_weight 0: no cap, so the mapping is seen alone
    raw = DefaultScorer(ScorerConfig(calibration="none", doubt_weight=0)).rank(view)
    calibrated = DefaultScorer(ScorerConfig(doubt_weight=0)).rank(view)
    # the order and scores are the untrained scorer's; only the confidence is mapped
    assert [(c.target_uid, c.score) for c in calibrated.candidates] == [
        (c.target_uid, c.score) for c in raw.candidates
    ]
    want = shipped().apply([c.confidence for c in raw.candidates])
    assert [c.confidence for c in calibrated.candidates] == pytest.approx(want)
    assert want != [c.confidence for c in raw.candidates]


def test_a_fitted_scorer_uses_its_own_calibration() -> None:
    view = bad_deploy_view()
    truth = Truth(kind="deploy", service="cart", change_id="dep-cart")
    fitted = DefaultScorer(ScorerConfig(fit_priors=False)).fit([(view, truth), (view, truth)])
    assert fitted.calibrator is not None
    raw = DefaultScorer(ScorerConfig(calibration="none", doubt_weight=0)).rank(view)
    own = fitted.calibrator.apply([c.confidence for c in raw.candidates])
    got = (
        DefaultScorer(ScorerConfig(fit_priors=False, doubt_weight=0))
        .fit([(view, truth), (view, truth)])
        .rank(view)
    )
    assert [c.confidence for c in got.candidates] == pytest.approx(own)


def test_fitted_blocks_are_shrunk_by_the_rule_of_succession() -> None:
    # 40 right answers above 0.6, 40 wrong ones below 0.3: the regression says 1 and 0
    raw = [0.1 + 0.005 * i for i in range(40)] + [0.6 + 0.005 * i for i in range(40)]
    right = [False] * 40 + [True] * 40
    cal = fit_calibration(raw, right)
    assert cal is not None
    low, high = cal.apply([0.1, 0.8])
    assert low == pytest.approx(1 / 42) and high == pytest.approx(41 / 42)
    assert fit_calibration([0.2, 0.4], [True, True]) is None  # nothing to tell apart


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), min_size=1, max_size=80))
def test_a_fitted_calibration_is_monotone_and_never_certain(fit: list[tuple[float, bool]]) -> None:
    cal = fit_calibration([x for x, _ in fit], [y for _, y in fit])
    if cal is None:
        assert len({y for _, y in fit}) == 1
        return
    grid = cal.apply([i / 50 for i in range(51)])
    assert grid == sorted(grid)
    assert all(0.0 < v < 1.0 for v in grid)


def test_model_files_with_the_older_isotonic_object_still_load() -> None:
    iso = IsotonicRegression(out_of_bounds="clip").fit(
        np.asarray([0.1, 0.9]), np.asarray([0.0, 1.0])
    )
    cal = calibration_of(iso)
    assert cal is not None and cal.apply([0.5]) == pytest.approx([0.5])
    assert calibration_of(cal.to_json()) == cal
    assert calibration_of(None) is None
    with pytest.raises(ModelError):
        calibration_of(3)


def test_an_old_model_file_keeps_its_own_isotonic_calibration(tmp_path: Path) -> None:
    # a format-1 file: the config has no `calibration`, the calibrator is the pickled regression
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    iso.fit(np.asarray([0.0, 0.2, 0.6, 1.0]), np.asarray([0.0, 0.0, 1.0, 1.0]))
    config = ScorerConfig().model_dump(mode="json")
    del config["calibration"]
    path = tmp_path / "old.joblib"
    joblib.dump(
        {
            "meta": {"format_version": 1, "ranker": "default"},
            "payload": {"config": config, "priors": None, "calibrator": iso},
        },
        path,
    )
    loaded = DefaultScorer.load(path)
    assert loaded.fitted and loaded.calibrator == Calibration.from_isotonic(iso)
    view = bad_deploy_view()
    raw = DefaultScorer(ScorerConfig(calibration="none", doubt_weight=0)).rank(view)
    loaded.config.doubt_weight = 0
    got = loaded.rank(view)
    want = [float(v) for v in iso.predict(np.asarray([c.confidence for c in raw.candidates]))]
    assert [c.confidence for c in got.candidates] == pytest.approx(want)
    # saved again, it is a format-2 file that loads the same
    loaded.save(tmp_path / "new.joblib")
    again = DefaultScorer.load(tmp_path / "new.joblib")
    assert again.calibrator == loaded.calibrator and again.fitted


def test_a_scorer_fitted_without_a_calibration_keeps_its_raw_confidence() -> None:
    view = bad_deploy_view()
    # a truth no candidate matches: every candidate wrong, one class, nothing to calibrate
    wrong = Truth(kind="deploy", service="nowhere", change_id="nope")
    fitted = DefaultScorer(ScorerConfig(fit_priors=False, doubt_weight=0)).fit([(view, wrong)])
    assert fitted.fitted and fitted.calibrator is None
    raw = DefaultScorer(ScorerConfig(calibration="none", doubt_weight=0)).rank(view)
    assert [c.confidence for c in fitted.rank(view).candidates] == [
        c.confidence for c in raw.candidates
    ]
