"""Confidence calibration: a monotone map from the default scorer's raw confidence (support
times separation, see :mod:`rcagraph.engine.scorer`) to how often an answer of that raw
confidence was right.

:func:`fit_calibration` fits it by isotonic regression
(:class:`sklearn.isotonic.IsotonicRegression`) of "was this candidate the cause" on the raw
confidence, then moves each of the regression's
blocks of ``n`` candidates, ``k`` of them right, to ``(k + 1) / (n + 2)`` (Laplace's rule of
succession; where that breaks the order, neighbouring blocks are pooled again, weighted by
``n + 2``, which shrinks them a little more): a block of 40 answers that were all right says
0.98, not 1, and a handful of wrong ones does not say 0. A :class:`Calibration`
keeps the thresholds, applied by linear interpolation between them and clipped at both ends
(as the regression's ``predict`` with ``out_of_bounds="clip"``).

:func:`shipped` is the calibration that comes with rcagraph, fitted only on incidents of its
own simulator (:mod:`rcagraph.synthetic`) by ``python -m bench.default_calibration``; an
untrained :class:`~rcagraph.engine.scorer.DefaultScorer` applies it, so a confidence of 0.8
means "right about four times in five" before a deployment has confirmed incidents of its own
(``rcagraph train`` then fits one on them). ``docs/benchmarks.md`` reports, per real dataset,
how often its answers at 0.8 or more are right.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
from sklearn.isotonic import IsotonicRegression

from rcagraph.errors import ModelError

#: the shipped calibration's file, beside this module
SHIPPED_FILE = "default_calibration.json"


@dataclass(frozen=True, slots=True)
class Calibration:
    """Thresholds ``x`` (raw confidence, increasing) and ``y`` (share right, non-decreasing)."""

    x: tuple[float, ...]
    y: tuple[float, ...]
    #: what it was fitted on, for the record (command, seed, incidents)
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not all(math.isfinite(v) for v in (*self.x, *self.y)):
            raise ModelError("a calibration's thresholds must be finite numbers")
        if not self.x or len(self.x) != len(self.y):
            raise ModelError("a calibration needs as many y as x thresholds, at least one")
        if any(b < a for a, b in zip(self.x, self.x[1:], strict=False)) or any(
            b < a for a, b in zip(self.y, self.y[1:], strict=False)
        ):
            raise ModelError("a calibration's thresholds must be non-decreasing")
        if not all(0.0 <= v <= 1.0 for v in self.y):
            raise ModelError("a calibration maps to [0, 1]")

    def apply(self, values: Sequence[float]) -> list[float]:
        """The calibrated confidence of each raw value."""
        out = np.interp(np.asarray(values, dtype=float), self.x, self.y)
        return [float(v) for v in out]

    @classmethod
    def from_isotonic(cls, iso: IsotonicRegression) -> Calibration:
        return cls(
            x=tuple(float(v) for v in iso.X_thresholds_),
            y=tuple(float(v) for v in iso.y_thresholds_),
        )

    def to_json(self) -> dict[str, Any]:
        return {"x": list(self.x), "y": list(self.y), "meta": dict(self.meta)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Calibration:
        try:
            return cls(
                x=tuple(float(v) for v in data["x"]),
                y=tuple(float(v) for v in data["y"]),
                meta=dict(data.get("meta") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"not a calibration: {exc}") from exc


@lru_cache(maxsize=1)
def shipped() -> Calibration:
    """The calibration shipped with rcagraph (fitted on its simulator's incidents)."""
    text = resources.files("rcagraph.engine").joinpath(SHIPPED_FILE).read_text(encoding="utf-8")
    return Calibration.from_json(json.loads(text))


def fit_calibration(raw: Sequence[float], right: Sequence[bool]) -> Calibration | None:
    """The calibration of raw confidences ``raw`` whose candidates were ``right`` or not (see
    the module docstring); None when they were all right or all wrong."""
    x = np.asarray(raw, dtype=float)
    y = np.asarray(right, dtype=float)
    if x.size != y.size:
        raise ModelError("a calibration needs one outcome per raw confidence")
    if x.size == 0 or len(set(y.tolist())) < 2:
        return None
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(x, y)
    # the regression's blocks from its own thresholds: runs of equal (stored, not interpolated)
    # levels, each spanning [first, last] threshold; every sample lies in exactly one
    tx, ty = iso.X_thresholds_, iso.y_thresholds_
    spans: list[tuple[float, float]] = []
    start = 0
    for i in range(1, len(tx) + 1):
        if i == len(tx) or ty[i] != ty[start]:
            spans.append((float(tx[start]), float(tx[i - 1])))
            start = i
    lo, hi, shrunk, weight = [], [], [], []
    for a, b in spans:
        members = (x >= a) & (x <= b)
        n, k = int(members.sum()), float(y[members].sum())
        lo.append(a)
        hi.append(b)
        shrunk.append((k + 1.0) / (n + 2.0))
        weight.append(n + 2.0)

    pooled = IsotonicRegression(y_min=0.0, y_max=1.0).fit(
        np.arange(len(spans), dtype=float), np.asarray(shrunk), sample_weight=np.asarray(weight)
    )
    level = pooled.predict(np.arange(len(spans), dtype=float))
    xs: list[float] = []
    ys: list[float] = []
    for a, b, v in zip(lo, hi, level, strict=True):
        for point in (a, b) if b > a else (a,):
            xs.append(point)
            ys.append(float(v))
    return Calibration(x=tuple(xs), y=tuple(ys))


def calibration_of(stored: Any) -> Calibration | None:
    """A calibration as a model file stores it: its JSON form, or (model files written before
    it had one) the fitted :class:`~sklearn.isotonic.IsotonicRegression` itself."""
    if stored is None:
        return None
    if isinstance(stored, IsotonicRegression):
        return Calibration.from_isotonic(stored)
    if isinstance(stored, Mapping):
        return Calibration.from_json(stored)
    raise ModelError(f"not a calibration: {type(stored).__name__}")
