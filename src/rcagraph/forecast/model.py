"""The forecasting model: calibrated probabilities of an incident of a failure mode.

One scikit-learn classifier per horizon (24 h, 7 days) on the rows of
:mod:`rcagraph.forecast.risk_features` — by default an L1-regularised logistic regression on
standardised features, which keeps the few features that carry signal — wrapped in
``CalibratedClassifierCV`` (Platt scaling by default) whose folds are time-ordered
(``TimeSeriesSplit`` with a gap of one horizon, so a calibration fold never sees a label window
that overlaps its training fold). ``fit`` only uses rows whose whole label window ends at or
before the cut (``until``): it never trains on the future.

Drivers: for each forecast, the change in the calibrated probability when one feature is set
back to its training mean (occlusion, one feature at a time); the largest changes, with their
sign, are the features that drove it. It is model-agnostic, cheap for the handful of rows a
forecast has, and reads directly in probability points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, Self

import joblib
import numpy as np
import sklearn
from pydantic import BaseModel, Field
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from rcagraph.__version__ import __version__
from rcagraph.errors import InputError, NotFoundError
from rcagraph.forecast.history import ChangeRec, History
from rcagraph.forecast.risk_features import (
    FEATURES,
    HORIZONS,
    EventIndex,
    FeatureMatrix,
    build_matrix,
    change_matrix,
    daily_origins,
)

MODEL_FORMAT = 1
Horizon = Literal["24h", "7d"]


class ForecastConfig(BaseModel):
    """How the forecaster is built."""

    estimator: Literal["logistic", "hgb"] = "logistic"
    calibration: Literal["isotonic", "sigmoid"] = "sigmoid"
    cv_splits: int = Field(default=3, ge=2, le=10)
    horizons: tuple[Horizon, ...] = ("24h", "7d")
    warmup_days: int = Field(default=14, ge=0)
    seed: int = 0
    max_drivers: int = Field(default=3, ge=0, le=len(FEATURES))
    #: logistic regression: inverse regularisation strength, and the L1 share of the penalty
    #: (1: lasso, which drops the features that do not help; 0: ridge)
    c: float = Field(default=0.05, gt=0)
    l1_ratio: float = Field(default=1.0, ge=0, le=1)
    #: gradient boosting: iterations and learning rate
    hgb_iter: int = Field(default=150, ge=10)
    hgb_learning_rate: float = Field(default=0.05, gt=0, le=1)


@dataclass(frozen=True, slots=True)
class Driver:
    feature: str
    value: float
    #: probability change when the feature is set back to its training mean (+ raised it)
    contribution: float

    def to_json(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "value": round(self.value, 4),
            "contribution": round(self.contribution, 6),
        }


@dataclass(frozen=True, slots=True)
class Forecast:
    service: str
    change_id: str | None
    mode: str
    horizon: str
    probability: float
    drivers: tuple[Driver, ...] = ()
    at: datetime | None = None
    model: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "change_id": self.change_id,
            "mode": self.mode,
            "horizon": self.horizon,
            "probability": round(self.probability, 6),
            "drivers": [d.to_json() for d in self.drivers],
            "at": self.at.isoformat().replace("+00:00", "Z") if self.at else None,
            "model": self.model,
        }


def training_mask(fm: FeatureMatrix, horizon: str, cut: datetime) -> np.ndarray:
    """Rows whose label window ``(t, t + horizon]`` ends at or before ``cut``."""
    limit = cut.timestamp() - HORIZONS[horizon] * 3600.0
    return fm.times <= limit


class ForecastModel:
    """Per-horizon calibrated classifiers over (service, failure mode) rows."""

    def __init__(self, config: ForecastConfig | None = None) -> None:
        self.config = config or ForecastConfig()
        self.estimators: dict[str, Any] = {}
        self.reference: np.ndarray = np.zeros(len(FEATURES))
        self.metadata: dict[str, Any] = {}

    @property
    def name(self) -> str:
        until = self.metadata.get("trained_until", "untrained")
        return f"rcagraph-forecast/{self.config.estimator}@{until}"

    # -- training --------------------------------------------------------------------------

    def _estimator(self, gap: int) -> CalibratedClassifierCV:
        cfg = self.config
        base: Any
        if cfg.estimator == "logistic":
            solver = "liblinear" if cfg.l1_ratio in (0.0, 1.0) else "saga"
            base = make_pipeline(
                StandardScaler(),
                LogisticRegression(
                    C=cfg.c,
                    l1_ratio=cfg.l1_ratio,
                    solver=solver,
                    max_iter=5000,
                    random_state=cfg.seed,
                ),
            )
        else:
            base = HistGradientBoostingClassifier(
                max_iter=cfg.hgb_iter,
                learning_rate=cfg.hgb_learning_rate,
                max_leaf_nodes=15,
                min_samples_leaf=40,
                l2_regularization=1.0,
                random_state=cfg.seed,
            )
        cv = TimeSeriesSplit(n_splits=cfg.cv_splits, gap=gap)
        return CalibratedClassifierCV(base, method=cfg.calibration, cv=cv)

    def fit_matrix(self, fm: FeatureMatrix, cut: datetime) -> Self:
        """Fit on the rows of ``fm`` whose label windows end by ``cut`` (time-ordered)."""
        fm = fm.take(np.argsort(fm.times, kind="stable"))  # the folds must be time-ordered
        counts: dict[str, dict[str, int]] = {}
        for horizon in self.config.horizons:
            mask = training_mask(fm, horizon, cut)
            xs, y = fm.X[mask], fm.y[horizon][mask]
            if len(y) < 50 or y.sum() < self.config.cv_splits + 1 or y.sum() == len(y):
                raise InputError(
                    f"not enough history to train the {horizon} forecast: {len(y)} rows, "
                    f"{int(y.sum())} with an incident (need 50 rows and a few incidents)"
                )
            days = max(len({m.at for m, keep in zip(fm.meta, mask, strict=True) if keep}), 1)
            gap = math.ceil(len(y) / days * HORIZONS[horizon] / 24.0)
            gap = min(gap, len(y) // (self.config.cv_splits + 2))
            est = self._estimator(gap)
            est.fit(xs, y)
            self.estimators[horizon] = est
            counts[horizon] = {"rows": len(y), "positives": int(y.sum())}
        all_mask = training_mask(fm, self.config.horizons[0], cut)
        self.reference = fm.X[all_mask].mean(axis=0)
        self.metadata = {
            "format": MODEL_FORMAT,
            "rcagraph": __version__,
            "sklearn": sklearn.__version__,
            "trained_until": cut.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "trained_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "features": list(FEATURES),
            "training": counts,
        }
        return self

    def fit(self, history: History, *, until: datetime | None = None) -> Self:
        """Fit on ``history`` up to ``until`` (default: its end)."""
        cut = until or history.end
        index = EventIndex(history)
        origins = daily_origins(history.start, cut, warmup_days=self.config.warmup_days)
        fm = build_matrix(index, origins)
        self.metadata["scope"] = history.scope
        return self.fit_matrix(fm, cut)

    # -- prediction ------------------------------------------------------------------------

    def _check(self, horizon: str) -> Any:
        if horizon not in self.estimators:
            raise InputError(
                f"this forecast model has no {horizon} horizon "
                f"(it has {', '.join(self.estimators) or 'none: it is not trained'})"
            )
        return self.estimators[horizon]

    def predict_proba(self, horizon: str, x: np.ndarray) -> np.ndarray:
        """Calibrated probabilities, in [0, 1]."""
        if len(x) == 0:
            return np.zeros(0)
        p = np.asarray(self._check(horizon).predict_proba(x)[:, 1], dtype=float)
        out: np.ndarray = np.clip(p, 0.0, 1.0)
        return out

    def drivers(self, horizon: str, x: np.ndarray) -> list[tuple[Driver, ...]]:
        """Per row, the features whose occlusion moves the probability most."""
        k = self.config.max_drivers
        if len(x) == 0 or k == 0:
            return [() for _ in range(len(x))]
        n, f = x.shape
        base = self.predict_proba(horizon, x)
        occluded = np.repeat(x, f, axis=0)
        cols = np.tile(np.arange(f), n)
        occluded[np.arange(n * f), cols] = self.reference[cols]
        contrib = (base.repeat(f) - self.predict_proba(horizon, occluded)).reshape(n, f)
        out: list[tuple[Driver, ...]] = []
        for i in range(n):
            top = np.argsort(-np.abs(contrib[i]), kind="stable")[:k]
            out.append(
                tuple(
                    Driver(FEATURES[j], float(x[i, j]), float(contrib[i, j]))
                    for j in top
                    if abs(contrib[i, j]) > 1e-9
                )
            )
        return out

    def predict_matrix(self, fm: FeatureMatrix, horizon: str) -> list[Forecast]:
        p = self.predict_proba(horizon, fm.X)
        drivers = self.drivers(horizon, fm.X)
        return [
            Forecast(m.service, m.change_id, m.mode, horizon, float(pi), d, m.at, self.name)
            for m, pi, d in zip(fm.meta, p, drivers, strict=True)
        ]

    def predict(
        self,
        history: History,
        at: datetime,
        *,
        horizons: tuple[str, ...] | None = None,
        changes: bool = True,
        recent: timedelta = timedelta(hours=24),
    ) -> list[Forecast]:
        """Forecasts at ``at`` for every service and mode, and for pending or recent changes.

        Only events before ``at`` are used. Changes at or after ``at - recent`` (recent, or
        pending: in the future) get their own forecasts for their service's modes.
        """
        index = EventIndex(history)
        services = build_matrix(index, [at], with_labels=False)
        pending: list[ChangeRec] = [c for c in history.changes if c.at >= at - recent]
        by_change = change_matrix(index, pending, at) if changes else None
        out: list[Forecast] = []
        for horizon in horizons or tuple(self.estimators):
            out += self.predict_matrix(services, horizon)
            if by_change is not None and by_change.meta:
                out += self.predict_matrix(by_change, horizon)
        out.sort(key=lambda f: (f.horizon, f.change_id or "", -f.probability, f.service, f.mode))
        return out

    # -- persistence -----------------------------------------------------------------------

    def save(self, path: Path) -> Path:
        """Write the model and its metadata (format, versions, training window) to ``path``."""
        if not self.estimators:
            raise InputError("the forecast model is not trained; nothing to save")
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "format": MODEL_FORMAT,
            "metadata": self.metadata,
            "config": self.config.model_dump(mode="json"),
            "estimators": self.estimators,
            "reference": self.reference.tolist(),
        }
        joblib.dump(payload, path)
        return path

    @classmethod
    def load(cls, path: Path) -> Self:
        """Read a model written by :meth:`save` (checks its format and feature list)."""
        if not path.is_file():
            raise NotFoundError(
                f"no forecast model at {path}: train one with `rcagraph forecast train`"
            )
        try:
            payload = joblib.load(path)
        except Exception as exc:
            raise InputError(f"not a forecast model file: {exc}", file=str(path)) from exc
        if not isinstance(payload, dict) or payload.get("format") != MODEL_FORMAT:
            raise InputError(
                f"unsupported forecast model format (this rcagraph reads {MODEL_FORMAT})",
                file=str(path),
            )
        meta = payload["metadata"]
        if list(meta.get("features", [])) != list(FEATURES):
            raise InputError(
                "the model was trained on other features than this rcagraph computes; retrain it",
                file=str(path),
            )
        model = cls(ForecastConfig.model_validate(payload["config"]))
        model.estimators = dict(payload["estimators"])
        model.reference = np.asarray(payload["reference"], dtype=float)
        model.metadata = dict(meta)
        return model
