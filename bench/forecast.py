"""Failure-mode forecasting backtest (issue 6): the model against two baselines, held-out months.

A seeded synthetic history (:func:`rcagraph.forecast.history.generate_history`) is cut into
months. Rolling origin: for each of the last ``--test-months`` months, the model and the
baselines are fitted on the rows whose whole label window ends before the month starts, and
scored on the month's rows (each service × failure mode known at a daily origin, label: an
incident of that mode within the horizon). Features are the same code the graph path uses
(:mod:`rcagraph.forecast.features`).

Baselines, fitted on the same training rows:

* ``base rate (service)``: each service's share of rows with an incident in the horizon;
* ``base rate (service×mode)``: the same per service and mode (shrunk to the service's rate);
* ``recency``: "failed recently, will fail again" — the observed frequency of an incident,
  in training, given whether the same mode hit the same service within the last horizon.

    python -m bench.forecast [--seed 7] [--days 300] [--services 24] [--test-months 3]
                             [--estimator logistic|hgb] [--write-docs]
"""

from __future__ import annotations

import argparse
import itertools
import math
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from bench.docs import replace_section
from rcagraph.forecast.features import (
    FEATURES,
    HORIZONS,
    EventIndex,
    FeatureMatrix,
    build_matrix,
    daily_origins,
)
from rcagraph.forecast.history import HistoryConfig, generate_history
from rcagraph.forecast.model import ForecastConfig, ForecastModel, training_mask

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
BINS = (0.0, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 1.0)
_SINCE = FEATURES.index("mode_log_hours_since")


def _rate_table(keys: list[str], y: np.ndarray) -> dict[str, tuple[float, int]]:
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for k, yi in zip(keys, y, strict=True):
        acc[k][0] += int(yi)
        acc[k][1] += 1
    return {k: (pos / n, n) for k, (pos, n) in acc.items()}


def base_rate_service(train: FeatureMatrix, test: FeatureMatrix, h: str) -> np.ndarray:
    glob = float(train.y[h].mean())
    table = _rate_table([m.service for m in train.meta], train.y[h])
    return np.array([table.get(m.service, (glob, 0))[0] for m in test.meta])


def base_rate_mode(
    train: FeatureMatrix, test: FeatureMatrix, h: str, k: float = 20.0
) -> np.ndarray:
    svc = base_rate_service(train, test, h)
    table = _rate_table([m.mode for m in train.meta], train.y[h])
    out = []
    for m, prior in zip(test.meta, svc, strict=True):
        rate, n = table.get(m.mode, (prior, 0))
        out.append((rate * n + prior * k) / (n + k))
    return np.array(out)


def recent(fm: FeatureMatrix, h: str) -> np.ndarray:
    hours_since = np.expm1(fm.X[:, _SINCE])
    return hours_since <= HORIZONS[h]


def recency(train: FeatureMatrix, test: FeatureMatrix, h: str) -> np.ndarray:
    flag_tr, flag_te = recent(train, h), recent(test, h)
    glob = float(train.y[h].mean())
    p1 = float(train.y[h][flag_tr].mean()) if flag_tr.any() else glob
    p0 = float(train.y[h][~flag_tr].mean()) if (~flag_tr).any() else glob
    return np.where(flag_te, p1, p0)


@dataclass
class Scores:
    brier: float
    pr_auc: float
    roc_auc: float


def score(y: np.ndarray, p: np.ndarray) -> Scores:
    return Scores(
        float(brier_score_loss(y, p)),
        float(average_precision_score(y, p)),
        float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else math.nan,
    )


