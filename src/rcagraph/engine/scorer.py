"""The transparent default scorer: a documented weighted sum of explainable features.

For each candidate (see :mod:`rcagraph.engine.features`)::

    raw   = Σ weight[f] · feature[f]                      (weights: ScorerConfig.weights)
    gate  = 1                  if the candidate is on a dependency path out of a symptom
            no_service_factor  if it is a change that reaches no known component
            off_path_factor    otherwise (a loud component off every path cannot win)
    score = gate · (1 - exp(-max(raw, 0) / saturation))   in [0, 1)

Raw confidence: ``score · softmax(score / temperature)`` over the incident's candidates — high
only when a candidate is both well supported and clearly ahead of the others. Untrained, it is
mapped through the calibration shipped with rcagraph (:func:`rcagraph.engine.calibration.shipped`,
an isotonic regression fitted on the simulator's incidents; ``calibration="none"`` keeps the raw
value). After :meth:`DefaultScorer.fit` on labelled incidents, it is mapped through an
isotonic regression fitted there on "was this candidate the cause" (scikit-learn), and per
(service, kind) priors enter as features.

The incident is *abstained* when the best score is below ``abstain_below``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta
from itertools import repeat
from operator import mul
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, Field

from rcagraph.engine.base import Truth
from rcagraph.engine.calibration import Calibration, calibration_of, fit_calibration, shipped
from rcagraph.engine.candidates import to_candidates
from rcagraph.engine.features import (
    FEATURE_NAMES,
    CandidateFeatures,
    FeatureConfig,
    Priors,
    build_candidates,
    is_hit,
    labelled_candidates,
    learn_priors,
)
from rcagraph.engine.persist import load_model, save_model
from rcagraph.engine.result import Ranking
from rcagraph.engine.view import IncidentView

DEFAULT_WEIGHTS: dict[str, float] = {
    # what explains the symptom: a root anomaly that follows the change / has no earlier
    # dependency anomaly, and travels up to the symptom at the incident's onset
    "change_explains": 4.0,
    "root_explains": 2.0,
    "reaches_symptom": 1.0,
    "root_onset": 0.5,
    "deepest": 0.5,
    "callers_follow": 0.5,
    "leads_symptom": 0.25,
    "sustained": 1.0,
    "alert_after_change": 0.5,
    # timing of the change
    "is_change": 0.5,
    "anomaly_after_change": 1.0,
    "new_template_after_change": 1.0,
    "change_to_onset": 1.0,
    "change_to_symptom": 0.5,
    "recency": 0.2,
    # position and size
    "anomalous": 0.5,
    "coverage": 1.0,
    "path_len": 0.5,
    "path_weight": 0.5,
    "magnitude": 0.5,
    "relative_magnitude": 1.0,
    "loudness": 0.2,
    # how far beyond its normal operation, and in the symptom's signal class (real telemetry:
    # where onset order is not observable, rcagraph.engine.strength)
    "dominance": 3.0,
    "signal_match": 1.0,
    "saturation_dominance": 2.0,
    # change attributes
    "first_deploy": 0.3,
    "rollout_share": 0.2,
    "rollback": -0.5,
    # canary analysis: the release's new pods against its old pods in the same minutes
    "canary_degraded": 2.5,
    "canary_same": -1.5,
    # learned priors (0 until fitted)
    "prior_service_kind": 2.0,
    "prior_kind": 1.0,
    # contrary evidence
    "anomalous_before_change": -2.5,
    "change_after_onset": -3.0,
    "explained_by_change": -3.0,
    "alert_only": -0.5,
    "victim": -3.0,
    "mirrors_peer": -3.0,
    "unfelt_by_callers": -3.0,
}


class ScorerConfig(BaseModel):
    """All settings of the default scorer (see the module docstring for the formula)."""

    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    off_path_factor: float = Field(default=0.1, ge=0, le=1)
    no_service_factor: float = Field(default=0.5, ge=0, le=1)
    saturation: float = Field(default=5.0, gt=0)
    temperature: float = Field(default=0.08, gt=0)
    abstain_below: float = Field(default=0.35, ge=0, le=1)
    doubt_weight: float = Field(
        default=0.5,
        ge=0,
        description="contrary evidence (weighted, on the candidate itself) from which its "
        "confidence is capped at doubt_cap (0: never)",
    )
    doubt_cap: float = Field(default=0.5, ge=0, le=1)
    max_candidates: int = Field(default=20, ge=1)
    max_evidence: int = Field(default=5, ge=1)
    skew_s: float = Field(default=120.0, ge=0, description="clock-skew tolerance, seconds")
    calibration: Literal["shipped", "none"] = Field(
        default="shipped",
        description="untrained, map the confidence through the calibration shipped with "
        "rcagraph, fitted on its simulator's incidents (engine.calibration); none: the raw "
        "confidence. A fitted scorer uses its own calibration (or, fitted on incidents that "
        "were all right or all wrong, the raw confidence)",
    )
    fit_priors: bool = Field(
        default=True,
        description="fit learns priors as well as the confidence calibration (False: "
        "calibration only, the ranking order stays the untrained scorer's)",
    )

    def feature_config(self) -> FeatureConfig:
        return FeatureConfig(skew=timedelta(seconds=self.skew_s))


def gate(features: dict[str, float], cfg: ScorerConfig) -> float:
    if features.get("on_path", 0.0) >= 1.0:
        return 1.0
    if features.get("no_service", 0.0) >= 1.0:
        return cfg.no_service_factor
    return cfg.off_path_factor


def default_score(features: dict[str, float], cfg: ScorerConfig) -> float:
    # Σ weight · feature in the weights' order (the same float sum as a generator over
    # cfg.weights.items(), without a Python frame per term: this runs once per candidate)
    raw = sum(map(mul, cfg.weights.values(), map(features.get, cfg.weights, repeat(0.0))))
    return gate(features, cfg) * (1.0 - math.exp(-max(raw, 0.0) / cfg.saturation))


def contrary_weight(
    features: dict[str, float], cfg: ScorerConfig, contrary: Sequence[tuple[str, float]] = ()
) -> float:
    """How much of a candidate's own evidence speaks against it: the weighted sum of its
    contrary features (those of negative weight: a victim, a mirror of a failing peer, a
    failure its callers did not feel, a change that came after the onset, ...), positive.
    ``contrary``: those (name, weight) pairs, when the caller has them at hand."""
    pairs = contrary or [(name, w) for name, w in cfg.weights.items() if w < 0]
    return -sum(w * features.get(name, 0.0) for name, w in pairs)


def doubted(
    features: dict[str, float],
    confidence: float,
    cfg: ScorerConfig,
    contrary: Sequence[tuple[str, float]] = (),
) -> float:
    """The confidence of a candidate whose own evidence speaks against it (by at least
    ``doubt_weight``) is at most ``doubt_cap``: it may still lead when nothing else explains
    the symptom, but the calibration, fitted where such leaders are rare, cannot say how
    often it is right."""
    if cfg.doubt_weight > 0 and contrary_weight(features, cfg, contrary) >= cfg.doubt_weight:
        return min(confidence, cfg.doubt_cap)
    return confidence


def softmax_confidence(scores: Sequence[float], temperature: float) -> list[float]:
    """``score · softmax(score / T)``: support times separation from the other candidates."""
    if not scores:
        return []
    m = max(scores)
    ex = [math.exp((s - m) / temperature) for s in scores]
    z = sum(ex)
    return [s * e / z for s, e in zip(scores, ex, strict=True)]


class DefaultScorer:
    """The transparent default ranker (works untrained; ``fit`` adds priors and calibration)."""

    name = "default"

    def __init__(self, config: ScorerConfig | None = None) -> None:
        self.config: ScorerConfig = config or ScorerConfig()
        self.priors: Priors | None = None
        self.calibrator: Calibration | None = None
        #: trained (by fit, or loaded from a model file): its own calibration, or none, is
        #: used, never the shipped one (fitted for the untrained scorer's raw confidence)
        self.fitted = False

    # -- training ----------------------------------------------------------------------------

    def fit(self, examples: Sequence[tuple[IncidentView, Truth]]) -> Self:
        fcfg = self.config.feature_config()
        labelled = labelled_candidates(examples, fcfg, None)
        self.priors = learn_priors(labelled) if self.config.fit_priors else None
        xs: list[float] = []
        hits: list[bool] = []
        for _, truth, cands, _ in labelled:
            # leave-one-out priors would need a rebuild; priors are applied to the calibration
            # set as the ranker will see them at inference
            ranked = self._score(cands)
            for c, conf in zip(cands, ranked, strict=True):
                xs.append(conf)
                hits.append(is_hit(truth, c))
        self.calibrator = fit_calibration(xs, hits)
        self.fitted = True
        return self

    def _score(self, cands: Sequence[CandidateFeatures]) -> list[float]:
        scores = [default_score(c.features, self.config) for c in cands]
        return softmax_confidence(scores, self.config.temperature)

    # -- ranking ------------------------------------------------------------------------------

    def rank(self, view: IncidentView) -> Ranking:
        cands = build_candidates(view, self.config.feature_config(), self.priors)
        scores = [default_score(c.features, self.config) for c in cands]
        conf = softmax_confidence(scores, self.config.temperature)
        if self.calibrator is not None and conf:
            conf = self.calibrator.apply(conf)
        elif self.config.calibration == "shipped" and not self.fitted and conf:
            conf = shipped().apply(conf)
        contrary = [(name, w) for name, w in self.config.weights.items() if w < 0]
        conf = [
            doubted(c.features, v, self.config, contrary) for c, v in zip(cands, conf, strict=True)
        ]
        candidates = to_candidates(
            cands, scores, conf, self.config.max_candidates, self.config.max_evidence
        )
        top = candidates[0].score if candidates else 0.0
        return Ranking(
            incident=view.incident.id,
            scope=view.scope,
            ranker=self.name,
            abstained=top < self.config.abstain_below,
            candidates=candidates,
        )

    # -- persistence --------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        payload: dict[str, Any] = {
            "config": self.config.model_dump(mode="json"),
            "priors": self.priors.to_json() if self.priors else None,
            "calibrator": self.calibrator.to_json() if self.calibrator else None,
            "fitted": self.fitted,
        }
        save_model(path, self.name, payload, {"feature_names": list(FEATURE_NAMES)})

    @classmethod
    def load(cls, path: Path) -> Self:
        payload, _ = load_model(path, cls.name)
        obj = cls(ScorerConfig.model_validate(payload["config"]))
        if payload.get("priors") is not None:
            obj.priors = Priors.from_json(payload["priors"])
        obj.calibrator = calibration_of(payload.get("calibrator"))
        obj.fitted = bool(payload.get("fitted", True))  # format-1 files hold trained scorers
        return obj
