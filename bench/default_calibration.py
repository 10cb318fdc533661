"""Fit the confidence calibration shipped with rcagraph, on the simulator's incidents only.

    python -m bench.default_calibration [--per-system N] [--seed S] [--systems a,b]

Generates ``N`` bundles per system with :mod:`rcagraph.synthetic` (seed ``S``, kept apart from
the accuracy benchmark's test seed 7 and training seed 1007 and from any dataset nobody here
produced), loads each into its own scope, ranks its view with the untrained default scorer and
fits :func:`rcagraph.engine.calibration.fit_calibration` ("was this candidate the cause" on the
raw confidence of every candidate; ``DefaultScorer`` with ``fit_priors=False``: calibration
only, the ranking order stays the untrained one). The thresholds are written to
``src/rcagraph/engine/default_calibration.json`` (:func:`rcagraph.engine.calibration.shipped`),
with what they were fitted on. No real dataset enters it; ``bench.accuracy`` reports how it
does on each real one.

Needs a running managed server (``rcagraph db start``); about 5 s per bundle.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from dataclasses import replace
from pathlib import Path

from bench.accuracy import load_cases, synthetic_fault
from rcagraph.__version__ import __version__
from rcagraph.core import RcaGraph
from rcagraph.engine.calibration import SHIPPED_FILE
from rcagraph.engine.scorer import DefaultScorer, ScorerConfig
from rcagraph.settings import Settings
from rcagraph.synthetic.incidents import TOPOLOGIES, generate

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out" / "calibration"
TARGET = REPO / "src" / "rcagraph" / "engine" / SHIPPED_FILE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.default_calibration", description=__doc__
    )
    parser.add_argument("--per-system", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--systems", default=",".join(TOPOLOGIES))
    parser.add_argument("--out", type=Path, default=TARGET)
    args = parser.parse_args(argv)
    if args.seed in (7, 1007):
        parser.error("seeds 7 and 1007 are the accuracy benchmark's test and training bundles")
    systems = [s for s in args.systems.split(",") if s]
    t0 = time.perf_counter()
    bundles = generate(OUT, systems, args.per_system, args.seed)
    with RcaGraph.open(Settings()) as rca:
        rca.apply_schema()
        cases, failures = load_cases(rca, bundles, label="calibration", fault_of=synthetic_fault)
        for c in cases:
            rca.delete_scope(c.scope)
    if failures:
        print("\n".join(failures), file=sys.stderr)
        return 1
    scorer = DefaultScorer(ScorerConfig(fit_priors=False, calibration="none"))
    scorer.fit([(c.view, c.truth) for c in cases])
    if scorer.calibrator is None:
        print(
            "no calibration: the incidents' candidates were all right or all wrong", file=sys.stderr
        )
        return 1
    given = argv if argv is not None else sys.argv[1:]
    command = " ".join(
        ["python -m bench.default_calibration", *([shlex.join(given)] if given else [])]
    )
    cal = replace(
        scorer.calibrator,
        meta={
            "command": command,
            "fitted_on": "rcagraph.synthetic incidents only",
            "systems": systems,
            "per_system": args.per_system,
            "seed": args.seed,
            "incidents": len(cases),
            "rcagraph": __version__,
        },
    )
    args.out.write_text(json.dumps(cal.to_json(), indent=1) + "\n", encoding="utf-8")
    print(
        f"wrote {args.out} ({len(cal.x)} thresholds, {len(cases)} incidents, "
        f"{time.perf_counter() - t0:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