def calibration(y: np.ndarray, p: np.ndarray) -> list[tuple[str, int, float, float]]:
    rows = []
    for lo, hi in itertools.pairwise(BINS):
        m = (p >= lo) & ((p < hi) if hi < 1.0 else (p <= hi))
        if m.any():
            rows.append(
                (f"{lo:.2f}–{hi:.2f}", int(m.sum()), float(p[m].mean()), float(y[m].mean()))
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=300)
    parser.add_argument("--services", type=int, default=24)
    parser.add_argument("--test-months", type=int, default=3)
    parser.add_argument("--estimator", choices=("logistic", "hgb"), default="logistic")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()

    t0 = time.monotonic()
    history = generate_history(
        HistoryConfig(seed=args.seed, days=args.days, n_services=args.services)
    )
    gen_s = time.monotonic() - t0
    t0 = time.monotonic()
    index = EventIndex(history)
    fm = build_matrix(index, daily_origins(history.start, history.end))
    feat_s = time.monotonic() - t0
    times = fm.times
    month = timedelta(days=30)
    cuts = [history.end - month * (args.test_months - k) for k in range(args.test_months)]

    methods = ("model", "base rate (service)", "base rate (service×mode)", "recency")
    preds: dict[str, dict[str, list[np.ndarray]]] = {h: {m: [] for m in methods} for h in HORIZONS}
    ys: dict[str, list[np.ndarray]] = {h: [] for h in HORIZONS}
    t0 = time.monotonic()
    leaks = 0
    for cut in cuts:
        model = ForecastModel(ForecastConfig(estimator=args.estimator, seed=args.seed))
        model.fit_matrix(fm, cut)
        test_mask_t = (times >= cut.timestamp()) & (times < (cut + month).timestamp())
        for h in HORIZONS:
            tr_mask = training_mask(fm, h, cut)
            leaks += int((times[tr_mask] + HORIZONS[h] * 3600 > cut.timestamp()).sum())
            train = fm.subset(tr_mask)
            test = fm.subset(test_mask_t & fm.complete[h])
            ys[h].append(test.y[h])
            preds[h]["model"].append(model.predict_proba(h, test.X))
            preds[h]["base rate (service)"].append(base_rate_service(train, test, h))
            preds[h]["base rate (service×mode)"].append(base_rate_mode(train, test, h))
            preds[h]["recency"].append(recency(train, test, h))
    fit_s = time.monotonic() - t0
    assert leaks == 0, "a training row's label window reaches past its cut"

    cmd = (
        f"python -m bench.forecast --seed {args.seed} --days {args.days} "
        f"--services {args.services} --test-months {args.test_months} "
        f"--estimator {args.estimator}"
    )
    n_test = {h: int(sum(len(v) for v in ys[h])) for h in HORIZONS}
    lines = [
        "## Forecasting",
        "",
        f"Command: `{cmd}` (seeded; {fit_s + feat_s + gen_s:.0f} s on 2 cores).",
        "",
        f"Synthetic history: {args.days} days, {len(history.components)} components, "
        f"{len(history.edges)} dependencies, {len(history.changes)} changes, "
        f"{len(history.incidents)} incidents in "
        f"{len({i.mode_key for i in history.incidents})} failure modes, "
        f"{len(history.anomalies)} anomalies, {len(history.alerts)} alerts. Rolling origin over "
        f"the last {args.test_months} months: for each held-out month, the model and the "
        "baselines are fitted only on rows whose label window ends before the month starts. "
        "Rows: every service × failure mode known at each daily origin; positive when an "
        "incident of that mode follows within the horizon. "
        f"Model: {args.estimator}, isotonic calibration on time-ordered folds.",
        "",
        "| horizon | method | test rows | positives | Brier ↓ | PR-AUC ↑ | ROC-AUC ↑ |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    verdicts = []
    for h in HORIZONS:
        y = np.concatenate(ys[h])
        res = {m: score(y, np.concatenate(preds[h][m])) for m in methods}
        for m in methods:
            s = res[m]
            lines.append(
                f"| {h} | {m} | {n_test[h]} | {int(y.sum())} | {s.brier:.5f} | "
                f"{s.pr_auc:.3f} | {s.roc_auc:.3f} |"
            )
        baselines = [m for m in methods if m != "model"]
        beats_brier = all(res["model"].brier < res[b].brier for b in baselines)
        beats_pr = all(res["model"].pr_auc > res[b].pr_auc for b in baselines)
        verdicts.append(
            f"- {h}: the model {'beats' if beats_brier else 'does NOT beat'} every baseline on "
            f"Brier score and {'beats' if beats_pr else 'does NOT beat'} every baseline on PR-AUC."
        )
    lines += ["", *verdicts, ""]
    for h in HORIZONS:
        y = np.concatenate(ys[h])
        p = np.concatenate(preds[h]["model"])
        lines += [
            f"Calibration of the model, {h} (held-out rows binned by predicted probability):",
            "",
            "| bin | rows | mean predicted | observed |",
            "|---|---:|---:|---:|",
        ]
        lines += [f"| {b} | {n} | {mp:.4f} | {ob:.4f} |" for b, n, mp, ob in calibration(y, p)]
        lines.append("")
    lines.append(
        f"Timings: history {gen_s:.1f} s, features {feat_s:.1f} s ({len(fm.meta)} rows), "
        f"{len(cuts)} fits and predictions {fit_s:.1f} s."
    )
    text = "\n".join(lines)
    print(text)
    if args.write_docs:
        replace_section(DOC, text)
        print(f"\nwrote the Forecasting section of {DOC}")


if __name__ == "__main__":
    main()
