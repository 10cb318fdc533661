"""The forecast model: no training on the future, calibrated output, drivers, save/load."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import joblib
import numpy as np
import pytest

from rcagraph.errors import InputError, NotFoundError
from rcagraph.forecast.history import ChangeRec, History
from rcagraph.forecast.model import ForecastConfig, ForecastModel, training_mask
from rcagraph.forecast.risk_features import (
    FEATURES,
    HORIZONS,
    EventIndex,
    FeatureMatrix,
    build_matrix,
    daily_origins,
)
from rcagraph.synthetic.forecast_history import HistoryConfig, generate_history


@pytest.fixture(scope="module")
def history() -> History:
    return generate_history(HistoryConfig(seed=5, days=150, n_services=12))


@pytest.fixture(scope="module")
def matrix(history: History) -> FeatureMatrix:
    return build_matrix(EventIndex(history), daily_origins(history.start, history.end))


@pytest.fixture(scope="module")
def cut(history: History) -> datetime:
    return history.end - timedelta(days=40)


@pytest.fixture(scope="module")
def model(matrix: FeatureMatrix, cut: datetime) -> ForecastModel:
    return ForecastModel(ForecastConfig()).fit_matrix(matrix, cut)


def test_training_rows_end_before_the_cut(matrix: FeatureMatrix, cut: datetime) -> None:
    for h, hours in HORIZONS.items():
        mask = training_mask(matrix, h, cut)
        assert mask.any() and not mask.all()
        train_times = matrix.times[mask]
        # no training row at or after the cut, and no label window reaching past it
        assert (train_times < cut.timestamp()).all()
        assert (train_times + hours * 3600 <= cut.timestamp()).all()


def test_fit_ignores_everything_after_the_cut(
    matrix: FeatureMatrix, cut: datetime, model: ForecastModel
) -> None:
    """Scrambling the future (features after the cut, labels whose window crosses it) changes
    nothing in the fitted model."""
    rng = np.random.default_rng(0)
    # rows no horizon may train on: their 24 h window already reaches past the cut
    late = matrix.times > cut.timestamp() - 24 * 3600
    scrambled = FeatureMatrix(
        matrix.meta,
        matrix.X.copy(),
        {h: v.copy() for h, v in matrix.y.items()},
        matrix.complete,
    )
    scrambled.X[late] = rng.normal(size=(int(late.sum()), len(FEATURES))) * 10
    for h in HORIZONS:
        w = HORIZONS[h] * 3600
        crossing = matrix.times + w > cut.timestamp()
        scrambled.y[h][crossing] = rng.integers(0, 2, int(crossing.sum()))
    other = ForecastModel(ForecastConfig()).fit_matrix(scrambled, cut)
    probe = matrix.X[: len(matrix.X) : 50]
    for h in HORIZONS:
        keep = training_mask(matrix, h, cut)
        assert np.array_equal(scrambled.X[keep], matrix.X[keep])
        np.testing.assert_allclose(model.predict_proba(h, probe), other.predict_proba(h, probe))


def test_probabilities_are_calibrated_values_in_unit_interval(
    matrix: FeatureMatrix, cut: datetime, model: ForecastModel
) -> None:
    test = matrix.subset(matrix.times >= cut.timestamp())
    for h in HORIZONS:
        p = model.predict_proba(h, test.X)
        assert p.shape == (len(test.meta),)
        assert ((p >= 0) & (p <= 1)).all()
        # calibrated: the mean forecast is in the range of the observed rate
        ok = test.complete[h]
        observed = test.y[h][ok].mean()
        assert 0.3 * observed < p[ok].mean() < 3 * observed


def test_drivers_explain_the_forecast(
    history: History, cut: datetime, model: ForecastModel
) -> None:
    forecasts = model.predict(history, cut, horizons=("7d",))
    assert forecasts and all(f.horizon == "7d" for f in forecasts)
    top = max(forecasts, key=lambda f: f.probability)
    assert top.drivers
    assert all(d.feature in FEATURES for d in top.drivers)
    contributions = [abs(d.contribution) for d in top.drivers]
    assert contributions == sorted(contributions, reverse=True)
    assert top.at == cut and top.model == model.name


def test_pending_change_gets_its_own_forecasts(history: History, model: ForecastModel) -> None:
    at = history.end
    service = history.incidents[-1].service
    history_with = History(
        history.scope,
        history.start,
        history.end,
        history.components,
        history.edges,
        [*history.changes, ChangeRec("pending-1", "config", service, at + timedelta(hours=1))],
        history.incidents,
        history.anomalies,
        history.alerts,
    )
    forecasts = model.predict(history_with, at, horizons=("24h",))
    mine = [f for f in forecasts if f.change_id == "pending-1"]
    assert mine and all(f.service == service for f in mine)
    by_mode = {f.mode: f.probability for f in forecasts if f.change_id is None}
    assert all(f.mode in by_mode for f in mine)


def test_save_load_round_trip(tmp_path: Path, matrix: FeatureMatrix, model: ForecastModel) -> None:
    path = model.save(tmp_path / "m" / "forecast.joblib")
    loaded = ForecastModel.load(path)
    assert loaded.metadata == model.metadata
    assert loaded.metadata["format"] == 1 and loaded.metadata["features"] == list(FEATURES)
    assert loaded.config == model.config
    probe = matrix.X[:200]
    for h in HORIZONS:
        np.testing.assert_array_equal(loaded.predict_proba(h, probe), model.predict_proba(h, probe))
    assert loaded.drivers("24h", probe[:3]) == model.drivers("24h", probe[:3])


def test_load_rejects_missing_foreign_and_stale_files(tmp_path: Path, model: ForecastModel) -> None:
    with pytest.raises(NotFoundError):
        ForecastModel.load(tmp_path / "nope.joblib")
    junk = tmp_path / "junk.joblib"
    junk.write_text("not a model")
    with pytest.raises(InputError):
        ForecastModel.load(junk)
    path = model.save(tmp_path / "ok.joblib")
    payload = joblib.load(path)
    payload["metadata"]["features"] = ["something_else"]
    joblib.dump(payload, tmp_path / "stale.joblib")
    with pytest.raises(InputError, match="other features"):
        ForecastModel.load(tmp_path / "stale.joblib")
    with pytest.raises(InputError, match="not trained"):
        ForecastModel().save(tmp_path / "untrained.joblib")


def test_too_little_history_is_a_clear_error(history: History) -> None:
    with pytest.raises(InputError, match="not enough history"):
        ForecastModel().fit(history, until=history.start + timedelta(days=16))
